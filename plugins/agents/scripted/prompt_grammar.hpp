// The prompts the scripted agent understands, as data: parsing a prompt yields a request (a template to build or a
// command to apply) or prompt_not_understood with the list of supported forms. Parsing is pure and deterministic;
// what a request does to a document is the builders' business.
#pragma once

#include <folio/document_format.hpp>
#include <folio/errors.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace folio_scripted {

enum class chart_kind { column, bar, line, pie };

std::string to_string(chart_kind kind);

// --- spreadsheets -------------------------------------------------------------------------------------------------

struct sales_report_request {
  int quarter = 1;                  // 1..4
  std::optional<int> year;          // 2026
  std::vector<std::string> regions; // rows of the report; empty: the template's sample regions
};

struct forecast_request {
  std::string fiscal_year;      // "FY26"
  std::optional<double> growth; // 0.08 for "8% growth"; empty: the template's assumption
};

struct financial_model_request {
  std::optional<std::string> company;
};

struct budget_request {
  std::optional<std::string> subject; // "marketing" in "a marketing budget"
};

struct add_sheet_request {
  std::string name;
};

struct rename_sheet_request {
  std::string from;
  std::string to;
};

struct delete_sheet_request {
  std::string name;
};

// "set Sales!B2:D2 to 1, 2, 3": one row of values (or formulas) written from the range's first cell.
struct set_cells_request {
  std::optional<std::string> sheet;
  std::string range;
  std::vector<std::string> values;
};

struct add_chart_request {
  chart_kind kind = chart_kind::column;
  std::optional<std::string> sheet; // spreadsheets: where the data lives
  std::optional<std::string> range; // spreadsheets: the data range; absent: the agent's main table
  std::optional<std::string> title;
  std::optional<std::string> target; // documents: the section; presentations: the slide
};

// "move the revenue chart to the executive summary", "move the chart to sheet Summary", "move chart 1 to slide 3".
struct move_chart_request {
  std::optional<std::string> chart; // "revenue"; absent: the only or latest chart
  std::string target;               // a sheet, a section or a slide
};

// --- text documents -----------------------------------------------------------------------------------------------

struct proposal_request {
  std::string topic;
};

struct business_review_request {
  std::optional<int> quarter;
  std::optional<int> year;
};

struct report_request {
  std::string topic;
};

struct add_section_request {
  std::string title;
  std::optional<std::string> text;
};

struct add_table_request {
  std::optional<std::string> target; // the section
  std::optional<std::string> subject;
};

struct move_section_request {
  std::string section;
  std::string after; // empty: to the end
};

// --- presentations ------------------------------------------------------------------------------------------------

struct pitch_deck_request {
  std::optional<std::string> company;
};

struct review_deck_request {
  std::optional<int> quarter;
  std::optional<int> year;
};

struct add_slide_request {
  std::string topic;
};

using request =
    std::variant<sales_report_request, forecast_request, financial_model_request, budget_request, add_sheet_request,
                 rename_sheet_request, delete_sheet_request, set_cells_request, add_chart_request, move_chart_request,
                 proposal_request, business_review_request, report_request, add_section_request, add_table_request,
                 move_section_request, pitch_deck_request, review_deck_request, add_slide_request>;

// One prompt may chain several requests with "then" or ";" ("add a sheet Notes; then rename sheet Notes to Memo").
folio::result<std::vector<request>> parse_prompt(folio::document_format format, const std::string& prompt);

// The forms a format understands, one example each, for prompt_not_understood messages and the README.
std::vector<std::string> supported_forms(folio::document_format format);

} // namespace folio_scripted
