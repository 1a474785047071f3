// The /files path scheme: what a signed link names, and that nothing outside the scheme is read as a file.
#include <folio/file_link.hpp>

#include <catch2/catch.hpp>
#include <string>

namespace {
const std::string hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
} // namespace

TEST_CASE("writes and reads back a file's hash and download name", "[file_link]") {
  const folio::file_address plain{hash, "workbook.xlsx"};
  CHECK(plain.path() == "/files/" + hash + "/workbook.xlsx");
  const folio::file_address spaced{hash, "Q3 résumé/final?.docx"};
  CHECK(spaced.path() == "/files/" + hash + "/Q3%20r%C3%A9sum%C3%A9%2Ffinal%3F.docx");
  for (const auto& file : {plain, spaced}) {
    const auto read = folio::file_address::parse(file.path());
    REQUIRE(read);
    CHECK(read.value().hash == hash);
    CHECK(read.value().file_name == file.file_name);
  }
  CHECK(folio::file_address::parse("/files/" + hash + "/a%2fb").value().file_name == "a/b");
}

TEST_CASE("answers not_found for any path outside the scheme", "[file_link]") {
  for (const auto& path :
       {std::string("/files/"), "/files/" + hash, "/files/" + hash + "/", "/files/" + hash + "/a/b",
        "/runs/" + hash + "/a.pdf", "/files/" + hash.substr(1) + "/a.pdf", "/files/" + hash.substr(1) + "G/a.pdf",
        "/files/" + hash.substr(1) + "A/a.pdf", "/files/" + hash + "/a%2", "/files/" + hash + "/a%zz",
        "/files/" + hash + "/a%00b", "/files//" + hash + "/a.pdf"}) {
    INFO(path);
    const auto parsed = folio::file_address::parse(path);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == folio::errc::not_found);
  }
}

TEST_CASE("serves each document format and export target with its media type", "[file_link]") {
  CHECK(folio::media_type_of_file_name("workbook.xlsx") ==
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  CHECK(folio::media_type_of_file_name("a.DOCX") ==
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  CHECK(folio::media_type_of_file_name("deck.pptx") ==
        "application/vnd.openxmlformats-officedocument.presentationml.presentation");
  CHECK(folio::media_type_of_file_name("x.pdf") == "application/pdf");
  CHECK(folio::media_type_of_file_name("x.png") == "image/png");
  CHECK(folio::media_type_of_file_name("x.csv") == "text/csv; charset=utf-8");
  CHECK(folio::media_type_of_file_name("x.html") == "text/html; charset=utf-8");
  CHECK(folio::media_type_of_file_name("x.txt") == "text/plain; charset=utf-8");
  CHECK(folio::media_type_of_file_name("x.odt") == "application/vnd.oasis.opendocument.text");
  CHECK(folio::media_type_of_file_name("x.odp") == "application/vnd.oasis.opendocument.presentation");
  CHECK(folio::media_type_of_file_name("x.exe") == "application/octet-stream");
  CHECK(folio::media_type_of_file_name("README") == "application/octet-stream");
}

TEST_CASE("names an export after the run's file, its target and a page or sheet that is not the default",
          "[file_link]") {
  CHECK(folio::export_file_name("workbook.xlsx", "pdf", nlohmann::json::object()) == "workbook.pdf");
  CHECK(folio::export_file_name("deck.pptx", "png", {{"page", 1}, {"width", 1280}}) == "deck.png");
  CHECK(folio::export_file_name("deck.pptx", "png", {{"page", 3}, {"width", 640}}) == "deck-page-3.png");
  CHECK(folio::export_file_name("Q3.report.xlsx", "csv", {{"sheet", "Forecast"}}) == "Q3.report-Forecast.csv");
  CHECK(folio::export_file_name("notes", "txt", nlohmann::json::object()) == "notes.txt");
  CHECK(folio::export_file_name(".hidden", "txt", nlohmann::json::object()) == ".hidden.txt");
}
