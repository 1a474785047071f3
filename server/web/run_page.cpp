#include "run_page.hpp"

namespace folio_server::web {

namespace {

constexpr std::string_view style = R"css(
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.4rem; margin-bottom: 0.2rem; }
.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; padding: 0.45rem 0.6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
td.prompt { white-space: pre-wrap; word-break: break-word; }
.status { font-weight: 600; }
.status-completed { color: #1a7f37; } .status-failed { color: #c62828; } .status-cancelled { color: #777; }
.links a { margin-right: 1rem; }
.error { color: #c62828; font-size: 0.9rem; }
)css";

std::string page(std::string_view title, std::string_view body) {
  std::string html;
  html.reserve(body.size() + 1024);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"robots\" content=\"noindex\">\n<title>";
  html += escape_html(title);
  html += "</title>\n<style>";
  html += style;
  html += "</style>\n</head>\n<body>\n";
  html += body;
  html += "</body>\n</html>\n";
  return html;
}

std::string link(const page_link& target, std::string_view id) {
  return "<a id=\"" + std::string(id) + "\" href=\"" + escape_html(target.url) + "\">" + escape_html(target.label) +
         "</a>";
}

std::string optional_number(const std::optional<std::int64_t>& value, std::string_view unit) {
  return value ? std::to_string(*value) + std::string(unit) : "&mdash;";
}

} // namespace

std::string escape_html(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size() + text.size() / 8);
  for (const char character : text) {
    switch (character) {
    case '&': escaped += "&amp;"; break;
    case '<': escaped += "&lt;"; break;
    case '>': escaped += "&gt;"; break;
    case '"': escaped += "&quot;"; break;
    case '\'': escaped += "&#39;"; break;
    default: escaped += character;
    }
  }
  return escaped;
}

std::string render_run_page(const run_view& shown) {
  std::string body;
  body += "<h1>" + escape_html(shown.file_name) + "</h1>\n";
  body += "<p class=\"meta\">Run <code id=\"run-id\">" + escape_html(shown.run_id) + "</code> &middot; " +
          escape_html(shown.format) + " &middot; status <span id=\"run-status\" class=\"status status-" +
          escape_html(shown.status) + "\">" + escape_html(shown.status) + "</span> &middot; " +
          std::to_string(shown.credits_used) + " credits &middot; " + std::to_string(shown.duration_ms) +
          " ms &middot; created " + escape_html(shown.created_at) + " &middot; expires " +
          escape_html(shown.expires_at) + "</p>\n";
  body += "<p class=\"links\">";
  if (shown.download) {
    body += link(*shown.download, "download");
  } else {
    body += "<span id=\"no-download\">No document yet: no turn has completed.</span>";
  }
  body += "</p>\n";
  if (!shown.exports.empty()) {
    body += "<p class=\"links\" id=\"exports\">Export as: ";
    for (const auto& target : shown.exports) {
      body += link(target, "export-" + escape_html(target.label));
    }
    body += "</p>\n";
  }
  body += "<table id=\"turns\">\n<thead><tr><th>Turn</th><th>Prompt</th><th>Status</th><th>Credits</th>"
          "<th>Duration</th><th>Submitted</th></tr></thead>\n<tbody>\n";
  for (const auto& turn : shown.turns) {
    const auto index = std::to_string(turn.turn_index);
    body.append("<tr id=\"turn-").append(index).append("\"><td>").append(index).append("</td><td class=\"prompt\">");
    body.append(escape_html(turn.prompt));
    if (turn.error) {
      body.append("<div class=\"error\">").append(escape_html(*turn.error)).append("</div>");
    }
    const auto status = escape_html(turn.status);
    body.append("</td><td class=\"status status-").append(status).append("\">").append(status).append("</td><td>");
    body.append(optional_number(turn.credits_used, "")).append("</td><td>");
    body.append(optional_number(turn.duration_ms, " ms")).append("</td><td>");
    body.append(escape_html(turn.created_at)).append("</td></tr>\n");
  }
  body += "</tbody>\n</table>\n";
  return page(shown.file_name + " \xE2\x80\x93 folio run", body);
}

std::string render_dead_link_page(bool expired) {
  if (expired) {
    return page("Link expired",
                "<h1 id=\"problem\">This link has expired</h1>\n<p>Links to a run's page work for 24 hours. Ask for "
                "a fresh one: <code>GET /runs/{run_id}</code> answers a new <code>edit_url</code>.</p>\n");
  }
  return page("Link not valid",
              "<h1 id=\"problem\">This link is not valid</h1>\n<p>It was changed or cut short, so its signature does "
              "not match. Use the <code>edit_url</code> exactly as the API gave it.</p>\n");
}

std::vector<std::pair<std::string, std::string>> page_headers() {
  return {{"Content-Security-Policy", std::string(content_security_policy)},
          {"Referrer-Policy", "no-referrer"},
          {"Cache-Control", "no-store"},
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"}};
}

std::string render_message_page(std::string_view title, std::string_view message) {
  return page(title, "<h1 id=\"problem\">" + escape_html(title) + "</h1>\n<p>" + escape_html(message) + "</p>\n");
}

} // namespace folio_server::web
