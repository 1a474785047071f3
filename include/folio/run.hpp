// A run: one document and everything the agent learnt while building it, across all of its tasks.
#pragma once

#include <folio/clock.hpp>
#include <folio/document_format.hpp>
#include <folio/ids.hpp>
#include <folio/task.hpp>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

enum class run_status { queued, running, completed, failed, cancelled, expired };

constexpr std::string_view to_string(run_status status) noexcept {
  switch (status) {
  case run_status::queued: return "queued";
  case run_status::running: return "running";
  case run_status::completed: return "completed";
  case run_status::failed: return "failed";
  case run_status::cancelled: return "cancelled";
  case run_status::expired: return "expired";
  }
  return "";
}

inline std::optional<run_status> parse_run_status(std::string_view text) noexcept {
  for (const auto status : {run_status::queued, run_status::running, run_status::completed, run_status::failed,
                            run_status::cancelled, run_status::expired}) {
    if (text == to_string(status)) {
      return status;
    }
  }
  return std::nullopt;
}

// What the agent carries from turn to turn: its conversation and its memory of what it built.
struct agent_state {
  nlohmann::json conversation = nlohmann::json::array();
  nlohmann::json memory = nlohmann::json::object();

  friend bool operator==(const agent_state&, const agent_state&) = default;
};

struct run {
  run_id id;
  org_id org;
  document_format format = document_format::excel;
  std::string file_name;
  std::string first_prompt;
  std::map<std::string, std::string> metadata;
  timestamp created_at;
  timestamp updated_at;
  // Retention counts from here: the end of the last finished task (the creation time until one finishes).
  timestamp last_activity_at;
  // The run's expiry under its organization's settings, kept with the run so a sweep finds due runs by index.
  timestamp expires_at;
  std::optional<timestamp> expired_at;
  std::optional<timestamp> purged_at;
  // SHA-256 (hex) of the current document version; empty until a turn completes or a document is uploaded.
  std::string document_hash;
  std::uint32_t versions = 0;
  // Set by an upload, cleared by the next committed turn: tells the agent to refresh what it knows.
  bool document_changed_externally = false;
  agent_state state;
  std::int64_t credits_used = 0;
  std::int64_t duration_ms = 0;
  std::uint32_t turns = 0;
  std::uint32_t queued_tasks = 0;
  std::uint32_t running_tasks = 0;
  // The status of the latest-submitted task that has finished, and its turn: "the status of its last task".
  std::optional<task_status> last_finished_status;
  int last_finished_turn = 0;
  run_status status = run_status::queued;
};

// API.md: queued / running while a task is unfinished; otherwise the status of the last task; expired once the
// retention window has passed (the caller decides that, with retention_policy, because it needs the time).
inline run_status derive_run_status(const run& subject, bool expired) noexcept {
  if (expired) {
    return run_status::expired;
  }
  if (subject.running_tasks > 0) {
    return run_status::running;
  }
  if (subject.queued_tasks > 0) {
    return run_status::queued;
  }
  if (!subject.last_finished_status) {
    return run_status::queued;
  }
  switch (*subject.last_finished_status) {
  case task_status::completed: return run_status::completed;
  case task_status::failed: return run_status::failed;
  case task_status::cancelled: return run_status::cancelled;
  case task_status::queued: return run_status::queued;
  case task_status::running: return run_status::running;
  }
  return run_status::queued;
}

FOLIO_END_NAMESPACE
