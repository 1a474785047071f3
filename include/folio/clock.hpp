// Time as the core sees it: an injectable clock, so tests move time instead of sleeping.
#pragma once

#include <folio/version.hpp>

#include <atomic>
#include <chrono>

FOLIO_BEGIN_NAMESPACE

// Millisecond precision is what ids, storage and the API carry; finer precision would not round-trip.
using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;
using duration = std::chrono::milliseconds;

class clock {
public:
  virtual ~clock() = default;
  [[nodiscard]] virtual timestamp now() const = 0;
};

class system_clock final : public clock {
public:
  [[nodiscard]] timestamp now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
};

// A clock that only moves when told to; safe to read from many threads while a test advances it.
class manual_clock final : public clock {
public:
  explicit manual_clock(timestamp start = timestamp{std::chrono::milliseconds{1'776'424'800'000}})
      : now_ms_(start.time_since_epoch().count()) {}

  [[nodiscard]] timestamp now() const override { return timestamp{std::chrono::milliseconds{now_ms_.load()}}; }
  void set(timestamp when) { now_ms_.store(when.time_since_epoch().count()); }
  void advance(duration by) { now_ms_.fetch_add(by.count()); }

private:
  std::atomic<std::int64_t> now_ms_;
};

FOLIO_END_NAMESPACE
