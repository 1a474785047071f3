// The task engine: takes submissions, runs turns on a worker pool under leases, and keeps every promise of the API
// about order, cancellation, crashes and retention. It owns no data: everything durable goes through the store, so a
// process killed at any point leaves nothing half done, and a restarted engine picks up where the store says.
#pragma once

#include <folio/agent.hpp>
#include <folio/blob_store.hpp>
#include <folio/clock.hpp>
#include <folio/editor.hpp>
#include <folio/errors.hpp>
#include <folio/ids.hpp>
#include <folio/store.hpp>
#include <folio/task_event_bus.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

FOLIO_BEGIN_NAMESPACE

struct engine_config {
  std::size_t workers = 2;
  // A worker that stops heartbeating for this long is presumed dead and its task runs again.
  duration lease = std::chrono::seconds{30};
  duration heartbeat_interval = std::chrono::seconds{5};
  // How often an idle worker looks for work that did not come through this engine (another process, a recovery).
  duration poll_interval = std::chrono::milliseconds{250};
  duration sweep_interval = std::chrono::minutes{1};
  std::size_t sweep_batch = 1000;
  // Unreferenced blobs younger than this are spared by collection: a turn elsewhere may be about to commit one.
  duration blob_grace = std::chrono::hours{1};
  // Names this engine's leases. Engines sharing a store need distinct names; a restarted engine keeps its name, so
  // it can take back at once the tasks it held when it died.
  std::string worker_name = "local";
  std::string default_agent;
  // The engine's own phase reports (agent_turn as the agent starts, saving as the document is saved) are stored only
  // once the phase has lasted this long: a phase too short for anyone to see costs no transaction. The agent's own
  // progress reports are stored at once.
  duration phase_report_delay = std::chrono::milliseconds{100};
};

// Finds the agent a task names (empty: the default).
using agent_source = std::function<result<std::shared_ptr<agent>>(std::string_view name)>;

struct sweep_report {
  std::size_t leases_recovered = 0;
  std::size_t runs_expired = 0;
  std::size_t blobs_removed = 0;
};

class engine {
public:
  engine(store& metadata, blob_store& blobs, const clock& time_source, agent_source agents,
         std::shared_ptr<editor_factory> editors, engine_config config = {})
      : store_(metadata), blobs_(blobs), clock_(time_source), ids_(time_source), agents_(std::move(agents)),
        editors_(std::move(editors)), config_(std::move(config)) {}

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine() { stop(duration{0}); }

  // Takes back the tasks this engine's name held before a crash, then starts the workers, heartbeats and sweeps.
  result<void> start() {
    auto recovered = store_.recover_expired_leases(clock_.now(), config_.worker_name);
    if (!recovered) {
      return recovered.error();
    }
    publish_all(recovered.value());
    const std::lock_guard lock(mutex_);
    if (state_ != lifecycle::idle) {
      return fail(errc::invalid_transition, "the engine was already started");
    }
    state_ = lifecycle::running;
    for (std::size_t index = 0; index < config_.workers; ++index) {
      threads_.emplace_back([this] { work_loop(); });
    }
    threads_.emplace_back([this] { heartbeat_loop(); });
    threads_.emplace_back([this] { sweep_loop(); });
    return success();
  }

  // Stops taking work, lets running turns finish for up to `grace`, then interrupts the rest and gives their tasks
  // back to the store, so the next start runs them from their last committed state.
  void stop(duration grace) {
    {
      std::unique_lock lock(mutex_);
      if (state_ != lifecycle::running) {
        state_ = lifecycle::stopped;
        return;
      }
      state_ = lifecycle::draining;
      wake_.notify_all();
      work_ready_.notify_all();
      turns_done_.wait_for(lock, grace, [this] { return active_.empty() && claims_in_flight_ == 0; });
      state_ = lifecycle::stopped;
      for (auto& [id, turn] : active_) {
        turn->releasing = true;
      }
      wake_.notify_all();
      work_ready_.notify_all();
    }
    for (auto& thread : threads_) {
      thread.join();
    }
    threads_.clear();
  }

  result<submit_outcome> submit(submission request) {
    if (!accepting()) {
      return fail(errc::shutting_down, "the server is shutting down; retry shortly");
    }
    if (request.agent.empty()) {
      request.agent = config_.default_agent;
    }
    const submission_ids ids{ids_.next<run_id>(), ids_.next<task_id>()};
    auto outcome = store_.submit(request, ids, clock_.now());
    if (outcome && !outcome.value().replayed) {
      const std::lock_guard lock(mutex_);
      ++submissions_;
      work_ready_.notify_one();
    }
    return outcome;
  }

  // Waits until the task ends or `timeout` passes, and answers the task as it then is (terminal or not).
  result<task> wait(const org_id& org, const task_id& id, duration timeout) {
    std::mutex ended_mutex;
    std::condition_variable ended;
    bool terminal = false;
    auto subscription = events_.subscribe(id, [&](const task_change& change) {
      if (is_terminal(change.snapshot.status)) {
        const std::lock_guard lock(ended_mutex);
        terminal = true;
        ended.notify_all();
      }
    });
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto current = store_.get_task(org, id);
      if (!current || is_terminal(current.value().status) || std::chrono::steady_clock::now() >= deadline) {
        return current;
      }
      // Also re-read on a poll interval: the task may be run by another process sharing the store.
      std::unique_lock lock(ended_mutex);
      ended.wait_until(lock, std::min(deadline, std::chrono::steady_clock::now() + config_.poll_interval),
                       [&] { return terminal; });
    }
  }

  result<task> cancel(const org_id& org, const task_id& id) {
    auto answer = store_.request_cancel(org, id, clock_.now());
    if (!answer) {
      return answer.error();
    }
    auto& [after, change] = answer.value();
    if (change) {
      events_.publish(*change);
    } else if (after.status == task_status::running) {
      const std::lock_guard lock(mutex_);
      if (const auto turn = active_.find(id); turn != active_.end()) {
        turn->second->cancel = true;
      }
    }
    return after;
  }

  // Follows one task's changes after `after_sequence`: stored ones first, then live ones, each exactly once and in
  // order. The handler may run on an engine thread; it must not block.
  result<task_event_bus::subscription> follow(const org_id& org, const task_id& id, std::uint64_t after_sequence,
                                              std::function<void(const task_change&)> handler) {
    auto delivered = std::make_shared<std::pair<std::mutex, std::uint64_t>>();
    delivered->second = after_sequence;
    auto deliver = [delivered, handler = std::move(handler)](const task_change& change) {
      const std::lock_guard lock(delivered->first);
      if (change.sequence > delivered->second) {
        delivered->second = change.sequence;
        handler(change);
      }
    };
    auto subscription = events_.subscribe(id, deliver);
    auto stored = store_.list_task_events(org, id, after_sequence);
    if (!stored) {
      return stored.error();
    }
    for (const auto& change : stored.value()) {
      deliver(change);
    }
    return subscription;
  }

  // Every change of every task, for webhooks and metrics.
  [[nodiscard]] task_event_bus::subscription follow_all(std::function<void(const task_change&)> handler) {
    return events_.subscribe(std::nullopt, std::move(handler));
  }

  // Replaces a run's document with an edited one; the agent is told at its next turn.
  result<run> upload(const org_id& org, const run_id& id, std::string_view bytes) {
    auto hash = blobs_.put(bytes);
    if (!hash) {
      return hash.error();
    }
    return store_.upload_document(org, id, hash.value(), clock_.now());
  }

  // Removes a run's bytes now; the run stays, expired.
  result<void> delete_run(const org_id& org, const run_id& id) {
    auto released = store_.delete_run(org, id, clock_.now());
    if (!released) {
      return released.error();
    }
    collect(released.value());
    return success();
  }

  // One retention pass: recover dead workers' tasks, expire due runs, purge due runs and collect their blobs.
  // Safe to run twice, and from several processes.
  result<sweep_report> sweep() {
    sweep_report report;
    const auto now = clock_.now();
    auto recovered = store_.recover_expired_leases(now);
    if (!recovered) {
      return recovered.error();
    }
    publish_all(recovered.value());
    report.leases_recovered = recovered.value().size();
    auto expired = store_.expire_due_runs(now, config_.sweep_batch);
    if (!expired) {
      return expired.error();
    }
    report.runs_expired = expired.value().size();
    auto released = store_.purge_due_runs(now, config_.sweep_batch);
    if (!released) {
      return released.error();
    }
    report.blobs_removed = collect(released.value());
    auto collected = collect_unreferenced_blobs(config_.blob_grace);
    if (!collected) {
      return collected.error();
    }
    report.blobs_removed += collected.value();
    return report;
  }

  // Removes blobs that no document version or export references and that were written more than `grace` ago:
  // the bytes of turns that crashed or lost their lease after storing them.
  result<std::size_t> collect_unreferenced_blobs(duration grace) {
    auto listed = blobs_.list();
    if (!listed) {
      return listed.error();
    }
    const auto cutoff = clock_.now() - grace;
    std::vector<std::string> candidates;
    for (const auto& blob : listed.value()) {
      if (blob.written_at <= cutoff) {
        candidates.push_back(blob.hash);
      }
    }
    return collect(candidates);
  }

  [[nodiscard]] std::size_t active_turns() const {
    const std::lock_guard lock(mutex_);
    return active_.size();
  }

private:
  enum class lifecycle { idle, running, draining, stopped };

  struct pending_report {
    task_phase phase = task_phase::agent_turn;
    int progress = 0;
    std::chrono::steady_clock::time_point since;
  };

  // What the engine knows of a turn in flight on one of its workers.
  struct active_turn {
    task_id id;
    std::uint64_t lease_token = 0;
    std::atomic<bool> cancel{false};
    std::atomic<bool> releasing{false};
    std::atomic<bool> lease_lost{false};
    // A blob written but not yet committed: never collected meanwhile.
    std::string pending_hash;
    // Orders the turn's progress writes; guards what follows.
    std::mutex reports;
    // The engine's phase report, stored once the phase has lasted phase_report_delay.
    std::optional<pending_report> pending;
    // Set when the turn's outcome is about to be written: no report may follow it.
    bool reports_closed = false;
  };

  class services final : public turn_services {
  public:
    services(engine& owner, active_turn& turn, editor& document) : owner_(owner), turn_(turn), document_(document) {}

    // The agent's 0..100 maps onto 10..90 of the task: loading comes before it and saving after it.
    void report_progress(int percent) override {
      const int overall = 10 + std::clamp(percent, 0, 100) * 80 / 100;
      owner_.report(turn_, task_phase::agent_turn, overall);
    }

    bool cancel_requested() override { return turn_.cancel || turn_.releasing || turn_.lease_lost; }

    editor& document() override { return document_; }

  private:
    engine& owner_;
    active_turn& turn_;
    editor& document_;
  };

  bool accepting() const {
    const std::lock_guard lock(mutex_);
    return state_ == lifecycle::running || state_ == lifecycle::idle;
  }

  void publish_all(const std::vector<task_change>& changes) {
    for (const auto& change : changes) {
      events_.publish(change);
    }
  }

  // The agent's progress: stored at once, in place of the engine's pending report (the same phase, further on).
  void report(active_turn& turn, task_phase phase, int progress) {
    const std::lock_guard lock(turn.reports);
    if (turn.reports_closed) {
      return;
    }
    turn.pending.reset();
    store_report(turn, phase, progress);
  }

  // The engine's own phase report: kept until the phase has lasted phase_report_delay (see store_due_reports). The
  // phase it replaces is stored first if it lasted that long.
  void defer_report(active_turn& turn, task_phase phase, int progress) {
    const std::lock_guard lock(turn.reports);
    store_if_due(turn, std::chrono::steady_clock::now());
    turn.pending = pending_report{phase, progress, std::chrono::steady_clock::now()};
  }

  // Before the turn's outcome is written: the last phase is stored if it lasted long enough, and nothing after it.
  void close_reports(active_turn& turn) {
    const std::lock_guard lock(turn.reports);
    store_if_due(turn, std::chrono::steady_clock::now());
    turn.pending.reset();
    turn.reports_closed = true;
  }

  // Stores the pending reports of turns whose phase has lasted phase_report_delay, so a long phase shows while it
  // lasts.
  void store_due_reports() {
    const auto now = std::chrono::steady_clock::now();
    for (const auto& turn : active_turns_now()) {
      const std::lock_guard lock(turn->reports);
      if (!turn->reports_closed) {
        store_if_due(*turn, now);
      }
    }
  }

  // Under turn.reports.
  void store_if_due(active_turn& turn, std::chrono::steady_clock::time_point now) {
    if (turn.pending && now - turn.pending->since >= config_.phase_report_delay) {
      const auto due = *turn.pending;
      turn.pending.reset();
      store_report(turn, due.phase, due.progress);
    }
  }

  void store_report(active_turn& turn, task_phase phase, int progress) {
    auto change = store_.report_progress(turn.id, turn.lease_token, phase, progress, clock_.now());
    if (change && change.value()) {
      events_.publish(*change.value());
    } else if (!change && change.error().code == errc::lease_lost) {
      turn.lease_lost = true;
    }
  }

  std::vector<std::shared_ptr<active_turn>> active_turns_now() {
    const std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<active_turn>> turns;
    turns.reserve(active_.size());
    for (const auto& [id, turn] : active_) {
      turns.push_back(turn);
    }
    return turns;
  }

  void work_loop() {
    while (true) {
      // Read before claiming: a submission that lands after a fruitless claim is then seen, not slept through.
      const auto submissions_before = submissions_.load();
      // Counted until the claimed turn is registered, so a shutdown's grace also waits for a claim under way.
      if (!begin_claim()) {
        return;
      }
      auto claimed = store_.claim_next(config_.worker_name, clock_.now(), config_.lease);
      if (!claimed || !claimed.value()) {
        end_claim();
        std::unique_lock lock(mutex_);
        work_ready_.wait_for(lock, config_.poll_interval,
                             [&] { return submissions_.load() != submissions_before || state_ != lifecycle::running; });
        continue;
      }
      // A turn that lands hands its worker the next task, claimed in the same transaction.
      std::optional<claimed_turn> next = std::move(*claimed.value());
      while (next) {
        next = run_claimed(std::move(*next));
      }
    }
  }

  std::optional<claimed_turn> run_claimed(claimed_turn claimed) {
    auto turn = std::make_shared<active_turn>();
    turn->id = claimed.work.id;
    turn->lease_token = claimed.work.lease->token;
    {
      const std::lock_guard lock(mutex_);
      active_.emplace(turn->id, turn);
      --claims_in_flight_;
      // Claimed just as the engine stopped: give it back at the agent's first check, like the others.
      turn->releasing = state_ == lifecycle::stopped;
    }
    events_.publish(claimed.change);
    const auto finished = play_turn(*turn, claimed);
    auto next = finish(*turn, finished);
    const std::lock_guard lock(mutex_);
    active_.erase(turn->id);
    turns_done_.notify_all();
    return next;
  }

  // Counts a claim under way unless the engine has stopped taking work.
  bool begin_claim() {
    const std::lock_guard lock(mutex_);
    if (state_ != lifecycle::running) {
      return false;
    }
    ++claims_in_flight_;
    return true;
  }

  // A claim under way that took nothing.
  void end_claim() {
    const std::lock_guard lock(mutex_);
    --claims_in_flight_;
    turns_done_.notify_all();
  }

  // The outcome of playing a turn, before it is written: landed, or ended with an event and maybe an error.
  struct turn_end {
    task_event event = task_event::fail;
    std::optional<error> failure;
    std::optional<turn_commit> landed;
  };

  turn_end play_turn(active_turn& turn, const claimed_turn& claimed) {
    const task& work = claimed.work;
    std::string bytes;
    if (!claimed.from.document_hash.empty()) {
      auto loaded = blobs_.get(claimed.from.document_hash);
      if (!loaded) {
        return {task_event::fail, error{errc::storage_error, "the run's document could not be read"}, {}};
      }
      bytes = std::move(loaded).value();
    }
    auto opened = editors_->open(work.format, bytes);
    if (!opened) {
      return {task_event::fail, opened.error(), {}};
    }
    auto chosen = agents_(work.agent.empty() ? config_.default_agent : work.agent);
    if (!chosen) {
      return {task_event::fail, chosen.error(), {}};
    }
    defer_report(turn, task_phase::agent_turn, 10);
    services host(*this, turn, *opened.value());
    const turn_input input{work.run,
                           work.id,
                           work.prompt,
                           work.format,
                           work.turn_index,
                           claimed.from.state,
                           claimed.from.document_changed_externally};
    auto played = chosen.value()->run_turn(input, host);
    // A cancel asked for during the turn wins even if the agent finished: the user was promised an unchanged run.
    if (turn.cancel) {
      return {task_event::stop_cancelled, std::nullopt, {}};
    }
    // Interrupted by shutdown or a lost lease: the task runs again from the last committed state.
    if (!played && (turn.releasing || turn.lease_lost)) {
      return {task_event::release, std::nullopt, {}};
    }
    if (!played && played.error().code == errc::cancelled) {
      return {task_event::stop_cancelled, std::nullopt, {}};
    }
    if (!played) {
      return {task_event::fail, played.error(), {}};
    }
    defer_report(turn, task_phase::saving, 95);
    auto saved = opened.value()->save();
    if (!saved) {
      return {task_event::fail, saved.error(), {}};
    }
    auto hash = pin_and_put(turn, saved.value());
    if (!hash) {
      return {task_event::fail, hash.error(), {}};
    }
    const auto credits = played.value().credits_used;
    return {task_event::complete, std::nullopt,
            turn_commit{work.id, turn.lease_token, hash.value(), std::move(played).value().state, credits}};
  }

  result<std::string> pin_and_put(active_turn& turn, std::string_view bytes) {
    {
      const std::lock_guard lock(mutex_);
      turn.pending_hash = sha256_hex(bytes);
    }
    return blobs_.put(bytes);
  }

  // Writes the turn's outcome. A landed turn also claims its worker's next task while the engine takes work.
  std::optional<claimed_turn> finish(active_turn& turn, const turn_end& end) {
    close_reports(turn);
    const auto now = clock_.now();
    result<task_change> written = fail(errc::internal);
    std::optional<claimed_turn> next;
    switch (end.event) {
    case task_event::complete: written = land(*end.landed, now, next); break;
    case task_event::release: written = store_.release_turn(turn.id, turn.lease_token, now); break;
    default: written = store_.finish_turn(turn.id, turn.lease_token, end.event, end.failure, now); break;
    }
    {
      // Committed or abandoned, the blob needs no pin any more; unpin before anyone hears the turn ended.
      const std::lock_guard lock(mutex_);
      turn.pending_hash.clear();
    }
    if (written) {
      events_.publish(written.value());
    }
    // On lease_lost another worker owns the task now; what this one wrote as a blob is collected as unreferenced.
    return next;
  }

  result<task_change> land(const turn_commit& landed, timestamp now, std::optional<claimed_turn>& next) {
    if (!begin_claim()) {
      return store_.commit_turn(landed, now);
    }
    auto handed = store_.commit_turn_and_claim_next(landed, config_.worker_name, now, config_.lease);
    if (!handed || !handed.value().next) {
      end_claim();
    }
    if (!handed) {
      return handed.error();
    }
    next = std::move(handed.value().next);
    return std::move(handed.value().landed);
  }

  // Renews the leases of this engine's turns every heartbeat_interval (and learns of cancels), and stores the phase
  // reports that have become due in between.
  void heartbeat_loop() {
    auto next_heartbeat = std::chrono::steady_clock::now() + config_.heartbeat_interval;
    while (sleep_unless_stopped(std::min(config_.heartbeat_interval, config_.phase_report_delay))) {
      store_due_reports();
      if (std::chrono::steady_clock::now() < next_heartbeat) {
        continue;
      }
      next_heartbeat = std::chrono::steady_clock::now() + config_.heartbeat_interval;
      for (const auto& turn : active_turns_now()) {
        auto answer = store_.heartbeat(turn->id, turn->lease_token, clock_.now(), config_.lease);
        if (answer && answer.value().cancel_requested) {
          turn->cancel = true;
        } else if (!answer && answer.error().code == errc::lease_lost) {
          turn->lease_lost = true;
        }
      }
    }
  }

  void sweep_loop() {
    while (sleep_unless_stopped(config_.sweep_interval)) {
      static_cast<void>(sweep());
    }
  }

  // Sleeps for `period` or until the engine stops; false once it has stopped. Draining still heartbeats.
  bool sleep_unless_stopped(duration period) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, period, [this] { return state_ == lifecycle::stopped; });
    return state_ != lifecycle::stopped;
  }

  std::size_t collect(const std::vector<std::string>& hashes) {
    std::set<std::string> pinned;
    {
      const std::lock_guard lock(mutex_);
      for (const auto& [id, turn] : active_) {
        if (!turn->pending_hash.empty()) {
          pinned.insert(turn->pending_hash);
        }
      }
    }
    std::size_t removed = 0;
    for (const auto& hash : hashes) {
      auto referenced = store_.is_blob_referenced(hash);
      if (referenced && !referenced.value() && !pinned.contains(hash) && blobs_.remove(hash)) {
        ++removed;
      }
    }
    return removed;
  }

  store& store_;
  blob_store& blobs_;
  const clock& clock_;
  id_generator ids_;
  agent_source agents_;
  std::shared_ptr<editor_factory> editors_;
  engine_config config_;
  task_event_bus events_;

  mutable std::mutex mutex_;
  // Workers wait on work_ready_ (one is woken per submission); the other loops wait on wake_ for stop.
  std::condition_variable work_ready_;
  std::atomic<std::uint64_t> submissions_{0};
  std::condition_variable wake_;
  std::condition_variable turns_done_;
  lifecycle state_ = lifecycle::idle;
  std::vector<std::thread> threads_;
  std::map<task_id, std::shared_ptr<active_turn>> active_;
  std::size_t claims_in_flight_ = 0;
};

FOLIO_END_NAMESPACE
