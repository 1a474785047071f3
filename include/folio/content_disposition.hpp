// Content-Disposition for a download: "attachment" with the file's name, safe to put in a header whatever the name
// holds. A plain ASCII `filename` for every client, and the exact UTF-8 name as RFC 8187 `filename*` when the plain
// one had to change it (RFC 6266 §4.3: clients that understand filename* prefer it).
#pragma once

#include <folio/version.hpp>

#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

namespace detail {

inline bool is_control_byte(unsigned char byte) noexcept {
  return byte < 0x20 || byte == 0x7F;
}

// RFC 8187 attr-char: what filename* may carry without percent-encoding.
inline bool is_attr_char(unsigned char byte) noexcept {
  if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || (byte >= '0' && byte <= '9')) {
    return true;
  }
  constexpr std::string_view marks = "!#$&+-.^_`|~";
  return marks.find(static_cast<char>(byte)) != std::string_view::npos;
}

} // namespace detail

// The name a browser may save the file under: the last path component, without control characters (a CR or LF would
// split the header) and never "", "." or "..": those become "download".
inline std::string safe_file_name(std::string_view name) {
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  std::string kept;
  kept.reserve(name.size());
  for (const char each : name) {
    if (!detail::is_control_byte(static_cast<unsigned char>(each))) {
      kept.push_back(each);
    }
  }
  if (kept.empty() || kept == "." || kept == "..") {
    return "download";
  }
  return kept;
}

// attachment; filename="report.xlsx" — or, for "Q3 résumé.xlsx":
// attachment; filename="Q3 r_sum_.xlsx"; filename*=UTF-8''Q3%20r%C3%A9sum%C3%A9.xlsx
inline std::string attachment_disposition(std::string_view file_name) {
  const auto name = safe_file_name(file_name);
  std::string plain;
  plain.reserve(name.size());
  for (const char each : name) {
    const auto byte = static_cast<unsigned char>(each);
    // Quotes and backslashes would end or escape the quoted string; non-ASCII has no meaning in it, so each UTF-8
    // character (its lead byte; continuation bytes are 10xxxxxx) becomes one underscore.
    if (byte >= 0x80 && byte < 0xC0) {
      continue;
    }
    plain.push_back(byte >= 0xC0 || each == '"' || each == '\\' ? '_' : each);
  }
  std::string header = "attachment; filename=\"" + plain + "\"";
  if (plain == name) {
    return header;
  }
  static constexpr std::string_view hex = "0123456789ABCDEF";
  header += "; filename*=UTF-8''";
  for (const char each : name) {
    const auto byte = static_cast<unsigned char>(each);
    if (detail::is_attr_char(byte)) {
      header.push_back(each);
    } else {
      header.push_back('%');
      header.push_back(hex[byte >> 4U]);
      header.push_back(hex[byte & 0x0FU]);
    }
  }
  return header;
}

FOLIO_END_NAMESPACE
