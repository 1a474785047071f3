// A run's follow-up turns as the engine plays them, one after another: each turn opens the bytes the turn before it
// saved, so the LibreOffice editor can take the document it kept parked instead of loading those bytes
// (keep_documents, office_editor.hpp). The scripted agent plays "Set 'Q3 Sales'!A9 to Reviewed" on workbooks of 1, 5
// and 20 sheets, with its memory or with it taken away (one outline first), and with parking on or off. A warm-up
// turn before the timed ones leaves the chain's own document parked. Between turns the clock stops until the office
// is idle again, as it is when the user's next prompt comes: with parking on, that is when the office has loaded the
// saved bytes to keep them (off the turn's path). Counters: credits of the last turn, and the share of timed turns
// that took a parked document.
#include "bench_plugins.hpp"

#include <folio/plugin_loader.hpp>

#include <benchmark/benchmark.h>

#include <boost/dll/shared_library.hpp>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace {

// The pool both editor factories share, one office.
nlohmann::json pool_config() {
  return {{"processes", 1}};
}

struct harness {
  folio::loaded_plugin agent_plugin = folio_bench::load_plugin_or_exit(FOLIO_SCRIPTED_PLUGIN);
  folio::loaded_plugin office_plugin = folio_bench::load_plugin_or_exit(FOLIO_LIBREOFFICE_PLUGIN);
  std::unique_ptr<folio::agent> agent = agent_plugin.make_agent().value();
  // Both factories share one pool (the same pool keys); only one of them parks documents.
  std::unique_ptr<folio::editor_factory> keeping = office_plugin.make_editor_factory(pool_config()).value();
  std::unique_ptr<folio::editor_factory> loading =
      office_plugin.make_editor_factory({{"processes", 1}, {"keep_documents", 0}}).value();
  boost::dll::shared_library office_library{FOLIO_LIBREOFFICE_PLUGIN};

  struct turn_result {
    std::string bytes;
    folio::agent_state state;
    std::int64_t credits = 0;
  };

  turn_result play(folio::editor_factory& editors, const std::string& bytes, const std::string& prompt,
                   const folio::agent_state& state, int index) {
    auto editor = editors.open(folio::document_format::excel, bytes).value();
    const auto output = folio_bench::play_excel_turn(*agent, *editor, prompt, state, index);
    return {editor->save().value(), output.state, output.credits_used};
  }

  nlohmann::json pool_stats() {
    const auto& stats_of =
        office_library.get_alias<nlohmann::json(const nlohmann::json&)>("folio_libreoffice_pool_stats");
    return stats_of(pool_config());
  }

  double kept_hits() { return pool_stats().value("kept_hits", 0.0); }

  void wait_until_idle() {
    while (pool_stats().value("busy", 0) != 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
};

harness& shared() {
  static harness made;
  return made;
}

// A sales report and sheets-1 forecasts linked to it: every sheet has a table of formulas.
const harness::turn_result& workbook(int sheets) {
  static std::map<int, harness::turn_result> built;
  if (auto found = built.find(sheets); found != built.end()) {
    return found->second;
  }
  auto made = shared().play(*shared().loading, {}, "Create a Q3 sales report", {}, 1);
  for (int sheet = 2; sheet <= sheets; ++sheet) {
    made = shared().play(*shared().loading, made.bytes, "Add a forecast tab for FY" + std::to_string(25 + sheet),
                         made.state, sheet);
  }
  return built.emplace(sheets, std::move(made)).first->second;
}

void follow_up_chain(benchmark::State& state, bool with_memory, bool keeping) {
  const auto sheets = static_cast<int>(state.range(0));
  const auto& base = workbook(sheets);
  auto start = base.state;
  if (!with_memory) {
    start.memory = nlohmann::json::object();
  }
  auto& editors = keeping ? *shared().keeping : *shared().loading;
  const std::string prompt = "Set 'Q3 Sales'!A9 to Reviewed";
  auto last = shared().play(editors, base.bytes, prompt, start, sheets + 1);
  shared().wait_until_idle();
  const auto hits_before = shared().kept_hits();
  for (auto _ : state) {
    last = shared().play(editors, last.bytes, prompt, start, sheets + 1);
    state.PauseTiming();
    shared().wait_until_idle();
    state.ResumeTiming();
  }
  state.counters["credits"] = static_cast<double>(last.credits);
  state.counters["sheets"] = sheets;
  state.counters["kept_share"] = (shared().kept_hits() - hits_before) / static_cast<double>(state.iterations());
}

void with_memory_kept(benchmark::State& state) {
  follow_up_chain(state, true, true);
}
void inspecting_first_kept(benchmark::State& state) {
  follow_up_chain(state, false, true);
}
void with_memory_loaded(benchmark::State& state) {
  follow_up_chain(state, true, false);
}
void inspecting_first_loaded(benchmark::State& state) {
  follow_up_chain(state, false, false);
}

constexpr int turns = 3;

BENCHMARK(with_memory_kept)->Arg(1)->Arg(5)->Arg(20)->Iterations(turns)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(inspecting_first_kept)
    ->Arg(1)
    ->Arg(5)
    ->Arg(20)
    ->Iterations(turns)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(with_memory_loaded)->Arg(1)->Arg(5)->Arg(20)->Iterations(turns)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(inspecting_first_loaded)
    ->Arg(1)
    ->Arg(5)
    ->Arg(20)
    ->Iterations(turns)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

} // namespace

BENCHMARK_MAIN();
