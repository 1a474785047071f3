// Exports of a run: every refusal before anything converts, one conversion per document and request, and the cache
// answering the second time, also for callers that ask together.
#include <folio/memory_store.hpp>
#include <folio/run_export.hpp>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Turns any office document into "<target> of <bytes>", slowly enough for callers to overlap.
class echo_converter final : public folio::converter {
public:
  explicit echo_converter(std::atomic<int>& calls) : calls_(calls) {}
  [[nodiscard]] std::vector<folio::conversion_pair> pairs() const override {
    std::vector<folio::conversion_pair> all;
    for (const auto& each : folio::allowed_conversions) {
      all.push_back({std::string(each.source), std::string(each.target)});
    }
    return all;
  }
  [[nodiscard]] std::string version() const override { return "echo-1"; }
  folio::result<folio::conversion_output> convert(const folio::conversion_request& request) override {
    ++calls_;
    std::this_thread::sleep_for(20ms);
    return folio::conversion_output{
        request.pair.target + " of " + std::string(request.bytes) + " " + request.options.dump(), "text/plain", 1};
  }

private:
  std::atomic<int>& calls_;
};

struct exporting {
  folio::manual_clock clock;
  folio::memory_store store{clock};
  folio::memory_blob_store blobs;
  folio::id_generator ids{clock, 7};
  std::atomic<int> calls{0};
  folio::run_exporter exporter{store, blobs, clock,
                               folio::conversion_router({std::make_shared<echo_converter>(calls)})};
  folio::org_id org = ids.next<folio::org_id>();

  exporting() { REQUIRE(store.create_organization({org, "acme", {}, "whsec", clock.now()})); }

  // A run whose only task was cancelled, so it has no output until `document` is uploaded.
  folio::run_id make_run(folio::document_format format, const std::string& document = {}) {
    folio::submission made;
    made.org = org;
    made.format = format;
    made.prompt = "make it";
    made.fingerprint = made.prompt;
    auto submitted = store.submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now());
    REQUIRE(submitted);
    REQUIRE(store.request_cancel(org, submitted.value().created.id, clock.now()));
    if (!document.empty()) {
      REQUIRE(store.upload_document(org, submitted.value().run_after.id, blobs.put(document).value(), clock.now()));
    }
    return submitted.value().run_after.id;
  }
};

} // namespace

TEST_CASE("exports a run's document once and answers the same export from the cache", "[run_export]") {
  exporting world;
  const auto run = world.make_run(folio::document_format::excel, "sheet bytes");
  auto first = world.exporter.plan(world.org, run, "pdf", json::object());
  REQUIRE(first);
  CHECK_FALSE(first.value().ready);
  CHECK(first.value().file_name() == "workbook.pdf");
  auto produced = world.exporter.produce(first.value());
  REQUIRE(produced);
  CHECK_FALSE(produced.value().cached);
  const auto& made = produced.value().entry;
  CHECK(world.blobs.get(made.output_hash).value() == "pdf of sheet bytes {}");
  CHECK(world.calls == 1);

  auto second = world.exporter.plan(world.org, run, "pdf", json::object());
  REQUIRE(second);
  REQUIRE(second.value().ready);
  CHECK(second.value().ready->output_hash == made.output_hash);
  CHECK(world.exporter.produce(second.value()).value().entry.output_hash == made.output_hash);
  CHECK(world.calls == 1);
  CHECK(world.exporter.counters().conversions == 1);
  CHECK(world.exporter.counters().cache_hits == 1);
}

TEST_CASE("converts again for other options, another target or a new version of the document", "[run_export]") {
  exporting world;
  const auto run = world.make_run(folio::document_format::powerpoint, "deck v1");
  const auto produce = [&](const std::string& target, const json& options) {
    auto planned = world.exporter.plan(world.org, run, target, options);
    REQUIRE(planned);
    return world.blobs.get(world.exporter.produce(planned.value()).value().entry.output_hash).value();
  };
  CHECK(produce("png", json::object()) == "png of deck v1 {\"page\":1,\"width\":1280}");
  CHECK(produce("png", {{"page", 1}}) == "png of deck v1 {\"page\":1,\"width\":1280}");
  CHECK(world.calls == 1);
  CHECK(produce("png", {{"page", 2}}) == "png of deck v1 {\"page\":2,\"width\":1280}");
  CHECK(produce("odp", json::object()) == "odp of deck v1 {}");
  CHECK(world.calls == 3);
  REQUIRE(world.store.upload_document(world.org, run, world.blobs.put("deck v2").value(), world.clock.now()));
  CHECK(produce("odp", json::object()) == "odp of deck v2 {}");
  CHECK(world.calls == 4);
}

TEST_CASE("runs one conversion for identical exports asked together", "[run_export]") {
  exporting world;
  const auto run = world.make_run(folio::document_format::word, "text");
  std::vector<std::thread> callers;
  std::vector<std::string> outputs(6);
  for (std::size_t index = 0; index < outputs.size(); ++index) {
    callers.emplace_back([&, index] {
      auto planned = world.exporter.plan(world.org, run, "txt", json::object());
      if (!planned) {
        outputs[index] = "failed";
        return;
      }
      auto made = world.exporter.produce(planned.value());
      outputs[index] = made ? made.value().entry.output_hash : "failed";
    });
  }
  for (auto& caller : callers) {
    caller.join();
  }
  CHECK(world.calls == 1);
  for (const auto& output : outputs) {
    CHECK(output == outputs.front());
    CHECK(output != "failed");
  }
}

TEST_CASE("refuses before converting: unknown run, no output, expired run, bad requests", "[run_export]") {
  exporting world;
  const auto expect = [&](const folio::run_id& run, const std::string& target, const json& options, folio::errc code) {
    const auto planned = world.exporter.plan(world.org, run, target, options);
    REQUIRE_FALSE(planned);
    CHECK(planned.error() == code);
  };
  expect(world.ids.next<folio::run_id>(), "pdf", json::object(), folio::errc::not_found);
  const auto empty = world.make_run(folio::document_format::excel);
  expect(empty, "pdf", json::object(), folio::errc::no_output);

  const auto run = world.make_run(folio::document_format::word, "text");
  expect(run, "png", json::object(), folio::errc::unsupported_conversion);
  expect(run, "", json::object(), folio::errc::invalid_argument);
  expect(run, "pdf", {{"page", 2}}, folio::errc::invalid_argument);

  const auto other_org = world.ids.next<folio::org_id>();
  REQUIRE(world.store.create_organization({other_org, "other", {}, "whsec", world.clock.now()}));
  const auto foreign = world.exporter.plan(other_org, run, "pdf", json::object());
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error() == folio::errc::not_found);

  REQUIRE(world.store.delete_run(world.org, run, world.clock.now()));
  expect(run, "pdf", json::object(), folio::errc::run_expired);
  CHECK(world.calls == 0);
}

TEST_CASE("names the missing converter when no route makes an allowed export", "[run_export]") {
  folio::manual_clock clock;
  folio::memory_store store(clock);
  folio::memory_blob_store blobs;
  folio::run_exporter exporter(store, blobs, clock, folio::conversion_router({}));
  folio::id_generator ids(clock, 3);
  const auto org = ids.next<folio::org_id>();
  REQUIRE(store.create_organization({org, "acme", {}, "whsec", clock.now()}));
  folio::submission made;
  made.org = org;
  made.prompt = "x";
  made.fingerprint = "x";
  const auto submitted = store.submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now());
  REQUIRE(store.request_cancel(org, submitted.value().created.id, clock.now()));
  REQUIRE(store.upload_document(org, submitted.value().run_after.id, blobs.put("x").value(), clock.now()));
  const auto planned = exporter.plan(org, submitted.value().run_after.id, "pdf", json::object());
  REQUIRE_FALSE(planned);
  CHECK(planned.error() == folio::errc::plugin_not_found);
}

TEST_CASE("offers a document type the allowed targets the converters make, in API.md's order", "[run_export]") {
  exporting world;
  using targets = std::vector<std::string>;
  const auto& here = world.exporter.router();
  CHECK(here.targets_for("xlsx") == targets{"pdf", "csv", "png", "html"});
  CHECK(here.targets_for("docx") == targets{"pdf", "html", "txt", "odt"});
  CHECK(here.targets_for("pptx") == targets{"pdf", "png", "odp"});
  CHECK(here.targets_for("pdf").empty());
  CHECK(folio::conversion_router({}).targets_for("xlsx").empty());
}
