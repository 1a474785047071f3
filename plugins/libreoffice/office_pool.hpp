// A pool of warm headless soffice processes, each reached over its own UNO pipe. Jobs borrow one office, run on the
// caller's thread and must finish by a deadline; a watchdog kills an office that overruns or dies (its whole process
// group, oosplash and soffice.bin) and a restarter replaces it, so one bad document never takes the pool down.
#pragma once

#include "uno_text.hpp"

#include <folio/errors.hpp>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <com/sun/star/frame/XDesktop2.hpp>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace folio_libreoffice {

using steady_clock = std::chrono::steady_clock;

struct pool_options {
  std::size_t processes = 1;
  std::filesystem::path program_dir; // the office's program directory: soffice, types.rdb, services.rdb
  std::chrono::milliseconds start_timeout{60'000};
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
  // converter_crashed when the office dies under it; either way the office is replaced.
  folio::result<void> run(steady_clock::time_point deadline, const job& work);

  // Holds a free office until the lease ends; conversion_timeout when none frees up by `wait_until`.
  folio::result<office_lease> acquire(steady_clock::time_point wait_until);

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
  };

  explicit office_pool(pool_options options);
  void watch();
  void restart_dead();
  folio::result<std::unique_ptr<office>> launch() const;
  folio::result<void> connect(office& process, steady_clock::time_point until) const;
  static void stop(office& process);

  pool_options options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<office_slot> slots_;
  std::atomic<bool> stopping_ = false; // read by connect() without the mutex
  std::jthread watchdog_;
  std::jthread restarter_;
};

} // namespace folio_libreoffice
