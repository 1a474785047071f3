// The store's rules, written once over any table backend. A backend only reads and writes rows inside a
// transaction; backed_store decides what a submission, a claim, a commit or a cancel means, with the core's state
// machine and retention policy. The in-memory store and the SQLite store are backends of it, so they cannot drift.
//
// A backend provides:
//   transaction()                       an object whose commit() makes the writes durable; destroyed uncommitted,
//                                       it undoes them. Nested use is not required.
//   read_transaction()                  the same for methods that only read (a database may take fewer locks)
//   savepoint()                         optional: the same inside a transaction; with it, concurrent write calls
//                                       share one transaction (see writing())
//   reader()                            optional: a read transaction on a connection of its own, whose rows() is a
//                                       backend; with it, read calls run concurrently with each other and with the
//                                       writer, outside the store's mutex (see reading())
//   adjust_queued_count(delta)          keeps the count queued_task_count() answers, where it is not derived
//   insert_organization, organization_by_id, organization_by_name, organizations, update_organization,
//   move_run_expiries(org, retention)   expires_at = last_activity_at + retention for the org's unexpired runs
//   insert_api_key, api_key_by_id, api_key_by_hash (not revoked), api_keys(org), update_api_key
//   idempotency(org, key), put_idempotency(org, key, record)
//   queued_task_count()
//   run_by_id, insert_run, update_run   updates take the whole row; a database may write only the columns that
//                                       changed since the transaction read it
//   run_summary_by_id                   the run with an empty agent state
//   runs_page(org, filter, before, count, now)   newest first, filter status as effective_run_status() at `now`
//   task_by_id, insert_task, update_task, tasks_page(run, before, count)  newest first
//   next_claimable_task()               the oldest queued task of a run with no earlier unfinished task
//                                       and nothing running (the task itself)
//   tasks_with_ended_leases(now, worker) running tasks whose lease expired at `now`, or is held by `worker`
//   append_change(id, snapshot) → its sequence, one after the task's last change; changes_after(task, sequence)
//   insert_version, versions(run), version_of_task(run, task), delete_versions(run) → their hashes,
//   hash_referenced(hash)
//   runs_due_for_expiry(now, max), runs_due_for_purge(now, max)  (purge: expired, not purged,
//                                       now >= expires_at + the organization's purge_after)
//   forget_idempotency_before(time)
//   export_by_digest(digest), put_export(entry), delete_exports_of(source hash) → their output hashes
//   hash_referenced(hash) counts both document versions and export outputs
//   insert_webhook(delivery), webhook_by_id(id), update_webhook(delivery), webhooks_of_task(task) oldest first,
//   due_webhooks(now, max)             undelivered, not given up, next_attempt_at <= now, oldest due first
//   running_task_count(), pending_webhook_count()
#pragma once

#include <folio/clock.hpp>
#include <folio/ids.hpp>
#include <folio/store.hpp>
#include <folio/webhook.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

FOLIO_BEGIN_NAMESPACE

inline constexpr duration idempotency_window = std::chrono::hours{24};

struct idempotency_record {
  task_id task;
  std::string fingerprint;
  timestamp created_at;
};

// A run with an unfinished task is in use and never expires under it; otherwise it expires at expires_at.
inline bool is_expired(const run& held, timestamp now) {
  return held.expired_at.has_value() || (held.queued_tasks + held.running_tasks == 0 && now >= held.expires_at);
}

// The status a reader sees now: expiry applies at read time, so it never waits for the sweep.
inline run_status effective_run_status(const run& held, timestamp now) {
  return is_expired(held, now) ? run_status::expired : held.status;
}

// Unwraps a backend result inside a backed_store method, returning its error from the method. `name` is a new
// variable's name, which cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define FOLIO_TRY_ROWS(name, expression)                                                                               \
  auto name##_result = (expression);                                                                                   \
  if (!name##_result) {                                                                                                \
    return name##_result.error();                                                                                      \
  }                                                                                                                    \
  auto name = std::move(name##_result).value()
// NOLINTEND(bugprone-macro-parentheses)

#define FOLIO_TRY_WRITE(expression)                                                                                    \
  if (auto written_ = (expression); !written_) {                                                                       \
    return written_.error();                                                                                           \
  }

namespace detail {
// The type of a backend's savepoint, for backends that have them.
template <class Rows>
struct savepoint_of {
  using type = std::nullptr_t;
};
template <class Rows>
requires requires(Rows& rows) {
  rows.savepoint();
}
struct savepoint_of<Rows> {
  using type = decltype(std::declval<Rows&>().savepoint());
};

// The type of a backend's reader, for backends that have them.
template <class Rows>
struct reader_of {
  using type = std::nullptr_t;
};
template <class Rows>
requires requires(Rows& rows) {
  rows.reader().rows();
}
struct reader_of<Rows> {
  using type = decltype(std::declval<Rows&>().reader());
};
} // namespace detail

template <class Backend>
class backed_store : public store {
public:
  backed_store(Backend rows, const clock& time_source, store_limits limits)
      : rows_(std::move(rows)), ids_(time_source), limits_(limits) {}

  result<void> create_organization(const organization& created) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(same_name, rows_.organization_by_name(created.name));
    if (same_name) {
      return fail(errc::invalid_argument, "an organization named '" + created.name + "' exists", "name");
    }
    FOLIO_TRY_WRITE(rows_.insert_organization(created));
    return tx.commit();
  }

  result<organization> get_organization(const org_id& id) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, rows.organization_by_id(id));
    if (!found) {
      return fail(errc::not_found, "no such organization");
    }
    return *found;
  }

  result<organization> find_organization(std::string_view name) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, rows.organization_by_name(name));
    if (!found) {
      return fail(errc::not_found, "no organization named '" + std::string(name) + "'");
    }
    return *found;
  }

  result<std::vector<organization>> list_organizations() override {
    const auto tx = reading();
    auto& rows = tx.rows();
    return rows.organizations();
  }

  result<void> set_retention(const org_id& id, const retention_settings& settings) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(found, rows_.organization_by_id(id));
    if (!found) {
      return fail(errc::not_found, "no such organization");
    }
    found->retention = settings;
    FOLIO_TRY_WRITE(rows_.update_organization(*found));
    FOLIO_TRY_WRITE(rows_.move_run_expiries(id, settings.retention));
    return tx.commit();
  }

  result<void> create_api_key(const api_key& created) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(owner, rows_.organization_by_id(created.org));
    if (!owner) {
      return fail(errc::not_found, "no such organization");
    }
    FOLIO_TRY_WRITE(rows_.insert_api_key(created));
    return tx.commit();
  }

  result<api_key> find_api_key(std::string_view secret_hash) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, rows.api_key_by_hash(secret_hash));
    if (!found) {
      return fail(errc::not_found, "no such API key");
    }
    return *found;
  }

  result<api_key_holder> find_api_key_holder(std::string_view secret_hash) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, rows.api_key_by_hash(secret_hash));
    if (!found) {
      return fail(errc::not_found, "no such API key");
    }
    FOLIO_TRY_ROWS(owner, rows.organization_by_id(found->org));
    if (!owner) {
      return fail(errc::not_found, "this API key's organization no longer exists", "org_id");
    }
    return api_key_holder{std::move(*found), std::move(*owner)};
  }

  result<std::vector<api_key>> list_api_keys(const org_id& org) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    return rows.api_keys(org);
  }

  result<void> revoke_api_key(const key_id& id, timestamp now) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(found, rows_.api_key_by_id(id));
    if (!found) {
      return fail(errc::not_found, "no such API key");
    }
    if (!found->revoked_at) {
      found->revoked_at = now;
      FOLIO_TRY_WRITE(rows_.update_api_key(*found));
    }
    return tx.commit();
  }

  result<submit_outcome> submit(const submission& request, const submission_ids& ids, timestamp now) override {
    if (auto valid = validate(request); !valid) {
      return valid.error();
    }
    auto tx = writing();
    FOLIO_TRY_ROWS(org, rows_.organization_by_id(request.org));
    if (!org) {
      return fail(errc::not_found, "no such organization");
    }
    if (request.idempotency_key) {
      FOLIO_TRY_ROWS(earlier, rows_.idempotency(request.org, *request.idempotency_key));
      if (earlier && now < earlier->created_at + idempotency_window) {
        if (earlier->fingerprint != request.fingerprint) {
          return fail(errc::idempotency_key_reused,
                      "this Idempotency-Key was used with a different request in the last 24 hours", "Idempotency-Key");
        }
        FOLIO_TRY_ROWS(first, rows_.task_by_id(earlier->task));
        FOLIO_TRY_ROWS(first_run, rows_.run_by_id(first->run));
        return submit_outcome{present(*first_run, now), *first, true};
      }
    }
    FOLIO_TRY_ROWS(queued, rows_.queued_task_count());
    if (queued >= limits_.max_queued_tasks) {
      return fail(errc::queue_full, "the task queue is full; retry later");
    }
    run target;
    if (request.resume) {
      FOLIO_TRY_ROWS(found, rows_.run_by_id(*request.resume));
      if (!found || found->org != request.org) {
        return fail(errc::not_found, "no such run", "run_id");
      }
      target = std::move(*found);
      if (is_expired(target, now)) {
        return fail(errc::run_expired, "this run has expired; start a new run", "run_id");
      }
      if (target.format != request.format) {
        return fail(errc::format_mismatch,
                    "run " + target.id.str() + " holds a " + std::string(to_string(target.format)) + " document",
                    "run_id");
      }
    } else {
      target.id = ids.run;
      target.org = request.org;
      target.format = request.format;
      target.file_name = request.file_name.empty() ? std::string(default_file_name(request.format)) : request.file_name;
      target.first_prompt = request.prompt;
      target.metadata = request.metadata;
      target.created_at = now;
      target.last_activity_at = now;
      target.expires_at = retention_policy::expires_at(now, org->retention);
    }

    task created;
    created.id = ids.task;
    created.run = target.id;
    created.org = request.org;
    created.format = request.format;
    created.prompt = request.prompt;
    created.agent = request.agent;
    created.webhook_url = request.webhook_url;
    created.turn_index = static_cast<int>(target.turns) + 1;
    created.created_at = now;
    created.updated_at = now;

    ++target.turns;
    ++target.queued_tasks;
    target.updated_at = now;
    target.status = derive_run_status(target, false);
    FOLIO_TRY_WRITE(request.resume ? rows_.update_run(target) : rows_.insert_run(target));
    FOLIO_TRY_WRITE(rows_.insert_task(created));
    FOLIO_TRY_WRITE(rows_.adjust_queued_count(+1));
    FOLIO_TRY_WRITE(record_change(created));
    if (request.idempotency_key) {
      FOLIO_TRY_WRITE(rows_.put_idempotency(request.org, *request.idempotency_key,
                                            idempotency_record{created.id, request.fingerprint, now}));
    }
    FOLIO_TRY_WRITE(tx.commit());
    return submit_outcome{target, created, false};
  }

  result<run> get_run(const org_id& org, const run_id& id, timestamp now) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, owned_run(rows, org, id));
    return present(found, now);
  }

  result<run> get_run_summary(const org_id& org, const run_id& id, timestamp now) override {
    const auto tx = reading();
    FOLIO_TRY_ROWS(found, owned_run_summary(tx.rows(), org, id));
    return present(std::move(found), now);
  }

  result<page<run>> list_runs(const org_id& org, const run_filter& filter, const page_request<run_id>& request,
                              timestamp now) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(newest_first, rows.runs_page(org, filter, request.before, request.limit + 1, now));
    for (auto& item : newest_first) {
      item = present(item, now);
    }
    return make_page(std::move(newest_first), request.limit, [](const run& item) { return item.id; });
  }

  result<task> get_task(const org_id& org, const task_id& id) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    return owned_task(rows, org, id);
  }

  result<task_with_document> get_task_with_document(const org_id& org, const task_id& id, timestamp now) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, owned_task(rows, org, id));
    FOLIO_TRY_ROWS(owner, owned_run_summary(rows, org, found.run));
    FOLIO_TRY_ROWS(written, rows.version_of_task(found.run, found.id));
    std::optional<std::string> hash;
    if (written) {
      hash = std::move(written->hash);
    }
    return task_with_document{std::move(found), present(std::move(owner), now), std::move(hash)};
  }

  result<page<task>> list_tasks(const org_id& org, const run_id& id, const page_request<task_id>& request) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, owned_run_summary(rows, org, id));
    FOLIO_TRY_ROWS(newest_first, rows.tasks_page(found.id, request.before, request.limit + 1));
    return make_page(std::move(newest_first), request.limit, [](const task& item) { return item.id; });
  }

  result<std::vector<task_change>> list_task_events(const org_id& org, const task_id& id,
                                                    std::uint64_t after_sequence) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, owned_task(rows, org, id));
    return rows.changes_after(found.id, after_sequence);
  }

  result<std::vector<document_version>> list_versions(const org_id& org, const run_id& id) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, owned_run_summary(rows, org, id));
    return rows.versions(found.id);
  }

  result<task> load_task(const task_id& id) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, rows.task_by_id(id));
    if (!found) {
      return fail(errc::not_found, "no such task", "task_id");
    }
    return *found;
  }

  result<run> load_run(const run_id& id, timestamp now) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, rows.run_by_id(id));
    if (!found) {
      return fail(errc::not_found, "no such run", "run_id");
    }
    return present(*found, now);
  }

  result<std::optional<claimed_turn>> claim_next(const std::string& worker, timestamp now, duration lease) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(claimed, claim(worker, now, lease));
    if (claimed) {
      FOLIO_TRY_WRITE(tx.commit());
    }
    return claimed;
  }

  result<heartbeat_answer> heartbeat(const task_id& id, std::uint64_t lease_token, timestamp now,
                                     duration lease) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(work, leased_task(id, lease_token));
    work.lease->expires_at = now + lease;
    FOLIO_TRY_WRITE(rows_.update_task(work));
    FOLIO_TRY_WRITE(tx.commit());
    return heartbeat_answer{now + lease, work.cancel_requested};
  }

  result<std::optional<task_change>> report_progress(const task_id& id, std::uint64_t lease_token, task_phase phase,
                                                     int progress, timestamp now) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(work, leased_task(id, lease_token));
    const auto before = std::pair{work.phase, work.progress};
    FOLIO_TRY_WRITE(advance(work, phase, progress, now));
    if (before == std::pair{work.phase, work.progress}) {
      return std::optional<task_change>{};
    }
    FOLIO_TRY_WRITE(rows_.update_task(work));
    FOLIO_TRY_ROWS(change, record_change(work));
    FOLIO_TRY_WRITE(tx.commit());
    return std::optional<task_change>{std::move(change)};
  }

  result<task_change> commit_turn(const turn_commit& landed, timestamp now) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(change, land(landed, now));
    FOLIO_TRY_WRITE(tx.commit());
    return change;
  }

  result<turn_handover> commit_turn_and_claim_next(const turn_commit& landed, const std::string& worker, timestamp now,
                                                   duration lease) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(change, land(landed, now));
    FOLIO_TRY_ROWS(claimed, claim(worker, now, lease));
    FOLIO_TRY_WRITE(tx.commit());
    return turn_handover{std::move(change), std::move(claimed)};
  }

  result<task_change> finish_turn(const task_id& id, std::uint64_t lease_token, task_event outcome,
                                  const std::optional<error>& failure, timestamp now) override {
    if (outcome != task_event::fail && outcome != task_event::stop_cancelled) {
      return fail(errc::invalid_argument, "a turn finishes without landing by failing or stopping on a cancel");
    }
    auto tx = writing();
    FOLIO_TRY_ROWS(work, leased_task(id, lease_token));
    FOLIO_TRY_WRITE(apply(work, outcome, now));
    work.credits_used = 0;
    if (outcome == task_event::fail) {
      work.failure = failure.value_or(error{errc::agent_failed, "the turn failed"});
    }
    FOLIO_TRY_ROWS(target, rows_.run_by_id(work.run));
    FOLIO_TRY_ROWS(change, finish(work, *target, now, true));
    FOLIO_TRY_WRITE(tx.commit());
    return change;
  }

  result<task_change> release_turn(const task_id& id, std::uint64_t lease_token, timestamp now) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(work, leased_task(id, lease_token));
    FOLIO_TRY_ROWS(change, release(work, now));
    FOLIO_TRY_WRITE(tx.commit());
    return change;
  }

  result<std::vector<task_change>> recover_expired_leases(timestamp now,
                                                          const std::string& restarted_worker = {}) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(ended, rows_.tasks_with_ended_leases(now, restarted_worker));
    std::vector<task_change> recovered;
    for (auto& work : ended) {
      if (work.attempts >= limits_.max_attempts) {
        FOLIO_TRY_WRITE(apply(work, task_event::fail, now));
        work.credits_used = 0;
        work.failure = error{errc::lease_lost, "the task's worker stopped " + std::to_string(work.attempts) +
                                                   " times; it will not be tried again"};
        FOLIO_TRY_ROWS(target, rows_.run_by_id(work.run));
        FOLIO_TRY_ROWS(change, finish(work, *target, now, true));
        recovered.push_back(std::move(change));
      } else {
        FOLIO_TRY_ROWS(change, release(work, now));
        recovered.push_back(std::move(change));
      }
    }
    FOLIO_TRY_WRITE(tx.commit());
    return recovered;
  }

  result<std::pair<task, std::optional<task_change>>> request_cancel(const org_id& org, const task_id& id,
                                                                     timestamp now) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(work, owned_task(rows_, org, id));
    const auto before = work.status;
    if (auto applied = apply(work, task_event::request_cancel, now); !applied) {
      return fail(applied.error().code, "task " + id.str() + " already " + std::string(to_string(work.status)),
                  "task_id");
    }
    if (before == task_status::cancelled) {
      return std::pair{work, std::optional<task_change>{}};
    }
    if (before == task_status::running) {
      FOLIO_TRY_WRITE(rows_.update_task(work));
      FOLIO_TRY_WRITE(tx.commit());
      return std::pair{work, std::optional<task_change>{}};
    }
    FOLIO_TRY_ROWS(target, rows_.run_by_id(work.run));
    --target->queued_tasks;
    FOLIO_TRY_WRITE(rows_.adjust_queued_count(-1));
    FOLIO_TRY_ROWS(change, finish(work, *target, now, false));
    FOLIO_TRY_WRITE(tx.commit());
    return std::pair{work, std::optional<task_change>{std::move(change)}};
  }

  result<run> upload_document(const org_id& org, const run_id& id, const std::string& document_hash,
                              timestamp now) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(target, owned_run(rows_, org, id));
    if (is_expired(target, now)) {
      return fail(errc::run_expired, "this run has expired", "run_id");
    }
    if (target.queued_tasks + target.running_tasks > 0) {
      return fail(errc::run_busy, "the run has an unfinished task; upload when it has ended", "run_id");
    }
    target.document_hash = document_hash;
    target.document_changed_externally = true;
    target.updated_at = now;
    ++target.versions;
    FOLIO_TRY_WRITE(rows_.insert_version(document_version{id, target.versions, document_hash, std::nullopt, now}));
    FOLIO_TRY_WRITE(rows_.update_run(target));
    FOLIO_TRY_WRITE(tx.commit());
    return present(target, now);
  }

  result<std::vector<run_id>> expire_due_runs(timestamp now, std::size_t max_runs) override {
    auto tx = writing();
    FOLIO_TRY_WRITE(rows_.forget_idempotency_before(now - idempotency_window));
    FOLIO_TRY_ROWS(due, rows_.runs_due_for_expiry(now, max_runs));
    std::vector<run_id> expired;
    for (auto& held : due) {
      held.expired_at = now;
      held.status = run_status::expired;
      FOLIO_TRY_WRITE(rows_.update_run(held));
      expired.push_back(held.id);
    }
    FOLIO_TRY_WRITE(tx.commit());
    return expired;
  }

  result<std::vector<std::string>> purge_due_runs(timestamp now, std::size_t max_runs) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(due, rows_.runs_due_for_purge(now, max_runs));
    std::vector<std::string> released;
    for (auto& held : due) {
      FOLIO_TRY_WRITE(purge(held, now, released));
    }
    FOLIO_TRY_WRITE(tx.commit());
    return released;
  }

  result<std::vector<std::string>> delete_run(const org_id& org, const run_id& id, timestamp now) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(target, owned_run(rows_, org, id));
    if (target.queued_tasks + target.running_tasks > 0) {
      return fail(errc::run_busy, "the run has an unfinished task; cancel it first", "run_id");
    }
    std::vector<std::string> released;
    if (!target.expired_at) {
      target.expired_at = now;
      target.expires_at = std::min(target.expires_at, now);
      target.status = run_status::expired;
    }
    if (!target.purged_at) {
      FOLIO_TRY_WRITE(purge(target, now, released));
    } else {
      FOLIO_TRY_WRITE(rows_.update_run(target));
    }
    FOLIO_TRY_WRITE(tx.commit());
    return released;
  }

  result<std::optional<export_entry>> find_export(const std::string& key_digest) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    return rows.export_by_digest(key_digest);
  }

  result<void> put_export(const export_entry& entry) override {
    auto tx = writing();
    FOLIO_TRY_WRITE(rows_.put_export(entry));
    return tx.commit();
  }

  result<bool> is_blob_referenced(const std::string& document_hash) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    return rows.hash_referenced(document_hash);
  }

  result<std::vector<webhook_delivery>> claim_webhook_deliveries(timestamp now, duration lease,
                                                                 std::size_t max) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(due, rows_.due_webhooks(now, max));
    for (auto& delivery : due) {
      ++delivery.attempts;
      delivery.next_attempt_at = now + lease;
      FOLIO_TRY_WRITE(rows_.update_webhook(delivery));
    }
    if (!due.empty()) {
      FOLIO_TRY_WRITE(tx.commit());
    }
    return due;
  }

  result<void> record_webhook_attempt(const event_id& id, const webhook_attempt& outcome, timestamp now) override {
    auto tx = writing();
    FOLIO_TRY_ROWS(found, rows_.webhook_by_id(id));
    if (!found) {
      return fail(errc::not_found, "no such webhook delivery");
    }
    // A late report of an attempt made twice (a sender presumed dead) changes nothing once the delivery has ended.
    if (found->delivered_at || found->abandoned_at) {
      return success();
    }
    if (outcome.delivered) {
      found->delivered_at = now;
      found->next_attempt_at.reset();
    } else if (outcome.retry_at) {
      found->next_attempt_at = outcome.retry_at;
      found->last_error = outcome.error;
    } else {
      found->abandoned_at = now;
      found->next_attempt_at.reset();
      found->last_error = outcome.error;
    }
    FOLIO_TRY_WRITE(rows_.update_webhook(*found));
    return tx.commit();
  }

  result<std::vector<webhook_delivery>> list_webhook_deliveries(const org_id& org, const task_id& id) override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(found, owned_task(rows, org, id));
    return rows.webhooks_of_task(found.id);
  }

  result<store_gauges> gauges() override {
    const auto tx = reading();
    auto& rows = tx.rows();
    FOLIO_TRY_ROWS(queued, rows.queued_task_count());
    FOLIO_TRY_ROWS(running, rows.running_task_count());
    FOLIO_TRY_ROWS(pending, rows.pending_webhook_count());
    return store_gauges{queued, running, pending};
  }

  // Counts this object's commits. A backend shared with other processes answers its own instead (the SQLite store
  // overrides this).
  result<std::uint64_t> data_version() override { return commits_.load(); }

protected:
  Backend& rows() { return rows_; }

private:
  // A backend with savepoints lets write calls that arrive while another is under way share its transaction.
  static constexpr bool shares_transactions =
      !std::is_same_v<typename detail::savepoint_of<Backend>::type, std::nullptr_t>;
  // A backend with readers serves read calls on connections of their own, outside the store's mutex.
  static constexpr bool has_readers = !std::is_same_v<typename detail::reader_of<Backend>::type, std::nullptr_t>;
  // Callers in one shared transaction at most, so none waits long for the commit.
  static constexpr std::size_t max_sharing = 16;

  using transaction_type = decltype(std::declval<Backend&>().transaction());

  // The outcome of a shared transaction, for the callers waiting on it.
  struct shared_commit {
    std::mutex mutex;
    std::condition_variable ended;
    bool done = false;
    result<void> outcome = success();
    std::size_t callers = 0;
  };

  // One write call's transaction: commit() makes its writes durable before it answers; destroyed without commit(),
  // they are undone. Where the backend shares transactions (group commit), each call runs in a savepoint of the
  // open shared transaction, and the transaction commits when its last caller leaves with nobody arriving to join:
  // one commit instead of several, and a page that several calls change is written once. Every caller answers only
  // once that commit is done, so nothing is reported that a crash could take back.
  class write_scope {
  public:
    explicit write_scope(backed_store& owner) : owner_(owner), lock_(owner.arrive()) {
      if constexpr (shares_transactions) {
        if (owner_.shared_) {
          part_.emplace(owner_.rows_.savepoint());
        } else {
          // The first caller needs no savepoint: until it leaves, the transaction holds only its writes.
          owner_.shared_ = std::make_shared<shared_commit>();
          owner_.shared_transaction_.emplace(owner_.rows_.transaction());
        }
        shared_ = owner_.shared_;
        ++shared_->callers;
      } else {
        transaction_.emplace(owner_.rows_.transaction());
      }
    }
    write_scope(const write_scope&) = delete;
    write_scope& operator=(const write_scope&) = delete;
    write_scope(write_scope&&) = delete;
    write_scope& operator=(write_scope&&) = delete;
    ~write_scope() {
      if (finished_) {
        return;
      }
      if constexpr (shares_transactions) {
        if (!part_) {
          owner_.abandon_shared_transaction();
          lock_.unlock();
          return;
        }
        part_.reset();
      }
      static_cast<void>(leave());
    }

    result<void> commit() {
      finished_ = true;
      if constexpr (shares_transactions) {
        auto released = part_ ? part_->commit() : success();
        part_.reset();
        auto committed = leave();
        return released ? committed : released;
      } else {
        auto committed = transaction_->commit();
        owner_.commits_.fetch_add(1);
        transaction_.reset();
        lock_.unlock();
        return committed;
      }
    }

  private:
    // Waits for the shared transaction to commit, or commits it when nobody is arriving to join it.
    result<void> leave() {
      if constexpr (shares_transactions) {
        if (owner_.arriving_.load() > 0 && shared_->callers < max_sharing) {
          lock_.unlock();
          std::unique_lock waiting(shared_->mutex);
          shared_->ended.wait(waiting, [this] { return shared_->done; });
          return shared_->outcome;
        }
        owner_.end_shared_transaction();
        lock_.unlock();
        return shared_->outcome;
      } else {
        transaction_.reset();
        lock_.unlock();
        return success();
      }
    }

    backed_store& owner_;
    std::unique_lock<std::mutex> lock_;
    std::shared_ptr<shared_commit> shared_;
    std::optional<typename detail::savepoint_of<Backend>::type> part_;
    std::optional<transaction_type> transaction_;
    bool finished_ = false;
  };

  // One read call. With readers of the backend's own, it reads beside the writer and other readers, seeing only
  // what is committed. Without them it takes the store's mutex and first commits a shared transaction still open,
  // so it too reads only what is durable.
  class read_scope {
  public:
    explicit read_scope(backed_store& owner) {
      if constexpr (has_readers) {
        reader_.emplace(owner.rows_.reader());
        rows_ = &reader_->rows();
      } else {
        lock_ = owner.arrive();
        if constexpr (shares_transactions) {
          if (owner.shared_) {
            owner.end_shared_transaction();
          }
        }
        transaction_.emplace(owner.rows_.read_transaction());
        rows_ = &owner.rows_;
      }
    }

    [[nodiscard]] Backend& rows() const { return *rows_; }

  private:
    std::unique_lock<std::mutex> lock_;
    std::optional<decltype(std::declval<Backend&>().read_transaction())> transaction_;
    std::optional<typename detail::reader_of<Backend>::type> reader_;
    Backend* rows_ = nullptr;
  };

  write_scope writing() { return write_scope(*this); }
  read_scope reading() { return read_scope(*this); }

  // Takes the store's mutex, counted as arriving meanwhile: a shared transaction stays open only while someone is.
  std::unique_lock<std::mutex> arrive() {
    arriving_.fetch_add(1);
    std::unique_lock lock(mutex_);
    arriving_.fetch_sub(1);
    return lock;
  }

  // Under mutex_, by its first caller, alone in it: undoes the transaction.
  void abandon_shared_transaction() {
    shared_transaction_.reset();
    {
      const std::lock_guard lock(shared_->mutex);
      shared_->done = true;
    }
    shared_.reset();
  }

  // Under mutex_.
  void end_shared_transaction() {
    auto outcome = shared_transaction_->commit();
    commits_.fetch_add(1);
    shared_transaction_.reset();
    {
      const std::lock_guard lock(shared_->mutex);
      shared_->done = true;
      shared_->outcome = std::move(outcome);
    }
    shared_->ended.notify_all();
    shared_.reset();
  }

  static run present(run held, timestamp now) {
    held.status = effective_run_status(held, now);
    return held;
  }

  static result<run> owned_run(Backend& rows, const org_id& org, const run_id& id) {
    FOLIO_TRY_ROWS(found, rows.run_by_id(id));
    if (!found || found->org != org) {
      return fail(errc::not_found, "no such run", "run_id");
    }
    return std::move(*found);
  }

  // The run without its agent state, for calls that only ask whose it is or show what a listing shows.
  static result<run> owned_run_summary(Backend& rows, const org_id& org, const run_id& id) {
    FOLIO_TRY_ROWS(found, rows.run_summary_by_id(id));
    if (!found || found->org != org) {
      return fail(errc::not_found, "no such run", "run_id");
    }
    return std::move(*found);
  }

  static result<task> owned_task(Backend& rows, const org_id& org, const task_id& id) {
    FOLIO_TRY_ROWS(found, rows.task_by_id(id));
    if (!found || found->org != org) {
      return fail(errc::not_found, "no such task", "task_id");
    }
    return std::move(*found);
  }

  result<task> leased_task(const task_id& id, std::uint64_t lease_token) {
    FOLIO_TRY_ROWS(found, rows_.task_by_id(id));
    if (!found) {
      return fail(errc::not_found, "no such task", "task_id");
    }
    if (found->status != task_status::running || !found->lease || found->lease->token != lease_token) {
      return fail(errc::lease_lost, "this worker no longer holds task " + id.str());
    }
    return std::move(*found);
  }

  // The oldest claimable task, running under a new lease; nothing when no task can run now.
  result<std::optional<claimed_turn>> claim(const std::string& worker, timestamp now, duration lease) {
    FOLIO_TRY_ROWS(work, rows_.next_claimable_task());
    if (!work) {
      return std::optional<claimed_turn>{};
    }
    FOLIO_TRY_ROWS(from, rows_.run_by_id(work->run));
    FOLIO_TRY_WRITE(apply(*work, task_event::claim, now));
    work->lease = task_lease{worker, now + lease, next_lease_token(*work)};
    FOLIO_TRY_WRITE(rows_.adjust_queued_count(-1));
    --from->queued_tasks;
    ++from->running_tasks;
    from->status = derive_run_status(*from, false);
    from->updated_at = now;
    FOLIO_TRY_WRITE(rows_.update_task(*work));
    FOLIO_TRY_WRITE(rows_.update_run(*from));
    FOLIO_TRY_ROWS(change, record_change(*work));
    return std::optional<claimed_turn>{claimed_turn{*work, *from, std::move(change)}};
  }

  // A turn's document version, agent state, credits and completion, under the lease that played it.
  result<task_change> land(const turn_commit& landed, timestamp now) {
    FOLIO_TRY_ROWS(work, leased_task(landed.task, landed.lease_token));
    FOLIO_TRY_WRITE(apply(work, task_event::complete, now));
    work.credits_used = landed.credits;
    FOLIO_TRY_ROWS(target, rows_.run_by_id(work.run));
    target->document_hash = landed.document_hash;
    target->state = landed.state;
    target->document_changed_externally = false;
    target->credits_used += landed.credits;
    ++target->versions;
    FOLIO_TRY_WRITE(
        rows_.insert_version(document_version{target->id, target->versions, landed.document_hash, work.id, now}));
    return finish(work, *target, now, true);
  }

  // Every claim of a task counts an attempt, so the attempt number is a fencing token: a worker presumed dead holds
  // an older one, and its writes are refused.
  static std::uint64_t next_lease_token(const task& work) { return work.attempts; }

  result<task_change> record_change(const task& snapshot) {
    const auto id = ids_.next<event_id>();
    FOLIO_TRY_ROWS(sequence, rows_.append_change(id, snapshot));
    return task_change{id, sequence, snapshot};
  }

  // Bookkeeping shared by every way a task ends: the run's counters, its last status and its retention clock.
  result<task_change> finish(task& work, run& target, timestamp now, bool was_running) {
    if (was_running) {
      --target.running_tasks;
    }
    if (work.turn_index >= target.last_finished_turn) {
      target.last_finished_turn = work.turn_index;
      target.last_finished_status = work.status;
    }
    target.duration_ms += work.duration_ms().value_or(0);
    target.last_activity_at = now;
    FOLIO_TRY_ROWS(org, rows_.organization_by_id(target.org));
    target.expires_at = retention_policy::expires_at(now, org ? org->retention : retention_settings{});
    target.updated_at = now;
    target.status = derive_run_status(target, false);
    FOLIO_TRY_WRITE(rows_.update_task(work));
    FOLIO_TRY_WRITE(rows_.update_run(target));
    FOLIO_TRY_ROWS(change, record_change(work));
    FOLIO_TRY_WRITE(enqueue_webhook(change, now));
    return change;
  }

  // The announcement of a task's end, in the same transaction as the end itself (the outbox).
  result<void> enqueue_webhook(const task_change& ended, timestamp now) {
    const auto type = webhook_event_type(ended.snapshot.status);
    if (ended.snapshot.webhook_url.empty() || !type) {
      return success();
    }
    webhook_delivery delivery;
    delivery.id = ended.id;
    delivery.task = ended.snapshot.id;
    delivery.org = ended.snapshot.org;
    delivery.url = ended.snapshot.webhook_url;
    delivery.event_type = std::string(*type);
    delivery.created_at = now;
    delivery.next_attempt_at = now;
    return rows_.insert_webhook(delivery);
  }

  // A task whose lease ends without an outcome runs again, unless a cancel was asked for meanwhile: then it ends
  // cancelled, as the user was promised.
  result<task_change> release(task& work, timestamp now) {
    FOLIO_TRY_ROWS(target, rows_.run_by_id(work.run));
    if (work.cancel_requested) {
      FOLIO_TRY_WRITE(apply(work, task_event::stop_cancelled, now));
      work.credits_used = 0;
      return finish(work, *target, now, true);
    }
    FOLIO_TRY_WRITE(apply(work, task_event::release, now));
    FOLIO_TRY_WRITE(rows_.adjust_queued_count(+1));
    --target->running_tasks;
    ++target->queued_tasks;
    target->status = derive_run_status(*target, false);
    target->updated_at = now;
    FOLIO_TRY_WRITE(rows_.update_task(work));
    FOLIO_TRY_WRITE(rows_.update_run(*target));
    return record_change(work);
  }

  result<void> purge(run& held, timestamp now, std::vector<std::string>& released) {
    FOLIO_TRY_ROWS(dropped, rows_.delete_versions(held.id));
    held.document_hash.clear();
    held.state = agent_state{};
    held.purged_at = now;
    FOLIO_TRY_WRITE(rows_.update_run(held));
    const auto release_if_unreferenced = [&](const std::string& hash) -> result<bool> {
      FOLIO_TRY_ROWS(referenced, rows_.hash_referenced(hash));
      if (!referenced && std::find(released.begin(), released.end(), hash) == released.end()) {
        released.push_back(hash);
        return true;
      }
      return false;
    };
    for (const auto& hash : dropped) {
      FOLIO_TRY_ROWS(unreferenced, release_if_unreferenced(hash));
      if (!unreferenced) {
        continue;
      }
      // No document version holds these bytes any more: their exports go with them.
      FOLIO_TRY_ROWS(outputs, rows_.delete_exports_of(hash));
      for (const auto& output : outputs) {
        FOLIO_TRY_WRITE(release_if_unreferenced(output));
      }
    }
    return success();
  }

  // Serialises this process's writes, and its reads for a backend without readers; transactions serialise
  // processes.
  std::mutex mutex_;
  // Callers waiting for mutex_.
  std::atomic<std::size_t> arriving_{0};
  // Moved after every commit, before the store's mutex is let go: a reader that sees the old count reads (under the
  // mutex, or on a connection that sees every commit) data at least as new as that count.
  std::atomic<std::uint64_t> commits_{0};
  // The open shared transaction and the callers' view of its outcome; both under mutex_.
  std::optional<transaction_type> shared_transaction_;
  std::shared_ptr<shared_commit> shared_;
  Backend rows_;
  id_generator ids_;
  store_limits limits_;
};

#undef FOLIO_TRY_ROWS
#undef FOLIO_TRY_WRITE

FOLIO_END_NAMESPACE
