#include <folio/errors.hpp>

#include <catch2/catch.hpp>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>

namespace {
// The enumeration starts at 1 (0 means success for std::error_code) and ends at internal.
constexpr int first_code = 1;
constexpr int last_code = static_cast<int>(folio::errc::internal);

folio::result<int> half_of(int value) {
  if (value % 2 != 0) {
    return folio::fail(folio::errc::invalid_argument, "value must be even", "value");
  }
  return value / 2;
}
} // namespace

TEST_CASE("names every error code distinctly in snake case", "[errors]") {
  std::set<std::string_view> names;
  for (int value = first_code; value <= last_code; ++value) {
    const auto name = folio::to_string(static_cast<folio::errc>(value));
    INFO("code " << value << " is named '" << name << "'");
    CHECK(name != "unknown");
    CHECK_FALSE(name.empty());
    CHECK(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
    CHECK(names.insert(name).second);
  }
  CHECK(names.size() == static_cast<std::size_t>(last_code - first_code + 1));
}

TEST_CASE("keeps every code under its published name", "[errors]") {
  // Programs switch on these strings, so a rename is a breaking change: this list makes one deliberate.
  using folio::errc;
  const std::map<errc, std::string_view> published{
      {errc::invalid_argument, "invalid_argument"},
      {errc::invalid_id, "invalid_id"},
      {errc::invalid_cursor, "invalid_cursor"},
      {errc::invalid_limit, "invalid_limit"},
      {errc::prompt_missing, "prompt_missing"},
      {errc::prompt_too_long, "prompt_too_long"},
      {errc::metadata_invalid, "metadata_invalid"},
      {errc::file_name_invalid, "file_name_invalid"},
      {errc::invalid_json, "invalid_json"},
      {errc::unknown_field, "unknown_field"},
      {errc::body_too_large, "body_too_large"},
      {errc::unsupported_media_type, "unsupported_media_type"},
      {errc::unauthenticated, "unauthenticated"},
      {errc::route_not_found, "route_not_found"},
      {errc::method_not_allowed, "method_not_allowed"},
      {errc::not_found, "not_found"},
      {errc::run_expired, "run_expired"},
      {errc::format_mismatch, "format_mismatch"},
      {errc::task_finished, "task_finished"},
      {errc::run_busy, "run_busy"},
      {errc::invalid_transition, "invalid_transition"},
      {errc::progress_regressed, "progress_regressed"},
      {errc::lease_lost, "lease_lost"},
      {errc::no_output, "no_output"},
      {errc::idempotency_key_reused, "idempotency_key_reused"},
      {errc::idempotency_key_in_flight, "idempotency_key_in_flight"},
      {errc::queue_full, "queue_full"},
      {errc::shutting_down, "shutting_down"},
      {errc::not_ready, "not_ready"},
      {errc::timeout, "timeout"},
      {errc::cancelled, "cancelled"},
      {errc::link_expired, "link_expired"},
      {errc::link_tampered, "link_tampered"},
      {errc::plugin_load_failed, "plugin_load_failed"},
      {errc::plugin_abi_mismatch, "plugin_abi_mismatch"},
      {errc::plugin_duplicate_name, "plugin_duplicate_name"},
      {errc::plugin_not_found, "plugin_not_found"},
      {errc::unknown_agent, "unknown_agent"},
      {errc::plugin_error, "plugin_error"},
      {errc::agent_failed, "agent_failed"},
      {errc::prompt_not_understood, "prompt_not_understood"},
      {errc::agent_unauthorized, "agent_unauthorized"},
      {errc::agent_request_rejected, "agent_request_rejected"},
      {errc::agent_unavailable, "agent_unavailable"},
      {errc::agent_timeout, "agent_timeout"},
      {errc::agent_tls_failed, "agent_tls_failed"},
      {errc::agent_response_invalid, "agent_response_invalid"},
      {errc::agent_tool_rounds_exceeded, "agent_tool_rounds_exceeded"},
      {errc::tool_unknown, "tool_unknown"},
      {errc::tool_arguments_invalid, "tool_arguments_invalid"},
      {errc::unsupported_conversion, "unsupported_conversion"},
      {errc::document_unreadable, "document_unreadable"},
      {errc::document_encrypted, "document_encrypted"},
      {errc::document_too_large, "document_too_large"},
      {errc::conversion_timeout, "conversion_timeout"},
      {errc::converter_crashed, "converter_crashed"},
      {errc::storage_error, "storage_error"},
      {errc::internal, "internal"},
  };
  CHECK(published.size() == static_cast<std::size_t>(last_code - first_code + 1));
  for (const auto& [code, name] : published) {
    CHECK(folio::to_string(code) == name);
  }
}

TEST_CASE("names a value outside the enumeration unknown", "[errors]") {
  CHECK(folio::to_string(static_cast<folio::errc>(0)) == "unknown");
  CHECK(folio::to_string(static_cast<folio::errc>(last_code + 1)) == "unknown");
  CHECK(folio::error_category().message(last_code + 1) == "unknown");
}

TEST_CASE("converts every code to a std::error_code of the folio category", "[errors]") {
  for (int value = first_code; value <= last_code; ++value) {
    const auto code = static_cast<folio::errc>(value);
    const std::error_code converted = code;
    INFO(folio::to_string(code));
    CHECK(converted);
    CHECK(converted.value() == value);
    CHECK(std::string_view(converted.category().name()) == "folio");
    CHECK(converted.message() == folio::to_string(code));
    CHECK(converted == code);
    CHECK(converted == folio::make_error_code(code));
    CHECK(converted == folio::make_error_code(folio::error{code, "some text"}));
  }
}

TEST_CASE("tells folio codes apart from other categories with the same number", "[errors]") {
  const std::error_code ours = folio::errc::invalid_argument;
  const std::error_code generic = std::make_error_code(std::errc::operation_not_permitted);
  REQUIRE(ours.value() == generic.value());
  CHECK(ours != generic);
  CHECK(ours != std::errc::operation_not_permitted);
  CHECK(&folio::error_category() == &folio::error_category());
  CHECK(std::error_code(folio::errc::not_found) != std::error_code(folio::errc::run_expired));
}

TEST_CASE("builds an error with its code, message and parameter", "[errors]") {
  const folio::error failure = folio::fail(folio::errc::not_found, "no such run", "run_id");
  CHECK(failure.code == folio::errc::not_found);
  CHECK(failure.message == "no such run");
  CHECK(failure.param == "run_id");
  CHECK(failure == folio::errc::not_found);
  CHECK_FALSE(failure == folio::errc::run_expired);

  const folio::error from_code = folio::errc::queue_full;
  CHECK(from_code == folio::errc::queue_full);
  CHECK(from_code.message.empty());
  CHECK(from_code.param.empty());
  CHECK(folio::error{}.code == folio::errc::internal);
}

TEST_CASE("carries either a value or an error in a result", "[errors]") {
  const auto good = half_of(8);
  REQUIRE(good);
  CHECK(good.value() == 4);

  const auto bad = half_of(7);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == folio::errc::invalid_argument);
  CHECK(bad.error().param == "value");
}
