// What the editor tests share: the plugin loaded as the server loads it, an editor factory on a one-office pool, and
// independent readers (Debian's python3-openpyxl and python3-docx) to check that saved files mean what the outline
// says.
#pragma once

#include <folio/plugin_loader.hpp>

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace folio_testing {

inline folio::editor_factory& shared_editor_factory() {
  static const auto plugin = [] {
    auto loaded = folio::load_plugin(FOLIO_LIBREOFFICE_PLUGIN);
    INFO((loaded ? std::string() : loaded.error().message));
    REQUIRE(loaded);
    return std::move(loaded).value();
  }();
  static const auto factory = [] {
    auto made = plugin.make_editor_factory({{"processes", 1}});
    INFO((made ? std::string() : made.error().message));
    REQUIRE(made);
    return std::shared_ptr<folio::editor_factory>(std::move(made).value());
  }();
  return *factory;
}

inline std::unique_ptr<folio::editor> open_editor(folio::document_format format, std::string_view bytes = {}) {
  auto opened = shared_editor_factory().open(format, bytes);
  INFO((opened ? std::string() : opened.error().message));
  REQUIRE(opened);
  return std::move(opened).value();
}

// Calls a tool that must succeed and returns its answer.
inline nlohmann::json call(folio::editor& editor, std::string_view tool, const nlohmann::json& arguments) {
  auto answer = editor.call_tool(tool, arguments);
  INFO(std::string(tool) << " " << arguments.dump() << ": " << (answer ? std::string() : answer.error().message));
  REQUIRE(answer);
  return std::move(answer).value();
}

inline std::string saved(folio::editor& editor) {
  auto bytes = editor.save();
  INFO((bytes ? std::string() : bytes.error().message));
  REQUIRE(bytes);
  return std::move(bytes).value();
}

// Numbers the scratch files of this process, which carry its pid: two calls never share a name.
inline std::atomic<unsigned> next_scratch_number{0};

// Runs `script` with Debian's python3 (the one its python3-openpyxl and python3-docx packages serve), the saved
// document's path as sys.argv[1], and returns what it printed.
inline std::string python_reads(const std::string& document, const std::string& extension, const std::string& script) {
  const auto stem = std::filesystem::temp_directory_path() /
                    ("folio-editor-test-" + std::to_string(::getpid()) + "-" + std::to_string(next_scratch_number++));
  const auto document_path = stem.string() + "." + extension;
  const auto script_path = stem.string() + ".py";
  std::ofstream(document_path, std::ios::binary) << document;
  std::ofstream(script_path) << script;
  std::string printed;
  if (FILE* pipe = ::popen(("/usr/bin/python3 '" + script_path + "' '" + document_path + "' 2>&1").c_str(), "r")) {
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      printed.append(buffer, read);
    }
    ::pclose(pipe);
  }
  std::filesystem::remove(document_path);
  std::filesystem::remove(script_path);
  return printed;
}

} // namespace folio_testing
