// Parked documents (office_editor.hpp): an editor destroyed right after save() has its office load the saved bytes and
// keep them open, and the next open of exactly those bytes takes that document instead of loading them. What must never
// change is what the agent edits: a chain of turns gives the same documents with parking on and off, read back through
// the outline and by independent readers (openpyxl, python-docx, the pptx XML). The pool's counters (kept, kept_hits,
// kept_misses, pids, recycled) are the witnesses of what was reused; an office killed or recycled between turns takes
// its parked documents with it. Each test has a pool of its own (its own max_jobs), so its counters are its own.
#include "conversion_testing.hpp"
#include "editor_testing.hpp"

#include <csignal>
#include <string>
#include <utility>
#include <vector>

namespace {

using folio::document_format;
using folio_testing::call;
using folio_testing::pool_stats;
using folio_testing::saved;
using json = nlohmann::json;

struct tool_call {
  std::string tool;
  json arguments;
};

using turn = std::vector<tool_call>;

std::shared_ptr<folio::editor_factory> make_factory(const folio::loaded_plugin& plugin, const json& config) {
  auto made = plugin.make_editor_factory(config);
  INFO((made ? std::string() : made.error().message));
  REQUIRE(made);
  return std::shared_ptr<folio::editor_factory>(std::move(made).value());
}

std::unique_ptr<folio::editor> open(folio::editor_factory& factory, document_format format, std::string_view bytes) {
  auto opened = factory.open(format, bytes);
  INFO((opened ? std::string() : opened.error().message));
  REQUIRE(opened);
  return std::move(opened).value();
}

// The pool's counters once no office is busy: an editor let go after save() loads the saved bytes to keep them on
// the pool's own thread, after the editor is gone.
json settled_stats(const json& config) {
  REQUIRE(folio_testing::wait_for_pool(config, [](const json& stats) { return stats["busy"] == 0; }));
  return pool_stats(config);
}

json outline_of(folio::editor& editor) {
  auto outline = editor.outline();
  INFO((outline ? std::string() : outline.error().message));
  REQUIRE(outline);
  return std::move(outline).value();
}

json outline_of_bytes(folio::editor_factory& factory, document_format format, const std::string& bytes) {
  const auto editor = open(factory, format, bytes);
  return outline_of(*editor);
}

// What a chain of turns leaves: the outline each turn found when it opened the document (what the agent would edit),
// and the last turn's saved bytes.
struct chain_result {
  std::vector<json> outlines_at_open;
  std::string last_bytes;
};

// Plays the turns as the engine does: open the last saved bytes, edit, save, and let the editor go.
chain_result play_chain(folio::editor_factory& factory, document_format format, const std::vector<turn>& turns) {
  chain_result result;
  for (const auto& each : turns) {
    const auto editor = open(factory, format, result.last_bytes);
    result.outlines_at_open.push_back(outline_of(*editor));
    for (const auto& step : each) {
      call(*editor, step.tool, step.arguments);
    }
    result.last_bytes = saved(*editor);
  }
  return result;
}

std::vector<turn> workbook_turns() {
  return {
      {{"rename_sheet", {{"sheet", "Sheet1"}, {"new_name", "Sales"}}},
       {"write_range",
        {{"sheet", "Sales"},
         {"cell", "A1"},
         {"values", json::parse(R"json([["Quarter", "North", "South"], ["Q1", 10, 20], ["Q2", 30, 40], ["Q3", 50, 60],
                                    ["Total", "=SUM(B2:B4)", "=SUM(C2:C4)"]])json")}}}},
      {{"add_sheet", {{"name", "Forecast"}}},
       {"write_range",
        {{"sheet", "Forecast"}, {"cell", "A1"}, {"values", json::parse(R"([["FY26 North", "=Sales!B5*1.1"]])")}}},
       {"add_chart",
        {{"sheet", "Sales"},
         {"name", "Revenue"},
         {"kind", "column"},
         {"data_range", "A1:C4"},
         {"title", "Revenue by quarter"},
         {"anchor", "E2"}}}},
      {{"rename_sheet", {{"sheet", "Forecast"}, {"new_name", "FY26 Forecast"}}},
       {"add_chart",
        {{"sheet", "FY26 Forecast"},
         {"name", "Trend"},
         {"kind", "line"},
         {"data_range", "Sales!A1:C4"},
         {"title", "Trend"},
         {"anchor", "B4"}}}},
      {{"write_range", {{"sheet", "Sales"}, {"cell", "B2"}, {"values", json::parse("[[15]]")}}},
       {"move_chart", {{"chart", "Trend"}, {"sheet", "Sales"}, {"anchor", "E22"}}}},
  };
}

std::vector<turn> text_turns() {
  return {
      {{"add_heading", {{"text", "Executive Summary"}, {"level", 1}}},
       {"add_paragraph", {{"text", "Revenue grew in every region."}}},
       {"add_heading", {{"text", "Financials"}, {"level", 1}}}},
      {{"add_table",
        {{"name", "Revenue"},
         {"rows", {{"Quarter", "North", "South"}, {"Q1", "1,200", "800"}, {"Q2", "1,350", "910"}}},
         {"location", {{"after_heading", "Financials"}}}}},
       {"add_chart",
        {{"name", "revenue_chart"},
         {"kind", "column"},
         {"title", "Revenue by quarter"},
         {"data", {{"table", "Revenue"}}}}}},
      {{"add_bookmark", {{"name", "summary_start"}, {"location", {{"heading", "Executive Summary"}}}}},
       {"add_paragraph", {{"text", "First paragraph."}, {"location", {{"at_bookmark", "summary_start"}}}}},
       {"add_bullet_list", {{"items", {"Hire", "Expand", "Ship"}}}}},
      {{"add_heading", {{"text", "Outlook"}, {"level", 1}}},
       {"add_paragraph", {{"text", "Growth continues."}, {"location", {{"after_heading", "Outlook"}}}}}},
  };
}

std::vector<turn> deck_turns() {
  return {
      {{"add_slide", {{"layout", "title"}, {"title", "Acme"}, {"name", "cover"}}},
       {"add_slide",
        {{"layout", "title_content"},
         {"title", "Problem"},
         {"name", "problem"},
         {"bullets", json::array({"Reports take days", "Errors are costly"})}}}},
      {{"add_slide", {{"layout", "title_only"}, {"title", "Numbers"}, {"name", "numbers"}}},
       {"add_chart",
        {{"slide", "numbers"},
         {"name", "revenue"},
         {"kind", "column"},
         {"title", "Revenue by quarter"},
         {"categories", json::array({"Q1", "Q2", "Q3"})},
         {"series", json::parse(R"([{"name": "2025", "values": [10, 12.5, 14]}])")}}}},
      {{"set_title", {{"slide", "problem"}, {"title", "The problem"}}},
       {"set_notes", {{"slide", "numbers"}, {"notes", "Say the numbers"}}}},
      {{"move_slide", {{"slide", "numbers"}, {"position", 2}}},
       {"add_slide", {{"layout", "blank"}, {"name", "closing"}}}},
  };
}

// Every sheet's cells (formulas as written, then the values LibreOffice computed) and its charts' titles, by openpyxl.
std::string workbook_content(const std::string& bytes) {
  return folio_testing::python_reads(bytes, "xlsx", R"py(import sys, openpyxl
for data_only in (False, True):
    book = openpyxl.load_workbook(sys.argv[1], data_only=data_only)
    for sheet in book.worksheets:
        print(sheet.title, len(sheet._charts))
        for row in sheet.iter_rows():
            print([cell.value for cell in row])
)py");
}

// Every paragraph (style and text) and table of the body, by python-docx.
std::string text_content(const std::string& bytes) {
  return folio_testing::python_reads(bytes, "docx", R"py(import sys, docx
document = docx.Document(sys.argv[1])
for paragraph in document.paragraphs:
    print(paragraph.style.name, '|', paragraph.text)
for table in document.tables:
    print('/'.join(';'.join(cell.text for cell in row.cells) for row in table.rows))
print(len(document.inline_shapes), 'inline shapes')
)py");
}

// Every slide's texts, in presentation order, and its notes and charts, from the pptx XML.
std::string deck_content(const std::string& bytes) {
  return folio_testing::python_reads(bytes, "pptx", R"py(import sys, zipfile, re, posixpath
deck = zipfile.ZipFile(sys.argv[1])
relations = deck.read('ppt/_rels/presentation.xml.rels').decode()
targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', relations))
targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', relations)})
order = re.findall(r'<p:sldId [^>]*r:id="([^"]+)"', deck.read('ppt/presentation.xml').decode())
for relation in order:
    slide = 'ppt/' + targets[relation]
    xml = deck.read(slide).decode()
    slide_relations = deck.read(slide.replace('slides/', 'slides/_rels/') + '.rels').decode()
    notes = ''
    for target in re.findall(r'Target="([^"]*notesSlide[^"]*)"', slide_relations):
        notes = ' '.join(re.findall(r'<a:t>([^<]*)</a:t>', deck.read(posixpath.normpath('ppt/slides/' + target)).decode()))
    print(re.findall(r'<a:t>([^<]*)</a:t>', xml), xml.count('/chart"'), 'notes:', notes)
)py");
}

std::string content_of(document_format format, const std::string& bytes) {
  switch (format) {
  case document_format::excel: return workbook_content(bytes);
  case document_format::word: return text_content(bytes);
  case document_format::powerpoint: return deck_content(bytes);
  }
  return {};
}

std::vector<turn> turns_of(document_format format) {
  switch (format) {
  case document_format::excel: return workbook_turns();
  case document_format::word: return text_turns();
  case document_format::powerpoint: return deck_turns();
  }
  return {};
}

// A workbook with one sheet holding `label` in A1, saved; its editor let go right after the save.
std::string saved_workbook(folio::editor_factory& factory, const std::string& label, std::string_view from = {}) {
  const auto editor = open(factory, document_format::excel, from);
  call(*editor, "write_range", {{"sheet", "Sheet1"}, {"cell", "A1"}, {"values", json::array({json::array({label})})}});
  return saved(*editor);
}

// A1 of the first sheet, as the outline's preview shows it.
json first_cell(const json& outline) {
  return outline["sheets"][0]["preview"]["rows"][0][0];
}

} // namespace

TEST_CASE("kept documents: a chain of turns gives the same documents with parking on and off") {
  const auto plugin = folio_testing::load();
  const auto format = GENERATE(document_format::excel, document_format::word, document_format::powerpoint);
  const auto turns = turns_of(format);
  INFO("format " << static_cast<int>(format));

  const json kept_config{{"processes", 1}, {"max_jobs", 1001}};
  const json loaded_config{{"processes", 1}, {"max_jobs", 1002}, {"keep_documents", 0}};
  chain_result kept;
  chain_result loaded;
  {
    const auto factory = make_factory(plugin, kept_config);
    kept = play_chain(*factory, format, turns);
    const auto stats = settled_stats(kept_config);
    // The first turn starts from nothing; every later one takes what the turn before it parked.
    CHECK(stats["kept_hits"] == turns.size() - 1);
    CHECK(stats["kept_misses"] == 0);
    CHECK(stats["kept"] == 1);
  }
  {
    const auto factory = make_factory(plugin, loaded_config);
    loaded = play_chain(*factory, format, turns);
    const auto stats = settled_stats(loaded_config);
    CHECK(stats["kept_hits"] == 0);
    CHECK(stats["kept"] == 0);
  }
  REQUIRE(kept.outlines_at_open.size() == loaded.outlines_at_open.size());
  for (std::size_t index = 0; index < kept.outlines_at_open.size(); ++index) {
    INFO("turn " << index + 1);
    CHECK(kept.outlines_at_open[index] == loaded.outlines_at_open[index]);
  }
  const auto kept_content = content_of(format, kept.last_bytes);
  INFO(kept_content);
  CHECK(kept_content == content_of(format, loaded.last_bytes));
  // The readers read real content, not two identical errors.
  CHECK(kept_content.find("Traceback") == std::string::npos);
  CHECK(kept_content.find(format == document_format::excel  ? "FY26 Forecast"
                          : format == document_format::word ? "Growth continues."
                                                            : "The problem") != std::string::npos);
}

TEST_CASE("kept documents: the parked document is taken only for exactly the bytes it was saved as") {
  const auto plugin = folio_testing::load();
  const json config{{"processes", 1}, {"max_jobs", 1003}};
  const auto factory = make_factory(plugin, config);

  const auto first = saved_workbook(*factory, "first");
  CHECK(settled_stats(config)["kept"] == 1);

  // The next turn on those bytes takes the parked document: no load, and exactly the saved content.
  std::string second;
  {
    const auto editor = open(*factory, document_format::excel, first);
    CHECK(pool_stats(config)["kept_hits"] == 1);
    CHECK(pool_stats(config)["kept"] == 0);
    CHECK(first_cell(outline_of(*editor)) == "first");
    call(*editor, "write_range", {{"sheet", "Sheet1"}, {"cell", "A1"}, {"values", json::parse(R"([["second"]])")}});
    second = saved(*editor);
  }
  CHECK(settled_stats(config)["kept"] == 1);

  // Other bytes (the first version, as an upload of it would be) are loaded fresh: the parked second version is
  // not what they say.
  CHECK(first_cell(outline_of_bytes(*factory, document_format::excel, first)) == "first");
  CHECK(settled_stats(config)["kept_hits"] == 1);
  CHECK(settled_stats(config)["kept_misses"] == 1);

  // An editor that changed its document after saving does not park it: the change is in no saved bytes.
  std::string third;
  {
    const auto editor = open(*factory, document_format::excel, second);
    CHECK(pool_stats(config)["kept_misses"] == 1); // the second version was still parked: a hit
    CHECK(pool_stats(config)["kept_hits"] == 2);
    call(*editor, "write_range", {{"sheet", "Sheet1"}, {"cell", "A1"}, {"values", json::parse(R"([["third"]])")}});
    third = saved(*editor);
    call(*editor, "write_range", {{"sheet", "Sheet1"}, {"cell", "A1"}, {"values", json::parse(R"([["after save"]])")}});
  }
  CHECK(settled_stats(config)["kept"] == 0);
  CHECK(first_cell(outline_of_bytes(*factory, document_format::excel, third)) == "third");
  CHECK(settled_stats(config)["kept_misses"] == 2);
}

TEST_CASE("kept documents: switched off with keep_documents 0, refused when not a small count") {
  const auto plugin = folio_testing::load();
  const json config{{"processes", 1}, {"max_jobs", 1004}, {"keep_documents", 0}};
  const auto factory = make_factory(plugin, config);
  const auto first = saved_workbook(*factory, "first");
  CHECK(settled_stats(config)["kept"] == 0);
  CHECK(first_cell(outline_of_bytes(*factory, document_format::excel, first)) == "first");
  CHECK(settled_stats(config)["kept_hits"] == 0);

  for (const auto& wrong : {json(-1), json("1"), json(1.5), json(17)}) {
    const auto made = plugin.make_editor_factory({{"processes", 1}, {"max_jobs", 1004}, {"keep_documents", wrong}});
    INFO(wrong.dump());
    REQUIRE_FALSE(made);
    CHECK(made.error().code == folio::errc::invalid_argument);
    CHECK(made.error().param == "keep_documents");
  }
}

TEST_CASE("kept documents: a larger keep_documents keeps several, the oldest closed first") {
  const auto plugin = folio_testing::load();
  const json config{{"processes", 1}, {"max_jobs", 1005}, {"keep_documents", 2}};
  const auto factory = make_factory(plugin, config);
  const auto first = saved_workbook(*factory, "first");
  const auto second = saved_workbook(*factory, "second");
  CHECK(settled_stats(config)["kept"] == 2);
  const auto third = saved_workbook(*factory, "third");
  CHECK(settled_stats(config)["kept"] == 2);
  CHECK(first_cell(outline_of_bytes(*factory, document_format::excel, second)) == "second");
  CHECK(first_cell(outline_of_bytes(*factory, document_format::excel, third)) == "third");
  CHECK(settled_stats(config)["kept_hits"] == 2);
  CHECK(first_cell(outline_of_bytes(*factory, document_format::excel, first)) == "first");
  CHECK(settled_stats(config)["kept_misses"] == 1);
}

TEST_CASE("kept documents: an office killed between turns takes its parked document, and the next turn loads fresh") {
  const auto plugin = folio_testing::load();
  const json config{{"processes", 1}, {"max_jobs", 1006}};
  const auto factory = make_factory(plugin, config);
  const auto first = saved_workbook(*factory, "first");
  const auto before = settled_stats(config);
  REQUIRE(before["kept"] == 1);
  REQUIRE(before["pids"].size() == 1);
  const auto killed = before["pids"][0].get<pid_t>();
  REQUIRE(::kill(killed, SIGKILL) == 0);

  // At once, before or after the pool has seen the death: either way the bytes are loaded on a new office.
  {
    const auto editor = open(*factory, document_format::excel, first);
    CHECK(first_cell(outline_of(*editor)) == "first");
    call(*editor, "write_range", {{"sheet", "Sheet1"}, {"cell", "B1"}, {"values", json::parse(R"([["more"]])")}});
    CHECK(!saved(*editor).empty());
  }
  const auto after = settled_stats(config);
  CHECK(after["kept_hits"] == 0);
  CHECK(after["kept_misses"] == 1);
  CHECK(after["crashes"] >= 1);
  REQUIRE(after["pids"].size() == 1);
  CHECK(after["pids"][0].get<pid_t>() != killed);
  CHECK(after["kept"] == 1); // the edited document, parked on the new office
}

TEST_CASE("kept documents: recycling an office forgets what it kept") {
  const auto plugin = folio_testing::load();
  const json config{{"processes", 1}, {"max_jobs", 2}};
  const auto factory = make_factory(plugin, config);
  const auto first_pid = [&] {
    const auto stats = pool_stats(config);
    REQUIRE(stats["pids"].size() == 1);
    return stats["pids"][0].get<pid_t>();
  }();
  const auto first = saved_workbook(*factory, "first");
  CHECK(settled_stats(config)["kept"] == 1);
  // The second lease of the office wears it out: its successor takes over, and the parked document stays behind
  // with the retired office.
  const auto second = saved_workbook(*factory, "second", first);
  CHECK(settled_stats(config)["kept_hits"] == 1);
  REQUIRE(folio_testing::wait_for_pool(config, [](const json& stats) { return stats["recycled"] == 1; }));
  const auto recycled = settled_stats(config);
  CHECK(recycled["kept"] == 0);
  CHECK(recycled["pids"][0].get<pid_t>() != first_pid);
  CHECK(first_cell(outline_of_bytes(*factory, document_format::excel, second)) == "second");
  CHECK(settled_stats(config)["kept_hits"] == 1);
  CHECK(settled_stats(config)["kept_misses"] == 1);
}
