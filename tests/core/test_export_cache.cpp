// The export cache: one conversion per key, even when identical requests arrive together.
#include <folio/export_cache.hpp>
#include <folio/memory_store.hpp>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace {
folio::export_key pdf_of(std::string source) {
  return {std::move(source), "pdf", "{}", "test-1"};
}

folio::export_cache::conversion counting(std::atomic<int>& calls, std::string bytes) {
  return [&calls, bytes = std::move(bytes)]() -> folio::result<folio::conversion_output> {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
    return folio::conversion_output{bytes, "application/pdf", 2};
  };
}
} // namespace

TEST_CASE("export cache converts once and then answers from the cache", "[export_cache]") {
  folio::manual_clock clock;
  folio::memory_store store(clock);
  folio::memory_blob_store blobs;
  folio::export_cache cache(store, blobs, clock);
  std::atomic<int> calls{0};

  auto first = cache.get_or_convert(pdf_of("doc-a"), counting(calls, "%PDF-a"));
  REQUIRE(first);
  CHECK_FALSE(first.value().cached);
  CHECK(blobs.get(first.value().entry.output_hash).value() == "%PDF-a");
  CHECK(first.value().entry.page_count == 2);

  auto second = cache.get_or_convert(pdf_of("doc-a"), counting(calls, "%PDF-other"));
  REQUIRE(second);
  CHECK(second.value().cached);
  CHECK(second.value().entry.output_hash == first.value().entry.output_hash);
  CHECK(calls == 1);

  auto other = cache.get_or_convert(pdf_of("doc-b"), counting(calls, "%PDF-b"));
  REQUIRE(other);
  CHECK(calls == 2);
}

TEST_CASE("export cache runs one conversion for concurrent identical requests", "[export_cache]") {
  folio::manual_clock clock;
  folio::memory_store store(clock);
  folio::memory_blob_store blobs;
  folio::export_cache cache(store, blobs, clock);
  std::atomic<int> calls{0};
  std::vector<std::thread> callers;
  std::vector<std::string> hashes(8);
  for (std::size_t index = 0; index < hashes.size(); ++index) {
    callers.emplace_back([&, index] {
      auto answer = cache.get_or_convert(pdf_of("doc-a"), counting(calls, "%PDF-a"));
      hashes[index] = answer ? answer.value().entry.output_hash : "failed";
    });
  }
  for (auto& caller : callers) {
    caller.join();
  }
  CHECK(calls == 1);
  for (const auto& hash : hashes) {
    CHECK(hash == hashes.front());
    CHECK(hash != "failed");
  }
}

TEST_CASE("export cache does not keep a failed conversion", "[export_cache]") {
  folio::manual_clock clock;
  folio::memory_store store(clock);
  folio::memory_blob_store blobs;
  folio::export_cache cache(store, blobs, clock);
  int calls = 0;
  auto failing = cache.get_or_convert(pdf_of("doc-a"), [&]() -> folio::result<folio::conversion_output> {
    ++calls;
    return folio::fail(folio::errc::converter_crashed, "soffice died");
  });
  CHECK(failing.error() == folio::errc::converter_crashed);
  auto retried = cache.get_or_convert(pdf_of("doc-a"), [&]() -> folio::result<folio::conversion_output> {
    ++calls;
    return folio::conversion_output{"%PDF", "application/pdf", 1};
  });
  REQUIRE(retried);
  CHECK_FALSE(retried.value().cached);
  CHECK(calls == 2);
}
