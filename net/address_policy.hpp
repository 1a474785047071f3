// Which IP addresses a connection may go to. By default every special-purpose address is refused: loopback,
// private networks, link-local (cloud metadata services live there), shared address space, unspecified, multicast,
// broadcast, reserved, documentation and benchmarking ranges, and IPv6 forms that embed a refused IPv4 address
// (IPv4-mapped, NAT64). Networks an operator trusts are allowed again. A caller checks the addresses a host name
// resolved to, just before connecting to them, so a name that resolves elsewhere later (DNS rebinding) gains nothing.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace folio_net {

class address_policy {
public:
  // Refuses the special-purpose addresses except in `trusted`: CIDR networks separated by commas or spaces
  // ("10.20.0.0/16, fd00::/8, 127.0.0.1"); a bare address is a network of one. Nothing when `trusted` is malformed;
  // `error` then says which entry and why.
  static std::optional<address_policy> make(std::string_view trusted, std::string& error);

  // Why `address` (its text form, "127.0.0.1" or "::1") may not be connected to ("127.0.0.1 is a loopback
  // address"); nothing when it may. Text that is no address is refused.
  [[nodiscard]] std::optional<std::string> refuses(std::string_view address) const;

  // Whether `text` is an IP address rather than a host name.
  [[nodiscard]] static bool is_address(std::string_view text);

private:
  struct network {
    std::array<std::uint8_t, 16> bytes{}; // IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d)
    unsigned prefix = 0;                  // bits of `bytes` that count, 0 to 128
  };
  std::vector<network> trusted_;
};

} // namespace folio_net
