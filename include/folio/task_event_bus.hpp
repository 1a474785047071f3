// In-process fan-out of task changes to whoever follows them (SSE streams, sync waiters, webhooks, metrics).
// Handlers run on the publishing thread, outside the bus's lock; once a subscription is gone its handler is never
// called again, even by a publish already under way, so handlers may capture things that die with the subscription.
#pragma once

#include <folio/ids.hpp>
#include <folio/store.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

FOLIO_BEGIN_NAMESPACE

class task_event_bus {
  struct listener {
    // Recursive so a handler may end its own subscription.
    std::recursive_mutex calling;
    bool active = true;
    std::function<void(const task_change&)> handler;
  };

public:
  // Ends the subscription when destroyed or reset.
  class subscription {
  public:
    subscription() = default;
    subscription(subscription&& other) noexcept
        : bus_(std::exchange(other.bus_, nullptr)), key_(other.key_), listener_(std::move(other.listener_)) {}
    subscription& operator=(subscription&& other) noexcept {
      if (this != &other) {
        reset();
        bus_ = std::exchange(other.bus_, nullptr);
        key_ = other.key_;
        listener_ = std::move(other.listener_);
      }
      return *this;
    }
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;
    ~subscription() { reset(); }

    void reset() {
      if (bus_ == nullptr) {
        return;
      }
      bus_->remove(key_);
      {
        const std::lock_guard wait_for_running_handler(listener_->calling);
        listener_->active = false;
      }
      bus_ = nullptr;
      listener_.reset();
    }

  private:
    friend class task_event_bus;
    subscription(task_event_bus* bus, std::uint64_t key, std::shared_ptr<listener> held)
        : bus_(bus), key_(key), listener_(std::move(held)) {}

    task_event_bus* bus_ = nullptr;
    std::uint64_t key_ = 0;
    std::shared_ptr<listener> listener_;
  };

  // Changes of one task, or of every task when `only` is empty.
  [[nodiscard]] subscription subscribe(std::optional<task_id> only, std::function<void(const task_change&)> handler) {
    auto held = std::make_shared<listener>();
    held->handler = std::move(handler);
    const std::lock_guard lock(mutex_);
    const auto key = next_key_++;
    listeners_.emplace(key, entry{std::move(only), held});
    return subscription{this, key, held};
  }

  void publish(const task_change& change) {
    std::vector<std::shared_ptr<listener>> targets;
    {
      const std::lock_guard lock(mutex_);
      for (const auto& [key, registered] : listeners_) {
        if (!registered.only || *registered.only == change.snapshot.id) {
          targets.push_back(registered.held);
        }
      }
    }
    for (const auto& target : targets) {
      const std::lock_guard calling(target->calling);
      if (target->active) {
        target->handler(change);
      }
    }
  }

private:
  struct entry {
    std::optional<task_id> only;
    std::shared_ptr<listener> held;
  };

  void remove(std::uint64_t key) {
    const std::lock_guard lock(mutex_);
    listeners_.erase(key);
  }

  std::mutex mutex_;
  std::uint64_t next_key_ = 1;
  std::map<std::uint64_t, entry> listeners_;
};

FOLIO_END_NAMESPACE
