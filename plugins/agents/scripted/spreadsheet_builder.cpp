#include "agent_memory.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <vector>

namespace folio_scripted {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const std::vector<std::string>& sample_regions() {
  static const std::vector<std::string> regions{"North", "South", "East", "West"};
  return regions;
}
constexpr std::string_view sample_note = "Sample figures generated for illustration: replace them with actuals.";

json& objects(turn_context& turn) {
  return memory_objects(turn);
}

void remember_sheet(turn_context& turn, const std::string& name) {
  remember_container(turn, name, {{"type", "sheet"}});
}

std::string column_letter(int column) { // 1 → A, 27 → AA
  std::string letters;
  for (; column > 0; column = (column - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('A' + (column - 1) % 26));
  }
  return letters;
}

std::string cell(int column, int row) {
  return column_letter(column) + std::to_string(row);
}

std::string range(int first_column, int first_row, int last_column, int last_row) {
  return cell(first_column, first_row) + ":" + cell(last_column, last_row);
}

// A sheet name as formulas spell it: quoted when it is more than letters, digits and underscores.
std::string sheet_reference(const std::string& sheet) {
  for (const char each : sheet) {
    if (std::isalnum(static_cast<unsigned char>(each)) == 0 && each != '_') {
      std::string quoted = "'";
      for (const char inner : sheet) {
        quoted += inner == '\'' ? std::string("''") : std::string(1, inner);
      }
      return quoted + "'";
    }
  }
  return sheet;
}

// The editor's spreadsheet tools, one function each, so the calls read as what they do.
class workbook {
public:
  explicit workbook(turn_context& turn) : turn_(turn) {}

  folio::result<json> add_sheet(const std::string& name) { return turn_.call("add_sheet", {{"name", name}}); }
  folio::result<json> rename_sheet(const std::string& from, const std::string& to) {
    return turn_.call("rename_sheet", {{"sheet", from}, {"new_name", to}});
  }
  folio::result<json> delete_sheet(const std::string& name) { return turn_.call("delete_sheet", {{"sheet", name}}); }
  folio::result<json> write(const std::string& sheet, const std::string& top_left, const json& rows) {
    return turn_.call("write_range", {{"sheet", sheet}, {"cell", top_left}, {"values", rows}});
  }
  folio::result<json> number_format(const std::string& sheet, const std::string& cells, const std::string& format) {
    return turn_.call("set_number_format", {{"sheet", sheet}, {"range", cells}, {"format", format}});
  }
  folio::result<json> emphasise(const std::string& sheet, const std::string& cells, bool with_fill) {
    json style{{"sheet", sheet}, {"range", cells}, {"bold", true}};
    if (with_fill) {
      style["fill_color"] = "#DDEBF7";
    }
    return turn_.call("set_style", style);
  }
  folio::result<json> column_width(const std::string& sheet, const std::string& columns, double width) {
    return turn_.call("set_column_width", {{"sheet", sheet}, {"columns", columns}, {"width", width}});
  }
  folio::result<json> freeze(const std::string& sheet, int rows, int columns) {
    return turn_.call("freeze_panes", {{"sheet", sheet}, {"rows", rows}, {"columns", columns}});
  }
  folio::result<json> name_range(const std::string& name, const std::string& sheet, const std::string& cells) {
    return turn_.call("add_named_range", {{"name", name}, {"range", sheet_reference(sheet) + "!" + cells}});
  }
  folio::result<json> chart(const std::string& sheet, const std::string& name, chart_kind kind,
                            const std::string& cells, const std::string& title, const std::string& anchor) {
    return turn_.call("add_chart", {{"sheet", sheet},
                                    {"name", name},
                                    {"kind", to_string(kind)},
                                    {"data_range", cells},
                                    {"title", title},
                                    {"anchor", anchor}});
  }
  folio::result<json> move_chart(const std::string& name, const std::string& sheet, const std::string& anchor) {
    return turn_.call("move_chart", {{"chart", name}, {"sheet", sheet}, {"anchor", anchor}});
  }

private:
  turn_context& turn_;
};

#define FOLIO_SCRIPTED_TRY(expression)                                                                                 \
  if (auto step_result = (expression); !step_result) {                                                                 \
    return step_result.error();                                                                                        \
  }

// The first sheet of a new workbook is the office's default one; a template takes it over instead of leaving an
// empty sheet in front of its own.
folio::result<void> take_first_sheet(turn_context& turn, workbook& book, const std::string& name) {
  const bool fresh = turn.memory()["order"].empty();
  if (fresh && book.rename_sheet("Sheet1", name)) {
    remember_sheet(turn, name);
    return folio::success();
  }
  FOLIO_SCRIPTED_TRY(book.add_sheet(name));
  remember_sheet(turn, name);
  return folio::success();
}

std::string unique_sheet_name(turn_context& turn, const std::string& wanted) {
  auto name = wanted;
  for (int suffix = 2; objects(turn).contains(name); ++suffix) {
    name = wanted + " (" + std::to_string(suffix) + ")";
  }
  return name;
}

std::string active_sheet(turn_context& turn) {
  const auto& memory = turn.memory();
  if (memory.contains("active") && memory["active"].is_string()) {
    return memory["active"].get<std::string>();
  }
  return "Sheet1";
}

folio::result<std::string> sales_report(turn_context& turn, const sales_report_request& wanted) {
  workbook book(turn);
  const auto period = "Q" + std::to_string(wanted.quarter) + (wanted.year ? " " + std::to_string(*wanted.year) : "");
  const auto sheet = unique_sheet_name(turn, "Q" + std::to_string(wanted.quarter) + " Sales");
  const auto& regions = wanted.regions.empty() ? sample_regions() : wanted.regions;
  const int first_month = (wanted.quarter - 1) * 3;
  const int last_row = static_cast<int>(regions.size()) + 1;
  const int total_row = last_row + 1;

  FOLIO_SCRIPTED_TRY(take_first_sheet(turn, book, sheet));
  json rows = json::array();
  rows.push_back({"Region", month_names.at(static_cast<std::size_t>(first_month)),
                  month_names.at(static_cast<std::size_t>(first_month) + 1),
                  month_names.at(static_cast<std::size_t>(first_month) + 2), period + " Total"});
  for (std::size_t index = 0; index < regions.size(); ++index) {
    const int row = static_cast<int>(index) + 2;
    json line{regions[index]};
    for (int month = 0; month < 3; ++month) {
      line.push_back(sample_figure(period + regions[index] + std::to_string(month), 40'000, 160'000));
    }
    line.push_back("=SUM(" + range(2, row, 4, row) + ")");
    rows.push_back(line);
  }
  json totals{"Total"};
  for (int column = 2; column <= 5; ++column) {
    totals.push_back("=SUM(" + range(column, 2, column, last_row) + ")");
  }
  rows.push_back(totals);
  FOLIO_SCRIPTED_TRY(book.write(sheet, "A1", rows));
  FOLIO_SCRIPTED_TRY(book.write(sheet, cell(1, total_row + 2), json::array({json::array({sample_note})})));
  FOLIO_SCRIPTED_TRY(book.number_format(sheet, range(2, 2, 5, total_row), "#,##0"));
  FOLIO_SCRIPTED_TRY(book.emphasise(sheet, range(1, 1, 5, 1), true));
  FOLIO_SCRIPTED_TRY(book.emphasise(sheet, range(1, total_row, 5, total_row), false));
  FOLIO_SCRIPTED_TRY(book.column_width(sheet, "A:E", 14));
  FOLIO_SCRIPTED_TRY(book.freeze(sheet, 1, 1));
  const auto total_name = unique_object_name(turn, "Q" + std::to_string(wanted.quarter) + "_Total");
  FOLIO_SCRIPTED_TRY(book.name_range(total_name, sheet, cell(5, total_row)));
  const auto chart_name = unique_object_name(turn, "revenue_chart");
  const auto chart_title = period + " revenue by region";
  const auto chart_range = range(1, 1, 4, last_row);
  FOLIO_SCRIPTED_TRY(book.chart(sheet, chart_name, chart_kind::column, chart_range, chart_title, "G2"));

  auto& known = objects(turn);
  json region_names = json::array();
  for (const auto& region : regions) {
    region_names.push_back(region);
  }
  known["sales_table"] = {{"type", "table"},        {"sheet", sheet},      {"range", range(1, 1, 5, total_row)},
                          {"rows", region_names},   {"first_row", 2},      {"last_row", last_row},
                          {"total_row", total_row}, {"total_column", "E"}, {"period", period}};
  known[total_name] = {{"type", "named_range"}, {"sheet", sheet}, {"range", cell(5, total_row)}};
  known[chart_name] = {{"type", "chart"},      {"sheet", sheet},       {"kind", "column"},
                       {"range", chart_range}, {"title", chart_title}, {"anchor", "G2"}};
  turn.memory()["templates"].push_back("sales_report");
  return "built the " + period + " sales report on sheet '" + sheet + "' with " + std::to_string(regions.size()) +
         " regions, totals as formulas and the chart '" + chart_name + "'";
}

folio::result<std::string> forecast(turn_context& turn, const forecast_request& wanted) {
  workbook book(turn);
  const auto sheet = unique_sheet_name(turn, "Forecast " + wanted.fiscal_year);
  const double growth = wanted.growth.value_or(0.08);
  const bool from_sales = has_object(turn, "sales_table", "table");
  std::vector<std::string> regions = sample_regions();
  std::string source_sheet;
  int source_first_row = 2;
  if (from_sales) {
    const auto& sales = objects(turn)["sales_table"];
    regions = sales["rows"].get<std::vector<std::string>>();
    source_sheet = sales["sheet"].get<std::string>();
    source_first_row = sales["first_row"].get<int>();
  }
  const int last_row = static_cast<int>(regions.size()) + 1;
  const int total_row = last_row + 1;
  const int assumption_row = total_row + 2;
  const auto growth_cell = "$B$" + std::to_string(assumption_row);

  FOLIO_SCRIPTED_TRY(take_first_sheet(turn, book, sheet));
  json rows = json::array();
  rows.push_back({"Region", "Annual run-rate", "Growth", wanted.fiscal_year + " Forecast"});
  for (std::size_t index = 0; index < regions.size(); ++index) {
    const int row = static_cast<int>(index) + 2;
    json line;
    if (from_sales) {
      // Linked, not copied: a corrected actual flows into the forecast.
      const auto source_row = std::to_string(source_first_row + static_cast<int>(index));
      line = {"=" + sheet_reference(source_sheet) + "!A" + source_row,
              "=" + sheet_reference(source_sheet) + "!E" + source_row + "*4"};
    } else {
      line = {regions[index], sample_figure(wanted.fiscal_year + regions[index], 400'000, 1'600'000)};
    }
    line.push_back("=" + growth_cell);
    line.push_back("=" + cell(2, row) + "*(1+" + cell(3, row) + ")");
    rows.push_back(line);
  }
  rows.push_back(
      {"Total", "=SUM(" + range(2, 2, 2, last_row) + ")", nullptr, "=SUM(" + range(4, 2, 4, last_row) + ")"});
  rows.push_back({nullptr, nullptr, nullptr, nullptr});
  rows.push_back({"Growth assumption", growth, nullptr, nullptr});
  FOLIO_SCRIPTED_TRY(book.write(sheet, "A1", rows));
  const std::string basis = from_sales
                                ? "Run-rate is the " + objects(turn)["sales_table"]["period"].get<std::string>() +
                                      " total on sheet '" + source_sheet + "' times four."
                                : std::string(sample_note);
  FOLIO_SCRIPTED_TRY(book.write(sheet, cell(1, assumption_row + 1), json::array({json::array({basis})})));
  FOLIO_SCRIPTED_TRY(book.number_format(sheet, range(2, 2, 2, total_row), "#,##0"));
  FOLIO_SCRIPTED_TRY(book.number_format(sheet, range(4, 2, 4, total_row), "#,##0"));
  FOLIO_SCRIPTED_TRY(book.number_format(sheet, range(3, 2, 3, last_row), "0.0%"));
  FOLIO_SCRIPTED_TRY(book.number_format(sheet, cell(2, assumption_row), "0.0%"));
  FOLIO_SCRIPTED_TRY(book.emphasise(sheet, range(1, 1, 4, 1), true));
  FOLIO_SCRIPTED_TRY(book.emphasise(sheet, range(1, total_row, 4, total_row), false));
  FOLIO_SCRIPTED_TRY(book.column_width(sheet, "A:D", 18));
  const auto growth_name = unique_object_name(turn, wanted.fiscal_year + "_Growth");
  FOLIO_SCRIPTED_TRY(book.name_range(growth_name, sheet, cell(2, assumption_row)));

  auto& known = objects(turn);
  known["forecast_table_" + wanted.fiscal_year] = {{"type", "table"},
                                                   {"sheet", sheet},
                                                   {"range", range(1, 1, 4, total_row)},
                                                   {"first_row", 2},
                                                   {"last_row", last_row},
                                                   {"total_row", total_row},
                                                   {"linked_to", source_sheet},
                                                   {"growth_cell", cell(2, assumption_row)}};
  known[growth_name] = {{"type", "named_range"}, {"sheet", sheet}, {"range", cell(2, assumption_row)}};
  turn.memory()["templates"].push_back("forecast");
  return "added the " + wanted.fiscal_year + " forecast on sheet '" + sheet + "'" +
         (from_sales ? ", linked by formulas to '" + source_sheet + "'" : " from sample figures");
}

folio::result<std::string> financial_model(turn_context& turn, const financial_model_request& wanted) {
  workbook book(turn);
  const std::string company = wanted.company.value_or("Sample Co.");
  const std::array<std::string, 3> years{"FY2026", "FY2027", "FY2028"};
  const std::string assumptions = unique_sheet_name(turn, "Assumptions");
  const std::string income = unique_sheet_name(turn, "Income Statement");
  const std::string balance = unique_sheet_name(turn, "Balance Sheet");
  const std::string cash = unique_sheet_name(turn, "Cash Flow");
  const auto a = sheet_reference(assumptions) + "!";
  const auto i = sheet_reference(income) + "!";
  const auto c = sheet_reference(cash) + "!";

  // Every sheet exists before any formula is written: a formula naming a sheet that does not exist yet is an error
  // (#NAME?) that stays one.
  FOLIO_SCRIPTED_TRY(take_first_sheet(turn, book, assumptions));
  for (const auto& sheet : {income, cash, balance}) {
    FOLIO_SCRIPTED_TRY(book.add_sheet(sheet));
    remember_sheet(turn, sheet);
  }
  FOLIO_SCRIPTED_TRY(book.write(
      assumptions, "A1",
      json::array({json::array({company + ": assumptions", nullptr}),
                   json::array({"Starting revenue", sample_figure(company, 800'000, 2'000'000)}),
                   json::array({"Revenue growth", 0.12}), json::array({"Cost of sales (% of revenue)", 0.42}),
                   json::array({"Operating expenses (% of revenue)", 0.28}),
                   json::array({"Depreciation (% of opening PP&E)", 0.1}), json::array({"Capital expenditure", 60'000}),
                   json::array({"Tax rate", 0.25}), json::array({"Opening cash", 250'000}),
                   json::array({std::string(sample_note), nullptr})})));
  FOLIO_SCRIPTED_TRY(book.number_format(assumptions, "B3:B6", "0.0%"));
  FOLIO_SCRIPTED_TRY(book.number_format(assumptions, "B8", "0.0%"));

  // Income statement: columns B..D are the three years.
  json income_rows = json::array({json::array({"Income statement", years[0], years[1], years[2]})});
  const std::array<std::string, 9> income_labels{"Revenue",   "Cost of sales", "Gross profit", "Operating expenses",
                                                 "EBITDA",    "Depreciation",  "EBIT",         "Tax",
                                                 "Net income"};
  for (std::size_t line = 0; line < income_labels.size(); ++line) {
    json row{income_labels[line]};
    for (int year = 0; year < 3; ++year) {
      const auto col = column_letter(year + 2);
      const auto previous = column_letter(year + 1);
      const auto at = [&](int r) { return col + std::to_string(r); };
      switch (line) {
      case 0: row.push_back(year == 0 ? "=" + a + "B2" : "=" + previous + "2*(1+" + a + "$B$3)"); break;
      case 1: row.push_back("=-" + at(2) + "*" + a + "$B$4"); break;
      case 2: row.push_back("=" + at(2) + "+" + at(3)); break;
      case 3: row.push_back("=-" + at(2) + "*" + a + "$B$5"); break;
      case 4: row.push_back("=" + at(4) + "+" + at(5)); break;
      case 5:
        row.push_back("=-" + sheet_reference(balance) + "!" + (year == 0 ? std::string("B") : previous) +
                      (year == 0 ? "9" : "3") + "*" + a + "$B$6");
        break;
      case 6: row.push_back("=" + at(6) + "+" + at(7)); break;
      case 7: row.push_back("=-MAX(0," + at(8) + "*" + a + "$B$8)"); break;
      default: row.push_back("=" + at(8) + "+" + at(9)); break;
      }
    }
    income_rows.push_back(row);
  }
  FOLIO_SCRIPTED_TRY(book.write(income, "A1", income_rows));

  // Cash flow: net income plus depreciation less capex; closing cash carries forward.
  json cash_rows = json::array({json::array({"Cash flow", years[0], years[1], years[2]})});
  const std::array<std::string, 6> cash_labels{"Net income",    "Add back depreciation", "Capital expenditure",
                                               "Net cash flow", "Opening cash",          "Closing cash"};
  for (std::size_t line = 0; line < cash_labels.size(); ++line) {
    json row{cash_labels[line]};
    for (int year = 0; year < 3; ++year) {
      const auto col = column_letter(year + 2);
      const auto previous = column_letter(year + 1);
      switch (line) {
      case 0: row.push_back("=" + i + col + "10"); break;
      case 1: row.push_back("=-" + i + col + "7"); break;
      case 2: row.push_back("=-" + a + "$B$7"); break;
      case 3: row.push_back("=SUM(" + col + "2:" + col + "4)"); break;
      case 4: row.push_back(year == 0 ? "=" + a + "B9" : "=" + previous + "7"); break;
      default: row.push_back("=" + col + "5+" + col + "6"); break;
      }
    }
    cash_rows.push_back(row);
  }
  FOLIO_SCRIPTED_TRY(book.write(cash, "A1", cash_rows));

  // Balance sheet: assets are cash and PP&E; equity is opening capital plus retained earnings, so the check row is
  // zero every year. Row 9 holds the opening PP&E (none): the first year depreciates nothing, later years the
  // previous year's PP&E.
  json balance_rows = json::array({json::array({"Balance sheet", years[0], years[1], years[2]})});
  const std::array<std::string, 7> balance_labels{"Cash",
                                                  "PP&E",
                                                  "Total assets",
                                                  "Paid-in capital",
                                                  "Retained earnings",
                                                  "Total equity",
                                                  "Check (assets - equity)"};
  for (std::size_t line = 0; line < balance_labels.size(); ++line) {
    json row{balance_labels[line]};
    for (int year = 0; year < 3; ++year) {
      const auto col = column_letter(year + 2);
      const auto previous = column_letter(year + 1);
      switch (line) {
      case 0: row.push_back("=" + c + col + "7"); break;
      case 1:
        row.push_back((year == 0 ? std::string("=B9") : "=" + previous + "3") + "-" + c + col + "4-" + c + col + "3");
        break;
      case 2: row.push_back("=" + col + "2+" + col + "3"); break;
      case 3: row.push_back("=" + a + "$B$9"); break;
      case 4: row.push_back((year == 0 ? std::string("=") : "=" + previous + "6+") + i + col + "10"); break;
      case 5: row.push_back("=" + col + "5+" + col + "6"); break;
      default: row.push_back("=ROUND(" + col + "4-" + col + "7,2)"); break;
      }
    }
    balance_rows.push_back(row);
  }
  balance_rows.push_back(json::array({"Opening PP&E", 0, nullptr, nullptr}));
  FOLIO_SCRIPTED_TRY(book.write(balance, "A1", balance_rows));

  for (const auto& [sheet, last] : {std::pair{income, 10}, std::pair{cash, 7}, std::pair{balance, 9}}) {
    FOLIO_SCRIPTED_TRY(book.number_format(sheet, range(2, 2, 4, last), "#,##0;[Red]-#,##0"));
    FOLIO_SCRIPTED_TRY(book.emphasise(sheet, "A1:D1", true));
    FOLIO_SCRIPTED_TRY(book.column_width(sheet, "A", 30));
  }
  const auto chart_name = unique_object_name(turn, "revenue_chart");
  FOLIO_SCRIPTED_TRY(book.chart(income, chart_name, chart_kind::line, "A1:D2", "Revenue by year", "F2"));

  auto& known = objects(turn);
  known["income_statement"] = {{"type", "table"}, {"sheet", income}, {"range", "A1:D10"}, {"net_income_row", 10}};
  known["cash_flow"] = {{"type", "table"}, {"sheet", cash}, {"range", "A1:D7"}, {"closing_cash_row", 7}};
  known["balance_sheet"] = {{"type", "table"}, {"sheet", balance}, {"range", "A1:D9"}, {"check_row", 8}};
  known[chart_name] = {
      {"type", "chart"}, {"sheet", income}, {"kind", "line"}, {"range", "A1:D2"}, {"title", "Revenue by year"},
      {"anchor", "F2"}};
  turn.memory()["templates"].push_back("financial_model");
  return "built a 3-statement model for " + company + ": '" + income + "', '" + balance + "' and '" + cash +
         "' linked by formulas to '" + assumptions + "'";
}

folio::result<std::string> budget(turn_context& turn, const budget_request& wanted) {
  workbook book(turn);
  const auto subject = wanted.subject.value_or("Operating");
  const auto sheet = unique_sheet_name(turn, "Budget");
  const std::vector<std::string> categories{"Salaries", "Marketing", "Software", "Travel", "Office"};
  const int last_row = static_cast<int>(categories.size()) + 1;
  FOLIO_SCRIPTED_TRY(take_first_sheet(turn, book, sheet));
  json rows = json::array({json::array({subject + " budget", "Annual total", "Q1", "Q2", "Q3", "Q4"})});
  for (std::size_t index = 0; index < categories.size(); ++index) {
    const int row = static_cast<int>(index) + 2;
    json line{categories[index], "=SUM(" + range(3, row, 6, row) + ")"};
    for (int quarter = 1; quarter <= 4; ++quarter) {
      line.push_back(sample_figure(subject + categories[index] + std::to_string(quarter), 5'000, 60'000));
    }
    rows.push_back(line);
  }
  json totals{"Total"};
  for (int column = 2; column <= 6; ++column) {
    totals.push_back("=SUM(" + range(column, 2, column, last_row) + ")");
  }
  rows.push_back(totals);
  FOLIO_SCRIPTED_TRY(book.write(sheet, "A1", rows));
  FOLIO_SCRIPTED_TRY(book.write(sheet, cell(1, last_row + 3), json::array({json::array({sample_note})})));
  FOLIO_SCRIPTED_TRY(book.number_format(sheet, range(2, 2, 6, last_row + 1), "#,##0"));
  FOLIO_SCRIPTED_TRY(book.emphasise(sheet, "A1:F1", true));
  FOLIO_SCRIPTED_TRY(book.column_width(sheet, "A:F", 14));
  const auto chart_name = unique_object_name(turn, "budget_chart");
  const auto chart_range = range(1, 1, 2, last_row);
  FOLIO_SCRIPTED_TRY(
      book.chart(sheet, chart_name, chart_kind::pie, chart_range, subject + " budget by category", "H2"));
  auto& known = objects(turn);
  known["budget_table"] = {{"type", "table"}, {"sheet", sheet}, {"range", range(1, 1, 6, last_row + 1)}};
  known[chart_name] = {{"type", "chart"},
                       {"sheet", sheet},
                       {"kind", "pie"},
                       {"range", chart_range},
                       {"title", subject + " budget by category"},
                       {"anchor", "H2"}};
  turn.memory()["templates"].push_back("budget");
  return "built the " + subject + " budget on sheet '" + sheet + "' with the chart '" + chart_name + "'";
}

// A value typed in a prompt: a number stays a number, anything else (text, a formula) is written as given.
json cell_value(const std::string& text) {
  if (text.empty()) {
    return nullptr;
  }
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end != nullptr && *end == '\0') {
    return number;
  }
  return text;
}

} // namespace

folio::result<std::string> build_spreadsheet(turn_context& turn, const request& wanted) {
  memory_objects(turn);
  if (const auto* made = std::get_if<sales_report_request>(&wanted)) {
    return sales_report(turn, *made);
  }
  if (const auto* made = std::get_if<forecast_request>(&wanted)) {
    return forecast(turn, *made);
  }
  if (const auto* made = std::get_if<financial_model_request>(&wanted)) {
    return financial_model(turn, *made);
  }
  if (const auto* made = std::get_if<budget_request>(&wanted)) {
    return budget(turn, *made);
  }
  workbook book(turn);
  if (const auto* made = std::get_if<add_sheet_request>(&wanted)) {
    FOLIO_SCRIPTED_TRY(book.add_sheet(made->name));
    remember_sheet(turn, made->name);
    return "added the sheet '" + made->name + "'";
  }
  if (const auto* made = std::get_if<rename_sheet_request>(&wanted)) {
    FOLIO_SCRIPTED_TRY(book.rename_sheet(made->from, made->to));
    auto& known = objects(turn);
    for (auto& [name, object] : known.items()) {
      if (object.contains("sheet") && object["sheet"] == made->from) {
        object["sheet"] = made->to;
      }
    }
    auto& order = turn.memory()["order"];
    const auto position =
        static_cast<std::size_t>(std::find(order.begin(), order.end(), json(made->from)) - order.begin());
    forget_container(turn, made->from);
    remember_container(turn, made->to, {{"type", "sheet"}}, position);
    return "renamed the sheet '" + made->from + "' to '" + made->to + "'";
  }
  if (const auto* made = std::get_if<delete_sheet_request>(&wanted)) {
    FOLIO_SCRIPTED_TRY(book.delete_sheet(made->name));
    auto& known = objects(turn);
    std::vector<std::string> gone{made->name};
    for (const auto& [name, object] : known.items()) {
      if (object.contains("sheet") && object["sheet"] == made->name) {
        gone.push_back(name);
      }
    }
    for (const auto& name : gone) {
      known.erase(name);
    }
    forget_container(turn, made->name);
    return "deleted the sheet '" + made->name + "'";
  }
  if (const auto* made = std::get_if<set_cells_request>(&wanted)) {
    const auto sheet = made->sheet.value_or(active_sheet(turn));
    const auto top_left = made->range.substr(0, made->range.find(':'));
    json row = json::array();
    for (const auto& value : made->values) {
      row.push_back(cell_value(value));
    }
    auto written = book.write(sheet, top_left, json::array({row}));
    if (!written) {
      return written.error();
    }
    return "set " + sheet + "!" + made->range;
  }
  if (const auto* made = std::get_if<add_chart_request>(&wanted)) {
    const auto sheet = made->sheet.value_or(made->target.value_or(active_sheet(turn)));
    std::string data = made->range.value_or("");
    if (data.empty()) {
      // The agent's own main table, when the prompt names no range.
      for (const auto& [name, object] : objects(turn).items()) {
        if (object["type"] == "table" && object["sheet"] == sheet) {
          data = object["range"].get<std::string>();
        }
      }
    }
    if (data.empty()) {
      return folio::fail(folio::errc::prompt_not_understood,
                         "name the chart's data, e.g. \"Add a column chart of " + sheet + "!A1:D5\"", "prompt");
    }
    const auto title = made->title.value_or(to_string(made->kind) + " chart of " + data);
    const auto name = unique_object_name(turn, slug(made->title.value_or(to_string(made->kind))) + "_chart");
    FOLIO_SCRIPTED_TRY(book.chart(sheet, name, made->kind, data, title, "H2"));
    objects(turn)[name] = {{"type", "chart"}, {"sheet", sheet}, {"kind", to_string(made->kind)},
                           {"range", data},   {"title", title}, {"anchor", "H2"}};
    return "added the " + to_string(made->kind) + " chart '" + name + "' of " + sheet + "!" + data;
  }
  if (const auto* made = std::get_if<move_chart_request>(&wanted)) {
    const auto chart = find_object(turn, "chart", made->chart);
    if (!chart) {
      return folio::fail(folio::errc::prompt_not_understood,
                         "no chart matches '" + made->chart.value_or("") + "'; the charts are " +
                             known_of_type(turn, "chart"),
                         "prompt");
    }
    FOLIO_SCRIPTED_TRY(book.move_chart(*chart, made->target, "B2"));
    objects(turn)[*chart]["sheet"] = made->target;
    objects(turn)[*chart]["anchor"] = "B2";
    return "moved the chart '" + *chart + "' to the sheet '" + made->target + "'";
  }
  return folio::fail(folio::errc::prompt_not_understood, "that instruction is not one for a workbook", "prompt");
}

void reconcile_spreadsheet(nlohmann::json& memory, const nlohmann::json& outline) {
  auto kept = memory.contains("objects") ? memory["objects"] : json::object();
  json objects_now = json::object();
  json order = json::array();
  for (const auto& sheet : outline.value("sheets", json::array())) {
    const auto name = sheet.value("name", std::string());
    objects_now[name] = {{"type", "sheet"}, {"used_range", sheet.value("used_range", json())}};
    order.push_back(name);
    for (const auto& chart : sheet.value("charts", json::array())) {
      auto remembered =
          kept.contains(chart.value("name", std::string())) ? kept[chart["name"].get<std::string>()] : json::object();
      remembered.update({{"type", "chart"}, {"sheet", name}});
      for (const auto* key : {"kind", "title", "anchor"}) {
        if (chart.contains(key)) {
          remembered[key] = chart[key];
        }
      }
      objects_now[chart.value("name", std::string())] = remembered;
    }
  }
  // What the agent knew of its tables survives where their sheet still exists: an outline shows cells, not intent.
  for (const auto& [name, object] : kept.items()) {
    if (object["type"] != "sheet" && object["type"] != "chart" && object.contains("sheet") &&
        objects_now.contains(object["sheet"].get<std::string>())) {
      objects_now[name] = object;
    }
  }
  for (const auto& named : outline.value("named_ranges", json::array())) {
    objects_now[named.value("name", std::string())] = {{"type", "named_range"},
                                                       {"range", named.value("range", json())}};
  }
  memory["objects"] = objects_now;
  memory["order"] = order;
  if (!memory.contains("active") || !objects_now.contains(memory["active"].get<std::string>())) {
    memory["active"] = order.empty() ? json("Sheet1") : order.back();
  }
}

} // namespace folio_scripted
