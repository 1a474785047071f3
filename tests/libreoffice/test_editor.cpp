// The editor's frame, common to the three formats: opening, the catalog, argument validation, saving and
// reopening, and what a bad document or a bad call gets.
#include "editor_testing.hpp"

#include <folio/json_schema.hpp>

namespace {

using folio::document_format;
using folio_testing::call;
using folio_testing::open_editor;
using folio_testing::saved;

} // namespace

TEST_CASE("editor publishes, for every format, a catalog of tools with object schemas") {
  for (const auto format : folio::all_document_formats) {
    const auto editor = open_editor(format);
    const auto catalog = editor->tool_catalog();
    REQUIRE(catalog.is_array());
    for (const auto& tool : catalog) {
      INFO(tool.dump());
      CHECK(tool["name"].is_string());
      CHECK_FALSE(tool["description"].get<std::string>().empty());
      CHECK(tool["parameters"]["type"] == "object");
      CHECK(tool["parameters"]["additionalProperties"] == false);
    }
  }
}

TEST_CASE("editor refuses an unknown tool, naming the tools it has") {
  const auto editor = open_editor(document_format::excel);
  auto answer = editor->call_tool("delete_everything", nlohmann::json::object());
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code == folio::errc::tool_unknown);
  CHECK(answer.error().message.find("add_sheet") != std::string::npos);
}

TEST_CASE("editor validates arguments against the tool's schema before touching the document") {
  const auto editor = open_editor(document_format::excel);
  auto answer = editor->call_tool("add_sheet", {{"title", "Sales"}});
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code == folio::errc::tool_arguments_invalid);
  CHECK(answer.error().message == "add_sheet: /name is required");
  const auto before = editor->outline();
  REQUIRE(before);
  CHECK(before.value()["sheets"].size() == 1);
}

TEST_CASE("editor saves OOXML that reopens with what was done to it") {
  std::string bytes;
  {
    const auto editor = open_editor(document_format::excel);
    call(*editor, "add_sheet", {{"name", "Forecast FY26"}});
    bytes = saved(*editor);
  }
  CHECK(bytes.starts_with("PK\x03\x04"));
  const auto reopened = open_editor(document_format::excel, bytes);
  const auto outline = reopened->outline();
  REQUIRE(outline);
  REQUIRE(outline.value()["sheets"].size() == 2);
  CHECK(outline.value()["sheets"][1]["name"] == "Forecast FY26");
  CHECK(folio_testing::python_reads(
            bytes, "xlsx", "import sys, openpyxl\nprint(openpyxl.load_workbook(sys.argv[1]).sheetnames[1])\n") ==
        "Forecast FY26\n");
}

TEST_CASE("editor refuses documents that are not of the format, encrypted or broken") {
  auto not_a_zip = folio_testing::shared_editor_factory().open(document_format::word, "plain text, not a docx");
  REQUIRE_FALSE(not_a_zip);
  CHECK(not_a_zip.error().code == folio::errc::document_unreadable);

  std::string xlsx;
  {
    const auto editor = open_editor(document_format::excel);
    xlsx = saved(*editor);
  }
  auto wrong_kind = folio_testing::shared_editor_factory().open(document_format::word, xlsx);
  REQUIRE_FALSE(wrong_kind);
  CHECK(wrong_kind.error().code == folio::errc::document_unreadable);

  const auto truncated = xlsx.substr(0, xlsx.size() / 2);
  auto broken = folio_testing::shared_editor_factory().open(document_format::excel, truncated);
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code == folio::errc::document_unreadable);
  // The office that refused them still serves.
  const auto editor = open_editor(document_format::excel, xlsx);
  CHECK(editor->outline());
}
