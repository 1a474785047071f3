// The well-behaved test plugin: an agent that edits through the host's tools, a converter that upper-cases text,
// and an editor over a tiny JSON "spreadsheet". Its config and results let the tests see that real plugin code ran.
#include <folio/plugin.hpp>

#include <algorithm>
#include <cctype>

namespace {

class cell_writing_agent final : public folio::agent {
public:
  explicit cell_writing_agent(std::string cell) : cell_(std::move(cell)) {}

  folio::result<folio::turn_output> run_turn(const folio::turn_input& input, folio::turn_services& services) override {
    if (services.cancel_requested()) {
      return folio::fail(folio::errc::cancelled, "cancelled before the first edit");
    }
    services.report_progress(10);
    auto written = services.document().call_tool("set_cell", {{"cell", cell_}, {"value", input.prompt}});
    if (!written) {
      return written.error();
    }
    services.report_progress(100);
    folio::turn_output output;
    output.state = input.state;
    output.state.memory["cells"][cell_] = input.prompt;
    output.state.conversation.push_back({{"role", "user"}, {"content", input.prompt}});
    output.credits_used = 1;
    output.summary = "wrote '" + input.prompt + "' to " + cell_;
    return output;
  }

private:
  std::string cell_;
};

class upper_case_converter final : public folio::converter {
public:
  [[nodiscard]] std::vector<folio::conversion_pair> pairs() const override { return {{"txt", "txt"}}; }
  [[nodiscard]] std::string version() const override { return "upper-1"; }

  folio::result<folio::conversion_output> convert(const folio::conversion_request& request) override {
    if (request.pair != folio::conversion_pair{"txt", "txt"}) {
      return folio::fail(folio::errc::unsupported_conversion,
                         "only txt to txt, not " + request.pair.source + " to " + request.pair.target);
    }
    folio::conversion_output output;
    output.bytes.resize(request.bytes.size());
    std::transform(request.bytes.begin(), request.bytes.end(), output.bytes.begin(),
                   [](char symbol) { return static_cast<char>(std::toupper(static_cast<unsigned char>(symbol))); });
    output.media_type = "text/plain";
    return output;
  }
};

class cells_editor final : public folio::editor {
public:
  cells_editor(folio::document_format format, nlohmann::json cells) : format_(format), cells_(std::move(cells)) {}

  [[nodiscard]] nlohmann::json tool_catalog() const override {
    return nlohmann::json::array({{{"name", "set_cell"},
                                   {"description", "Writes a value into a cell."},
                                   {"parameters",
                                    {{"type", "object"},
                                     {"properties", {{"cell", {{"type", "string"}}}, {"value", {{"type", "string"}}}}},
                                     {"required", {"cell", "value"}}}}}});
  }

  folio::result<nlohmann::json> call_tool(std::string_view name, const nlohmann::json& arguments) override {
    if (name != "set_cell") {
      return folio::fail(folio::errc::tool_unknown, "no tool named '" + std::string(name) + "'", "name");
    }
    if (!arguments.contains("cell") || !arguments["cell"].is_string() || !arguments.contains("value")) {
      return folio::fail(folio::errc::tool_arguments_invalid, "set_cell takes a cell and a value", "arguments");
    }
    cells_[arguments["cell"].get<std::string>()] = arguments["value"];
    return nlohmann::json{{"ok", true}};
  }

  folio::result<nlohmann::json> outline() override {
    return nlohmann::json{{"format", folio::to_string(format_)}, {"cells", cells_}};
  }

  folio::result<std::string> save() override { return cells_.dump(); }

private:
  folio::document_format format_;
  nlohmann::json cells_;
};

class cells_editor_factory final : public folio::editor_factory {
public:
  folio::result<std::unique_ptr<folio::editor>> open(folio::document_format format, std::string_view bytes) override {
    if (bytes.empty()) {
      return std::make_unique<cells_editor>(format, nlohmann::json::object());
    }
    auto cells = nlohmann::json::parse(bytes, nullptr, false);
    if (cells.is_discarded() || !cells.is_object()) {
      return folio::fail(folio::errc::document_unreadable, "not a cells document");
    }
    return std::make_unique<cells_editor>(format, std::move(cells));
  }
};

const folio::plugin_descriptor& describe_good_plugin() {
  static const folio::plugin_descriptor descriptor{
      "good",
      "1.2.3",
      folio::plugin_kind::agent | folio::plugin_kind::converter | folio::plugin_kind::editor,
      [](const nlohmann::json& config) -> folio::result<std::unique_ptr<folio::agent>> {
        return std::make_unique<cell_writing_agent>(config.value("cell", std::string("A1")));
      },
      [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::converter>> {
        return std::make_unique<upper_case_converter>();
      },
      [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::editor_factory>> {
        return std::make_unique<cells_editor_factory>();
      },
  };
  return descriptor;
}

} // namespace

FOLIO_PLUGIN(describe_good_plugin);
