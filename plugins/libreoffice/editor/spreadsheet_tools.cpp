// The spreadsheet (xlsx) tools: sheets and named ranges here; cells and charts in their own files. Positions are
// 1-based, as an agent counts sheets; ranges are A1 references ("Sales!B2:E6").
#include "spreadsheet_tool_sets.hpp"

#include <algorithm>
#include <cctype>
#include <com/sun/star/container/XNamed.hpp>
#include <com/sun/star/table/CellAddress.hpp>

namespace folio_libreoffice {
namespace {

folio::result<void> check_new_sheet_name(const document_ref& document, const std::string& name,
                                         const std::string& param) {
  if (auto problem = sheet_name_problem(name); !problem.empty()) {
    return folio::fail(folio::errc::tool_arguments_invalid, problem + ": '" + name + "'", param);
  }
  if (const auto taken = taken_sheet_name(document, name)) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the workbook already has a sheet named '" + *taken +
                           "' (sheet names ignore case); its sheets are " + listed(sheet_names(document)),
                       param);
  }
  return folio::success();
}

folio::result<nlohmann::json> add_sheet(const document_ref& document, const nlohmann::json& arguments) {
  const auto name = arguments["name"].get<std::string>();
  if (auto checked = check_new_sheet_name(document, name, "/name"); !checked) {
    return checked.error();
  }
  const auto sheets = sheets_of(document);
  const auto count = static_cast<sal_Int16>(sheets->getElementNames().getLength());
  const auto position = arguments.value("position", count + 1);
  if (position > count + 1) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "position " + std::to_string(position) + " is past the end: the workbook has " +
                           std::to_string(count) + " sheets, so the last position is " + std::to_string(count + 1),
                       "/position");
  }
  sheets->insertNewByName(to_ustring(name), static_cast<sal_Int16>(position - 1));
  return nlohmann::json{{"sheet", name}, {"position", position}, {"sheets", sheet_names(document)}};
}

folio::result<nlohmann::json> rename_sheet(const document_ref& document, const nlohmann::json& arguments) {
  auto sheet = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!sheet) {
    return sheet.error();
  }
  const auto name = arguments["new_name"].get<std::string>();
  // A change of case alone keeps a name the sheet already holds.
  if (!same_ignoring_case(name, sheet.value().name)) {
    if (auto checked = check_new_sheet_name(document, name, "/new_name"); !checked) {
      return checked.error();
    }
  }
  const css::uno::Reference<css::container::XNamed> named(sheet.value().sheet, css::uno::UNO_QUERY_THROW);
  named->setName(to_ustring(name));
  return nlohmann::json{{"sheet", name}, {"previous_name", sheet.value().name}, {"position", sheet.value().index + 1}};
}

folio::result<nlohmann::json> delete_sheet(const document_ref& document, const nlohmann::json& arguments) {
  auto sheet = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!sheet) {
    return sheet.error();
  }
  if (sheet_names(document).size() == 1) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + sheet.value().name + "' is the workbook's only sheet; a workbook keeps at least one",
                       "/sheet");
  }
  sheets_of(document)->removeByName(to_ustring(sheet.value().name));
  return nlohmann::json{{"deleted", sheet.value().name}, {"sheets", sheet_names(document)}};
}

folio::result<nlohmann::json> move_sheet(const document_ref& document, const nlohmann::json& arguments) {
  auto sheet = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!sheet) {
    return sheet.error();
  }
  const auto count = static_cast<sal_Int32>(sheet_names(document).size());
  const auto position = arguments["position"].get<sal_Int32>();
  if (position > count) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "position " + std::to_string(position) + " is past the end: the workbook has " +
                           std::to_string(count) + " sheets",
                       "/position");
  }
  // UNO inserts before the sheet at the destination index, counted before the moved sheet leaves its place.
  const auto target = position - 1;
  const auto destination = target > sheet.value().index ? target + 1 : target;
  sheets_of(document)->moveByName(to_ustring(sheet.value().name), static_cast<sal_Int16>(destination));
  return nlohmann::json{{"sheet", sheet.value().name}, {"position", position}, {"sheets", sheet_names(document)}};
}

std::vector<std::string> range_names(const document_ref& document) {
  std::vector<std::string> names;
  for (const auto& name : named_ranges_of(document)->getElementNames()) {
    names.push_back(to_utf8(name));
  }
  return names;
}

std::optional<std::string> taken_range_name(const document_ref& document, const std::string& name) {
  for (const auto& each : range_names(document)) {
    if (same_ignoring_case(each, name)) {
      return each;
    }
  }
  return std::nullopt;
}

// Excel's rule: a letter, "_" or "\" first, then letters, digits, "_" and "."; never something that reads as a
// cell reference ("Q3", "R1C1"), or Excel would take it for one.
bool valid_range_name(const std::string& name) {
  const auto first = static_cast<unsigned char>(name.front());
  if (std::isalpha(first) == 0 && first != '_' && first != '\\') {
    return false;
  }
  const bool characters = std::all_of(name.begin(), name.end(), [](char each) {
    return std::isalnum(static_cast<unsigned char>(each)) != 0 || each == '_' || each == '.' || each == '\\';
  });
  const auto upper = [&] {
    std::string made = name;
    std::transform(made.begin(), made.end(), made.begin(),
                   [](unsigned char each) { return static_cast<char>(std::toupper(each)); });
    return made;
  }();
  const bool r1c1 = upper == "R" || upper == "C" ||
                    (upper.front() == 'R' && upper.find('C') != std::string::npos &&
                     std::all_of(upper.begin() + 1, upper.end(), [](char each) {
                       return each == 'C' || std::isdigit(static_cast<unsigned char>(each));
                     }));
  return characters && !r1c1 && !parse_reference(name);
}

folio::result<nlohmann::json> add_named_range(const document_ref& document, const nlohmann::json& arguments) {
  const auto name = arguments["name"].get<std::string>();
  if (!valid_range_name(name)) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + name +
                           "' cannot name a range: use a letter or '_' first, then letters, digits, '_' or '.', and "
                           "nothing that reads as a cell reference such as 'Q3'",
                       "/name");
  }
  if (const auto taken = taken_range_name(document, name)) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the workbook already has a named range '" + *taken + "' (names ignore case)", "/name");
  }
  const auto reference = parse_reference(arguments["range"].get<std::string>());
  if (!reference || !reference->sheet) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + arguments["range"].get<std::string>() +
                           "' is not a reference with its sheet, such as \"Sales!B2:E6\"; the sheets are " +
                           listed(sheet_names(document)),
                       "/range");
  }
  auto sheet = find_sheet(document, *reference->sheet, "/range");
  if (!sheet) {
    return sheet.error();
  }
  auto area = area_on(sheet.value(), arguments["range"].get<std::string>(), "/range");
  if (!area) {
    return area.error();
  }
  // The content is in LibreOffice's own reference syntax: $'Sheet'.$B$2:$E$6.
  std::string quoted;
  for (const char each : sheet.value().name) {
    quoted += each == '\'' ? std::string("''") : std::string(1, each);
  }
  const auto& cells = area.value();
  const auto content = "$'" + quoted + "'.$" + column_letters(cells.first_column) + "$" +
                       std::to_string(cells.first_row + 1) + ":$" + column_letters(cells.last_column) + "$" +
                       std::to_string(cells.last_row + 1);
  named_ranges_of(document)->addNewByName(
      to_ustring(name), to_ustring(content),
      css::table::CellAddress(sheet.value().index, cells.first_column, cells.first_row), 0);
  return nlohmann::json{{"name", name}, {"range", qualified_name(sheet.value().name, cells)}};
}

folio::result<nlohmann::json> delete_named_range(const document_ref& document, const nlohmann::json& arguments) {
  const auto name = arguments["name"].get<std::string>();
  const auto taken = taken_range_name(document, name);
  if (!taken) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "the workbook has no named range '" + name + "'; its named ranges are " +
                           listed(range_names(document)),
                       "/name");
  }
  named_ranges_of(document)->removeByName(to_ustring(*taken));
  return nlohmann::json{{"deleted", *taken}, {"named_ranges", range_names(document)}};
}

std::vector<document_tool> sheet_tools() {
  std::vector<document_tool> made;
  made.push_back({"add_sheet",
                  "Adds an empty sheet, at the end or at a position. Answers the sheet's name and position and the "
                  "workbook's sheets in order.",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 31,
                             "description": "The new sheet's name, unique in the workbook (ignoring case); none of [ ] : * ? / \\."},
                    "position": {"type": "integer", "minimum": 1,
                                 "description": "1-based position among the sheets; default: after the last one."}},
                    "required": ["name"], "additionalProperties": false})"),
                  add_sheet});
  made.push_back({"rename_sheet",
                  "Renames a sheet. Formulas, charts and named ranges that refer to it follow the new name.",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1, "description": "The sheet's current name."},
                    "new_name": {"type": "string", "minLength": 1, "maxLength": 31,
                                 "description": "Its new name, unique in the workbook (ignoring case)."}},
                    "required": ["sheet", "new_name"], "additionalProperties": false})"),
                  rename_sheet});
  made.push_back({"delete_sheet",
                  "Deletes a sheet with its cells and charts. The last sheet of a workbook cannot be deleted. "
                  "Formulas elsewhere that referred to it show #REF!.",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1, "description": "The name of the sheet to delete."}},
                    "required": ["sheet"], "additionalProperties": false})"),
                  delete_sheet});
  made.push_back({"move_sheet", "Moves a sheet to another position among the sheets (reorders the tabs).",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1, "description": "The name of the sheet to move."},
                    "position": {"type": "integer", "minimum": 1,
                                 "description": "Its new 1-based position: 1 makes it the first sheet."}},
                    "required": ["sheet", "position"], "additionalProperties": false})"),
                  move_sheet});
  made.push_back({"add_named_range",
                  "Names a range of cells for the whole workbook, so formulas can say =SUM(Revenue).",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "name": {"type": "string", "minLength": 1, "maxLength": 255,
                             "description": "The name: a letter or _ first, then letters, digits, _ or .; not a cell reference such as Q3."},
                    "range": {"type": "string", "minLength": 2,
                              "description": "The range with its sheet, such as \"Sales!B2:E6\" or \"'Q3 Sales'!B2\"."}},
                    "required": ["name", "range"], "additionalProperties": false})"),
                  add_named_range});
  made.push_back({"delete_named_range", "Deletes a named range (the cells stay; formulas using the name show #NAME?).",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "name": {"type": "string", "minLength": 1, "description": "The named range to delete."}},
                    "required": ["name"], "additionalProperties": false})"),
                  delete_named_range});
  return made;
}

document_tools make_tools() {
  document_tools made{"xlsx", "private:factory/scalc", "Calc MS Excel 2007 XML", sheet_tools(), spreadsheet_outline};
  for (auto&& group : {cell_tools(), chart_tools()}) {
    made.tools.insert(made.tools.end(), group.begin(), group.end());
  }
  return made;
}

} // namespace

const document_tools& spreadsheet_tools() {
  static const document_tools tools = make_tools();
  return tools;
}

} // namespace folio_libreoffice
