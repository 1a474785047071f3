// Export requests: the pairs of API.md, the options each target takes, and canonical options for the cache key.
#include <folio/export_request.hpp>

#include <catch2/catch.hpp>
#include <string>

using nlohmann::json;

TEST_CASE("accepts every pair of API.md with its default options filled in", "[export_request]") {
  for (const auto& pair : folio::allowed_conversions) {
    INFO(std::string(pair.source) + " -> " + std::string(pair.target));
    const auto request = folio::make_export_request(pair.source, pair.target, json::object());
    REQUIRE(request);
    CHECK(request.value().target == pair.target);
    CHECK(request.value().options == (pair.target == "png" ? json{{"page", 1}, {"width", 1280}} : json::object()));
  }
}

TEST_CASE("refuses a pair API.md does not list, naming the allowed targets", "[export_request]") {
  const auto refused = folio::make_export_request("docx", "png", json::object());
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == folio::errc::unsupported_conversion);
  CHECK(refused.error().message == "docx exports to pdf, html, txt, odt, not png");
  CHECK(refused.error().param == "format");
  CHECK(folio::make_export_request("xlsx", "docx", json::object()).error() == folio::errc::unsupported_conversion);
  CHECK(folio::make_export_request("pptx", "PDF", json::object()).error() == folio::errc::unsupported_conversion);
}

TEST_CASE("requires a target", "[export_request]") {
  const auto missing = folio::make_export_request("xlsx", "", json::object());
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == folio::errc::invalid_argument);
  CHECK(missing.error().param == "format");
}

TEST_CASE("keeps the options a target takes and refuses the others by name", "[export_request]") {
  const auto png = folio::make_export_request("pptx", "png", {{"page", 2}, {"width", 640}});
  REQUIRE(png);
  CHECK(png.value().options == json{{"page", 2}, {"width", 640}});
  CHECK(folio::make_export_request("xlsx", "csv", {{"sheet", "Forecast"}}).value().options ==
        json{{"sheet", "Forecast"}});

  const auto foreign = folio::make_export_request("xlsx", "pdf", {{"page", 2}});
  REQUIRE_FALSE(foreign);
  CHECK(foreign.error() == folio::errc::invalid_argument);
  CHECK(foreign.error().param == "page");
  CHECK(foreign.error().message == "unknown option 'page' for a pdf export; it takes no options");
  CHECK(folio::make_export_request("xlsx", "png", {{"sheet", "A"}}).error().message ==
        "unknown option 'sheet' for a png export; its options are page, width");
}

TEST_CASE("refuses option values that are not whole positive numbers or sheet names", "[export_request]") {
  for (const auto& options : {json{{"page", 0}}, json{{"page", -1}}, json{{"page", 1.5}}, json{{"page", "2"}},
                              json{{"width", nullptr}}, json{{"width", 10'000'000}}}) {
    INFO(options.dump());
    const auto refused = folio::make_export_request("xlsx", "png", options);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == folio::errc::invalid_argument);
    CHECK(refused.error().param == options.begin().key());
  }
  CHECK(folio::make_export_request("xlsx", "csv", {{"sheet", ""}}).error().param == "sheet");
  CHECK(folio::make_export_request("xlsx", "csv", {{"sheet", 3}}).error().param == "sheet");
  CHECK(folio::make_export_request("xlsx", "csv", json::array()).error().param == "options");
}

TEST_CASE("gives a request with and without default values the same cache key", "[export_request]") {
  const auto bare = folio::make_export_request("pptx", "png", json::object()).value();
  const auto spelled = folio::make_export_request("pptx", "png", {{"width", 1280}, {"page", 1}}).value();
  const auto other = folio::make_export_request("pptx", "png", {{"page", 2}}).value();
  CHECK(bare.cache_key("h", "v1").digest() == spelled.cache_key("h", "v1").digest());
  CHECK(bare.cache_key("h", "v1").options == R"({"page":1,"width":1280})");
  CHECK(bare.cache_key("h", "v1").digest() != other.cache_key("h", "v1").digest());
  CHECK(bare.cache_key("h", "v1").digest() != bare.cache_key("h", "v2").digest());
  CHECK(bare.cache_key("h", "v1").digest() != bare.cache_key("g", "v1").digest());
}
