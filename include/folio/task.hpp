// A task: one prompt, one agent turn, one output. Its life is a state machine given as a table, so every
// (state, event) pair has exactly one documented answer and an illegal one is an error value.
#pragma once

#include <folio/clock.hpp>
#include <folio/document_format.hpp>
#include <folio/errors.hpp>
#include <folio/ids.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

enum class task_status { queued, running, completed, failed, cancelled };

constexpr std::string_view to_string(task_status status) noexcept {
  switch (status) {
  case task_status::queued: return "queued";
  case task_status::running: return "running";
  case task_status::completed: return "completed";
  case task_status::failed: return "failed";
  case task_status::cancelled: return "cancelled";
  }
  return "";
}

constexpr bool is_terminal(task_status status) noexcept {
  return status == task_status::completed || status == task_status::failed || status == task_status::cancelled;
}

// Phases of a turn, in the order they happen. An open set in the API: clients must accept phases they do not know.
enum class task_phase { queued, loading_state, agent_turn, saving, done };

constexpr std::string_view to_string(task_phase phase) noexcept {
  switch (phase) {
  case task_phase::queued: return "queued";
  case task_phase::loading_state: return "loading_state";
  case task_phase::agent_turn: return "agent_turn";
  case task_phase::saving: return "saving";
  case task_phase::done: return "done";
  }
  return "";
}

enum class task_event {
  claim,          // a worker takes the task under a lease
  complete,       // the turn committed
  fail,           // the turn ended in an error
  request_cancel, // a user asked to cancel
  stop_cancelled, // the worker saw the cancel request and stopped without committing
  release,        // the lease ended without an outcome (crash, shutdown): the task runs again
};

inline constexpr std::array all_task_statuses{task_status::queued, task_status::running, task_status::completed,
                                              task_status::failed, task_status::cancelled};
inline constexpr std::array all_task_events{task_event::claim,          task_event::complete,
                                            task_event::fail,           task_event::request_cancel,
                                            task_event::stop_cancelled, task_event::release};

constexpr std::string_view to_string(task_event event) noexcept {
  switch (event) {
  case task_event::claim: return "claim";
  case task_event::complete: return "complete";
  case task_event::fail: return "fail";
  case task_event::request_cancel: return "request_cancel";
  case task_event::stop_cancelled: return "stop_cancelled";
  case task_event::release: return "release";
  }
  return "";
}

namespace detail {
// One cell of the table: either the next status, or the error the event gets in that status.
struct transition_cell {
  bool allowed;
  task_status next;
  errc refusal;
};

constexpr transition_cell to(task_status next) {
  return {true, next, errc::internal};
}
constexpr transition_cell refuse(errc code) {
  return {false, task_status::queued, code};
}

// Rows: status. Columns: claim, complete, fail, request_cancel, stop_cancelled, release.
// A running task asked to cancel stays running (its flag is set) until the worker stops at its next check.
// Cancelling a cancelled task is answered with the task, unchanged; cancelling a finished one is a conflict.
inline constexpr std::array<std::array<transition_cell, 6>, 5> transition_table{{
    /* queued    */ {to(task_status::running), refuse(errc::invalid_transition), refuse(errc::invalid_transition),
                     to(task_status::cancelled), refuse(errc::invalid_transition), refuse(errc::invalid_transition)},
    /* running   */
    {refuse(errc::invalid_transition), to(task_status::completed), to(task_status::failed), to(task_status::running),
     to(task_status::cancelled), to(task_status::queued)},
    /* completed */
    {refuse(errc::invalid_transition), refuse(errc::invalid_transition), refuse(errc::invalid_transition),
     refuse(errc::task_finished), refuse(errc::invalid_transition), refuse(errc::invalid_transition)},
    /* failed    */
    {refuse(errc::invalid_transition), refuse(errc::invalid_transition), refuse(errc::invalid_transition),
     refuse(errc::task_finished), refuse(errc::invalid_transition), refuse(errc::invalid_transition)},
    /* cancelled */
    {refuse(errc::invalid_transition), refuse(errc::invalid_transition), refuse(errc::invalid_transition),
     to(task_status::cancelled), refuse(errc::invalid_transition), refuse(errc::invalid_transition)},
}};
} // namespace detail

// The status an event leads to from a status, or why it may not happen.
inline result<task_status> next_status(task_status from, task_event event) {
  const auto& cell = detail::transition_table.at(static_cast<std::size_t>(from)).at(static_cast<std::size_t>(event));
  if (!cell.allowed) {
    return fail(cell.refusal,
                "a " + std::string(to_string(from)) + " task cannot take '" + std::string(to_string(event)) + "'");
  }
  return cell.next;
}

// Who holds a running task, until when. The token fences a worker that lost its lease: its writes are refused.
struct task_lease {
  std::string worker;
  timestamp expires_at;
  std::uint64_t token = 0;
};

struct task {
  task_id id;
  run_id run;
  org_id org;
  document_format format = document_format::excel;
  std::string prompt;
  std::string agent;
  std::string webhook_url;
  task_status status = task_status::queued;
  task_phase phase = task_phase::queued;
  int progress = 0;
  int turn_index = 1;
  bool cancel_requested = false;
  std::uint32_t attempts = 0;
  std::optional<task_lease> lease;
  timestamp created_at;
  timestamp updated_at;
  std::optional<timestamp> started_at;
  std::optional<timestamp> finished_at;
  std::optional<std::int64_t> credits_used;
  std::optional<error> failure;

  [[nodiscard]] std::optional<std::int64_t> duration_ms() const {
    if (!started_at || !finished_at) {
      return std::nullopt;
    }
    return (*finished_at - *started_at).count();
  }
};

// Applies an event to a task and keeps its invariants: terminal means progress 100 and phase done, a release puts
// the task back in the queue with its progress kept (progress never decreases), a claim counts an attempt.
inline result<void> apply(task& subject, task_event event, timestamp now) {
  auto next = next_status(subject.status, event);
  if (!next) {
    return next.error();
  }
  switch (event) {
  case task_event::claim:
    ++subject.attempts;
    subject.phase = task_phase::loading_state;
    if (!subject.started_at) {
      subject.started_at = now;
    }
    break;
  case task_event::request_cancel:
    if (subject.status == task_status::running) {
      subject.cancel_requested = true;
    }
    break;
  case task_event::release:
    subject.lease.reset();
    subject.phase = task_phase::queued;
    break;
  case task_event::complete:
  case task_event::fail:
  case task_event::stop_cancelled: break;
  }
  const bool was_terminal = is_terminal(subject.status);
  subject.status = next.value();
  if (is_terminal(subject.status) && !was_terminal) {
    subject.phase = task_phase::done;
    subject.progress = 100;
    subject.lease.reset();
    subject.finished_at = now;
    subject.updated_at = now;
  } else if (!was_terminal) {
    subject.updated_at = now;
  }
  return success();
}

// Moves a running task forward. Phases only go forward; a progress figure lower than the one already shown is kept
// at the shown one (a retried attempt re-reports from zero), and a running task shows at most 99.
inline result<void> advance(task& subject, task_phase phase, int progress, timestamp now) {
  if (subject.status != task_status::running) {
    return fail(errc::invalid_transition, "only a running task reports progress");
  }
  if (progress < 0 || progress > 100) {
    return fail(errc::invalid_argument, "progress is a percentage from 0 to 100", "progress");
  }
  if (phase < subject.phase || phase == task_phase::done || phase == task_phase::queued) {
    return fail(errc::invalid_transition, "a running task's phase moves forward through loading_state, agent_turn "
                                          "and saving");
  }
  subject.phase = phase;
  subject.progress = std::max(subject.progress, std::min(progress, 99));
  subject.updated_at = now;
  return success();
}

FOLIO_END_NAMESPACE
