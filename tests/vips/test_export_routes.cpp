// Export routes end to end: the libreoffice and vips plugins loaded from the build's plugin directory, as
// folio-server loads them, and the core's router taking xlsx and pptx to png through pdf.
#include "vips_test_support.hpp"

#include <folio/conversion_route.hpp>
#include <folio/plugin_registry.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace folio_vips_test;
using namespace std::chrono_literals;

const folio::conversion_router& router() {
  static folio::plugin_registry registry;
  static const auto converters = [] {
    auto report = registry.load_directory(FOLIO_PLUGIN_DIR);
    REQUIRE(report);
    for (const auto& failure : report.value().failures) {
      FAIL_CHECK(failure.file.string() << ": " << failure.failure.message);
    }
    const auto names = registry.converter_names();
    REQUIRE(std::find(names.begin(), names.end(), "libreoffice") != names.end());
    REQUIRE(std::find(names.begin(), names.end(), "vips") != names.end());
    auto office = registry.make_converter("libreoffice", {{"processes", 1}});
    REQUIRE(office);
    auto raster = registry.make_converter("vips");
    REQUIRE(raster);
    return std::vector<std::shared_ptr<folio::converter>>{std::move(office).value(), std::move(raster).value()};
  }();
  static const folio::conversion_router made(converters);
  return made;
}

folio::result<folio::conversion_output> export_file(const std::string& relative, const std::string& target,
                                                    nlohmann::json options = nlohmann::json::object()) {
  const auto bytes = read_bytes(corpus_file(relative));
  const auto source = fs::path(relative).extension().string().substr(1);
  return router().convert({bytes, {source, target}, std::move(options), 120s});
}

} // namespace

TEST_CASE("routes make every allowed export with the plugins of the build") {
  CHECK(router().available().size() == folio::allowed_conversions.size());
  const auto png = router().route({"xlsx", "png"});
  REQUIRE(png);
  CHECK_THAT(png.value().version(), Catch::Matches(R"(libreoffice-[\d.]+/\d+\+vips-[\d.]+\+poppler-[\d.]+/\d+)"));
}

TEST_CASE("routes render a workbook page to png through pdf") {
  const auto png = export_file("xlsx/pandoc__basic.xlsx", "png", {{"page", 2}, {"width", 800}});
  INFO((png ? std::string() : png.error().message));
  REQUIRE(png);
  CHECK(png.value().media_type == "image/png");
  CHECK(png.value().page_count == 3);
  const auto header = read_png_header(png.value().bytes);
  CHECK(header.width == 800);
  // A4 portrait: 595.304 × 841.89 points.
  CHECK(std::abs(header.height - 800 * 841.89 / 595.304) <= 1.0);
  // The sheet's text in black on white paper.
  CHECK(darkest_pixel(png.value().bytes) < 50);
}

TEST_CASE("routes render a slide to png through pdf at the default width") {
  const auto png = export_file("pptx/pandoc__output.pptx", "png", {{"page", 3}});
  INFO((png ? std::string() : png.error().message));
  REQUIRE(png);
  CHECK(png.value().page_count == 7);
  const auto header = read_png_header(png.value().bytes);
  CHECK(header.width == 1280);
  CHECK(header.height == 720);

  const auto past = export_file("pptx/pandoc__output.pptx", "png", {{"page", 9}});
  REQUIRE_FALSE(past);
  CHECK(past.error().code == folio::errc::invalid_argument);
  CHECK(past.error().param == "page");
  CHECK_THAT(past.error().message, Catch::Contains("7 pages"));
}

TEST_CASE("routes give csv its sheet and refuse what API.md does not allow") {
  const auto csv = export_file("xlsx/pandoc__basic.xlsx", "csv", {{"sheet", "Secondary"}});
  REQUIRE(csv);
  CHECK_THAT(csv.value().bytes, Catch::Contains("Sum of Age"));

  const auto docx_png = export_file("docx/pandoc__lists.docx", "png");
  REQUIRE_FALSE(docx_png);
  CHECK(docx_png.error().code == folio::errc::unsupported_conversion);
  CHECK(docx_png.error().message == "docx exports to pdf, html, txt, odt, not png");

  const auto bad = export_file("bad/poi__invalid.xlsx", "png");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == folio::errc::document_unreadable);
}
