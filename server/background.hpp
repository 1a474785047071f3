// The server's own threads for work that must not run on a Pistache I/O thread: answering a sync call when its task
// ends or its time is up, and anything else a route hands off. Jobs run as soon as possible or at a given time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace folio_server {

class background {
public:
  using clock_type = std::chrono::steady_clock;

  explicit background(std::size_t threads);
  background(const background&) = delete;
  background& operator=(const background&) = delete;
  ~background() { stop(); }

  void post(std::function<void()> job) { post_at(clock_type::now(), std::move(job)); }
  void post_at(clock_type::time_point when, std::function<void()> job);
  // Runs the jobs already due, drops the others, and joins the threads; later posts are dropped.
  void stop();

private:
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  // Ordered by time, then by posting order.
  std::map<std::pair<clock_type::time_point, std::uint64_t>, std::function<void()>> queue_;
  std::uint64_t next_order_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace folio_server
