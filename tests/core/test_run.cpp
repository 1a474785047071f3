#include <folio/run.hpp>

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

using folio::run_status;
using folio::task_status;

namespace {
folio::run run_with(std::uint32_t queued, std::uint32_t running, std::optional<task_status> last_finished) {
  folio::run subject;
  subject.queued_tasks = queued;
  subject.running_tasks = running;
  subject.last_finished_status = last_finished;
  return subject;
}

std::string derived(const folio::run& subject, bool expired = false) {
  return std::string(folio::to_string(folio::derive_run_status(subject, expired)));
}
} // namespace

TEST_CASE("calls a run without any finished task queued until a task runs", "[run]") {
  CHECK(derived(run_with(0, 0, std::nullopt)) == "queued");
  CHECK(derived(run_with(1, 0, std::nullopt)) == "queued");
  CHECK(derived(run_with(1, 1, std::nullopt)) == "running");
  CHECK(derived(run_with(0, 1, std::nullopt)) == "running");
}

TEST_CASE("calls a run running while any of its tasks runs, whatever came before", "[run]") {
  for (const auto last : {task_status::completed, task_status::failed, task_status::cancelled}) {
    INFO(folio::to_string(last));
    CHECK(derived(run_with(0, 1, last)) == "running");
    CHECK(derived(run_with(3, 1, last)) == "running");
  }
}

TEST_CASE("calls a run queued while a follow-up task waits", "[run]") {
  for (const auto last : {task_status::completed, task_status::failed, task_status::cancelled}) {
    INFO(folio::to_string(last));
    CHECK(derived(run_with(1, 0, last)) == "queued");
  }
}

TEST_CASE("gives an idle run the status of its last task", "[run]") {
  CHECK(derived(run_with(0, 0, task_status::completed)) == "completed");
  CHECK(derived(run_with(0, 0, task_status::failed)) == "failed");
  CHECK(derived(run_with(0, 0, task_status::cancelled)) == "cancelled");
}

TEST_CASE("calls an expired run expired whatever its tasks say", "[run]") {
  for (const auto last : {std::optional<task_status>{}, std::optional{task_status::completed},
                          std::optional{task_status::failed}, std::optional{task_status::cancelled}}) {
    CHECK(derived(run_with(0, 0, last), true) == "expired");
    CHECK(derived(run_with(1, 0, last), true) == "expired");
    CHECK(derived(run_with(0, 1, last), true) == "expired");
  }
}

TEST_CASE("parses every run status from its API name and nothing else", "[run]") {
  std::set<std::string_view> names;
  for (const auto status : {run_status::queued, run_status::running, run_status::completed, run_status::failed,
                            run_status::cancelled, run_status::expired}) {
    const auto name = folio::to_string(status);
    names.insert(name);
    const auto parsed = folio::parse_run_status(name);
    REQUIRE(parsed);
    CHECK(*parsed == status);
  }
  CHECK(names == std::set<std::string_view>{"queued", "running", "completed", "failed", "cancelled", "expired"});
  for (const auto* unknown : {"", "Completed", "COMPLETED", "done", "canceled", "completed "}) {
    INFO(unknown);
    CHECK_FALSE(folio::parse_run_status(unknown));
  }
}

TEST_CASE("starts a run with an empty conversation and memory", "[run]") {
  const folio::run subject;
  CHECK(subject.state.conversation.is_array());
  CHECK(subject.state.conversation.empty());
  CHECK(subject.state.memory.is_object());
  CHECK(subject.state.memory.empty());
  CHECK(subject.state == folio::agent_state{});
  folio::agent_state changed;
  changed.memory["sheets"] = {"Sales"};
  CHECK_FALSE(subject.state == changed);
}
