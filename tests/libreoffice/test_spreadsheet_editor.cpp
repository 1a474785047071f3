// The spreadsheet (xlsx) tools through the real plugin on a real office: each tool applied, the workbook saved,
// reopened from the saved bytes and read back through the outline, and the saved file read by openpyxl (Debian's
// python3-openpyxl), an independent reader. Calls the document contradicts are refused and change nothing.
#include "editor_testing.hpp"

#include <map>
#include <string>
#include <vector>

namespace {

using folio::document_format;
using folio_testing::call;
using folio_testing::open_editor;
using folio_testing::saved;

nlohmann::json outline_of(folio::editor& editor) {
  auto outline = editor.outline();
  INFO((outline ? std::string() : outline.error().message));
  REQUIRE(outline);
  return std::move(outline).value();
}

nlohmann::json reopened_outline(const std::string& bytes) {
  const auto editor = open_editor(document_format::excel, bytes);
  return outline_of(*editor);
}

nlohmann::json sheet_of(const nlohmann::json& outline, const std::string& name) {
  for (const auto& sheet : outline["sheets"]) {
    if (sheet["name"] == name) {
      return sheet;
    }
  }
  FAIL("no sheet " << name << " in " << outline.dump());
  return nullptr;
}

std::vector<std::string> names_in(const nlohmann::json& outline) {
  std::vector<std::string> names;
  for (const auto& sheet : outline["sheets"]) {
    names.push_back(sheet["name"]);
  }
  return names;
}

// Runs `body` with `book` the saved workbook opened by openpyxl.
std::string openpyxl(const std::string& bytes, const std::string& body, bool data_only = false) {
  return folio_testing::python_reads(bytes, "xlsx",
                                     "import sys, zipfile, re, openpyxl\nbook = openpyxl.load_workbook(sys.argv[1], "
                                     "data_only=" +
                                         std::string(data_only ? "True" : "False") + ")\n" + body);
}

// A call the document contradicts: refused with tool_arguments_invalid at `param`, with a message that says
// `mentions`, and the workbook as it was.
void refused(folio::editor& editor, std::string_view tool, const nlohmann::json& arguments, const std::string& param,
             const std::string& mentions) {
  const auto before = outline_of(editor).dump();
  auto answer = editor.call_tool(tool, arguments);
  INFO(std::string(tool) << " " << arguments.dump());
  REQUIRE_FALSE(answer);
  INFO(answer.error().message);
  CHECK(answer.error().code == folio::errc::tool_arguments_invalid);
  CHECK(answer.error().param == param);
  CHECK(answer.error().message.find(mentions) != std::string::npos);
  CHECK(outline_of(editor).dump() == before);
}

const nlohmann::json quarterly_sales = nlohmann::json::parse(R"([["Quarter", "North", "South"],
  ["Q1", 10, 20], ["Q2", 30, 40], ["Q3", 50, 60]])");

} // namespace

TEST_CASE("spreadsheet sheets are added at a position, renamed, moved and deleted") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::excel);
    CHECK(call(*editor, "add_sheet", {{"name", "Sales"}}) ==
          nlohmann::json({{"sheet", "Sales"}, {"position", 2}, {"sheets", {"Sheet1", "Sales"}}}));
    CHECK(call(*editor, "add_sheet", {{"name", "Summary"}, {"position", 1}})["sheets"] ==
          nlohmann::json({"Summary", "Sheet1", "Sales"}));
    CHECK(call(*editor, "rename_sheet", {{"sheet", "Sheet1"}, {"new_name", "Notes"}}) ==
          nlohmann::json({{"sheet", "Notes"}, {"previous_name", "Sheet1"}, {"position", 2}}));
    CHECK(call(*editor, "move_sheet", {{"sheet", "Summary"}, {"position", 3}})["sheets"] ==
          nlohmann::json({"Notes", "Sales", "Summary"}));
    CHECK(call(*editor, "move_sheet", {{"sheet", "Sales"}, {"position", 1}})["sheets"] ==
          nlohmann::json({"Sales", "Notes", "Summary"}));
    CHECK(call(*editor, "delete_sheet", {{"sheet", "Notes"}}) ==
          nlohmann::json({{"deleted", "Notes"}, {"sheets", {"Sales", "Summary"}}}));

    refused(*editor, "add_sheet", {{"name", "sales"}}, "/name", "'Sales'");
    refused(*editor, "add_sheet", {{"name", "Q3/Q4"}}, "/name", "cannot contain");
    refused(*editor, "add_sheet", {{"name", "Later"}, {"position", 4}}, "/position", "last position is 3");
    refused(*editor, "rename_sheet", {{"sheet", "Nope"}, {"new_name", "X"}}, "/sheet", "'Sales', 'Summary'");
    refused(*editor, "rename_sheet", {{"sheet", "Sales"}, {"new_name", "SUMMARY"}}, "/new_name", "'Summary'");
    refused(*editor, "move_sheet", {{"sheet", "Sales"}, {"position", 3}}, "/position", "2 sheets");
    refused(*editor, "delete_sheet", {{"sheet", "Nope"}}, "/sheet", "'Sales', 'Summary'");
    bytes = saved(*editor);
  }
  const auto outline = reopened_outline(bytes);
  CHECK(names_in(outline) == std::vector<std::string>{"Sales", "Summary"});
  CHECK(sheet_of(outline, "Summary")["position"] == 2);
  CHECK(openpyxl(bytes, "print(','.join(book.sheetnames))\n") == "Sales,Summary\n");

  const auto alone = open_editor(document_format::excel);
  refused(*alone, "delete_sheet", {{"sheet", "Sheet1"}}, "/sheet", "only sheet");
}

TEST_CASE("spreadsheet write_range keeps numbers, text and formulas, and the formulas compute") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::excel);
    call(*editor, "rename_sheet", {{"sheet", "Sheet1"}, {"new_name", "Sales"}});
    call(*editor, "add_sheet", {{"name", "Q3 Forecast"}});
    const auto written = call(*editor, "write_range",
                              {{"sheet", "Sales"},
                               {"cell", "A1"},
                               {"values", nlohmann::json::parse(R"json([["Region", "Q1", "Q2"], ["North", 100, 200],
                                 ["South", 50.5, "=B2*2"], ["Code", "007", null], ["Total", "=SUM(B2:B3)",
                                 "=SUM(C2:C3)"]])json")}});
    CHECK(written == nlohmann::json({{"range", "Sales!A1:C5"}, {"rows", 5}, {"columns", 3}}));
    const auto forecast = call(*editor, "write_range",
                               {{"sheet", "Q3 Forecast"},
                                {"cell", "B2"},
                                {"values", nlohmann::json::parse(R"([["=Sales!B5*1.1", "=1/0"]])")}});
    CHECK(forecast["range"] == "'Q3 Forecast'!B2:C2");
    REQUIRE(forecast["formula_errors"].size() == 1);
    CHECK(forecast["formula_errors"][0]["cell"] == "C2");
    CHECK(forecast["formula_errors"][0]["shows"] == "#DIV/0!");

    const auto sales = sheet_of(outline_of(*editor), "Sales");
    CHECK(sales["used_range"] == "A1:C5");
    CHECK(sales["preview"]["range"] == "A1:C5");
    CHECK(sales["preview"]["truncated"] == false);
    const auto& rows = sales["preview"]["rows"];
    CHECK(rows[1] == nlohmann::json({"North", 100.0, 200.0}));
    CHECK(rows[3] == nlohmann::json({"Code", "007", nullptr}));
    CHECK(rows[2][2] == nlohmann::json({{"formula", "=B2*2"}, {"value", 200.0}}));
    CHECK(rows[4][1] == nlohmann::json({{"formula", "=SUM(B2:B3)"}, {"value", 150.5}}));

    refused(*editor, "write_range", {{"sheet", "Nope"}, {"cell", "A1"}, {"values", {{1}}}}, "/sheet", "'Sales'");
    refused(*editor, "write_range", {{"sheet", "Sales"}, {"cell", "B0"}, {"values", {{1}}}}, "/cell", "A1 reference");
    refused(*editor, "write_range", {{"sheet", "Sales"}, {"cell", "XFC1"}, {"values", {{1, 2, 3}}}}, "/values",
            "columns A to XFD");

    // The outline shows a bounded corner of a large sheet, and says so.
    auto grid = nlohmann::json::array();
    for (int row = 0; row < 25; ++row) {
      auto cells = nlohmann::json::array();
      for (int column = 0; column < 12; ++column) {
        cells.push_back(row * 100 + column);
      }
      grid.push_back(cells);
    }
    call(*editor, "add_sheet", {{"name", "Big"}});
    CHECK(call(*editor, "write_range", {{"sheet", "Big"}, {"cell", "A1"}, {"values", grid}})["range"] == "Big!A1:L25");
    const auto big = sheet_of(outline_of(*editor), "Big");
    CHECK(big["used_range"] == "A1:L25");
    CHECK(big["preview"]["range"] == "A1:J20");
    CHECK(big["preview"]["truncated"] == true);
    CHECK(big["preview"]["rows"].size() == 20);
    CHECK(big["preview"]["rows"][19] ==
          nlohmann::json({1900.0, 1901.0, 1902.0, 1903.0, 1904.0, 1905.0, 1906.0, 1907.0, 1908.0, 1909.0}));
    bytes = saved(*editor);
  }
  CHECK(openpyxl(bytes, "sales = book['Sales']\n"
                        "for cell in ('B2', 'B3', 'C3', 'B4', 'C4', 'B5'):\n"
                        "    print(cell, repr(sales[cell].value))\n"
                        "print(repr(book['Q3 Forecast']['B2'].value))\n") ==
        "B2 100\nB3 50.5\nC3 '=B2*2'\nB4 '007'\nC4 None\nB5 '=SUM(B2:B3)'\n'=Sales!B5*1.1'\n");
  // The saved file carries what the formulas computed.
  CHECK(openpyxl(bytes, "print(book['Sales']['B5'].value, round(book['Q3 Forecast']['B2'].value, 2))\n", true) ==
        "150.5 165.55\n");
  const auto reopened = reopened_outline(bytes);
  const auto forecast = sheet_of(reopened, "Q3 Forecast");
  CHECK(forecast["used_range"] == "B2:C2");
  CHECK(forecast["preview"]["rows"][0][0]["formula"] == "=Sales!B5*1.1");
  CHECK(forecast["preview"]["rows"][0][0]["value"].get<double>() == Approx(165.55));
  CHECK(sheet_of(reopened, "Sales")["preview"]["rows"][4][2] ==
        nlohmann::json({{"formula", "=SUM(C2:C3)"}, {"value", 400.0}}));
}

TEST_CASE("spreadsheet number formats, styles, column widths, merged cells and frozen panes") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::excel);
    call(*editor, "write_range",
         {{"sheet", "Sheet1"},
          {"cell", "A1"},
          {"values", nlohmann::json::parse(R"([["Quarterly sales", null, null], ["Region", "Revenue", "Share"],
            ["North", 1234.5, 0.25]])")}});
    CHECK(call(*editor, "set_number_format", {{"sheet", "Sheet1"}, {"range", "B3"}, {"format", "#,##0.00"}}) ==
          nlohmann::json({{"range", "Sheet1!B3"}, {"format", "#,##0.00"}}));
    call(*editor, "set_number_format", {{"sheet", "Sheet1"}, {"range", "C3"}, {"format", "0.0%"}});
    CHECK(call(*editor, "set_style",
               {{"sheet", "Sheet1"},
                {"range", "A2:C2"},
                {"bold", true},
                {"fill_color", "#DDEBF7"},
                {"font_color", "#1F4E79"}})["range"] == "Sheet1!A2:C2");
    CHECK(call(*editor, "set_column_width", {{"sheet", "Sheet1"}, {"columns", "A:C"}, {"width", 20}}) ==
          nlohmann::json({{"sheet", "Sheet1"}, {"columns", "A:C"}, {"width", 20}}));
    CHECK(call(*editor, "merge_cells", {{"sheet", "Sheet1"}, {"range", "A1:C1"}}) ==
          nlohmann::json({{"merged", "Sheet1!A1:C1"}}));
    CHECK(call(*editor, "freeze_panes", {{"sheet", "Sheet1"}, {"rows", 2}, {"columns", 1}})["frozen"] ==
          nlohmann::json({{"rows", 2}, {"columns", 1}}));

    const auto sheet = sheet_of(outline_of(*editor), "Sheet1");
    CHECK(sheet["merged"] == nlohmann::json({"A1:C1"}));
    CHECK(sheet["frozen"] == nlohmann::json({{"rows", 2}, {"columns", 1}}));

    refused(*editor, "set_style", {{"sheet", "Sheet1"}, {"range", "A1"}, {"fill_color", "blue!!!"}}, "/fill_color",
            "#RRGGBB");
    refused(*editor, "set_style", {{"sheet", "Sheet1"}, {"range", "A1"}}, "", "at least one");
    refused(*editor, "set_number_format", {{"sheet", "Sheet1"}, {"range", "A1:B"}, {"format", "0.0"}}, "/range",
            "A1 reference");
    refused(*editor, "set_column_width", {{"sheet", "Sheet1"}, {"columns", "1:3"}, {"width", 10}}, "/columns",
            "column");
    refused(*editor, "merge_cells", {{"sheet", "Sheet1"}, {"range", "B1:D2"}}, "/range", "A1:C1");
    refused(*editor, "freeze_panes", {{"sheet", "Nope"}, {"rows", 1}}, "/sheet", "'Sheet1'");
    bytes = saved(*editor);
  }
  CHECK(openpyxl(bytes, "sheet = book['Sheet1']\n"
                        "print(sheet['B3'].number_format, sheet['C3'].number_format)\n"
                        "print(sheet['A2'].font.b, sheet['B2'].font.b, sheet['A3'].font.b)\n"
                        "print(sheet['A2'].fill.fgColor.rgb[-6:], sheet['A2'].font.color.rgb[-6:])\n"
                        "print([str(each) for each in sheet.merged_cells.ranges], sheet.freeze_panes)\n"
                        "print(round(sheet.column_dimensions['A'].width, 1))\n") ==
        "#,##0.00 0.0%\nTrue True False\nDDEBF7 1F4E79\n['A1:C1'] B3\n20.0\n");
  const auto sheet = sheet_of(reopened_outline(bytes), "Sheet1");
  CHECK(sheet["merged"] == nlohmann::json({"A1:C1"}));
  CHECK(sheet["frozen"] == nlohmann::json({{"rows", 2}, {"columns", 1}}));
}

TEST_CASE("spreadsheet named ranges are added, used by formulas and deleted") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::excel);
    call(*editor, "rename_sheet", {{"sheet", "Sheet1"}, {"new_name", "Sales"}});
    call(*editor, "write_range",
         {{"sheet", "Sales"},
          {"cell", "A1"},
          {"values", nlohmann::json::parse(R"([["Q1", 10], ["Q2", 20], ["Q3", 30]])")}});
    CHECK(call(*editor, "add_named_range", {{"name", "Revenue"}, {"range", "Sales!B1:B3"}}) ==
          nlohmann::json({{"name", "Revenue"}, {"range", "Sales!B1:B3"}}));
    call(*editor, "write_range", {{"sheet", "Sales"}, {"cell", "D1"}, {"values", {{"=SUM(Revenue)"}}}});
    call(*editor, "add_named_range", {{"name", "Spare"}, {"range", "Sales!A1"}});
    CHECK(call(*editor, "delete_named_range", {{"name", "spare"}}) ==
          nlohmann::json({{"deleted", "Spare"}, {"named_ranges", {"Revenue"}}}));

    refused(*editor, "add_named_range", {{"name", "Q3"}, {"range", "Sales!A1"}}, "/name", "cell reference");
    refused(*editor, "add_named_range", {{"name", "revenue"}, {"range", "Sales!A1"}}, "/name", "'Revenue'");
    refused(*editor, "add_named_range", {{"name", "Costs"}, {"range", "B1:B3"}}, "/range", "'Sales'");
    refused(*editor, "add_named_range", {{"name", "Costs"}, {"range", "Nope!B1:B3"}}, "/range", "'Sales'");
    refused(*editor, "delete_named_range", {{"name", "Costs"}}, "/name", "'Revenue'");
    bytes = saved(*editor);
  }
  CHECK(openpyxl(bytes, "print([(each.name, each.attr_text) for each in book.defined_names.definedName])\n"
                        "print(book['Sales']['D1'].value)\n") == "[('Revenue', 'Sales!$B$1:$B$3')]\n=SUM(Revenue)\n");
  const auto outline = reopened_outline(bytes);
  CHECK(outline["named_ranges"] == nlohmann::json::parse(R"([{"name": "Revenue", "range": "Sales!B1:B3"}])"));
  CHECK(sheet_of(outline, "Sales")["preview"]["rows"][0][3] ==
        nlohmann::json({{"formula", "=SUM(Revenue)"}, {"value", 60.0}}));
}

TEST_CASE("spreadsheet charts of each kind are bound to their data ranges") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::excel);
    call(*editor, "rename_sheet", {{"sheet", "Sheet1"}, {"new_name", "Sales"}});
    call(*editor, "add_sheet", {{"name", "Summary"}});
    call(*editor, "write_range", {{"sheet", "Sales"}, {"cell", "A1"}, {"values", quarterly_sales}});
    const auto added = call(*editor, "add_chart",
                            {{"sheet", "Sales"},
                             {"name", "Revenue"},
                             {"kind", "column"},
                             {"data_range", "A1:C4"},
                             {"title", "Revenue by quarter"},
                             {"anchor", "E2"}});
    CHECK(added["name"] == "Revenue");
    CHECK(added["sheet"] == "Sales");
    CHECK(added["kind"] == "column");
    CHECK(added["title"] == "Revenue by quarter");
    CHECK(added["data_ranges"] == nlohmann::json({"Sales!A1:C4"}));
    CHECK(added["anchor"] == "Sales!E2");
    CHECK(added["size_cm"] == nlohmann::json({{"width", 16.0}, {"height", 9.0}}));
    call(*editor, "add_chart",
         {{"sheet", "Summary"},
          {"name", "Trend"},
          {"kind", "line"},
          {"data_range", "Sales!A1:C4"},
          {"title", "Trend"},
          {"anchor", "B2"}});
    call(*editor, "add_chart",
         {{"sheet", "Sales"}, {"name", "Bars"}, {"kind", "bar"}, {"data_range", "A1:C4"}, {"anchor", "E22"}});
    call(*editor, "add_chart",
         {{"sheet", "Sales"},
          {"name", "Share"},
          {"kind", "pie"},
          {"data_range", "A1:B4"},
          {"title", "North"},
          {"anchor", "O2"},
          {"width_cm", 10},
          {"height_cm", 8}});
    // The charts read the cells: a value written after them is what they show.
    call(*editor, "write_range", {{"sheet", "Sales"}, {"cell", "B2"}, {"values", {{15}}}});

    refused(*editor, "add_chart",
            {{"sheet", "Sales"}, {"name", "revenue"}, {"kind", "line"}, {"data_range", "A1:C4"}, {"anchor", "A9"}},
            "/name", "Revenue (on Sales)");
    refused(*editor, "add_chart",
            {{"sheet", "Sales"}, {"name", "Thin"}, {"kind", "line"}, {"data_range", "A1:A4"}, {"anchor", "A9"}},
            "/data_range", "two columns");
    refused(*editor, "add_chart",
            {{"sheet", "Sales"}, {"name", "Thin"}, {"kind", "line"}, {"data_range", "Nope!A1:C4"}, {"anchor", "A9"}},
            "/data_range", "'Sales', 'Summary'");
    refused(*editor, "add_chart",
            {{"sheet", "Sales"}, {"name", "Thin"}, {"kind", "line"}, {"data_range", "A1:C4"}, {"anchor", "nowhere"}},
            "/anchor", "A1 reference");

    const auto outline = outline_of(*editor);
    const auto sales_charts = sheet_of(outline, "Sales")["charts"];
    REQUIRE(sales_charts.size() == 3);
    CHECK(sheet_of(outline, "Summary")["charts"][0]["kind"] == "line");
    bytes = saved(*editor);
  }
  // Every chart part of the xlsx: its type, the ranges it reads (c:f) and the values it last showed.
  const auto charts = openpyxl(bytes, R"py(archive = zipfile.ZipFile(sys.argv[1])
for name in sorted(n for n in archive.namelist() if re.match(r'xl/charts/chart\d+\.xml$', n)):
    xml = archive.read(name).decode()
    kind = re.search(r'<c:(bar|line|pie)Chart>', xml).group(1)
    direction = re.search(r'<c:barDir val="(\w+)"', xml)
    title = ''.join(re.findall(r'<a:t>([^<]*)</a:t>', xml))
    print(kind, direction.group(1) if direction else '-', title, sorted(set(re.findall(r'<c:f>([^<]*)</c:f>', xml))),
          [v for v in re.findall(r'<c:v>([^<]*)</c:v>', xml) if v in ('10', '15')])
for sheet in book.worksheets:
    print(sheet.title, sorted(type(chart).__name__ for chart in sheet._charts))
)py");
  INFO(charts);
  CHECK(charts.find("bar col Revenue by quarter ['Sales!$A$2:$A$4', 'Sales!$B$1', 'Sales!$B$2:$B$4', "
                    "'Sales!$C$1', 'Sales!$C$2:$C$4'] ['15']") != std::string::npos);
  CHECK(charts.find("bar bar ") != std::string::npos);
  CHECK(charts.find("line - Trend ['Sales!$A$2:$A$4', 'Sales!$B$1', 'Sales!$B$2:$B$4', 'Sales!$C$1', "
                    "'Sales!$C$2:$C$4'] ['15']") != std::string::npos);
  CHECK(charts.find("pie - North ['Sales!$A$2:$A$4', 'Sales!$B$1', 'Sales!$B$2:$B$4'] ['15']") != std::string::npos);
  CHECK(charts.find("Sales ['BarChart', 'BarChart', 'PieChart']\nSummary ['LineChart']\n") != std::string::npos);

  const auto outline = reopened_outline(bytes);
  std::map<std::string, nlohmann::json> reopened;
  const auto sales = sheet_of(outline, "Sales");
  for (const auto& chart : sales["charts"]) {
    reopened[chart["name"]] = chart;
  }
  REQUIRE(reopened.size() == 3);
  CHECK(reopened["Revenue"]["kind"] == "column");
  CHECK(reopened["Revenue"]["title"] == "Revenue by quarter");
  CHECK(reopened["Revenue"]["data_ranges"] == nlohmann::json({"Sales!A1:C4"}));
  CHECK(reopened["Revenue"]["anchor"] == "Sales!E2");
  CHECK(reopened["Bars"]["kind"] == "bar");
  CHECK(reopened["Share"]["kind"] == "pie");
  CHECK(reopened["Share"]["anchor"] == "Sales!O2");
  const auto trend = sheet_of(outline, "Summary")["charts"][0];
  CHECK(trend["name"] == "Trend");
  CHECK(trend["kind"] == "line");
  CHECK(trend["data_ranges"] == nlohmann::json({"Sales!A1:C4"}));
}

TEST_CASE("spreadsheet charts move to another sheet with their name, title and range, and are deleted") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::excel);
    call(*editor, "rename_sheet", {{"sheet", "Sheet1"}, {"new_name", "Sales"}});
    call(*editor, "add_sheet", {{"name", "Executive Summary"}});
    call(*editor, "write_range", {{"sheet", "Sales"}, {"cell", "A1"}, {"values", quarterly_sales}});
    call(*editor, "add_chart",
         {{"sheet", "Sales"},
          {"name", "Revenue"},
          {"kind", "bar"},
          {"data_range", "A1:C4"},
          {"title", "Revenue by quarter"},
          {"anchor", "E2"}});
    call(*editor, "add_chart",
         {{"sheet", "Sales"}, {"name", "Spare"}, {"kind", "pie"}, {"data_range", "A1:B4"}, {"anchor", "E30"}});
    const auto moved =
        call(*editor, "move_chart", {{"chart", "Revenue"}, {"sheet", "Executive Summary"}, {"anchor", "B3"}});
    CHECK(moved["name"] == "Revenue");
    CHECK(moved["sheet"] == "Executive Summary");
    CHECK(moved["moved_from"] == "Sales");
    CHECK(moved["kind"] == "bar");
    CHECK(moved["title"] == "Revenue by quarter");
    CHECK(moved["data_ranges"] == nlohmann::json({"Sales!A1:C4"}));
    CHECK(moved["anchor"] == "'Executive Summary'!B3");
    CHECK(call(*editor, "move_chart",
               {{"chart", "Revenue"}, {"sheet", "Executive Summary"}, {"anchor", "D10"}})["anchor"] ==
          "'Executive Summary'!D10");
    CHECK(call(*editor, "delete_chart", {{"chart", "Spare"}}) ==
          nlohmann::json({{"deleted", "Spare"}, {"sheet", "Sales"}}));

    refused(*editor, "move_chart", {{"chart", "Nope"}, {"sheet", "Sales"}, {"anchor", "A1"}}, "/chart",
            "Revenue (on Executive Summary)");
    refused(*editor, "move_chart", {{"chart", "Revenue"}, {"sheet", "Nope"}, {"anchor", "A1"}}, "/sheet",
            "'Executive Summary'");
    refused(*editor, "delete_chart", {{"chart", "Spare"}}, "/chart", "Revenue");
    const auto outline = outline_of(*editor);
    CHECK(sheet_of(outline, "Sales")["charts"].empty());
    CHECK(sheet_of(outline, "Executive Summary")["charts"].size() == 1);
    bytes = saved(*editor);
  }
  const auto summary = sheet_of(reopened_outline(bytes), "Executive Summary");
  REQUIRE(summary["charts"].size() == 1);
  const auto& chart = summary["charts"][0];
  CHECK(chart["name"] == "Revenue");
  CHECK(chart["kind"] == "bar");
  CHECK(chart["title"] == "Revenue by quarter");
  CHECK(chart["data_ranges"] == nlohmann::json({"Sales!A1:C4"}));
  CHECK(chart["anchor"] == "'Executive Summary'!D10");
  CHECK(openpyxl(bytes, "for sheet in book.worksheets:\n"
                        "    for chart in sheet._charts:\n"
                        "        anchor = chart.anchor._from\n"
                        "        print(sheet.title, type(chart).__name__, chart.type, "
                        "openpyxl.utils.get_column_letter(anchor.col + 1) + str(anchor.row + 1),\n"
                        "              ''.join(run.t for paragraph in chart.title.tx.rich.p for run in paragraph.r),\n"
                        "              sorted(series.val.numRef.f for series in chart.series))\n"
                        "    print(sheet.title, len(sheet._charts))\n") ==
        "Sales 0\nExecutive Summary BarChart bar D10 Revenue by quarter ['Sales!$B$2:$B$4', 'Sales!$C$2:$C$4']\n"
        "Executive Summary 1\n");

  // A chart read from an xlsx moves too, and keeps the name the file gave it.
  std::string moved_back;
  {
    const auto editor = open_editor(document_format::excel, bytes);
    CHECK(call(*editor, "move_chart", {{"chart", "Revenue"}, {"sheet", "Sales"}, {"anchor", "E2"}})["data_ranges"] ==
          nlohmann::json({"Sales!A1:C4"}));
    moved_back = saved(*editor);
  }
  const auto again = reopened_outline(moved_back);
  CHECK(sheet_of(again, "Executive Summary")["charts"].empty());
  REQUIRE(sheet_of(again, "Sales")["charts"].size() == 1);
  CHECK(sheet_of(again, "Sales")["charts"][0]["name"] == "Revenue");
  CHECK(sheet_of(again, "Sales")["charts"][0]["title"] == "Revenue by quarter");
}
