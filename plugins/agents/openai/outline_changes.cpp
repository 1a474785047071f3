#include "outline_changes.hpp"

#include "conversation.hpp"

#include <cmath>
#include <cstdint>
#include <set>
#include <string_view>

namespace folio_openai {
namespace {

using nlohmann::json;

constexpr std::size_t value_bytes = 80;

// A whole number the office reads back as a double (120.0) is shown as the person typed it (120).
json plain(const json& value) {
  if (value.is_number_float()) {
    const double number = value.get<double>();
    constexpr double exact_limit = 9007199254740992.0; // 2^53: every whole double below it is an exact integer
    if (std::trunc(number) == number && std::fabs(number) < exact_limit) {
      return static_cast<std::int64_t>(number);
    }
  }
  if (value.is_structured()) {
    json copy = value;
    for (auto& item : copy) {
      item = plain(item);
    }
    return copy;
  }
  return value;
}

std::string shown(const json& value) {
  return shorten(plain(value).dump(-1, ' ', false, json::error_handler_t::replace), value_bytes);
}

// Arrays whose every item is an object with a distinct text "name" are compared by name.
bool named_items(const json& items) {
  std::set<std::string> names;
  for (const auto& item : items) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() ||
        !names.insert(item["name"].get<std::string>()).second) {
      return false;
    }
  }
  return true;
}

const json* find_named(const json& items, const std::string& name) {
  for (const auto& item : items) {
    if (item["name"] == name) {
      return &item;
    }
  }
  return nullptr;
}

class differ {
public:
  explicit differ(std::size_t max_lines) : max_lines_(max_lines) {}

  void compare(const std::string& path, const json& before, const json& after) {
    if (before == after) {
      return;
    }
    if (before.is_object() && after.is_object()) {
      for (const auto& [key, value] : after.items()) {
        const auto at = join(path, key);
        if (before.contains(key)) {
          compare(at, before[key], value);
        } else {
          note("added " + at + ": " + shown(value));
        }
      }
      for (const auto& [key, value] : before.items()) {
        if (!after.contains(key)) {
          note("removed " + join(path, key));
        }
      }
      return;
    }
    if (before.is_array() && after.is_array() && named_items(before) && named_items(after)) {
      for (const auto& item : after) {
        const auto name = item["name"].get<std::string>();
        const auto at = path + "[" + name + "]";
        if (const auto* earlier = find_named(before, name)) {
          compare(at, *earlier, item);
        } else {
          note("added " + at + ": " + shown(item));
        }
      }
      for (const auto& item : before) {
        const auto name = item["name"].get<std::string>();
        if (find_named(after, name) == nullptr) {
          note("removed " + path + "[" + name + "]");
        }
      }
      return;
    }
    if (before.is_array() && after.is_array()) {
      for (std::size_t index = 0; index < after.size(); ++index) {
        const auto at = path + "[" + std::to_string(index) + "]";
        if (index < before.size()) {
          compare(at, before[index], after[index]);
        } else {
          note("added " + at + ": " + shown(after[index]));
        }
      }
      for (std::size_t index = after.size(); index < before.size(); ++index) {
        note("removed " + path + "[" + std::to_string(index) + "]: " + shown(before[index]));
      }
      return;
    }
    note((path.empty() ? std::string("the outline") : path) + ": " + shown(before) + " → " + shown(after));
  }

  std::vector<std::string> lines() && {
    if (left_out_ > 0) {
      lines_.push_back("… and " + std::to_string(left_out_) + " more changes (call outline to see them)");
    }
    return std::move(lines_);
  }

private:
  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  void note(std::string line) {
    if (lines_.size() < max_lines_) {
      lines_.push_back(std::move(line));
    } else {
      ++left_out_;
    }
  }

  std::size_t max_lines_;
  std::vector<std::string> lines_;
  std::size_t left_out_ = 0;
};

} // namespace

std::vector<std::string> outline_changes(const json& before, const json& after, std::size_t max_lines) {
  differ found(max_lines);
  found.compare("", before, after);
  return std::move(found).lines();
}

} // namespace folio_openai
