// The engine end to end, from submit() to the task's completed change, with an agent and an editor that do no work:
// what is left is the engine's own cost and its store's. The in-memory store and the SQLite store (with file blobs)
// run side by side in one program, so their ratio comes from the same machine at the same moment.
#include <folio/engine.hpp>
#include <folio/file_blob_store.hpp>
#include <folio/memory_store.hpp>
#include <folio/sqlite_store.hpp>

#include <benchmark/benchmark.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// A batch is tasks_per_run rounds over runs_per_batch runs: the first round creates the runs, the others resume them,
// so the engine keeps per-run order while up to runs_per_batch runs are claimable at once.
constexpr std::size_t runs_per_batch = 200;
constexpr std::size_t tasks_per_run = 10;
constexpr std::size_t tasks_per_batch = runs_per_batch * tasks_per_run;
constexpr auto batch_timeout = 5min;

const folio::system_clock& wall_clock() {
  static const folio::system_clock clock;
  return clock;
}

class fixed_editor final : public folio::editor {
public:
  [[nodiscard]] nlohmann::json tool_catalog() const override { return nlohmann::json::array(); }
  folio::result<nlohmann::json> call_tool(std::string_view name, const nlohmann::json& /*arguments*/) override {
    return folio::fail(folio::errc::tool_unknown, "no tool " + std::string(name));
  }
  folio::result<nlohmann::json> outline() override { return nlohmann::json::object(); }
  // The same bytes every turn: the blob store writes (and fsyncs) them once, so what is measured is the engine and
  // its metadata store, not the disk's fsync latency.
  folio::result<std::string> save() override { return std::string("folio benchmark document\n"); }
};

class fixed_editor_factory final : public folio::editor_factory {
public:
  folio::result<std::unique_ptr<folio::editor>> open(folio::document_format /*format*/,
                                                     std::string_view /*bytes*/) override {
    return std::unique_ptr<folio::editor>(std::make_unique<fixed_editor>());
  }
};

class noop_agent final : public folio::agent {
public:
  folio::result<folio::turn_output> run_turn(const folio::turn_input& /*input*/,
                                             folio::turn_services& /*services*/) override {
    return folio::turn_output{};
  }
};

// A store and a blob store that outlive the engine, as a database outlives a server process.
struct backend {
  std::unique_ptr<folio::store> store;
  std::unique_ptr<folio::blob_store> blobs;
  // The temporary directory of an on-disk backend, removed with everything in it.
  std::filesystem::path directory;

  backend() = default;
  backend(const backend&) = delete;
  backend& operator=(const backend&) = delete;
  // The moved-from backend must not remove the directory the new one now owns.
  backend(backend&& other) noexcept
      : store(std::move(other.store)), blobs(std::move(other.blobs)), directory(std::exchange(other.directory, {})) {}
  backend& operator=(backend&&) = delete;
  ~backend() {
    store.reset();
    if (!directory.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(directory, ignored);
    }
  }
};

folio::result<backend> memory_backend() {
  backend made;
  made.store = std::make_unique<folio::memory_store>(wall_clock());
  made.blobs = std::make_unique<folio::memory_blob_store>(wall_clock());
  return made;
}

// A fresh database file and blob directory under /tmp for each benchmark run, so no run inherits another's rows.
folio::result<backend> sqlite_backend() {
  backend made;
  std::string pattern = (std::filesystem::temp_directory_path() / "folio-bench-engine-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return folio::fail(folio::errc::storage_error, "cannot create a temporary directory");
  }
  made.directory = pattern;
  auto opened = folio::open_sqlite_store(made.directory / "folio.db", wall_clock());
  if (!opened) {
    return opened.error();
  }
  made.store = std::move(opened).value();
  auto blobs = folio::file_blob_store::open(made.directory / "blobs");
  if (!blobs) {
    return blobs.error();
  }
  made.blobs = std::move(blobs).value();
  return made;
}

// A short poll so an idle worker is never what a task waits for; the retention sweep (default every minute) pushed
// past the end of the run so it does not land inside one measurement; every other setting is the default.
folio::engine_config bench_config() {
  folio::engine_config config;
  config.workers = 2;
  config.poll_interval = 5ms;
  config.sweep_interval = 1h;
  config.default_agent = "noop";
  return config;
}

// Watches the engine's change feed: when each task was claimed, and how many of the expected tasks have ended.
class change_tracker {
public:
  void expect(std::size_t count) {
    const std::lock_guard lock(mutex_);
    claimed_.clear();
    finished_.clear();
    expected_ = count;
    ended_ = 0;
    not_completed_ = 0;
  }

  // Runs on the engine's worker threads: keep it short.
  void record(const folio::task_change& change) {
    const auto now = steady::now();
    const std::lock_guard lock(mutex_);
    if (change.snapshot.status == folio::task_status::running) {
      // A task's first running change is its claim; the progress reports that follow leave that time alone.
      claimed_.try_emplace(change.snapshot.id, now);
    } else if (folio::is_terminal(change.snapshot.status)) {
      finished_.try_emplace(change.snapshot.id, now);
      not_completed_ += change.snapshot.status == folio::task_status::completed ? 0 : 1;
      if (++ended_ == expected_) {
        all_ended_.notify_all();
      }
    }
  }

  // False if the tasks did not all end in time, or one of them did not complete.
  bool wait_all_completed() {
    std::unique_lock lock(mutex_);
    return all_ended_.wait_for(lock, batch_timeout, [this] { return ended_ >= expected_; }) && not_completed_ == 0;
  }

  std::size_t ended() {
    const std::lock_guard lock(mutex_);
    return ended_;
  }

  steady::time_point claimed_at(const folio::task_id& id) {
    const std::lock_guard lock(mutex_);
    return claimed_.at(id);
  }

  steady::time_point finished_at(const folio::task_id& id) {
    const std::lock_guard lock(mutex_);
    return finished_.at(id);
  }

private:
  std::mutex mutex_;
  std::condition_variable all_ended_;
  std::unordered_map<folio::task_id, steady::time_point> claimed_;
  std::unordered_map<folio::task_id, steady::time_point> finished_;
  std::size_t expected_ = 0;
  std::size_t ended_ = 0;
  std::size_t not_completed_ = 0;
};

// CPU time of the whole process (every engine thread, user and kernel), in microseconds. On a shared machine it moves
// much less than wall time, so it tells whether a change made the work cheaper or only met a quieter moment.
double process_cpu_us() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto to_us = [](const timeval& spent) {
    return static_cast<double>(spent.tv_sec) * 1e6 + static_cast<double>(spent.tv_usec);
  };
  return to_us(usage.ru_utime) + to_us(usage.ru_stime);
}

double microseconds(steady::duration elapsed) {
  return std::chrono::duration<double, std::micro>(elapsed).count();
}

// Nearest-rank percentile of samples sorted ascending.
double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) {
    return 0;
  }
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void report_percentiles(benchmark::State& state, const std::string& name, std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  state.counters[name + "_p50_us"] = percentile(samples, 0.50);
  state.counters[name + "_p99_us"] = percentile(samples, 0.99);
}

// An engine over one backend with its feed followed, started; stopped and torn down in the right order.
class running_engine {
public:
  explicit running_engine(folio::store& metadata, folio::blob_store& blobs)
      : engine_(metadata, blobs, wall_clock(), agents(), std::make_shared<fixed_editor_factory>(), bench_config()),
        following_(engine_.follow_all([this](const folio::task_change& change) { tracker_.record(change); })) {}
  running_engine(const running_engine&) = delete;
  running_engine& operator=(const running_engine&) = delete;
  ~running_engine() {
    engine_.stop(5s);
    following_.reset();
  }

  folio::engine& engine() { return engine_; }
  change_tracker& tracker() { return tracker_; }

private:
  static folio::agent_source agents() {
    auto held = std::make_shared<noop_agent>();
    return [held](std::string_view /*name*/) -> folio::result<std::shared_ptr<folio::agent>> {
      return std::shared_ptr<folio::agent>(held);
    };
  }

  change_tracker tracker_;
  folio::engine engine_;
  folio::task_event_bus::subscription following_;
};

struct prepared {
  backend held;
  folio::org_id org;
};

folio::result<prepared> prepare(folio::result<backend> (*make)()) {
  auto made = make();
  if (!made) {
    return made.error();
  }
  prepared ready{std::move(made).value(), folio::id_generator(wall_clock()).next<folio::org_id>()};
  if (auto created = ready.held.store->create_organization({ready.org, "bench", {}, "whsec", wall_clock().now()});
      !created) {
    return created.error();
  }
  return ready;
}

folio::submission request(const folio::org_id& org, std::optional<folio::run_id> resume) {
  folio::submission made;
  made.org = org;
  made.prompt = "add a row";
  made.fingerprint = made.prompt;
  made.resume = std::move(resume);
  return made;
}

// Throughput: each iteration submits a batch as fast as it can and waits until every task has completed. The
// submit-to-claim latency of a batch is mostly its backlog, the time a task queues behind those before it.
void engine_batch(benchmark::State& state, folio::result<backend> (*make)()) {
  auto ready = prepare(make);
  if (!ready) {
    state.SkipWithError(ready.error().message.c_str());
    return;
  }
  running_engine running(*ready.value().held.store, *ready.value().held.blobs);
  if (auto started = running.engine().start(); !started) {
    state.SkipWithError(started.error().message.c_str());
    return;
  }
  std::vector<double> to_claim_us;
  std::size_t completed = 0;
  std::size_t ended_while_submitting = 0;
  const double cpu_before = process_cpu_us();
  for (auto _ : state) {
    running.tracker().expect(tasks_per_batch);
    std::vector<std::pair<folio::task_id, steady::time_point>> submitted;
    submitted.reserve(tasks_per_batch);
    std::vector<folio::run_id> runs;
    for (std::size_t index = 0; index < tasks_per_batch; ++index) {
      const bool first_round = index < runs_per_batch;
      auto outcome = running.engine().submit(
          request(ready.value().org, first_round ? std::nullopt : std::optional{runs[index % runs_per_batch]}));
      const auto returned = steady::now();
      if (!outcome) {
        state.SkipWithError(outcome.error().message.c_str());
        return;
      }
      if (first_round) {
        runs.push_back(outcome.value().run_after.id);
      }
      submitted.emplace_back(outcome.value().created.id, returned);
    }
    ended_while_submitting += running.tracker().ended();
    if (!running.tracker().wait_all_completed()) {
      state.SkipWithError("a batch did not complete");
      return;
    }
    completed += tasks_per_batch;
    for (const auto& [id, returned] : submitted) {
      // A worker may claim a task before submit() has returned to its caller: that wait counts as zero.
      to_claim_us.push_back(std::max(0.0, microseconds(running.tracker().claimed_at(id) - returned)));
    }
  }
  state.counters["tasks_per_s"] = benchmark::Counter(static_cast<double>(completed), benchmark::Counter::kIsRate);
  state.counters["cpu_us_per_task"] =
      (process_cpu_us() - cpu_before) / static_cast<double>(std::max<std::size_t>(completed, 1));
  // How far the workers kept up with one thread submitting: the share of each batch already done when its last
  // submit() returned. Near zero, the submitter had the store to itself and the tasks queued up behind it.
  state.counters["done_by_last_submit_pct"] =
      100.0 * static_cast<double>(ended_while_submitting) / static_cast<double>(std::max<std::size_t>(completed, 1));
  report_percentiles(state, "claim", std::move(to_claim_us));
}
BENCHMARK_CAPTURE(engine_batch, memory, memory_backend)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(engine_batch, sqlite, sqlite_backend)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// Latency on an idle engine: one task at a time, each submitted once the previous one has completed, so nothing
// queues and the figures are the engine's own pick-up and turn overhead.
void engine_single(benchmark::State& state, folio::result<backend> (*make)()) {
  auto ready = prepare(make);
  if (!ready) {
    state.SkipWithError(ready.error().message.c_str());
    return;
  }
  running_engine running(*ready.value().held.store, *ready.value().held.blobs);
  if (auto started = running.engine().start(); !started) {
    state.SkipWithError(started.error().message.c_str());
    return;
  }
  std::vector<double> to_claim_us;
  std::vector<double> to_complete_us;
  for (auto _ : state) {
    running.tracker().expect(1);
    const auto called = steady::now();
    auto outcome = running.engine().submit(request(ready.value().org, std::nullopt));
    const auto returned = steady::now();
    if (!outcome) {
      state.SkipWithError(outcome.error().message.c_str());
      return;
    }
    if (!running.tracker().wait_all_completed()) {
      state.SkipWithError("a task did not complete");
      return;
    }
    const auto& id = outcome.value().created.id;
    // Completion counts from the call, as the caller sees it: on an idle engine a worker can finish the whole task
    // before the submitting thread is scheduled again to return from submit().
    to_complete_us.push_back(microseconds(running.tracker().finished_at(id) - called));
    to_claim_us.push_back(std::max(0.0, microseconds(running.tracker().claimed_at(id) - returned)));
  }
  report_percentiles(state, "claim", std::move(to_claim_us));
  report_percentiles(state, "complete", std::move(to_complete_us));
}
BENCHMARK_CAPTURE(engine_single, memory, memory_backend)
    ->Iterations(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(engine_single, sqlite, sqlite_backend)
    ->Iterations(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

} // namespace
