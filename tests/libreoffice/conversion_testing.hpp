// What the converter and pool tests share: the plugin loaded as the server loads it, the shared corpus, the pool's
// counters (read through the plugin's folio_libreoffice_pool_stats export) and independent readers of the outputs
// (poppler's pdftotext, unzip).
#pragma once

#include <folio/plugin_loader.hpp>

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <boost/dll/shared_library.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace folio_testing {

namespace fs = std::filesystem;

inline const fs::path corpus_dir{FOLIO_CORPUS_DIR};

inline fs::path corpus_file(const std::string& relative) {
  INFO("the shared corpus must exist at " << corpus_dir.string() << " (../shared/corpus from the project root)");
  REQUIRE(fs::is_directory(corpus_dir / "files"));
  const auto path = corpus_dir / "files" / relative;
  INFO("missing corpus file " << path.string());
  REQUIRE(fs::is_regular_file(path));
  return path;
}

inline std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

// What a shell command prints on its standard output.
inline std::string command_output(const std::string& command) {
  std::string printed;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      printed.append(buffer, read);
    }
    ::pclose(pipe);
  }
  return printed;
}

// Writes bytes to a file of this process's own that lives as long as the object.
class scratch_file {
public:
  scratch_file(const std::string& bytes, const std::string& extension) {
    static std::atomic<int> next{0}; // callers on several threads each get their own file
    path_ = fs::temp_directory_path() /
            ("folio-lo-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++) + "." + extension);
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;
  ~scratch_file() { fs::remove(path_); }
  [[nodiscard]] std::string quoted() const { return "'" + path_.string() + "'"; }

private:
  fs::path path_;
};

// The text poppler reads from a PDF: what a person would see on the pages.
inline std::string pdf_text(const std::string& pdf) {
  const scratch_file file(pdf, "pdf");
  return command_output("pdftotext -q " + file.quoted() + " -");
}

inline folio::loaded_plugin load_plugin_at(const char* path) {
  auto plugin = folio::load_plugin(path);
  INFO(path << ": " << (plugin ? std::string() : plugin.error().message));
  REQUIRE(plugin);
  return std::move(plugin).value();
}

inline folio::loaded_plugin load() {
  return load_plugin_at(FOLIO_LIBREOFFICE_PLUGIN);
}

inline std::unique_ptr<folio::converter> make_converter(const folio::loaded_plugin& plugin,
                                                        const nlohmann::json& config) {
  auto made = plugin.make_converter(config);
  INFO((made ? std::string() : made.error().message));
  REQUIRE(made);
  return std::move(made).value();
}

// The counters of the pool objects made with `config` share (null when there is none), as a host reads them.
inline nlohmann::json pool_stats(const nlohmann::json& config) {
  static const boost::dll::shared_library library(FOLIO_LIBREOFFICE_PLUGIN);
  static const auto& stats_of =
      library.get_alias<nlohmann::json(const nlohmann::json&)>("folio_libreoffice_pool_stats");
  return stats_of(config);
}

// Waits, polling, until the pool's counters satisfy `settled`; false when they do not within two minutes (offices
// start in seconds, so that means they never will).
template <class Predicate>
bool wait_for_pool(const nlohmann::json& config, Predicate settled) {
  using namespace std::chrono_literals;
  const auto until = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < until) {
    if (settled(pool_stats(config))) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// Resident memory of a process as /proc reports it, 0 once it is gone.
inline std::uint64_t resident_bytes(pid_t pid) {
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  if (!(statm >> size >> resident)) {
    return 0;
  }
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// OpenDocument packages start with an uncompressed "mimetype" entry holding the media type (ODF 1.2 part 3, 3.3).
inline bool is_opendocument(const std::string& bytes, const std::string& media_type) {
  return bytes.starts_with("PK\x03\x04") && bytes.substr(30, 8) == "mimetype" &&
         bytes.substr(38, media_type.size()) == media_type;
}

} // namespace folio_testing
