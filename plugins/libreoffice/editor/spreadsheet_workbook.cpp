#include "spreadsheet_workbook.hpp"

#include <algorithm>
#include <cctype>
#include <com/sun/star/beans/XPropertySet.hpp>
#include <com/sun/star/container/XNamed.hpp>
#include <com/sun/star/lang/XMultiServiceFactory.hpp>
#include <com/sun/star/sheet/AddressConvention.hpp>
#include <com/sun/star/sheet/FormulaResult.hpp>
#include <com/sun/star/sheet/XCellRangeAddressable.hpp>
#include <com/sun/star/sheet/XFormulaTokens.hpp>
#include <com/sun/star/sheet/XSheetCellCursor.hpp>
#include <com/sun/star/sheet/XSpreadsheetDocument.hpp>
#include <com/sun/star/sheet/XUsedAreaCursor.hpp>
#include <com/sun/star/table/CellAddress.hpp>
#include <com/sun/star/table/CellContentType.hpp>
#include <com/sun/star/table/XColumnRowRange.hpp>
#include <com/sun/star/table/XTableColumns.hpp>
#include <com/sun/star/table/XTableRows.hpp>
#include <com/sun/star/text/XText.hpp>

namespace folio_libreoffice {
namespace {

// Excel's last column (XFD) and row bound what a reference may say before the sheet's own size is asked.
constexpr sal_Int32 max_reference_column = 16383;
constexpr sal_Int32 max_reference_row = 1048575;

bool is_letter(char each) {
  return std::isalpha(static_cast<unsigned char>(each)) != 0;
}

bool is_digit(char each) {
  return std::isdigit(static_cast<unsigned char>(each)) != 0;
}

// One end of a reference: "$B$2", "B2", or only a column ("B") or a row ("2"), which whole columns name.
struct cell_part {
  std::optional<sal_Int32> column;
  std::optional<sal_Int32> row;
};

std::optional<cell_part> parse_cell(std::string_view text) {
  cell_part part;
  std::size_t at = 0;
  if (at < text.size() && text[at] == '$') {
    ++at;
  }
  sal_Int32 column = 0;
  std::size_t letters = 0;
  while (at < text.size() && is_letter(text[at])) {
    column = column * 26 + (std::toupper(static_cast<unsigned char>(text[at])) - 'A' + 1);
    ++at;
    if (++letters > 3) {
      return std::nullopt;
    }
  }
  if (letters > 0) {
    part.column = column - 1;
  }
  if (at < text.size() && text[at] == '$') {
    ++at;
  }
  sal_Int32 row = 0;
  std::size_t digits = 0;
  while (at < text.size() && is_digit(text[at])) {
    row = row * 10 + (text[at] - '0');
    ++at;
    if (++digits > 7) {
      return std::nullopt;
    }
  }
  if (digits > 0) {
    if (row == 0) {
      return std::nullopt;
    }
    part.row = row - 1;
  }
  if (at != text.size() || (!part.column && !part.row)) {
    return std::nullopt;
  }
  if ((part.column && *part.column > max_reference_column) || (part.row && *part.row > max_reference_row)) {
    return std::nullopt;
  }
  return part;
}

} // namespace

std::optional<written_reference> parse_reference(std::string_view text) {
  written_reference reference;
  const auto bang = text.rfind('!');
  if (bang != std::string_view::npos) {
    auto sheet = text.substr(0, bang);
    if (sheet.size() >= 2 && sheet.front() == '\'' && sheet.back() == '\'') {
      std::string unquoted;
      for (std::size_t at = 1; at + 1 < sheet.size(); ++at) {
        unquoted += sheet[at];
        if (sheet[at] == '\'' && at + 2 < sheet.size() && sheet[at + 1] == '\'') {
          ++at;
        }
      }
      reference.sheet = unquoted;
    } else {
      reference.sheet = std::string(sheet);
    }
    if (reference.sheet->empty()) {
      return std::nullopt;
    }
    text = text.substr(bang + 1);
  }
  const auto colon = text.find(':');
  const auto first = parse_cell(text.substr(0, colon));
  const auto last = colon == std::string_view::npos ? first : parse_cell(text.substr(colon + 1));
  if (!first || !last || !first->column || !first->row || !last->column || !last->row) {
    return std::nullopt;
  }
  reference.area = {std::min(*first->column, *last->column), std::min(*first->row, *last->row),
                    std::max(*first->column, *last->column), std::max(*first->row, *last->row)};
  return reference;
}

std::optional<std::pair<sal_Int32, sal_Int32>> parse_columns(std::string_view text) {
  const auto colon = text.find(':');
  const auto first = parse_cell(text.substr(0, colon));
  const auto last = colon == std::string_view::npos ? first : parse_cell(text.substr(colon + 1));
  if (!first || !last || !first->column || !last->column) {
    return std::nullopt;
  }
  return std::pair{std::min(*first->column, *last->column), std::max(*first->column, *last->column)};
}

std::string column_letters(sal_Int32 column) {
  std::string letters;
  for (sal_Int32 rest = column + 1; rest > 0; rest = (rest - 1) / 26) {
    letters.insert(letters.begin(), static_cast<char>('A' + (rest - 1) % 26));
  }
  return letters;
}

std::string cell_name(sal_Int32 column, sal_Int32 row) {
  return column_letters(column) + std::to_string(row + 1);
}

std::string area_name(const cell_area& area) {
  auto first = cell_name(area.first_column, area.first_row);
  if (area.first_column == area.last_column && area.first_row == area.last_row) {
    return first;
  }
  return first + ":" + cell_name(area.last_column, area.last_row);
}

std::string sheet_prefix(const std::string& sheet) {
  // As Excel writes them: quoted unless made of letters, digits, "_" and ".", and unlike a cell ("Q3").
  const bool plain =
      !sheet.empty() && !is_digit(sheet.front()) &&
      std::all_of(sheet.begin(), sheet.end(),
                  [](char each) {
                    return std::isalnum(static_cast<unsigned char>(each)) != 0 || each == '_' || each == '.';
                  }) &&
      !parse_reference(sheet);
  if (plain) {
    return sheet + "!";
  }
  std::string quoted = "'";
  for (const char each : sheet) {
    quoted += each == '\'' ? std::string("''") : std::string(1, each);
  }
  return quoted + "'!";
}

std::string qualified_name(const std::string& sheet, const cell_area& area) {
  return sheet_prefix(sheet) + area_name(area);
}

cell_area area_of(const css::table::CellRangeAddress& address) {
  return {address.StartColumn, address.StartRow, address.EndColumn, address.EndRow};
}

css::uno::Reference<css::sheet::XSpreadsheets> sheets_of(const document_ref& document) {
  const css::uno::Reference<css::sheet::XSpreadsheetDocument> workbook(document, css::uno::UNO_QUERY_THROW);
  return workbook->getSheets();
}

std::vector<std::string> sheet_names(const document_ref& document) {
  const auto names = sheets_of(document)->getElementNames();
  std::vector<std::string> made;
  for (const auto& name : names) {
    made.push_back(to_utf8(name));
  }
  return made;
}

bool same_ignoring_case(std::string_view left, std::string_view right) {
  return std::equal(left.begin(), left.end(), right.begin(), right.end(), [](char one, char other) {
    return std::tolower(static_cast<unsigned char>(one)) == std::tolower(static_cast<unsigned char>(other));
  });
}

css::uno::Reference<css::sheet::XNamedRanges> named_ranges_of(const document_ref& document) {
  const css::uno::Reference<css::beans::XPropertySet> workbook(document, css::uno::UNO_QUERY_THROW);
  return {workbook->getPropertyValue(OUString("NamedRanges")), css::uno::UNO_QUERY_THROW};
}

std::string listed(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) {
    text += (text.empty() ? "'" : ", '") + name + "'";
  }
  return text.empty() ? "none" : text;
}

sheet_ref sheet_at(const document_ref& document, sal_Int16 index) {
  const css::uno::Reference<css::container::XIndexAccess> sheets(sheets_of(document), css::uno::UNO_QUERY_THROW);
  css::uno::Reference<css::sheet::XSpreadsheet> sheet(sheets->getByIndex(index), css::uno::UNO_QUERY_THROW);
  const css::uno::Reference<css::container::XNamed> named(sheet, css::uno::UNO_QUERY_THROW);
  return {sheet, to_utf8(named->getName()), index};
}

folio::result<sheet_ref> find_sheet(const document_ref& document, const std::string& name, const std::string& param) {
  const auto names = sheet_names(document);
  for (std::size_t index = 0; index < names.size(); ++index) {
    if (names[index] == name) {
      return sheet_at(document, static_cast<sal_Int16>(index));
    }
  }
  return folio::fail(folio::errc::tool_arguments_invalid,
                     "the workbook has no sheet named '" + name + "'; its sheets are " + listed(names), param);
}

std::optional<std::string> taken_sheet_name(const document_ref& document, const std::string& name) {
  for (const auto& each : sheet_names(document)) {
    if (same_ignoring_case(each, name)) {
      return each;
    }
  }
  return std::nullopt;
}

std::string sheet_name_problem(const std::string& name) {
  if (name.find_first_of("[]:*?/\\") != std::string::npos) {
    return "a sheet name cannot contain any of [ ] : * ? / \\";
  }
  if (name.front() == '\'' || name.back() == '\'') {
    return "a sheet name cannot begin or end with an apostrophe";
  }
  return {};
}

folio::result<cell_area> area_inside(const sheet_ref& sheet, const cell_area& area, const std::string& what,
                                     const std::string& param) {
  const css::uno::Reference<css::table::XColumnRowRange> whole(sheet.sheet, css::uno::UNO_QUERY_THROW);
  const auto columns = whole->getColumns()->getCount();
  const auto rows = whole->getRows()->getCount();
  if (area.last_column >= columns || area.last_row >= rows) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       what + " lies outside sheet '" + sheet.name + "', which has columns A to " +
                           column_letters(columns - 1) + " and rows 1 to " + std::to_string(rows),
                       param);
  }
  return area;
}

folio::result<cell_area> area_on(const sheet_ref& sheet, std::string_view text, const std::string& param) {
  const auto reference = parse_reference(text);
  if (!reference) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + std::string(text) + "' is not an A1 reference such as \"B2\" or \"B2:E6\"", param);
  }
  if (reference->sheet && *reference->sheet != sheet.name) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + std::string(text) + "' names sheet '" + *reference->sheet + "', not '" + sheet.name +
                           "'; give the range without a sheet name",
                       param);
  }
  return area_inside(sheet, reference->area, "'" + std::string(text) + "'", param);
}

folio::result<std::pair<sheet_ref, cell_area>> find_area(const document_ref& document, std::string_view text,
                                                         const sheet_ref& default_sheet, const std::string& param) {
  const auto reference = parse_reference(text);
  if (!reference) {
    return folio::fail(folio::errc::tool_arguments_invalid,
                       "'" + std::string(text) + "' is not an A1 reference such as \"B2:E6\" or \"Sales!B2:E6\"",
                       param);
  }
  auto sheet = default_sheet;
  if (reference->sheet) {
    auto named = find_sheet(document, *reference->sheet, param);
    if (!named) {
      return named.error();
    }
    sheet = std::move(named).value();
  }
  auto area = area_inside(sheet, reference->area, "'" + std::string(text) + "'", param);
  if (!area) {
    return area.error();
  }
  return std::pair{sheet, area.value()};
}

std::optional<cell_area> used_area(const sheet_ref& sheet) {
  const auto cursor = sheet.sheet->createCursor();
  const css::uno::Reference<css::sheet::XUsedAreaCursor> used(cursor, css::uno::UNO_QUERY_THROW);
  used->gotoStartOfUsedArea(false);
  used->gotoEndOfUsedArea(true);
  const auto area = area_of(
      css::uno::Reference<css::sheet::XCellRangeAddressable>(cursor, css::uno::UNO_QUERY_THROW)->getRangeAddress());
  if (area.columns() == 1 && area.rows() == 1 &&
      sheet.sheet->getCellByPosition(area.first_column, area.first_row)->getType() ==
          css::table::CellContentType_EMPTY) {
    return std::nullopt;
  }
  return area;
}

css::uno::Reference<css::table::XCellRange> cells_of(const sheet_ref& sheet, const cell_area& area) {
  return sheet.sheet->getCellRangeByPosition(area.first_column, area.first_row, area.last_column, area.last_row);
}

css::table::CellRangeAddress address_of(const sheet_ref& sheet, const cell_area& area) {
  css::table::CellRangeAddress address;
  address.Sheet = sheet.index;
  address.StartColumn = area.first_column;
  address.StartRow = area.first_row;
  address.EndColumn = area.last_column;
  address.EndRow = area.last_row;
  return address;
}

excel_formulas::excel_formulas(const document_ref& document) {
  const css::uno::Reference<css::lang::XMultiServiceFactory> factory(document, css::uno::UNO_QUERY_THROW);
  parser_.set(factory->createInstance(OUString("com.sun.star.sheet.FormulaParser")), css::uno::UNO_QUERY_THROW);
  // With the OOXML convention and no op-code map of its own, the parser takes OOXML's function names and separators.
  const css::uno::Reference<css::beans::XPropertySet> settings(parser_, css::uno::UNO_QUERY_THROW);
  settings->setPropertyValue(OUString("FormulaConvention"),
                             css::uno::Any(static_cast<sal_Int16>(css::sheet::AddressConvention::XL_OOX)));
  settings->setPropertyValue(OUString("CompileEnglish"), css::uno::Any(true));
}

void excel_formulas::write(const css::uno::Reference<css::table::XCell>& cell, sal_Int16 sheet, sal_Int32 column,
                           sal_Int32 row, const std::string& formula) const {
  const css::table::CellAddress at(sheet, column, row);
  const auto tokens = parser_->parseFormula(to_ustring(std::string_view(formula).substr(1)), at);
  const css::uno::Reference<css::sheet::XFormulaTokens> target(cell, css::uno::UNO_QUERY_THROW);
  target->setTokens(tokens);
}

std::string excel_formulas::read(const css::uno::Reference<css::table::XCell>& cell, sal_Int16 sheet, sal_Int32 column,
                                 sal_Int32 row) const {
  const css::table::CellAddress at(sheet, column, row);
  const css::uno::Reference<css::sheet::XFormulaTokens> source(cell, css::uno::UNO_QUERY_THROW);
  return "=" + to_utf8(parser_->printFormula(source->getTokens(), at));
}

nlohmann::json cell_result(const css::uno::Reference<css::table::XCell>& cell) {
  const css::uno::Reference<css::text::XText> text(cell, css::uno::UNO_QUERY_THROW);
  switch (cell->getType()) {
  case css::table::CellContentType_EMPTY: return nullptr;
  case css::table::CellContentType_VALUE: return cell->getValue();
  case css::table::CellContentType_TEXT: return to_utf8(text->getString());
  default: break;
  }
  const css::uno::Reference<css::beans::XPropertySet> properties(cell, css::uno::UNO_QUERY_THROW);
  sal_Int32 kind = 0;
  properties->getPropertyValue(OUString("FormulaResultType2")) >>= kind;
  if (kind == css::sheet::FormulaResult::VALUE) {
    return cell->getValue();
  }
  return to_utf8(text->getString());
}

} // namespace folio_libreoffice
