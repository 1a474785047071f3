// An agent plays one turn: it reads the prompt and its saved state, edits the document only through the editor's
// tools, and returns its new state. It never sees the store, the blobs or the network layer.
#pragma once

#include <folio/document_format.hpp>
#include <folio/editor.hpp>
#include <folio/errors.hpp>
#include <folio/run.hpp>
#include <folio/task.hpp>

#include <cstdint>
#include <string>

FOLIO_BEGIN_NAMESPACE

struct turn_input {
  run_id run;
  task_id task;
  std::string prompt;
  document_format format = document_format::excel;
  int turn_index = 1;
  agent_state state;
  // The document was replaced outside the agent since its last turn (an upload): memory may be stale.
  bool document_changed_externally = false;
};

// What the host offers the agent during a turn.
class turn_services {
public:
  virtual ~turn_services() = default;
  // 0..100 within the agent_turn phase; the host maps it onto the task's overall progress.
  virtual void report_progress(int percent) = 0;
  // Agents check this between steps and, when true, return errc::cancelled without saving.
  [[nodiscard]] virtual bool cancel_requested() = 0;
  virtual editor& document() = 0;
};

struct turn_output {
  agent_state state;
  std::int64_t credits_used = 0;
  std::string summary;
};

class agent {
public:
  virtual ~agent() = default;
  virtual result<turn_output> run_turn(const turn_input& input, turn_services& services) = 0;
};

FOLIO_END_NAMESPACE
