#include <folio/ids.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

using namespace std::chrono_literals;

namespace {
constexpr std::string_view crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// The ULID specification's own example: encodeTime(1469918176385) is "01ARYZ6S41".
constexpr std::uint64_t spec_time_ms = 1'469'918'176'385;

bool is_canonical_ulid(std::string_view text) {
  return text.size() == 26 && text[0] <= '7' && std::all_of(text.begin(), text.end(), [](char symbol) {
           return crockford.find(symbol) != std::string_view::npos;
         });
}

template <class Id>
void check_shape(const Id& id, std::string_view prefix) {
  INFO(id.str());
  REQUIRE(id.str().starts_with(prefix));
  CHECK(is_canonical_ulid(std::string_view(id.str()).substr(prefix.size())));
}
} // namespace

TEST_CASE("gives every kind of id its documented prefix", "[ids]") {
  folio::manual_clock clock;
  folio::id_generator ids(clock, 1);
  check_shape(ids.next<folio::run_id>(), "run_");
  check_shape(ids.next<folio::task_id>(), "task_");
  check_shape(ids.next<folio::org_id>(), "org_");
  check_shape(ids.next<folio::key_id>(), "key_");
  check_shape(ids.next<folio::event_id>(), "evt_");
  check_shape(ids.next<folio::request_id>(), "req_");
}

TEST_CASE("encodes the time as the ULID specification does", "[ids]") {
  const auto id = folio::run_id::from_parts({spec_time_ms, 0, 0});
  CHECK(id.str() == "run_01ARYZ6S410000000000000000");

  const auto parsed = folio::run_id::parse("run_01ARYZ6S41TSV4RRFFQ69G5FAV");
  REQUIRE(parsed);
  CHECK(parsed.value().created_at().time_since_epoch() == std::chrono::milliseconds{spec_time_ms});
}

TEST_CASE("round-trips the creation time through the id", "[ids]") {
  folio::manual_clock clock;
  folio::id_generator ids(clock, 7);
  for (const auto step : {0ms, 1ms, 999ms, 86'400'000ms}) {
    clock.advance(step);
    const auto id = ids.next<folio::task_id>();
    CHECK(id.created_at() == clock.now());
    const auto reparsed = folio::task_id::parse(id.str());
    REQUIRE(reparsed);
    CHECK(reparsed.value() == id);
    CHECK(reparsed.value().created_at() == clock.now());
  }
}

TEST_CASE("sorts newer ids after older ones even across generators", "[ids]") {
  folio::manual_clock clock;
  // Two generators stand for two servers: only the time part can order their ids.
  folio::id_generator first(clock, 11);
  folio::id_generator second(clock, 12);
  std::vector<folio::run_id> made;
  for (int round = 0; round < 200; ++round) {
    made.push_back((round % 2 == 0 ? first : second).next<folio::run_id>());
    clock.advance(1ms);
  }
  CHECK(std::is_sorted(made.begin(), made.end()));
  CHECK(
      std::is_sorted(made.begin(), made.end(), [](const auto& lhs, const auto& rhs) { return lhs.str() < rhs.str(); }));
  CHECK(std::adjacent_find(made.begin(), made.end()) == made.end());
}

TEST_CASE("keeps ids strictly increasing within one millisecond", "[ids]") {
  folio::manual_clock clock;
  folio::id_generator ids(clock, 3);
  auto previous = ids.next<folio::event_id>();
  for (int count = 0; count < 5000; ++count) {
    const auto current = ids.next<folio::event_id>();
    REQUIRE(previous.str() < current.str());
    CHECK(current.created_at() == clock.now());
    previous = current;
  }
}

TEST_CASE("keeps ids strictly increasing when the clock steps back", "[ids]") {
  folio::manual_clock clock;
  folio::id_generator ids(clock, 5);
  auto previous = ids.next<folio::run_id>();
  clock.advance(-1h);
  for (int count = 0; count < 100; ++count) {
    const auto current = ids.next<folio::run_id>();
    REQUIRE(previous < current);
    previous = current;
    clock.advance(1s);
  }
  // Once the clock passes the last issued time again, ids carry the real time again.
  clock.advance(2h);
  const auto caught_up = ids.next<folio::run_id>();
  CHECK(previous < caught_up);
  CHECK(caught_up.created_at() == clock.now());
}

TEST_CASE("makes distinct ids from several threads, increasing per thread", "[ids]") {
  folio::manual_clock clock;
  folio::id_generator ids(clock, 9);
  constexpr std::size_t thread_count = 4;
  constexpr std::size_t per_thread = 2500;
  std::vector<std::vector<folio::task_id>> made(thread_count);
  {
    std::vector<std::jthread> threads;
    for (std::size_t index = 0; index < thread_count; ++index) {
      threads.emplace_back([&, index] {
        auto& mine = made[index];
        mine.reserve(per_thread);
        for (std::size_t count = 0; count < per_thread; ++count) {
          mine.push_back(ids.next<folio::task_id>());
          // Some ids share a millisecond and some do not, and the clock moves under the other threads.
          if (count % 300 == 0) {
            clock.advance(1ms);
          }
        }
      });
    }
  }
  std::unordered_set<folio::task_id> all;
  for (const auto& mine : made) {
    REQUIRE(mine.size() == per_thread);
    CHECK(std::adjacent_find(mine.begin(), mine.end(), [](const auto& lhs, const auto& rhs) { return !(lhs < rhs); }) ==
          mine.end());
    all.insert(mine.begin(), mine.end());
  }
  CHECK(all.size() == thread_count * per_thread);
}

TEST_CASE("parses an id only in its canonical form", "[ids]") {
  const std::string valid = "run_01ARYZ6S41TSV4RRFFQ69G5FAV";
  REQUIRE(folio::run_id::parse(valid));
  CHECK(folio::run_id::parse(valid).value().str() == valid);
  CHECK(folio::run_id::parse("run_7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
  CHECK(folio::run_id::parse("run_00000000000000000000000000"));

  const auto rejected = GENERATE(as<std::string>{},
                                 "",                                // nothing
                                 "01ARYZ6S41TSV4RRFFQ69G5FAV",      // no prefix
                                 "task_01ARYZ6S41TSV4RRFFQ69G5FAV", // another kind's prefix
                                 "RUN_01ARYZ6S41TSV4RRFFQ69G5FAV",  // prefix in the wrong case
                                 "run_",                            // prefix only
                                 "run_01ARYZ6S41TSV4RRFFQ69G5FA",   // 25 characters
                                 "run_01ARYZ6S41TSV4RRFFQ69G5FAVX", // 27 characters
                                 "run_01aryz6s41tsv4rrffq69g5fav",  // lower case
                                 "run_01ARYZ6S41TSV4RRFFQ69G5FAv",  // one lower-case character
                                 "run_01ARYZ6S41TSV4RRFFQ69G5FAI",  // I is not Crockford
                                 "run_01ARYZ6S41TSV4RRFFQ69G5FAL",  // L is not Crockford
                                 "run_01ARYZ6S41TSV4RRFFQ69G5FAO",  // O is not Crockford
                                 "run_01ARYZ6S41TSV4RRFFQ69G5FAU",  // U is not Crockford
                                 "run_01ARYZ6S41TSV4RRFFQ69G5-AV",  // punctuation
                                 "run_01ARYZ6S41TSV4RRFFQ69G5 AV",  // space
                                 " run_01ARYZ6S41TSV4RRFFQ69G5FAV", // leading space
                                 "run_80000000000000000000000000",  // first character above 7 overflows 128 bits
                                 "run_ZZZZZZZZZZZZZZZZZZZZZZZZZZ"); // likewise
  INFO(rejected);
  const auto parsed = folio::run_id::parse(rejected);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == folio::errc::invalid_id);
}

TEST_CASE("parses each kind only with its own prefix", "[ids]") {
  const std::string ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV";
  CHECK(folio::task_id::parse("task_" + ulid));
  CHECK(folio::org_id::parse("org_" + ulid));
  CHECK(folio::key_id::parse("key_" + ulid));
  CHECK(folio::event_id::parse("evt_" + ulid));
  CHECK(folio::request_id::parse("req_" + ulid));
  CHECK_FALSE(folio::event_id::parse("event_" + ulid));
  CHECK_FALSE(folio::org_id::parse("run_" + ulid));
  CHECK_FALSE(folio::key_id::parse("task_" + ulid));
}

TEST_CASE("treats a default id as empty and unequal to any made id", "[ids]") {
  folio::manual_clock clock;
  folio::id_generator ids(clock, 1);
  const folio::run_id none;
  CHECK(none.empty());
  const auto made = ids.next<folio::run_id>();
  CHECK_FALSE(made.empty());
  CHECK(none != made);
  CHECK(none < made);
  CHECK(std::set<folio::run_id>{made, none, made}.size() == 2);
}
