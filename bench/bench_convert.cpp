// Conversion to PDF side by side, in one run, on the same documents: the libreoffice converter's warm pool (loaded as
// the server loads it) with one office and one caller, with two offices and two callers, and a cold
// `soffice --headless --convert-to pdf` per document. Prints per-format latency percentiles, throughput and the
// offices' memory; bench/README.md records the numbers.
//
//   folio_bench_convert [--rounds N] [--files-per-type N] [--no-cold]
#include <folio/plugin_loader.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/dll/shared_library.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using milliseconds = std::chrono::duration<double, std::milli>;

struct document {
  fs::path path;
  std::string type;
  std::string bytes;
};

std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

// The smallest valid documents of each type: what an export usually converts. SampleSparklines crashes LibreOffice 7.4
// itself (tests/libreoffice/test_corpus.cpp), so it is left out.
std::vector<document> pick_documents(std::size_t per_type) {
  std::vector<document> picked;
  for (const std::string type : {"xlsx", "docx", "pptx"}) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fs::path(FOLIO_CORPUS_DIR) / "files" / type)) {
      if (entry.path().filename() != "closedxml__SampleSparklines.xlsx") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end(),
              [](const fs::path& left, const fs::path& right) { return fs::file_size(left) < fs::file_size(right); });
    files.resize(std::min(per_type, files.size()));
    for (const auto& file : files) {
      picked.push_back({file, type, read_bytes(file)});
    }
  }
  return picked;
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[index];
}

nlohmann::json pool_stats(const nlohmann::json& config) {
  static const boost::dll::shared_library library(FOLIO_LIBREOFFICE_PLUGIN);
  static const auto& stats_of =
      library.get_alias<nlohmann::json(const nlohmann::json&)>("folio_libreoffice_pool_stats");
  return stats_of(config);
}

struct warm_result {
  std::map<std::string, std::vector<double>> per_type_ms;
  std::vector<double> all_ms;
  double seconds = 0;
  std::size_t documents = 0;
  std::size_t failures = 0;
  std::uint64_t largest_office_rss = 0;
  nlohmann::json stats;
};

// `callers` threads convert `rounds` passes over the documents to PDF on a pool of `processes` offices, after an
// untimed pass per caller.
warm_result run_warm(const folio::loaded_plugin& plugin, const std::vector<document>& documents, std::size_t processes,
                     std::size_t callers, std::size_t rounds) {
  const nlohmann::json config{{"processes", processes}};
  auto made = plugin.make_converter(config);
  if (!made) {
    std::cerr << "cannot make the converter: " << made.error().message << "\n";
    std::exit(1);
  }
  auto& converter = *made.value();
  const auto convert = [&](const document& each) {
    return converter.convert({each.bytes, {each.type, "pdf"}, nlohmann::json::object(), std::chrono::seconds{60}});
  };
  {
    // Every office loads Calc, Writer and Impress once before anything is timed.
    std::vector<std::jthread> threads;
    for (std::size_t caller = 0; caller < callers; ++caller) {
      threads.emplace_back([&] {
        for (const auto& each : documents) {
          (void)convert(each);
        }
      });
    }
  }

  warm_result result;
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  const std::size_t total = documents.size() * rounds;
  std::atomic<bool> done{false};
  const auto started = clock_type::now();
  {
    std::vector<std::jthread> threads;
    for (std::size_t caller = 0; caller < callers; ++caller) {
      threads.emplace_back([&] {
        for (auto index = next++; index < total; index = next++) {
          const auto& each = documents[index % documents.size()];
          const auto began = clock_type::now();
          const auto converted = convert(each);
          const double took = milliseconds(clock_type::now() - began).count();
          const std::scoped_lock lock(mutex);
          if (!converted) {
            ++result.failures;
            std::cerr << each.path.filename().string() << ": " << converted.error().message << "\n";
            continue;
          }
          result.per_type_ms[each.type].push_back(took);
          result.all_ms.push_back(took);
        }
      });
    }
    std::jthread watcher([&] {
      while (!done) {
        const auto stats = pool_stats(config);
        for (const auto& pid : stats["pids"]) {
          std::ifstream statm("/proc/" + std::to_string(pid.get<int>()) + "/statm");
          std::uint64_t size = 0;
          std::uint64_t resident = 0;
          statm >> size >> resident;
          result.largest_office_rss =
              std::max(result.largest_office_rss, resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
      }
    });
    for (auto& thread : threads) {
      thread.join();
    }
    done = true;
  }
  result.seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  result.documents = total - result.failures;
  result.stats = pool_stats(config);
  return result;
}

// One cold soffice per document, with a profile made beforehand (a first start's profile creation is not counted).
std::vector<double> run_cold(const std::vector<document>& documents) {
  const auto scratch = fs::temp_directory_path() / ("folio-bench-cold-" + std::to_string(::getpid()));
  fs::create_directories(scratch / "out");
  const auto convert = [&](const fs::path& file) {
    const std::string command = std::string(FOLIO_LIBREOFFICE_PROGRAM_DIR) + "/soffice -env:UserInstallation=file://" +
                                (scratch / "profile").string() + " --headless --convert-to pdf --outdir '" +
                                (scratch / "out").string() + "' '" + file.string() + "' >/dev/null 2>&1";
    return std::system(command.c_str());
  };
  (void)convert(documents.front().path);
  std::vector<double> times;
  for (const auto& each : documents) {
    const auto began = clock_type::now();
    (void)convert(each.path);
    times.push_back(milliseconds(clock_type::now() - began).count());
  }
  fs::remove_all(scratch);
  return times;
}

std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one;
  std::string five;
  std::string fifteen;
  file >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

} // namespace

int main(int argc, char** argv) {
  std::size_t rounds = 3;
  std::size_t per_type = 8;
  bool cold = true;
  for (int index = 1; index < argc; ++index) {
    const std::string argument = argv[index];
    if (argument == "--rounds" && index + 1 < argc) {
      rounds = std::stoul(argv[++index]);
    } else if (argument == "--files-per-type" && index + 1 < argc) {
      per_type = std::stoul(argv[++index]);
    } else if (argument == "--no-cold") {
      cold = false;
    } else {
      std::cerr << "usage: folio_bench_convert [--rounds N] [--files-per-type N] [--no-cold]\n";
      return 2;
    }
  }
  const auto documents = pick_documents(per_type);
  std::cout << documents.size() << " documents to PDF, " << rounds << " rounds; load average at start "
            << load_average() << "\n";

  auto plugin = folio::load_plugin(FOLIO_LIBREOFFICE_PLUGIN);
  if (!plugin) {
    std::cerr << plugin.error().message << "\n";
    return 1;
  }
  const auto report = [&](const std::string& name, const warm_result& result) {
    std::cout << "\n"
              << name << ": " << result.documents << " documents in " << result.seconds
              << " s = " << static_cast<double>(result.documents) / result.seconds << " docs/s, " << result.failures
              << " failed; p50 " << percentile(result.all_ms, 0.5) << " ms, p95 " << percentile(result.all_ms, 0.95)
              << " ms; largest office " << (result.largest_office_rss >> 20U) << " MB; pool " << result.stats.dump()
              << "\n";
    for (const auto& [type, times] : result.per_type_ms) {
      std::cout << "  " << type << ": p50 " << percentile(times, 0.5) << " ms, p95 " << percentile(times, 0.95)
                << " ms (" << times.size() << " conversions)\n";
    }
  };
  const auto one = run_warm(plugin.value(), documents, 1, 1, rounds);
  report("warm, 1 office, 1 caller", one);
  const auto two = run_warm(plugin.value(), documents, 2, 2, rounds);
  report("warm, 2 offices, 2 callers", two);
  if (cold) {
    const auto times = run_cold(documents);
    double total = 0;
    for (const auto each : times) {
      total += each;
    }
    std::cout << "\ncold soffice --headless --convert-to pdf, one per document: p50 " << percentile(times, 0.5)
              << " ms, p95 " << percentile(times, 0.95) << " ms, " << static_cast<double>(times.size()) / (total / 1000)
              << " docs/s\n";
    std::cout << "warm p50 / cold p50 = " << percentile(one.all_ms, 0.5) / percentile(times, 0.5) << "\n";
  }
  std::cout << "load average at end " << load_average() << "\n";
  return 0;
}
