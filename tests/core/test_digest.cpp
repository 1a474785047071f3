#include <folio/digest.hpp>

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using namespace std::string_view_literals;

TEST_CASE("hashes the FIPS 180-2 SHA-256 test vectors", "[digest]") {
  CHECK(folio::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(folio::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(folio::sha256_hex(std::string(1'000'000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("hashes empty input, with or without a data pointer", "[digest]") {
  constexpr std::string_view empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  CHECK(folio::sha256_hex("") == empty_sha256);
  CHECK(folio::sha256_hex(std::string_view{}) == empty_sha256);
}

TEST_CASE("hashes binary content including NUL bytes", "[digest]") {
  CHECK(folio::sha256_hex("a\0b"sv) == "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
  CHECK(folio::sha256_hex("a\0b"sv) != folio::sha256_hex("a"));
}

TEST_CASE("computes the RFC 4231 HMAC-SHA256 test vectors", "[digest]") {
  // Test case 1: a 20-byte key of 0x0b.
  CHECK(folio::hmac_sha256_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output.
  CHECK(folio::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block, which HMAC hashes first.
  CHECK(folio::hmac_sha256_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("computes an HMAC with an empty key and empty data", "[digest]") {
  constexpr std::string_view expected = "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
  CHECK(folio::hmac_sha256_hex("", "") == expected);
  CHECK(folio::hmac_sha256_hex(std::string_view{}, std::string_view{}) == expected);
}

TEST_CASE("writes digests as 64 lowercase hex characters", "[digest]") {
  for (const auto& digest : {folio::sha256_hex("folio"), folio::hmac_sha256_hex("key", "folio")}) {
    INFO(digest);
    CHECK(digest.size() == 64);
    CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
}

TEST_CASE("compares equal strings as equal and any difference as unequal", "[digest]") {
  CHECK(folio::constant_time_equal("", ""));
  CHECK(folio::constant_time_equal("abc", "abc"));
  CHECK_FALSE(folio::constant_time_equal("abc", "abd"));
  CHECK_FALSE(folio::constant_time_equal("abc", "xbc"));
  CHECK_FALSE(folio::constant_time_equal("abc", "ABC"));
  CHECK_FALSE(folio::constant_time_equal("abc", "ab"));
  CHECK_FALSE(folio::constant_time_equal("ab", "abc"));
  CHECK_FALSE(folio::constant_time_equal("", "a"));
  CHECK(folio::constant_time_equal("a\0b"sv, "a\0b"sv));
  CHECK_FALSE(folio::constant_time_equal("a\0b"sv, "a\0c"sv));
}
