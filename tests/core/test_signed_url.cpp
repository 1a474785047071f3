#include <folio/signed_url.hpp>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

using namespace std::chrono_literals;

namespace {
constexpr std::string_view secret = "folio-test-secret";
constexpr std::string_view path = "/files/run_01ARYZ6S41TSV4RRFFQ69G5FAV/workbook.xlsx";

folio::result<void> verify(const folio::url_signer& signer, const folio::signed_link& link, const folio::clock& clock) {
  return signer.verify("GET", link.path, std::to_string(link.expires), link.signature, clock.now());
}

folio::timestamp at_unix_seconds(std::int64_t seconds) {
  return folio::timestamp{std::chrono::seconds{seconds}};
}
} // namespace

TEST_CASE("signs method, path and expiry in a stable, documented message", "[signed_url]") {
  // A link must verify on every server sharing the secret, across versions: the signed message is part of the
  // contract. HMAC-SHA256("GET\n<path>\n<expires>") computed independently with Python's hmac module.
  const folio::url_signer signer{std::string(secret)};
  const auto link = signer.sign("GET", path, at_unix_seconds(1'776'511'200));
  CHECK(link.path == path);
  CHECK(link.expires == 1'776'511'200);
  CHECK(link.signature == "d3025e6dbbe3674c8791b69ba85307285e46972f6744c9467645b3b7b7ce0d66");
  CHECK(link.target() ==
        std::string(path) + "?expires=1776511200&sig=d3025e6dbbe3674c8791b69ba85307285e46972f6744c9467645b3b7b7ce0d66");
}

TEST_CASE("appends the signature to a path that already has a query", "[signed_url]") {
  const folio::url_signer signer{std::string(secret)};
  const auto link = signer.sign("GET", "/files/abc?format=pdf", at_unix_seconds(100));
  CHECK(link.target() == "/files/abc?format=pdf&expires=100&sig=" + link.signature);
}

TEST_CASE("gives links a 24 hour lifetime by default", "[signed_url]") {
  const folio::manual_clock clock;
  const folio::url_signer signer{std::string(secret)};
  const auto link = signer.sign_for("GET", path, clock.now());
  CHECK(at_unix_seconds(link.expires) == clock.now() + 24h);
  CHECK(at_unix_seconds(signer.sign_for("GET", path, clock.now(), 5min).expires) == clock.now() + 5min);
}

TEST_CASE("accepts a link it signed until just before it expires", "[signed_url]") {
  folio::manual_clock clock;
  const folio::url_signer signer{std::string(secret)};
  const auto link = signer.sign_for("GET", path, clock.now());
  CHECK(verify(signer, link, clock));
  clock.advance(24h - 1ms);
  CHECK(verify(signer, link, clock));
}

TEST_CASE("calls a link expired from the second its expiry names", "[signed_url]") {
  folio::manual_clock clock;
  const folio::url_signer signer{std::string(secret)};
  const auto link = signer.sign_for("GET", path, clock.now());
  clock.set(at_unix_seconds(link.expires) - 1ms);
  CHECK(verify(signer, link, clock));
  for (const auto later : {0ms, 1ms, 1000ms, std::chrono::milliseconds{std::chrono::days{365}}}) {
    clock.set(at_unix_seconds(link.expires) + later);
    const auto checked = verify(signer, link, clock);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().code == folio::errc::link_expired);
  }
}

TEST_CASE("refuses a link with any part changed as tampered", "[signed_url]") {
  const folio::manual_clock clock;
  const folio::url_signer signer{std::string(secret)};
  const auto link = signer.sign_for("GET", path, clock.now());
  const auto expires = std::to_string(link.expires);
  auto flipped = link.signature;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  auto upper = link.signature;
  for (auto& symbol : upper) {
    symbol = static_cast<char>(std::toupper(static_cast<unsigned char>(symbol)));
  }

  struct attempt {
    const char* what;
    std::string method;
    std::string path;
    std::string expires;
    std::string signature;
  };
  const auto tried = GENERATE_COPY(values<attempt>({
      {"other path", "GET", "/files/run_01ARYZ6S41TSV4RRFFQ69G5FAV/other.xlsx", expires, link.signature},
      {"path with a suffix", "GET", std::string(path) + "x", expires, link.signature},
      {"other method", "DELETE", std::string(path), expires, link.signature},
      {"later expiry", "GET", std::string(path), std::to_string(link.expires + 86'400), link.signature},
      {"earlier expiry", "GET", std::string(path), std::to_string(link.expires - 1), link.signature},
      {"one signature character changed", "GET", std::string(path), expires, flipped},
      {"upper-case signature", "GET", std::string(path), expires, upper},
      {"shortened signature", "GET", std::string(path), expires, link.signature.substr(0, 63)},
      {"empty signature", "GET", std::string(path), expires, ""},
  }));
  INFO(tried.what);
  const auto checked = signer.verify(tried.method, tried.path, tried.expires, tried.signature, clock.now());
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == folio::errc::link_tampered);
}

TEST_CASE("refuses a link signed with another secret as tampered", "[signed_url]") {
  const folio::manual_clock clock;
  const folio::url_signer ours{std::string(secret)};
  const folio::url_signer theirs{"another-secret"};
  const auto link = theirs.sign_for("GET", path, clock.now());
  CHECK(link.signature != ours.sign_for("GET", path, clock.now()).signature);
  const auto checked = verify(ours, link, clock);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == folio::errc::link_tampered);
}

TEST_CASE("calls an expired link with a bad signature tampered, not expired", "[signed_url]") {
  folio::manual_clock clock;
  const folio::url_signer signer{std::string(secret)};
  const auto link = signer.sign_for("GET", path, clock.now());
  clock.advance(48h);
  const auto checked = signer.verify("GET", "/files/other", std::to_string(link.expires), link.signature, clock.now());
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == folio::errc::link_tampered);
}

TEST_CASE("refuses an expiry that is not a whole number as tampered", "[signed_url]") {
  const folio::manual_clock clock;
  const folio::url_signer signer{std::string(secret)};
  const auto link = signer.sign_for("GET", path, clock.now());
  const auto expires = GENERATE(as<std::string>{}, "", "abc", "12x", "x12", " 1776511200", "1776511200 ", "1.5",
                                "+1776511200", "99999999999999999999999");
  INFO(expires);
  const auto checked = signer.verify("GET", path, expires, link.signature, clock.now());
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == folio::errc::link_tampered);
  CHECK(checked.error().param == "expires");
}
