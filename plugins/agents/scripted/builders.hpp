// The scripted agent's builders: what each request of the grammar does to a document, through the editor's tools
// only, and what the agent remembers of it. One file per format.
//
// Memory (the agent state's "memory" object), shared by the formats:
//   "objects": {name: {"type": "sheet"|"table"|"chart"|"named_range"|"section"|"bookmark"|"slide"|"shape", …}}
//       every object the agent made or found, by the name tools know it by, with where it is ("sheet", "section",
//       "slide", "range", "anchor") and what it holds ("kind", "title", "rows" …);
//   "order": [name, …] the sheets, sections or slides in document order;
//   "active": the sheet, section or slide commands apply to when the prompt names none;
//   "templates": [the templates built so far, e.g. "sales_report"].
#pragma once

#include "prompt_grammar.hpp"
#include "turn_context.hpp"

#include <folio/errors.hpp>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace folio_scripted {

// Each returns a one-line account of what it did, for the turn's summary.
folio::result<std::string> build_spreadsheet(turn_context& turn, const request& wanted);
folio::result<std::string> build_text(turn_context& turn, const request& wanted);
folio::result<std::string> build_presentation(turn_context& turn, const request& wanted);

// Rebuilds the memory's objects from an outline of the document: after an outside edit, or on a document the agent
// did not make. The format's outline keys are documented in the libreoffice plugin's editor files.
void reconcile_spreadsheet(nlohmann::json& memory, const nlohmann::json& outline);
void reconcile_text(nlohmann::json& memory, const nlohmann::json& outline);
void reconcile_presentation(nlohmann::json& memory, const nlohmann::json& outline);

// Sample figures: deterministic in their labels, so the same prompt gives the same document, and plausible
// (between `low` and `high`).
std::int64_t sample_figure(std::string_view seed, std::int64_t low, std::int64_t high);

// "Revenue mix" → "revenue_mix": the stable names the agent gives charts and tables.
std::string slug(std::string_view text);

} // namespace folio_scripted
