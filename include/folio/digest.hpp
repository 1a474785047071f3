// SHA-256 and HMAC-SHA256 through OpenSSL, as lowercase hex: content addresses of blobs, hashed API keys, signatures.
#pragma once

#include <folio/version.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

namespace detail {
inline std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string text(size * 2, '0');
  for (std::size_t index = 0; index < size; ++index) {
    text[2 * index] = digits[data[index] >> 4U];
    text[2 * index + 1] = digits[data[index] & 0x0FU];
  }
  return text;
}
} // namespace detail

inline std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return detail::to_hex(digest.data(), size);
}

inline std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  // OpenSSL 3's HMAC() fails when the key and the data are both null pointers (two empty std::string_view{}), and
  // the empty digest it leaves would equal an empty signature; so it never gets a null pointer.
  static constexpr char nothing = '\0';
  const char* key_bytes = key.empty() ? &nothing : key.data();
  const char* data_bytes = data.empty() ? &nothing : data.data();
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data_bytes),
       data.size(), digest.data(), &size);
  return detail::to_hex(digest.data(), size);
}

// Equal-length comparison whose time does not depend on where the inputs differ.
inline bool constant_time_equal(std::string_view lhs, std::string_view rhs) noexcept {
  return lhs.size() == rhs.size() && CRYPTO_memcmp(lhs.data(), rhs.data(), lhs.size()) == 0;
}

FOLIO_END_NAMESPACE
