#include "background.hpp"

#include <exception>

namespace folio_server {

background::background(std::size_t threads) {
  for (std::size_t index = 0; index < threads; ++index) {
    threads_.emplace_back([this] { run(); });
  }
}

void background::post_at(clock_type::time_point when, std::function<void()> job) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    queue_.emplace(std::pair{when, next_order_++}, std::move(job));
  }
  changed_.notify_one();
}

void background::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& thread : threads_) {
    thread.join();
  }
  threads_.clear();
}

void background::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (queue_.empty()) {
      if (stopping_) {
        return;
      }
      changed_.wait(lock);
      continue;
    }
    const auto now = clock_type::now();
    const auto first = queue_.begin();
    if (first->first.first > now) {
      if (stopping_) {
        return;
      }
      changed_.wait_until(lock, first->first.first);
      continue;
    }
    auto job = std::move(first->second);
    queue_.erase(first);
    lock.unlock();
    try {
      job();
    } catch (const std::exception&) {
      // A job answers its own failures; one that throws must not take the thread with it.
    }
    lock.lock();
  }
}

} // namespace folio_server
