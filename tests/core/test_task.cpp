#include <folio/task.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

using namespace std::chrono_literals;
using folio::errc;
using folio::task_event;
using folio::task_phase;
using folio::task_status;

namespace {
constexpr folio::timestamp start{1'776'424'800'000ms};

// What API.md and the task's documentation promise for each (status, event) pair, written out independently of
// the header's table: either the status the event leads to, or the error it gets.
using outcome = std::variant<task_status, errc>;
const std::map<std::pair<task_status, task_event>, outcome>& expected_outcomes() {
  static const std::map<std::pair<task_status, task_event>, outcome> table{
      {{task_status::queued, task_event::claim}, task_status::running},
      {{task_status::queued, task_event::complete}, errc::invalid_transition},
      {{task_status::queued, task_event::fail}, errc::invalid_transition},
      {{task_status::queued, task_event::request_cancel}, task_status::cancelled},
      {{task_status::queued, task_event::stop_cancelled}, errc::invalid_transition},
      {{task_status::queued, task_event::release}, errc::invalid_transition},

      {{task_status::running, task_event::claim}, errc::invalid_transition},
      {{task_status::running, task_event::complete}, task_status::completed},
      {{task_status::running, task_event::fail}, task_status::failed},
      {{task_status::running, task_event::request_cancel}, task_status::running},
      {{task_status::running, task_event::stop_cancelled}, task_status::cancelled},
      {{task_status::running, task_event::release}, task_status::queued},

      {{task_status::completed, task_event::claim}, errc::invalid_transition},
      {{task_status::completed, task_event::complete}, errc::invalid_transition},
      {{task_status::completed, task_event::fail}, errc::invalid_transition},
      {{task_status::completed, task_event::request_cancel}, errc::task_finished},
      {{task_status::completed, task_event::stop_cancelled}, errc::invalid_transition},
      {{task_status::completed, task_event::release}, errc::invalid_transition},

      {{task_status::failed, task_event::claim}, errc::invalid_transition},
      {{task_status::failed, task_event::complete}, errc::invalid_transition},
      {{task_status::failed, task_event::fail}, errc::invalid_transition},
      {{task_status::failed, task_event::request_cancel}, errc::task_finished},
      {{task_status::failed, task_event::stop_cancelled}, errc::invalid_transition},
      {{task_status::failed, task_event::release}, errc::invalid_transition},

      {{task_status::cancelled, task_event::claim}, errc::invalid_transition},
      {{task_status::cancelled, task_event::complete}, errc::invalid_transition},
      {{task_status::cancelled, task_event::fail}, errc::invalid_transition},
      {{task_status::cancelled, task_event::request_cancel}, task_status::cancelled},
      {{task_status::cancelled, task_event::stop_cancelled}, errc::invalid_transition},
      {{task_status::cancelled, task_event::release}, errc::invalid_transition},
  };
  return table;
}

// Everything about a task that an event may change, so "unchanged" can be checked as a whole.
struct task_snapshot {
  task_status status;
  task_phase phase;
  int progress;
  bool cancel_requested;
  std::uint32_t attempts;
  bool leased;
  folio::timestamp updated_at;
  std::optional<folio::timestamp> started_at;
  std::optional<folio::timestamp> finished_at;

  explicit task_snapshot(const folio::task& subject)
      : status(subject.status), phase(subject.phase), progress(subject.progress),
        cancel_requested(subject.cancel_requested), attempts(subject.attempts), leased(subject.lease.has_value()),
        updated_at(subject.updated_at), started_at(subject.started_at), finished_at(subject.finished_at) {}

  friend bool operator==(const task_snapshot&, const task_snapshot&) = default;
};

folio::task queued_task() {
  folio::task subject;
  subject.created_at = start;
  subject.updated_at = start;
  return subject;
}

// A task that a worker claimed and moved into the agent's turn, as the engine would.
folio::task running_task(int progress = 40) {
  auto subject = queued_task();
  REQUIRE(folio::apply(subject, task_event::claim, start + 1s));
  subject.lease = folio::task_lease{"worker-1", start + 31s, 1};
  REQUIRE(folio::advance(subject, task_phase::agent_turn, progress, start + 2s));
  return subject;
}

// A task in any status, reached only through the state machine so its fields are what they would really be.
folio::task task_in(task_status status) {
  switch (status) {
  case task_status::queued: return queued_task();
  case task_status::running: return running_task();
  case task_status::completed:
  case task_status::failed:
  case task_status::cancelled: {
    auto subject = running_task();
    const auto event = status == task_status::completed ? task_event::complete
                       : status == task_status::failed  ? task_event::fail
                                                        : task_event::stop_cancelled;
    REQUIRE(folio::apply(subject, event, start + 3s));
    return subject;
  }
  }
  FAIL("unknown status");
  return {};
}

std::string describe(task_status status, task_event event) {
  return std::string(folio::to_string(status)) + " + " + std::string(folio::to_string(event));
}
} // namespace

TEST_CASE("names statuses, phases and events as the API does", "[task]") {
  CHECK(folio::to_string(task_status::queued) == "queued");
  CHECK(folio::to_string(task_status::running) == "running");
  CHECK(folio::to_string(task_status::completed) == "completed");
  CHECK(folio::to_string(task_status::failed) == "failed");
  CHECK(folio::to_string(task_status::cancelled) == "cancelled");
  CHECK(folio::to_string(task_phase::queued) == "queued");
  CHECK(folio::to_string(task_phase::loading_state) == "loading_state");
  CHECK(folio::to_string(task_phase::agent_turn) == "agent_turn");
  CHECK(folio::to_string(task_phase::saving) == "saving");
  CHECK(folio::to_string(task_phase::done) == "done");

  std::set<std::string_view> event_names;
  for (const auto event : folio::all_task_events) {
    CHECK_FALSE(folio::to_string(event).empty());
    event_names.insert(folio::to_string(event));
  }
  CHECK(event_names.size() == folio::all_task_events.size());
}

TEST_CASE("lists every status and every event exactly once", "[task]") {
  CHECK(std::set<task_status>(folio::all_task_statuses.begin(), folio::all_task_statuses.end()).size() == 5);
  CHECK(std::set<task_event>(folio::all_task_events.begin(), folio::all_task_events.end()).size() == 6);
  CHECK(expected_outcomes().size() == folio::all_task_statuses.size() * folio::all_task_events.size());
}

TEST_CASE("marks exactly completed, failed and cancelled as terminal", "[task]") {
  CHECK_FALSE(folio::is_terminal(task_status::queued));
  CHECK_FALSE(folio::is_terminal(task_status::running));
  CHECK(folio::is_terminal(task_status::completed));
  CHECK(folio::is_terminal(task_status::failed));
  CHECK(folio::is_terminal(task_status::cancelled));
}

TEST_CASE("answers every status and event pair as documented", "[task]") {
  std::size_t walked = 0;
  for (const auto status : folio::all_task_statuses) {
    for (const auto event : folio::all_task_events) {
      INFO(describe(status, event));
      const auto expected = expected_outcomes().at({status, event});
      const auto actual = folio::next_status(status, event);
      if (const auto* next = std::get_if<task_status>(&expected)) {
        REQUIRE(actual);
        CHECK(folio::to_string(actual.value()) == folio::to_string(*next));
      } else {
        REQUIRE_FALSE(actual);
        CHECK(folio::to_string(actual.error().code) == folio::to_string(std::get<errc>(expected)));
        CHECK_FALSE(actual.error().message.empty());
      }
      ++walked;
    }
  }
  CHECK(walked == 30);
}

TEST_CASE("applies every status and event pair as documented and leaves a refused task untouched", "[task]") {
  for (const auto status : folio::all_task_statuses) {
    for (const auto event : folio::all_task_events) {
      INFO(describe(status, event));
      auto subject = task_in(status);
      REQUIRE(subject.status == status);
      const task_snapshot before(subject);
      const auto expected = expected_outcomes().at({status, event});
      const auto applied = folio::apply(subject, event, start + 10s);
      if (const auto* next = std::get_if<task_status>(&expected)) {
        REQUIRE(applied);
        CHECK(folio::to_string(subject.status) == folio::to_string(*next));
      } else {
        REQUIRE_FALSE(applied);
        CHECK(folio::to_string(applied.error().code) == folio::to_string(std::get<errc>(expected)));
        CHECK(task_snapshot(subject) == before);
      }
    }
  }
}

TEST_CASE("finishes a task at progress 100 in phase done whichever way it ends", "[task]") {
  const auto event = GENERATE(task_event::complete, task_event::fail, task_event::stop_cancelled);
  INFO(folio::to_string(event));
  auto subject = running_task(40);
  REQUIRE(subject.lease);
  REQUIRE(folio::apply(subject, event, start + 5s));
  CHECK(folio::is_terminal(subject.status));
  CHECK(subject.progress == 100);
  CHECK(subject.phase == task_phase::done);
  CHECK_FALSE(subject.lease);
  CHECK(subject.finished_at == start + 5s);
  CHECK(subject.updated_at == start + 5s);
  CHECK(subject.duration_ms() == 4000);
}

TEST_CASE("cancels a queued task at once, so it never runs", "[task]") {
  auto subject = queued_task();
  REQUIRE(folio::apply(subject, task_event::request_cancel, start + 1s));
  CHECK(subject.status == task_status::cancelled);
  CHECK(subject.progress == 100);
  CHECK(subject.phase == task_phase::done);
  CHECK(subject.finished_at == start + 1s);
  CHECK_FALSE(subject.started_at);
  CHECK_FALSE(subject.duration_ms());
  CHECK(subject.attempts == 0);
  CHECK_FALSE(folio::apply(subject, task_event::claim, start + 2s));
}

TEST_CASE("never changes a terminal task again", "[task]") {
  const auto status = GENERATE(task_status::completed, task_status::failed, task_status::cancelled);
  INFO(folio::to_string(status));
  auto subject = task_in(status);
  const task_snapshot finished(subject);
  for (const auto event : folio::all_task_events) {
    INFO(folio::to_string(event));
    static_cast<void>(folio::apply(subject, event, start + 1h));
    CHECK(task_snapshot(subject) == finished);
    CHECK_FALSE(folio::advance(subject, task_phase::saving, 50, start + 1h));
    CHECK(task_snapshot(subject) == finished);
  }
}

TEST_CASE("answers a repeated cancel of a cancelled task with the task unchanged", "[task]") {
  auto subject = task_in(task_status::cancelled);
  const task_snapshot cancelled(subject);
  CHECK(folio::apply(subject, task_event::request_cancel, start + 1h));
  CHECK(task_snapshot(subject) == cancelled);
}

TEST_CASE("keeps a running task running with a cancel request until the worker stops", "[task]") {
  auto subject = running_task(40);
  REQUIRE_FALSE(subject.cancel_requested);
  REQUIRE(folio::apply(subject, task_event::request_cancel, start + 5s));
  CHECK(subject.status == task_status::running);
  CHECK(subject.cancel_requested);
  CHECK(subject.progress == 40);
  CHECK(subject.phase == task_phase::agent_turn);
  CHECK(subject.lease);
  CHECK_FALSE(subject.finished_at);

  // A second request changes nothing more.
  REQUIRE(folio::apply(subject, task_event::request_cancel, start + 6s));
  CHECK(subject.status == task_status::running);
  CHECK(subject.cancel_requested);

  REQUIRE(folio::apply(subject, task_event::stop_cancelled, start + 7s));
  CHECK(subject.status == task_status::cancelled);
  CHECK(subject.progress == 100);
}

TEST_CASE("puts a released task back in the queue with its progress kept", "[task]") {
  auto subject = running_task(60);
  const auto first_start = subject.started_at;
  REQUIRE(first_start == start + 1s);
  REQUIRE(folio::apply(subject, task_event::release, start + 9s));
  CHECK(subject.status == task_status::queued);
  CHECK(subject.phase == task_phase::queued);
  CHECK(subject.progress == 60);
  CHECK_FALSE(subject.lease);
  CHECK_FALSE(subject.finished_at);
  CHECK(subject.updated_at == start + 9s);

  // The retry starts over from loading its state, reports from zero, and still never shows less than before.
  REQUIRE(folio::apply(subject, task_event::claim, start + 10s));
  CHECK(subject.status == task_status::running);
  CHECK(subject.phase == task_phase::loading_state);
  CHECK(subject.started_at == first_start);
  REQUIRE(folio::advance(subject, task_phase::agent_turn, 10, start + 11s));
  CHECK(subject.progress == 60);
  REQUIRE(folio::advance(subject, task_phase::saving, 80, start + 12s));
  CHECK(subject.progress == 80);
}

TEST_CASE("counts an attempt for every claim", "[task]") {
  auto subject = queued_task();
  CHECK(subject.attempts == 0);
  for (std::uint32_t attempt = 1; attempt <= 3; ++attempt) {
    REQUIRE(folio::apply(subject, task_event::claim, start + std::chrono::seconds{attempt}));
    CHECK(subject.attempts == attempt);
    CHECK(subject.phase == task_phase::loading_state);
    REQUIRE(folio::apply(subject, task_event::release, start + std::chrono::seconds{attempt} + 500ms));
    CHECK(subject.attempts == attempt);
  }
  // A refused claim is not an attempt.
  REQUIRE(folio::apply(subject, task_event::claim, start + 10s));
  CHECK_FALSE(folio::apply(subject, task_event::claim, start + 11s));
  CHECK(subject.attempts == 4);
}

TEST_CASE("moves phases only forward", "[task]") {
  auto subject = queued_task();
  REQUIRE(folio::apply(subject, task_event::claim, start));
  CHECK(folio::advance(subject, task_phase::loading_state, 5, start + 1s));
  CHECK(folio::advance(subject, task_phase::agent_turn, 10, start + 2s));
  CHECK(folio::advance(subject, task_phase::agent_turn, 50, start + 3s));
  CHECK(folio::advance(subject, task_phase::saving, 90, start + 4s));
  CHECK(subject.phase == task_phase::saving);

  for (const auto backwards : {task_phase::queued, task_phase::loading_state, task_phase::agent_turn}) {
    INFO(folio::to_string(backwards));
    const auto moved = folio::advance(subject, backwards, 95, start + 5s);
    REQUIRE_FALSE(moved);
    CHECK(moved.error().code == errc::invalid_transition);
    CHECK(subject.phase == task_phase::saving);
    CHECK(subject.progress == 90);
    CHECK(subject.updated_at == start + 4s);
  }
}

TEST_CASE("leaves phase done to the end of the task", "[task]") {
  auto subject = running_task(40);
  const auto moved = folio::advance(subject, task_phase::done, 99, start + 5s);
  REQUIRE_FALSE(moved);
  CHECK(moved.error().code == errc::invalid_transition);
  CHECK(subject.phase == task_phase::agent_turn);
  CHECK(subject.status == task_status::running);
}

TEST_CASE("never lowers progress and shows at most 99 while running", "[task]") {
  auto subject = running_task(50);
  REQUIRE(folio::advance(subject, task_phase::agent_turn, 30, start + 3s));
  CHECK(subject.progress == 50);
  REQUIRE(folio::advance(subject, task_phase::agent_turn, 100, start + 4s));
  CHECK(subject.progress == 99);
  CHECK(subject.status == task_status::running);
  REQUIRE(folio::advance(subject, task_phase::saving, 0, start + 5s));
  CHECK(subject.progress == 99);
}

TEST_CASE("keeps progress monotonic under any sequence of reports", "[task]") {
  std::mt19937 random(42);
  std::uniform_int_distribution<int> percent(0, 100);
  std::uniform_int_distribution<int> phase_step(0, 3);
  for (int trial = 0; trial < 200; ++trial) {
    auto subject = queued_task();
    REQUIRE(folio::apply(subject, task_event::claim, start));
    int shown = subject.progress;
    for (int report = 0; report < 20; ++report) {
      const auto phase = static_cast<task_phase>(phase_step(random));
      static_cast<void>(folio::advance(subject, phase, percent(random), start + 1s));
      REQUIRE(subject.progress >= shown);
      REQUIRE(subject.progress <= 99);
      shown = subject.progress;
    }
  }
}

TEST_CASE("refuses progress outside 0..100 and leaves the task as it was", "[task]") {
  const auto progress = GENERATE(-1, 101, -100, 1000);
  INFO(progress);
  auto subject = running_task(40);
  const task_snapshot before(subject);
  const auto moved = folio::advance(subject, task_phase::saving, progress, start + 5s);
  REQUIRE_FALSE(moved);
  CHECK(moved.error().code == errc::invalid_argument);
  CHECK(moved.error().param == "progress");
  CHECK(task_snapshot(subject) == before);
}

TEST_CASE("accepts progress reports only from a running task", "[task]") {
  const auto status =
      GENERATE(task_status::queued, task_status::completed, task_status::failed, task_status::cancelled);
  INFO(folio::to_string(status));
  auto subject = task_in(status);
  const task_snapshot before(subject);
  const auto moved = folio::advance(subject, task_phase::agent_turn, 50, start + 5s);
  REQUIRE_FALSE(moved);
  CHECK(moved.error().code == errc::invalid_transition);
  CHECK(task_snapshot(subject) == before);
}

TEST_CASE("reports no duration until a task has both started and finished", "[task]") {
  auto subject = queued_task();
  CHECK_FALSE(subject.duration_ms());
  REQUIRE(folio::apply(subject, task_event::claim, start + 1s));
  CHECK_FALSE(subject.duration_ms());
  REQUIRE(folio::apply(subject, task_event::complete, start + 2500ms));
  CHECK(subject.duration_ms() == 1500);
}
