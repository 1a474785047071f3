// Every operation of this plugin's objects throws, in the ways plugin code can: a std::runtime_error, a type of the
// plugin's own (hidden, as -fvisibility=hidden makes it), and something that is not a std::exception at all.
#include <folio/plugin.hpp>

#include <stdexcept>

namespace {

class plugin_private_error final : public std::exception {
public:
  [[nodiscard]] const char* what() const noexcept override { return "a plugin-private error type"; }
};

class throwing_agent final : public folio::agent {
public:
  folio::result<folio::turn_output> run_turn(const folio::turn_input&, folio::turn_services&) override {
    throw std::runtime_error("the agent exploded");
  }
};

class throwing_converter final : public folio::converter {
public:
  [[nodiscard]] std::vector<folio::conversion_pair> pairs() const override { return {{"txt", "txt"}}; }
  [[nodiscard]] std::string version() const override { return "throwing-1"; }
  folio::result<folio::conversion_output> convert(const folio::conversion_request&) override {
    throw std::runtime_error("the converter exploded");
  }
};

class throwing_editor final : public folio::editor {
public:
  [[nodiscard]] nlohmann::json tool_catalog() const override { return nlohmann::json::array(); }
  folio::result<nlohmann::json> call_tool(std::string_view, const nlohmann::json&) override {
    throw plugin_private_error();
  }
  folio::result<nlohmann::json> outline() override { throw std::out_of_range("outline out of range"); }
  folio::result<std::string> save() override { throw 42; }
};

class throwing_editor_factory final : public folio::editor_factory {
public:
  folio::result<std::unique_ptr<folio::editor>> open(folio::document_format, std::string_view) override {
    return std::make_unique<throwing_editor>();
  }
};

const folio::plugin_descriptor& describe_throwing() {
  static const folio::plugin_descriptor descriptor{
      "throwing",
      "0.0.1",
      folio::plugin_kind::agent | folio::plugin_kind::converter | folio::plugin_kind::editor,
      [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::agent>> {
        return std::make_unique<throwing_agent>();
      },
      [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::converter>> {
        return std::make_unique<throwing_converter>();
      },
      [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::editor_factory>> {
        return std::make_unique<throwing_editor_factory>();
      },
  };
  return descriptor;
}

} // namespace

FOLIO_PLUGIN(describe_throwing);
