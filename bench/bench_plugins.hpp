// What the benchmarks that drive real plugins share: loading a plugin (a broken setup ends the program before any
// measurement), and the host side of an agent's turn that only hands the agent its editor.
#pragma once

#include <folio/agent.hpp>
#include <folio/plugin_loader.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace folio_bench {

inline folio::loaded_plugin load_plugin_or_exit(const char* file) {
  auto plugin = folio::load_plugin(file);
  if (!plugin) {
    std::cerr << plugin.error().message << "\n";
    std::exit(1); // NOLINT(concurrency-mt-unsafe): before any benchmark thread
  }
  return std::move(plugin).value();
}

class turn_host final : public folio::turn_services {
public:
  explicit turn_host(folio::editor& document) : document_(document) {}
  void report_progress(int) override {}
  bool cancel_requested() override { return false; }
  folio::editor& document() override { return document_; }

private:
  folio::editor& document_;
};

// Plays one turn of an excel run on `document`; a failed turn ends the program (a broken setup, not a measurement).
inline folio::turn_output play_excel_turn(folio::agent& agent, folio::editor& document, const std::string& prompt,
                                          const folio::agent_state& state, int index) {
  turn_host host(document);
  folio::turn_input input;
  input.prompt = prompt;
  input.format = folio::document_format::excel;
  input.turn_index = index;
  input.state = state;
  auto output = agent.run_turn(input, host);
  if (!output) {
    std::cerr << prompt << ": " << output.error().message << "\n";
    std::exit(1); // NOLINT(concurrency-mt-unsafe): a broken setup, not a measurement
  }
  return std::move(output).value();
}

} // namespace folio_bench
