// The spreadsheet outline: everything an agent needs to rebuild its memory of a workbook. Its keys are stable:
//
// {"sheets": [{"name": "Sales",
//              "position": 1,                                  1-based, in tab order
//              "used_range": "A1:E6" | null,                   first to last cell with content; null when empty
//              "preview": {"range": "A1:E6",                   the cells shown: the used range's top-left corner,
//                          "rows": [[cell, ...], ...],         at most preview_limits rows × columns of it
//                          "truncated": false} | null,         true when the used range is larger than the preview
//              "merged": ["A1:E1", ...],
//              "frozen": {"rows": 1, "columns": 0} | null,
//              "charts": [{"name", "sheet", "kind": "column|bar|line|pie|…", "title", "data_ranges": ["Sales!A1:E5"],
//                          "series_in": "columns|rows", "anchor": "Sales!G2", "size_cm": {"width", "height"}}]}],
//  "named_ranges": [{"name": "Revenue", "range": "Sales!B2:E6"}],  or {"name", "formula"} when not a plain range
//  "preview_limits": {"rows": 20, "columns": 10}}
//
// A preview cell is null (empty), a number, a text, or {"formula": "=SUM(B2:B4)", "value": 60} where the value is
// what the formula computes (a number, a text or an error such as "#DIV/0!").
#include "spreadsheet_tool_sets.hpp"

#include <com/sun/star/sheet/XCellRangeAddressable.hpp>
#include <com/sun/star/sheet/XCellRangeData.hpp>
#include <com/sun/star/sheet/XCellRangeReferrer.hpp>
#include <com/sun/star/sheet/XNamedRange.hpp>
#include <com/sun/star/table/CellContentType.hpp>

namespace folio_libreoffice {
namespace {

constexpr sal_Int32 preview_rows = 20;
constexpr sal_Int32 preview_columns = 10;

nlohmann::json preview_of(const sheet_ref& sheet, const cell_area& used, const excel_formulas& formulas) {
  const cell_area shown{used.first_column, used.first_row,
                        std::min(used.last_column, used.first_column + preview_columns - 1),
                        std::min(used.last_row, used.first_row + preview_rows - 1)};
  const auto range = cells_of(sheet, shown);
  // One call brings every value; only the cells holding formulas need a second look.
  const auto data = css::uno::Reference<css::sheet::XCellRangeData>(range, css::uno::UNO_QUERY_THROW)->getDataArray();
  auto rows = nlohmann::json::array();
  for (sal_Int32 row = 0; row < shown.rows(); ++row) {
    auto cells = nlohmann::json::array();
    for (sal_Int32 column = 0; column < shown.columns(); ++column) {
      const auto& value = data[row][column];
      const auto cell = range->getCellByPosition(column, row);
      if (cell->getType() == css::table::CellContentType_FORMULA) {
        cells.push_back(
            {{"formula", formulas.read(cell, sheet.index, shown.first_column + column, shown.first_row + row)},
             {"value", cell_result(cell)}});
        continue;
      }
      double number = 0;
      OUString text;
      if (value >>= number) {
        cells.push_back(number);
      } else if ((value >>= text) && !text.isEmpty()) {
        cells.push_back(to_utf8(text));
      } else {
        cells.push_back(nullptr);
      }
    }
    rows.push_back(std::move(cells));
  }
  return {{"range", area_name(shown)},
          {"rows", rows},
          {"truncated", shown.rows() < used.rows() || shown.columns() < used.columns()}};
}

nlohmann::json describe_sheet(const document_ref& document, const sheet_ref& sheet, const excel_formulas& formulas) {
  nlohmann::json described{{"name", sheet.name}, {"position", sheet.index + 1}};
  const auto used = used_area(sheet);
  described["used_range"] = used ? nlohmann::json(area_name(*used)) : nlohmann::json(nullptr);
  described["preview"] = used ? preview_of(sheet, *used, formulas) : nlohmann::json(nullptr);
  auto merged = nlohmann::json::array();
  if (used) {
    for (const auto& area : merged_areas(sheet, *used)) {
      merged.push_back(area_name(area));
    }
  }
  described["merged"] = merged;
  const auto frozen = frozen_panes(document, sheet);
  described["frozen"] =
      frozen ? nlohmann::json{{"rows", frozen->first}, {"columns", frozen->second}} : nlohmann::json(nullptr);
  described["charts"] = describe_charts(document, sheet);
  return described;
}

nlohmann::json describe_named_ranges(const document_ref& document) {
  auto described = nlohmann::json::array();
  const auto ranges = named_ranges_of(document);
  for (const auto& name : ranges->getElementNames()) {
    const css::uno::Reference<css::sheet::XNamedRange> range(ranges->getByName(name), css::uno::UNO_QUERY_THROW);
    const css::uno::Reference<css::sheet::XCellRangeReferrer> referrer(range, css::uno::UNO_QUERY_THROW);
    const css::uno::Reference<css::sheet::XCellRangeAddressable> cells(referrer->getReferredCells(),
                                                                       css::uno::UNO_QUERY);
    if (cells.is()) {
      const auto address = cells->getRangeAddress();
      described.push_back({{"name", to_utf8(name)},
                           {"range", qualified_name(sheet_at(document, address.Sheet).name, area_of(address))}});
    } else {
      described.push_back({{"name", to_utf8(name)}, {"formula", to_utf8(range->getContent())}});
    }
  }
  return described;
}

} // namespace

folio::result<nlohmann::json> spreadsheet_outline(const document_ref& document) {
  const excel_formulas formulas(document);
  auto sheets = nlohmann::json::array();
  const auto count = static_cast<sal_Int16>(sheet_names(document).size());
  for (sal_Int16 index = 0; index < count; ++index) {
    sheets.push_back(describe_sheet(document, sheet_at(document, index), formulas));
  }
  return nlohmann::json{{"sheets", sheets},
                        {"named_ranges", describe_named_ranges(document)},
                        {"preview_limits", {{"rows", preview_rows}, {"columns", preview_columns}}}};
}

} // namespace folio_libreoffice
