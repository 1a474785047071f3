// Range requests on a file of known size (RFC 9110 §14): one "bytes=" range is served as a part; anything this server
// does not serve as one part (several ranges, another unit, a malformed header) is ignored and the whole file is sent,
// which the RFC allows. A well-formed range that starts past the end is unsatisfiable (416).
#pragma once

#include <folio/version.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

// Inclusive byte positions, as Content-Range writes them.
struct byte_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;

  [[nodiscard]] std::uint64_t length() const noexcept { return last - first + 1; }

  // "bytes 0-499/1234"
  [[nodiscard]] std::string content_range(std::uint64_t size) const {
    return "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size);
  }

  friend bool operator==(const byte_range&, const byte_range&) = default;
};

enum class range_outcome { whole, partial, unsatisfiable };

struct range_decision {
  range_outcome outcome = range_outcome::whole;
  // Meaningful for partial only.
  byte_range range;
};

// The Content-Range of a 416 answer: "bytes */1234".
inline std::string unsatisfied_content_range(std::uint64_t size) {
  return "bytes */" + std::to_string(size);
}

namespace detail {

inline std::string_view trim_http_whitespace(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Digits only; a number too large for 64 bits reads as the largest one, which is past the end of any file.
inline bool parse_position(std::string_view text, std::uint64_t& value) noexcept {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char each) { return each >= '0' && each <= '9'; })) {
    return false;
  }
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), value);
  if (parsed.ec == std::errc::result_out_of_range) {
    value = std::numeric_limits<std::uint64_t>::max();
  }
  return true;
}

inline bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), text.begin(), [](char lhs, char rhs) {
           return std::tolower(static_cast<unsigned char>(lhs)) == std::tolower(static_cast<unsigned char>(rhs));
         });
}

} // namespace detail

// What to send for a Range header (empty when the request had none) on a file of `size` bytes.
inline range_decision evaluate_range(std::string_view header, std::uint64_t size) {
  constexpr range_decision whole{};
  constexpr range_decision unsatisfiable{range_outcome::unsatisfiable, {}};
  header = detail::trim_http_whitespace(header);
  constexpr std::string_view unit = "bytes=";
  if (!detail::starts_with_ignoring_case(header, unit)) {
    return whole;
  }
  const auto spec = detail::trim_http_whitespace(header.substr(unit.size()));
  const auto dash = spec.find('-');
  if (spec.find(',') != std::string_view::npos || dash == std::string_view::npos) {
    return whole;
  }
  const auto first_text = spec.substr(0, dash);
  const auto last_text = spec.substr(dash + 1);

  if (first_text.empty()) {
    // "-500": the last 500 bytes (all of a shorter file).
    std::uint64_t suffix = 0;
    if (!detail::parse_position(last_text, suffix)) {
      return whole;
    }
    if (suffix == 0 || size == 0) {
      return unsatisfiable;
    }
    return {range_outcome::partial, {size - std::min(suffix, size), size - 1}};
  }

  std::uint64_t first = 0;
  if (!detail::parse_position(first_text, first)) {
    return whole;
  }
  std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  if (!last_text.empty() && !detail::parse_position(last_text, last)) {
    return whole;
  }
  if (last < first) {
    return whole; // invalid, so ignored (RFC 9110 §14.1.1)
  }
  if (first >= size) {
    return unsatisfiable;
  }
  return {range_outcome::partial, {first, std::min(last, size - 1)}};
}

FOLIO_END_NAMESPACE
