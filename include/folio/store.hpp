// The metadata store: every durable fact about organizations, keys, runs, tasks and their events. Each method is one
// transaction, so an implementation over SQLite, PostgreSQL or memory gives the same guarantees; the conformance
// suite in tests/store holds them all to the same behaviour. Nothing here assumes one process: tasks are claimed
// under leases fenced by a token, and per-run order is decided by the claim itself.
#pragma once

#include <folio/clock.hpp>
#include <folio/errors.hpp>
#include <folio/export_cache.hpp>
#include <folio/ids.hpp>
#include <folio/organization.hpp>
#include <folio/pagination.hpp>
#include <folio/run.hpp>
#include <folio/submission.hpp>
#include <folio/task.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

FOLIO_BEGIN_NAMESPACE

// One change of a task's status, phase or progress, numbered per task from 1: what SSE streams and webhooks send.
struct task_change {
  event_id id;
  std::uint64_t sequence = 0;
  task snapshot;
};

struct run_filter {
  std::optional<document_format> format;
  std::optional<run_status> status;
};

// The ids a submission would take if it creates a run and a task; minted by the caller so stores stay simple.
struct submission_ids {
  run_id run;
  task_id task;
};

struct submit_outcome {
  run run_after;
  task created;
  // The idempotency key matched an earlier submission with the same body: nothing new was created.
  bool replayed = false;
};

// An API key with its organization, read together: what every authenticated request needs.
struct api_key_holder {
  api_key key;
  organization owner;
};

// A task with what shows its document: its run without the agent state (as get_run_summary reads it) and the hash of
// the document version the task wrote, if it wrote one.
struct task_with_document {
  task subject;
  run owner;
  std::optional<std::string> document_hash;
};

// A task handed to a worker, with the run state the turn starts from and the change the claim recorded.
struct claimed_turn {
  task work;
  run from;
  task_change change;
};

// A landed turn and the task claimed after it, by the same transaction.
struct turn_handover {
  task_change landed;
  std::optional<claimed_turn> next;
};

struct heartbeat_answer {
  timestamp lease_expires_at;
  bool cancel_requested = false;
};

// Everything a completed turn lands, in one transaction, after the blob it names is durable.
struct turn_commit {
  task_id task;
  std::uint64_t lease_token = 0;
  std::string document_hash;
  agent_state state;
  std::int64_t credits = 0;
};

struct document_version {
  run_id run;
  std::uint32_t number = 0;
  std::string hash;
  // The task that wrote it; empty for an uploaded document.
  std::optional<task_id> written_by;
  timestamp created_at;
};

// One webhook message in the outbox: written in the transaction that ends its task, so a terminal state is never
// committed without its announcement, and kept until the endpoint accepts it or the retry policy gives up.
struct webhook_delivery {
  // The webhook-id header: the event id of the task's terminal change, the same on every attempt.
  event_id id;
  task_id task;
  org_id org;
  std::string url;
  std::string event_type;
  timestamp created_at;
  std::uint32_t attempts = 0;
  // When it is next due; a claim moves it past the attempt, so an attempt cut short by a crash is made again.
  std::optional<timestamp> next_attempt_at;
  std::optional<timestamp> delivered_at;
  std::optional<timestamp> abandoned_at;
  // What the last failed attempt got ("HTTP 500", "connection refused"); empty before any failure.
  std::string last_error;
};

// What an attempt came to: delivered, failed with a time to try again, or failed for good (no retry time).
struct webhook_attempt {
  bool delivered = false;
  std::optional<timestamp> retry_at;
  std::string error;
};

// Counts a metrics scrape shows, each read from an index.
struct store_gauges {
  std::size_t queued_tasks = 0;
  std::size_t running_tasks = 0;
  std::size_t pending_webhooks = 0;
};

struct store_limits {
  // Queued tasks across all runs beyond which a submission is refused (queue_full).
  std::size_t max_queued_tasks = 10'000;
  // Claims of one task (crashes, lost leases) after which it fails instead of running again.
  std::uint32_t max_attempts = 3;
};

class store : public export_index {
public:
  ~store() override = default;

  // Organizations and keys.
  virtual result<void> create_organization(const organization& created) = 0;
  virtual result<organization> get_organization(const org_id& id) = 0;
  virtual result<organization> find_organization(std::string_view name) = 0;
  virtual result<std::vector<organization>> list_organizations() = 0;
  // Also moves the expiry of the organization's runs, which is kept with each run.
  virtual result<void> set_retention(const org_id& id, const retention_settings& settings) = 0;
  virtual result<void> create_api_key(const api_key& created) = 0;
  // Only keys not revoked are found.
  virtual result<api_key> find_api_key(std::string_view secret_hash) = 0;
  // The key (as find_api_key finds it) with its organization, in one read. not_found with param "org_id" when the
  // key's organization no longer exists.
  virtual result<api_key_holder> find_api_key_holder(std::string_view secret_hash) = 0;
  virtual result<std::vector<api_key>> list_api_keys(const org_id& org) = 0;
  virtual result<void> revoke_api_key(const key_id& id, timestamp now) = 0;

  // Submissions: creates the run or appends to it, records the first event and the idempotency key, atomically.
  // Refused without change: unknown or another organization's run (not_found), expired (run_expired), other format
  // (format_mismatch), a reused key with another body (idempotency_key_reused), a full queue (queue_full).
  virtual result<submit_outcome> submit(const submission& request, const submission_ids& ids, timestamp now) = 0;

  // Reads, scoped to an organization: another organization's id answers not_found, exactly like an unknown one.
  virtual result<run> get_run(const org_id& org, const run_id& id, timestamp now) = 0;
  // The same run without its agent state (left empty), as a listing shows it: what answers about a run need. The
  // state can be large, and reading it would be most of such a call's work.
  virtual result<run> get_run_summary(const org_id& org, const run_id& id, timestamp now) = 0;
  // Listed runs carry no agent state (get_run has it): it can be large and no listing shows it.
  virtual result<page<run>> list_runs(const org_id& org, const run_filter& filter, const page_request<run_id>& request,
                                      timestamp now) = 0;
  virtual result<task> get_task(const org_id& org, const task_id& id) = 0;
  // The task, its run and the version it wrote, in one read: what an answer about a task shows.
  virtual result<task_with_document> get_task_with_document(const org_id& org, const task_id& id, timestamp now) = 0;
  virtual result<page<task>> list_tasks(const org_id& org, const run_id& run, const page_request<task_id>& request) = 0;
  virtual result<std::vector<task_change>> list_task_events(const org_id& org, const task_id& id,
                                                            std::uint64_t after_sequence) = 0;
  virtual result<std::vector<document_version>> list_versions(const org_id& org, const run_id& run) = 0;
  // The task without organization scope, for the engine's own use.
  virtual result<task> load_task(const task_id& id) = 0;
  // The run without organization scope, for a capability link (the run page) that proved its right to it.
  virtual result<run> load_run(const run_id& id, timestamp now) = 0;

  // The worker side. A claim takes the oldest queued task whose run has no unfinished task before it, so tasks of
  // one run never overlap and run in submission order. Writes with a stale lease token answer lease_lost.
  virtual result<std::optional<claimed_turn>> claim_next(const std::string& worker, timestamp now, duration lease) = 0;
  virtual result<heartbeat_answer> heartbeat(const task_id& id, std::uint64_t lease_token, timestamp now,
                                             duration lease) = 0;
  // A change only when the phase or the shown progress moved.
  virtual result<std::optional<task_change>> report_progress(const task_id& id, std::uint64_t lease_token,
                                                             task_phase phase, int progress, timestamp now) = 0;
  virtual result<task_change> commit_turn(const turn_commit& landed, timestamp now) = 0;
  // commit_turn, then claim_next for `worker`, in one transaction: a worker that goes on working pays one commit per
  // turn instead of two. The claim sees the landed turn, so it may hand out the same run's next task. If the commit
  // is refused, nothing is claimed.
  virtual result<turn_handover> commit_turn_and_claim_next(const turn_commit& landed, const std::string& worker,
                                                           timestamp now, duration lease) = 0;
  // Ends a turn without landing it (fail or stop_cancelled): the run's document and state stay as they were.
  virtual result<task_change> finish_turn(const task_id& id, std::uint64_t lease_token, task_event outcome,
                                          const std::optional<error>& failure, timestamp now) = 0;
  // Gives a lease back (shutdown) so the task runs again from the last committed state.
  virtual result<task_change> release_turn(const task_id& id, std::uint64_t lease_token, timestamp now) = 0;
  // Requeues running tasks whose lease has expired (a crashed worker), or fails them past max_attempts. Leases held
  // by `restarted_worker` count as expired whatever their time: that worker has just started, so it holds none.
  virtual result<std::vector<task_change>> recover_expired_leases(timestamp now,
                                                                  const std::string& restarted_worker = {}) = 0;
  // Queued: cancelled at once. Running: flagged, stopped at the worker's next check. Cancelled: returned as is.
  // Completed or failed: task_finished. The change is present when the task's status changed.
  virtual result<std::pair<task, std::optional<task_change>>> request_cancel(const org_id& org, const task_id& id,
                                                                             timestamp now) = 0;

  // Documents edited outside the agent: a new version the next turn starts from.
  virtual result<run> upload_document(const org_id& org, const run_id& id, const std::string& document_hash,
                                      timestamp now) = 0;

  // Retention. Expiry marks due runs expired (and forgets idempotency keys older than 24 hours); purge drops their
  // versions and the exports made from them, and answers the blob hashes no longer referenced by any version or
  // export; delete does both at once for one run. All are safe to run twice.
  virtual result<std::vector<run_id>> expire_due_runs(timestamp now, std::size_t max_runs) = 0;
  virtual result<std::vector<std::string>> purge_due_runs(timestamp now, std::size_t max_runs) = 0;
  virtual result<std::vector<std::string>> delete_run(const org_id& org, const run_id& id, timestamp now) = 0;
  virtual result<bool> is_blob_referenced(const std::string& document_hash) = 0;

  // The webhook outbox. A claim takes up to `max` deliveries due at `now`, counts an attempt on each and makes it due
  // again at now + lease: a sender that dies mid-attempt leaves it to be sent again (at-least-once), and two senders
  // never hold the same delivery at once. The sender then records the attempt's outcome.
  virtual result<std::vector<webhook_delivery>> claim_webhook_deliveries(timestamp now, duration lease,
                                                                         std::size_t max) = 0;
  virtual result<void> record_webhook_attempt(const event_id& id, const webhook_attempt& outcome, timestamp now) = 0;
  // A task's deliveries, oldest first, scoped to an organization like every read.
  virtual result<std::vector<webhook_delivery>> list_webhook_deliveries(const org_id& org, const task_id& id) = 0;

  virtual result<store_gauges> gauges() = 0;

  // A number that moves whenever a write has been committed to the store since it was last read, by this process or
  // by another one sharing the store; two equal answers mean nothing was committed between them. It never moves
  // back. Cheaper than any read, for caches of reads: an answer computed after reading version V is still right while
  // the version is V.
  virtual result<std::uint64_t> data_version() = 0;
};

FOLIO_END_NAMESPACE
