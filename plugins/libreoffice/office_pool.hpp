// A pool of warm headless soffice processes, each reached over its own UNO pipe. Jobs borrow one office, run on the
// caller's thread and must finish by a deadline; a watchdog kills an office that overruns or dies (its whole process
// group, oosplash and soffice.bin) and a restarter replaces it, so one bad document never takes the pool down.
// An office that has served its share of jobs or grown past a memory cap is recycled: a successor is started beside
// it while it goes on serving, and takes its place once the successor answers and the office is free, so no caller
// ever waits on a restart. Callers waiting for a free office form a bounded queue; past it they are refused at once.
// An office may also keep documents parked for a later lease (see office_lease::park): they belong to its process, so
// they go with it when it dies, overruns or is recycled, and are never touched through UNO after that.
#pragma once

#include "uno_text.hpp"

#include <folio/errors.hpp>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <com/sun/star/frame/XDesktop2.hpp>
#include <com/sun/star/lang/XComponent.hpp>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace folio_libreoffice {

using steady_clock = std::chrono::steady_clock;

struct pool_options {
  std::size_t processes = 1;
  std::filesystem::path program_dir; // the office's program directory: soffice, types.rdb, services.rdb
  std::chrono::milliseconds start_timeout{60'000};
  std::size_t max_jobs = 200;                               // jobs (a lease counts as one) before an office is recycled
  std::uint64_t max_rss_bytes = std::uint64_t{1024} << 20U; // resident memory above which an office is recycled
  std::size_t queue_limit = 4;                              // callers that may wait for a free office
  std::chrono::milliseconds stop_grace{5'000};              // how long a recycled office may take to exit when asked
  // folio-office-guard (office_guard.cpp), which starts each office cut off from the network and kills it when the
  // host ends; and whether that cut is "required" (an office the system cannot isolate does not start), "auto" or
  // "off".
  std::filesystem::path guard;
  std::string network_isolation = "auto";
  // The office's own refusal of content a document links to (images, media, templates from URLs), set in each
  // office's profile; a second layer beside the network namespace, off only to test that one alone.
  bool block_external_content = true;
};

// What the pool is doing, for readiness and metrics. Counters run from the pool's start.
struct pool_stats {
  std::size_t processes = 0; // offices the pool keeps serving
  std::size_t ready = 0;     // free and answering
  std::size_t busy = 0;      // running a job or held by a lease
  std::size_t starting = 0; // being (or about to be) started: replacements of dead offices, successors of worn-out ones
  std::size_t queued = 0;   // callers waiting for a free office
  std::uint64_t jobs_done = 0;
  std::uint64_t recycled = 0;       // offices replaced by a warm successor after max_jobs or above max_rss_bytes
  std::uint64_t crashes = 0;        // offices that died or whose bridge broke
  std::uint64_t timeouts = 0;       // offices killed because a job overran its deadline
  std::uint64_t rejected = 0;       // callers refused with queue_full
  std::uint64_t rss_bytes = 0;      // the serving offices' resident memory, as measured after their last job
  std::size_t kept = 0;             // documents parked in the serving offices
  std::uint64_t kept_hits = 0;      // documents opened by taking a parked one instead of loading bytes
  std::uint64_t kept_misses = 0;    // documents loaded from bytes because no free office had them parked
  std::vector<pid_t> pids;          // the serving offices' soffice.bin processes
  std::size_t network_isolated = 0; // serving offices in a network namespace of their own
};

// What a job reports besides its result: whether the office stopped answering mid-job (a UNO DisposedException or
// bridge RuntimeException), which the pool turns into converter_crashed or conversion_timeout.
struct job_context {
  css::uno::Reference<css::frame::XDesktop2> desktop;
  bool office_lost = false;
};

class office_pool;

// One office held for several jobs in a row: an editor keeps its document open in the same office for a whole turn.
// Each job still has its own deadline; between jobs the watchdog leaves the office alone. Once the office is lost
// (a job overran or it died), the lease is empty and every later job fails converter_crashed.
class office_lease {
public:
  using job = std::function<folio::result<void>(job_context&)>;

  office_lease(office_lease&& other) noexcept;
  office_lease& operator=(office_lease&&) = delete;
  office_lease(const office_lease&) = delete;
  office_lease& operator=(const office_lease&) = delete;
  ~office_lease(); // gives the office back to the pool

  // conversion_timeout when the job overruns the deadline, converter_crashed when the office dies under it.
  folio::result<void> run(steady_clock::time_point deadline, const job& work);
  [[nodiscard]] bool lost() const noexcept { return pool_ == nullptr; }

  // Leaves `document` open in the held office under `key` when the lease ends, for take_kept() to find, and returns
  // the documents the caller must close in a job on this lease: the oldest parked ones past `capacity`, or `document`
  // itself when the office cannot keep it (lost, dead, or about to be recycled, which would only strand it).
  std::vector<css::uno::Reference<css::lang::XComponent>>
  park(std::string key, css::uno::Reference<css::lang::XComponent> document, std::size_t capacity);
  // The document the held office keeps parked under `key`, taken out of the park; empty when it keeps none.
  css::uno::Reference<css::lang::XComponent> take_kept(const std::string& key);

private:
  friend class office_pool;
  office_lease(office_pool& pool, std::size_t slot) : pool_(&pool), slot_(slot) {}

  office_pool* pool_; // null once the office is lost or given back
  std::size_t slot_;
};

class office_pool {
public:
  using job = office_lease::job;

  // Starts every office in parallel and returns once all answer over UNO; fails when none does.
  static folio::result<std::unique_ptr<office_pool>> start(pool_options options);

  office_pool(const office_pool&) = delete;
  office_pool& operator=(const office_pool&) = delete;
  ~office_pool();

  // Runs the job on a free office. conversion_timeout when no office frees up or the job overruns the deadline,
  // converter_crashed when the office dies under it; either way the office is replaced. queue_full, at once, when
  // every office is busy and queue_limit callers already wait.
  folio::result<void> run(steady_clock::time_point deadline, const job& work);

  // Holds a free office until the lease ends; conversion_timeout when none frees up by `wait_until`, queue_full as
  // for run().
  folio::result<office_lease> acquire(steady_clock::time_point wait_until);

  // A free office holding a document parked under `key`, leased, with that document taken out of the park; nothing
  // (at once, never waiting) when no free office has it.
  struct kept_lease;
  std::optional<kept_lease> take_kept(const std::string& key);
  // Counts an open that took a parked document (hit) or loaded bytes (miss), for stats().
  void count_kept(bool hit);
  // Finishes `lease` on the pool's own thread: `work` runs with it there, then the office is given back. The caller
  // goes on at once; an acquire() waiting for an office waits for this one like for any busy office.
  void finish_later(office_lease lease, std::function<void(office_lease&)> work);

  [[nodiscard]] pool_stats stats();

private:
  friend class office_lease;
  struct office;
  enum class slot_state { starting, idle, busy, dead };
  struct office_slot {
    std::unique_ptr<office> process;
    slot_state state = slot_state::starting;
    steady_clock::time_point deadline{};
    bool timed_out = false;
    bool exited = false;
    std::size_t jobs = 0;
    std::uint64_t rss_bytes = 0;
    bool worn_out = false;             // past max_jobs or max_rss_bytes: a successor is wanted until it answers
    std::unique_ptr<office> successor; // answering, waiting for the slot to be free to take its place
  };

  explicit office_pool(pool_options options);
  void watch();
  void replace_offices();
  [[nodiscard]] bool start_successor(std::unique_lock<std::mutex>& lock);
  void hand_over(office_slot& slot);
  void release(std::size_t index);
  void finish_leases();
  folio::result<std::unique_ptr<office>> launch() const;
  folio::result<std::unique_ptr<office>> launch_and_connect() const;
  folio::result<void> connect(office& process, steady_clock::time_point until) const;
  static void stop(office& process);
  void retire(office& process) const;

  pool_options options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<office_slot> slots_;
  std::vector<std::unique_ptr<office>> retired_; // replaced by their successors, to be stopped by the restarter
  std::size_t waiting_ = 0;
  std::uint64_t jobs_done_ = 0;
  std::uint64_t recycled_ = 0;
  std::uint64_t crashes_ = 0;
  std::uint64_t timeouts_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t kept_hits_ = 0;
  std::uint64_t kept_misses_ = 0;
  std::atomic<bool> stopping_ = false; // read by connect() without the mutex
  std::deque<std::pair<office_lease, std::function<void(office_lease&)>>> unfinished_; // for the finisher
  std::jthread watchdog_;
  std::jthread restarter_;
  std::jthread finisher_;
};

struct office_pool::kept_lease {
  office_lease lease;
  css::uno::Reference<css::lang::XComponent> document;
};

} // namespace folio_libreoffice
