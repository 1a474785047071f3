#include "address_policy.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace folio_net {
namespace {

using bytes16 = std::array<std::uint8_t, 16>;

// An address as 16 bytes; IPv4 written as IPv4-mapped IPv6, so one table serves both families.
std::optional<bytes16> parse_address(std::string_view text) {
  const std::string copy(text);
  bytes16 bytes{};
  in_addr v4{};
  if (::inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    std::memcpy(bytes.data() + 12, &v4, 4);
    return bytes;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, copy.c_str(), &v6) == 1) {
    std::memcpy(bytes.data(), &v6, 16);
    return bytes;
  }
  return std::nullopt;
}

bool within(const bytes16& address, const bytes16& network, unsigned prefix) {
  for (unsigned bit = 0; bit < prefix; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80U >> (bit % 8U));
    if ((address[bit / 8U] & mask) != (network[bit / 8U] & mask)) {
      return false;
    }
  }
  return true;
}

struct special_range {
  const char* network;
  unsigned prefix; // of the IPv6 form: an IPv4 prefix plus 96
  const char* what;
};

// RFC 6890's special-purpose registries, the ranges a webhook has no business reaching.
constexpr special_range special_ranges[] = {
    {"0.0.0.0", 96 + 8, "a 'this network' address"},
    {"10.0.0.0", 96 + 8, "a private address"},
    {"100.64.0.0", 96 + 10, "a shared (carrier-grade NAT) address"},
    {"127.0.0.0", 96 + 8, "a loopback address"},
    {"169.254.0.0", 96 + 16, "a link-local address"},
    {"172.16.0.0", 96 + 12, "a private address"},
    {"192.0.0.0", 96 + 24, "an IETF protocol assignment"},
    {"192.0.2.0", 96 + 24, "a documentation address"},
    {"192.88.99.0", 96 + 24, "a 6to4 relay anycast address"},
    {"192.168.0.0", 96 + 16, "a private address"},
    {"198.18.0.0", 96 + 15, "a benchmarking address"},
    {"198.51.100.0", 96 + 24, "a documentation address"},
    {"203.0.113.0", 96 + 24, "a documentation address"},
    {"224.0.0.0", 96 + 4, "a multicast address"},
    {"240.0.0.0", 96 + 4, "a reserved address"},
    {"::", 128, "the unspecified address"},
    {"::1", 128, "a loopback address"},
    {"64:ff9b:1::", 48, "a local NAT64 address"},
    {"100::", 64, "a discard-only address"},
    {"2001::", 23, "an IETF protocol assignment"},
    {"2001:db8::", 32, "a documentation address"},
    {"fc00::", 7, "a unique local (private) address"},
    {"fe80::", 10, "a link-local address"},
    {"ff00::", 8, "a multicast address"},
};

// The IPv4 address an IPv6 address carries for translation (NAT64 64:ff9b::/96, IPv4-compatible ::/96), judged as
// the IPv4 address it reaches.
std::optional<bytes16> embedded_ipv4(const bytes16& address) {
  static const auto nat64 = parse_address("64:ff9b::").value();
  const bool compatible = within(address, bytes16{}, 96) && !within(address, bytes16{}, 127);
  if (!within(address, nat64, 96) && !compatible) {
    return std::nullopt;
  }
  bytes16 mapped{};
  mapped[10] = 0xff;
  mapped[11] = 0xff;
  std::memcpy(mapped.data() + 12, address.data() + 12, 4);
  return mapped;
}

} // namespace

std::optional<address_policy> address_policy::make(std::string_view trusted, std::string& error) {
  address_policy made;
  std::size_t start = 0;
  while (start < trusted.size()) {
    const auto end = trusted.find_first_of(", ", start);
    const auto entry = trusted.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? trusted.size() : end + 1;
    if (entry.empty()) {
      continue;
    }
    const auto slash = entry.find('/');
    const auto address = parse_address(entry.substr(0, slash));
    const bool v4 = entry.substr(0, slash).find(':') == std::string_view::npos;
    unsigned prefix = v4 ? 32 : 128;
    if (slash != std::string_view::npos) {
      const auto digits = entry.substr(slash + 1);
      if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        prefix = 999;
      } else {
        prefix = static_cast<unsigned>(std::stoul(std::string(digits)));
      }
    }
    if (!address || prefix > (v4 ? 32U : 128U)) {
      error = "'" + std::string(entry) +
              "' is not a network (an address, or an address and a prefix length: "
              "10.20.0.0/16, fd00::/8)";
      return std::nullopt;
    }
    made.trusted_.push_back({*address, v4 ? prefix + 96 : prefix});
  }
  return made;
}

bool address_policy::is_address(std::string_view text) {
  return parse_address(text).has_value();
}

std::optional<std::string> address_policy::refuses(std::string_view address) const {
  const auto parsed = parse_address(address);
  if (!parsed) {
    return std::string(address) + " is not an IP address";
  }
  for (const auto& allowed : trusted_) {
    if (within(*parsed, allowed.bytes, allowed.prefix)) {
      return std::nullopt;
    }
  }
  const auto judged = embedded_ipv4(*parsed).value_or(*parsed);
  for (const auto& range : special_ranges) {
    if (within(judged, parse_address(range.network).value(), range.prefix)) {
      return std::string(address) + " is " + range.what;
    }
  }
  return std::nullopt;
}

} // namespace folio_net
