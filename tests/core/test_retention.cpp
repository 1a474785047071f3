#include <folio/retention.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <string_view>

using namespace std::chrono_literals;
using folio::retention_policy;
using folio::retention_state;

namespace {
std::string_view name(retention_state state) {
  switch (state) {
  case retention_state::active: return "active";
  case retention_state::expired: return "expired";
  case retention_state::purgeable: return "purgeable";
  }
  return "?";
}

std::string_view state_at(const folio::clock& clock, folio::timestamp last_activity,
                          const folio::retention_settings& settings, bool unfinished = false) {
  return name(retention_policy::evaluate(last_activity, settings, clock.now(), unfinished));
}
} // namespace

TEST_CASE("defaults to 30 days of retention and 30 more before purging", "[retention]") {
  const folio::retention_settings defaults;
  CHECK(defaults.retention == std::chrono::days{30});
  CHECK(defaults.purge_after == std::chrono::days{30});
  const folio::manual_clock clock;
  CHECK(retention_policy::expires_at(clock.now(), defaults) == clock.now() + std::chrono::days{30});
  CHECK(retention_policy::purge_at(clock.now(), defaults) == clock.now() + std::chrono::days{60});
}

TEST_CASE("expires a run exactly at expires_at and not a millisecond before", "[retention]") {
  folio::manual_clock clock;
  const auto last_activity = clock.now();
  const folio::retention_settings defaults;
  const auto expires_at = retention_policy::expires_at(last_activity, defaults);

  CHECK(state_at(clock, last_activity, defaults) == "active");
  clock.set(expires_at - 1ms);
  CHECK(state_at(clock, last_activity, defaults) == "active");
  clock.set(expires_at);
  CHECK(state_at(clock, last_activity, defaults) == "expired");
  clock.set(expires_at + 1ms);
  CHECK(state_at(clock, last_activity, defaults) == "expired");
}

TEST_CASE("makes a run purgeable exactly at purge_at and not a millisecond before", "[retention]") {
  folio::manual_clock clock;
  const auto last_activity = clock.now();
  const folio::retention_settings defaults;
  const auto purge_at = retention_policy::purge_at(last_activity, defaults);

  clock.set(purge_at - 1ms);
  CHECK(state_at(clock, last_activity, defaults) == "expired");
  clock.set(purge_at);
  CHECK(state_at(clock, last_activity, defaults) == "purgeable");
  clock.set(purge_at + 1ms);
  CHECK(state_at(clock, last_activity, defaults) == "purgeable");
  clock.advance(std::chrono::days{3650});
  CHECK(state_at(clock, last_activity, defaults) == "purgeable");
}

TEST_CASE("keeps a run with an unfinished task active however old it is", "[retention]") {
  folio::manual_clock clock;
  const auto last_activity = clock.now();
  const folio::retention_settings defaults;
  for (const auto when :
       {retention_policy::expires_at(last_activity, defaults), retention_policy::purge_at(last_activity, defaults),
        retention_policy::purge_at(last_activity, defaults) + std::chrono::days{365}}) {
    clock.set(when);
    CHECK(state_at(clock, last_activity, defaults, true) == "active");
    CHECK(state_at(clock, last_activity, defaults, false) != "active");
  }
}

TEST_CASE("counts retention from the last activity, so a new task restarts it", "[retention]") {
  folio::manual_clock clock;
  const folio::retention_settings defaults;
  const auto first_turn = clock.now();
  clock.advance(std::chrono::days{29});
  const auto second_turn = clock.now();
  clock.advance(std::chrono::days{2});
  CHECK(state_at(clock, first_turn, defaults) == "expired");
  CHECK(state_at(clock, second_turn, defaults) == "active");
}

TEST_CASE("applies an organization's own short durations at their boundaries", "[retention]") {
  folio::manual_clock clock;
  const folio::retention_settings settings{2s, 5s};
  const auto last_activity = clock.now();
  CHECK(retention_policy::expires_at(last_activity, settings) == last_activity + 2s);
  CHECK(retention_policy::purge_at(last_activity, settings) == last_activity + 7s);

  clock.advance(1999ms);
  CHECK(state_at(clock, last_activity, settings) == "active");
  clock.advance(1ms);
  CHECK(state_at(clock, last_activity, settings) == "expired");
  clock.advance(4999ms);
  CHECK(state_at(clock, last_activity, settings) == "expired");
  clock.advance(1ms);
  CHECK(state_at(clock, last_activity, settings) == "purgeable");
}

TEST_CASE("purges at once on expiry when the organization keeps nothing after it", "[retention]") {
  folio::manual_clock clock;
  const folio::retention_settings settings{std::chrono::days{7}, 0ms};
  const auto last_activity = clock.now();
  clock.advance(std::chrono::days{7} - 1ms);
  CHECK(state_at(clock, last_activity, settings) == "active");
  clock.advance(1ms);
  CHECK(state_at(clock, last_activity, settings) == "purgeable");
}
