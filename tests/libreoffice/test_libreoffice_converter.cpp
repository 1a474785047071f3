// The libreoffice converter plugin, loaded as the server loads it, converting real documents with real soffice
// processes. Results are checked for meaning (the source's words in the output), not only for non-emptiness.
#include "conversion_testing.hpp"

#include <algorithm>
#include <csignal>
#include <string>
#include <vector>

// Under LeakSanitizer (FOLIO_SANITIZE=1): UNO (its generated type getters and libuno_cppu's type library) allocates
// each type description once and keeps it for the life of the process, by design; that is not a leak of ours.
extern "C" const char* __lsan_default_suppressions();  // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_suppressions() { // NOLINT(bugprone-reserved-identifier)
  return "leak:cppu_detail_getUnoType\nleak:libuno_cppu.so\n";
}

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using folio_testing::corpus_dir;
using folio_testing::corpus_file;
using folio_testing::is_opendocument;
using folio_testing::pdf_text;
using folio_testing::read_bytes;

// One pool per test program run: starting offices takes seconds.
folio::converter& shared_converter() {
  static const auto plugin = folio_testing::load();
  static const auto converter = folio_testing::make_converter(plugin, {{"processes", 2}});
  return *converter;
}

folio::result<folio::conversion_output> convert(folio::converter& converter, const std::string& file,
                                                const std::string& source, const std::string& target,
                                                nlohmann::json options = nlohmann::json::object(),
                                                folio::duration deadline = 60s) {
  const auto bytes = read_bytes(corpus_file(file));
  return converter.convert({bytes, {source, target}, std::move(options), deadline});
}

struct sample {
  std::string file;
  std::string word; // a word known to be in the file's text
};

} // namespace

TEST_CASE("libreoffice converts xlsx to pdf, csv and html with the workbook's text") {
  auto& converter = shared_converter();
  const std::vector<sample> samples{{"xlsx/pandoc__basic.xlsx", "Anton Antich"},
                                    {"xlsx/openxml-sdk__basicspreadsheet.xlsx", "Accent1"},
                                    {"xlsx/exceljs__google-sheets.xlsx", "VISIBLE"}};
  for (const auto& [file, word] : samples) {
    INFO(file);
    const auto pdf = convert(converter, file, "xlsx", "pdf");
    INFO((pdf ? std::string() : pdf.error().message));
    REQUIRE(pdf);
    CHECK(pdf.value().media_type == "application/pdf");
    REQUIRE(pdf.value().page_count);
    CHECK(*pdf.value().page_count > 0);
    CHECK_THAT(pdf_text(pdf.value().bytes), Catch::Contains(word));

    const auto html = convert(converter, file, "xlsx", "html");
    REQUIRE(html);
    CHECK_THAT(html.value().bytes, Catch::Contains(word));

    const auto csv = convert(converter, file, "xlsx", "csv");
    INFO((csv ? std::string() : csv.error().message));
    REQUIRE(csv);
    CHECK(std::count(csv.value().bytes.begin(), csv.value().bytes.end(), '\n') > 0);
  }
}

TEST_CASE("libreoffice exports the first sheet as csv unless another is named") {
  auto& converter = shared_converter();
  const auto first = convert(converter, "xlsx/pandoc__basic.xlsx", "xlsx", "csv");
  REQUIRE(first);
  CHECK_THAT(first.value().bytes, Catch::Contains("Anton Antich"));

  const auto second = convert(converter, "xlsx/pandoc__basic.xlsx", "xlsx", "csv", {{"sheet", "Secondary"}});
  REQUIRE(second);
  CHECK_THAT(second.value().bytes, Catch::Contains("Sum of Age"));
  CHECK(second.value().bytes != first.value().bytes);

  const auto missing = convert(converter, "xlsx/pandoc__basic.xlsx", "xlsx", "csv", {{"sheet", "Nope"}});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == folio::errc::invalid_argument);
  CHECK(missing.error().param == "sheet");
  CHECK_THAT(missing.error().message, Catch::Contains("'Main'") && Catch::Contains("'Secondary'"));
}

TEST_CASE("libreoffice converts docx to pdf, html, txt and odt with the document's text") {
  auto& converter = shared_converter();
  const std::vector<sample> samples{{"docx/pandoc__lists.docx", "nested lists"},
                                    {"docx/pandoc__unicode.docx", "Hello"},
                                    {"docx/docx4j__headers_footers.docx", "Docx4j"}};
  for (const auto& [file, word] : samples) {
    INFO(file);
    const auto pdf = convert(converter, file, "docx", "pdf");
    INFO((pdf ? std::string() : pdf.error().message));
    REQUIRE(pdf);
    REQUIRE(pdf.value().page_count);
    CHECK(*pdf.value().page_count > 0);
    CHECK_THAT(pdf_text(pdf.value().bytes), Catch::Contains(word));

    for (const std::string target : {"html", "txt"}) {
      const auto text = convert(converter, file, "docx", target);
      REQUIRE(text);
      CHECK_THAT(text.value().bytes, Catch::Contains(word));
    }

    const auto odt = convert(converter, file, "docx", "odt");
    REQUIRE(odt);
    CHECK(is_opendocument(odt.value().bytes, "application/vnd.oasis.opendocument.text"));
  }
}

TEST_CASE("libreoffice converts pptx to pdf and odp with the slides' text") {
  auto& converter = shared_converter();
  const std::vector<sample> samples{{"pptx/pandoc__output.pptx", "Slides"},
                                    {"pptx/poi__with_japanese.pptx", "Row 1 Col 1"},
                                    {"pptx/openxml-sdk__Table_Large.pptx", "Large Table"}};
  for (const auto& [file, word] : samples) {
    INFO(file);
    const auto pdf = convert(converter, file, "pptx", "pdf");
    INFO((pdf ? std::string() : pdf.error().message));
    REQUIRE(pdf);
    REQUIRE(pdf.value().page_count);
    CHECK(*pdf.value().page_count > 0);
    CHECK_THAT(pdf_text(pdf.value().bytes), Catch::Contains(word));

    const auto odp = convert(converter, file, "pptx", "odp");
    REQUIRE(odp);
    CHECK(is_opendocument(odp.value().bytes, "application/vnd.oasis.opendocument.presentation"));
  }
}

TEST_CASE("libreoffice names its pairs and version and refuses others") {
  auto& converter = shared_converter();
  CHECK(converter.pairs().size() == 9);
  CHECK_THAT(converter.version(), Catch::Matches(R"(libreoffice-\d+\.\d+\.\d+/\d+)"));

  const auto unsupported = convert(converter, "docx/pandoc__lists.docx", "docx", "csv");
  REQUIRE_FALSE(unsupported);
  CHECK(unsupported.error().code == folio::errc::unsupported_conversion);
  CHECK_THAT(unsupported.error().message, Catch::Contains("pdf, html, txt, odt"));
}

TEST_CASE("libreoffice fails cleanly on every bad corpus file and keeps converting") {
  auto& converter = shared_converter();
  REQUIRE(fs::is_directory(corpus_file("bad/poi__invalid.xlsx").parent_path()));
  int failed = 0;
  for (const auto& entry : fs::directory_iterator(corpus_dir / "files" / "bad")) {
    const auto name = entry.path().filename().string();
    auto source = entry.path().extension().string().substr(1);
    source = source.substr(0, 3) + "x"; // docm, xlsm, pptm are their x siblings with macros
    INFO(name);
    const auto started = std::chrono::steady_clock::now();
    const auto converted = convert(converter, "bad/" + name, source, "pdf");
    CHECK(std::chrono::steady_clock::now() - started < 60s);
    if (name.find("encrypt") != std::string::npos || name.find("password") != std::string::npos ||
        name.find("protect") != std::string::npos) {
      REQUIRE_FALSE(converted);
      CHECK(converted.error().code == folio::errc::document_encrypted);
    }
    if (converted) {
      // LibreOffice repairs what it can: it skips the unparsable sheet, refuses the entity bomb's expansion and reads
      // a workbook without a sheet list as an empty one. The XXE sample is valid apart from the schema it must not
      // fetch. Whatever converts still yields a real PDF.
      CHECK_THAT(name, Catch::Matches("poi__xxe_in_schema.xlsx|excelize__BadWorkbook.xlsx|exceljs__invalid-xml.xlsx|"
                                      "poi__poc-xmlbomb.xlsx"));
      CHECK(converted.value().page_count.value_or(0) > 0);
    } else {
      ++failed;
      // Broken, truncated, hostile and mislabelled files are unreadable documents, never a crashed or timed-out
      // office: the container checks and LibreOffice's own import refuse them.
      const bool encrypted = converted.error().code == folio::errc::document_encrypted;
      CHECK((encrypted || converted.error().code == folio::errc::document_unreadable));
      CHECK(!converted.error().message.empty());
    }
  }
  CHECK(failed >= 14);

  const auto good = convert(converter, "docx/pandoc__lists.docx", "docx", "pdf");
  REQUIRE(good);
  CHECK_THAT(pdf_text(good.value().bytes), Catch::Contains("nested lists"));
}

TEST_CASE("libreoffice replaces a killed soffice and a job that overruns its deadline") {
  const auto plugin = folio_testing::load();
  const nlohmann::json config{{"processes", 1}};
  const auto converter = folio_testing::make_converter(plugin, config);

  const auto before = folio_testing::pool_stats(config);
  REQUIRE(before["pids"].size() == 1);
  const auto killed = before["pids"][0].get<pid_t>();
  REQUIRE(::kill(killed, SIGKILL) == 0);
  const auto after_kill = convert(*converter, "docx/pandoc__unicode.docx", "docx", "txt");
  INFO((after_kill ? std::string() : after_kill.error().message));
  REQUIRE(after_kill);
  CHECK_THAT(after_kill.value().bytes, Catch::Contains("Hello"));
  const auto replaced = folio_testing::pool_stats(config);
  REQUIRE(replaced["pids"].size() == 1);
  CHECK(replaced["pids"][0] != killed);
  CHECK(replaced["crashes"] == 1);

  const auto overrun = convert(*converter, "pptx/openxml-sdk__Table_Large.pptx", "pptx", "pdf", {}, 1ms);
  REQUIRE_FALSE(overrun);
  CHECK(overrun.error().code == folio::errc::conversion_timeout);
  const auto after_timeout = convert(*converter, "docx/pandoc__unicode.docx", "docx", "txt");
  INFO((after_timeout ? std::string() : after_timeout.error().message));
  REQUIRE(after_timeout);
  CHECK_THAT(after_timeout.value().bytes, Catch::Contains("Hello"));
  const auto counted = folio_testing::pool_stats(config);
  CHECK(counted["timeouts"] == 1);
  CHECK(counted["crashes"] == 1);
}
