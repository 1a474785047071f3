// A submission: what a generate call asks for, validated here so every front end applies the same rules.
#pragma once

#include <folio/document_format.hpp>
#include <folio/errors.hpp>
#include <folio/ids.hpp>
#include <folio/webhook.hpp>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

FOLIO_BEGIN_NAMESPACE

inline constexpr std::size_t max_prompt_length = 32768;
inline constexpr std::size_t max_metadata_pairs = 16;
inline constexpr std::size_t max_metadata_text = 500;
inline constexpr std::size_t max_idempotency_key_length = 255;
inline constexpr std::size_t max_file_name_length = 255;

struct submission {
  org_id org;
  document_format format = document_format::excel;
  std::string prompt;
  // Resume this run; a new run is created when absent.
  std::optional<run_id> resume;
  // Agent plugin name; empty means the server's default.
  std::string agent;
  // Empty means the format's default file name.
  std::string file_name;
  std::map<std::string, std::string> metadata;
  std::string webhook_url;
  std::optional<std::string> idempotency_key;
  // Identifies the request body, so a reused idempotency key with another body is told apart from a retry.
  std::string fingerprint;
};

namespace detail {
inline std::size_t utf8_length(const std::string& text) {
  std::size_t count = 0;
  for (const char byte : text) {
    count += (static_cast<unsigned char>(byte) & 0xC0U) != 0x80U ? 1 : 0;
  }
  return count;
}

// The file name ends up in a Content-Disposition header, where control characters are not allowed.
inline bool is_control_character(char byte) noexcept {
  return static_cast<unsigned char>(byte) < 0x20U || static_cast<unsigned char>(byte) == 0x7FU;
}
} // namespace detail

// The request rules of API.md, checked before anything is created: a refused submission changes nothing.
inline result<void> validate(const submission& request) {
  if (request.prompt.empty()) {
    return fail(errc::prompt_missing, "prompt is required", "prompt");
  }
  if (detail::utf8_length(request.prompt) > max_prompt_length) {
    return fail(errc::prompt_too_long, "prompt may be at most 32768 characters", "prompt");
  }
  if (request.metadata.size() > max_metadata_pairs) {
    return fail(errc::metadata_invalid, "metadata holds at most 16 pairs", "metadata");
  }
  for (const auto& [name, value] : request.metadata) {
    if (name.empty() || detail::utf8_length(name) > 40 || detail::utf8_length(value) > max_metadata_text) {
      return fail(errc::metadata_invalid, "metadata keys are 1..40 characters and values at most 500", "metadata");
    }
  }
  const std::string extension = "." + std::string(file_extension(request.format));
  if (request.file_name.size() > max_file_name_length ||
      request.file_name.find_first_of("/\\\"") != std::string::npos ||
      std::any_of(request.file_name.begin(), request.file_name.end(), detail::is_control_character) ||
      (!request.file_name.empty() &&
       (request.file_name.size() <= extension.size() || !request.file_name.ends_with(extension)))) {
    return fail(errc::file_name_invalid, "file_name is a plain name ending in " + extension, "file_name");
  }
  if (!request.webhook_url.empty()) {
    if (auto endpoint = parse_webhook_url(request.webhook_url); !endpoint) {
      return endpoint.error();
    }
  }
  if (request.idempotency_key &&
      (request.idempotency_key->empty() || request.idempotency_key->size() > max_idempotency_key_length)) {
    return fail(errc::invalid_argument, "Idempotency-Key is 1..255 characters", "Idempotency-Key");
  }
  return success();
}

FOLIO_END_NAMESPACE
