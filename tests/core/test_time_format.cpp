#include <folio/time_format.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace std::chrono_literals;

namespace {
constexpr folio::timestamp api_example{1'776'424'800'000ms};

folio::timestamp at(int year, unsigned month, unsigned day, std::chrono::seconds time_of_day = 0s) {
  return folio::timestamp{
      std::chrono::sys_days{std::chrono::year{year} / std::chrono::month{month} / std::chrono::day{day}} + time_of_day};
}
} // namespace

TEST_CASE("formats timestamps as RFC 3339 UTC with a Z", "[time_format]") {
  CHECK(folio::format_rfc3339(api_example) == "2026-04-17T11:20:00Z");
  CHECK(folio::format_rfc3339(folio::timestamp{}) == "1970-01-01T00:00:00Z");
  CHECK(folio::format_rfc3339(at(2024, 2, 29, 23h + 59min + 59s)) == "2024-02-29T23:59:59Z");
  CHECK(folio::format_rfc3339(at(1999, 12, 31, 1h + 2min + 3s)) == "1999-12-31T01:02:03Z");
  CHECK(folio::format_rfc3339(at(905, 6, 7, 8h + 9min + 10s)) == "0905-06-07T08:09:10Z");
  // Past RFC 3339's four-digit years (a retention of millennia), the year is written whole rather than cut.
  CHECK(folio::format_rfc3339(at(12026, 4, 17)) == "12026-04-17T00:00:00Z");
}

TEST_CASE("drops milliseconds when formatting instead of rounding up", "[time_format]") {
  CHECK(folio::format_rfc3339(api_example + 999ms) == "2026-04-17T11:20:00Z");
  CHECK(folio::format_rfc3339(at(2026, 12, 31, 23h + 59min + 59s) + 999ms) == "2026-12-31T23:59:59Z");
}

TEST_CASE("parses what it formats back to the same instant", "[time_format]") {
  for (const auto when : {api_example, folio::timestamp{}, at(2024, 2, 29, 12h), at(2000, 1, 1),
                          at(9999, 12, 31, 86'399s), at(2026, 4, 17, 86'399s)}) {
    const auto text = folio::format_rfc3339(when);
    INFO(text);
    const auto parsed = folio::parse_rfc3339(text);
    REQUIRE(parsed);
    CHECK(parsed.value() == when);
  }
}

TEST_CASE("parses the API's example timestamp", "[time_format]") {
  const auto parsed = folio::parse_rfc3339("2026-04-17T11:20:00Z");
  REQUIRE(parsed);
  CHECK(parsed.value() == api_example);
}

TEST_CASE("rejects malformed timestamps", "[time_format]") {
  const auto text = GENERATE(
      as<std::string>{}, "", "2026-04-17", "2026-04-17T11:20:00", "2026-04-17 11:20:00Z", "2026-04-17t11:20:00Z",
      "2026-04-17T11:20:00z", "2026-04-17T11:20:00+00:00", "2026-04-17T11:20:00.000Z", "2026-4-17T11:20:00Z",
      "26-04-17T11:20:00Z", "2026/04/17T11:20:00Z", "2026-04-17T11-20-00Z", "2026-04-1xT11:20:00Z",
      "2026-04-17T+1:20:00Z", "-026-04-17T11:20:00Z", " 2026-04-17T11:20:00Z", "2026-04-17T11:20:00Z ");
  INFO(text);
  const auto parsed = folio::parse_rfc3339(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == folio::errc::invalid_argument);
}

TEST_CASE("rejects dates and times that do not exist", "[time_format]") {
  const auto text = GENERATE(as<std::string>{}, "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
                             "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-04-00T00:00:00Z",
                             "2026-04-17T24:00:00Z", "2026-04-17T11:60:00Z", "2026-04-17T11:20:60Z");
  INFO(text);
  const auto parsed = folio::parse_rfc3339(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == folio::errc::invalid_argument);
}

TEST_CASE("accepts leap days of leap years", "[time_format]") {
  CHECK(folio::parse_rfc3339("2024-02-29T00:00:00Z"));
  CHECK(folio::parse_rfc3339("2000-02-29T00:00:00Z"));
}

TEST_CASE("parses durations in every unit", "[time_format]") {
  const auto check = [](const char* text, folio::duration expected) {
    INFO(text);
    const auto parsed = folio::parse_duration(text);
    REQUIRE(parsed);
    CHECK(parsed.value() == expected);
  };
  check("500ms", 500ms);
  check("0ms", 0ms);
  check("2s", 2s);
  check("15m", 15min);
  check("12h", 12h);
  check("30d", std::chrono::days{30});
  check("36500d", std::chrono::days{36'500});
}

TEST_CASE("rejects durations without a number, with an unknown unit or too long", "[time_format]") {
  const auto text = GENERATE(as<std::string>{}, "", "s", "ms", "5", "-5s", "+5s", " 5s", "5 s", "5s ", "5S", "5sec",
                             "1.5h", "5w", "5y", "5us", "5dd", "d5", "36501d", "99999999999999999999ms");
  INFO(text);
  const auto parsed = folio::parse_duration(text);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == folio::errc::invalid_argument);
}
