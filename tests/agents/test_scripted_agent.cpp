// The scripted agent on the real engine, a real SQLite data directory and real LibreOffice editors: each prompt form
// builds what its documentation says, checked in the saved file by independent readers (python3-openpyxl,
// python3-docx) or in the pptx's own XML, and follow-up turns build on what earlier turns made.
#include "agent_testing.hpp"

#include <string>

namespace {

using folio::document_format;
using folio_testing::agent_bench;
using folio_testing::python_reads;

agent_bench& bench() {
  static agent_bench shared(FOLIO_SCRIPTED_PLUGIN);
  return shared;
}

std::string xlsx_reads(const std::string& document, const std::string& body) {
  return python_reads(document, "xlsx", "import sys, openpyxl\nbook = openpyxl.load_workbook(sys.argv[1])\n" + body);
}

std::string docx_reads(const std::string& document, const std::string& body) {
  return python_reads(document, "docx", "import sys, docx\ndocument = docx.Document(sys.argv[1])\n" + body);
}

// A part of an OOXML package as text (the zip's entries, read with Python's zipfile).
std::string part(const std::string& document, const std::string& extension, const std::string& name) {
  return python_reads(document, extension,
                      "import sys, zipfile\nprint(zipfile.ZipFile(sys.argv[1]).read('" + name + "').decode())\n");
}

// The package's one chart part: LibreOffice numbers chart parts across the documents an office has saved.
std::string chart_part(const std::string& document) {
  return python_reads(document, "xlsx",
                      "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n"
                      "print(''.join(z.read(n).decode() for n in z.namelist() if n.startswith('xl/charts/chart')))\n");
}

} // namespace

TEST_CASE("scripted agent builds the seed's Q3 sales report, then its FY26 forecast linked by formulas") {
  const auto first = bench().complete(document_format::excel, "Create a Q3 sales report");
  auto report = bench().document(first.id);
  CHECK(xlsx_reads(report, "print(book.sheetnames)\n") == "['Q3 Sales']\n");
  // Four sample regions, the quarter's months, totals that compute.
  CHECK(xlsx_reads(report, "s = book['Q3 Sales']\nprint([c.value for c in s[1]])\nprint(s['A2'].value, s['E2'].value, "
                           "s['B6'].value, s['E6'].value)\n") ==
        "['Region', 'Jul', 'Aug', 'Sep', 'Q3 Total']\nNorth =SUM(B2:D2) =SUM(B2:B5) =SUM(E2:E5)\n");
  CHECK(xlsx_reads(report, "print(book.defined_names['Q3_Total'].attr_text)\n").find("$E$6") != std::string::npos);
  // The chart is bound to the table: its series refer to the sheet's cells.
  const auto chart = chart_part(report);
  CHECK(chart.find("<c:barChart>") != std::string::npos);
  CHECK(chart.find("Q3 Sales&apos;!$B$1") != std::string::npos);
  CHECK(xlsx_reads(report, "print(book['Q3 Sales']['A8'].value)\n").find("Sample figures") == 0);

  const auto second = bench().complete(document_format::excel, "Now add a forecast tab for FY26", first.id);
  CHECK(second.turns == 2);
  const auto both = bench().document(first.id);
  CHECK(xlsx_reads(both, "print(book.sheetnames)\n") == "['Q3 Sales', 'Forecast FY26']\n");
  CHECK(xlsx_reads(both, "s = book['Forecast FY26']\nprint(s['A2'].value, s['B2'].value, s['D2'].value, "
                         "s['B8'].value)\n") == "='Q3 Sales'!A2 ='Q3 Sales'!E2*4 =B2*(1+C2) 0.08\n");
  // The forecast computes from the report's figures: the values LibreOffice cached when it saved the formulas.
  const auto computed =
      python_reads(both, "xlsx",
                   "import sys, openpyxl\nbook = openpyxl.load_workbook(sys.argv[1], data_only=True)\n"
                   "r, f = book['Q3 Sales'], book['Forecast FY26']\n"
                   "print(f['B2'].value == r['E2'].value * 4, abs(f['D2'].value - f['B2'].value * 1.08) < 0.01,"
                   " r['E6'].value == sum(r.cell(row, 5).value for row in range(2, 6)))\n");
  CHECK(computed == "True True True\n");
}

TEST_CASE("scripted agent's follow-up turn reads no outline and costs a fraction of the first") {
  const auto first = bench().play(document_format::excel, "Create a Q2 2026 sales report for the regions Alps, Coast");
  REQUIRE(first.status == folio::task_status::completed);
  const auto second =
      bench().play(document_format::excel, "Add a pie chart of 'Q2 Sales'!A1:B3 titled \"April mix\"", first.run);
  REQUIRE(second.status == folio::task_status::completed);
  REQUIRE(first.credits_used);
  REQUIRE(second.credits_used);
  // 1 for the turn and 1 for its one tool call: no outline was read.
  CHECK(*second.credits_used == 2);
  CHECK(*second.credits_used < *first.credits_used);
}

TEST_CASE("scripted agent's 3-statement model balances, and its budget totals compute") {
  const auto model = bench().complete(document_format::excel, "Build a 3-statement financial model for Acme");
  const auto bytes = bench().document(model.id);
  CHECK(xlsx_reads(bytes, "print(book.sheetnames)\n") ==
        "['Assumptions', 'Income Statement', 'Cash Flow', 'Balance Sheet']\n");
  // Linked by formulas: net income flows into the cash flow, closing cash onto the balance sheet.
  CHECK(xlsx_reads(bytes, "print(book['Cash Flow']['B2'].value, book['Balance Sheet']['B2'].value)\n") ==
        "='Income Statement'!B10 ='Cash Flow'!B7\n");
  CHECK(python_reads(bytes, "xlsx",
                     "import sys, openpyxl\nb = openpyxl.load_workbook(sys.argv[1], data_only=True)['Balance Sheet']\n"
                     "print([b.cell(8, c).value for c in range(2, 5)], b['B4'].value > 0)\n") == "[0, 0, 0] True\n");

  const auto budget = bench().complete(document_format::excel, "Create a marketing budget");
  const auto budget_bytes = bench().document(budget.id);
  CHECK(python_reads(budget_bytes, "xlsx",
                     "import sys, openpyxl\ns = openpyxl.load_workbook(sys.argv[1], data_only=True)['Budget']\n"
                     "print(s['A1'].value, s['B7'].value == sum(s.cell(r, c).value for r in range(2, 7) for c in "
                     "range(3, 7)))\n") == "marketing budget True\n");
  CHECK(chart_part(budget_bytes).find("<c:pieChart>") != std::string::npos);
}

TEST_CASE("scripted agent keeps everything across a chain of five turns of commands") {
  const auto run = bench().complete(document_format::excel, "Create a Q1 sales report").id;
  bench().complete(document_format::excel, "Add a sheet named Summary", run);
  bench().complete(document_format::excel, "Set Summary!A1:B1 to Total, ='Q1 Sales'!E6", run);
  bench().complete(document_format::excel, "Move the revenue chart to sheet Summary", run);
  const auto last = bench().complete(document_format::excel, "Rename sheet Summary to Overview", run);
  CHECK(last.turns == 5);
  CHECK(last.state.conversation.size() == 10);
  const auto bytes = bench().document(run);
  CHECK(xlsx_reads(bytes, "print(book.sheetnames, book['Overview']['B1'].value)\n") ==
        "['Q1 Sales', 'Overview'] ='Q1 Sales'!E6\n");
  // The moved chart sits on the renamed sheet and still reads the report's cells.
  const auto workbook_chart = python_reads(bytes, "xlsx",
                                           "import sys, zipfile, re\nz = zipfile.ZipFile(sys.argv[1])\n"
                                           "rels = [n for n in z.namelist() if n.startswith('xl/worksheets/_rels/')]\n"
                                           "print(sorted(n for n in rels if b'drawing' in z.read(n)))\n");
  CHECK(workbook_chart == "['xl/worksheets/_rels/sheet2.xml.rels']\n");
  CHECK(chart_part(bytes).find("Q1 Sales&apos;!$B$1") != std::string::npos);
}

TEST_CASE("scripted agent writes a project proposal and moves its chart to the executive summary") {
  const auto run = bench().complete(document_format::word, "Write a project proposal for a new data platform").id;
  const auto bytes = bench().document(run);
  CHECK(docx_reads(bytes, "print([p.text for p in document.paragraphs if p.style.name.startswith('Heading')])\n") ==
        "['Project proposal: a new data platform', 'Executive Summary', 'Background', 'Objectives', 'Timeline', "
        "'Budget', 'Risks', 'Next Steps']\n");
  CHECK(docx_reads(bytes, "print(len(document.tables), document.tables[0].cell(0, 0).text, "
                          "document.tables[0].cell(1, 0).text)\n") == "2 Phase Discovery\n");

  bench().complete(document_format::word, "Move the budget chart to the executive summary", run);
  const auto moved = bench().document(run);
  // The chart's drawing now sits between the Executive Summary heading and the Background heading.
  const auto order = docx_reads(
      moved,
      "body = document.element.body\nseen = []\n"
      "for p in body.iter('{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p'):\n"
      "    text = ''.join(t.text or '' for t in "
      "p.iter('{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t'))\n"
      "    if text in ('Executive Summary', 'Background', 'Budget'): seen.append(text)\n"
      "    if p.findall('.//{http://schemas.openxmlformats.org/drawingml/2006/chart}chart'): seen.append('chart')\n"
      "print(seen)\n");
  CHECK(order == "['Executive Summary', 'chart', 'Background', 'Budget']\n");
}

TEST_CASE("scripted agent writes a quarterly business review and a report, and moves a section") {
  const auto review = bench().complete(document_format::word, "Create a quarterly business review for Q3 2026").id;
  CHECK(docx_reads(bench().document(review), "print(document.paragraphs[0].text, len(document.tables))\n") ==
        "Quarterly Business Review Q3 2026 1\n");
  const auto report =
      bench().complete(document_format::word, "Write a report on customer churn with an executive summary").id;
  bench().complete(document_format::word, "Move the Recommendations section after the Executive Summary section",
                   report);
  CHECK(docx_reads(bench().document(report),
                   "print([p.text for p in document.paragraphs if p.style.name == 'Heading 2'])\n") ==
        "['Executive Summary', 'Recommendations', 'Background', 'Findings', 'Conclusion']\n");
}

TEST_CASE("scripted agent builds an eight-slide pitch deck and moves its revenue chart") {
  const auto run = bench().complete(document_format::powerpoint, "Create a pitch deck for Acme Robotics").id;
  const auto bytes = bench().document(run);
  const auto presentation = part(bytes, "pptx", "ppt/presentation.xml");
  std::size_t slides = 0;
  for (auto at = presentation.find("<p:sldId "); at != std::string::npos; at = presentation.find("<p:sldId ", at + 1)) {
    ++slides;
  }
  CHECK(slides == 8);
  CHECK(part(bytes, "pptx", "ppt/slides/slide1.xml").find("Acme Robotics") != std::string::npos);

  bench().complete(document_format::powerpoint, "Move the revenue chart to slide 2", run);
  auto editor = bench().editors().open(document_format::powerpoint, bench().document(run));
  REQUIRE(editor);
  const auto outline = editor.value()->outline();
  REQUIRE(outline);
  const auto& deck = outline.value()["slides"];
  REQUIRE(deck.size() == 8);
  CHECK(deck[1]["charts"].size() == 1);
  CHECK(deck[1]["charts"][0]["name"] == "revenue_chart");
  CHECK(deck[5]["charts"].empty());
}

TEST_CASE("scripted agent reconciles its memory after an uploaded edit, reading the outline once") {
  const auto run = bench().complete(document_format::excel, "Create a Q4 sales report").id;
  // Someone renames the sheet in their own copy and uploads it.
  std::string edited;
  {
    auto editor = bench().editors().open(document_format::excel, bench().document(run));
    REQUIRE(editor);
    REQUIRE(editor.value()->call_tool("add_sheet", {{"name", "Board"}}));
    auto saved = editor.value()->save();
    REQUIRE(saved);
    edited = std::move(saved).value();
  }
  REQUIRE(bench().engine().upload(bench().org(), run, edited));
  const auto moved = bench().play(document_format::excel, "Move the revenue chart to sheet Board", run);
  INFO((moved.failure ? moved.failure->message : std::string()));
  REQUIRE(moved.status == folio::task_status::completed);
  // Base, one tool call, and the outline it read.
  REQUIRE(moved.credits_used);
  CHECK(*moved.credits_used > 2);
  const auto after = bench().run(run);
  CHECK_FALSE(after.document_changed_externally);
  CHECK(after.state.memory["objects"].contains("Board"));
  CHECK(after.state.memory["objects"]["revenue_chart"]["sheet"] == "Board");
}

TEST_CASE("scripted agent fails prompts it does not understand and leaves the run as it was") {
  const auto run = bench().complete(document_format::excel, "Create a budget").id;
  const auto before = bench().run(run);
  const auto refused = bench().play(document_format::excel, "Write me a poem about spring", run);
  CHECK(refused.status == folio::task_status::failed);
  REQUIRE(refused.failure);
  CHECK(refused.failure->code == folio::errc::prompt_not_understood);
  CHECK(refused.failure->message.find("Create a Q3 sales report") != std::string::npos);
  const auto after = bench().run(run);
  CHECK(after.document_hash == before.document_hash);
  CHECK(after.state == before.state);
}

TEST_CASE("scripted agent is deterministic: the same prompts give the same document") {
  const auto first = bench().complete(document_format::excel, "Create a Q3 sales report for 2026").id;
  const auto second = bench().complete(document_format::excel, "Create a Q3 sales report for 2026").id;
  const auto dump = "for s in book:\n    print(s.title, [[c.value for c in row] for row in s.iter_rows()])\n";
  CHECK(xlsx_reads(bench().document(first), dump) == xlsx_reads(bench().document(second), dump));
  CHECK(bench().run(first).state.memory == bench().run(second).state.memory);
}

TEST_CASE("scripted agent stops at a cancel midway, and the run keeps the document it had") {
  const auto run = bench().complete(document_format::excel, "Create a Q3 sales report").id;
  const auto before = bench().run(run);
  const auto submitted =
      bench().submit(document_format::excel, "Build a 3-statement financial model; then create a budget", run);
  // Cancel once the turn is under way: it has made some of its thirty-odd tool calls on the open document.
  auto current = bench().engine().wait(bench().org(), submitted.created.id, std::chrono::milliseconds{0});
  while (current && current.value().status == folio::task_status::queued) {
    current = bench().engine().wait(bench().org(), submitted.created.id, std::chrono::milliseconds{5});
  }
  REQUIRE(current);
  REQUIRE(current.value().status == folio::task_status::running);
  REQUIRE(bench().engine().cancel(bench().org(), submitted.created.id));
  const auto ended = bench().engine().wait(bench().org(), submitted.created.id, std::chrono::minutes{2});
  REQUIRE(ended);
  CHECK(ended.value().status == folio::task_status::cancelled);
  const auto after = bench().run(run);
  CHECK(after.document_hash == before.document_hash);
  CHECK(after.state == before.state);
  CHECK(xlsx_reads(bench().document(run), "print(book.sheetnames)\n") == "['Q3 Sales']\n");
}
