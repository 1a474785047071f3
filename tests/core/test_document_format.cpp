#include <folio/document_format.hpp>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <string_view>

using folio::document_format;

TEST_CASE("names each format as the API's endpoints do", "[document_format]") {
  CHECK(folio::to_string(document_format::excel) == "excel");
  CHECK(folio::to_string(document_format::word) == "word");
  CHECK(folio::to_string(document_format::powerpoint) == "powerpoint");
  CHECK(folio::file_extension(document_format::excel) == "xlsx");
  CHECK(folio::file_extension(document_format::word) == "docx");
  CHECK(folio::file_extension(document_format::powerpoint) == "pptx");
}

TEST_CASE("defaults file names to workbook, document and presentation", "[document_format]") {
  CHECK(folio::default_file_name(document_format::excel) == "workbook.xlsx");
  CHECK(folio::default_file_name(document_format::word) == "document.docx");
  CHECK(folio::default_file_name(document_format::powerpoint) == "presentation.pptx");
  for (const auto format : folio::all_document_formats) {
    INFO(folio::to_string(format));
    CHECK(folio::default_file_name(format).ends_with("." + std::string(folio::file_extension(format))));
  }
}

TEST_CASE("gives each format its OOXML media type", "[document_format]") {
  std::set<std::string_view> types;
  for (const auto format : folio::all_document_formats) {
    INFO(folio::to_string(format));
    const auto type = folio::media_type(format);
    CHECK(type.starts_with("application/vnd.openxmlformats-officedocument."));
    types.insert(type);
  }
  CHECK(types.size() == 3);
  CHECK(folio::media_type(document_format::excel).ends_with(".spreadsheetml.sheet"));
  CHECK(folio::media_type(document_format::word).ends_with(".wordprocessingml.document"));
  CHECK(folio::media_type(document_format::powerpoint).ends_with(".presentationml.presentation"));
}

TEST_CASE("parses a format from its name or its extension", "[document_format]") {
  for (const auto format : folio::all_document_formats) {
    INFO(folio::to_string(format));
    CHECK(folio::parse_document_format(folio::to_string(format)) == format);
    CHECK(folio::parse_document_format(folio::file_extension(format)) == format);
  }
  for (const auto* unknown : {"", "Excel", "XLSX", "xls", "doc", "ppt", "pdf", ".xlsx", "excel "}) {
    INFO(unknown);
    CHECK_FALSE(folio::parse_document_format(unknown));
  }
}
