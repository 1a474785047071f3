// The office pool under the converter and the editors, through the plugin as a host loads it: recycling after a
// number of jobs and above a memory cap with a warm successor, the bounded queue of callers, the watchdog on a stuck
// office, and memory held bounded over hundreds of conversions. The pool's own counters (folio_libreoffice_pool_stats)
// and /proc are the witnesses, never a timing.
#include "conversion_testing.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using folio_testing::pool_stats;
using folio_testing::read_bytes;

struct document {
  std::string source;
  std::string bytes;
  std::string word; // in the document's text, so in its txt or csv
};

document small_docx() {
  return {"docx", read_bytes(folio_testing::corpus_file("docx/pandoc__unicode.docx")), "Hello"};
}

// Small documents of each type, converted round-robin where many conversions are needed.
std::vector<document> small_documents() {
  return {small_docx(),
          {"xlsx", read_bytes(folio_testing::corpus_file("xlsx/pandoc__basic.xlsx")), "Anton Antich"},
          {"pptx", read_bytes(folio_testing::corpus_file("pptx/pandoc__output.pptx")), "Slides"},
          {"docx", read_bytes(folio_testing::corpus_file("docx/pandoc__lists.docx")), "nested lists"},
          {"xlsx", read_bytes(folio_testing::corpus_file("xlsx/exceljs__google-sheets.xlsx")), "VISIBLE"},
          {"pptx", read_bytes(folio_testing::corpus_file("pptx/poi__with_japanese.pptx")), "Row 1 Col 1"}};
}

std::string text_target(const document& each) {
  return each.source == "xlsx" ? "csv" : "txt";
}

folio::result<folio::conversion_output> convert(folio::converter& converter, const document& each,
                                                folio::duration deadline = 60s) {
  return converter.convert({each.bytes, {each.source, text_target(each)}, nlohmann::json::object(), deadline});
}

pid_t only_pid(const nlohmann::json& stats) {
  REQUIRE(stats["pids"].size() == 1);
  return stats["pids"][0].get<pid_t>();
}

} // namespace

TEST_CASE("pool recycles an office after max_jobs with its successor warm, failing no job") {
  const auto plugin = folio_testing::load();
  const nlohmann::json config{{"processes", 1}, {"max_jobs", 5}};
  const auto converter = folio_testing::make_converter(plugin, config);
  const auto first = only_pid(pool_stats(config));
  const auto docx = small_docx();

  for (int job = 1; job <= 5; ++job) {
    const auto converted = convert(*converter, docx);
    INFO("job " << job << ": " << (converted ? std::string() : converted.error().message));
    REQUIRE(converted);
    CHECK_THAT(converted.value().bytes, Catch::Contains("Hello"));
  }
  // The fifth answer is given and the office is worn out: its successor is wanted while it still serves.
  const auto worn = pool_stats(config);
  CHECK(worn["starting"] == 1);
  CHECK(worn["ready"] == 1);
  CHECK(worn["recycled"] == 0);
  CHECK(only_pid(worn) == first);

  // Jobs go on while the successor starts, and every answer finds one office serving: the old one is stopped only
  // once its successor answers.
  std::vector<pid_t> seen{first};
  for (int job = 6; job <= 20; ++job) {
    const auto converted = convert(*converter, docx);
    INFO("job " << job << ": " << (converted ? std::string() : converted.error().message));
    REQUIRE(converted);
    CHECK_THAT(converted.value().bytes, Catch::Contains("Hello"));
    const auto stats = pool_stats(config);
    CHECK(stats["ready"] == 1);
    const auto serving = only_pid(stats);
    if (serving != seen.back()) {
      seen.push_back(serving);
    }
  }
  REQUIRE(folio_testing::wait_for_pool(config, [](const nlohmann::json& stats) { return stats["starting"] == 0; }));
  const auto settled = pool_stats(config);
  CHECK(settled["recycled"].get<int>() >= 1);
  CHECK(settled["crashes"] == 0);
  CHECK(settled["timeouts"] == 0);
  CHECK(settled["jobs_done"] == 20);
  if (only_pid(settled) != seen.back()) {
    seen.push_back(only_pid(settled));
  }
  CHECK(seen.size() == 1 + settled["recycled"].get<std::size_t>());
  // The offices it replaced are gone, not left running beside their successors.
  REQUIRE(folio_testing::wait_for_pool(config, [&](const nlohmann::json&) {
    return std::all_of(seen.begin(), seen.end() - 1, [](pid_t pid) { return folio_testing::resident_bytes(pid) == 0; });
  }));
}

TEST_CASE("pool recycles an office whose memory passes max_rss_mb") {
  const auto plugin = folio_testing::load();
  const nlohmann::json config{{"processes", 1}, {"max_rss_mb", 1}};
  const auto converter = folio_testing::make_converter(plugin, config);
  const auto first = only_pid(pool_stats(config));
  const auto docx = small_docx();

  const auto converted = convert(*converter, docx);
  REQUIRE(converted);
  const auto worn = pool_stats(config);
  CHECK(worn["rss_bytes"].get<std::uint64_t>() > std::uint64_t{1} << 20U);
  CHECK(worn["starting"] == 1);
  CHECK(worn["ready"] == 1);

  REQUIRE(folio_testing::wait_for_pool(config, [](const nlohmann::json& stats) { return stats["recycled"] == 1; }));
  const auto again = convert(*converter, docx);
  INFO((again ? std::string() : again.error().message));
  REQUIRE(again);
  CHECK_THAT(again.value().bytes, Catch::Contains("Hello"));
  const auto recycled = pool_stats(config);
  CHECK(only_pid(recycled) != first);
  CHECK(recycled["crashes"] == 0);
}

TEST_CASE("pool refuses callers past its queue at once with queue_full, and serves the queued ones") {
  const auto plugin = folio_testing::load();
  // The editor and the converter share the one office: an editor holds it for its whole life.
  const nlohmann::json config{{"processes", 1}, {"queue_limit", 1}};
  const auto converter = folio_testing::make_converter(plugin, config);
  auto factory = plugin.make_editor_factory(config);
  REQUIRE(factory);
  auto editor = factory.value()->open(folio::document_format::word, {});
  REQUIRE(editor);
  CHECK(pool_stats(config)["busy"] == 1);

  const auto docx = small_docx();
  std::optional<folio::result<folio::conversion_output>> queued_result;
  std::jthread queued([&] { queued_result = convert(*converter, docx, 120s); });
  REQUIRE(folio_testing::wait_for_pool(config, [](const nlohmann::json& stats) { return stats["queued"] == 1; }));

  const auto jobs_before = pool_stats(config)["jobs_done"];
  const auto refused = convert(*converter, docx);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == folio::errc::queue_full);
  CHECK(refused.error().message == "the conversion queue is full");
  auto refused_editor = factory.value()->open(folio::document_format::excel, {});
  REQUIRE_FALSE(refused_editor);
  CHECK(refused_editor.error().code == folio::errc::queue_full);
  const auto full = pool_stats(config);
  CHECK(full["rejected"] == 2);
  CHECK(full["jobs_done"] == jobs_before);

  // The editor's end frees the office for the caller that waited.
  editor.value().reset();
  queued.join();
  REQUIRE(queued_result);
  INFO((*queued_result ? std::string() : queued_result->error().message));
  REQUIRE(*queued_result);
  CHECK_THAT(queued_result->value().bytes, Catch::Contains("Hello"));
  CHECK(pool_stats(config)["queued"] == 0);
}

TEST_CASE("pool watchdog kills a stuck office at the job's deadline and replaces it") {
  const auto plugin = folio_testing::load();
  const nlohmann::json config{{"processes", 1}};
  const auto converter = folio_testing::make_converter(plugin, config);
  const auto stuck = only_pid(pool_stats(config));
  const auto docx = small_docx();

  // A stopped process answers nothing, as a hung one would.
  REQUIRE(::kill(stuck, SIGSTOP) == 0);
  const auto started = std::chrono::steady_clock::now();
  const auto timed_out = convert(*converter, docx, 3s);
  REQUIRE_FALSE(timed_out);
  CHECK(timed_out.error().code == folio::errc::conversion_timeout);
  CHECK(std::chrono::steady_clock::now() - started < 60s);
  CHECK(pool_stats(config)["timeouts"] == 1);

  const auto next = convert(*converter, docx);
  INFO((next ? std::string() : next.error().message));
  REQUIRE(next);
  CHECK_THAT(next.value().bytes, Catch::Contains("Hello"));
  CHECK(only_pid(pool_stats(config)) != stuck);
  CHECK(folio_testing::resident_bytes(stuck) == 0);
}

TEST_CASE("pool memory stays bounded over 500 conversions to pdf in a row (5,000 with FOLIO_LONG_TESTS=1)") {
  const char* long_tests = std::getenv("FOLIO_LONG_TESTS");
  const int conversions = long_tests != nullptr && std::string(long_tests) == "1" ? 5'000 : 500;
  // A fresh office holds about 90 MB and grows with every document it renders; the cap is set where this run reaches
  // it many times, and max_jobs out of the way, so that memory alone recycles.
  constexpr std::uint64_t cap_mb = 250;
  const auto plugin = folio_testing::load();
  const nlohmann::json config{{"processes", 2}, {"max_rss_mb", cap_mb}, {"max_jobs", 1'000'000}};
  const auto converter = folio_testing::make_converter(plugin, config);
  const auto documents = small_documents();

  // Two callers keep both offices busy; the test's thread watches the offices' memory from /proc meanwhile.
  std::atomic<int> next{0};
  std::atomic<int> failed{0};
  std::atomic<int> callers_left{2};
  std::string first_failure;
  std::mutex failure_mutex;
  const auto caller = [&] {
    for (int index = next++; index < conversions; index = next++) {
      const auto& each = documents[static_cast<std::size_t>(index) % documents.size()];
      const auto converted =
          converter->convert({each.bytes, {each.source, "pdf"}, nlohmann::json::object(), std::chrono::seconds{60}});
      if (!converted || converted.value().page_count.value_or(0) == 0) {
        const std::scoped_lock lock(failure_mutex);
        first_failure = converted ? "a pdf without pages" : converted.error().message;
        ++failed;
      }
    }
    --callers_left;
  };
  std::uint64_t largest_office = 0;
  std::uint64_t largest_pool = 0;
  {
    const std::jthread one(caller);
    const std::jthread two(caller);
    while (callers_left > 0) {
      std::uint64_t pool = 0;
      const auto stats = pool_stats(config);
      for (const auto& pid : stats["pids"]) {
        const auto office = folio_testing::resident_bytes(pid.get<pid_t>());
        largest_office = std::max(largest_office, office);
        pool += office;
      }
      largest_pool = std::max(largest_pool, pool);
      std::this_thread::sleep_for(50ms);
    }
  }
  const auto stats = pool_stats(config);
  INFO("largest office " << (largest_office >> 20U) << " MB, largest pool " << (largest_pool >> 20U) << " MB, "
                         << stats.dump());
  INFO(first_failure);
  CHECK(failed == 0);
  CHECK(stats["jobs_done"] == conversions);
  WARN("largest office " << (largest_office >> 20U) << " MB, largest pool " << (largest_pool >> 20U) << " MB, "
                         << stats["recycled"] << " offices recycled over " << conversions << " conversions");
  // Without recycling a warm soffice grows past a gigabyte within a few hundred conversions; with it, each office
  // stays near the cap: it may serve a few more jobs while its successor starts.
  CHECK(stats["recycled"].get<int>() >= 2);
  CHECK(largest_office < (cap_mb + 150) << 20U);
  CHECK(largest_pool < 2 * ((cap_mb + 150) << 20U));
}
