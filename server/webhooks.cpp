#include "webhooks.hpp"

#include "app.hpp"
#include "dto.hpp"

#include <folio/time_format.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace folio_server {

namespace {

// Claims outlive an attempt's timeout by this much, so a live sender never sees its delivery claimed twice.
constexpr std::chrono::seconds claim_margin{30};

} // namespace

webhook_dispatcher::webhook_dispatcher(server_app& app, metrics_registry& metrics, webhook_settings settings,
                                       std::ostream& log)
    : app_(app), metrics_(metrics), settings_(std::move(settings)), log_(log),
      sender_(settings_.timeout, settings_.ca_file, settings_.addresses) {}

webhook_dispatcher::~webhook_dispatcher() {
  stop();
}

void webhook_dispatcher::start() {
  ends_ = app_.on_task_change([this](const folio::task_change& change) {
    if (folio::is_terminal(change.snapshot.status) && !change.snapshot.webhook_url.empty()) {
      wake();
    }
  });
  for (std::size_t index = 0; index < std::max<std::size_t>(settings_.senders, 1); ++index) {
    threads_.emplace_back([this] { send_loop(); });
  }
}

void webhook_dispatcher::stop() {
  ends_.reset();
  stopping_ = true;
  wake();
  for (auto& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  threads_.clear();
}

void webhook_dispatcher::wake() {
  {
    const std::lock_guard lock(mutex_);
    ++wakes_;
  }
  due_.notify_all();
}

void webhook_dispatcher::send_loop() {
  while (!stopping_) {
    std::uint64_t seen = 0;
    {
      const std::lock_guard lock(mutex_);
      seen = wakes_;
    }
    const auto lease = std::chrono::duration_cast<folio::duration>(settings_.timeout + claim_margin);
    auto claimed = app_.store().claim_webhook_deliveries(app_.clock().now(), lease, 1);
    if (claimed && !claimed.value().empty()) {
      deliver(claimed.value().front());
      continue;
    }
    std::unique_lock lock(mutex_);
    due_.wait_for(lock, settings_.poll_interval, [&] { return stopping_ || wakes_ != seen; });
  }
}

void webhook_dispatcher::deliver(const folio::webhook_delivery& delivery) {
  const auto now = app_.clock().now();
  const auto record = [&](const folio::webhook_attempt& outcome, std::string_view counted) {
    metrics_.count_webhook(counted);
    static_cast<void>(app_.store().record_webhook_attempt(delivery.id, outcome, app_.clock().now()));
    // The URL's host only: a path or query may carry the receiver's own token. Never the secret or the signature.
    const auto endpoint = folio::parse_webhook_url(delivery.url);
    const nlohmann::json line = {{"time", folio::format_rfc3339(app_.clock().now())},
                                 {"webhook_id", delivery.id.str()},
                                 {"task_id", delivery.task.str()},
                                 {"event", delivery.event_type},
                                 {"host", endpoint ? endpoint.value().host : std::string()},
                                 {"attempt", delivery.attempts},
                                 {"outcome", counted},
                                 {"detail", outcome.error}};
    const std::lock_guard lock(log_mutex_);
    log_ << line.dump() << std::endl;
  };
  const auto give_up_or_retry = [&](const std::string& why) {
    const auto retry_at = settings_.retry.next_attempt(delivery.attempts, now);
    record({false, retry_at, why}, retry_at ? "retried" : "abandoned");
  };

  auto endpoint = folio::parse_webhook_url(delivery.url);
  auto subject = app_.store().get_task(delivery.org, delivery.task);
  auto owner = app_.store().get_organization(delivery.org);
  if (!endpoint || !subject || !owner) {
    const auto& failure = !endpoint ? endpoint.error() : !subject ? subject.error() : owner.error();
    if (failure.code == folio::errc::storage_error) {
      give_up_or_retry(failure.message);
    } else {
      record({false, std::nullopt, failure.message}, "abandoned");
    }
    return;
  }
  auto data = present_task(app_, subject.value());
  if (!data) {
    give_up_or_retry(data.error().message);
    return;
  }
  const auto occurred = subject.value().finished_at.value_or(delivery.created_at);
  const auto body = folio::webhook_payload(delivery.event_type, occurred, std::move(data).value()).dump();
  const auto sent_at = folio::unix_seconds(now);
  auto signature = folio::sign_webhook(owner.value().webhook_secret, delivery.id.str(), sent_at, body);
  if (!signature) {
    record({false, std::nullopt, "the organization's webhook secret is unusable: " + signature.error().message},
           "abandoned");
    return;
  }
  post_outcome answer;
  try {
    answer = sender_.post(endpoint.value(),
                          {{"webhook-id", delivery.id.str()},
                           {"webhook-timestamp", std::to_string(sent_at)},
                           {"webhook-signature", signature.value()}},
                          body);
  } catch (const std::exception& failure) {
    answer = {0, failure.what()};
  }
  if (folio::webhook_accepted(answer.status)) {
    record({true, std::nullopt, ""}, "delivered");
  } else {
    give_up_or_retry(answer.error);
  }
}

} // namespace folio_server
