// What the vips tests share: corpus files, PDFs made from them by the real libreoffice plugin (one office for the
// whole program), and readings of a PNG that do not trust the converter: its header, its pixels, and the page size
// poppler's pdfinfo reports for the PDF it came from.
#pragma once

#include <folio/plugin_loader.hpp>

#include <unistd.h>
#include <vips/vips.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace folio_vips_test {

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

inline folio::loaded_plugin load(const char* file) {
  auto plugin = folio::load_plugin(file);
  INFO((plugin ? std::string() : plugin.error().message));
  REQUIRE(plugin);
  return std::move(plugin).value();
}

inline folio::converter& office() {
  static const auto plugin = load(FOLIO_LIBREOFFICE_PLUGIN);
  static const auto converter = [] {
    auto made = plugin.make_converter({{"processes", 1}});
    INFO((made ? std::string() : made.error().message));
    REQUIRE(made);
    return std::shared_ptr<folio::converter>(std::move(made).value());
  }();
  return *converter;
}

// The PDF LibreOffice makes of a corpus document ("pptx/pandoc__output.pptx"), made once per program.
inline const std::string& pdf_of(std::string_view relative) {
  static std::map<std::string, std::string, std::less<>> made;
  if (const auto found = made.find(relative); found != made.end()) {
    return found->second;
  }
  const auto bytes = read_bytes(corpus_file(std::string(relative)));
  const auto source = fs::path(relative).extension().string().substr(1);
  auto pdf = office().convert({bytes, {source, "pdf"}});
  INFO(relative << ": " << (pdf ? std::string() : pdf.error().message));
  REQUIRE(pdf);
  return made.emplace(std::string(relative), std::move(pdf).value().bytes).first->second;
}

// PNG: an 8-byte signature, then the IHDR chunk (length, type) whose data starts with width and height, big-endian.
struct png_header {
  int width = 0;
  int height = 0;
  int color_type = -1; // 2: RGB, 6: RGBA
};

inline png_header read_png_header(const std::string& png) {
  REQUIRE(png.size() > 33);
  REQUIRE(png.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  REQUIRE(png.substr(12, 4) == "IHDR");
  const auto big_endian = [&](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t index = 0; index < 4; ++index) {
      value = (value << 8U) | static_cast<unsigned char>(png[at + index]);
    }
    return static_cast<int>(value);
  };
  return {big_endian(16), big_endian(20), static_cast<unsigned char>(png[25])};
}

inline std::unique_ptr<VipsImage, void (*)(void*)> decode_png(const std::string& png) {
  static const bool started = VIPS_INIT("folio-vips-tests") == 0;
  REQUIRE(started);
  VipsImage* decoded = nullptr;
  // pngload_buffer only reads the buffer; its C signature takes it non-const.
  REQUIRE(vips_pngload_buffer(const_cast<char*>(png.data()), png.size(), &decoded, nullptr) == 0);
  return {decoded, g_object_unref};
}

// The darkest value over all pixels and bands: dark text on a page makes it low; a blank render has none.
inline double darkest_pixel(const std::string& png) {
  const auto image = decode_png(png);
  double darkest = 0;
  REQUIRE(vips_min(image.get(), &darkest, nullptr) == 0);
  return darkest;
}

inline fs::path write_temporary(const std::string& bytes, const std::string& extension) {
  static int made = 0;
  const auto path = fs::temp_directory_path() /
                    ("folio-vips-test-" + std::to_string(::getpid()) + "-" + std::to_string(++made) + extension);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

inline std::string command_output(const std::string& command) {
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output.append(buffer, read);
    }
    ::pclose(pipe);
  }
  return output;
}

// How far a PNG is, pixel by pixel, from poppler's other renderer (pdftoppm, Splash) drawing the same page at the
// same size: the mean absolute difference over every pixel and band, 0 to 255. The two anti-alias differently, so a
// right render differs by under a level on average; another page, scale or position differs by several.
inline double difference_from_pdftoppm(const std::string& pdf, int page, const std::string& png) {
  const auto ours = decode_png(png);
  const auto path = write_temporary(pdf, ".pdf");
  const auto reference_base = path.string() + "-reference";
  const auto page_text = std::to_string(page);
  command_output("pdftoppm -png -singlefile -f " + page_text + " -l " + page_text + " -scale-to-x " +
                 std::to_string(ours->Xsize) + " -scale-to-y " + std::to_string(ours->Ysize) + " '" + path.string() +
                 "' '" + reference_base + "'");
  const auto reference_png = read_bytes(reference_base + ".png");
  fs::remove(path);
  fs::remove(reference_base + ".png");
  INFO("pdftoppm rendered nothing for page " << page);
  REQUIRE_FALSE(reference_png.empty());
  const auto reference = decode_png(reference_png);
  REQUIRE(reference->Xsize == ours->Xsize);
  REQUIRE(reference->Ysize == ours->Ysize);
  VipsImage* difference = nullptr;
  REQUIRE(vips_subtract(ours.get(), reference.get(), &difference, nullptr) == 0);
  const std::unique_ptr<VipsImage, void (*)(void*)> signed_difference(difference, g_object_unref);
  VipsImage* magnitude = nullptr;
  REQUIRE(vips_abs(signed_difference.get(), &magnitude, nullptr) == 0);
  const std::unique_ptr<VipsImage, void (*)(void*)> absolute(magnitude, g_object_unref);
  double mean = 0;
  REQUIRE(vips_avg(absolute.get(), &mean, nullptr) == 0);
  return mean;
}

// A page's size in points, as poppler's pdfinfo reads it, and the document's page count.
struct pdf_facts {
  int pages = 0;
  double page_width = 0;
  double page_height = 0;
};

inline pdf_facts pdfinfo(const std::string& pdf, int page) {
  const auto path = write_temporary(pdf, ".pdf");
  const auto page_text = std::to_string(page);
  const auto text = command_output("pdfinfo -f " + page_text + " -l " + page_text + " '" + path.string() + "'");
  fs::remove(path);
  pdf_facts facts;
  std::smatch found;
  INFO(text);
  REQUIRE(std::regex_search(text, found, std::regex(R"(Pages:\s+(\d+))")));
  facts.pages = std::stoi(found[1]);
  REQUIRE(std::regex_search(text, found, std::regex("Page\\s+" + page_text + R"( size:\s+([\d.]+) x ([\d.]+) pts)")));
  facts.page_width = std::stod(found[1]);
  facts.page_height = std::stod(found[2]);
  return facts;
}

} // namespace folio_vips_test
