// With test_odr_b.cpp: every header included in two translation units of one program, so a non-inline definition
// in any header fails the link with a duplicate symbol.
#include <folio/folio.hpp>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <string_view>

// Defined in test_odr_b.cpp.
std::string odr_b_store_blob(std::string_view bytes);

// Constructing the stores emits their inline virtual functions and vtables in this translation unit too.
std::string odr_a_store_blob(std::string_view bytes) {
  const folio::manual_clock clock;
  const folio::memory_store metadata(clock);
  const std::unique_ptr<folio::blob_store> blobs = std::make_unique<folio::memory_blob_store>();
  return blobs->put(bytes).value();
}

TEST_CASE("links every header included in two translation units", "[odr]") {
  const auto from_a = odr_a_store_blob("folio");
  CHECK(from_a == folio::sha256_hex("folio"));
  CHECK(odr_b_store_blob("folio") == from_a);
}
