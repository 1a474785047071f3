// Export routing: API.md's allowed pairs, direct and two-step routes through pdf, options given to the step whose
// target takes them, one deadline over the whole route. The converters are fakes: what is tested is the routing.
#include <folio/conversion_route.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;

// Answers every pair it offers with "<target>(<input>)", and remembers what it was asked.
class fake_converter final : public folio::converter {
public:
  fake_converter(std::string name, std::vector<folio::conversion_pair> pairs, std::optional<int> page_count = {})
      : name_(std::move(name)), pairs_(std::move(pairs)), page_count_(page_count) {}

  [[nodiscard]] std::vector<folio::conversion_pair> pairs() const override { return pairs_; }
  [[nodiscard]] std::string version() const override { return name_ + "/1"; }

  folio::result<folio::conversion_output> convert(const folio::conversion_request& request) override {
    requests.push_back({std::string(request.bytes), request.pair, request.options, request.deadline});
    if (failure) {
      return *failure;
    }
    std::this_thread::sleep_for(takes);
    return folio::conversion_output{request.pair.target + "(" + std::string(request.bytes) + ")",
                                    "test/" + request.pair.target, page_count_};
  }

  struct seen {
    std::string bytes;
    folio::conversion_pair pair;
    nlohmann::json options;
    folio::duration deadline;
  };
  std::vector<seen> requests;
  std::optional<folio::error> failure;
  folio::duration takes{0};

private:
  std::string name_;
  std::vector<folio::conversion_pair> pairs_;
  std::optional<int> page_count_;
};

std::shared_ptr<fake_converter> office() {
  return std::make_shared<fake_converter>("office",
                                          std::vector<folio::conversion_pair>{{"xlsx", "pdf"},
                                                                              {"xlsx", "csv"},
                                                                              {"xlsx", "html"},
                                                                              {"docx", "pdf"},
                                                                              {"docx", "html"},
                                                                              {"docx", "txt"},
                                                                              {"docx", "odt"},
                                                                              {"pptx", "pdf"},
                                                                              {"pptx", "odp"}},
                                          3);
}

std::shared_ptr<fake_converter> raster() {
  return std::make_shared<fake_converter>("raster", std::vector<folio::conversion_pair>{{"pdf", "png"}}, 3);
}

folio::conversion_request request(std::string source, std::string target, const nlohmann::json& options = {}) {
  return {"doc", {std::move(source), std::move(target)}, options.is_null() ? nlohmann::json::object() : options, 60s};
}

} // namespace

TEST_CASE("allowed conversions are API.md's export table", "[conversion_route]") {
  CHECK(folio::allowed_targets("xlsx") == std::vector<std::string_view>{"pdf", "csv", "png", "html"});
  CHECK(folio::allowed_targets("docx") == std::vector<std::string_view>{"pdf", "html", "txt", "odt"});
  CHECK(folio::allowed_targets("pptx") == std::vector<std::string_view>{"pdf", "png", "odp"});
  CHECK(folio::allowed_targets("pdf").empty());
  CHECK(folio::allowed_conversions.size() == 11);
  CHECK(folio::is_allowed_conversion("pptx", "png"));
  CHECK_FALSE(folio::is_allowed_conversion("docx", "png"));
  CHECK_FALSE(folio::is_allowed_conversion("pdf", "png"));
  CHECK(folio::conversion_option_names("png") == std::vector<std::string_view>{"page", "width"});
  CHECK(folio::conversion_option_names("csv") == std::vector<std::string_view>{"sheet"});
  CHECK(folio::conversion_option_names("pdf").empty());
}

TEST_CASE("router takes a direct converter when one makes the pair", "[conversion_route]") {
  const auto lo = office();
  const folio::conversion_router router({lo, raster()});
  const auto route = router.route({"xlsx", "csv"});
  REQUIRE(route);
  REQUIRE(route.value().steps().size() == 1);
  CHECK(route.value().steps()[0].via == lo);
  CHECK(route.value().version() == "office/1");

  const auto csv = router.convert(request("xlsx", "csv", {{"sheet", "Totals"}}));
  REQUIRE(csv);
  CHECK(csv.value().bytes == "csv(doc)");
  REQUIRE(lo->requests.size() == 1);
  CHECK(lo->requests[0].options == nlohmann::json{{"sheet", "Totals"}});
}

TEST_CASE("router reaches png through pdf and gives each step its own options", "[conversion_route]") {
  const auto lo = office();
  const auto vips = raster();
  const folio::conversion_router router({lo, vips});
  for (const std::string source : {"xlsx", "pptx"}) {
    INFO(source);
    const auto route = router.route({source, "png"});
    REQUIRE(route);
    REQUIRE(route.value().steps().size() == 2);
    CHECK(route.value().steps()[0].pair == folio::conversion_pair{source, "pdf"});
    CHECK(route.value().steps()[1].pair == folio::conversion_pair{"pdf", "png"});
    CHECK(route.value().version() == "office/1+raster/1");
  }

  const auto png = router.convert(request("pptx", "png", {{"page", 2}, {"width", 640}}));
  REQUIRE(png);
  CHECK(png.value().bytes == "png(pdf(doc))");
  CHECK(png.value().media_type == "test/png");
  CHECK(png.value().page_count == 3);
  REQUIRE(lo->requests.size() == 1);
  CHECK(lo->requests[0].options == nlohmann::json::object());
  REQUIRE(vips->requests.size() == 1);
  CHECK(vips->requests[0].bytes == "pdf(doc)");
  CHECK(vips->requests[0].options == nlohmann::json{{"page", 2}, {"width", 640}});
}

TEST_CASE("router keeps the pdf step's page count when the png step reports none", "[conversion_route]") {
  const auto silent = std::make_shared<fake_converter>("raster", std::vector<folio::conversion_pair>{{"pdf", "png"}});
  const folio::conversion_router router({office(), silent});
  const auto png = router.convert(request("xlsx", "png"));
  REQUIRE(png);
  CHECK(png.value().page_count == 3);
}

TEST_CASE("router refuses pairs API.md does not allow, naming the allowed targets", "[conversion_route]") {
  const folio::conversion_router router({office(), raster()});
  // docx → pdf → png could be made, but API.md does not offer it.
  const auto docx_png = router.route({"docx", "png"});
  REQUIRE_FALSE(docx_png);
  CHECK(docx_png.error().code == folio::errc::unsupported_conversion);
  CHECK(docx_png.error().message == "docx exports to pdf, html, txt, odt, not png");
  CHECK(docx_png.error().param == "format");

  CHECK(folio::check_allowed_conversion({"xlsx", "png"}));
  const auto unchecked = folio::check_allowed_conversion({"pptx", "csv"});
  REQUIRE_FALSE(unchecked);
  CHECK(unchecked.error().message == "pptx exports to pdf, png, odp, not csv");

  const auto from_pdf = router.route({"pdf", "png"});
  REQUIRE_FALSE(from_pdf);
  CHECK(from_pdf.error().code == folio::errc::unsupported_conversion);
  CHECK_THAT(from_pdf.error().message, Catch::Contains("xlsx, docx or pptx"));
}

TEST_CASE("router says when no converter at hand makes an allowed export", "[conversion_route]") {
  const folio::conversion_router without_raster({office()});
  const auto png = without_raster.route({"xlsx", "png"});
  REQUIRE_FALSE(png);
  CHECK(png.error().code == folio::errc::plugin_not_found);
  CHECK_THAT(png.error().message, Catch::Contains("xlsx into png"));
  CHECK(without_raster.available().size() == 9);

  const folio::conversion_router both({office(), raster()});
  CHECK(both.available().size() == folio::allowed_conversions.size());
  CHECK(folio::conversion_router({}).available().empty());
}

TEST_CASE("router prefers the earlier of two converters offering a pair", "[conversion_route]") {
  const auto first = raster();
  const auto direct = std::make_shared<fake_converter>("direct", std::vector<folio::conversion_pair>{{"xlsx", "png"}});
  const folio::conversion_router router({office(), first, direct});
  const auto route = router.route({"xlsx", "png"});
  REQUIRE(route);
  // A direct converter beats a two-step route wherever it is listed.
  REQUIRE(route.value().steps().size() == 1);
  CHECK(route.value().steps()[0].via == direct);

  const auto second = std::make_shared<fake_converter>("second", std::vector<folio::conversion_pair>{{"pdf", "png"}});
  const folio::conversion_router ordered({office(), first, second});
  const auto two_step = ordered.route({"pptx", "png"});
  REQUIRE(two_step);
  CHECK(two_step.value().steps()[1].via == first);
}

TEST_CASE("router refuses options no step of the route takes", "[conversion_route]") {
  const auto lo = office();
  const folio::conversion_router router({lo, raster()});
  const auto sheet_on_png = router.convert(request("xlsx", "png", {{"sheet", "Totals"}}));
  REQUIRE_FALSE(sheet_on_png);
  CHECK(sheet_on_png.error().code == folio::errc::invalid_argument);
  CHECK(sheet_on_png.error().param == "sheet");
  CHECK(sheet_on_png.error().message == "unknown option 'sheet' for a png export; its options are page, width");

  const auto page_on_pdf = router.convert(request("docx", "pdf", {{"page", 1}}));
  REQUIRE_FALSE(page_on_pdf);
  CHECK(page_on_pdf.error().message == "unknown option 'page' for a pdf export; it takes no options");

  const auto not_an_object = router.convert(request("docx", "pdf", nlohmann::json::array({1})));
  REQUIRE_FALSE(not_an_object);
  CHECK(not_an_object.error().param == "options");
  CHECK(lo->requests.empty());
}

TEST_CASE("router passes a step's error on and runs no later step", "[conversion_route]") {
  const auto lo = office();
  const auto vips = raster();
  lo->failure = folio::error{folio::errc::document_unreadable, "not a workbook"};
  const folio::conversion_router router({lo, vips});
  const auto png = router.convert(request("xlsx", "png"));
  REQUIRE_FALSE(png);
  CHECK(png.error().code == folio::errc::document_unreadable);
  CHECK(png.error().message == "not a workbook");
  CHECK(vips->requests.empty());

  lo->failure.reset();
  vips->failure = folio::error{folio::errc::invalid_argument, "page 9 is out of range", "page"};
  const auto out_of_range = router.convert(request("xlsx", "png", {{"page", 9}}));
  REQUIRE_FALSE(out_of_range);
  CHECK(out_of_range.error().param == "page");
}

TEST_CASE("router gives each step what is left of the deadline", "[conversion_route]") {
  const auto lo = office();
  const auto vips = raster();
  const folio::conversion_router router({lo, vips});
  lo->takes = 20ms;
  auto png = request("xlsx", "png");
  png.deadline = 10s;
  REQUIRE(router.convert(png));
  CHECK(lo->requests[0].deadline <= 10s);
  CHECK(lo->requests[0].deadline > 9s);
  CHECK(vips->requests[0].deadline <= 10s - 20ms);
  CHECK(vips->requests[0].deadline > 5s);

  png.deadline = 5ms;
  const auto late = router.convert(png);
  REQUIRE_FALSE(late);
  CHECK(late.error().code == folio::errc::conversion_timeout);
  CHECK(vips->requests.size() == 1);
}
