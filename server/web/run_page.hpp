// The run page behind edit_url: a plain server-rendered HTML view of one run (its turns with prompt, status, credits
// and duration, and links to download the document and its exports), and the pages a dead link answers with.
// Pure functions of what they show, so every user-provided text is escaped in one place and tested alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace folio_server::web {

struct page_link {
  std::string label;
  std::string url;
};

struct turn_view {
  int turn_index = 0;
  std::string prompt;
  std::string status;
  std::optional<std::int64_t> credits_used;
  std::optional<std::int64_t> duration_ms;
  std::string created_at;
  // The failure's code and message, for a failed turn.
  std::optional<std::string> error;
};

struct run_view {
  std::string run_id;
  std::string format;
  std::string file_name;
  std::string status;
  std::string created_at;
  std::string expires_at;
  std::int64_t credits_used = 0;
  std::int64_t duration_ms = 0;
  std::optional<page_link> download;
  std::vector<page_link> exports;
  // Oldest first.
  std::vector<turn_view> turns;
};

// Text as HTML element content or a double-quoted attribute value: & < > " ' escaped.
std::string escape_html(std::string_view text);

std::string render_run_page(const run_view& shown);

// What a link that no longer works answers: why, and what to do. `expired` tells an expired link (410) from a
// tampered or malformed one (403).
std::string render_dead_link_page(bool expired);

// A page for a run that is gone (404) or a server failure, with a plain message.
std::string render_message_page(std::string_view title, std::string_view message);

// Security headers every page carries: the link is a capability, so it must not leak through Referer, and the page
// runs no script at all.
inline constexpr std::string_view content_security_policy =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

// The headers of every page and of every answer to a page's links: the policy above, no referrer, no caching (the
// URL is a capability), no sniffing, no framing.
std::vector<std::pair<std::string, std::string>> page_headers();

} // namespace folio_server::web
