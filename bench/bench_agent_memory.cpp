// What memory saves a follow-up turn: the scripted agent plays the same follow-up ("Set 'Q3 Sales'!A9 to Reviewed")
// on workbooks of 1, 5 and 20 sheets, once with the memory it saved when it built the workbook, once with that
// memory taken away, so that it must inspect the document (one outline) before it can act, as an agent without
// durable memory would on every turn. A turn here is what the engine does for one: open the run's document in an
// editor, play the agent, save. Counters: the turn's credits and outline reads; time is wall time per turn.
#include "bench_plugins.hpp"

#include <folio/plugin_loader.hpp>

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>

namespace {

struct harness {
  folio::loaded_plugin agent_plugin = folio_bench::load_plugin_or_exit(FOLIO_SCRIPTED_PLUGIN);
  folio::loaded_plugin office_plugin = folio_bench::load_plugin_or_exit(FOLIO_LIBREOFFICE_PLUGIN);
  std::unique_ptr<folio::agent> agent = agent_plugin.make_agent().value();
  // Every iteration replays the same saved workbook, so parked documents (ADR 12) would serve only the first:
  // switched off, every turn here loads its bytes. folio_bench_kept_documents measures the chain with parking.
  std::unique_ptr<folio::editor_factory> editors =
      office_plugin.make_editor_factory({{"processes", 1}, {"keep_documents", 0}}).value();

  struct turn_result {
    std::string bytes;
    folio::agent_state state;
    std::int64_t credits = 0;
  };

  turn_result play(const std::string& bytes, const std::string& prompt, const folio::agent_state& state, int index) {
    auto editor = editors->open(folio::document_format::excel, bytes).value();
    const auto output = folio_bench::play_excel_turn(*agent, *editor, prompt, state, index);
    return {editor->save().value(), output.state, output.credits_used};
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
  auto made = shared().play({}, "Create a Q3 sales report", {}, 1);
  for (int sheet = 2; sheet <= sheets; ++sheet) {
    made = shared().play(made.bytes, "Add a forecast tab for FY" + std::to_string(25 + sheet), made.state, sheet);
  }
  return built.emplace(sheets, std::move(made)).first->second;
}

void follow_up(benchmark::State& state, bool with_memory) {
  const auto sheets = static_cast<int>(state.range(0));
  const auto& base = workbook(sheets);
  auto start = base.state;
  if (!with_memory) {
    start.memory = nlohmann::json::object();
  }
  std::int64_t credits = 0;
  for (auto _ : state) {
    credits = shared().play(base.bytes, "Set 'Q3 Sales'!A9 to Reviewed", start, sheets + 1).credits;
  }
  state.counters["credits"] = static_cast<double>(credits);
  state.counters["sheets"] = sheets;
}

void follow_up_with_memory(benchmark::State& state) {
  follow_up(state, true);
}

void follow_up_inspecting_first(benchmark::State& state) {
  follow_up(state, false);
}

// The part of every turn that is not the agent's: opening the document in an editor and saving it.
void open_and_save(benchmark::State& state) {
  const auto& base = workbook(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto editor = shared().editors->open(folio::document_format::excel, base.bytes).value();
    benchmark::DoNotOptimize(editor->save().value());
  }
  state.counters["sheets"] = static_cast<double>(state.range(0));
}

void open_only(benchmark::State& state) {
  const auto& base = workbook(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(shared().editors->open(folio::document_format::excel, base.bytes).value());
  }
  state.counters["sheets"] = static_cast<double>(state.range(0));
}

BENCHMARK(open_and_save)->Arg(1)->Arg(5)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(open_only)->Arg(1)->Arg(5)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(follow_up_with_memory)->Arg(1)->Arg(5)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(follow_up_inspecting_first)->Arg(1)->Arg(5)->Arg(20)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
