// Where stored files are served: "/files/{sha256}/{download name, percent-encoded}", always behind a signature
// (signed_url.hpp). A link names exact bytes by their content hash, so it never changes meaning: the ETag is the hash,
// and a download resumed with Range cannot mix two versions. The name gives the download its file name and type.
#pragma once

#include <folio/errors.hpp>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

inline constexpr std::string_view files_path_prefix = "/files/";

namespace detail {

inline bool is_unreserved(unsigned char byte) noexcept {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '-' ||
         byte == '.' || byte == '_' || byte == '~';
}

inline int hex_value(char digit) noexcept {
  if (digit >= '0' && digit <= '9') {
    return digit - '0';
  }
  if (digit >= 'A' && digit <= 'F') {
    return digit - 'A' + 10;
  }
  if (digit >= 'a' && digit <= 'f') {
    return digit - 'a' + 10;
  }
  return -1;
}

} // namespace detail

// RFC 3986 percent-encoding of one path segment: everything but the unreserved characters.
inline std::string percent_encode_segment(std::string_view text) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char each : text) {
    const auto byte = static_cast<unsigned char>(each);
    if (detail::is_unreserved(byte)) {
      encoded.push_back(each);
    } else {
      encoded.push_back('%');
      encoded.push_back(hex[byte >> 4U]);
      encoded.push_back(hex[byte & 0x0FU]);
    }
  }
  return encoded;
}

// The inverse; invalid_argument for a '%' not followed by two hex digits, and for a decoded NUL, which no name this
// server writes contains.
inline result<std::string> percent_decode_segment(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t index = 0; index < text.size(); ++index) {
    if (text[index] != '%') {
      decoded.push_back(text[index]);
      continue;
    }
    const bool complete = index + 2 < text.size();
    const int high = complete ? detail::hex_value(text[index + 1]) : -1;
    const int low = complete ? detail::hex_value(text[index + 2]) : -1;
    if (high < 0 || low < 0 || (high == 0 && low == 0)) {
      return fail(errc::invalid_argument, "malformed percent-encoding in a path segment");
    }
    decoded.push_back(static_cast<char>(high * 16 + low));
    index += 2;
  }
  return decoded;
}

struct file_address {
  // SHA-256 of the bytes: 64 lowercase hex digits.
  std::string hash;
  // The name the file downloads under (decoded).
  std::string file_name;

  [[nodiscard]] std::string path() const {
    return std::string(files_path_prefix) + hash + "/" + percent_encode_segment(file_name);
  }

  // not_found for any path outside the scheme.
  static result<file_address> parse(std::string_view path) {
    const auto unknown = [] { return fail(errc::not_found, "no such file"); };
    if (!path.starts_with(files_path_prefix)) {
      return unknown();
    }
    path.remove_prefix(files_path_prefix.size());
    const auto slash = path.find('/');
    if (slash == std::string_view::npos) {
      return unknown();
    }
    const auto hash = path.substr(0, slash);
    const auto name = path.substr(slash + 1);
    const bool hex = hash.size() == 64 && std::all_of(hash.begin(), hash.end(), [](char each) {
                       return (each >= '0' && each <= '9') || (each >= 'a' && each <= 'f');
                     });
    if (!hex || name.empty() || name.find('/') != std::string_view::npos) {
      return unknown();
    }
    auto decoded = percent_decode_segment(name);
    if (!decoded) {
      return unknown();
    }
    return file_address{std::string(hash), std::move(decoded).value()};
  }
};

// The media type a file is served with, from its name's extension: the document formats and every export target;
// application/octet-stream for anything else. Text types are UTF-8, as the converters write them.
inline std::string_view media_type_of_file_name(std::string_view file_name) {
  struct known_type {
    std::string_view extension;
    std::string_view media_type;
  };
  static constexpr std::array<known_type, 10> types{{
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"csv", "text/csv; charset=utf-8"},
      {"html", "text/html; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"odt", "application/vnd.oasis.opendocument.text"},
      {"odp", "application/vnd.oasis.opendocument.presentation"},
  }};
  const auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos) {
    return "application/octet-stream";
  }
  std::string extension(file_name.substr(dot + 1));
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](char each) { return each >= 'A' && each <= 'Z' ? static_cast<char>(each - 'A' + 'a') : each; });
  for (const auto& each : types) {
    if (each.extension == extension) {
      return each.media_type;
    }
  }
  return "application/octet-stream";
}

// The name an export downloads under: the run's file name with the target's extension, and the page or sheet when
// it is not the default ("workbook.pdf", "deck-page-3.png", "workbook-Forecast.csv").
inline std::string export_file_name(std::string_view run_file_name, std::string_view target,
                                    const nlohmann::json& options) {
  const auto dot = run_file_name.rfind('.');
  std::string name(dot == std::string_view::npos || dot == 0 ? run_file_name : run_file_name.substr(0, dot));
  if (const auto page = options.find("page");
      page != options.end() && page->is_number_integer() && page->get<std::int64_t>() != 1) {
    name += "-page-" + std::to_string(page->get<std::int64_t>());
  }
  if (const auto sheet = options.find("sheet"); sheet != options.end() && sheet->is_string()) {
    name += "-" + sheet->get<std::string>();
  }
  return name + "." + std::string(target);
}

FOLIO_END_NAMESPACE
