#include <folio/ids.hpp>
#include <folio/pagination.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

namespace {
struct listed_run {
  folio::run_id id;
  bool matches_filter;
};

folio::run_id id_of(const listed_run& item) {
  return item.id;
}

// What a store does for a list call: the filtered items older than the cursor, newest first, one more than the limit.
folio::page<listed_run> list(const std::vector<listed_run>& oldest_first,
                             const folio::page_request<folio::run_id>& request) {
  std::vector<listed_run> candidates;
  for (auto item = oldest_first.rbegin(); item != oldest_first.rend() && candidates.size() <= request.limit; ++item) {
    if (item->matches_filter && (!request.before || item->id < *request.before)) {
      candidates.push_back(*item);
    }
  }
  return folio::make_page(std::move(candidates), request.limit, id_of);
}

std::vector<folio::run_id> make_ids(folio::id_generator& ids, folio::manual_clock& clock, std::size_t count) {
  std::vector<folio::run_id> made;
  for (std::size_t index = 0; index < count; ++index) {
    made.push_back(ids.next<folio::run_id>());
    clock.advance(1ms);
  }
  return made;
}
} // namespace

TEST_CASE("uses a limit of 20 and no cursor when none is given", "[pagination]") {
  const auto request = folio::parse_page_request<folio::run_id>(std::nullopt, std::nullopt);
  REQUIRE(request);
  CHECK(request.value().limit == 20);
  CHECK_FALSE(request.value().before);
}

TEST_CASE("accepts every limit from 1 to 100", "[pagination]") {
  for (std::size_t limit = 1; limit <= 100; ++limit) {
    const auto text = std::to_string(limit);
    const auto request = folio::parse_page_request<folio::run_id>(std::string_view(text), std::nullopt);
    REQUIRE(request);
    CHECK(request.value().limit == limit);
  }
}

TEST_CASE("rejects a limit that is not a whole number from 1 to 100", "[pagination]") {
  const auto text = GENERATE(as<std::string>{}, "0", "101", "1000", "abc", "5x", "x5", "", "-1", "+5", " 5", "5 ",
                             "1e2", "2.0", "0x10", "99999999999999999999999999");
  INFO(text);
  const auto request = folio::parse_page_request<folio::run_id>(std::string_view(text), std::nullopt);
  REQUIRE_FALSE(request);
  CHECK(request.error().code == folio::errc::invalid_limit);
  CHECK(request.error().param == "limit");
}

TEST_CASE("accepts a cursor that is an id of the listed kind", "[pagination]") {
  const auto request = folio::parse_page_request<folio::run_id>(std::string_view("5"),
                                                                std::string_view("run_01ARYZ6S41TSV4RRFFQ69G5FAV"));
  REQUIRE(request);
  CHECK(request.value().limit == 5);
  REQUIRE(request.value().before);
  CHECK(request.value().before->str() == "run_01ARYZ6S41TSV4RRFFQ69G5FAV");
}

TEST_CASE("rejects a cursor that is not an id of the listed kind", "[pagination]") {
  const auto cursor =
      GENERATE(as<std::string>{}, "", "abc", "task_01ARYZ6S41TSV4RRFFQ69G5FAV", "run_01aryz6s41tsv4rrffq69g5fav",
               "run_01ARYZ6S41TSV4RRFFQ69G5FA", "run_01ARYZ6S41TSV4RRFFQ69G5FAV&limit=5", "20");
  INFO(cursor);
  const auto request = folio::parse_page_request<folio::run_id>(std::nullopt, std::string_view(cursor));
  REQUIRE_FALSE(request);
  CHECK(request.error().code == folio::errc::invalid_cursor);
  CHECK(request.error().param == "cursor");
}

TEST_CASE("checks the cursor against the kind being listed", "[pagination]") {
  const std::string_view task_cursor = "task_01ARYZ6S41TSV4RRFFQ69G5FAV";
  CHECK(folio::parse_page_request<folio::task_id>(std::nullopt, task_cursor));
  CHECK_FALSE(folio::parse_page_request<folio::run_id>(std::nullopt, task_cursor));
}

TEST_CASE("points next_cursor at the last item of a page that has more after it", "[pagination]") {
  folio::manual_clock clock;
  folio::id_generator ids(clock, 1);
  auto made = make_ids(ids, clock, 4);
  std::reverse(made.begin(), made.end());

  const auto full = folio::make_page(made, 3, [](const folio::run_id& id) { return id; });
  REQUIRE(full.items.size() == 3);
  CHECK(full.items == std::vector<folio::run_id>(made.begin(), made.begin() + 3));
  REQUIRE(full.next_cursor);
  CHECK(*full.next_cursor == made[2].str());
  CHECK(folio::parse_page_request<folio::run_id>(std::nullopt, std::string_view(*full.next_cursor)));
}

TEST_CASE("leaves next_cursor null on the last page", "[pagination]") {
  folio::manual_clock clock;
  folio::id_generator ids(clock, 1);
  auto made = make_ids(ids, clock, 3);
  std::reverse(made.begin(), made.end());
  const auto identity = [](const folio::run_id& id) { return id; };

  const auto exactly_full = folio::make_page(made, 3, identity);
  CHECK(exactly_full.items.size() == 3);
  CHECK_FALSE(exactly_full.next_cursor);

  const auto short_page = folio::make_page(std::vector<folio::run_id>(made.begin(), made.begin() + 1), 3, identity);
  CHECK(short_page.items.size() == 1);
  CHECK_FALSE(short_page.next_cursor);

  const auto empty = folio::make_page(std::vector<folio::run_id>{}, 3, identity);
  CHECK(empty.items.empty());
  CHECK_FALSE(empty.next_cursor);
}

TEST_CASE("visits every item exactly once while new items are inserted", "[pagination]") {
  const auto limit = GENERATE(std::size_t{1}, std::size_t{3}, std::size_t{7}, std::size_t{20}, std::size_t{100});
  INFO("limit " << limit);
  folio::manual_clock clock;
  folio::id_generator ids(clock, 17);
  std::vector<listed_run> stored;
  std::map<std::string, int> expected_visits;
  for (std::size_t index = 0; index < 250; ++index) {
    // Several runs share a millisecond so ordering within one relies on the random part too.
    if (index % 4 == 0) {
      clock.advance(1ms);
    }
    const bool matches = index % 3 != 0;
    stored.push_back({ids.next<folio::run_id>(), matches});
    if (matches) {
      expected_visits[stored.back().id.str()] = 0;
    }
  }

  std::map<std::string, int> visits;
  std::optional<std::string> cursor;
  std::size_t pages = 0;
  do {
    const auto limit_text = std::to_string(limit);
    const auto request = folio::parse_page_request<folio::run_id>(
        std::string_view(limit_text), cursor ? std::optional<std::string_view>(*cursor) : std::nullopt);
    REQUIRE(request);
    const auto current = list(stored, request.value());
    REQUIRE(current.items.size() <= limit);
    for (const auto& item : current.items) {
      REQUIRE(item.matches_filter);
      ++visits[item.id.str()];
    }
    cursor = current.next_cursor;
    ++pages;
    // Newer runs arrive between page fetches; they belong before the first page, never inside the walk.
    for (int arriving = 0; arriving < 3; ++arriving) {
      clock.advance(1ms);
      stored.push_back({ids.next<folio::run_id>(), true});
    }
  } while (cursor && pages < 1000);

  CHECK_FALSE(cursor);
  for (const auto& [id, count] : visits) {
    INFO(id);
    CHECK(expected_visits.contains(id));
    CHECK(count == 1);
  }
  CHECK(visits.size() == expected_visits.size());
}
