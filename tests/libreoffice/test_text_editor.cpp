// The text document (docx) tools through the real plugin and office: each tool applied, the document saved and
// reopened from its bytes, the outline read, and the saved file read by python-docx.
#include "editor_testing.hpp"

#include <sstream>

namespace {

using folio::document_format;
using folio_testing::call;
using folio_testing::open_editor;
using folio_testing::python_reads;
using folio_testing::saved;
using nlohmann::json;

json outline_of(folio::editor& editor) {
  auto outline = editor.outline();
  INFO((outline ? std::string() : outline.error().message));
  REQUIRE(outline);
  return std::move(outline).value();
}

// The outline of `bytes` reopened in a fresh editor: what survives the docx.
json reopened_outline(const std::string& bytes) {
  const auto editor = open_editor(document_format::word, bytes);
  return outline_of(*editor);
}

std::vector<std::string> heading_texts(const json& outline) {
  std::vector<std::string> texts;
  for (const auto& heading : outline["headings"]) {
    texts.push_back(heading["text"].get<std::string>());
  }
  return texts;
}

// The body of the saved docx, one line per paragraph or table as python-docx reads it: "style|text" for a
// paragraph (line breaks dropped; " [bold]" when all of it is bold, " [list]" when it is numbered or bulleted, "
// [page]" when it starts a page, " [chart]" when it holds a chart), "table|cell;cell/cell;cell" for a table.
const char* const docx_body_script = R"(import sys, docx, docx.table, docx.text.paragraph
from docx.oxml.ns import qn
document = docx.Document(sys.argv[1])
for child in document.element.body.iterchildren():
    if child.tag == qn('w:p'):
        paragraph = docx.text.paragraph.Paragraph(child, document)
        line = paragraph.style.name + '|' + paragraph.text.replace('\n', '')
        if any(run.text for run in paragraph.runs) and all(run.bold for run in paragraph.runs if run.text):
            line += ' [bold]'
        if any(number.get(qn('w:val')) != '0' for number in child.iter(qn('w:numId'))):
            line += ' [list]'
        if any(br.get(qn('w:type')) == 'page' for br in child.iter(qn('w:br'))) or child.find('.//' + qn('w:pageBreakBefore')) is not None:
            line += ' [page]'
        if any('chart' in (graphic.get('uri') or '') for graphic in child.iter(qn('a:graphicData'))):
            line += ' [chart]'
        print(line)
    elif child.tag == qn('w:tbl'):
        table = docx.table.Table(child, document)
        print('table|' + '/'.join(';'.join(cell.text for cell in row.cells) for row in table.rows))
)";

const json* find_named(const json& items, std::string_view name) {
  for (const auto& item : items) {
    if (item["name"] == name) {
      return &item;
    }
  }
  return nullptr;
}

std::vector<std::string> lines(const std::string& printed) {
  std::vector<std::string> made;
  std::string line;
  for (const char each : printed) {
    if (each == '\n') {
      made.push_back(line);
      line.clear();
    } else {
      line += each;
    }
  }
  if (!line.empty()) {
    made.push_back(line);
  }
  return made;
}

} // namespace

TEST_CASE("text editor adds headings, paragraphs, lists and page breaks where it is told") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::word);
    CHECK(call(*editor, "add_heading", {{"text", "Executive Summary"}, {"level", 1}}) ==
          json({{"heading", "Executive Summary"}, {"level", 1}, {"order", 1}}));
    call(*editor, "add_heading", {{"text", "Results"}, {"level", 1}});
    call(*editor, "add_heading", {{"text", "Revenue"}, {"level", 2}});
    call(*editor, "add_paragraph", {{"text", "Revenue grew in every region."}});
    call(*editor, "add_heading", {{"text", "Outlook"}, {"level", 1}});
    // The end of a section: after its subsections, before the next heading of its level.
    CHECK(call(*editor, "add_paragraph",
               {{"text", "The quarter closed ahead of plan."},
                {"bold", true},
                {"location", {{"after_heading", "Executive Summary"}}}})["section"] == "Executive Summary");
    CHECK(call(*editor, "add_bullet_list",
               {{"items", {"North up 12%", "South up 4%"}}, {"location", {{"after_heading", "Results"}}}}) ==
          json({{"list", "bulleted"}, {"items", 2}, {"section", "Revenue"}}));
    call(*editor, "add_page_break", {{"location", {{"after_heading", "Results"}}}});
    call(*editor, "add_bullet_list", {{"items", {"Hire", "Expand", "Ship"}}, {"numbered", true}});
    bytes = saved(*editor);
  }
  const auto outline = reopened_outline(bytes);
  INFO(outline.dump(2));
  CHECK(heading_texts(outline) == std::vector<std::string>{"Executive Summary", "Results", "Revenue", "Outlook"});
  CHECK(outline["headings"][2] == json({{"text", "Revenue"}, {"level", 2}, {"order", 3}}));
  CHECK(outline["paragraph_count"] == 7);
  REQUIRE(outline["lists"].size() == 2);
  CHECK(outline["lists"][0] ==
        json({{"section", "Revenue"}, {"kind", "bulleted"}, {"items", {"North up 12%", "South up 4%"}}}));
  CHECK(outline["lists"][1] ==
        json({{"section", "Outlook"}, {"kind", "numbered"}, {"items", {"Hire", "Expand", "Ship"}}}));
  CHECK(outline["sections"][0]["paragraphs"] == 1);
  CHECK(outline["sections"][2]["paragraphs"] == 3);
  CHECK(outline["sections"][2]["list_items"] == 2);
  CHECK(outline["page_breaks"] == json::parse(R"([{"section": "Revenue"}])"));

  const auto body = lines(python_reads(bytes, "docx", docx_body_script));
  INFO(python_reads(bytes, "docx", docx_body_script));
  CHECK(body == std::vector<std::string>{"Heading 1|Executive Summary",
                                         "Normal|The quarter closed ahead of plan. [bold]", "Heading 1|Results",
                                         "Heading 2|Revenue", "Normal|Revenue grew in every region.",
                                         "List 2|North up 12% [list]",
                                         // LibreOffice writes the break that starts the next page into the paragraph
                                         // before it.
                                         "List 2|South up 4% [list] [page]", "Normal|", "Heading 1|Outlook",
                                         "List 3|Hire [list]", "List 3|Expand [list]", "List 3|Ship [list]"});
}

TEST_CASE("text editor adds named tables and bookmarks, and content at a bookmark") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::word);
    call(*editor, "add_heading", {{"text", "Executive Summary"}, {"level", 1}});
    call(*editor, "add_heading", {{"text", "Figures"}, {"level", 1}});
    CHECK(call(*editor, "add_table",
               {{"name", "Revenue"},
                {"rows", {{"Region", "Q3", "Q4"}, {"North", "120", "135"}, {"South", 80, 95.5}}},
                {"location", {{"after_heading", "Figures"}}}}) ==
          json({{"table", "Revenue"}, {"rows", 3}, {"columns", 3}, {"section", "Figures"}}));
    CHECK(call(*editor, "add_table", {{"rows", json::parse(R"([["Risk", "Owner"], ["Supply", "Ops"]])")}})["table"] ==
          "Table2");
    CHECK(
        call(*editor, "add_bookmark", {{"name", "summary_start"}, {"location", {{"heading", "Executive Summary"}}}}) ==
        json({{"bookmark", "summary_start"}, {"section", "Executive Summary"}}));
    call(*editor, "add_bookmark", {{"name", "figures_end"}, {"location", {{"after_heading", "Figures"}}}});
    // Right after the bookmarked heading, before the section's later content.
    call(*editor, "add_paragraph",
         {{"text", "Second paragraph."}, {"location", {{"after_heading", "Executive Summary"}}}});
    call(*editor, "add_paragraph", {{"text", "First paragraph."}, {"location", {{"at_bookmark", "summary_start"}}}});
    call(*editor, "add_paragraph", {{"text", "Closing remark."}});
    bytes = saved(*editor);
  }
  const auto outline = reopened_outline(bytes);
  INFO(outline.dump(2));
  REQUIRE(outline["tables"].size() == 2);
  CHECK(outline["tables"][0] == json({{"name", "Revenue"},
                                      {"rows", 3},
                                      {"columns", 3},
                                      {"header", {"Region", "Q3", "Q4"}},
                                      {"section", "Figures"}}));
  CHECK(outline["tables"][1]["name"] == "Table2");
  CHECK(outline["sections"][1]["tables"] == json({"Revenue", "Table2"}));
  const auto* summary = find_named(outline["bookmarks"], "summary_start");
  REQUIRE(summary != nullptr);
  CHECK((*summary)["section"] == "Executive Summary");
  CHECK((*summary)["text"] == "Executive Summary");
  REQUIRE(find_named(outline["bookmarks"], "figures_end") != nullptr);

  const auto body = lines(python_reads(bytes, "docx", docx_body_script));
  INFO(python_reads(bytes, "docx", docx_body_script));
  CHECK(body == std::vector<std::string>{"Heading 1|Executive Summary", "Normal|First paragraph.",
                                         "Normal|Second paragraph.", "Heading 1|Figures",
                                         "table|Region;Q3;Q4/North;120;135/South;80;95.5", "Normal|",
                                         // The paragraph holding the bookmark at the end of Figures.
                                         "table|Risk;Owner/Supply;Ops", "Normal|", "Normal|Closing remark."});
  const auto names = python_reads(bytes, "docx", R"py(import sys, zipfile, re
xml = zipfile.ZipFile(sys.argv[1]).read('word/document.xml').decode()
print(sorted(name for name in re.findall(r'<w:bookmarkStart[^>]*w:name="([^"]+)"', xml) if not name.startswith('_')))
print(xml.count('<w:tblHeader'))
)py");
  CHECK(names == "['figures_end', 'summary_start']\n2\n");
}

TEST_CASE("text editor adds charts from a table or from given data, and moves them between sections") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::word);
    call(*editor, "add_heading", {{"text", "Executive Summary"}, {"level", 1}});
    call(*editor, "add_paragraph", {{"text", "Highlights of the quarter."}});
    call(*editor, "add_heading", {{"text", "Financials"}, {"level", 1}});
    call(*editor, "add_table",
         {{"name", "Revenue"},
          {"rows", {{"Quarter", "North", "South"}, {"Q1", "1,200", "800"}, {"Q2", "1,350", "910"}}}});
    CHECK(call(*editor, "add_chart",
               {{"name", "revenue_chart"},
                {"kind", "column"},
                {"title", "Revenue by quarter"},
                {"data", {{"table", "Revenue"}}}}) == json({{"chart", "revenue_chart"},
                                                            {"kind", "column"},
                                                            {"title", "Revenue by quarter"},
                                                            {"section", "Financials"}}));
    call(*editor, "add_chart",
         {{"name", "Mix"},
          {"kind", "pie"},
          {"title", "Sales mix"},
          {"data", {{"categories", {"Hardware", "Services"}}, {"series", {{{"name", "Share"}, {"values", {60, 40}}}}}}},
          {"location", {{"after_heading", "Executive Summary"}}}});
    call(*editor, "add_paragraph", {{"text", "Costs were flat."}});
    CHECK(call(*editor, "move_chart", {{"name", "revenue_chart"}, {"to", {{"after_heading", "Executive Summary"}}}}) ==
          json({{"chart", "revenue_chart"}, {"section", "Executive Summary"}}));
    bytes = saved(*editor);
  }
  const auto outline = reopened_outline(bytes);
  INFO(outline.dump(2));
  const auto* revenue = find_named(outline["charts"], "revenue_chart");
  REQUIRE(revenue != nullptr);
  CHECK((*revenue)["kind"] == "column");
  CHECK((*revenue)["title"] == "Revenue by quarter");
  CHECK((*revenue)["categories"] == json({"Q1", "Q2"}));
  CHECK((*revenue)["series"] == json({"North", "South"}));
  CHECK((*revenue)["section"] == "Executive Summary");
  const auto* mix = find_named(outline["charts"], "Mix");
  REQUIRE(mix != nullptr);
  CHECK((*mix)["kind"] == "pie");
  CHECK((*mix)["section"] == "Executive Summary");
  CHECK(outline["sections"][0]["charts"].size() == 2);
  CHECK(outline["sections"][1]["charts"].empty());

  const auto body = lines(python_reads(bytes, "docx", docx_body_script));
  INFO(python_reads(bytes, "docx", docx_body_script));
  CHECK(body == std::vector<std::string>{"Heading 1|Executive Summary", "Normal|Highlights of the quarter.",
                                         "Normal| [chart]", "Normal| [chart]", "Heading 1|Financials",
                                         "table|Quarter;North;South/Q1;1,200;800/Q2;1,350;910",
                                         "Normal|Costs were flat."});
  const auto charts = python_reads(bytes, "docx", R"(import sys, zipfile
archive = zipfile.ZipFile(sys.argv[1])
for name in sorted(n for n in archive.namelist() if n.startswith('word/charts/chart')):
    xml = archive.read(name).decode()
    print('barDir val="col"' in xml, '<c:pieChart>' in xml, 'Revenue by quarter' in xml, 'Sales mix' in xml)
)");
  CHECK(charts.find("True False True False") != std::string::npos);
  CHECK(charts.find("False True False True") != std::string::npos);
}

TEST_CASE("text editor moves a section with its subsections, table and chart") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::word);
    call(*editor, "add_heading", {{"text", "Introduction"}, {"level", 1}});
    call(*editor, "add_paragraph", {{"text", "Why this report."}});
    call(*editor, "add_heading", {{"text", "Appendix"}, {"level", 1}});
    call(*editor, "add_paragraph", {{"text", "Method notes."}});
    call(*editor, "add_heading", {{"text", "Sources"}, {"level", 2}});
    call(*editor, "add_table",
         {{"name", "Sources"}, {"rows", json::parse(R"([["Source", "Year"], ["Survey", "2025"]])")}});
    call(*editor, "add_chart",
         {{"name", "Trend"},
          {"kind", "line"},
          {"title", "Trend"},
          {"data", {{"categories", {"2024", "2025"}}, {"series", {{{"name", "Index"}, {"values", {1, 2}}}}}}}});
    call(*editor, "add_heading", {{"text", "Executive Summary"}, {"level", 1}});
    call(*editor, "add_bullet_list", {{"items", {"Point one", "Point two"}}});
    // The appendix goes to the end; then the summary to the top, after the introduction.
    CHECK(call(*editor, "move_section", {{"heading", "Appendix"}, {"to", {{"at", "end"}}}})["section"] == "Appendix");
    call(*editor, "move_section", {{"heading", "Executive Summary"}, {"to", {{"after_heading", "Introduction"}}}});
    bytes = saved(*editor);
  }
  const auto outline = reopened_outline(bytes);
  INFO(outline.dump(2));
  CHECK(heading_texts(outline) == std::vector<std::string>{"Introduction", "Executive Summary", "Appendix", "Sources"});
  CHECK(outline["tables"][0]["name"] == "Sources");
  CHECK(outline["tables"][0]["section"] == "Sources");
  REQUIRE(outline["charts"].size() == 1);
  CHECK(outline["charts"][0]["name"] == "Trend");
  CHECK(outline["charts"][0]["kind"] == "line");
  CHECK(outline["charts"][0]["section"] == "Sources");
  CHECK(outline["lists"][0]["section"] == "Executive Summary");

  const auto body = lines(python_reads(bytes, "docx", docx_body_script));
  INFO(python_reads(bytes, "docx", docx_body_script));
  CHECK(body == std::vector<std::string>{"Heading 1|Introduction", "Normal|Why this report.",
                                         "Heading 1|Executive Summary", "List 2|Point one [list]",
                                         "List 2|Point two [list]", "Heading 1|Appendix", "Normal|Method notes.",
                                         "Heading 2|Sources", "table|Source;Year/Survey;2025", "Normal| [chart]"});
}

TEST_CASE("text editor refuses arguments the document contradicts, naming what exists, and changes nothing") {
  const auto editor = open_editor(document_format::word);
  call(*editor, "add_heading", {{"text", "Summary"}, {"level", 1}});
  call(*editor, "add_table", {{"name", "Revenue"}, {"rows", json::parse(R"([["Region", "Q3"], ["North", "n/a"]])")}});
  call(*editor, "add_bookmark", {{"name", "top"}, {"location", {{"heading", "Summary"}}}});
  call(*editor, "add_chart",
       {{"name", "Mix"},
        {"kind", "bar"},
        {"title", "Mix"},
        {"data", {{"categories", {"A"}}, {"series", {{{"name", "S"}, {"values", {1}}}}}}}});
  const auto before = outline_of(*editor);
  const auto refused = [&](std::string_view tool, const json& arguments, const std::string& param,
                           const std::string& mentioned) {
    auto answer = editor->call_tool(tool, arguments);
    INFO(tool << " " << arguments.dump());
    REQUIRE_FALSE(answer);
    INFO(answer.error().message);
    CHECK(answer.error().code == folio::errc::tool_arguments_invalid);
    CHECK(answer.error().param == param);
    CHECK(answer.error().message.find(mentioned) != std::string::npos);
  };
  refused("add_paragraph", {{"text", "x"}, {"location", {{"after_heading", "Results"}}}}, "/location/after_heading",
          "'Summary'");
  refused("add_heading", {{"text", "Summary"}, {"level", 2}}, "/text", "already");
  refused("add_heading", {{"text", "x"}, {"level", 7}}, "/level", "6");
  refused("add_heading", {{"text", "Two\nlines"}, {"level", 1}}, "/text", "line breaks");
  refused("add_bullet_list", {{"items", {"a"}}, {"location", {{"at_bookmark", "bottom"}}}}, "/location/at_bookmark",
          "'top'");
  refused("add_table", {{"rows", json::parse(R"([["a", "b"], ["c"]])")}}, "/rows/1", "header row");
  refused("add_table", {{"name", "Revenue"}, {"rows", json::parse(R"([["a"]])")}}, "/name", "'Revenue'");
  refused("add_bookmark", {{"name", "top"}, {"location", {{"at", "end"}}}}, "/name", "'top'");
  refused("add_bookmark", {{"name", "two words"}, {"location", {{"at", "end"}}}}, "/name", "letters");
  refused("add_chart", {{"name", "Costs"}, {"kind", "line"}, {"title", "Costs"}, {"data", {{"table", "Costs"}}}},
          "/data/table", "'Revenue'");
  refused("add_chart", {{"name", "Costs"}, {"kind", "line"}, {"title", "Costs"}, {"data", {{"table", "Revenue"}}}},
          "/data/table", "'n/a'");
  refused("add_chart",
          {{"name", "Mix"},
           {"kind", "pie"},
           {"title", "Again"},
           {"data", {{"categories", {"A"}}, {"series", {{{"name", "S"}, {"values", {1}}}}}}}},
          "/name", "'Mix'");
  refused("move_chart", {{"name", "revenue_chart"}, {"to", {{"at", "end"}}}}, "/name", "'Mix'");
  refused("move_section", {{"heading", "Results"}, {"to", {{"at", "end"}}}}, "/heading", "'Summary'");
  refused("move_section", {{"heading", "Summary"}, {"to", {{"at_bookmark", "top"}}}}, "/to", "itself");
  refused("add_page_break", {{"location", {{"after_heading", "Nowhere"}}}}, "/location/after_heading", "'Summary'");
  CHECK(outline_of(*editor) == before);
}

TEST_CASE("text editor reads and edits a real Word document") {
  std::ifstream file(std::string(FOLIO_CORPUS_DIR) + "/files/docx/docx4j__headers_footers.docx", std::ios::binary);
  REQUIRE(file);
  std::ostringstream read;
  read << file.rdbuf();
  const auto original = std::move(read).str();
  const char* const headings_script = R"(import sys, docx
for paragraph in docx.Document(sys.argv[1]).paragraphs:
    if paragraph.style.name.startswith('Heading') and paragraph.text.strip():
        print(paragraph.style.name[8:] + '|' + paragraph.text)
)";
  const auto word_headings = lines(python_reads(original, "docx", headings_script));
  std::string bytes;
  {
    const auto editor = open_editor(document_format::word, original);
    const auto outline = outline_of(*editor);
    INFO(outline.dump(1));
    std::vector<std::string> outline_headings;
    for (const auto& heading : outline["headings"]) {
      outline_headings.push_back(std::to_string(heading["level"].get<int>()) + "|" +
                                 heading["text"].get<std::string>());
    }
    CHECK(outline_headings == word_headings);
    CHECK(outline["tables"].size() == 14);
    CHECK(outline["paragraph_count"].get<int>() > 100);
    call(*editor, "add_paragraph",
         {{"text", "A note added by the editor."}, {"location", {{"after_heading", "XSL FO concepts"}}}});
    call(*editor, "move_section", {{"heading", "Word UI limitations"}, {"to", {{"at", "end"}}}});
    bytes = saved(*editor);
  }
  const auto saved_headings = lines(python_reads(bytes, "docx", headings_script));
  REQUIRE(saved_headings.size() == word_headings.size());
  CHECK(saved_headings.back() == "2|Word UI limitations");
  const auto note = python_reads(bytes, "docx", R"(import sys, docx
paragraphs = docx.Document(sys.argv[1]).paragraphs
index = [p.text for p in paragraphs].index('A note added by the editor.')
print([p.text for p in paragraphs[:index] if p.style.name.startswith('Heading') and p.text.strip()][-1])
)");
  CHECK(note == "XSL FO concepts\n");
}
