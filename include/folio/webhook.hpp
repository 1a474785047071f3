// Webhooks as Standard Webhooks (standardwebhooks.com) define them: which task changes are sent, the payload's
// shape, the organization's secret ("whsec_" + base64), the signature ("v1," + base64 HMAC-SHA256 over
// "id.timestamp.body"), which endpoint URLs are accepted and when a failed delivery is tried again.
#pragma once

#include <folio/clock.hpp>
#include <folio/digest.hpp>
#include <folio/errors.hpp>
#include <folio/task.hpp>
#include <folio/time_format.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

inline constexpr std::string_view webhook_secret_prefix = "whsec_";
inline constexpr std::size_t webhook_secret_bytes = 24;
// A receiver refuses a timestamp further than this from its clock (replay protection); retries are signed afresh.
inline constexpr duration webhook_timestamp_tolerance = std::chrono::minutes{5};
inline constexpr std::size_t max_webhook_url_length = 2048;

namespace detail {
inline std::string base64_encode(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(written));
  return text;
}

// Standard base64 with padding; nothing when the text is not that.
inline std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string bytes(3 * text.size() / 4, '\0');
  const int written =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (written < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts the padding as zero bytes.
  const auto padding = static_cast<std::size_t>(text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0);
  bytes.resize(static_cast<std::size_t>(written) - padding);
  return bytes;
}

inline std::string hmac_sha256_raw(std::string_view key, std::string_view data) {
  static constexpr char nothing = '\0';
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.empty() ? &nothing : key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.empty() ? &nothing : data.data()), data.size(), digest.data(),
       &size);
  return {reinterpret_cast<const char*>(digest.data()), size};
}
} // namespace detail

// The event type a task status is announced as; only terminal states are announced.
constexpr std::optional<std::string_view> webhook_event_type(task_status status) noexcept {
  switch (status) {
  case task_status::completed: return "task.completed";
  case task_status::failed: return "task.failed";
  case task_status::cancelled: return "task.cancelled";
  case task_status::queued:
  case task_status::running: return std::nullopt;
  }
  return std::nullopt;
}

// A new organization's secret, as it is stored and shown: "whsec_" + base64 of 24 random bytes.
inline result<std::string> generate_webhook_secret() {
  std::array<unsigned char, webhook_secret_bytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return fail(errc::internal, "no random bytes for a webhook secret");
  }
  return std::string(webhook_secret_prefix) +
         detail::base64_encode({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

// The HMAC key a secret stands for: the bytes after "whsec_", base64-decoded.
inline result<std::string> webhook_signing_key(std::string_view secret) {
  if (!secret.starts_with(webhook_secret_prefix)) {
    return fail(errc::invalid_argument, "a webhook secret starts with whsec_");
  }
  auto key = detail::base64_decode(secret.substr(webhook_secret_prefix.size()));
  if (!key || key->empty()) {
    return fail(errc::invalid_argument, "a webhook secret is whsec_ followed by base64");
  }
  return std::move(*key);
}

inline std::int64_t unix_seconds(timestamp when) {
  return std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
}

// The webhook-signature header's value for one message: "v1," + base64(HMAC-SHA256(key, "id.timestamp.body")).
inline result<std::string> sign_webhook(std::string_view secret, std::string_view message_id, std::int64_t sent_at,
                                        std::string_view body) {
  auto key = webhook_signing_key(secret);
  if (!key) {
    return key.error();
  }
  std::string signed_content;
  signed_content.reserve(message_id.size() + body.size() + 24);
  signed_content.append(message_id).append(".").append(std::to_string(sent_at)).append(".").append(body);
  return "v1," + detail::base64_encode(detail::hmac_sha256_raw(key.value(), signed_content));
}

// What a receiver does: the header may list several space-separated signatures (secret rotation); one matching v1
// signature within the timestamp tolerance accepts the message.
inline result<void> verify_webhook(std::string_view secret, std::string_view message_id,
                                   std::string_view timestamp_text, std::string_view signature_header,
                                   std::string_view body, timestamp now) {
  std::int64_t sent = 0;
  try {
    std::size_t used = 0;
    sent = std::stoll(std::string(timestamp_text), &used);
    if (used != timestamp_text.size()) {
      return fail(errc::invalid_argument, "webhook-timestamp is not a number", "webhook-timestamp");
    }
  } catch (const std::exception&) {
    return fail(errc::invalid_argument, "webhook-timestamp is not a number", "webhook-timestamp");
  }
  const auto tolerance = std::chrono::duration_cast<std::chrono::seconds>(webhook_timestamp_tolerance).count();
  if (sent < unix_seconds(now) - tolerance || sent > unix_seconds(now) + tolerance) {
    return fail(errc::link_expired, "webhook-timestamp is too far from now", "webhook-timestamp");
  }
  auto expected = sign_webhook(secret, message_id, sent, body);
  if (!expected) {
    return expected.error();
  }
  while (!signature_header.empty()) {
    const auto end = signature_header.find(' ');
    const auto candidate = signature_header.substr(0, end);
    if (constant_time_equal(candidate, expected.value())) {
      return success();
    }
    signature_header.remove_prefix(end == std::string_view::npos ? signature_header.size() : end + 1);
  }
  return fail(errc::link_tampered, "no webhook signature matches", "webhook-signature");
}

// The body of a delivery: {"type", "timestamp", "data"}, with the task as GET /tasks/{id} shows it in data.
inline nlohmann::json webhook_payload(std::string_view event_type, timestamp occurred_at, nlohmann::json data) {
  return {{"type", event_type}, {"timestamp", format_rfc3339(occurred_at)}, {"data", std::move(data)}};
}

// An endpoint URL, split for a client: http or https, a host, an optional port, a target.
struct webhook_endpoint {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string target;
};

inline result<webhook_endpoint> parse_webhook_url(std::string_view url) {
  const auto refuse = [&] {
    return fail(errc::invalid_argument, "webhook_url must be an absolute http:// or https:// URL", "webhook_url");
  };
  if (url.size() > max_webhook_url_length) {
    return fail(errc::invalid_argument, "webhook_url may be at most 2048 characters", "webhook_url");
  }
  for (const char byte : url) {
    if (static_cast<unsigned char>(byte) <= 0x20U || static_cast<unsigned char>(byte) == 0x7FU) {
      return refuse();
    }
  }
  webhook_endpoint endpoint;
  if (url.starts_with("https://")) {
    endpoint.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return refuse();
  }
  const auto authority_end = url.find_first_of("/?#");
  auto authority = url.substr(0, authority_end);
  const auto rest = authority_end == std::string_view::npos ? std::string_view{} : url.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return fail(errc::invalid_argument, "webhook_url may not carry credentials", "webhook_url");
  }
  std::uint16_t port = endpoint.tls ? 443 : 80;
  std::string_view host = authority;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return refuse();
    }
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && !authority.starts_with(':')) {
      return refuse();
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    authority.remove_prefix(colon == std::string_view::npos ? authority.size() : colon);
  }
  if (authority.starts_with(':')) {
    const auto digits = authority.substr(1);
    const bool numeric =
        !digits.empty() && digits.size() <= 5 && digits.find_first_not_of("0123456789") == std::string_view::npos;
    const auto parsed = numeric ? std::stoul(std::string(digits)) : 0UL;
    if (parsed == 0 || parsed > 65535) {
      return fail(errc::invalid_argument, "webhook_url has a bad port", "webhook_url");
    }
    port = static_cast<std::uint16_t>(parsed);
  }
  if (host.empty()) {
    return refuse();
  }
  endpoint.host = std::string(host);
  endpoint.port = port;
  // The fragment is the client's own and never sent.
  endpoint.target = std::string(rest.substr(0, rest.find('#')));
  if (endpoint.target.empty() || endpoint.target.front() == '?') {
    endpoint.target.insert(0, "/");
  }
  return endpoint;
}

// When a failed delivery is tried again: the delay doubles (times `factor`) from `first_delay` up to `max_delay`;
// after `max_attempts` attempts the delivery is given up. The default spreads 8 attempts over about a day, as
// receivers that are down for maintenance expect.
struct webhook_retry_policy {
  duration first_delay = std::chrono::seconds{5};
  int factor = 4;
  duration max_delay = std::chrono::hours{10};
  std::uint32_t max_attempts = 8;

  // The time of the next attempt after `attempts` failed ones, or nothing when the delivery is given up.
  [[nodiscard]] std::optional<timestamp> next_attempt(std::uint32_t attempts, timestamp now) const {
    if (attempts >= max_attempts) {
      return std::nullopt;
    }
    duration delay = first_delay;
    for (std::uint32_t step = 1; step < attempts && delay < max_delay; ++step) {
      delay *= factor;
    }
    return now + std::min(delay, max_delay);
  }
};

// A delivery succeeded when the endpoint answered 2xx; anything else (another status, no answer) is retried.
constexpr bool webhook_accepted(int http_status) noexcept {
  return http_status >= 200 && http_status < 300;
}

FOLIO_END_NAMESPACE
