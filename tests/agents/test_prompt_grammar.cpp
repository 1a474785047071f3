// The scripted agent's grammar: every documented form parses into the request it names, with its details, and
// anything else is refused with the list of forms instead of being guessed at.
#include "prompt_grammar.hpp"

#include <catch2/catch.hpp>

namespace {

using folio::document_format;
using namespace folio_scripted;

template <class Request>
Request only(document_format format, const std::string& prompt) {
  auto parsed = parse_prompt(format, prompt);
  INFO(prompt << ": " << (parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed);
  REQUIRE(parsed.value().size() == 1);
  const auto* made = std::get_if<Request>(&parsed.value().front());
  REQUIRE(made != nullptr);
  return *made;
}

} // namespace

TEST_CASE("grammar reads the seed's prompts") {
  const auto report = only<sales_report_request>(document_format::excel, "Create a Q3 sales report");
  CHECK(report.quarter == 3);
  CHECK_FALSE(report.year);
  CHECK(report.regions.empty());

  const auto forecast = only<forecast_request>(document_format::excel, "Now add a forecast tab for FY26");
  CHECK(forecast.fiscal_year == "FY26");
  CHECK_FALSE(forecast.growth);

  only<financial_model_request>(document_format::excel, "Build a 3-statement financial model");

  const auto move = only<move_chart_request>(document_format::word, "move the revenue chart to the executive summary");
  CHECK(move.chart == "revenue");
  CHECK(move.target == "executive summary");
}

TEST_CASE("grammar reads the details of spreadsheet templates") {
  const auto report = only<sales_report_request>(
      document_format::excel,
      "Please build a fourth quarter 2025 sales report for the regions North, South and Central.");
  CHECK(report.quarter == 4);
  CHECK(report.year == 2025);
  CHECK(report.regions == std::vector<std::string>{"North", "South", "Central"});

  const auto forecast =
      only<forecast_request>(document_format::excel, "add a forecast sheet for fy 2027 with 7.5% growth");
  CHECK(forecast.fiscal_year == "FY2027");
  REQUIRE(forecast.growth);
  CHECK(*forecast.growth == Approx(0.075));

  CHECK(only<budget_request>(document_format::excel, "Create a marketing budget").subject == "marketing");
  CHECK_FALSE(only<budget_request>(document_format::excel, "create a budget").subject);
}

TEST_CASE("grammar reads spreadsheet commands with quoted and bare names") {
  CHECK(only<add_sheet_request>(document_format::excel, "add a sheet named \"Q4 Notes\"").name == "Q4 Notes");
  const auto rename = only<rename_sheet_request>(document_format::excel, "rename sheet Notes to 'Memo 2'");
  CHECK(rename.from == "Notes");
  CHECK(rename.to == "Memo 2");
  CHECK(only<delete_sheet_request>(document_format::excel, "delete the sheet Memo").name == "Memo");

  const auto cells = only<set_cells_request>(document_format::excel, "set Sales!b2:d2 to 10, 2.5, =SUM(B2, C2)");
  CHECK(cells.sheet == "Sales");
  CHECK(cells.range == "B2:D2");
  CHECK(cells.values == std::vector<std::string>{"10", "2.5", "=SUM(B2, C2)"});
  CHECK(only<set_cells_request>(document_format::excel, "set A1 on sheet \"Q3 Sales\" to Total").sheet == "Q3 Sales");

  const auto chart =
      only<add_chart_request>(document_format::excel, "add a pie chart of Sales!A1:B5 titled \"Revenue mix\"");
  CHECK(chart.kind == chart_kind::pie);
  CHECK(chart.sheet == "Sales");
  CHECK(chart.range == "A1:B5");
  CHECK(chart.title == "Revenue mix");

  const auto move = only<move_chart_request>(document_format::excel, "move the chart to sheet Summary");
  CHECK_FALSE(move.chart);
  CHECK(move.target == "Summary");
}

TEST_CASE("grammar reads text document and presentation forms") {
  CHECK(only<proposal_request>(document_format::word, "Write a project proposal for a new data platform").topic ==
        "a new data platform");
  const auto review =
      only<business_review_request>(document_format::word, "create a quarterly business review for Q2 2026");
  CHECK(review.quarter == 2);
  CHECK(review.year == 2026);
  CHECK(
      only<report_request>(document_format::word, "Write a report on customer churn with an executive summary").topic ==
      "customer churn");
  const auto section =
      only<add_section_request>(document_format::word, "add a section called Risks saying \"Supply is thin\"");
  CHECK(section.title == "Risks");
  CHECK(section.text == "Supply is thin");
  const auto moved =
      only<move_section_request>(document_format::word, "move the Risks section after the Timeline section");
  CHECK(moved.section == "Risks");
  CHECK(moved.after == "Timeline");
  const auto chart =
      only<add_chart_request>(document_format::word, "add a bar chart of the Budget table to the Summary section");
  CHECK(chart.range == "Budget");
  CHECK(chart.target == "Summary section");

  CHECK(only<pitch_deck_request>(document_format::powerpoint, "Create a pitch deck for Acme Robotics").company ==
        "Acme Robotics");
  CHECK(only<review_deck_request>(document_format::powerpoint, "make a Q3 quarterly review deck").quarter == 3);
  CHECK(only<add_slide_request>(document_format::powerpoint, "add a slide about hiring plans").topic == "hiring plans");
  CHECK(only<move_chart_request>(document_format::powerpoint, "move the revenue chart to slide 2").target == "2");
}

TEST_CASE("grammar splits chained instructions in order") {
  auto parsed = parse_prompt(document_format::excel, "Add a sheet named Notes; then rename sheet Notes to Memo");
  REQUIRE(parsed);
  REQUIRE(parsed.value().size() == 2);
  CHECK(std::holds_alternative<add_sheet_request>(parsed.value()[0]));
  CHECK(std::holds_alternative<rename_sheet_request>(parsed.value()[1]));
}

TEST_CASE("grammar refuses what it does not understand, listing the forms of the format") {
  for (const auto& prompt : {"Write me a poem about spring", "Create a Q3 sales report; and bake a cake", ""}) {
    auto parsed = parse_prompt(document_format::excel, prompt);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == folio::errc::prompt_not_understood);
  }
  auto poem = parse_prompt(document_format::excel, "Write me a poem about spring");
  CHECK(poem.error().message.find("Create a Q3 sales report") != std::string::npos);
  // A spreadsheet form is not a presentation form: the agent never answers with an unrelated document.
  auto wrong_format = parse_prompt(document_format::powerpoint, "Create a Q3 sales report");
  REQUIRE_FALSE(wrong_format);
  CHECK(wrong_format.error().message.find("pitch deck") != std::string::npos);
}
