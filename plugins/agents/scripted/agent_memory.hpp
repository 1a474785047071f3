// Reading and writing the scripted agent's memory (its layout is documented in builders.hpp).
#pragma once

#include "builders.hpp"
#include "turn_context.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace folio_scripted {

inline nlohmann::json& memory_objects(turn_context& turn) {
  auto& memory = turn.memory();
  for (const auto* key : {"objects"}) {
    if (!memory.contains(key) || !memory[key].is_object()) {
      memory[key] = nlohmann::json::object();
    }
  }
  for (const auto* key : {"order", "templates"}) {
    if (!memory.contains(key) || !memory[key].is_array()) {
      memory[key] = nlohmann::json::array();
    }
  }
  return memory["objects"];
}

inline bool has_object(turn_context& turn, const std::string& name, std::string_view type) {
  const auto& known = memory_objects(turn);
  return known.contains(name) && known[name]["type"] == type;
}

// A container of content (sheet, section, slide): known by name, kept in document order, and the active one.
inline void remember_container(turn_context& turn, const std::string& name, nlohmann::json object,
                               std::optional<std::size_t> position = std::nullopt) {
  memory_objects(turn)[name] = std::move(object);
  auto& order = turn.memory()["order"];
  order.erase(std::remove(order.begin(), order.end(), nlohmann::json(name)), order.end());
  const auto at = std::min(position.value_or(order.size()), order.size());
  order.insert(order.begin() + static_cast<std::ptrdiff_t>(at), name);
  turn.memory()["active"] = name;
}

inline void forget_container(turn_context& turn, const std::string& name) {
  auto& known = memory_objects(turn);
  known.erase(name);
  auto& order = turn.memory()["order"];
  order.erase(std::remove(order.begin(), order.end(), nlohmann::json(name)), order.end());
  if (turn.memory().contains("active") && turn.memory()["active"] == name) {
    turn.memory()["active"] = order.empty() ? nlohmann::json() : order.back();
  }
}

inline std::string unique_object_name(turn_context& turn, const std::string& wanted) {
  auto name = wanted;
  for (int suffix = 2; memory_objects(turn).contains(name); ++suffix) {
    name = wanted + "_" + std::to_string(suffix);
  }
  return name;
}

inline std::string known_of_type(turn_context& turn, std::string_view type) {
  std::string names;
  for (const auto& [name, object] : memory_objects(turn).items()) {
    if (object["type"] == type) {
      names += (names.empty() ? "'" : ", '") + name + "'";
    }
  }
  return names.empty() ? "none" : names;
}

// The object of `type` a prompt means: named exactly, or by its words ("the revenue chart" → revenue_chart, "the
// executive summary" → the section "Executive Summary"), or with no hint the latest one.
inline std::optional<std::string> find_object(turn_context& turn, std::string_view type,
                                              const std::optional<std::string>& hint) {
  std::optional<std::string> latest;
  const auto wanted = hint ? slug(*hint) : std::string();
  for (const auto& [name, object] : memory_objects(turn).items()) {
    if (object["type"] != type) {
      continue;
    }
    latest = name;
    if (hint && (name == *hint || slug(name) == wanted)) {
      return name;
    }
  }
  if (!hint) {
    return latest;
  }
  for (const auto& [name, object] : memory_objects(turn).items()) {
    if (object["type"] != type) {
      continue;
    }
    const auto title = object.contains("title") ? slug(object["title"].get<std::string>()) : std::string();
    if (slug(name).find(wanted) != std::string::npos || (!title.empty() && title.find(wanted) != std::string::npos)) {
      return name;
    }
  }
  return std::nullopt;
}

} // namespace folio_scripted
