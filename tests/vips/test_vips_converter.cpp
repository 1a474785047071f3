// The vips converter plugin, loaded as the server loads it, rendering pages of real PDFs (made by LibreOffice from
// corpus documents). The PNGs are checked against poppler's own reading of the PDF (page size, page count) and by
// their pixels, not only for existing.
#include "vips_test_support.hpp"

#include <folio/plugin_loader.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <set>
#include <string>
#include <thread>
#include <vector>

// Under LeakSanitizer: UNO allocates each type description once and keeps it for the life of the process, and GLib
// keeps every registered type (libvips' and poppler's) likewise. Neither is a leak of ours.
extern "C" const char* __lsan_default_suppressions();  // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_suppressions() { // NOLINT(bugprone-reserved-identifier)
  return "leak:cppu_detail_getUnoType\nleak:libuno_cppu.so\nleak:libglib-2.0.so\nleak:libgobject-2.0.so\n"
         "leak:libvips.so\nleak:libfontconfig.so\n";
}

namespace {

using namespace folio_vips_test;
using namespace std::chrono_literals;

// Seven 16:9 slides; three A4 pages, whose width in points (595.304) is not whole; one US letter page.
constexpr std::string_view slides = "pptx/pandoc__output.pptx";
constexpr std::string_view workbook = "xlsx/pandoc__basic.xlsx";
constexpr std::string_view letter = "docx/pandoc__lists.docx";

folio::converter& vips() {
  static const auto plugin = load(FOLIO_VIPS_PLUGIN);
  static const auto converter = [] {
    auto made = plugin.make_converter({});
    INFO((made ? std::string() : made.error().message));
    REQUIRE(made);
    return std::shared_ptr<folio::converter>(std::move(made).value());
  }();
  return *converter;
}

folio::result<folio::conversion_output> render(std::string_view pdf, nlohmann::json options,
                                               folio::duration deadline = 60s) {
  return vips().convert({pdf, {"pdf", "png"}, std::move(options), deadline});
}

folio::error render_error(std::string_view pdf, nlohmann::json options) {
  const auto rendered = render(pdf, std::move(options));
  REQUIRE_FALSE(rendered);
  return rendered.error();
}

} // namespace

TEST_CASE("vips renders the asked page at the asked width, keeping the page's aspect") {
  struct wanted {
    std::string_view document;
    int page;
    int width;
  };
  const std::vector<wanted> cases{{slides, 1, 1280},   {slides, 7, 640},  {workbook, 2, 1280}, {workbook, 3, 333},
                                  {workbook, 1, 1279}, {letter, 1, 1000}, {slides, 3, 16},     {letter, 1, 8192}};
  for (const auto& [document, page, width] : cases) {
    INFO(document << " page " << page << " at " << width << " px");
    const auto& pdf = pdf_of(document);
    const auto facts = pdfinfo(pdf, page);
    const auto png = render(pdf, {{"page", page}, {"width", width}});
    INFO((png ? std::string() : png.error().message));
    REQUIRE(png);
    CHECK(png.value().media_type == "image/png");
    CHECK(png.value().page_count == facts.pages);

    const auto header = read_png_header(png.value().bytes);
    CHECK(header.width == width);
    CHECK(header.color_type == 2);
    const double expected_height = width * facts.page_height / facts.page_width;
    CHECK(std::abs(header.height - expected_height) <= 1.0);

    // Below a hundred pixels the two renderers' downsampling differs more than pages do; above two thousand
    // pdftoppm takes seconds.
    if (width >= 100 && width <= 2048) {
      CHECK(difference_from_pdftoppm(pdf, page, png.value().bytes) < 1.5);
    }
  }
}

TEST_CASE("vips's picture of a page is far from poppler's picture of another page") {
  // The measure above tells pages apart, even mostly white ones: page 1 of the workbook against pdftoppm's page 1
  // measured 0.47 here, against its page 2 3.5.
  const auto& pdf = pdf_of(workbook);
  const auto first = render(pdf, {{"page", 1}, {"width", 800}});
  REQUIRE(first);
  CHECK(difference_from_pdftoppm(pdf, 1, first.value().bytes) < 1.5);
  CHECK(difference_from_pdftoppm(pdf, 2, first.value().bytes) > 2.5);
}

TEST_CASE("vips renders page 1 at 1280 pixels unless told otherwise") {
  const auto& pdf = pdf_of(slides);
  const auto defaults = render(pdf, nlohmann::json::object());
  REQUIRE(defaults);
  const auto header = read_png_header(defaults.value().bytes);
  CHECK(header.width == 1280);
  CHECK(header.height == 720);
  const auto explicit_options = render(pdf, {{"page", 1}, {"width", 1280}});
  REQUIRE(explicit_options);
  CHECK(explicit_options.value().bytes == defaults.value().bytes);
}

TEST_CASE("vips renders each page as its own picture") {
  const auto& pdf = pdf_of(slides);
  std::set<std::string> pictures;
  for (int page = 1; page <= 7; ++page) {
    const auto png = render(pdf, {{"page", page}, {"width", 480}});
    REQUIRE(png);
    pictures.insert(png.value().bytes);
  }
  CHECK(pictures.size() == 7);
  // The title slide's black "Slides" on the grey background.
  const auto title = render(pdf, {{"page", 1}});
  REQUIRE(title);
  CHECK(darkest_pixel(title.value().bytes) < 50);
}

TEST_CASE("vips refuses a page past the end, saying how many pages there are") {
  const auto past_slides = render_error(pdf_of(slides), {{"page", 8}});
  CHECK(past_slides.code == folio::errc::invalid_argument);
  CHECK(past_slides.param == "page");
  CHECK(past_slides.message == "page 8 is out of range: the document has 7 pages (page counts from 1)");

  const auto past_letter = render_error(pdf_of(letter), {{"page", 2}});
  CHECK(past_letter.code == folio::errc::invalid_argument);
  CHECK_THAT(past_letter.message, Catch::Contains("has 1 page "));
}

TEST_CASE("vips validates its options before reading the document") {
  const std::vector<std::pair<nlohmann::json, std::string>> refused{
      {{{"page", 0}}, "page"},        {{{"page", -1}}, "page"},
      {{{"page", "2"}}, "page"},      {{{"page", 1.5}}, "page"},
      {{{"width", 15}}, "width"},     {{{"width", 8193}}, "width"},
      {{{"width", "1280"}}, "width"}, {{{"width", true}}, "width"},
      {{{"dpi", 150}}, "dpi"},        {nlohmann::json::array({1}), "options"}};
  for (const auto& [options, param] : refused) {
    INFO(options.dump());
    const auto failure = render_error("not even a PDF", options);
    CHECK(failure.code == folio::errc::invalid_argument);
    CHECK(failure.param == param);
    CHECK_FALSE(failure.message.empty());
  }
  CHECK_THAT(render_error("", {{"width", 9000}}).message, Catch::Contains("from 16 to 8192"));
}

TEST_CASE("vips reads only PDFs, and says so for anything else") {
  const auto& pdf = pdf_of(slides);
  const std::vector<std::pair<std::string, std::string>> unreadable{
      {"nothing", ""},
      {"a docx", read_bytes(corpus_file(std::string(letter)))},
      {"a header and garbage", "%PDF-1.7\n" + std::string(4096, 'x')},
      {"the first half of a PDF", pdf.substr(0, pdf.size() / 2)},
  };
  for (const auto& [what, bytes] : unreadable) {
    INFO(what);
    const auto failure = render_error(bytes, nlohmann::json::object());
    CHECK(failure.code == folio::errc::document_unreadable);
    CHECK_FALSE(failure.message.empty());
  }

  // Made by LibreOffice from a line of text, with the export option DocumentOpenPassword "folio".
  const auto encrypted = read_bytes(fs::path(FOLIO_VIPS_TEST_DATA) / "encrypted.pdf");
  REQUIRE_FALSE(encrypted.empty());
  const auto locked = render_error(encrypted, nlohmann::json::object());
  CHECK(locked.code == folio::errc::document_encrypted);

  CHECK(render(pdf, nlohmann::json::object()));
}

TEST_CASE("vips stops a render that overruns its deadline and goes on rendering") {
  // An A4 page 8192 pixels wide takes seconds to render here; the deadline stops it between tiles.
  const auto& pdf = pdf_of(workbook);
  const auto started = std::chrono::steady_clock::now();
  const auto overrun = render(pdf, {{"width", 8192}}, 200ms);
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(overrun);
  CHECK(overrun.error().code == folio::errc::conversion_timeout);
  CHECK(took < 2s);

  const auto next = render(pdf, {{"width", 640}});
  REQUIRE(next);
  CHECK(read_png_header(next.value().bytes).width == 640);
}

TEST_CASE("vips renders pages on several threads at once, as one at a time") {
  const auto& pdf = pdf_of(slides);
  std::vector<std::string> serial(7);
  for (int page = 1; page <= 7; ++page) {
    auto png = render(pdf, {{"page", page}, {"width", 800}});
    REQUIRE(png);
    serial[static_cast<std::size_t>(page - 1)] = std::move(png).value().bytes;
  }
  std::vector<std::string> parallel(7);
  {
    std::vector<std::jthread> renderers;
    for (int page = 1; page <= 7; ++page) {
      renderers.emplace_back([&, page] {
        auto png = vips().convert({pdf, {"pdf", "png"}, {{"page", page}, {"width", 800}}, 60s});
        parallel[static_cast<std::size_t>(page - 1)] = png ? std::move(png).value().bytes : png.error().message;
      });
    }
  }
  CHECK(parallel == serial);
}

TEST_CASE("vips names its pair and version and refuses other pairs") {
  CHECK(vips().pairs() == std::vector<folio::conversion_pair>{{"pdf", "png"}});
  CHECK_THAT(vips().version(), Catch::Matches(R"(vips-8\.\d+\.\d+\+poppler-\d+\.\d+\.\d+/\d+)"));
  const auto other = vips().convert({pdf_of(letter), {"pdf", "jpg"}});
  REQUIRE_FALSE(other);
  CHECK(other.error().code == folio::errc::unsupported_conversion);
}

TEST_CASE("vips takes a deadline cap as its only setting") {
  const auto plugin = load(FOLIO_VIPS_PLUGIN);
  const auto unknown = plugin.make_converter({{"threads", 4}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == folio::errc::invalid_argument);
  CHECK(unknown.error().param == "threads");
  CHECK_FALSE(plugin.make_converter({{"deadline_ms", 0}}));

  auto capped = plugin.make_converter({{"deadline_ms", 100}});
  REQUIRE(capped);
  const auto overrun = capped.value()->convert({pdf_of(workbook), {"pdf", "png"}, {{"width", 8192}}, 60s});
  REQUIRE_FALSE(overrun);
  CHECK(overrun.error().code == folio::errc::conversion_timeout);
}
