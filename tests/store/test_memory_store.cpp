// The in-memory store against the conformance suite every store must pass.
#include <folio/memory_store.hpp>

#include <memory>

namespace {
struct memory_store_fixture {
  folio::manual_clock clock;
  std::unique_ptr<folio::memory_store> held;

  folio::store& open(folio::store_limits limits) {
    held = std::make_unique<folio::memory_store>(clock, limits);
    return *held;
  }
};
} // namespace

#define FOLIO_STORE_FIXTURES memory_store_fixture
#include "store_conformance.hpp"

TEST_CASE("memory blob store addresses bytes by their SHA-256", "[store]") {
  folio::memory_blob_store blobs;
  const auto hash = blobs.put("abc");
  REQUIRE(hash);
  CHECK(hash.value() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(blobs.put("abc").value() == hash.value());
  CHECK(blobs.get(hash.value()).value() == "abc");
  CHECK(blobs.contains(hash.value()).value());
  CHECK(blobs.list().value().size() == 1);
  REQUIRE(blobs.remove(hash.value()));
  REQUIRE(blobs.remove(hash.value()));
  CHECK(blobs.get(hash.value()).error() == folio::errc::not_found);
}
