// What an export asks for, checked before anything is converted: a target API.md allows for the run's file type, and
// only the options that target takes (page and width for png, sheet for csv). Options are made canonical, defaults
// filled in, so that asking with and without a default value shares one cache entry.
#pragma once

#include <folio/conversion_route.hpp>
#include <folio/errors.hpp>
#include <folio/export_cache.hpp>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

inline constexpr int default_export_page = 1;
inline constexpr int default_export_width = 1280;

struct export_request {
  std::string source; // the run's file type: xlsx, docx, pptx
  std::string target;
  // Canonical: only the target's options, defaults included; dump() sorts keys, so equal requests dump equally.
  nlohmann::json options = nlohmann::json::object();

  // The cache key of this export of the document `source_hash` by a route of version `route_version`.
  [[nodiscard]] export_key cache_key(std::string source_hash, std::string route_version) const {
    return {std::move(source_hash), target, options.dump(), std::move(route_version)};
  }
};

namespace detail {

inline result<int> positive_whole_option(const nlohmann::json& value, const std::string& name) {
  if (value.is_number_integer() && value.get<std::int64_t>() >= 1 && value.get<std::int64_t>() <= 1'000'000) {
    return static_cast<int>(value.get<std::int64_t>());
  }
  return fail(errc::invalid_argument, "option '" + name + "' is a whole number from 1", name);
}

} // namespace detail

// invalid_argument (param "format") without a target; unsupported_conversion naming the allowed targets for a pair
// API.md does not list; invalid_argument naming the option for an option the target does not take or a bad value.
inline result<export_request> make_export_request(std::string_view source, std::string_view target,
                                                  const nlohmann::json& options) {
  if (target.empty()) {
    return fail(errc::invalid_argument, "format is required: the target of the export, such as pdf", "format");
  }
  export_request request{std::string(source), std::string(target), nlohmann::json::object()};
  if (auto allowed = check_allowed_conversion({request.source, request.target}); !allowed) {
    return allowed.error();
  }
  if (!options.is_object()) {
    return fail(errc::invalid_argument, "the options of an export are an object", "options");
  }
  for (const auto& option : options.items()) {
    const auto& name = option.key();
    if (!detail::names_option(target, name)) {
      const auto names = conversion_option_names(target);
      return fail(errc::invalid_argument,
                  "unknown option '" + name + "' for a " + request.target + " export; " +
                      (names.empty() ? std::string("it takes no options") : "its options are " + detail::joined(names)),
                  name);
    }
    if (name == "sheet") {
      if (!option.value().is_string() || option.value().get_ref<const std::string&>().empty()) {
        return fail(errc::invalid_argument, "option 'sheet' is the name of a sheet", name);
      }
      request.options[name] = option.value();
    } else {
      auto number = detail::positive_whole_option(option.value(), name);
      if (!number) {
        return number.error();
      }
      request.options[name] = number.value();
    }
  }
  if (request.target == "png") {
    request.options.emplace("page", default_export_page);
    request.options.emplace("width", default_export_width);
  }
  return request;
}

FOLIO_END_NAMESPACE
