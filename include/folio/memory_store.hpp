// In-memory store and blob store: for tests and for embedding the core without a database. One mutex makes every
// method one atomic step, which is the transaction the store interface promises.
#pragma once

#include <folio/blob_store.hpp>
#include <folio/digest.hpp>
#include <folio/ids.hpp>
#include <folio/store.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

FOLIO_BEGIN_NAMESPACE

inline constexpr duration idempotency_window = std::chrono::hours{24};

class memory_store final : public store {
public:
  explicit memory_store(const clock& time_source, store_limits limits = {}) : ids_(time_source), limits_(limits) {}

  result<void> create_organization(const organization& created) override {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, existing] : orgs_) {
      if (existing.name == created.name) {
        return fail(errc::invalid_argument, "an organization named '" + created.name + "' exists", "name");
      }
    }
    orgs_.emplace(created.id, created);
    return success();
  }

  result<organization> get_organization(const org_id& id) override {
    const std::lock_guard lock(mutex_);
    const auto found = orgs_.find(id);
    if (found == orgs_.end()) {
      return fail(errc::not_found, "no such organization");
    }
    return found->second;
  }

  result<organization> find_organization(std::string_view name) override {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, existing] : orgs_) {
      if (existing.name == name) {
        return existing;
      }
    }
    return fail(errc::not_found, "no organization named '" + std::string(name) + "'");
  }

  result<std::vector<organization>> list_organizations() override {
    const std::lock_guard lock(mutex_);
    std::vector<organization> all;
    for (const auto& [id, existing] : orgs_) {
      all.push_back(existing);
    }
    return all;
  }

  result<void> set_retention(const org_id& id, const retention_settings& settings) override {
    const std::lock_guard lock(mutex_);
    const auto found = orgs_.find(id);
    if (found == orgs_.end()) {
      return fail(errc::not_found, "no such organization");
    }
    found->second.retention = settings;
    for (auto& [run_key, held] : runs_) {
      if (held.org == id && !held.expired_at) {
        held.expires_at = retention_policy::expires_at(held.last_activity_at, settings);
      }
    }
    return success();
  }

  result<void> create_api_key(const api_key& created) override {
    const std::lock_guard lock(mutex_);
    if (!orgs_.contains(created.org)) {
      return fail(errc::not_found, "no such organization");
    }
    keys_.emplace(created.id, created);
    return success();
  }

  result<api_key> find_api_key(std::string_view secret_hash) override {
    const std::lock_guard lock(mutex_);
    for (const auto& [id, key] : keys_) {
      if (!key.revoked_at && constant_time_equal(key.secret_hash, secret_hash)) {
        return key;
      }
    }
    return fail(errc::not_found, "no such API key");
  }

  result<std::vector<api_key>> list_api_keys(const org_id& org) override {
    const std::lock_guard lock(mutex_);
    std::vector<api_key> owned;
    for (const auto& [id, key] : keys_) {
      if (key.org == org) {
        owned.push_back(key);
      }
    }
    return owned;
  }

  result<void> revoke_api_key(const key_id& id, timestamp now) override {
    const std::lock_guard lock(mutex_);
    const auto found = keys_.find(id);
    if (found == keys_.end()) {
      return fail(errc::not_found, "no such API key");
    }
    if (!found->second.revoked_at) {
      found->second.revoked_at = now;
    }
    return success();
  }

  result<submit_outcome> submit(const submission& request, const submission_ids& ids, timestamp now) override {
    if (auto valid = validate(request); !valid) {
      return valid.error();
    }
    const std::lock_guard lock(mutex_);
    const auto org = orgs_.find(request.org);
    if (org == orgs_.end()) {
      return fail(errc::not_found, "no such organization");
    }
    if (request.idempotency_key) {
      const auto earlier = idempotency_.find({request.org, *request.idempotency_key});
      if (earlier != idempotency_.end() && now < earlier->second.at + idempotency_window) {
        if (earlier->second.fingerprint != request.fingerprint) {
          return fail(errc::idempotency_key_reused,
                      "this Idempotency-Key was used with a different request in the last 24 hours", "Idempotency-Key");
        }
        const auto& first = tasks_.at(earlier->second.task);
        return submit_outcome{runs_.at(first.run), first, true};
      }
    }
    if (queued_.size() >= limits_.max_queued_tasks) {
      return fail(errc::queue_full, "the task queue is full; retry later");
    }
    run* target = nullptr;
    run created_run;
    if (request.resume) {
      const auto found = runs_.find(*request.resume);
      if (found == runs_.end() || found->second.org != request.org) {
        return fail(errc::not_found, "no such run", "run_id");
      }
      target = &found->second;
      if (is_expired(*target, now)) {
        return fail(errc::run_expired, "this run has expired; start a new run", "run_id");
      }
      if (target->format != request.format) {
        return fail(errc::format_mismatch,
                    "run " + target->id.str() + " holds a " + std::string(to_string(target->format)) + " document",
                    "run_id");
      }
    } else {
      created_run.id = ids.run;
      created_run.org = request.org;
      created_run.format = request.format;
      created_run.file_name =
          request.file_name.empty() ? std::string(default_file_name(request.format)) : request.file_name;
      created_run.first_prompt = request.prompt;
      created_run.metadata = request.metadata;
      created_run.created_at = now;
      created_run.last_activity_at = now;
      created_run.expires_at = retention_policy::expires_at(now, org->second.retention);
      target = &created_run;
    }

    task created;
    created.id = ids.task;
    created.run = target->id;
    created.org = request.org;
    created.format = request.format;
    created.prompt = request.prompt;
    created.agent = request.agent;
    created.webhook_url = request.webhook_url;
    created.turn_index = static_cast<int>(target->turns) + 1;
    created.created_at = now;
    created.updated_at = now;

    ++target->turns;
    ++target->queued_tasks;
    target->updated_at = now;
    target->status = derive_run_status(*target, false);
    if (!request.resume) {
      target = &runs_.emplace(created_run.id, created_run).first->second;
    }
    tasks_.emplace(created.id, created);
    tasks_by_run_[target->id].push_back(created.id);
    unfinished_by_run_[target->id].push_back(created.id);
    queued_.insert(created.id);
    record_change(created);
    if (request.idempotency_key) {
      idempotency_[{request.org, *request.idempotency_key}] = {created.id, request.fingerprint, now};
    }
    return submit_outcome{*target, created, false};
  }

  result<run> get_run(const org_id& org, const run_id& id, timestamp now) override {
    const std::lock_guard lock(mutex_);
    auto found = owned_run(org, id);
    if (!found) {
      return found.error();
    }
    return present(*found.value(), now);
  }

  result<page<run>> list_runs(const org_id& org, const run_filter& filter, const page_request<run_id>& request,
                              timestamp now) override {
    const std::lock_guard lock(mutex_);
    std::vector<run> newest_first;
    auto position = request.before ? runs_.lower_bound(*request.before) : runs_.end();
    while (position != runs_.begin() && newest_first.size() <= request.limit) {
      --position;
      const auto& held = position->second;
      if (held.org != org || (filter.format && held.format != *filter.format)) {
        continue;
      }
      auto shown = present(held, now);
      if (filter.status && shown.status != *filter.status) {
        continue;
      }
      newest_first.push_back(std::move(shown));
    }
    return make_page(std::move(newest_first), request.limit, [](const run& item) { return item.id; });
  }

  result<task> get_task(const org_id& org, const task_id& id) override {
    const std::lock_guard lock(mutex_);
    const auto found = tasks_.find(id);
    if (found == tasks_.end() || found->second.org != org) {
      return fail(errc::not_found, "no such task", "task_id");
    }
    return found->second;
  }

  result<page<task>> list_tasks(const org_id& org, const run_id& id, const page_request<task_id>& request) override {
    const std::lock_guard lock(mutex_);
    if (auto found = owned_run(org, id); !found) {
      return found.error();
    }
    std::vector<task> newest_first;
    const auto& history = tasks_by_run_[id];
    for (auto position = history.rbegin(); position != history.rend() && newest_first.size() <= request.limit;
         ++position) {
      if (!request.before || *position < *request.before) {
        newest_first.push_back(tasks_.at(*position));
      }
    }
    return make_page(std::move(newest_first), request.limit, [](const task& item) { return item.id; });
  }

  result<std::vector<task_change>> list_task_events(const org_id& org, const task_id& id,
                                                    std::uint64_t after_sequence) override {
    const std::lock_guard lock(mutex_);
    const auto found = tasks_.find(id);
    if (found == tasks_.end() || found->second.org != org) {
      return fail(errc::not_found, "no such task", "task_id");
    }
    std::vector<task_change> later;
    for (const auto& change : changes_[id]) {
      if (change.sequence > after_sequence) {
        later.push_back(change);
      }
    }
    return later;
  }

  result<std::vector<document_version>> list_versions(const org_id& org, const run_id& id) override {
    const std::lock_guard lock(mutex_);
    if (auto found = owned_run(org, id); !found) {
      return found.error();
    }
    return versions_[id];
  }

  result<task> load_task(const task_id& id) override {
    const std::lock_guard lock(mutex_);
    const auto found = tasks_.find(id);
    if (found == tasks_.end()) {
      return fail(errc::not_found, "no such task", "task_id");
    }
    return found->second;
  }

  result<std::optional<claimed_turn>> claim_next(const std::string& worker, timestamp now, duration lease) override {
    const std::lock_guard lock(mutex_);
    for (const auto& candidate : queued_) {
      auto& work = tasks_.at(candidate);
      auto& from = runs_.at(work.run);
      if (from.running_tasks > 0 || unfinished_by_run_[work.run].front() != candidate) {
        continue;
      }
      if (auto applied = apply(work, task_event::claim, now); !applied) {
        return applied.error();
      }
      work.lease = task_lease{worker, now + lease, next_lease_token_++};
      queued_.erase(candidate);
      --from.queued_tasks;
      ++from.running_tasks;
      from.status = derive_run_status(from, false);
      from.updated_at = now;
      auto change = record_change(work);
      return std::optional<claimed_turn>{claimed_turn{work, from, std::move(change)}};
    }
    return std::optional<claimed_turn>{};
  }

  result<heartbeat_answer> heartbeat(const task_id& id, std::uint64_t lease_token, timestamp now,
                                     duration lease) override {
    const std::lock_guard lock(mutex_);
    auto held = leased_task(id, lease_token);
    if (!held) {
      return held.error();
    }
    held.value()->lease->expires_at = now + lease;
    return heartbeat_answer{now + lease, held.value()->cancel_requested};
  }

  result<std::optional<task_change>> report_progress(const task_id& id, std::uint64_t lease_token, task_phase phase,
                                                     int progress, timestamp now) override {
    const std::lock_guard lock(mutex_);
    auto held = leased_task(id, lease_token);
    if (!held) {
      return held.error();
    }
    task& work = *held.value();
    const auto before = std::pair{work.phase, work.progress};
    if (auto advanced = advance(work, phase, progress, now); !advanced) {
      return advanced.error();
    }
    if (before == std::pair{work.phase, work.progress}) {
      return std::optional<task_change>{};
    }
    return std::optional<task_change>{record_change(work)};
  }

  result<task_change> commit_turn(const turn_commit& landed, timestamp now) override {
    const std::lock_guard lock(mutex_);
    auto held = leased_task(landed.task, landed.lease_token);
    if (!held) {
      return held.error();
    }
    task& work = *held.value();
    if (auto applied = apply(work, task_event::complete, now); !applied) {
      return applied.error();
    }
    work.credits_used = landed.credits;
    run& target = runs_.at(work.run);
    target.document_hash = landed.document_hash;
    target.state = landed.state;
    target.document_changed_externally = false;
    target.credits_used += landed.credits;
    versions_[target.id].push_back(document_version{target.id, ++target.versions, landed.document_hash, work.id, now});
    return finish_locked(work, target, now);
  }

  result<task_change> finish_turn(const task_id& id, std::uint64_t lease_token, task_event outcome,
                                  const std::optional<error>& failure, timestamp now) override {
    if (outcome != task_event::fail && outcome != task_event::stop_cancelled) {
      return fail(errc::invalid_argument, "a turn finishes without landing by failing or stopping on a cancel");
    }
    const std::lock_guard lock(mutex_);
    auto held = leased_task(id, lease_token);
    if (!held) {
      return held.error();
    }
    task& work = *held.value();
    if (auto applied = apply(work, outcome, now); !applied) {
      return applied.error();
    }
    work.credits_used = 0;
    if (outcome == task_event::fail) {
      work.failure = failure.value_or(error{errc::agent_failed, "the turn failed"});
    }
    return finish_locked(work, runs_.at(work.run), now);
  }

  result<task_change> release_turn(const task_id& id, std::uint64_t lease_token, timestamp now) override {
    const std::lock_guard lock(mutex_);
    auto held = leased_task(id, lease_token);
    if (!held) {
      return held.error();
    }
    return release_locked(*held.value(), now);
  }

  result<std::vector<task_change>> recover_expired_leases(timestamp now,
                                                          const std::string& restarted_worker = {}) override {
    const std::lock_guard lock(mutex_);
    std::vector<task_change> recovered;
    for (auto& [id, work] : tasks_) {
      if (work.status != task_status::running || !work.lease ||
          (now < work.lease->expires_at && (restarted_worker.empty() || work.lease->worker != restarted_worker))) {
        continue;
      }
      if (work.attempts >= limits_.max_attempts) {
        if (auto applied = apply(work, task_event::fail, now); !applied) {
          return applied.error();
        }
        work.credits_used = 0;
        work.failure = error{errc::lease_lost, "the task's worker stopped " + std::to_string(work.attempts) +
                                                   " times; it will not be tried again"};
        recovered.push_back(finish_locked(work, runs_.at(work.run), now));
      } else {
        recovered.push_back(release_locked(work, now));
      }
    }
    return recovered;
  }

  result<std::pair<task, std::optional<task_change>>> request_cancel(const org_id& org, const task_id& id,
                                                                     timestamp now) override {
    const std::lock_guard lock(mutex_);
    const auto found = tasks_.find(id);
    if (found == tasks_.end() || found->second.org != org) {
      return fail(errc::not_found, "no such task", "task_id");
    }
    task& work = found->second;
    const auto before = work.status;
    if (auto applied = apply(work, task_event::request_cancel, now); !applied) {
      return fail(applied.error().code, "task " + id.str() + " already " + std::string(to_string(work.status)),
                  "task_id");
    }
    if (before != task_status::queued) {
      return std::pair{work, std::optional<task_change>{}};
    }
    queued_.erase(id);
    run& target = runs_.at(work.run);
    --target.queued_tasks;
    auto change = finish_locked(work, target, now, false);
    return std::pair{work, std::optional<task_change>{change}};
  }

  result<run> upload_document(const org_id& org, const run_id& id, const std::string& document_hash,
                              timestamp now) override {
    const std::lock_guard lock(mutex_);
    auto found = owned_run(org, id);
    if (!found) {
      return found.error();
    }
    run& target = *found.value();
    if (is_expired(target, now)) {
      return fail(errc::run_expired, "this run has expired", "run_id");
    }
    if (target.queued_tasks + target.running_tasks > 0) {
      return fail(errc::run_busy, "the run has an unfinished task; upload when it has ended", "run_id");
    }
    target.document_hash = document_hash;
    target.document_changed_externally = true;
    target.updated_at = now;
    versions_[id].push_back(document_version{id, ++target.versions, document_hash, std::nullopt, now});
    return present(target, now);
  }

  result<std::vector<run_id>> expire_due_runs(timestamp now, std::size_t max_runs) override {
    const std::lock_guard lock(mutex_);
    std::vector<run_id> expired;
    for (auto& [id, held] : runs_) {
      if (expired.size() == max_runs) {
        break;
      }
      if (!held.expired_at && is_expired(held, now)) {
        held.expired_at = now;
        held.status = run_status::expired;
        expired.push_back(id);
      }
    }
    return expired;
  }

  result<std::vector<std::string>> purge_due_runs(timestamp now, std::size_t max_runs) override {
    const std::lock_guard lock(mutex_);
    std::vector<std::string> released;
    std::size_t purged = 0;
    for (auto& [id, held] : runs_) {
      if (purged == max_runs) {
        break;
      }
      const auto& settings = orgs_.at(held.org).retention;
      if (held.expired_at && !held.purged_at && now >= held.expires_at + settings.purge_after) {
        purge_locked(held, now, released);
        ++purged;
      }
    }
    return released;
  }

  result<std::vector<std::string>> delete_run(const org_id& org, const run_id& id, timestamp now) override {
    const std::lock_guard lock(mutex_);
    auto found = owned_run(org, id);
    if (!found) {
      return found.error();
    }
    run& target = *found.value();
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
      purge_locked(target, now, released);
    }
    return released;
  }

  result<bool> is_blob_referenced(const std::string& document_hash) override {
    const std::lock_guard lock(mutex_);
    return referenced_locked(document_hash);
  }

private:
  struct idempotency_record {
    task_id task;
    std::string fingerprint;
    timestamp at;
  };

  // A run with an unfinished task is in use and never expires under it (retention_policy::evaluate).
  static bool is_expired(const run& held, timestamp now) {
    return held.expired_at.has_value() || (held.queued_tasks + held.running_tasks == 0 && now >= held.expires_at);
  }

  // The run as a reader sees it now: expiry is applied at read time, so it never waits for the sweep.
  static run present(const run& held, timestamp now) {
    run shown = held;
    if (is_expired(held, now)) {
      shown.status = run_status::expired;
    }
    return shown;
  }

  result<run*> owned_run(const org_id& org, const run_id& id) {
    const auto found = runs_.find(id);
    if (found == runs_.end() || found->second.org != org) {
      return fail(errc::not_found, "no such run", "run_id");
    }
    return &found->second;
  }

  result<task*> leased_task(const task_id& id, std::uint64_t lease_token) {
    const auto found = tasks_.find(id);
    if (found == tasks_.end()) {
      return fail(errc::not_found, "no such task", "task_id");
    }
    task& work = found->second;
    if (work.status != task_status::running || !work.lease || work.lease->token != lease_token) {
      return fail(errc::lease_lost, "this worker no longer holds task " + id.str());
    }
    return &work;
  }

  task_change record_change(const task& snapshot) {
    auto& history = changes_[snapshot.id];
    history.push_back(task_change{ids_.next<event_id>(), history.size() + 1, snapshot});
    return history.back();
  }

  // Bookkeeping shared by every way a task ends: the run's counters, its last status and its retention clock.
  task_change finish_locked(task& work, run& target, timestamp now, bool was_running = true) {
    if (was_running) {
      --target.running_tasks;
    }
    auto& unfinished = unfinished_by_run_[target.id];
    std::erase(unfinished, work.id);
    if (work.turn_index >= target.last_finished_turn) {
      target.last_finished_turn = work.turn_index;
      target.last_finished_status = work.status;
    }
    if (work.started_at && work.finished_at) {
      target.duration_ms += work.duration_ms().value_or(0);
    }
    target.last_activity_at = now;
    target.expires_at = retention_policy::expires_at(now, orgs_.at(target.org).retention);
    target.updated_at = now;
    target.status = derive_run_status(target, false);
    return record_change(work);
  }

  // A task whose lease ends without an outcome runs again, unless a cancel was asked for meanwhile: then it ends
  // cancelled, as the user was promised.
  task_change release_locked(task& work, timestamp now) {
    run& target = runs_.at(work.run);
    if (work.cancel_requested) {
      static_cast<void>(apply(work, task_event::stop_cancelled, now));
      work.credits_used = 0;
      return finish_locked(work, target, now);
    }
    static_cast<void>(apply(work, task_event::release, now));
    queued_.insert(work.id);
    --target.running_tasks;
    ++target.queued_tasks;
    target.status = derive_run_status(target, false);
    target.updated_at = now;
    return record_change(work);
  }

  void purge_locked(run& held, timestamp now, std::vector<std::string>& released) {
    auto dropped = std::move(versions_[held.id]);
    versions_.erase(held.id);
    held.document_hash.clear();
    held.state = agent_state{};
    held.purged_at = now;
    for (const auto& version : dropped) {
      if (!referenced_locked(version.hash) &&
          std::find(released.begin(), released.end(), version.hash) == released.end()) {
        released.push_back(version.hash);
      }
    }
  }

  bool referenced_locked(const std::string& document_hash) const {
    for (const auto& [id, history] : versions_) {
      for (const auto& version : history) {
        if (version.hash == document_hash) {
          return true;
        }
      }
    }
    return false;
  }

  std::mutex mutex_;
  id_generator ids_;
  store_limits limits_;
  std::uint64_t next_lease_token_ = 1;
  std::map<org_id, organization> orgs_;
  std::map<key_id, api_key> keys_;
  std::map<run_id, run> runs_;
  std::map<task_id, task> tasks_;
  std::set<task_id> queued_;
  std::map<run_id, std::vector<task_id>> tasks_by_run_;
  std::map<run_id, std::deque<task_id>> unfinished_by_run_;
  std::map<task_id, std::vector<task_change>> changes_;
  std::map<run_id, std::vector<document_version>> versions_;
  std::map<std::pair<org_id, std::string>, idempotency_record> idempotency_;
};

class memory_blob_store final : public blob_store {
public:
  result<std::string> put(std::string_view bytes) override {
    auto hash = sha256_hex(bytes);
    const std::lock_guard lock(mutex_);
    blobs_.try_emplace(hash, bytes);
    return hash;
  }

  result<std::string> get(const std::string& hash) override {
    const std::lock_guard lock(mutex_);
    const auto found = blobs_.find(hash);
    if (found == blobs_.end()) {
      return fail(errc::not_found, "no blob " + hash);
    }
    return found->second;
  }

  result<bool> contains(const std::string& hash) override {
    const std::lock_guard lock(mutex_);
    return blobs_.contains(hash);
  }

  result<void> remove(const std::string& hash) override {
    const std::lock_guard lock(mutex_);
    blobs_.erase(hash);
    return success();
  }

  result<std::vector<std::string>> list() override {
    const std::lock_guard lock(mutex_);
    std::vector<std::string> hashes;
    for (const auto& [hash, bytes] : blobs_) {
      hashes.push_back(hash);
    }
    return hashes;
  }

private:
  std::mutex mutex_;
  std::map<std::string, std::string, std::less<>> blobs_;
};

FOLIO_END_NAMESPACE
