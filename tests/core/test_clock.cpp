#include <folio/clock.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {
// 2026-04-17T11:20:00Z, the instant API.md's examples show.
constexpr folio::timestamp api_example{1'776'424'800'000ms};

folio::timestamp read(const folio::clock& source) {
  return source.now();
}
} // namespace

TEST_CASE("starts a manual clock at the API's example instant unless told otherwise", "[clock]") {
  CHECK(folio::manual_clock{}.now() == api_example);
  CHECK(folio::manual_clock{folio::timestamp{5ms}}.now() == folio::timestamp{5ms});
}

TEST_CASE("moves a manual clock only when told to", "[clock]") {
  folio::manual_clock clock;
  CHECK(read(clock) == api_example);
  CHECK(read(clock) == api_example);

  clock.advance(1ms);
  CHECK(read(clock) == api_example + 1ms);
  clock.advance(std::chrono::days{30});
  CHECK(read(clock) == api_example + 1ms + std::chrono::days{30});
  clock.advance(-2h);
  CHECK(read(clock) == api_example + 1ms + std::chrono::days{30} - 2h);

  clock.set(folio::timestamp{});
  CHECK(read(clock).time_since_epoch() == 0ms);
  clock.set(api_example);
  CHECK(read(clock) == api_example);
}

TEST_CASE("lets other threads read a manual clock while a test advances it", "[clock]") {
  folio::manual_clock clock;
  constexpr int steps = 10'000;
  std::vector<folio::timestamp> seen;
  {
    std::jthread reader([&] {
      seen.reserve(steps);
      for (int count = 0; count < steps; ++count) {
        seen.push_back(clock.now());
      }
    });
    for (int count = 0; count < steps; ++count) {
      clock.advance(1ms);
    }
  }
  CHECK(clock.now() == api_example + std::chrono::milliseconds{steps});
  for (std::size_t index = 1; index < seen.size(); ++index) {
    REQUIRE(seen[index - 1] <= seen[index]);
  }
  CHECK(seen.front() >= api_example);
  CHECK(seen.back() <= clock.now());
}

TEST_CASE("reads the system clock in milliseconds since the Unix epoch", "[clock]") {
  const folio::system_clock clock;
  const auto before = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const auto now = read(clock);
  const auto after = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  CHECK(before <= now);
  CHECK(now <= after);
}
