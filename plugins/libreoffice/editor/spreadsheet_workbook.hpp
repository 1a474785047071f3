// How the spreadsheet tools address a workbook: A1 references as agents write them ("B2", "B2:E6", "Sales!B2:E6",
// "'Q3 Sales'!A1"), sheets found by name with an error that lists the sheets there are, areas checked against the
// sheet's size, and formulas read and written in Excel's syntax (commas between arguments, "Sales!B2" references),
// whatever syntax LibreOffice uses inside.
#pragma once

#include "document_tools.hpp"

#include <com/sun/star/sheet/XFormulaParser.hpp>
#include <com/sun/star/sheet/XNamedRanges.hpp>
#include <com/sun/star/sheet/XSpreadsheet.hpp>
#include <com/sun/star/sheet/XSpreadsheets.hpp>
#include <com/sun/star/table/CellRangeAddress.hpp>
#include <com/sun/star/table/XCell.hpp>
#include <com/sun/star/table/XCellRange.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace folio_libreoffice {

// A rectangle of cells, 0-based and inclusive, as UNO counts them.
struct cell_area {
  sal_Int32 first_column = 0;
  sal_Int32 first_row = 0;
  sal_Int32 last_column = 0;
  sal_Int32 last_row = 0;

  [[nodiscard]] sal_Int32 columns() const { return last_column - first_column + 1; }
  [[nodiscard]] sal_Int32 rows() const { return last_row - first_row + 1; }
};

// An A1 reference as written: the sheet is there only when the text names one.
struct written_reference {
  std::optional<std::string> sheet;
  cell_area area;
};

std::optional<written_reference> parse_reference(std::string_view text);
// "B" or "B:D" (also "B2:D9", whose rows are ignored): first and last column, 0-based.
std::optional<std::pair<sal_Int32, sal_Int32>> parse_columns(std::string_view text);

std::string column_letters(sal_Int32 column);
std::string cell_name(sal_Int32 column, sal_Int32 row);
std::string area_name(const cell_area& area);                                // "B2:E6", or "B2" for one cell
std::string sheet_prefix(const std::string& sheet);                          // "Sales!", "'Q3 Sales'!"
std::string qualified_name(const std::string& sheet, const cell_area& area); // "Sales!B2:E6"
cell_area area_of(const css::table::CellRangeAddress& address);

css::uno::Reference<css::sheet::XSpreadsheets> sheets_of(const document_ref& document);
std::vector<std::string> sheet_names(const document_ref& document);
bool same_ignoring_case(std::string_view left, std::string_view right); // as Excel compares sheet and range names
std::string listed(const std::vector<std::string>& names);              // "'Sales', 'Forecast'"

css::uno::Reference<css::sheet::XNamedRanges> named_ranges_of(const document_ref& document);

struct sheet_ref {
  css::uno::Reference<css::sheet::XSpreadsheet> sheet;
  std::string name;
  sal_Int16 index = 0;
};

sheet_ref sheet_at(const document_ref& document, sal_Int16 index);
// The sheet called `name`, or tool_arguments_invalid at `param` listing the workbook's sheets.
folio::result<sheet_ref> find_sheet(const document_ref& document, const std::string& name, const std::string& param);
// The sheet name a workbook already uses that equals `name` ignoring case (as Excel compares them), if any.
std::optional<std::string> taken_sheet_name(const document_ref& document, const std::string& name);
// Why `name` cannot name a sheet in an xlsx (empty when it can).
std::string sheet_name_problem(const std::string& name);

// `area` when it lies inside `sheet`, else tool_arguments_invalid at `param` saying `what` lies outside it.
folio::result<cell_area> area_inside(const sheet_ref& sheet, const cell_area& area, const std::string& what,
                                     const std::string& param);
// The area `text` names on `sheet`: a reference naming another sheet, a malformed one, or one outside the sheet is
// tool_arguments_invalid at `param`.
folio::result<cell_area> area_on(const sheet_ref& sheet, std::string_view text, const std::string& param);
// A reference that may name its sheet ("Sales!B2:E6"); without one it lies on `default_sheet`.
folio::result<std::pair<sheet_ref, cell_area>> find_area(const document_ref& document, std::string_view text,
                                                         const sheet_ref& default_sheet, const std::string& param);

// The rectangle from the first to the last cell with content; none on an empty sheet.
std::optional<cell_area> used_area(const sheet_ref& sheet);

css::uno::Reference<css::table::XCellRange> cells_of(const sheet_ref& sheet, const cell_area& area);
css::table::CellRangeAddress address_of(const sheet_ref& sheet, const cell_area& area);

// Reads and writes formulas in Excel's syntax, with the function names of OOXML files.
class excel_formulas {
public:
  explicit excel_formulas(const document_ref& document);

  // `formula` starts with "=".
  void write(const css::uno::Reference<css::table::XCell>& cell, sal_Int16 sheet, sal_Int32 column, sal_Int32 row,
             const std::string& formula) const;
  [[nodiscard]] std::string read(const css::uno::Reference<css::table::XCell>& cell, sal_Int16 sheet, sal_Int32 column,
                                 sal_Int32 row) const;

private:
  css::uno::Reference<css::sheet::XFormulaParser> parser_;
};

// What a computed cell shows: a number, a text, or an error such as "#DIV/0!".
nlohmann::json cell_result(const css::uno::Reference<css::table::XCell>& cell);

} // namespace folio_libreoffice
