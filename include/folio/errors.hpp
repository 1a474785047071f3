// One error enumeration for the whole core, and the result type every fallible function returns.
// The server alone maps these codes to HTTP statuses; the code names are stable strings programs switch on.
#pragma once

#include <folio/version.hpp>

#include <boost/outcome/result.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

FOLIO_BEGIN_NAMESPACE

enum class errc {
  // malformed input
  invalid_argument = 1,
  invalid_id,
  invalid_cursor,
  invalid_limit,
  prompt_missing,
  prompt_too_long,
  metadata_invalid,
  file_name_invalid,
  // HTTP requests: the body, its type and the credentials (the server's own refusals)
  invalid_json,
  unknown_field,
  body_too_large,
  unsupported_media_type,
  unauthenticated,
  route_not_found,
  method_not_allowed,
  // lookups and state
  not_found,
  run_expired,
  format_mismatch,
  task_finished,
  run_busy,
  invalid_transition,
  progress_regressed,
  lease_lost,
  no_output,
  idempotency_key_reused,
  idempotency_key_in_flight,
  queue_full,
  shutting_down,
  not_ready,
  timeout,
  cancelled,
  // signed links
  link_expired,
  link_tampered,
  // plugins and their work
  plugin_load_failed,
  plugin_abi_mismatch,
  plugin_duplicate_name,
  plugin_not_found,
  // a request names an agent profile the server does not offer
  unknown_agent,
  plugin_error,
  agent_failed,
  prompt_not_understood,
  // a model endpoint's answers (the OpenAI-compatible agent)
  agent_unauthorized,
  agent_request_rejected,
  agent_unavailable,
  agent_timeout,
  agent_tls_failed,
  agent_response_invalid,
  agent_tool_rounds_exceeded,
  tool_unknown,
  tool_arguments_invalid,
  unsupported_conversion,
  document_unreadable,
  document_encrypted,
  // a document whose archive would unpack beyond the limits (archive_limits.hpp): a zip bomb
  document_too_large,
  conversion_timeout,
  converter_crashed,
  // infrastructure
  storage_error,
  // Keep last: parse_errc walks the codes up to it.
  internal,
};

// The stable, documented name of a code ("prompt_missing"): part of the public contract, never renamed.
constexpr std::string_view to_string(errc code) noexcept {
  switch (code) {
  case errc::invalid_argument: return "invalid_argument";
  case errc::invalid_id: return "invalid_id";
  case errc::invalid_cursor: return "invalid_cursor";
  case errc::invalid_limit: return "invalid_limit";
  case errc::prompt_missing: return "prompt_missing";
  case errc::prompt_too_long: return "prompt_too_long";
  case errc::metadata_invalid: return "metadata_invalid";
  case errc::file_name_invalid: return "file_name_invalid";
  case errc::invalid_json: return "invalid_json";
  case errc::unknown_field: return "unknown_field";
  case errc::body_too_large: return "body_too_large";
  case errc::unsupported_media_type: return "unsupported_media_type";
  case errc::unauthenticated: return "unauthenticated";
  case errc::route_not_found: return "route_not_found";
  case errc::method_not_allowed: return "method_not_allowed";
  case errc::not_found: return "not_found";
  case errc::run_expired: return "run_expired";
  case errc::format_mismatch: return "format_mismatch";
  case errc::task_finished: return "task_finished";
  case errc::run_busy: return "run_busy";
  case errc::invalid_transition: return "invalid_transition";
  case errc::progress_regressed: return "progress_regressed";
  case errc::lease_lost: return "lease_lost";
  case errc::no_output: return "no_output";
  case errc::idempotency_key_reused: return "idempotency_key_reused";
  case errc::idempotency_key_in_flight: return "idempotency_key_in_flight";
  case errc::queue_full: return "queue_full";
  case errc::shutting_down: return "shutting_down";
  case errc::not_ready: return "not_ready";
  case errc::timeout: return "timeout";
  case errc::cancelled: return "cancelled";
  case errc::link_expired: return "link_expired";
  case errc::link_tampered: return "link_tampered";
  case errc::plugin_load_failed: return "plugin_load_failed";
  case errc::plugin_abi_mismatch: return "plugin_abi_mismatch";
  case errc::plugin_duplicate_name: return "plugin_duplicate_name";
  case errc::plugin_not_found: return "plugin_not_found";
  case errc::unknown_agent: return "unknown_agent";
  case errc::plugin_error: return "plugin_error";
  case errc::agent_failed: return "agent_failed";
  case errc::prompt_not_understood: return "prompt_not_understood";
  case errc::agent_unauthorized: return "agent_unauthorized";
  case errc::agent_request_rejected: return "agent_request_rejected";
  case errc::agent_unavailable: return "agent_unavailable";
  case errc::agent_timeout: return "agent_timeout";
  case errc::agent_tls_failed: return "agent_tls_failed";
  case errc::agent_response_invalid: return "agent_response_invalid";
  case errc::agent_tool_rounds_exceeded: return "agent_tool_rounds_exceeded";
  case errc::tool_unknown: return "tool_unknown";
  case errc::tool_arguments_invalid: return "tool_arguments_invalid";
  case errc::unsupported_conversion: return "unsupported_conversion";
  case errc::document_unreadable: return "document_unreadable";
  case errc::document_encrypted: return "document_encrypted";
  case errc::document_too_large: return "document_too_large";
  case errc::conversion_timeout: return "conversion_timeout";
  case errc::converter_crashed: return "converter_crashed";
  case errc::storage_error: return "storage_error";
  case errc::internal: return "internal";
  }
  return "unknown";
}

// The code a stable name stands for; codes run from 1 to errc::internal, which stays last.
inline std::optional<errc> parse_errc(std::string_view name) noexcept {
  for (int value = 1; value <= static_cast<int>(errc::internal); ++value) {
    if (to_string(static_cast<errc>(value)) == name) {
      return static_cast<errc>(value);
    }
  }
  return std::nullopt;
}

namespace detail {
class error_category_impl final : public std::error_category {
public:
  [[nodiscard]] const char* name() const noexcept override { return "folio"; }
  [[nodiscard]] std::string message(int value) const override {
    return std::string(to_string(static_cast<errc>(value)));
  }
};
} // namespace detail

inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl category;
  return category;
}

inline std::error_code make_error_code(errc code) noexcept {
  return {static_cast<int>(code), error_category()};
}

// An error as a caller sees it: a stable code, a sentence for people, and the offending parameter when there is one.
struct error {
  errc code = errc::internal;
  std::string message;
  std::string param;

  error() = default;
  error(errc error_code, std::string text = {}, std::string parameter = {}) // NOLINT(google-explicit-constructor)
      : code(error_code), message(std::move(text)), param(std::move(parameter)) {}

  friend bool operator==(const error& lhs, errc rhs) noexcept { return lhs.code == rhs; }
};

// Outcome needs to know how to turn our error into an error_code for its diagnostics.
inline std::error_code make_error_code(const error& failure) noexcept {
  return make_error_code(failure.code);
}

template <class T>
using result = boost::outcome_v2::result<T, error, boost::outcome_v2::policy::terminate>;

using boost::outcome_v2::success;

// Builds a failed result in one expression: `return fail(errc::not_found, "no such run", "run_id");`
inline error fail(errc code, std::string message = {}, std::string param = {}) {
  return error{code, std::move(message), std::move(param)};
}

FOLIO_END_NAMESPACE

template <>
struct std::is_error_code_enum<folio::errc> : std::true_type {};
