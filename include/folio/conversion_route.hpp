// Exports as API.md allows them, and the route that makes each one from the converters at hand: one converter that
// turns the source into the target, or two that meet at PDF (xlsx → pdf by LibreOffice, then pdf → png by libvips).
// PDF is the only meeting point: it fixes the pages, and pages are what the png options address. Each step is given
// the options that belong to its own target (page and width to png, sheet to csv) and what is left of the deadline.
#pragma once

#include <folio/clock.hpp>
#include <folio/converter.hpp>
#include <folio/errors.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FOLIO_BEGIN_NAMESPACE

struct allowed_conversion {
  std::string_view source;
  std::string_view target;
};

// API.md, "Exports", row by row: every (source, target) an export may ask for. Any other pair is refused, even one
// the converters could make (docx → png).
inline constexpr std::array<allowed_conversion, 11> allowed_conversions{{
    {"xlsx", "pdf"},
    {"xlsx", "csv"},
    {"xlsx", "png"},
    {"xlsx", "html"},
    {"docx", "pdf"},
    {"docx", "html"},
    {"docx", "txt"},
    {"docx", "odt"},
    {"pptx", "pdf"},
    {"pptx", "png"},
    {"pptx", "odp"},
}};

inline bool is_allowed_conversion(std::string_view source, std::string_view target) noexcept {
  return std::any_of(allowed_conversions.begin(), allowed_conversions.end(),
                     [&](const allowed_conversion& each) { return each.source == source && each.target == target; });
}

// The targets a source may be exported to, in API.md's order; empty for a type that is not an export source.
inline std::vector<std::string_view> allowed_targets(std::string_view source) {
  std::vector<std::string_view> targets;
  for (const auto& each : allowed_conversions) {
    if (each.source == source) {
      targets.push_back(each.target);
    }
  }
  return targets;
}

namespace detail {

inline std::string joined(const std::vector<std::string_view>& words) {
  std::string text;
  for (const auto word : words) {
    text += (text.empty() ? "" : ", ") + std::string(word);
  }
  return text;
}

} // namespace detail

// unsupported_conversion, naming the allowed targets, for a pair API.md does not allow.
inline result<void> check_allowed_conversion(const conversion_pair& wanted) {
  if (is_allowed_conversion(wanted.source, wanted.target)) {
    return success();
  }
  const auto targets = allowed_targets(wanted.source);
  if (targets.empty()) {
    return fail(errc::unsupported_conversion, "exports start from an xlsx, docx or pptx document, not " + wanted.source,
                "format");
  }
  return fail(errc::unsupported_conversion,
              wanted.source + " exports to " + detail::joined(targets) + ", not " + wanted.target, "format");
}

// The options that shape an export of this target (API.md): page and width for png, sheet for csv, none otherwise.
inline std::vector<std::string_view> conversion_option_names(std::string_view target) {
  if (target == "png") {
    return {"page", "width"};
  }
  if (target == "csv") {
    return {"sheet"};
  }
  return {};
}

namespace detail {

inline bool names_option(std::string_view target, std::string_view option) {
  const auto names = conversion_option_names(target);
  return std::find(names.begin(), names.end(), option) != names.end();
}

} // namespace detail

struct route_step {
  std::shared_ptr<converter> via;
  conversion_pair pair;
};

class conversion_router;

// One or two steps, made by conversion_router only, so never empty.
class conversion_route {
public:
  [[nodiscard]] const std::vector<route_step>& steps() const noexcept { return steps_; }

  // The versions of the route's converters in order ("libreoffice-7.4.7/1+vips-8.14.1/1"): what an export cache key
  // needs, since a new version of any step may change the bytes.
  [[nodiscard]] std::string version() const {
    std::string joined;
    for (const auto& step : steps_) {
      if (!joined.empty()) {
        joined += '+';
      }
      joined += step.via->version();
    }
    return joined;
  }

  // Runs the steps in order, each on the previous one's output, all within the one deadline. invalid_argument for an
  // option no step of this route takes; conversion_timeout when a step would start after the deadline.
  [[nodiscard]] result<conversion_output> run(std::string_view bytes, const nlohmann::json& options,
                                              duration deadline) const {
    if (auto checked = check_options(options); !checked) {
      return checked.error();
    }

    const auto until = std::chrono::steady_clock::now() + deadline;
    conversion_output output;
    std::string_view input = bytes;
    std::optional<int> page_count;
    for (const auto& step : steps_) {
      const auto left = std::chrono::ceil<duration>(until - std::chrono::steady_clock::now());
      if (left <= duration::zero()) {
        return fail(errc::conversion_timeout, "the export to " + steps_.back().pair.target +
                                                  " ran out of time before " + step.pair.source + " → " +
                                                  step.pair.target);
      }
      nlohmann::json step_options = nlohmann::json::object();
      for (const auto& option : options.items()) {
        if (detail::names_option(step.pair.target, option.key())) {
          step_options[option.key()] = option.value();
        }
      }
      auto converted = step.via->convert({input, step.pair, std::move(step_options), left});
      if (!converted) {
        return converted.error();
      }
      // The page count is the document's: a PNG step that does not report it keeps the PDF step's.
      page_count = converted.value().page_count ? converted.value().page_count : page_count;
      // Replaces the bytes `input` viewed only now that the step reading them has returned.
      output = std::move(converted).value();
      input = output.bytes;
    }
    output.page_count = page_count;
    return output;
  }

private:
  friend class conversion_router;
  explicit conversion_route(std::vector<route_step> steps) : steps_(std::move(steps)) {}

  [[nodiscard]] result<void> check_options(const nlohmann::json& options) const {
    if (!options.is_object()) {
      return fail(errc::invalid_argument, "the options of an export are an object", "options");
    }
    for (const auto& option : options.items()) {
      const auto& name = option.key();
      const bool taken = std::any_of(steps_.begin(), steps_.end(), [&](const route_step& step) {
        return detail::names_option(step.pair.target, name);
      });
      if (!taken) {
        const auto& target = steps_.back().pair.target;
        const auto names = conversion_option_names(target);
        std::string message = "unknown option '" + name + "' for a ";
        message += target;
        message += names.empty() ? " export; it takes no options" : " export; its options are " + detail::joined(names);
        return fail(errc::invalid_argument, std::move(message), name);
      }
    }
    return success();
  }

  std::vector<route_step> steps_;
};

// Finds routes among a fixed set of converters; safe to share between threads once made (it only reads).
class conversion_router {
public:
  // Earlier converters win when two offer the same pair. pairs() is read once, here.
  explicit conversion_router(std::vector<std::shared_ptr<converter>> converters) {
    for (auto& each : converters) {
      auto pairs = each->pairs();
      offers_.push_back({std::move(each), std::move(pairs)});
    }
  }

  // The route of an allowed export: unsupported_conversion naming the allowed targets for a pair API.md does not
  // allow; plugin_not_found when no converter at hand makes it, directly or through pdf.
  [[nodiscard]] result<conversion_route> route(const conversion_pair& wanted) const {
    if (auto allowed = check_allowed_conversion(wanted); !allowed) {
      return allowed.error();
    }
    if (auto direct = find(wanted)) {
      return conversion_route({{direct, wanted}});
    }
    const conversion_pair to_pdf{wanted.source, "pdf"};
    const conversion_pair from_pdf{"pdf", wanted.target};
    if (wanted.target != "pdf") {
      auto first = find(to_pdf);
      auto second = find(from_pdf);
      if (first && second) {
        return conversion_route({{std::move(first), to_pdf}, {std::move(second), from_pdf}});
      }
    }
    return fail(errc::plugin_not_found,
                "no converter at hand turns " + wanted.source + " into " + wanted.target + ", directly or through pdf",
                "format");
  }

  // Routes and runs one export: the request's options and deadline cover the whole route.
  [[nodiscard]] result<conversion_output> convert(const conversion_request& request) const {
    auto found = route(request.pair);
    if (!found) {
      return found.error();
    }
    return found.value().run(request.bytes, request.options, request.deadline);
  }

  // What a document of type `source` may be exported to here: the targets API.md allows for it that these converters
  // can make, in API.md's order.
  [[nodiscard]] std::vector<std::string> targets_for(std::string_view source) const {
    std::vector<std::string> targets;
    for (const auto& target : allowed_targets(source)) {
      if (route({std::string(source), std::string(target)})) {
        targets.emplace_back(target);
      }
    }
    return targets;
  }

  // The allowed exports these converters can make, in API.md's order.
  [[nodiscard]] std::vector<conversion_pair> available() const {
    std::vector<conversion_pair> pairs;
    for (const auto& each : allowed_conversions) {
      conversion_pair pair{std::string(each.source), std::string(each.target)};
      if (route(pair)) {
        pairs.push_back(std::move(pair));
      }
    }
    return pairs;
  }

private:
  struct offer {
    std::shared_ptr<converter> via;
    std::vector<conversion_pair> pairs;
  };

  [[nodiscard]] std::shared_ptr<converter> find(const conversion_pair& pair) const {
    for (const auto& each : offers_) {
      if (std::find(each.pairs.begin(), each.pairs.end(), pair) != each.pairs.end()) {
        return each.via;
      }
    }
    return nullptr;
  }

  std::vector<offer> offers_;
};

FOLIO_END_NAMESPACE
