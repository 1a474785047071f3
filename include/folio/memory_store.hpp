// In-memory store and blob store: for tests and for embedding the core without a database. The store's rules are
// backed_store's; this file only keeps rows in maps, with the indexes the rules ask for.
#pragma once

#include <folio/backed_store.hpp>
#include <folio/blob_store.hpp>
#include <folio/digest.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

FOLIO_BEGIN_NAMESPACE

// Rows in maps. backed_store checks everything before it writes, and nothing here can fail, so a transaction never
// has anything to undo.
class memory_tables {
public:
  struct transaction_scope {
    static result<void> commit() { return success(); }
  };

  static transaction_scope transaction() { return {}; }
  static transaction_scope read_transaction() { return {}; }
  // The queued set is the count here.
  static result<void> adjust_queued_count(int /*delta*/) { return success(); }

  result<void> insert_organization(const organization& created) {
    orgs_.emplace(created.id, created);
    return success();
  }
  result<std::optional<organization>> organization_by_id(const org_id& id) { return find(orgs_, id); }
  result<std::optional<organization>> organization_by_name(std::string_view name) {
    for (const auto& [id, held] : orgs_) {
      if (held.name == name) {
        return std::optional<organization>{held};
      }
    }
    return std::optional<organization>{};
  }
  result<std::vector<organization>> organizations() { return values(orgs_); }
  result<void> update_organization(const organization& changed) {
    orgs_[changed.id] = changed;
    return success();
  }
  result<void> move_run_expiries(const org_id& org, duration retention) {
    for (auto& [id, held] : runs_) {
      if (held.org == org && !held.expired_at) {
        held.expires_at = held.last_activity_at + retention;
      }
    }
    return success();
  }

  result<void> insert_api_key(const api_key& created) {
    keys_.emplace(created.id, created);
    return success();
  }
  result<std::optional<api_key>> api_key_by_id(const key_id& id) { return find(keys_, id); }
  result<std::optional<api_key>> api_key_by_hash(std::string_view secret_hash) {
    for (const auto& [id, key] : keys_) {
      if (!key.revoked_at && constant_time_equal(key.secret_hash, secret_hash)) {
        return std::optional<api_key>{key};
      }
    }
    return std::optional<api_key>{};
  }
  result<std::vector<api_key>> api_keys(const org_id& org) {
    std::vector<api_key> owned;
    for (const auto& [id, key] : keys_) {
      if (key.org == org) {
        owned.push_back(key);
      }
    }
    return owned;
  }
  result<void> update_api_key(const api_key& changed) {
    keys_[changed.id] = changed;
    return success();
  }

  result<std::optional<idempotency_record>> idempotency(const org_id& org, const std::string& key) {
    return find(idempotency_, std::pair{org, key});
  }
  result<void> put_idempotency(const org_id& org, const std::string& key, const idempotency_record& record) {
    idempotency_.insert_or_assign(std::pair{org, key}, record);
    return success();
  }

  result<std::size_t> queued_task_count() { return queued_.size(); }

  result<std::optional<run>> run_by_id(const run_id& id) { return find(runs_, id); }
  result<std::optional<run>> run_summary_by_id(const run_id& id) {
    auto found = find(runs_, id);
    if (found) {
      found->state = agent_state{};
    }
    return found;
  }
  result<void> insert_run(const run& created) {
    runs_.emplace(created.id, created);
    return success();
  }
  result<void> update_run(const run& changed) {
    runs_[changed.id] = changed;
    return success();
  }
  result<std::vector<run>> runs_page(const org_id& org, const run_filter& filter, const std::optional<run_id>& before,
                                     std::size_t count, timestamp now) {
    std::vector<run> newest_first;
    auto position = before ? runs_.lower_bound(*before) : runs_.end();
    while (position != runs_.begin() && newest_first.size() < count) {
      --position;
      const auto& held = position->second;
      if (held.org == org && (!filter.format || held.format == *filter.format) &&
          (!filter.status || effective_run_status(held, now) == *filter.status)) {
        newest_first.push_back(held);
      }
    }
    return newest_first;
  }

  result<std::optional<task>> task_by_id(const task_id& id) { return find(tasks_, id); }
  result<void> insert_task(const task& created) {
    tasks_.emplace(created.id, created);
    by_run_[created.run].insert(created.id);
    index(created);
    return success();
  }
  result<void> update_task(const task& changed) {
    tasks_[changed.id] = changed;
    index(changed);
    return success();
  }
  result<std::vector<task>> tasks_page(const run_id& id, const std::optional<task_id>& before, std::size_t count) {
    std::vector<task> newest_first;
    const auto& history = by_run_[id];
    auto position = before ? history.lower_bound(*before) : history.end();
    while (position != history.begin() && newest_first.size() < count) {
      --position;
      newest_first.push_back(tasks_.at(*position));
    }
    return newest_first;
  }

  result<std::optional<task>> next_claimable_task() {
    for (const auto& candidate : queued_) {
      const auto& work = tasks_.at(candidate);
      if (runs_.at(work.run).running_tasks == 0 && *unfinished_[work.run].begin() == candidate) {
        return std::optional<task>{work};
      }
    }
    return std::optional<task>{};
  }

  result<std::vector<task>> tasks_with_ended_leases(timestamp now, const std::string& worker) {
    std::vector<task> ended;
    for (const auto& id : running_) {
      const auto& work = tasks_.at(id);
      if (work.lease && (now >= work.lease->expires_at || (!worker.empty() && work.lease->worker == worker))) {
        ended.push_back(work);
      }
    }
    return ended;
  }

  result<std::uint64_t> append_change(const event_id& id, const task& snapshot) {
    auto& history = changes_[snapshot.id];
    const auto sequence = history.empty() ? std::uint64_t{1} : history.back().sequence + 1;
    history.push_back(task_change{id, sequence, snapshot});
    return sequence;
  }
  result<std::vector<task_change>> changes_after(const task_id& id, std::uint64_t sequence) {
    std::vector<task_change> later;
    for (const auto& change : changes_[id]) {
      if (change.sequence > sequence) {
        later.push_back(change);
      }
    }
    return later;
  }

  result<void> insert_version(const document_version& created) {
    versions_[created.run].push_back(created);
    ++references_[created.hash];
    return success();
  }
  result<std::vector<document_version>> versions(const run_id& id) { return versions_[id]; }
  result<std::optional<document_version>> version_of_task(const run_id& id, const task_id& writer) {
    const auto& held = versions_[id];
    const auto found = std::find_if(held.begin(), held.end(),
                                    [&](const document_version& version) { return version.written_by == writer; });
    return found == held.end() ? std::nullopt : std::optional<document_version>{*found};
  }
  result<std::vector<std::string>> delete_versions(const run_id& id) {
    std::vector<std::string> hashes;
    for (const auto& version : versions_[id]) {
      if (--references_[version.hash] == 0) {
        references_.erase(version.hash);
      }
      hashes.push_back(version.hash);
    }
    versions_.erase(id);
    return hashes;
  }
  result<bool> hash_referenced(const std::string& hash) {
    if (references_.contains(hash)) {
      return true;
    }
    return std::any_of(exports_.begin(), exports_.end(),
                       [&](const auto& held) { return held.second.output_hash == hash; });
  }

  result<void> forget_idempotency_before(timestamp cutoff) {
    std::erase_if(idempotency_, [&](const auto& held) { return held.second.created_at < cutoff; });
    return success();
  }

  result<std::optional<export_entry>> export_by_digest(const std::string& digest) { return find(exports_, digest); }
  result<void> put_export(const export_entry& entry) {
    exports_.insert_or_assign(entry.key.digest(), entry);
    return success();
  }
  result<std::vector<std::string>> delete_exports_of(const std::string& source_hash) {
    std::vector<std::string> outputs;
    std::erase_if(exports_, [&](const auto& held) {
      if (held.second.key.source_hash != source_hash) {
        return false;
      }
      outputs.push_back(held.second.output_hash);
      return true;
    });
    return outputs;
  }

  result<std::vector<run>> runs_due_for_expiry(timestamp now, std::size_t max_runs) {
    std::vector<run> due;
    for (const auto& [id, held] : runs_) {
      if (due.size() < max_runs && !held.expired_at && is_expired(held, now)) {
        due.push_back(held);
      }
    }
    return due;
  }
  result<std::vector<run>> runs_due_for_purge(timestamp now, std::size_t max_runs) {
    std::vector<run> due;
    for (const auto& [id, held] : runs_) {
      if (due.size() < max_runs && held.expired_at && !held.purged_at &&
          now >= held.expires_at + orgs_.at(held.org).retention.purge_after) {
        due.push_back(held);
      }
    }
    return due;
  }

  result<void> insert_webhook(const webhook_delivery& created) {
    webhooks_.emplace(created.id, created);
    return success();
  }
  result<std::optional<webhook_delivery>> webhook_by_id(const event_id& id) { return find(webhooks_, id); }
  result<void> update_webhook(const webhook_delivery& changed) {
    webhooks_[changed.id] = changed;
    return success();
  }
  result<std::vector<webhook_delivery>> webhooks_of_task(const task_id& id) {
    std::vector<webhook_delivery> found;
    for (const auto& [key, held] : webhooks_) {
      if (held.task == id) {
        found.push_back(held);
      }
    }
    return found;
  }
  result<std::vector<webhook_delivery>> due_webhooks(timestamp now, std::size_t max) {
    std::vector<webhook_delivery> due;
    for (const auto& [key, held] : webhooks_) {
      if (held.next_attempt_at && *held.next_attempt_at <= now) {
        due.push_back(held);
      }
    }
    std::stable_sort(due.begin(), due.end(),
                     [](const auto& lhs, const auto& rhs) { return *lhs.next_attempt_at < *rhs.next_attempt_at; });
    due.resize(std::min(due.size(), max));
    return due;
  }
  result<std::size_t> running_task_count() { return running_.size(); }
  result<std::size_t> pending_webhook_count() {
    return static_cast<std::size_t>(std::count_if(
        webhooks_.begin(), webhooks_.end(), [](const auto& held) { return held.second.next_attempt_at.has_value(); }));
  }

private:
  template <class Map, class Key>
  static std::optional<typename Map::mapped_type> find(const Map& rows, const Key& key) {
    const auto found = rows.find(key);
    return found == rows.end() ? std::nullopt : std::optional<typename Map::mapped_type>{found->second};
  }

  template <class Map>
  static std::vector<typename Map::mapped_type> values(const Map& rows) {
    std::vector<typename Map::mapped_type> all;
    all.reserve(rows.size());
    for (const auto& [key, value] : rows) {
      all.push_back(value);
    }
    return all;
  }

  // Keeps the claim's indexes in step with a task's status.
  void index(const task& work) {
    const auto place = [&](std::set<task_id>& set, bool member) {
      if (member) {
        set.insert(work.id);
      } else {
        set.erase(work.id);
      }
    };
    place(queued_, work.status == task_status::queued);
    place(running_, work.status == task_status::running);
    place(unfinished_[work.run], !is_terminal(work.status));
  }

  std::map<org_id, organization> orgs_;
  std::map<key_id, api_key> keys_;
  std::map<std::pair<org_id, std::string>, idempotency_record> idempotency_;
  std::map<run_id, run> runs_;
  std::map<task_id, task> tasks_;
  std::map<run_id, std::set<task_id>> by_run_;
  std::map<run_id, std::set<task_id>> unfinished_;
  std::set<task_id> queued_;
  std::set<task_id> running_;
  std::map<task_id, std::vector<task_change>> changes_;
  std::map<run_id, std::vector<document_version>> versions_;
  std::map<std::string, std::size_t> references_;
  std::map<std::string, export_entry> exports_;
  std::map<event_id, webhook_delivery> webhooks_;
};

class memory_store final : public backed_store<memory_tables> {
public:
  explicit memory_store(const clock& time_source, store_limits limits = {})
      : backed_store(memory_tables{}, time_source, limits) {}
};

class memory_blob_store final : public blob_store {
public:
  explicit memory_blob_store(const clock& time_source = default_clock()) : clock_(time_source) {}

  result<std::string> put(std::string_view bytes) override {
    auto hash = sha256_hex(bytes);
    const std::lock_guard lock(mutex_);
    blobs_.try_emplace(hash, stored{std::string(bytes), clock_.now()});
    return hash;
  }

  result<std::string> get(const std::string& hash) override {
    const std::lock_guard lock(mutex_);
    const auto found = blobs_.find(hash);
    if (found == blobs_.end()) {
      return fail(errc::not_found, "no blob " + hash);
    }
    return found->second.bytes;
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

  result<std::vector<blob_info>> list() override {
    const std::lock_guard lock(mutex_);
    std::vector<blob_info> all;
    for (const auto& [hash, held] : blobs_) {
      all.push_back({hash, held.written_at});
    }
    return all;
  }

private:
  struct stored {
    std::string bytes;
    timestamp written_at;
  };

  static const clock& default_clock() {
    static const system_clock wall;
    return wall;
  }

  const clock& clock_;
  std::mutex mutex_;
  std::map<std::string, stored, std::less<>> blobs_;
};

FOLIO_END_NAMESPACE
