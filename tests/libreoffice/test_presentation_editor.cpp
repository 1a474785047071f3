// The presentation tools through the real plugin and a real office: each tool applied, saved as pptx, reopened
// through the editor and read back through the outline, and the saved package's XML checked where a reader of
// pptx would look (Debian has no independent pptx reader).
#include "editor_testing.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

using folio::document_format;
using folio_testing::call;
using folio_testing::open_editor;
using folio_testing::saved;
using nlohmann::json;

// What `unzip` reads from the saved package: one entry's text, or (entry empty) the list of entries.
std::string read_package(const std::string& bytes, const std::string& entry) {
  static std::atomic<int> reads{0};
  const auto path = std::filesystem::temp_directory_path() /
                    ("folio-presentation-test-" + std::to_string(::getpid()) + "-" + std::to_string(++reads) + ".pptx");
  std::ofstream(path, std::ios::binary) << bytes;
  const auto command = entry.empty() ? "/usr/bin/unzip -Z1 '" + path.string() + "'"
                                     : "/usr/bin/unzip -p '" + path.string() + "' '" + entry + "'";
  std::string printed;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      printed.append(buffer, read);
    }
    ::pclose(pipe);
  }
  std::filesystem::remove(path);
  return printed;
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t found = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) {
    ++found;
  }
  return found;
}

// Every chart part of the package, one after another.
std::string chart_parts(const std::string& bytes) {
  std::string charts;
  const auto entries = read_package(bytes, "");
  const std::regex chart_part(R"(ppt/charts/chart[0-9]+\.xml)");
  for (auto each = std::sregex_iterator(entries.begin(), entries.end(), chart_part); each != std::sregex_iterator();
       ++each) {
    charts += read_package(bytes, each->str());
  }
  return charts;
}

json outline_of(folio::editor& editor) {
  auto outline = editor.outline();
  INFO((outline ? std::string() : outline.error().message));
  REQUIRE(outline);
  return std::move(outline).value();
}

std::vector<std::string> names_in(const json& outline) {
  std::vector<std::string> names;
  for (const auto& slide : outline["slides"]) {
    names.push_back(slide["name"].get<std::string>());
  }
  return names;
}

json reopened_outline(const std::string& bytes) {
  const auto editor = open_editor(document_format::powerpoint, bytes);
  return outline_of(*editor);
}

// The slide part the presentation lists at `position` (from 1): ppt/presentation.xml orders slides by relationship.
std::string slide_part(const std::string& bytes, std::size_t position) {
  const auto presentation = read_package(bytes, "ppt/presentation.xml");
  const auto relationships = read_package(bytes, "ppt/_rels/presentation.xml.rels");
  const std::regex listed(R"re(<p:sldId [^>]*r:id="([^"]+)")re");
  auto each = std::sregex_iterator(presentation.begin(), presentation.end(), listed);
  std::advance(each, static_cast<std::ptrdiff_t>(position - 1));
  const auto id = (*each)[1].str();
  const std::regex target("Id=\"" + id + "\"[^>]*Target=\"([^\"]+)\"|Target=\"([^\"]+)\"[^>]*Id=\"" + id + "\"");
  std::smatch match;
  REQUIRE(std::regex_search(relationships, match, target));
  return read_package(bytes, "ppt/" + (match[1].matched ? match[1].str() : match[2].str()));
}

void require_refused(folio::editor& editor, const std::string& tool, const json& arguments, const std::string& param,
                     const std::string& mentioned) {
  const auto before = outline_of(editor);
  auto answer = editor.call_tool(tool, arguments);
  INFO(tool << " " << arguments.dump());
  REQUIRE_FALSE(answer);
  INFO(answer.error().message);
  CHECK(answer.error().code == folio::errc::tool_arguments_invalid);
  CHECK(answer.error().param == param);
  CHECK(answer.error().message.find(mentioned) != std::string::npos);
  CHECK(outline_of(editor) == before);
}

} // namespace

TEST_CASE("presentation editor builds a deck of exactly the slides added, with titles, bullets and layouts") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::powerpoint);
    CHECK(outline_of(*editor)["slide_count"] == 1);
    const auto first = call(
        *editor, "add_slide",
        {{"layout", "title"}, {"title", "Acme"}, {"name", "cover"}, {"bullets", json::array({"Seed round, 2026"})}});
    CHECK(first["slide"] == "cover");
    CHECK(first["position"] == 1);
    CHECK(first["reused_starting_slide"] == true);
    const auto second =
        call(*editor, "add_slide",
             {{"layout", "title_content"},
              {"title", "Problem"},
              {"bullets",
               json::array({"Reports take days", {{"text", "Finance teams"}, {"level", 1}}, "Errors are costly"})}});
    CHECK(second["slide"] == "slide-2");
    CHECK(second["slide_count"] == 2);
    call(*editor, "add_slide", {{"layout", "title_only"}, {"title", "Market"}, {"name", "market"}});
    call(*editor, "add_slide", {{"layout", "blank"}, {"name", "closing"}});
    call(*editor, "set_title", {{"slide", "market"}, {"title", "Market size"}});
    call(*editor, "set_bullets",
         {{"slide", "slide-2"}, {"bullets", json::array({"Reports take days", "Data lives in silos"})}});
    bytes = saved(*editor);
  }
  const auto presentation = read_package(bytes, "ppt/presentation.xml");
  CHECK(count_of(presentation, "<p:sldId ") == 4);
  const auto problem = slide_part(bytes, 2);
  CHECK(problem.find("Problem") != std::string::npos);
  CHECK(problem.find("Data lives in silos") != std::string::npos);
  CHECK(problem.find("Finance teams") == std::string::npos);
  CHECK(slide_part(bytes, 3).find("Market size") != std::string::npos);

  const auto outline = reopened_outline(bytes);
  CHECK(outline["slide_count"] == 4);
  CHECK(names_in(outline) == std::vector<std::string>{"cover", "slide-2", "market", "closing"});
  const auto& slides = outline["slides"];
  CHECK(slides[0]["layout"] == "title");
  CHECK(slides[0]["title"] == "Acme");
  CHECK(slides[0]["body"][0]["text"] == "Seed round, 2026");
  CHECK(slides[1]["layout"] == "title_content");
  CHECK(slides[1]["title"] == "Problem");
  CHECK(slides[1]["body"] == json::parse(R"([{"text": "Reports take days", "level": 0},
                                             {"text": "Data lives in silos", "level": 0}])"));
  CHECK(slides[2]["layout"] == "title_only");
  CHECK(slides[2]["title"] == "Market size");
  CHECK(slides[3]["layout"] == "blank");
  CHECK(slides[3]["title"].get<std::string>().empty());
}

TEST_CASE("presentation editor nests bullets by level") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::powerpoint);
    call(*editor, "add_slide", {{"layout", "title_content"}, {"title", "Plan"}, {"name", "plan"}});
    call(*editor, "set_bullets",
         {{"slide", "plan"},
          {"bullets",
           json::array({"Build", {{"text", "Engine"}, {"level", 1}}, {{"text", "Store"}, {"level", 2}}, "Sell"})}});
    bytes = saved(*editor);
  }
  const auto slide = slide_part(bytes, 1);
  CHECK(slide.find("lvl=\"1\"") != std::string::npos);
  CHECK(slide.find("lvl=\"2\"") != std::string::npos);
  const auto outline = reopened_outline(bytes);
  CHECK(outline["slides"][0]["body"] == json::parse(R"([{"text": "Build", "level": 0}, {"text": "Engine", "level": 1},
                                                        {"text": "Store", "level": 2}, {"text": "Sell", "level": 0}])"));
}

TEST_CASE("presentation editor reorders and deletes slides, keeping names and content") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::powerpoint);
    for (const auto* name : {"one", "two", "three", "four"}) {
      call(*editor, "add_slide",
           {{"layout", "title_content"},
            {"title", std::string("Title ") + name},
            {"bullets", json::array({std::string("About ") + name})},
            {"name", name}});
    }
    call(*editor, "set_notes", {{"slide", "four"}, {"notes", "Say four"}});
    call(*editor, "add_table",
         {{"slide", "four"}, {"name", "four table"}, {"rows", json::array({json::array({"a", 1})})}});
    auto moved = call(*editor, "move_slide", {{"slide", "four"}, {"position", 1}});
    CHECK(moved["slide"] == "four");
    CHECK(moved["slides"] == json::array({"four", "one", "two", "three"}));
    moved = call(*editor, "move_slide", {{"slide", "one"}, {"position", 4}});
    CHECK(moved["slides"] == json::array({"four", "two", "three", "one"}));
    moved = call(*editor, "move_slide", {{"slide", "three"}, {"position", 2}});
    CHECK(moved["slides"] == json::array({"four", "three", "two", "one"}));
    const auto deleted = call(*editor, "delete_slide", {{"slide", "two"}});
    CHECK(deleted["slides"] == json::array({"four", "three", "one"}));
    const auto renamed = call(*editor, "rename_slide", {{"slide", "one"}, {"name", "last"}});
    CHECK(renamed["position"] == 3);
    bytes = saved(*editor);
  }
  CHECK(count_of(read_package(bytes, "ppt/presentation.xml"), "<p:sldId ") == 3);
  CHECK(slide_part(bytes, 1).find("About four") != std::string::npos);
  CHECK(slide_part(bytes, 3).find("About one") != std::string::npos);
  const auto outline = reopened_outline(bytes);
  CHECK(names_in(outline) == std::vector<std::string>{"four", "three", "last"});
  const auto& first = outline["slides"][0];
  CHECK(first["title"] == "Title four");
  CHECK(first["body"][0]["text"] == "About four");
  CHECK(first["notes"] == "Say four");
  REQUIRE(first["tables"].size() == 1);
  CHECK(first["tables"][0]["name"] == "four table");
  CHECK(first["tables"][0]["cells"] == json::parse(R"([["a", "1"]])"));
  CHECK(outline["slides"][1]["title"] == "Title three");
  CHECK(outline["slides"][2]["body"][0]["text"] == "About one");
}

TEST_CASE("presentation editor adds tables and charts that reopen with their data") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::powerpoint);
    call(*editor, "add_slide", {{"layout", "title_only"}, {"title", "Numbers"}, {"name", "numbers"}});
    const auto table = call(*editor, "add_table",
                            {{"slide", "numbers"},
                             {"name", "pricing"},
                             {"rows", json::parse(R"([["Plan", "Price"], ["Basic", 10], ["Pro"]])")},
                             {"x_cm", 2},
                             {"y_cm", 4},
                             {"width_cm", 10},
                             {"height_cm", 3}});
    CHECK(table["table"] == "pricing");
    CHECK(table["rows"] == 3);
    CHECK(table["columns"] == 2);
    const auto chart = call(*editor, "add_chart",
                            {{"slide", "numbers"},
                             {"name", "revenue"},
                             {"kind", "column"},
                             {"title", "Revenue by quarter"},
                             {"categories", json::array({"Q1", "Q2", "Q3"})},
                             {"series", json::parse(R"([{"name": "2025", "values": [10, 12.5, 14]},
                                                        {"name": "2026", "values": [11, 15, 19]}])")},
                             {"x_cm", 13},
                             {"y_cm", 4},
                             {"width_cm", 12},
                             {"height_cm", 9}});
    CHECK(chart["chart"] == "revenue");
    CHECK(chart["bounds"]["x_cm"] == 13.0);
    const auto pie = call(*editor, "add_chart",
                          {{"slide", "numbers"},
                           {"kind", "pie"},
                           {"categories", json::array({"EU", "US"})},
                           {"series", json::parse(R"([{"name": "Share", "values": [40, 60]}])")}});
    CHECK(pie["chart"] == "chart-3");
    bytes = saved(*editor);
  }
  const auto entries = read_package(bytes, "");
  CHECK(count_of(entries, "ppt/charts/chart") >= 2);
  const auto column_chart = chart_parts(bytes);
  CHECK(column_chart.find("<c:barDir val=\"col\"/>") != std::string::npos);
  CHECK(column_chart.find("<c:pieChart>") != std::string::npos);
  CHECK(column_chart.find("Revenue by quarter") != std::string::npos);
  CHECK(column_chart.find("2026") != std::string::npos);
  const auto slide = slide_part(bytes, 1);
  CHECK(slide.find("name=\"revenue\"") != std::string::npos);
  CHECK(slide.find("<a:tbl>") != std::string::npos);
  CHECK(slide.find("Basic") != std::string::npos);

  const auto outline = reopened_outline(bytes);
  const auto& numbers = outline["slides"][0];
  REQUIRE(numbers["tables"].size() == 1);
  CHECK(numbers["tables"][0]["name"] == "pricing");
  CHECK(numbers["tables"][0]["rows"] == 3);
  CHECK(numbers["tables"][0]["columns"] == 2);
  CHECK(numbers["tables"][0]["cells"] == json::parse(R"([["Plan", "Price"], ["Basic", "10"], ["Pro", ""]])"));
  REQUIRE(numbers["charts"].size() == 2);
  const auto& revenue = numbers["charts"][0];
  CHECK(revenue["name"] == "revenue");
  CHECK(revenue["kind"] == "column");
  CHECK(revenue["title"] == "Revenue by quarter");
  CHECK(revenue["categories"] == json::array({"Q1", "Q2", "Q3"}));
  CHECK(revenue["series"] == json::parse(R"([{"name": "2025", "values": [10.0, 12.5, 14.0]},
                                             {"name": "2026", "values": [11.0, 15.0, 19.0]}])"));
  CHECK(numbers["charts"][1]["kind"] == "pie");
  bool chart_shape_listed = false;
  for (const auto& shape : numbers["shapes"]) {
    if (shape["name"] == "revenue") {
      chart_shape_listed = true;
      CHECK(shape["kind"] == "chart");
      CHECK(shape["x_cm"] == 13.0);
      CHECK(shape["width_cm"] == 12.0);
    }
  }
  CHECK(chart_shape_listed);
}

TEST_CASE("presentation editor moves a chart to another slide in a follow-up turn, with its place, name and data") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::powerpoint);
    call(*editor, "add_slide", {{"layout", "title_only"}, {"title", "Details"}, {"name", "details"}});
    call(*editor, "add_slide", {{"layout", "title_only"}, {"title", "Summary"}, {"name", "summary"}});
    call(*editor, "add_chart",
         {{"slide", "details"},
          {"name", "growth"},
          {"kind", "line"},
          {"title", "Users"},
          {"categories", json::array({"Jan", "Feb"})},
          {"series", json::parse(R"([{"name": "Users", "values": [100, 180]}])")},
          {"x_cm", 3},
          {"y_cm", 5},
          {"width_cm", 15},
          {"height_cm", 8}});
    bytes = saved(*editor);
  }
  {
    // A follow-up turn: the reopened document, and only the names remembered from the first turn.
    const auto editor = open_editor(document_format::powerpoint, bytes);
    const auto moved = call(*editor, "move_shape", {{"shape", "growth"}, {"to_slide", "summary"}});
    CHECK(moved["kind"] == "chart");
    CHECK(moved["from_slide"] == "details");
    CHECK(moved["bounds"] == json::parse(R"({"x_cm": 3.0, "y_cm": 5.0, "width_cm": 15.0, "height_cm": 8.0})"));
    bytes = saved(*editor);
  }
  CHECK(slide_part(bytes, 1).find("<p:graphicFrame") == std::string::npos);
  const auto summary = slide_part(bytes, 2);
  CHECK(summary.find("<p:graphicFrame") != std::string::npos);
  CHECK(summary.find("name=\"growth\"") != std::string::npos);
  CHECK(chart_parts(bytes).find("<c:lineChart>") != std::string::npos);

  const auto outline = reopened_outline(bytes);
  CHECK(outline["slides"][0]["charts"].empty());
  REQUIRE(outline["slides"][1]["charts"].size() == 1);
  const auto& growth = outline["slides"][1]["charts"][0];
  CHECK(growth["name"] == "growth");
  CHECK(growth["kind"] == "line");
  CHECK(growth["title"] == "Users");
  CHECK(growth["series"] == json::parse(R"([{"name": "Users", "values": [100.0, 180.0]}])"));
}

TEST_CASE("presentation editor writes speaker notes to the notes slides") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::powerpoint);
    call(*editor, "add_slide", {{"layout", "title"}, {"title", "Welcome"}, {"name", "welcome"}});
    call(*editor, "add_slide", {{"layout", "title_content"}, {"title", "Agenda"}, {"name", "agenda"}});
    const auto answer = call(*editor, "set_notes", {{"slide", "agenda"}, {"notes", "Keep this under two minutes."}});
    CHECK(answer["slide"] == "agenda");
    bytes = saved(*editor);
  }
  std::string notes;
  const auto entries = read_package(bytes, "");
  for (auto at = entries.find("ppt/notesSlides/notesSlide"); at != std::string::npos;
       at = entries.find("ppt/notesSlides/notesSlide", at + 1)) {
    notes += read_package(bytes, entries.substr(at, entries.find('\n', at) - at));
  }
  CHECK(notes.find("Keep this under two minutes.") != std::string::npos);
  const auto outline = reopened_outline(bytes);
  CHECK(outline["slides"][0]["notes"].get<std::string>().empty());
  CHECK(outline["slides"][1]["notes"] == "Keep this under two minutes.");
}

TEST_CASE("presentation editor refuses calls the document contradicts and changes nothing") {
  const auto editor = open_editor(document_format::powerpoint);
  call(*editor, "add_slide", {{"layout", "title_only"}, {"title", "Only"}, {"name", "only"}});
  call(*editor, "add_chart",
       {{"slide", "only"},
        {"name", "sales"},
        {"kind", "bar"},
        {"categories", json::array({"A"})},
        {"series", json::parse(R"([{"name": "S", "values": [1]}])")}});

  require_refused(*editor, "set_title", {{"slide", "missing"}, {"title", "x"}}, "/slide", "'only'");
  require_refused(*editor, "add_slide", {{"layout", "title"}, {"name", "only"}}, "/name", "already");
  require_refused(*editor, "add_slide", {{"layout", "blank"}, {"bullets", json::array({"x"})}}, "/bullets",
                  "title_content");
  require_refused(*editor, "add_slide", {{"layout", "blank"}, {"position", 5}}, "/position", "1 to 2");
  require_refused(*editor, "rename_slide", {{"slide", "only"}, {"name", "page2"}}, "/name", "LibreOffice keeps");
  require_refused(*editor, "delete_slide", {{"slide", "only"}}, "/slide", "at least one");
  require_refused(*editor, "move_slide", {{"slide", "only"}, {"position", 2}}, "/position", "1 slides");
  require_refused(*editor, "set_bullets", {{"slide", "only"}, {"bullets", json::array({"x"})}}, "/slide", "title_only");
  require_refused(*editor, "add_chart",
                  {{"slide", "only"},
                   {"name", "sales"},
                   {"kind", "pie"},
                   {"categories", json::array({"A"})},
                   {"series", json::parse(R"([{"name": "S", "values": [1]}])")}},
                  "/name", "sales");
  require_refused(*editor, "add_chart",
                  {{"slide", "only"},
                   {"kind", "line"},
                   {"categories", json::array({"A", "B"})},
                   {"series", json::parse(R"([{"name": "S", "values": [1]}])")}},
                  "/series/0/values", "2 categories");
  require_refused(*editor, "add_table", {{"slide", "only"}, {"rows", json::parse(R"([["a"]])")}, {"x_cm", 90}}, "/x_cm",
                  "cm wide");
  require_refused(*editor, "move_shape", {{"shape", "nothing"}, {"to_slide", "only"}}, "/shape", "'sales'");
  require_refused(*editor, "set_notes", {{"slide", "gone"}, {"notes", "x"}}, "/slide", "'only'");

  auto schema_refused = editor->call_tool("add_chart", {{"slide", "only"}, {"kind", "area"}});
  REQUIRE_FALSE(schema_refused);
  CHECK(schema_refused.error().code == folio::errc::tool_arguments_invalid);
  auto unknown = editor->call_tool("add_sheet", {{"name", "x"}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == folio::errc::tool_unknown);
  CHECK(unknown.error().message.find("move_shape") != std::string::npos);
}

TEST_CASE("presentation editor edits decks made by other programs") {
  const auto corpus_deck = [](const std::string& name) {
    std::ifstream file(std::string(FOLIO_CORPUS_DIR) + "/files/pptx/" + name, std::ios::binary);
    std::ostringstream read;
    read << file.rdbuf();
    REQUIRE_FALSE(read.str().empty());
    return read.str();
  };
  SECTION("charts keep their data when moved") {
    const auto bytes = corpus_deck("python-pptx__cht-chart-type.pptx");
    auto editor = open_editor(document_format::powerpoint, bytes);
    const auto before = outline_of(*editor);
    CHECK(before["slide_count"] == count_of(read_package(bytes, "ppt/presentation.xml"), "<p:sldId "));
    const auto first = before["slides"][0]["charts"][0];
    CHECK(first["kind"] == "area");
    const auto target = before["slides"][1]["name"].get<std::string>();
    call(*editor, "move_shape", {{"shape", first["name"]}, {"to_slide", target}});
    const auto edited = saved(*editor);
    editor.reset(); // the test pool has one office: the reopened copy needs it
    const auto after = reopened_outline(edited);
    // The outlines name every shape on both slides, for a failure to show where the chart went.
    INFO("before: " << before["slides"][0]["shapes"].dump() << " | " << before["slides"][1]["shapes"].dump());
    INFO("after: " << after["slides"][0]["shapes"].dump() << " | " << after["slides"][1]["shapes"].dump());
    CHECK(after["slides"][0]["charts"].size() + 1 == before["slides"][0]["charts"].size());
    const auto& moved = after["slides"][1]["charts"].back();
    CHECK(moved["name"] == first["name"]);
    CHECK(moved["series"] == first["series"]);
    CHECK(moved["categories"] == first["categories"]);
  }
  SECTION("slides move with their titles, text and tables") {
    auto editor = open_editor(document_format::powerpoint, corpus_deck("pandoc__output.pptx"));
    const auto before = outline_of(*editor);
    const auto count = before["slide_count"].get<std::size_t>();
    REQUIRE(count > 2);
    const auto& last = before["slides"][count - 1];
    const auto moved = call(*editor, "move_slide", {{"slide", last["name"]}, {"position", 1}});
    CHECK(moved["position"] == 1);
    const auto edited = saved(*editor);
    editor.reset();
    const auto after = reopened_outline(edited);
    REQUIRE(after["slide_count"] == count);
    CHECK(after["slides"][0]["name"] == moved["slide"]);
    CHECK(after["slides"][0]["title"] == last["title"]);
    CHECK(after["slides"][0]["body"] == last["body"]);
    CHECK(after["slides"][0]["tables"].size() == last["tables"].size());
    for (std::size_t index = 1; index < count; ++index) {
      CHECK(after["slides"][index]["title"] == before["slides"][index - 1]["title"]);
      CHECK(after["slides"][index]["tables"] == before["slides"][index - 1]["tables"]);
    }
  }
}
