// The HTTP client's address policy (net/address_policy.hpp), which keeps webhooks from addresses inside the
// server's network: every special-purpose range refused, IPv6 forms of refused IPv4 addresses too, trusted networks
// allowed again, and malformed network lists refused with the entry named.
#include "address_policy.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace {

folio_net::address_policy policy(const std::string& trusted = "") {
  std::string error;
  auto made = folio_net::address_policy::make(trusted, error);
  INFO(error);
  REQUIRE(made);
  return *made;
}

} // namespace

TEST_CASE("refuses special-purpose addresses, saying which kind each is") {
  const auto refusing = policy();
  const std::pair<const char*, const char*> refused[] = {
      {"127.0.0.1", "loopback"},
      {"127.255.0.9", "loopback"},
      {"::1", "loopback"},
      {"10.0.0.1", "private"},
      {"172.16.5.4", "private"},
      {"172.31.255.255", "private"},
      {"192.168.1.1", "private"},
      {"169.254.169.254", "link-local"},
      {"fe80::1", "link-local"},
      {"fd00::1", "unique local"},
      {"100.64.0.1", "shared"},
      {"0.0.0.0", "'this network'"},
      {"::", "unspecified"},
      {"224.0.0.1", "multicast"},
      {"ff02::1", "multicast"},
      {"255.255.255.255", "reserved"},
      {"::ffff:127.0.0.1", "loopback"},
      {"::ffff:10.1.2.3", "private"},
      {"64:ff9b::a9fe:a9fe", "link-local"},
      {"192.0.2.10", "documentation"},
      {"2001:db8::1", "documentation"},
  };
  for (const auto& [address, kind] : refused) {
    const auto why = refusing.refuses(address);
    INFO(address);
    REQUIRE(why);
    CHECK(why->find(kind) != std::string::npos);
  }
  for (const char* address : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"}) {
    INFO(address);
    CHECK_FALSE(refusing.refuses(address));
  }
  CHECK(refusing.refuses("localhost"));
}

TEST_CASE("allows again the networks an operator trusts, and only those") {
  const auto trusting = policy("10.20.0.0/16, 127.0.0.1,fd00::/8");
  CHECK_FALSE(trusting.refuses("10.20.3.4"));
  CHECK(trusting.refuses("10.21.0.1"));
  CHECK_FALSE(trusting.refuses("127.0.0.1"));
  CHECK(trusting.refuses("127.0.0.2"));
  CHECK_FALSE(trusting.refuses("::ffff:127.0.0.1"));
  CHECK_FALSE(trusting.refuses("fd12::1"));
  CHECK(trusting.refuses("fe80::1"));
}

TEST_CASE("refuses a malformed network list, naming the entry") {
  for (const char* bad : {"10.0.0.0/33", "fd00::/129", "10.0.0/8", "example.com", "10.0.0.0/", "10.0.0.0/x8"}) {
    std::string error;
    INFO(bad);
    CHECK_FALSE(folio_net::address_policy::make(bad, error));
    CHECK(error.find(std::string("'") + bad + "'") != std::string::npos);
  }
  CHECK(folio_net::address_policy::is_address("::1"));
  CHECK_FALSE(folio_net::address_policy::is_address("example.com"));
}
