// Entity tags of served files. Every file folio serves is content-addressed, so its SHA-256 is a strong validator:
// the same tag means the same bytes, on every server and forever. These answer the conditional headers a download
// client sends: If-None-Match (304 when it already has the bytes) and If-Range (resume a range only of the same bytes).
#pragma once

#include <folio/version.hpp>

#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

// "\"<sha256 hex>\"": the quoted form the ETag header carries.
inline std::string entity_tag_for(std::string_view content_hash) {
  std::string tag;
  tag.reserve(content_hash.size() + 2);
  tag.append("\"").append(content_hash).append("\"");
  return tag;
}

namespace detail {

struct parsed_tag {
  bool weak = false;
  std::string_view quoted; // with its quotes
};

// Reads one entity-tag at the start of `text` and removes it from `text`; false when `text` does not start with one.
inline bool take_entity_tag(std::string_view& text, parsed_tag& tag) noexcept {
  tag.weak = text.starts_with("W/");
  if (tag.weak) {
    text.remove_prefix(2);
  }
  if (text.empty() || text.front() != '"') {
    return false;
  }
  const auto closing = text.find('"', 1);
  if (closing == std::string_view::npos) {
    return false;
  }
  tag.quoted = text.substr(0, closing + 1);
  text.remove_prefix(closing + 1);
  return true;
}

inline void skip_list_separators(std::string_view& text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == ',')) {
    text.remove_prefix(1);
  }
}

} // namespace detail

// If-None-Match (RFC 9110 §13.1.2): true when the client already holds these bytes, so the answer is 304. "*" matches
// any existing file; tags compare weakly (W/ ignored). A malformed header matches nothing, so the file is sent.
inline bool if_none_match_holds(std::string_view header, std::string_view tag) noexcept {
  detail::skip_list_separators(header);
  if (header == "*") {
    return true;
  }
  while (!header.empty()) {
    detail::parsed_tag each;
    if (!detail::take_entity_tag(header, each)) {
      return false;
    }
    if (each.quoted == tag) {
      return true;
    }
    detail::skip_list_separators(header);
  }
  return false;
}

// If-Range (RFC 9110 §13.1.5): true when a Range may be honoured, i.e. the header is absent or names these bytes by a
// strong tag. A date or a weak tag cannot prove the bytes unchanged, so the whole file is sent instead.
inline bool if_range_allows_partial(std::string_view header, std::string_view tag) noexcept {
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
    header.remove_prefix(1);
  }
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) {
    header.remove_suffix(1);
  }
  if (header.empty()) {
    return true;
  }
  detail::parsed_tag given;
  return detail::take_entity_tag(header, given) && header.empty() && !given.weak && given.quoted == tag;
}

FOLIO_END_NAMESPACE
