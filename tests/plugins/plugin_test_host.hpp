// The host side of the plugin tests: the paths of the test plugins, turn services over any editor, an editor that
// records the tool calls an agent makes, and a check of whether the dynamic loader still has a library mapped.
#pragma once

#include <folio/agent.hpp>
#include <folio/editor.hpp>

#include <dlfcn.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace folio_test {

inline const std::filesystem::path good_plugin{FOLIO_TEST_PLUGIN_GOOD};
inline const std::filesystem::path duplicate_plugin{FOLIO_TEST_PLUGIN_DUPLICATE};
inline const std::filesystem::path other_abi_plugin{FOLIO_TEST_PLUGIN_OTHER_ABI};
inline const std::filesystem::path throwing_plugin{FOLIO_TEST_PLUGIN_THROWING};
inline const std::filesystem::path throwing_factory_plugin{FOLIO_TEST_PLUGIN_THROWING_FACTORY};
inline const std::filesystem::path inconsistent_plugin{FOLIO_TEST_PLUGIN_INCONSISTENT};
inline const std::filesystem::path not_a_plugin{FOLIO_TEST_NOT_A_PLUGIN};

// RTLD_NOLOAD finds a library only if it is already mapped, and maps nothing new.
inline bool library_is_mapped(const std::filesystem::path& file) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) {
    return false;
  }
  dlclose(handle);
  return true;
}

class recording_editor final : public folio::editor {
public:
  [[nodiscard]] nlohmann::json tool_catalog() const override {
    return nlohmann::json::array({{{"name", "set_cell"}, {"description", "Writes a value into a cell."}}});
  }

  folio::result<nlohmann::json> call_tool(std::string_view name, const nlohmann::json& arguments) override {
    calls.push_back({{"name", name}, {"arguments", arguments}});
    return nlohmann::json{{"ok", true}};
  }

  folio::result<nlohmann::json> outline() override { return nlohmann::json{{"calls", calls}}; }
  folio::result<std::string> save() override { return nlohmann::json(calls).dump(); }

  std::vector<nlohmann::json> calls;
};

class test_services final : public folio::turn_services {
public:
  explicit test_services(folio::editor& document) : document_(&document) {}

  void report_progress(int percent) override { progress.push_back(percent); }
  [[nodiscard]] bool cancel_requested() override { return cancel; }
  folio::editor& document() override { return *document_; }

  std::vector<int> progress;
  bool cancel = false;

private:
  folio::editor* document_;
};

inline folio::turn_input prompt(std::string text) {
  folio::turn_input input;
  input.prompt = std::move(text);
  return input;
}

} // namespace folio_test
