// A minimal agent plugin. An agent edits the document only through the editor's tools (the catalog the host's
// editor publishes), reports progress, honours cancellation, and returns what it wants to remember next turn.
// Build it as a MODULE library with -fvisibility=hidden; the host loads it with folio::load_plugin or a
// plugin_registry.
#include <folio/plugin.hpp>

namespace {

class title_agent final : public folio::agent {
public:
  explicit title_agent(std::string cell) : cell_(std::move(cell)) {}

  folio::result<folio::turn_output> run_turn(const folio::turn_input& input, folio::turn_services& services) override {
    if (services.cancel_requested()) {
      return folio::fail(folio::errc::cancelled, "cancelled before any edit");
    }
    // The tool names and their arguments are those of the editor's catalog; a spreadsheet editor offers set_cell.
    auto written = services.document().call_tool("set_cell", {{"cell", cell_}, {"value", input.prompt}});
    if (!written) {
      return written.error();
    }
    services.report_progress(100);

    folio::turn_output output;
    output.state = input.state;
    // Memory lets the next turn continue without inspecting the document again.
    output.state.memory["title_cell"] = cell_;
    output.credits_used = 1;
    output.summary = "set the title in " + cell_;
    return output;
  }

private:
  std::string cell_;
};

const folio::plugin_descriptor& describe_title_agent() {
  static const folio::plugin_descriptor descriptor{
      "example_title",
      "1.0.0",
      folio::plugin_kind::agent,
      [](const nlohmann::json& config) -> folio::result<std::unique_ptr<folio::agent>> {
        const auto cell = config.find("cell");
        if (cell != config.end() && !cell->is_string()) {
          return folio::fail(folio::errc::invalid_argument, "config 'cell' is a cell name such as \"A1\"", "cell");
        }
        return std::make_unique<title_agent>(cell != config.end() ? cell->get<std::string>() : "A1");
      },
      {},
      {},
  };
  return descriptor;
}

} // namespace

FOLIO_PLUGIN(describe_title_agent);
