#include <folio/webhook.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>

using namespace std::chrono_literals;

namespace {
// The example of the Standard Webhooks specification and its reference libraries; the signature was also computed
// independently with Python's hmac and base64 modules.
constexpr std::string_view spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view spec_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t spec_timestamp = 1614265330;
constexpr std::string_view spec_body = R"({"test": 2432232314})";
constexpr std::string_view spec_signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

folio::timestamp at_unix_seconds(std::int64_t seconds) {
  return folio::timestamp{std::chrono::seconds{seconds}};
}
} // namespace

TEST_CASE("webhook signature matches the Standard Webhooks test vector", "[webhook]") {
  const auto signature = folio::sign_webhook(spec_secret, spec_id, spec_timestamp, spec_body);
  REQUIRE(signature);
  CHECK(signature.value() == spec_signature);
}

TEST_CASE("webhook verification accepts the right signature among several and refuses a changed message", "[webhook]") {
  const auto now = at_unix_seconds(spec_timestamp + 60);
  const std::string header = "v1,bm90IHRoaXMgb25l " + std::string(spec_signature);
  CHECK(folio::verify_webhook(spec_secret, spec_id, std::to_string(spec_timestamp), header, spec_body, now));

  const auto changed_body = folio::verify_webhook(spec_secret, spec_id, std::to_string(spec_timestamp), header,
                                                  R"({"test": 2432232315})", now);
  REQUIRE_FALSE(changed_body);
  CHECK(changed_body.error() == folio::errc::link_tampered);
  CHECK_FALSE(folio::verify_webhook(spec_secret, "msg_other", std::to_string(spec_timestamp), header, spec_body, now));
  CHECK_FALSE(folio::verify_webhook("whsec_b3RoZXIgc2VjcmV0IGJ5dGVz", spec_id, std::to_string(spec_timestamp), header,
                                    spec_body, now));
  CHECK_FALSE(folio::verify_webhook(spec_secret, spec_id, std::to_string(spec_timestamp + 1), header, spec_body, now));
}

TEST_CASE("webhook verification refuses a timestamp outside the tolerance or not a number", "[webhook]") {
  const auto stale = folio::verify_webhook(spec_secret, spec_id, std::to_string(spec_timestamp), spec_signature,
                                           spec_body, at_unix_seconds(spec_timestamp + 301));
  REQUIRE_FALSE(stale);
  CHECK(stale.error() == folio::errc::link_expired);
  CHECK_FALSE(folio::verify_webhook(spec_secret, spec_id, std::to_string(spec_timestamp), spec_signature, spec_body,
                                    at_unix_seconds(spec_timestamp - 301)));
  CHECK(folio::verify_webhook(spec_secret, spec_id, "1614265330x", spec_signature, spec_body,
                              at_unix_seconds(spec_timestamp))
            .error() == folio::errc::invalid_argument);
}

TEST_CASE("webhook secrets are whsec_ and base64 of 24 random bytes, never twice the same", "[webhook]") {
  std::set<std::string> seen;
  for (int index = 0; index < 50; ++index) {
    const auto secret = folio::generate_webhook_secret();
    REQUIRE(secret);
    CHECK(secret.value().starts_with("whsec_"));
    const auto key = folio::webhook_signing_key(secret.value());
    REQUIRE(key);
    CHECK(key.value().size() == folio::webhook_secret_bytes);
    seen.insert(secret.value());
  }
  CHECK(seen.size() == 50);
  CHECK(folio::webhook_signing_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").error() == folio::errc::invalid_argument);
  CHECK(folio::webhook_signing_key("whsec_not base64!").error() == folio::errc::invalid_argument);
  CHECK(folio::webhook_signing_key("whsec_").error() == folio::errc::invalid_argument);
  CHECK_FALSE(folio::sign_webhook("secret", spec_id, spec_timestamp, spec_body));
}

TEST_CASE("only terminal task states are announced, each as its own event type", "[webhook]") {
  CHECK(folio::webhook_event_type(folio::task_status::completed) == "task.completed");
  CHECK(folio::webhook_event_type(folio::task_status::failed) == "task.failed");
  CHECK(folio::webhook_event_type(folio::task_status::cancelled) == "task.cancelled");
  CHECK_FALSE(folio::webhook_event_type(folio::task_status::queued));
  CHECK_FALSE(folio::webhook_event_type(folio::task_status::running));
}

TEST_CASE("webhook payload carries type, timestamp and the task as data", "[webhook]") {
  const auto payload = folio::webhook_payload("task.failed", at_unix_seconds(1'776'511'200),
                                              {{"task_id", "task_01"}, {"status", "failed"}});
  CHECK(payload.at("type") == "task.failed");
  CHECK(payload.at("timestamp") == "2026-04-18T11:20:00Z");
  CHECK(payload.at("data").at("task_id") == "task_01");
  CHECK(payload.size() == 3);
}

TEST_CASE("webhook URLs are absolute http or https URLs, split for a client", "[webhook]") {
  const auto plain = folio::parse_webhook_url("http://127.0.0.1:8099/hooks/folio?team=7#ignored");
  REQUIRE(plain);
  CHECK_FALSE(plain.value().tls);
  CHECK(plain.value().host == "127.0.0.1");
  CHECK(plain.value().port == 8099);
  CHECK(plain.value().target == "/hooks/folio?team=7");

  const auto secure = folio::parse_webhook_url("https://hooks.example.com");
  REQUIRE(secure);
  CHECK(secure.value().tls);
  CHECK(secure.value().host == "hooks.example.com");
  CHECK(secure.value().port == 443);
  CHECK(secure.value().target == "/");

  const auto literal = folio::parse_webhook_url("http://[::1]:9000/x");
  REQUIRE(literal);
  CHECK(literal.value().host == "::1");
  CHECK(literal.value().port == 9000);

  for (const auto* bad : {"ftp://example.com/", "example.com/hook", "http://", "http://:80/", "http://host:0/",
                          "http://host:70000/", "http://host:8a/", "http://user:pw@host/", "http://host/a b",
                          "http://[::1/", "https://host/\r\nX-Injected: 1"}) {
    const auto refused = folio::parse_webhook_url(bad);
    INFO(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == folio::errc::invalid_argument);
    CHECK(refused.error().param == "webhook_url");
  }
  CHECK_FALSE(folio::parse_webhook_url("http://host/" + std::string(2048, 'a')));
}

TEST_CASE("failed webhook deliveries are retried with growing delays, then given up", "[webhook]") {
  const folio::webhook_retry_policy policy;
  const auto now = at_unix_seconds(1'000);
  CHECK(policy.next_attempt(1, now) == now + 5s);
  CHECK(policy.next_attempt(2, now) == now + 20s);
  CHECK(policy.next_attempt(3, now) == now + 80s);
  CHECK(policy.next_attempt(7, now) == now + 20480s);
  CHECK_FALSE(policy.next_attempt(8, now));

  const folio::webhook_retry_policy quick{100ms, 2, 1s, 3};
  CHECK(quick.next_attempt(1, now) == now + 100ms);
  CHECK(quick.next_attempt(2, now) == now + 200ms);
  CHECK_FALSE(quick.next_attempt(3, now));

  CHECK(folio::webhook_accepted(200));
  CHECK(folio::webhook_accepted(204));
  CHECK_FALSE(folio::webhook_accepted(301));
  CHECK_FALSE(folio::webhook_accepted(500));
  CHECK_FALSE(folio::webhook_accepted(0));
}
