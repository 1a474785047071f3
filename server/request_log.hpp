// The request log: one JSON line per answered request, on standard output. Lines are gathered in memory and written
// together by a thread of their own, at most `delay` after the first of them: one write for many requests instead of
// one per request, which was the largest cost of a small answer after Pistache's own. A line is thus on the output
// within `delay` of its answer; a process killed with SIGKILL loses at most the last `delay` of lines, and a normal
// exit (the SIGTERM drain) writes every one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace folio_server {

class request_log {
public:
  request_log(std::FILE* output, std::chrono::milliseconds delay);
  request_log(const request_log&) = delete;
  request_log& operator=(const request_log&) = delete;
  // Writes what is pending.
  ~request_log();

  // A whole line, newline included; lines of concurrent callers never mix.
  void append(std::string_view line);
  // Writes what is pending now: before a line the process writes to the same output itself.
  void flush();

private:
  void wait_and_write(const std::stop_token& stop);

  std::FILE* output_;
  std::chrono::milliseconds delay_;
  // Held while a batch is taken and written, so batches reach the output in order.
  std::mutex writing_;
  std::mutex mutex_;
  std::condition_variable_any pending_added_;
  std::string pending_;
  std::jthread writer_;
};

// The process's request log on standard output (20 ms).
request_log& request_lines();

} // namespace folio_server
