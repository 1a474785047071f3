// Download names: what a browser saves the file as, and that no file name can break or inject a header.
#include <folio/content_disposition.hpp>

#include <catch2/catch.hpp>
#include <string>

TEST_CASE("names a plain file in a quoted filename only", "[content_disposition]") {
  CHECK(folio::attachment_disposition("workbook.xlsx") == "attachment; filename=\"workbook.xlsx\"");
  CHECK(folio::attachment_disposition("Q3 sales (final).xlsx") == "attachment; filename=\"Q3 sales (final).xlsx\"");
}

TEST_CASE("adds the exact UTF-8 name as filename* when the plain one had to change", "[content_disposition]") {
  // RFC 8187's own example of a non-ASCII name, percent-encoded as UTF-8.
  CHECK(folio::attachment_disposition("€ rates.pdf") ==
        "attachment; filename=\"_ rates.pdf\"; filename*=UTF-8''%E2%82%AC%20rates.pdf");
  CHECK(folio::attachment_disposition("Résumé.docx") ==
        "attachment; filename=\"R_sum_.docx\"; filename*=UTF-8''R%C3%A9sum%C3%A9.docx");
  CHECK(folio::attachment_disposition("say \"hi\".txt") ==
        "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt");
}

TEST_CASE("keeps only the last path component and drops control characters", "[content_disposition]") {
  CHECK(folio::safe_file_name("../../etc/passwd") == "passwd");
  CHECK(folio::safe_file_name("C:\\Users\\me\\deck.pptx") == "deck.pptx");
  const auto header = folio::attachment_disposition("evil\r\nSet-Cookie: a=b.xlsx");
  CHECK(header == "attachment; filename=\"evilSet-Cookie: a=b.xlsx\"");
  CHECK(header.find('\r') == std::string::npos);
  CHECK(header.find('\n') == std::string::npos);
}

TEST_CASE("never names a file empty, dot or dot-dot", "[content_disposition]") {
  CHECK(folio::safe_file_name("") == "download");
  CHECK(folio::safe_file_name("..") == "download");
  CHECK(folio::safe_file_name("dir/") == "download");
  CHECK(folio::safe_file_name("\x01\x02") == "download");
  CHECK(folio::attachment_disposition("/") == "attachment; filename=\"download\"");
}
