// The cell tools: values and formulas, number formats, styles, column widths, merged cells, frozen panes.
#include "spreadsheet_tool_sets.hpp"

#include <cmath>
#include <com/sun/star/awt/FontSlant.hpp>
#include <com/sun/star/awt/FontWeight.hpp>
#include <com/sun/star/awt/XWindow.hpp>
#include <com/sun/star/beans/XPropertySet.hpp>
#include <com/sun/star/frame/XController.hpp>
#include <com/sun/star/frame/XFrame.hpp>
#include <com/sun/star/frame/XModel.hpp>
#include <com/sun/star/lang/Locale.hpp>
#include <com/sun/star/sheet/CellFlags.hpp>
#include <com/sun/star/sheet/XCellFormatRangesSupplier.hpp>
#include <com/sun/star/sheet/XCellRangeAddressable.hpp>
#include <com/sun/star/sheet/XSheetCellCursor.hpp>
#include <com/sun/star/sheet/XSheetOperation.hpp>
#include <com/sun/star/table/XColumnRowRange.hpp>
#include <com/sun/star/table/XTableColumns.hpp>
#include <com/sun/star/text/XText.hpp>
#include <com/sun/star/uno/RuntimeException.hpp>
#include <com/sun/star/util/MalformedNumberFormatException.hpp>
#include <com/sun/star/util/XMergeable.hpp>
#include <com/sun/star/util/XNumberFormats.hpp>
#include <com/sun/star/util/XNumberFormatsSupplier.hpp>

namespace folio_libreoffice {
namespace {

// Column widths are given in characters, as Excel and openpyxl count them: the width of one digit of the
// workbook's default font (Liberation Sans 10 pt here), measured in 1/100 mm.
constexpr double hundredths_mm_per_character = 196.0;

folio::result<std::pair<sheet_ref, cell_area>> sheet_and_range(const document_ref& document,
                                                               const nlohmann::json& arguments) {
  auto sheet = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!sheet) {
    return sheet.error();
  }
  auto area = area_on(sheet.value(), arguments["range"].get<std::string>(), "/range");
  if (!area) {
    return area.error();
  }
  return std::pair{sheet.value(), area.value()};
}

folio::result<nlohmann::json> write_range(const document_ref& document, const nlohmann::json& arguments) {
  auto sheet = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!sheet) {
    return sheet.error();
  }
  auto start = area_on(sheet.value(), arguments["cell"].get<std::string>(), "/cell");
  if (!start) {
    return start.error();
  }
  const auto& values = arguments["values"];
  std::size_t width = 0;
  for (const auto& row : values) {
    width = std::max(width, row.size());
  }
  const cell_area area{start.value().first_column, start.value().first_row,
                       start.value().first_column + static_cast<sal_Int32>(width) - 1,
                       start.value().first_row + static_cast<sal_Int32>(values.size()) - 1};
  if (auto inside = area_inside(sheet.value(), area,
                                std::to_string(area.rows()) + " rows and " + std::to_string(area.columns()) +
                                    " columns from " + area_name(start.value()),
                                "/values");
      !inside) {
    return inside.error();
  }
  const excel_formulas formulas(document);
  const auto range = cells_of(sheet.value(), area);
  auto formula_errors = nlohmann::json::array();
  for (sal_Int32 row = 0; row < area.rows(); ++row) {
    const auto& written = values[static_cast<std::size_t>(row)];
    for (sal_Int32 column = 0; column < area.columns(); ++column) {
      const auto cell = range->getCellByPosition(column, row);
      const auto at = static_cast<std::size_t>(column);
      if (at >= written.size() || written[at].is_null()) {
        const css::uno::Reference<css::sheet::XSheetOperation> operation(cell, css::uno::UNO_QUERY_THROW);
        operation->clearContents(css::sheet::CellFlags::VALUE | css::sheet::CellFlags::DATETIME |
                                 css::sheet::CellFlags::STRING | css::sheet::CellFlags::FORMULA);
      } else if (written[at].is_number()) {
        cell->setValue(written[at].get<double>());
      } else if (const auto text = written[at].get<std::string>(); text.starts_with("=")) {
        formulas.write(cell, sheet.value().index, area.first_column + column, area.first_row + row, text);
        if (cell->getError() != 0) {
          formula_errors.push_back({{"cell", cell_name(area.first_column + column, area.first_row + row)},
                                    {"formula", text},
                                    {"shows", cell_result(cell)}});
        }
      } else {
        const css::uno::Reference<css::text::XText> cell_text(cell, css::uno::UNO_QUERY_THROW);
        cell_text->setString(to_ustring(text));
      }
    }
  }
  nlohmann::json answer{
      {"range", qualified_name(sheet.value().name, area)}, {"rows", area.rows()}, {"columns", area.columns()}};
  if (!formula_errors.empty()) {
    answer["formula_errors"] = formula_errors;
  }
  return answer;
}

folio::result<nlohmann::json> set_number_format(const document_ref& document, const nlohmann::json& arguments) {
  auto target = sheet_and_range(document, arguments);
  if (!target) {
    return target.error();
  }
  const auto& [sheet, area] = target.value();
  const auto code = arguments["format"].get<std::string>();
  const css::uno::Reference<css::util::XNumberFormatsSupplier> supplier(document, css::uno::UNO_QUERY_THROW);
  const auto formats = supplier->getNumberFormats();
  // Codes are read in the office's own language (an empty locale): one of another language would be saved with a
  // language prefix ("[$-409]#,##0.00") that Excel and openpyxl show as part of the code.
  const css::lang::Locale office_language;
  auto key = formats->queryKey(to_ustring(code), office_language, false);
  if (key == -1) {
    try {
      key = formats->addNew(to_ustring(code), office_language);
    } catch (const css::util::MalformedNumberFormatException&) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "'" + code + "' is not a number format code such as \"#,##0.00\", \"0.0%\" or \"yyyy-mm-dd\"",
                         "/format");
    }
  }
  const css::uno::Reference<css::beans::XPropertySet> cells(cells_of(sheet, area), css::uno::UNO_QUERY_THROW);
  cells->setPropertyValue(OUString("NumberFormat"), css::uno::Any(key));
  return nlohmann::json{{"range", qualified_name(sheet.name, area)}, {"format", code}};
}

std::optional<sal_Int32> parse_colour(const std::string& text) {
  if (text.size() != 7 || text.front() != '#' ||
      text.find_first_not_of("0123456789abcdefABCDEF", 1) != std::string::npos) {
    return std::nullopt;
  }
  return static_cast<sal_Int32>(std::stol(text.substr(1), nullptr, 16));
}

folio::result<nlohmann::json> set_style(const document_ref& document, const nlohmann::json& arguments) {
  auto target = sheet_and_range(document, arguments);
  if (!target) {
    return target.error();
  }
  const auto& [sheet, area] = target.value();
  std::vector<std::pair<OUString, css::uno::Any>> changes;
  nlohmann::json applied = nlohmann::json::object();
  if (arguments.contains("bold")) {
    const bool bold = arguments["bold"].get<bool>();
    changes.emplace_back("CharWeight", css::uno::Any(bold ? css::awt::FontWeight::BOLD : css::awt::FontWeight::NORMAL));
    applied["bold"] = bold;
  }
  if (arguments.contains("italic")) {
    const bool italic = arguments["italic"].get<bool>();
    changes.emplace_back("CharPosture", css::uno::Any(italic ? css::awt::FontSlant_ITALIC : css::awt::FontSlant_NONE));
    applied["italic"] = italic;
  }
  if (arguments.contains("font_size")) {
    const auto size = arguments["font_size"].get<float>();
    changes.emplace_back("CharHeight", css::uno::Any(size));
    applied["font_size"] = size;
  }
  for (const auto& [key, property] : {std::pair{"fill_color", "CellBackColor"}, std::pair{"font_color", "CharColor"}}) {
    if (!arguments.contains(key)) {
      continue;
    }
    const auto text = arguments[key].get<std::string>();
    const auto colour = parse_colour(text);
    if (!colour) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "'" + text + "' is not a colour written #RRGGBB, such as \"#1F4E79\"", std::string("/") + key);
    }
    changes.emplace_back(OUString::createFromAscii(property), css::uno::Any(*colour));
    applied[key] = text;
  }
  if (changes.empty()) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "set_style needs at least one of bold, italic, font_size, fill_color, font_color", "");
  }
  const css::uno::Reference<css::beans::XPropertySet> cells(cells_of(sheet, area), css::uno::UNO_QUERY_THROW);
  for (const auto& [property, value] : changes) {
    cells->setPropertyValue(property, value);
  }
  return nlohmann::json{{"range", qualified_name(sheet.name, area)}, {"applied", applied}};
}

folio::result<nlohmann::json> set_column_width(const document_ref& document, const nlohmann::json& arguments) {
  auto sheet = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!sheet) {
    return sheet.error();
  }
  const auto text = arguments["columns"].get<std::string>();
  const auto span = parse_columns(text);
  if (!span) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + text + "' is not a column or a span of columns such as \"B\" or \"B:D\"", "/columns");
  }
  const auto [first, last] = *span;
  const cell_area area{first, 0, last, 0};
  if (auto inside = area_inside(sheet.value(), area, "'" + text + "'", "/columns"); !inside) {
    return inside.error();
  }
  const auto width = arguments["width"].get<double>();
  const css::uno::Reference<css::table::XColumnRowRange> range(cells_of(sheet.value(), area),
                                                               css::uno::UNO_QUERY_THROW);
  const auto columns = range->getColumns();
  for (sal_Int32 index = 0; index < columns->getCount(); ++index) {
    const css::uno::Reference<css::beans::XPropertySet> column(columns->getByIndex(index), css::uno::UNO_QUERY_THROW);
    column->setPropertyValue(OUString("Width"),
                             css::uno::Any(static_cast<sal_Int32>(std::lround(width * hundredths_mm_per_character))));
  }
  const auto named = first == last ? column_letters(first) : column_letters(first) + ":" + column_letters(last);
  return nlohmann::json{{"sheet", sheet.value().name}, {"columns", named}, {"width", width}};
}

folio::result<nlohmann::json> merge_cells(const document_ref& document, const nlohmann::json& arguments) {
  auto target = sheet_and_range(document, arguments);
  if (!target) {
    return target.error();
  }
  const auto& [sheet, area] = target.value();
  if (area.columns() == 1 && area.rows() == 1) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + area_name(area) + "' is one cell; merging needs a range such as \"A1:D1\"", "/range");
  }
  // A merge whose top-left cell lies above or left of the range can still reach into it.
  const auto used = used_area(sheet);
  const cell_area scan{0, 0, std::max(area.last_column, used ? used->last_column : 0),
                       std::max(area.last_row, used ? used->last_row : 0)};
  const auto merged = merged_areas(sheet, scan);
  for (const auto& each : merged) {
    const bool overlaps = each.first_column <= area.last_column && area.first_column <= each.last_column &&
                          each.first_row <= area.last_row && area.first_row <= each.last_row;
    if (overlaps) {
      return folio::fail(folio::errc::tool_arguments_invalid,
                         "'" + area_name(area) + "' overlaps the merged range " + area_name(each), "/range");
    }
  }
  const css::uno::Reference<css::util::XMergeable> cells(cells_of(sheet, area), css::uno::UNO_QUERY_THROW);
  cells->merge(true);
  return nlohmann::json{{"merged", qualified_name(sheet.name, area)}};
}

folio::result<nlohmann::json> freeze_panes(const document_ref& document, const nlohmann::json& arguments) {
  auto sheet = find_sheet(document, arguments["sheet"].get<std::string>(), "/sheet");
  if (!sheet) {
    return sheet.error();
  }
  const auto rows = arguments.value("rows", 0);
  const auto columns = arguments.value("columns", 0);
  freeze(document, sheet.value(), rows, columns);
  nlohmann::json frozen = nullptr;
  if (rows > 0 || columns > 0) {
    frozen = {{"rows", rows}, {"columns", columns}};
  }
  return nlohmann::json{{"sheet", sheet.value().name}, {"frozen", frozen}};
}

} // namespace

namespace {

// The view's settings as LibreOffice writes them for a document's view:
// "zoom;shown sheet;tab bar;sheet 1;sheet 2;…", each sheet "cursor column/cursor row/horizontal split mode/vertical
// split mode/split column/split row/active pane/left column/right column/top row/bottom row" ('+' for '/' past row
// 8192). A frozen split (mode 2) is kept as a cell index, not in pixels: reading and writing these settings freezes
// panes without measuring a window, which a hidden document does not have.
constexpr int frozen_split = 2;
constexpr std::size_t sheets_start = 3;
constexpr std::size_t sheet_fields = 11;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (auto end = text.find(separator); end != std::string::npos; end = text.find(separator, start)) {
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

css::uno::Reference<css::frame::XController> controller_of(const document_ref& document) {
  const css::uno::Reference<css::frame::XModel> model(document, css::uno::UNO_QUERY_THROW);
  auto controller = model->getCurrentController();
  if (!controller.is()) {
    throw css::uno::RuntimeException(OUString("the document has no view, which frozen panes belong to"));
  }
  return controller;
}

std::vector<std::string> view_settings(const document_ref& document) {
  OUString settings;
  controller_of(document)->getViewData() >>= settings;
  return split(to_utf8(settings), ';');
}

std::vector<std::string> sheet_settings(const std::vector<std::string>& settings, const sheet_ref& sheet) {
  const auto at = sheets_start + static_cast<std::size_t>(sheet.index);
  if (at >= settings.size()) {
    return {};
  }
  auto fields = split(settings[at], settings[at].find('+') != std::string::npos ? '+' : '/');
  return fields.size() >= sheet_fields ? fields : std::vector<std::string>{};
}

} // namespace

void freeze(const document_ref& document, const sheet_ref& sheet, sal_Int32 rows, sal_Int32 columns) {
  auto settings = view_settings(document);
  const auto at = sheets_start + static_cast<std::size_t>(sheet.index);
  if (settings.size() <= at) {
    settings.resize(at + 1);
  }
  const auto old = sheet_settings(settings, sheet);
  const auto field = [&](std::size_t index) { return old.empty() ? std::string("0") : old[index]; };
  const auto horizontal = columns > 0 ? frozen_split : 0;
  const auto vertical = rows > 0 ? frozen_split : 0;
  // The pane with the cursor: bottom-right below and right of both splits, else the one past the only split.
  const auto active = rows > 0 && columns > 0 ? 3 : columns > 0 ? 1 : 2;
  settings[at] = field(0) + "+" + field(1) + "+" + std::to_string(horizontal) + "+" + std::to_string(vertical) + "+" +
                 std::to_string(columns) + "+" + std::to_string(rows) + "+" + std::to_string(active) + "+0+" +
                 std::to_string(columns) + "+0+" + std::to_string(rows);
  std::string joined;
  for (std::size_t index = 0; index < settings.size(); ++index) {
    joined += (index == 0 ? "" : ";") + settings[index];
  }
  const auto controller = controller_of(document);
  controller->restoreViewData(css::uno::Any(to_ustring(joined)));
  // The xlsx export takes view settings from the office's current view, and a hidden frame never becomes current:
  // the frame is shown (to a headless office, which draws nothing) and activated.
  const auto frame = controller->getFrame();
  frame->getContainerWindow()->setVisible(true);
  frame->activate();
}

std::optional<std::pair<sal_Int32, sal_Int32>> frozen_panes(const document_ref& document, const sheet_ref& sheet) {
  const auto fields = sheet_settings(view_settings(document), sheet);
  if (fields.empty()) {
    return std::nullopt;
  }
  const auto rows = std::stoi(fields[3]) == frozen_split ? std::stoi(fields[5]) : 0;
  const auto columns = std::stoi(fields[2]) == frozen_split ? std::stoi(fields[4]) : 0;
  if (rows == 0 && columns == 0) {
    return std::nullopt;
  }
  return std::pair{rows, columns};
}

std::vector<cell_area> merged_areas(const sheet_ref& sheet, const cell_area& scan) {
  std::vector<cell_area> found;
  // Cells of one format share one range, and a merge's top-left cell carries its span in its format: only the
  // ranges holding merged cells need a closer look.
  const css::uno::Reference<css::sheet::XCellFormatRangesSupplier> supplier(cells_of(sheet, scan),
                                                                            css::uno::UNO_QUERY_THROW);
  const auto parts = supplier->getCellFormatRanges();
  for (sal_Int32 index = 0; index < parts->getCount(); ++index) {
    const css::uno::Reference<css::table::XCellRange> part(parts->getByIndex(index), css::uno::UNO_QUERY_THROW);
    if (!css::uno::Reference<css::util::XMergeable>(part, css::uno::UNO_QUERY_THROW)->getIsMerged()) {
      continue;
    }
    const auto bounds = area_of(
        css::uno::Reference<css::sheet::XCellRangeAddressable>(part, css::uno::UNO_QUERY_THROW)->getRangeAddress());
    for (sal_Int32 row = 0; row < bounds.rows(); ++row) {
      for (sal_Int32 column = 0; column < bounds.columns(); ++column) {
        const auto cell = part->getCellRangeByPosition(column, row, column, row);
        if (!css::uno::Reference<css::util::XMergeable>(cell, css::uno::UNO_QUERY_THROW)->getIsMerged()) {
          continue;
        }
        const auto cursor = sheet.sheet->createCursorByRange(
            css::uno::Reference<css::sheet::XSheetCellRange>(cell, css::uno::UNO_QUERY_THROW));
        cursor->collapseToMergedArea();
        found.push_back(
            area_of(css::uno::Reference<css::sheet::XCellRangeAddressable>(cursor, css::uno::UNO_QUERY_THROW)
                        ->getRangeAddress()));
      }
    }
  }
  return found;
}

std::vector<document_tool> cell_tools() {
  std::vector<document_tool> made;
  made.push_back({"write_range",
                  "Writes a block of cells from its top-left cell: one inner array per row. A number stays a number, "
                  "a string starting with \"=\" is a formula in Excel syntax (=SUM(B2:B4), =Sales!B5*1.1), any other "
                  "string is text, null empties the cell. Answers the written range (\"Sales!B2:E6\") and any formula "
                  "that computes to an error.",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1, "description": "The sheet to write on."},
                    "cell": {"type": "string", "minLength": 2, "description": "The top-left cell, such as \"B2\"."},
                    "values": {"type": "array", "minItems": 1, "maxItems": 10000,
                               "description": "Rows of cells, top to bottom; each row left to right.",
                               "items": {"type": "array", "minItems": 1, "maxItems": 1000,
                                         "items": {"type": ["string", "number", "null"]}}}},
                    "required": ["sheet", "cell", "values"], "additionalProperties": false})"),
                  write_range});
  made.push_back({"set_number_format",
                  "Sets the number format of a range with an Excel format code: \"#,##0.00\", \"0.0%\", "
                  "\"$#,##0\", \"yyyy-mm-dd\".",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1},
                    "range": {"type": "string", "minLength": 2, "description": "A range on the sheet, such as \"B2:E6\"."},
                    "format": {"type": "string", "minLength": 1, "maxLength": 255, "description": "The format code."}},
                    "required": ["sheet", "range", "format"], "additionalProperties": false})"),
                  set_number_format});
  made.push_back({"set_style",
                  "Styles the cells of a range: bold, italic, font size, fill colour, font colour. Give at least one.",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1},
                    "range": {"type": "string", "minLength": 2, "description": "A range on the sheet, such as \"A1:E1\"."},
                    "bold": {"type": "boolean"},
                    "italic": {"type": "boolean"},
                    "font_size": {"type": "number", "minimum": 6, "maximum": 72, "description": "In points."},
                    "fill_color": {"type": "string", "minLength": 7, "maxLength": 7,
                                   "description": "Background colour as #RRGGBB, such as \"#DDEBF7\"."},
                    "font_color": {"type": "string", "minLength": 7, "maxLength": 7,
                                   "description": "Text colour as #RRGGBB, such as \"#1F4E79\"."}},
                    "required": ["sheet", "range"], "additionalProperties": false})"),
                  set_style});
  made.push_back({"set_column_width",
                  "Sets the width of one column or a span of columns, in characters (digits of the default font), "
                  "as Excel counts column widths.",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1},
                    "columns": {"type": "string", "minLength": 1, "description": "A column such as \"B\" or a span such as \"B:D\"."},
                    "width": {"type": "number", "minimum": 0.5, "maximum": 255, "description": "Width in characters; Excel's default is about 8.4."}},
                    "required": ["sheet", "columns", "width"], "additionalProperties": false})"),
                  set_column_width});
  made.push_back({"merge_cells",
                  "Merges a range into one cell showing the top-left cell's content (for titles over a table).",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1},
                    "range": {"type": "string", "minLength": 4, "description": "At least two cells, such as \"A1:E1\"; it must not overlap a merged range."}},
                    "required": ["sheet", "range"], "additionalProperties": false})"),
                  merge_cells});
  made.push_back({"freeze_panes",
                  "Freezes the top rows and left columns of a sheet so they stay visible while scrolling; 0 and 0 "
                  "unfreezes.",
                  nlohmann::json::parse(R"({"type": "object", "properties": {
                    "sheet": {"type": "string", "minLength": 1},
                    "rows": {"type": "integer", "minimum": 0, "maximum": 1000, "description": "How many top rows stay; default 0."},
                    "columns": {"type": "integer", "minimum": 0, "maximum": 100, "description": "How many left columns stay; default 0."}},
                    "required": ["sheet"], "additionalProperties": false})"),
                  freeze_panes});
  return made;
}

} // namespace folio_libreoffice
