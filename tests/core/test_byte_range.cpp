// Range headers as download clients send them (curl -r, browsers resuming, video players asking for the tail).
#include <folio/byte_range.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

namespace {
constexpr std::uint64_t size = 1000;

folio::byte_range partial(std::string_view header, std::uint64_t of = size) {
  const auto decision = folio::evaluate_range(header, of);
  REQUIRE(decision.outcome == folio::range_outcome::partial);
  return decision.range;
}

folio::range_outcome outcome(std::string_view header, std::uint64_t of = size) {
  return folio::evaluate_range(header, of).outcome;
}
} // namespace

TEST_CASE("serves a closed range, a range to the end and a suffix", "[byte_range]") {
  CHECK(partial("bytes=0-499") == folio::byte_range{0, 499});
  CHECK(partial("bytes=500-") == folio::byte_range{500, 999});
  CHECK(partial("bytes=-100") == folio::byte_range{900, 999});
  CHECK(partial("bytes=999-999") == folio::byte_range{999, 999});
  CHECK(partial("bytes=0-0").length() == 1);
  CHECK(partial("bytes=0-499").content_range(size) == "bytes 0-499/1000");
}

TEST_CASE("clamps a range that runs past the end, and a suffix longer than the file", "[byte_range]") {
  CHECK(partial("bytes=900-5000") == folio::byte_range{900, 999});
  CHECK(partial("bytes=-5000") == folio::byte_range{0, 999});
  CHECK(partial("bytes=0-99999999999999999999999") == folio::byte_range{0, 999});
}

TEST_CASE("accepts the unit in any case and whitespace around the range", "[byte_range]") {
  CHECK(partial("Bytes=10-19") == folio::byte_range{10, 19});
  CHECK(partial("  bytes= 10-19 ") == folio::byte_range{10, 19});
}

TEST_CASE("answers unsatisfiable for a range starting past the end or an empty suffix", "[byte_range]") {
  CHECK(outcome("bytes=1000-") == folio::range_outcome::unsatisfiable);
  CHECK(outcome("bytes=1000-1200") == folio::range_outcome::unsatisfiable);
  CHECK(outcome("bytes=99999999999999999999999-") == folio::range_outcome::unsatisfiable);
  CHECK(outcome("bytes=-0") == folio::range_outcome::unsatisfiable);
  CHECK(outcome("bytes=0-", 0) == folio::range_outcome::unsatisfiable);
  CHECK(outcome("bytes=-5", 0) == folio::range_outcome::unsatisfiable);
  CHECK(folio::unsatisfied_content_range(size) == "bytes */1000");
}

TEST_CASE("sends the whole file for no range, several ranges, other units and malformed ranges", "[byte_range]") {
  for (const auto* header : {"", "bytes=0-1,5-9", "items=0-5", "bytes=", "bytes=abc-", "bytes=5", "bytes=9-3",
                             "bytes=-", "bytes=1-x", "bytes=+1-2", "bytes=-+5", "0-5"}) {
    INFO(header);
    CHECK(outcome(header) == folio::range_outcome::whole);
  }
}
