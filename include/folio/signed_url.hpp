// Signed links: "/files/…?expires=…&sig=…" where sig is HMAC-SHA256 over method, path and expiry with a server
// secret. Anyone holding the link may use it until it expires; changing any part of it breaks the signature.
#pragma once

#include <folio/clock.hpp>
#include <folio/digest.hpp>
#include <folio/errors.hpp>

#include <charconv>
#include <chrono>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

inline constexpr duration default_link_ttl = std::chrono::hours{24};

struct signed_link {
  std::string path;
  std::int64_t expires = 0; // Unix seconds
  std::string signature;

  // "path?expires=…&sig=…", ready to append to the public base URL.
  [[nodiscard]] std::string target() const {
    return path + (path.find('?') == std::string::npos ? "?" : "&") + "expires=" + std::to_string(expires) +
           "&sig=" + signature;
  }
};

class url_signer {
public:
  explicit url_signer(std::string secret) : secret_(std::move(secret)) {}

  [[nodiscard]] signed_link sign(std::string_view method, std::string_view path, timestamp expires_at) const {
    const auto expires = std::chrono::duration_cast<std::chrono::seconds>(expires_at.time_since_epoch()).count();
    return {std::string(path), expires, signature(method, path, expires)};
  }

  [[nodiscard]] signed_link sign_for(std::string_view method, std::string_view path, timestamp now,
                                     duration ttl = default_link_ttl) const {
    return sign(method, path, now + ttl);
  }

  // Tampered (403) and expired (410) are told apart, and the signature is checked first so an attacker cannot learn
  // anything from a forged link but "tampered". Expiry is inclusive: at exactly `expires` the link is dead.
  [[nodiscard]] result<void> verify(std::string_view method, std::string_view path, std::string_view expires_text,
                                    std::string_view signature_text, timestamp now) const {
    std::int64_t expires = 0;
    const auto* end = expires_text.data() + expires_text.size();
    const auto parsed = std::from_chars(expires_text.data(), end, expires);
    if (expires_text.empty() || parsed.ec != std::errc{} || parsed.ptr != end) {
      return fail(errc::link_tampered, "the link's expiry is not a number", "expires");
    }
    // An empty expected signature means the HMAC itself failed: never let it match an empty `sig`.
    const auto expected = signature(method, path, expires);
    if (expected.empty() || !constant_time_equal(expected, signature_text)) {
      return fail(errc::link_tampered, "the link's signature does not match", "sig");
    }
    if (std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() >= expires) {
      return fail(errc::link_expired, "the link has expired; ask for a new one");
    }
    return success();
  }

private:
  [[nodiscard]] std::string signature(std::string_view method, std::string_view path, std::int64_t expires) const {
    std::string message;
    message.reserve(method.size() + path.size() + 24);
    message.append(method).append("\n").append(path).append("\n").append(std::to_string(expires));
    return hmac_sha256_hex(secret_, message);
  }

  std::string secret_;
};

FOLIO_END_NAMESPACE
