// The spreadsheet's tools come in groups, each in its own file beside the code it runs: sheets and named ranges
// (spreadsheet_tools.cpp), cells (spreadsheet_cells.cpp), charts (spreadsheet_charts.cpp); the outline reads
// everything they make (spreadsheet_outline.cpp).
#pragma once

#include "document_tools.hpp"
#include "spreadsheet_workbook.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace folio_libreoffice {

std::vector<document_tool> cell_tools();
std::vector<document_tool> chart_tools();

// Freezes the top `rows` and left `columns` of `sheet` (none when both are 0).
void freeze(const document_ref& document, const sheet_ref& sheet, sal_Int32 rows, sal_Int32 columns);
// Rows and columns frozen on `sheet`, if any.
std::optional<std::pair<sal_Int32, sal_Int32>> frozen_panes(const document_ref& document, const sheet_ref& sheet);
// The merged ranges whose top-left cell lies in `scan`.
std::vector<cell_area> merged_areas(const sheet_ref& sheet, const cell_area& scan);

// What the outline says of each chart on `sheet`: name, kind, title, data ranges, anchor, size.
nlohmann::json describe_charts(const document_ref& document, const sheet_ref& sheet);

folio::result<nlohmann::json> spreadsheet_outline(const document_ref& document);

} // namespace folio_libreoffice
