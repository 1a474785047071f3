// `folio-server convert`, run as a user runs it: the built binary, the build's plugins, real corpus documents. The
// outputs are read back with poppler's tools (pages, text) and by their PNG headers; failures are checked by exit
// code and by the "error: <code>: <message>" line on stderr.
#include "temp_directory.hpp"

#include <folio/conversion_route.hpp>

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string corpus_file(const std::string& relative) {
  const fs::path corpus_dir{FOLIO_CORPUS_DIR};
  INFO("the shared corpus must exist at " << corpus_dir.string() << " (../shared/corpus from the project root)");
  REQUIRE(fs::is_directory(corpus_dir / "files"));
  const auto path = corpus_dir / "files" / relative;
  INFO("missing corpus file " << path.string());
  REQUIRE(fs::is_regular_file(path));
  return path.string();
}

std::string read_bytes(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

std::string quoted(const std::string& word) {
  std::string quoted = "'";
  for (const char letter : word) {
    quoted += letter == '\'' ? std::string("'\\''") : std::string(1, letter);
  }
  return quoted + "'";
}

struct outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs folio-server with these arguments (and environment assignments, "NAME=value"), in a shell.
outcome folio_server(const std::vector<std::string>& arguments, const std::vector<std::string>& environment = {}) {
  const folio_test::temp_directory streams;
  std::string command;
  for (const auto& assignment : environment) {
    command += assignment + " ";
  }
  command += quoted(FOLIO_SERVER);
  for (const auto& argument : arguments) {
    command += " " + quoted(argument);
  }
  command += " >" + quoted((streams.path() / "out").string()) + " 2>" + quoted((streams.path() / "err").string());
  const int status = std::system(command.c_str()); // NOLINT(concurrency-mt-unsafe): tests run one at a time
  outcome result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_bytes(streams.path() / "out");
  result.err = read_bytes(streams.path() / "err");
  return result;
}

std::string command_output(const std::string& command) {
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output.append(buffer, read);
    }
    ::pclose(pipe);
  }
  return output;
}

int pdf_pages(const fs::path& pdf) {
  const auto info = command_output("pdfinfo " + quoted(pdf.string()));
  std::smatch found;
  INFO(info);
  REQUIRE(std::regex_search(info, found, std::regex(R"(Pages:\s+(\d+))")));
  return std::stoi(found[1]);
}

struct png_size {
  int width = 0;
  int height = 0;
};

// PNG: an 8-byte signature, then the IHDR chunk (length, type) whose data starts with width and height, big-endian.
png_size read_png_size(const fs::path& png) {
  const auto bytes = read_bytes(png);
  REQUIRE(bytes.size() > 24);
  REQUIRE(bytes.substr(0, 8) == "\x89PNG\r\n\x1a\n");
  REQUIRE(bytes.substr(12, 4) == "IHDR");
  const auto big_endian = [&](std::size_t at) {
    std::uint32_t value = 0;
    for (std::size_t index = 0; index < 4; ++index) {
      value = (value << 8U) | static_cast<unsigned char>(bytes[at + index]);
    }
    return static_cast<int>(value);
  };
  return {big_endian(16), big_endian(20)};
}

} // namespace

TEST_CASE("convert --help lists API.md's export table and the options") {
  const auto help = folio_server({"convert", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.err.empty());
  CHECK_THAT(help.out, Catch::StartsWith("usage: folio-server convert IN --to FMT [--page N] [--width PX] "
                                         "[--sheet NAME] -o OUT"));

  // API.md's table, row by row ("| xlsx | pdf, csv, png, html |"), is what the core allows and what --help shows.
  INFO("API.md must exist at " FOLIO_API_MD);
  const auto api = read_bytes(FOLIO_API_MD);
  const auto exports = api.find("| source | targets |");
  REQUIRE(exports != std::string::npos);
  std::istringstream rows(api.substr(exports));
  std::string row;
  std::size_t pairs = 0;
  std::smatch cells;
  while (std::getline(rows, row) && row.starts_with("|")) {
    if (!std::regex_match(row, cells, std::regex(R"(\| (xlsx|docx|pptx) \| ([a-z, ]+) \|)"))) {
      continue;
    }
    const std::string source = cells[1];
    const std::string targets = cells[2];
    INFO(row);
    std::string line = "  " + source;
    line += " to " + targets + "\n";
    CHECK_THAT(help.out, Catch::Contains(line));
    std::string from_core;
    for (const auto target : folio::allowed_targets(source)) {
      from_core += (from_core.empty() ? "" : ", ") + std::string(target);
      ++pairs;
    }
    CHECK(from_core == targets);
  }
  CHECK(pairs == folio::allowed_conversions.size());

  CHECK(folio_server({"--help"}).exit_code == 0);
}

TEST_CASE("convert refuses a bad command line with exit status 2 and the usage") {
  const folio_test::temp_directory work;
  const auto out = (work.path() / "out.pdf").string();
  const auto docx = corpus_file("docx/pandoc__lists.docx");
  const std::vector<std::pair<std::vector<std::string>, std::string>> refused{
      {{"convert"}, "the input file is missing"},
      {{"convert", docx, "-o", out}, "--to FMT is missing"},
      {{"convert", docx, "--to", "pdf"}, "-o OUT is missing"},
      {{"convert", docx, "--to", "png", "--page", "two", "-o", out}, "--page takes a whole number, not 'two'"},
      {{"convert", docx, "--to", "png", "--width", "12.5", "-o", out}, "--width takes a whole number"},
      {{"convert", docx, "--to", "pdf", "--dpi", "300", "-o", out}, "unknown option --dpi"},
      {{"convert", docx, docx, "--to", "pdf", "-o", out}, "one input file only"},
      {{"convert", docx, "--to", "pdf", "--to", "txt", "-o", out}, "--to is given twice"},
      {{"convert", docx, "--to"}, "--to needs a value"},
      {{"convert", (work.path() / "notes").string(), "--to", "pdf", "-o", out}, "its name has no extension"},
  };
  for (const auto& [arguments, problem] : refused) {
    INFO(arguments.back() << ": " << problem);
    const auto result = folio_server(arguments);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.err, Catch::StartsWith("folio-server convert: ") && Catch::Contains(problem));
    CHECK_FALSE(fs::exists(out));
  }
  CHECK(folio_server({"transmogrify"}).exit_code == 2);
}

TEST_CASE("convert refuses a pair API.md does not allow, before starting an office") {
  const folio_test::temp_directory work;
  const auto out = work.path() / "lists.png";
  const auto result = folio_server({"convert", corpus_file("docx/pandoc__lists.docx"), "--to", "png", "-o", out});
  CHECK(result.exit_code == 1);
  CHECK(result.err == "error: unsupported_conversion: docx exports to pdf, html, txt, odt, not png\n");
  CHECK_FALSE(fs::exists(out));

  const auto upper_case = folio_server({"convert", corpus_file("docx/pandoc__lists.docx"), "--to", "CSV", "-o", out});
  CHECK(upper_case.err == "error: unsupported_conversion: docx exports to pdf, html, txt, odt, not csv\n");
}

TEST_CASE("convert writes a pdf with the document's pages and text") {
  const folio_test::temp_directory work;
  const auto lists = work.path() / "lists.pdf";
  const auto result = folio_server({"convert", corpus_file("docx/pandoc__lists.docx"), "--to", "pdf", "-o", lists});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(pdf_pages(lists) >= 1);
  CHECK_THAT(command_output("pdftotext -q " + quoted(lists.string()) + " -"), Catch::Contains("nested lists"));
  CHECK_THAT(result.out, Catch::StartsWith(lists.string() + ": pdf, "));

  const auto slides = work.path() / "slides.pdf";
  const auto deck = folio_server({"convert", corpus_file("pptx/pandoc__output.pptx"), "--to", "pdf", "-o", slides});
  INFO(deck.err);
  REQUIRE(deck.exit_code == 0);
  CHECK(pdf_pages(slides) == 7);
  CHECK_THAT(deck.out, Catch::EndsWith("; the document has 7 pages\n"));
}

TEST_CASE("convert renders a page to png at the asked width through pdf") {
  const folio_test::temp_directory work;
  const auto slide = work.path() / "slide-3.png";
  const auto result = folio_server({"convert", corpus_file("pptx/pandoc__output.pptx"), "--to", "png", "--page", "3",
                                    "--width", "640", "-o", slide});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  const auto size = read_png_size(slide);
  CHECK(size.width == 640);
  CHECK(size.height == 360);

  // An A4 sheet (595.304 × 841.89 points) at the default width.
  const auto sheet = work.path() / "sheet.png";
  const auto workbook = folio_server({"convert", corpus_file("xlsx/pandoc__basic.xlsx"), "--to", "png", "-o", sheet});
  INFO(workbook.err);
  REQUIRE(workbook.exit_code == 0);
  const auto a4 = read_png_size(sheet);
  CHECK(a4.width == 1280);
  CHECK(a4.height == 1810);
}

TEST_CASE("convert exports the first sheet as csv unless another is named") {
  const folio_test::temp_directory work;
  const auto first = work.path() / "first.csv";
  const auto result = folio_server({"convert", corpus_file("xlsx/pandoc__basic.xlsx"), "--to", "csv", "-o", first});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(read_bytes(first), Catch::Contains("Anton Antich"));

  const auto secondary = work.path() / "secondary.csv";
  const auto named = folio_server(
      {"convert", corpus_file("xlsx/pandoc__basic.xlsx"), "--to", "csv", "--sheet", "Secondary", "-o", secondary});
  INFO(named.err);
  REQUIRE(named.exit_code == 0);
  CHECK_THAT(read_bytes(secondary), Catch::StartsWith("Sum of Age,"));
}

TEST_CASE("convert reports a failed conversion with exit status 1 and its error code") {
  const folio_test::temp_directory work;
  const auto out = work.path() / "out.pdf";
  const auto bad = folio_server({"convert", corpus_file("bad/poi__invalid.xlsx"), "--to", "pdf", "-o", out});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::StartsWith("error: document_unreadable: "));
  CHECK_FALSE(fs::exists(out));

  const auto png = work.path() / "out.png";
  const auto past =
      folio_server({"convert", corpus_file("pptx/pandoc__output.pptx"), "--to", "png", "--page", "99", "-o", png});
  CHECK(past.exit_code == 1);
  CHECK(past.err ==
        "error: invalid_argument: page 99 is out of range: the document has 7 pages (page counts from 1)\n");
  CHECK_FALSE(fs::exists(png));

  const auto missing = folio_server({"convert", (work.path() / "absent.docx").string(), "--to", "pdf", "-o", out});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::StartsWith("error: not_found: cannot read '"));
}

TEST_CASE("convert loads the plugins from --plugins or FOLIO_PLUGINS when given") {
  const folio_test::temp_directory work;
  const folio_test::temp_directory no_plugins;
  const auto out = work.path() / "out.pdf";
  const auto docx = corpus_file("docx/pandoc__lists.docx");

  const auto flag = folio_server({"convert", docx, "--to", "pdf", "--plugins", no_plugins.path(), "-o", out});
  CHECK(flag.exit_code == 1);
  CHECK_THAT(flag.err, Catch::StartsWith("error: plugin_not_found: no converter at hand turns docx into pdf") &&
                           Catch::Contains(no_plugins.path().string()));

  const auto environment =
      folio_server({"convert", docx, "--to", "pdf", "-o", out}, {"FOLIO_PLUGINS=" + quoted(no_plugins.path())});
  CHECK(environment.exit_code == 1);
  CHECK_THAT(environment.err, Catch::Contains(no_plugins.path().string()));

  const auto unreadable = folio_server({"convert", docx, "--to", "pdf", "--plugins", work.path() / "none", "-o", out});
  CHECK(unreadable.exit_code == 1);
  CHECK_THAT(unreadable.err, Catch::StartsWith("error: plugin_load_failed: cannot read the plugin directory"));
  CHECK_FALSE(fs::exists(out));
}
