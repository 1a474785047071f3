// Delivers the webhook outbox (store.hpp: webhook deliveries, written with each task's end) to the endpoints: each
// due delivery is claimed under a lease, its body built from the task as GET /tasks/{id} shows it, signed with the
// organization's secret (webhook.hpp), POSTed, and its outcome recorded: delivered, retried later per the retry
// policy, or given up. A delivery claimed by a server that dies is sent again once its lease ends, so every
// terminal state is announced at least once; receivers deduplicate on webhook-id.
#pragma once

#include "metrics.hpp"
#include "webhook_sender.hpp"

#include <folio/store.hpp>
#include <folio/task_event_bus.hpp>
#include <folio/webhook.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace folio_server {

class server_app;

struct webhook_settings {
  folio::webhook_retry_policy retry;
  std::chrono::milliseconds timeout{std::chrono::seconds{10}};
  // Threads sending at once, so one slow endpoint does not hold up the others.
  std::size_t senders = 2;
  // How often the outbox is looked at when no task ends meanwhile (retries come due by time).
  std::chrono::milliseconds poll_interval{std::chrono::seconds{1}};
  std::string ca_file;
  // Where deliveries may go (address_policy.hpp): checked on the addresses the endpoint's host resolves to.
  folio_net::address_policy addresses;
};

class webhook_dispatcher {
public:
  webhook_dispatcher(server_app& app, metrics_registry& metrics, webhook_settings settings, std::ostream& log);
  webhook_dispatcher(const webhook_dispatcher&) = delete;
  webhook_dispatcher& operator=(const webhook_dispatcher&) = delete;
  ~webhook_dispatcher();

  void start();
  // Attempts under way finish (each within the timeout); nothing new is claimed.
  void stop();

private:
  void send_loop();
  void deliver(const folio::webhook_delivery& delivery);
  void wake();

  server_app& app_;
  metrics_registry& metrics_;
  webhook_settings settings_;
  std::ostream& log_;
  webhook_sender sender_;
  folio::task_event_bus::subscription ends_;
  std::mutex mutex_;
  std::condition_variable due_;
  std::uint64_t wakes_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex log_mutex_;
  std::vector<std::thread> threads_;
};

} // namespace folio_server
