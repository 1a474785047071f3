// What changed in a document between two of its outlines (the editor's `outline`), as short lines a model reads:
// the agent keeps the outline it left the document in, and when a person replaces the document between turns it is
// told the difference instead of working from stale memory or reading the whole document again.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace folio_openai {

// One line per difference, keys in order (sorted, as nlohmann::json keeps them): "added sheets[Budget]: {…}",
// "removed charts[Revenue]", "sheets[Sales].used_range: \"A1:E6\" → \"A1:E9\"". Items of arrays of objects with a
// "name" (sheets, charts, tables, slides) are matched by name, others by position. Values are cut to a few dozen
// bytes; past `max_lines` lines, one more says how many were left out. Empty when nothing changed.
std::vector<std::string> outline_changes(const nlohmann::json& before, const nlohmann::json& after,
                                         std::size_t max_lines = 40);

} // namespace folio_openai
