// Prefixed, time-sortable identifiers: "run_01HXYZ…" is "run_" and a ULID (48-bit millisecond time, 80 random bits,
// Crockford base32). Ids of one kind sort by creation time as plain strings, which is what keyset pagination relies on.
#pragma once

#include <folio/clock.hpp>
#include <folio/errors.hpp>

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

enum class id_kind { run, task, org, key, event, request };

constexpr std::string_view id_prefix(id_kind kind) noexcept {
  switch (kind) {
  case id_kind::run: return "run_";
  case id_kind::task: return "task_";
  case id_kind::org: return "org_";
  case id_kind::key: return "key_";
  case id_kind::event: return "evt_";
  case id_kind::request: return "req_";
  }
  return "";
}

namespace detail {
inline constexpr std::string_view crockford_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
inline constexpr std::size_t ulid_length = 26;
// __extension__ keeps -Wpedantic quiet about the GCC/Clang 128-bit integer the 130-bit ULID arithmetic needs.
__extension__ typedef unsigned __int128 uint128; // NOLINT(modernize-use-using)

constexpr int crockford_value(char symbol) noexcept {
  for (std::size_t index = 0; index < crockford_alphabet.size(); ++index) {
    if (crockford_alphabet[index] == symbol) {
      return static_cast<int>(index);
    }
  }
  return -1;
}

// 128 bits as the ULID lays them out: 48 bits of time, then 80 random bits (16 high, 64 low).
struct ulid_bits {
  std::uint64_t time_ms = 0;
  std::uint16_t random_high = 0;
  std::uint64_t random_low = 0;
};

inline std::string encode_ulid(const ulid_bits& bits) {
  // Emit 26 symbols of 5 bits from the 130-bit big-endian number whose top two bits are zero.
  const uint128 value = (static_cast<uint128>(bits.time_ms & 0xFFFF'FFFF'FFFFULL) << 80U) |
                        (static_cast<uint128>(bits.random_high) << 64U) | static_cast<uint128>(bits.random_low);
  std::string text(ulid_length, '0');
  for (std::size_t index = 0; index < ulid_length; ++index) {
    const auto shift = static_cast<unsigned>(5 * (ulid_length - 1 - index));
    text[index] = crockford_alphabet[static_cast<std::size_t>((value >> shift) & 0x1FU)];
  }
  return text;
}

inline bool decode_ulid(std::string_view text, ulid_bits& bits) {
  if (text.size() != ulid_length || crockford_value(text[0]) > 7) {
    return false;
  }
  uint128 value = 0;
  for (const char symbol : text) {
    const int digit = crockford_value(symbol);
    if (digit < 0) {
      return false;
    }
    value = (value << 5U) | static_cast<uint128>(digit);
  }
  bits.time_ms = static_cast<std::uint64_t>(value >> 80U);
  bits.random_high = static_cast<std::uint16_t>(value >> 64U);
  bits.random_low = static_cast<std::uint64_t>(value);
  return true;
}
} // namespace detail

template <id_kind Kind>
class basic_id {
public:
  static constexpr id_kind kind = Kind;
  static constexpr std::string_view prefix = id_prefix(Kind);

  basic_id() = default;

  // Canonical form only (upper case, exact length): two spellings of one id would break equality and paging.
  static result<basic_id> parse(std::string_view text) {
    detail::ulid_bits bits;
    if (!text.starts_with(prefix) || !detail::decode_ulid(text.substr(prefix.size()), bits)) {
      return fail(errc::invalid_id, "not a valid " + std::string(prefix) + " id: expected '" + std::string(prefix) +
                                        "' and 26 Crockford base32 characters");
    }
    return basic_id{std::string(text)};
  }

  static basic_id from_parts(const detail::ulid_bits& bits) {
    return basic_id{std::string(prefix) + detail::encode_ulid(bits)};
  }

  [[nodiscard]] const std::string& str() const noexcept { return text_; }
  [[nodiscard]] bool empty() const noexcept { return text_.empty(); }

  // The creation time encoded in the id.
  [[nodiscard]] timestamp created_at() const {
    detail::ulid_bits bits;
    detail::decode_ulid(std::string_view(text_).substr(prefix.size()), bits);
    return timestamp{std::chrono::milliseconds{static_cast<std::int64_t>(bits.time_ms)}};
  }

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
  friend auto operator<=>(const basic_id&, const basic_id&) = default;
  friend bool operator==(const basic_id&, const basic_id&) = default;

private:
  explicit basic_id(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

using run_id = basic_id<id_kind::run>;
using task_id = basic_id<id_kind::task>;
using org_id = basic_id<id_kind::org>;
using key_id = basic_id<id_kind::key>;
using event_id = basic_id<id_kind::event>;
using request_id = basic_id<id_kind::request>;

// Makes ids that are strictly increasing within one generator, even within one millisecond or if the clock steps back
// (the ULID monotonic rule: same millisecond, random part plus one).
class id_generator {
public:
  explicit id_generator(const clock& time_source, std::uint64_t seed = std::random_device{}())
      : clock_(&time_source), random_(seed) {}

  template <class Id>
  Id next() {
    return Id::from_parts(next_bits());
  }

private:
  detail::ulid_bits next_bits() {
    const std::lock_guard lock(mutex_);
    const auto now_ms = static_cast<std::uint64_t>(clock_->now().time_since_epoch().count());
    if (now_ms > last_.time_ms) {
      last_.time_ms = now_ms;
      last_.random_high = static_cast<std::uint16_t>(random_());
      // Keep headroom so increments within one millisecond never overflow into the time bits.
      last_.random_high &= 0x7FFFU;
      last_.random_low = random_();
    } else if (++last_.random_low == 0) {
      ++last_.random_high;
    }
    return last_;
  }

  const clock* clock_;
  std::mt19937_64 random_;
  std::mutex mutex_;
  detail::ulid_bits last_;
};

FOLIO_END_NAMESPACE

template <folio::id_kind Kind>
struct std::hash<folio::basic_id<Kind>> {
  std::size_t operator()(const folio::basic_id<Kind>& id) const noexcept { return std::hash<std::string>{}(id.str()); }
};
