#include <folio/submission.hpp>

#include <catch2/catch.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace {
std::string repeat(std::string_view unit, std::size_t times) {
  std::string text;
  text.reserve(unit.size() * times);
  for (std::size_t count = 0; count < times; ++count) {
    text += unit;
  }
  return text;
}

folio::submission valid_submission() {
  folio::submission request;
  request.format = folio::document_format::excel;
  request.prompt = "Create a quarterly sales report with a chart";
  return request;
}

void check_refused(const folio::submission& request, folio::errc code, std::string_view param) {
  const auto checked = folio::validate(request);
  REQUIRE_FALSE(checked);
  CHECK(folio::to_string(checked.error().code) == folio::to_string(code));
  CHECK(checked.error().param == param);
  CHECK_FALSE(checked.error().message.empty());
}
} // namespace

TEST_CASE("accepts a plain submission with only a prompt", "[submission]") {
  CHECK(folio::validate(valid_submission()));
}

TEST_CASE("requires a prompt", "[submission]") {
  auto request = valid_submission();
  request.prompt.clear();
  check_refused(request, folio::errc::prompt_missing, "prompt");
}

TEST_CASE("accepts a prompt of exactly 32768 characters and refuses one more", "[submission]") {
  auto request = valid_submission();
  request.prompt = std::string(folio::max_prompt_length, 'a');
  CHECK(folio::validate(request));
  request.prompt += 'a';
  check_refused(request, folio::errc::prompt_too_long, "prompt");
}

TEST_CASE("counts prompt length in characters, not bytes", "[submission]") {
  // Two-, three- and four-byte UTF-8 characters: e acute, the euro sign, an emoji.
  const auto character = GENERATE(as<std::string>{}, "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80");
  INFO(character.size() << "-byte character");
  auto request = valid_submission();
  request.prompt = repeat(character, folio::max_prompt_length);
  REQUIRE(request.prompt.size() > folio::max_prompt_length);
  CHECK(folio::validate(request));
  request.prompt += character;
  check_refused(request, folio::errc::prompt_too_long, "prompt");
}

TEST_CASE("accepts up to 16 metadata pairs and refuses 17", "[submission]") {
  auto request = valid_submission();
  for (int index = 0; index < 16; ++index) {
    request.metadata["key" + std::to_string(index)] = "value";
  }
  CHECK(folio::validate(request));
  request.metadata["key16"] = "value";
  check_refused(request, folio::errc::metadata_invalid, "metadata");
}

TEST_CASE("limits metadata keys to 1..40 characters and values to 500", "[submission]") {
  auto request = valid_submission();
  request.metadata[std::string(40, 'k')] = std::string(500, 'v');
  request.metadata["empty value"] = "";
  CHECK(folio::validate(request));

  SECTION("an empty key") {
    request.metadata[""] = "value";
    check_refused(request, folio::errc::metadata_invalid, "metadata");
  }
  SECTION("a 41-character key") {
    request.metadata[std::string(41, 'k')] = "value";
    check_refused(request, folio::errc::metadata_invalid, "metadata");
  }
  SECTION("a 501-character value") {
    request.metadata["customer"] = std::string(501, 'v');
    check_refused(request, folio::errc::metadata_invalid, "metadata");
  }
}

TEST_CASE("counts metadata lengths in characters, not bytes", "[submission]") {
  const std::string euro = "\xE2\x82\xAC";
  auto request = valid_submission();
  request.metadata[repeat(euro, 40)] = repeat(euro, 500);
  CHECK(folio::validate(request));

  SECTION("a key one character too long") {
    request.metadata[repeat(euro, 41)] = "value";
    check_refused(request, folio::errc::metadata_invalid, "metadata");
  }
  SECTION("a value one character too long") {
    request.metadata["customer"] = repeat(euro, 501);
    check_refused(request, folio::errc::metadata_invalid, "metadata");
  }
}

TEST_CASE("accepts a file name ending in the format's extension", "[submission]") {
  for (const auto format : folio::all_document_formats) {
    INFO(folio::to_string(format));
    auto request = valid_submission();
    request.format = format;
    request.file_name = "";
    CHECK(folio::validate(request));
    request.file_name = folio::default_file_name(format);
    CHECK(folio::validate(request));
    request.file_name = "Q3 report (final), v2." + std::string(folio::file_extension(format));
    CHECK(folio::validate(request));
    request.file_name = "Bericht f\xC3\xBCr M\xC3\xA4rz." + std::string(folio::file_extension(format));
    CHECK(folio::validate(request));
  }
}

TEST_CASE("refuses a file name that is not a plain name of the format", "[submission]") {
  using namespace std::string_literals;
  const auto file_name =
      GENERATE(as<std::string>{}, "report", "report.docx", "report.pptx", "report.xls", "report.xlsx.exe", "reportxlsx",
               ".xlsx", "../report.xlsx", "dir/report.xlsx", "dir\\report.xlsx", "re\"port.xlsx", "re\rport.xlsx",
               "re\nport.xlsx", "re\0port.xlsx"s, "re\tport.xlsx", "re\x1bport.xlsx", "re\x7fport.xlsx");
  INFO(file_name);
  auto request = valid_submission();
  request.file_name = file_name;
  check_refused(request, folio::errc::file_name_invalid, "file_name");
}

TEST_CASE("accepts a file name of 255 bytes and refuses 256", "[submission]") {
  auto request = valid_submission();
  request.file_name = std::string(250, 'a') + ".xlsx";
  CHECK(folio::validate(request));
  request.file_name = std::string(251, 'a') + ".xlsx";
  check_refused(request, folio::errc::file_name_invalid, "file_name");
}

TEST_CASE("accepts an idempotency key of 1 to 255 characters", "[submission]") {
  auto request = valid_submission();
  CHECK(folio::validate(request));
  request.idempotency_key = "k";
  CHECK(folio::validate(request));
  request.idempotency_key = std::string(255, 'k');
  CHECK(folio::validate(request));
}

TEST_CASE("refuses an empty or over-long idempotency key", "[submission]") {
  auto request = valid_submission();
  SECTION("empty") {
    request.idempotency_key = "";
    check_refused(request, folio::errc::invalid_argument, "Idempotency-Key");
  }
  SECTION("256 characters") {
    request.idempotency_key = std::string(256, 'k');
    check_refused(request, folio::errc::invalid_argument, "Idempotency-Key");
  }
}

TEST_CASE("accepts an http or https webhook URL and refuses anything else", "[submission]") {
  auto request = valid_submission();
  request.webhook_url = "https://hooks.example.com/folio";
  CHECK(folio::validate(request));
  request.webhook_url = "http://127.0.0.1:8099/hook";
  CHECK(folio::validate(request));
  request.webhook_url = "javascript:alert(1)";
  check_refused(request, folio::errc::invalid_argument, "webhook_url");
  request.webhook_url = "hooks.example.com/folio";
  check_refused(request, folio::errc::invalid_argument, "webhook_url");
}
