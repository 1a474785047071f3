// PDF page → PNG at 1280 pixels, the png export's default: the vips plugin, loaded as the server loads it, side by side
// with poppler's pdftoppm (one process per page, as a command-line converter would run it) on the same PDFs. The PDFs
// are made once, at start, by the libreoffice plugin from corpus documents; each iteration renders the next page, so
// a figure is the time per page over all of a document's pages.
#include "bench_plugins.hpp"

#include <folio/plugin_loader.hpp>

#include <benchmark/benchmark.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX declares it in no header

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr int width = 1280;

struct document {
  std::string_view name;
  std::string_view corpus_file;
};

// A spread of page kinds: text slides on a gradient, a slide filled by a table, A4 spreadsheet pages, a long
// letter-size report, and a 40-page A4 document (a larger PDF to parse for every page).
constexpr std::array<document, 5> documents{{
    {"slides", "pptx/pandoc__output.pptx"},
    {"table_slide", "pptx/openxml-sdk__Table_Large.pptx"},
    {"sheet", "xlsx/pandoc__basic.xlsx"},
    {"report", "docx/openxml-sdk__Complex01.docx"},
    {"long_a4", "docx/docx4j__headers_footers.docx"},
}};

std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

std::unique_ptr<folio::converter> make(const folio::loaded_plugin& plugin, const nlohmann::json& config) {
  auto made = plugin.make_converter(config);
  if (!made) {
    std::cerr << made.error().message << "\n";
    std::exit(1); // NOLINT(concurrency-mt-unsafe): before any benchmark thread
  }
  return std::move(made).value();
}

struct rendered_pdf {
  std::string bytes;
  int pages = 0;
  fs::path file; // for pdftoppm
};

// The PDFs, made once; the office is stopped before any measurement.
const std::vector<rendered_pdf>& pdfs() {
  static const std::vector<rendered_pdf> made = [] {
    const auto office_plugin = folio_bench::load_plugin_or_exit(FOLIO_LIBREOFFICE_PLUGIN);
    const auto office = make(office_plugin, {{"processes", 1}});
    const auto vips_plugin = folio_bench::load_plugin_or_exit(FOLIO_VIPS_PLUGIN);
    const auto vips = make(vips_plugin, {});
    const auto directory = fs::temp_directory_path() / ("folio-bench-png-" + std::to_string(::getpid()));
    fs::create_directories(directory);
    std::vector<rendered_pdf> all;
    for (const auto& each : documents) {
      const auto path = fs::path(FOLIO_CORPUS_DIR) / "files" / each.corpus_file;
      const auto source = path.extension().string().substr(1);
      auto pdf = office->convert({read_bytes(path), {source, "pdf"}});
      if (!pdf) {
        std::cerr << path.string() << ": " << pdf.error().message << "\n";
        std::exit(1); // NOLINT(concurrency-mt-unsafe): before any benchmark thread
      }
      rendered_pdf made_pdf;
      made_pdf.bytes = std::move(pdf).value().bytes;
      // The page count as the vips plugin reads it, which is what the benchmark cycles over.
      made_pdf.pages = vips->convert({made_pdf.bytes, {"pdf", "png"}, {{"width", 16}}}).value().page_count.value();
      made_pdf.file = directory / (std::string(each.name) + ".pdf");
      std::ofstream(made_pdf.file, std::ios::binary) << made_pdf.bytes;
      all.push_back(std::move(made_pdf));
    }
    return all;
  }();
  return made;
}

// User and system CPU of this process (every thread: libvips renders on a pool) or of its finished children.
double cpu_seconds(int who) {
  rusage usage{};
  ::getrusage(who, &usage);
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void report(benchmark::State& state, const rendered_pdf& pdf, double cpu_before, int who) {
  state.counters["pages"] = pdf.pages;
  state.counters["cpu_ms_per_page"] =
      (cpu_seconds(who) - cpu_before) * 1000.0 / static_cast<double>(state.iterations());
}

folio::converter& vips() {
  static const auto plugin = folio_bench::load_plugin_or_exit(FOLIO_VIPS_PLUGIN);
  static const auto converter = make(plugin, {});
  return *converter;
}

void png_vips(benchmark::State& state, std::size_t document_index) {
  const auto& pdf = pdfs()[document_index];
  int page = 0;
  std::size_t png_bytes = 0;
  const auto cpu_before = cpu_seconds(RUSAGE_SELF);
  for (auto _ : state) {
    page = page % pdf.pages + 1;
    auto png = vips().convert({pdf.bytes, {"pdf", "png"}, {{"page", page}, {"width", width}}});
    if (!png) {
      state.SkipWithError(png.error().message.c_str());
      return;
    }
    png_bytes += png.value().bytes.size();
    benchmark::DoNotOptimize(png.value().bytes.data());
  }
  report(state, pdf, cpu_before, RUSAGE_SELF);
  state.counters["png_kib"] = static_cast<double>(png_bytes) / 1024.0 / static_cast<double>(state.iterations());
}

// pdftoppm -png -f N -l N -scale-to-x 1280 -scale-to-y -1 (height from the aspect), one process per page.
void png_pdftoppm(benchmark::State& state, std::size_t document_index) {
  const auto& pdf = pdfs()[document_index];
  const auto output = pdf.file.string() + "-pdftoppm";
  int page = 0;
  const auto cpu_before = cpu_seconds(RUSAGE_CHILDREN);
  for (auto _ : state) {
    page = page % pdf.pages + 1;
    const auto page_text = std::to_string(page);
    const auto width_text = std::to_string(width);
    std::vector<std::string> words{"pdftoppm",    "-png",     "-singlefile", "-f", page_text,         "-l",  page_text,
                                   "-scale-to-x", width_text, "-scale-to-y", "-1", pdf.file.string(), output};
    std::vector<char*> arguments;
    arguments.reserve(words.size() + 1);
    for (auto& word : words) {
      arguments.push_back(word.data());
    }
    arguments.push_back(nullptr);
    pid_t child = 0;
    int status = 0;
    if (::posix_spawnp(&child, "pdftoppm", nullptr, nullptr, arguments.data(), environ) != 0 ||
        ::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("pdftoppm failed");
      return;
    }
  }
  report(state, pdf, cpu_before, RUSAGE_CHILDREN);
  std::error_code ignored;
  fs::remove(output + ".png", ignored);
}

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  for (std::size_t index = 0; index < documents.size(); ++index) {
    const auto name = std::string(documents[index].name);
    std::cerr << name << ": " << documents[index].corpus_file << ", " << pdfs()[index].pages << " pages\n";
    // Each repetition renders every page once (the first 14 of a longer document; a short one's pages again up to 5).
    const auto iterations = std::clamp(pdfs()[index].pages, 5, 14);
    benchmark::RegisterBenchmark(("png_vips/" + name).c_str(), png_vips, index)
        ->UseRealTime()
        ->Iterations(iterations)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("png_pdftoppm/" + name).c_str(), png_pdftoppm, index)
        ->UseRealTime()
        ->Iterations(iterations)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ignored;
  fs::remove_all(pdfs().front().file.parent_path(), ignored);
  return 0;
}
