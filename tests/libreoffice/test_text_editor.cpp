// The text document (docx) tools through the real plugin and office: each tool applied, the document saved and
// reopened from its bytes, the outline read, and the saved file read by python-docx.
#include "editor_testing.hpp"

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
// paragraph (line breaks dropped; " [bold]" when all of it is bold, " [list]" when it is numbered or bulleted, " [page]" when it starts a page, " [chart]" when it
// holds a chart), "table|cell;cell/cell;cell" for a table.
const char* const docx_body_script = R"(import sys, docx
from docx.oxml.ns import qn
document = docx.Document(sys.argv[1])
for child in document.element.body.iterchildren():
    if child.tag == qn('w:p'):
        paragraph = docx.text.paragraph.Paragraph(child, document)
        line = paragraph.style.name + '|' + paragraph.text.replace('\\n', '')
        if paragraph.runs and all(run.bold for run in paragraph.runs if run.text):
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
  CHECK(heading_texts(outline) ==
        std::vector<std::string>{"Executive Summary", "Results", "Revenue", "Outlook"});
  CHECK(outline["headings"][2] == json({{"text", "Revenue"}, {"level", 2}, {"order", 3}}));
  CHECK(outline["paragraph_count"] == 7);
  REQUIRE(outline["lists"].size() == 2);
  CHECK(outline["lists"][0] == json({{"section", "Revenue"}, {"kind", "bulleted"}, {"items", {"North up 12%", "South up 4%"}}}));
  CHECK(outline["lists"][1] == json({{"section", "Outlook"}, {"kind", "numbered"}, {"items", {"Hire", "Expand", "Ship"}}}));
  CHECK(outline["sections"][0]["paragraphs"] == 1);
  CHECK(outline["sections"][2]["paragraphs"] == 3);
  CHECK(outline["sections"][2]["list_items"] == 2);
  CHECK(outline["page_breaks"] == json::parse(R"([{"section": "Revenue"}])"));

  const auto body = lines(python_reads(bytes, "docx", docx_body_script));
  INFO(python_reads(bytes, "docx", docx_body_script));
  CHECK(body == std::vector<std::string>{"Heading 1|Executive Summary", "Normal|The quarter closed ahead of plan. [bold]",
                                         "Heading 1|Results", "Heading 2|Revenue",
                                         "Normal|Revenue grew in every region.", "List 2|North up 12% [list]",
                                         // LibreOffice writes the break that starts the next page into the paragraph
                                         // before it.
                                         "List 2|South up 4% [list] [page]", "Normal|", "Heading 1|Outlook",
                                         "List 3|Hire [list]", "List 3|Expand [list]", "List 3|Ship [list]"});
}
