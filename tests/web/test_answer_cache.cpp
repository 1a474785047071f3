#include "answer_cache.hpp"

#include <folio/clock.hpp>
#include <folio/ids.hpp>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

namespace {

struct cache_world {
  folio::manual_clock clock;
  folio::id_generator ids{clock, 7};
  folio::org_id org = ids.next<folio::org_id>();

  folio_server::kept_answer answer(const std::string& body) const {
    return {org, std::make_shared<const std::string>(body)};
  }
};

} // namespace

TEST_CASE("answer cache finds an answer only at the moment it was kept", "[answer_cache]") {
  cache_world w;
  folio_server::answer_cache cache(1 << 20);
  const folio_server::answer_moment made{4, 1'000};
  CHECK_FALSE(cache.find("key", made));
  cache.keep("key", made, w.answer(R"({"status":"running"})"));

  const auto found = cache.find("key", made);
  REQUIRE(found);
  CHECK(*found->body == R"({"status":"running"})");
  CHECK(found->org == w.org);
  CHECK_FALSE(cache.find("other key", made));
  // A commit since, or the next second: the answer may no longer be what the route says.
  CHECK_FALSE(cache.find("key", {5, 1'000}));
  CHECK_FALSE(cache.find("key", {4, 1'001}));
  CHECK(cache.counts().hits == 1);
  CHECK(cache.counts().misses == 4);
}

TEST_CASE("answer cache retires everything at a newer moment and drops answers older than what it keeps",
          "[answer_cache]") {
  cache_world w;
  folio_server::answer_cache cache(1 << 20);
  cache.keep("a", {4, 1'000}, w.answer("old a"));
  cache.keep("b", {4, 1'000}, w.answer("old b"));
  cache.keep("a", {5, 1'000}, w.answer("new a"));
  CHECK(*cache.find("a", {5, 1'000})->body == "new a");
  CHECK_FALSE(cache.find("b", {5, 1'000}));
  CHECK_FALSE(cache.find("b", {4, 1'000}));

  // An answer made from an older version, finishing late, is not kept over newer ones.
  cache.keep("b", {4, 1'000}, w.answer("late b"));
  CHECK_FALSE(cache.find("b", {4, 1'000}));
  CHECK_FALSE(cache.find("b", {5, 1'000}));
  CHECK(*cache.find("a", {5, 1'000})->body == "new a");
}

TEST_CASE("answer cache keeps at most its bytes and nothing when they are 0", "[answer_cache]") {
  cache_world w;
  folio_server::answer_cache small(100);
  const folio_server::answer_moment now{1, 1};
  small.keep("first", now, w.answer(std::string(60, 'x')));
  small.keep("second", now, w.answer(std::string(60, 'y')));
  CHECK(small.find("first", now));
  CHECK_FALSE(small.find("second", now));
  // A new moment frees the room again.
  small.keep("second", {2, 1}, w.answer(std::string(60, 'y')));
  CHECK(small.find("second", {2, 1}));

  folio_server::answer_cache off(0);
  CHECK_FALSE(off.enabled());
  off.keep("first", now, w.answer("x"));
  CHECK_FALSE(off.find("first", now));
}
