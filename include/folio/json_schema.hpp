// Checks a JSON value against a JSON Schema: the schemas of the editor's tool catalog, which an LLM is given and
// whose calls come back with arguments that may be wrong in any way. The subset is what tool schemas use (the
// subset OpenAI's function calling accepts): type (one or a list), properties, required, additionalProperties
// (false or a schema), items, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength,
// maxLength, pattern-free strings, minItems, maxItems, anyOf. Keywords outside it are ignored, as the standard says
// of unknown keywords. The first violation is reported with its JSON Pointer, so a caller (or a model) can fix it.
#pragma once

#include <folio/errors.hpp>

#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

namespace detail {

inline bool has_json_type(const nlohmann::json& value, std::string_view type) {
  if (type == "object") {
    return value.is_object();
  }
  if (type == "array") {
    return value.is_array();
  }
  if (type == "string") {
    return value.is_string();
  }
  if (type == "boolean") {
    return value.is_boolean();
  }
  if (type == "null") {
    return value.is_null();
  }
  if (type == "number") {
    return value.is_number();
  }
  if (type == "integer") {
    // 3.0 is an integer to JSON Schema: the value counts, not how it was written.
    if (value.is_number_integer()) {
      return true;
    }
    if (!value.is_number_float()) {
      return false;
    }
    const double number = value.get<double>();
    return std::isfinite(number) && std::trunc(number) == number;
  }
  return false;
}

inline std::string describe_json_type(const nlohmann::json& value) {
  return value.is_number_integer() ? "integer" : std::string(value.type_name());
}

inline std::string child_pointer(const std::string& pointer, std::string_view key) {
  std::string escaped;
  for (const char each : key) {
    escaped += each == '~' ? std::string("~0") : each == '/' ? std::string("~1") : std::string(1, each);
  }
  return pointer + "/" + escaped;
}

inline result<void> validate_json(const nlohmann::json& schema, const nlohmann::json& value,
                                  const std::string& pointer);

inline result<void> invalid_json(const std::string& pointer, const std::string& problem) {
  return fail(errc::tool_arguments_invalid, (pointer.empty() ? std::string("the arguments") : pointer) + " " + problem,
              pointer);
}

inline result<void> validate_json_type(const nlohmann::json& schema, const nlohmann::json& value,
                                       const std::string& pointer) {
  if (!schema.contains("type")) {
    return success();
  }
  const auto& type = schema["type"];
  if (type.is_string()) {
    if (!has_json_type(value, type.get<std::string>())) {
      return invalid_json(pointer, "must be " + type.get<std::string>() + ", not " + describe_json_type(value));
    }
    return success();
  }
  std::string allowed;
  for (const auto& each : type) {
    if (has_json_type(value, each.get<std::string>())) {
      return success();
    }
    allowed += (allowed.empty() ? "" : " or ") + each.get<std::string>();
  }
  return invalid_json(pointer, "must be " + allowed + ", not " + describe_json_type(value));
}

inline result<void> validate_json_number(const nlohmann::json& schema, const nlohmann::json& value,
                                         const std::string& pointer) {
  if (!value.is_number()) {
    return success();
  }
  const double number = value.get<double>();
  if (schema.contains("minimum") && number < schema["minimum"].get<double>()) {
    return invalid_json(pointer, "must be at least " + schema["minimum"].dump());
  }
  if (schema.contains("maximum") && number > schema["maximum"].get<double>()) {
    return invalid_json(pointer, "must be at most " + schema["maximum"].dump());
  }
  if (schema.contains("exclusiveMinimum") && number <= schema["exclusiveMinimum"].get<double>()) {
    return invalid_json(pointer, "must be more than " + schema["exclusiveMinimum"].dump());
  }
  if (schema.contains("exclusiveMaximum") && number >= schema["exclusiveMaximum"].get<double>()) {
    return invalid_json(pointer, "must be less than " + schema["exclusiveMaximum"].dump());
  }
  return success();
}

inline result<void> validate_json_string(const nlohmann::json& schema, const nlohmann::json& value,
                                         const std::string& pointer) {
  if (!value.is_string()) {
    return success();
  }
  // Lengths count Unicode code points, not bytes: a continuation byte (10xxxxxx) starts no character.
  std::size_t length = 0;
  for (const char each : value.get_ref<const std::string&>()) {
    length += (static_cast<unsigned char>(each) & 0xC0U) != 0x80U ? 1 : 0;
  }
  if (schema.contains("minLength") && length < schema["minLength"].get<std::size_t>()) {
    return invalid_json(pointer, "must have at least " + schema["minLength"].dump() + " characters");
  }
  if (schema.contains("maxLength") && length > schema["maxLength"].get<std::size_t>()) {
    return invalid_json(pointer, "must have at most " + schema["maxLength"].dump() + " characters");
  }
  return success();
}

inline result<void> validate_json_array(const nlohmann::json& schema, const nlohmann::json& value,
                                        const std::string& pointer) {
  if (!value.is_array()) {
    return success();
  }
  if (schema.contains("minItems") && value.size() < schema["minItems"].get<std::size_t>()) {
    return invalid_json(pointer, "must have at least " + schema["minItems"].dump() + " items");
  }
  if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<std::size_t>()) {
    return invalid_json(pointer, "must have at most " + schema["maxItems"].dump() + " items");
  }
  if (schema.contains("items")) {
    for (std::size_t index = 0; index < value.size(); ++index) {
      if (auto checked = validate_json(schema["items"], value[index], pointer + "/" + std::to_string(index));
          !checked) {
        return checked;
      }
    }
  }
  return success();
}

inline result<void> validate_json_object(const nlohmann::json& schema, const nlohmann::json& value,
                                         const std::string& pointer) {
  if (!value.is_object()) {
    return success();
  }
  if (schema.contains("required")) {
    for (const auto& name : schema["required"]) {
      if (!value.contains(name.get<std::string>())) {
        return invalid_json(child_pointer(pointer, name.get<std::string>()), "is required");
      }
    }
  }
  const nlohmann::json no_properties = nlohmann::json::object();
  const auto& properties = schema.contains("properties") ? schema["properties"] : no_properties;
  for (const auto& [key, member] : value.items()) {
    const auto member_pointer = child_pointer(pointer, key);
    if (properties.contains(key)) {
      if (auto checked = validate_json(properties[key], member, member_pointer); !checked) {
        return checked;
      }
    } else if (schema.contains("additionalProperties")) {
      const auto& additional = schema["additionalProperties"];
      if (additional.is_boolean() && !additional.get<bool>()) {
        std::string known;
        for (const auto& [name, ignored] : properties.items()) {
          known += (known.empty() ? "" : ", ") + name;
        }
        return invalid_json(member_pointer, "is not a known argument (known: " + known + ")");
      }
      if (additional.is_object()) {
        if (auto checked = validate_json(additional, member, member_pointer); !checked) {
          return checked;
        }
      }
    }
  }
  return success();
}

inline result<void> validate_json(const nlohmann::json& schema, const nlohmann::json& value,
                                  const std::string& pointer) {
  if (!schema.is_object()) {
    return success();
  }
  if (schema.contains("anyOf")) {
    std::string reasons;
    for (const auto& option : schema["anyOf"]) {
      auto checked = validate_json(option, value, pointer);
      if (checked) {
        return success();
      }
      reasons += (reasons.empty() ? "" : "; ") + checked.error().message;
    }
    return invalid_json(pointer, "matches none of its allowed forms (" + reasons + ")");
  }
  if (auto checked = validate_json_type(schema, value, pointer); !checked) {
    return checked;
  }
  if (schema.contains("const") && value != schema["const"]) {
    return invalid_json(pointer, "must be " + schema["const"].dump());
  }
  if (schema.contains("enum")) {
    bool listed = false;
    std::string allowed;
    for (const auto& each : schema["enum"]) {
      listed = listed || each == value;
      allowed += (allowed.empty() ? "" : ", ") + each.dump();
    }
    if (!listed) {
      return invalid_json(pointer, "must be one of " + allowed + ", not " + value.dump());
    }
  }
  for (auto check : {validate_json_number, validate_json_string, validate_json_array, validate_json_object}) {
    if (auto checked = check(schema, value, pointer); !checked) {
      return checked;
    }
  }
  return success();
}

} // namespace detail

// tool_arguments_invalid naming the first violation ("/range/0 must be string, not integer"), with the JSON Pointer
// of the offending value as the error's param.
inline result<void> validate_json(const nlohmann::json& schema, const nlohmann::json& value) {
  return detail::validate_json(schema, value, "");
}

FOLIO_END_NAMESPACE
