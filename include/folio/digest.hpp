// SHA-256 and HMAC-SHA256 through OpenSSL, as lowercase hex: content addresses of blobs, hashed API keys, signatures.
#pragma once

#include <folio/version.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <new>
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

// OpenSSL 3 looks EVP_sha256() up in its provider tables on every digest it starts, and HMAC() sets up a MAC
// context besides: most of the time of hashing an API key or signing a link. Fetched once, the implementation is
// shared by every thread (fetched algorithms are immutable). It is not freed: it must outlive every thread that may
// still hash while the process exits.
inline const EVP_MD* sha256_algorithm() {
  static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

inline constexpr std::size_t sha256_size = 32;
inline constexpr std::size_t sha256_block_size = 64;
using sha256_digest = std::array<unsigned char, sha256_size>;

// SHA-256 over the concatenation of the parts.
inline sha256_digest sha256_of(std::initializer_list<std::string_view> parts) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  sha256_digest digest{};
  unsigned int size = 0;
  bool done = context && EVP_DigestInit_ex2(context.get(), sha256_algorithm(), nullptr) == 1;
  for (const auto part : parts) {
    done = done && EVP_DigestUpdate(context.get(), part.data(), part.size()) == 1;
  }
  done = done && EVP_DigestFinal_ex(context.get(), digest.data(), &size) == 1;
  // OpenSSL fails these calls only when it cannot allocate a context.
  if (!done || size != sha256_size) {
    throw std::bad_alloc();
  }
  return digest;
}

inline std::string_view as_text(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}
} // namespace detail

inline std::string sha256_hex(std::string_view data) {
  const auto digest = detail::sha256_of({data});
  return detail::to_hex(digest.data(), digest.size());
}

// HMAC-SHA256 as RFC 2104 defines it over the fetched SHA-256: H((K ^ opad) || H((K ^ ipad) || data)), the key
// hashed first when it is longer than a block.
inline std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  std::array<unsigned char, detail::sha256_block_size> block{};
  if (key.size() > block.size()) {
    const auto hashed = detail::sha256_of({key});
    std::copy(hashed.begin(), hashed.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<unsigned char, detail::sha256_block_size> inner_pad{};
  std::array<unsigned char, detail::sha256_block_size> outer_pad{};
  for (std::size_t index = 0; index < block.size(); ++index) {
    inner_pad[index] = static_cast<unsigned char>(block[index] ^ 0x36U);
    outer_pad[index] = static_cast<unsigned char>(block[index] ^ 0x5cU);
  }
  const auto inner = detail::sha256_of({detail::as_text(inner_pad.data(), inner_pad.size()), data});
  const auto outer = detail::sha256_of(
      {detail::as_text(outer_pad.data(), outer_pad.size()), detail::as_text(inner.data(), inner.size())});
  // The pads are the key in another form: nothing of it stays on the stack.
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(inner_pad.data(), inner_pad.size());
  OPENSSL_cleanse(outer_pad.data(), outer_pad.size());
  return detail::to_hex(outer.data(), outer.size());
}

// Equal-length comparison whose time does not depend on where the inputs differ.
inline bool constant_time_equal(std::string_view lhs, std::string_view rhs) noexcept {
  return lhs.size() == rhs.size() && CRYPTO_memcmp(lhs.data(), rhs.data(), lhs.size()) == 0;
}

FOLIO_END_NAMESPACE
