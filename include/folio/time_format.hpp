// Text forms of time: RFC 3339 UTC timestamps ("2026-04-17T11:20:00Z") and human durations ("30d", "2s").
#pragma once

#include <folio/clock.hpp>
#include <folio/errors.hpp>

#include <array>
#include <charconv>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

namespace detail {
// `value`'s last `width` decimal digits, zero-padded.
inline void append_digits(std::string& text, unsigned value, int width) {
  std::array<char, 4> digits{};
  for (int index = width - 1; index >= 0; --index) {
    digits.at(static_cast<std::size_t>(index)) = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  text.append(digits.data(), static_cast<std::size_t>(width));
}
} // namespace detail

// Whole seconds, as the API shows them; sub-second parts are dropped, never rounded up into the future. Written digit
// by digit rather than through snprintf, whose format parsing was most of the cost: a listing shows many timestamps.
inline std::string format_rfc3339(timestamp when) {
  using namespace std::chrono;
  const auto day = floor<days>(when);
  const year_month_day date{day};
  const hh_mm_ss time{floor<seconds>(when - day)};
  const int year = static_cast<int>(date.year());
  std::string text;
  text.reserve(24);
  if (year >= 0 && year <= 9999) {
    detail::append_digits(text, static_cast<unsigned>(year), 4);
  } else {
    text += std::to_string(year);
  }
  text += '-';
  detail::append_digits(text, static_cast<unsigned>(date.month()), 2);
  text += '-';
  detail::append_digits(text, static_cast<unsigned>(date.day()), 2);
  text += 'T';
  detail::append_digits(text, static_cast<unsigned>(time.hours().count()), 2);
  text += ':';
  detail::append_digits(text, static_cast<unsigned>(time.minutes().count()), 2);
  text += ':';
  detail::append_digits(text, static_cast<unsigned>(time.seconds().count()), 2);
  text += 'Z';
  return text;
}

namespace detail {
inline bool parse_digits(std::string_view text, std::size_t offset, std::size_t count, int& out) {
  if (offset + count > text.size()) {
    return false;
  }
  const char* first = text.data() + offset;
  const char* last = first + count;
  for (const char* digit = first; digit != last; ++digit) {
    if (*digit < '0' || *digit > '9') {
      return false;
    }
  }
  return std::from_chars(first, last, out).ec == std::errc{};
}
} // namespace detail

// Accepts exactly the form format_rfc3339 writes ("YYYY-MM-DDTHH:MM:SSZ"), which is what the API promises.
inline result<timestamp> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  const bool shaped = text.size() == 20 && text[4] == '-' && text[7] == '-' && text[10] == 'T' && text[13] == ':' &&
                      text[16] == ':' && text[19] == 'Z';
  if (!shaped || !detail::parse_digits(text, 0, 4, year) || !detail::parse_digits(text, 5, 2, month) ||
      !detail::parse_digits(text, 8, 2, day) || !detail::parse_digits(text, 11, 2, hour) ||
      !detail::parse_digits(text, 14, 2, minute) || !detail::parse_digits(text, 17, 2, second)) {
    return fail(errc::invalid_argument, "timestamps are RFC 3339 UTC, like 2026-04-17T11:20:00Z");
  }
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
    return fail(errc::invalid_argument, "timestamp is not a real date and time");
  }
  return timestamp{sys_days{date}.time_since_epoch() + hours{hour} + minutes{minute} + seconds{second}};
}

// "500ms", "2s", "15m", "12h", "30d": one non-negative integer and one unit. Configuration and tests use these.
inline result<duration> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  std::int64_t amount = 0;
  if (digits == 0 || std::from_chars(text.data(), text.data() + digits, amount).ec != std::errc{}) {
    return fail(errc::invalid_argument, "a duration is a whole number and a unit: ms, s, m, h or d (e.g. 30d)");
  }
  const std::string_view unit = text.substr(digits);
  std::int64_t unit_ms = 0;
  if (unit == "ms") {
    unit_ms = 1;
  } else if (unit == "s") {
    unit_ms = 1000;
  } else if (unit == "m") {
    unit_ms = 60'000;
  } else if (unit == "h") {
    unit_ms = 3'600'000;
  } else if (unit == "d") {
    unit_ms = 86'400'000;
  } else {
    return fail(errc::invalid_argument, "a duration's unit is one of ms, s, m, h, d");
  }
  constexpr std::int64_t max_ms = std::int64_t{100} * 365 * 86'400'000;
  if (amount > max_ms / unit_ms) {
    return fail(errc::invalid_argument, "a duration may be at most 100 years");
  }
  return duration{amount * unit_ms};
}

FOLIO_END_NAMESPACE
