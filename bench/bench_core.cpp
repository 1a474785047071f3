// Micro-benchmarks of the work the core does on every request: ids, task transitions, paging, signed links, hashing.
#include <folio/clock.hpp>
#include <folio/digest.hpp>
#include <folio/ids.hpp>
#include <folio/pagination.hpp>
#include <folio/signed_url.hpp>
#include <folio/task.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {
constexpr std::string_view sample_run_id = "run_01ARYZ6S41TSV4RRFFQ69G5FAV";
constexpr std::string_view sample_path = "/files/run_01ARYZ6S41TSV4RRFFQ69G5FAV/workbook.xlsx";

const folio::system_clock& wall_clock() {
  static const folio::system_clock clock;
  return clock;
}

void id_next_single_thread(benchmark::State& state) {
  folio::id_generator ids(wall_clock(), 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ids.next<folio::task_id>());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(id_next_single_thread);

// One generator shared by every thread, as the engine's workers share one: this measures the lock under contention.
void id_next_contended(benchmark::State& state) {
  static folio::id_generator shared(wall_clock(), 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(shared.next<folio::task_id>());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(id_next_contended)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

void id_parse(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(folio::run_id::parse(sample_run_id));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(id_parse);

void task_next_status_allowed(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(folio::next_status(folio::task_status::running, folio::task_event::complete));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(task_next_status_allowed);

// A refusal builds an explanatory message, so it costs more than an allowed transition; both are measured.
void task_next_status_refused(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(folio::next_status(folio::task_status::completed, folio::task_event::claim));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(task_next_status_refused);

// A claim and a release per iteration: both are allowed and together leave the task queued for the next round.
void task_apply_claim_release(benchmark::State& state) {
  const folio::manual_clock clock;
  folio::task subject;
  for (auto _ : state) {
    benchmark::DoNotOptimize(folio::apply(subject, folio::task_event::claim, clock.now()));
    benchmark::DoNotOptimize(folio::apply(subject, folio::task_event::release, clock.now()));
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(task_apply_claim_release);

void cursor_parse(benchmark::State& state) {
  const std::optional<std::string_view> limit = "20";
  const std::optional<std::string_view> cursor = sample_run_id;
  for (auto _ : state) {
    benchmark::DoNotOptimize(folio::parse_page_request<folio::run_id>(limit, cursor));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(cursor_parse);

// A default-sized page from the 21 rows a store returns for it; the copy of those rows is part of what is measured,
// since make_page takes them by value.
void cursor_make_page(benchmark::State& state) {
  const folio::manual_clock clock;
  folio::id_generator ids(clock, 1);
  std::vector<folio::run_id> rows;
  for (std::size_t index = 0; index <= folio::default_page_limit; ++index) {
    rows.push_back(ids.next<folio::run_id>());
  }
  const auto id_of = [](const folio::run_id& id) { return id; };
  for (auto _ : state) {
    benchmark::DoNotOptimize(folio::make_page(rows, folio::default_page_limit, id_of));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(cursor_make_page);

void url_sign(benchmark::State& state) {
  const folio::manual_clock clock;
  const folio::url_signer signer("a-server-secret-of-reasonable-length");
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer.sign_for("GET", sample_path, clock.now()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(url_sign);

void url_verify(benchmark::State& state) {
  const folio::manual_clock clock;
  const folio::url_signer signer("a-server-secret-of-reasonable-length");
  const auto link = signer.sign_for("GET", sample_path, clock.now());
  const auto expires = std::to_string(link.expires);
  for (auto _ : state) {
    benchmark::DoNotOptimize(signer.verify("GET", link.path, expires, link.signature, clock.now()));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(url_verify);

void sha256_64_kib(benchmark::State& state) {
  const std::string data(64 * 1024, 'x');
  for (auto _ : state) {
    benchmark::DoNotOptimize(folio::sha256_hex(data));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.size()));
}
BENCHMARK(sha256_64_kib);
} // namespace
