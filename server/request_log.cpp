#include "request_log.hpp"

namespace folio_server {

request_log::request_log(std::FILE* output, std::chrono::milliseconds delay)
    : output_(output), delay_(delay), writer_([this](const std::stop_token& stop) { wait_and_write(stop); }) {}

request_log::~request_log() {
  writer_.request_stop();
  writer_.join();
  flush();
}

void request_log::append(std::string_view line) {
  bool first = false;
  {
    const std::lock_guard lock(mutex_);
    first = pending_.empty();
    pending_.append(line);
  }
  if (first) {
    pending_added_.notify_one();
  }
}

void request_log::flush() {
  const std::lock_guard writing(writing_);
  std::string batch;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  if (!batch.empty()) {
    std::fwrite(batch.data(), 1, batch.size(), output_);
    std::fflush(output_);
  }
}

void request_log::wait_and_write(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      if (!pending_added_.wait(lock, stop, [this] { return !pending_.empty(); })) {
        return;
      }
      // Lines answered meanwhile join this write.
      pending_added_.wait_for(lock, stop, delay_, [] { return false; });
    }
    flush();
  }
}

request_log& request_lines() {
  static request_log lines(stdout, std::chrono::milliseconds{20});
  return lines;
}

} // namespace folio_server
