// The second translation unit of the ODR test; test_odr_a.cpp holds the test case.
#include <folio/folio.hpp>

#include <memory>
#include <string>
#include <string_view>

std::string odr_b_store_blob(std::string_view bytes) {
  const folio::manual_clock clock;
  const folio::memory_store metadata(clock);
  const std::unique_ptr<folio::blob_store> blobs = std::make_unique<folio::memory_blob_store>();
  return blobs->put(bytes).value();
}
