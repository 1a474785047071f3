#include "web/run_page.hpp"

#include <catch2/catch.hpp>
#include <string>

namespace {
folio_server::web::run_view two_turns() {
  folio_server::web::run_view shown;
  shown.run_id = "run_01HXYZ";
  shown.format = "xlsx";
  shown.file_name = "q3 & q4.xlsx";
  shown.status = "failed";
  shown.created_at = "2026-04-17T11:20:00Z";
  shown.expires_at = "2026-05-17T11:20:00Z";
  shown.credits_used = 84;
  shown.duration_ms = 1500;
  shown.download = folio_server::web::page_link{"Download q3 & q4.xlsx", "http://h/files/ab/q3.xlsx?expires=1&sig=x"};
  shown.turns.push_back({1, "Create a Q3 sales report", "completed", 84, 1200, "2026-04-17T11:20:00Z", std::nullopt});
  shown.turns.push_back({2, "Add <script>alert(\"owned\")</script> & a 'forecast' tab", "failed", 0, 300,
                         "2026-04-17T11:21:00Z", std::string("prompt_not_understood: no such <command>")});
  return shown;
}
} // namespace

TEST_CASE("the run page shows every turn's prompt, status, credits and duration, oldest first", "[web]") {
  const auto html = folio_server::web::render_run_page(two_turns());
  CHECK(html.starts_with("<!DOCTYPE html>"));
  const auto first = html.find("<tr id=\"turn-1\">");
  const auto second = html.find("<tr id=\"turn-2\">");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(first < second);
  CHECK(html.find("Create a Q3 sales report", first) < second);
  CHECK(html.find(">completed</td><td>84</td><td>1200 ms</td>", first) < second);
  CHECK(html.find(">failed</td><td>0</td><td>300 ms</td>", second) != std::string::npos);
  CHECK(html.find("<span id=\"run-status\" class=\"status status-failed\">failed</span>") != std::string::npos);
  CHECK(html.find("84 credits") != std::string::npos);
}

TEST_CASE("the run page escapes every user-provided text, so a prompt's markup shows as text", "[web]") {
  const auto html = folio_server::web::render_run_page(two_turns());
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("Add &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; a &#39;forecast&#39; tab") !=
        std::string::npos);
  CHECK(html.find("prompt_not_understood: no such &lt;command&gt;") != std::string::npos);
  CHECK(html.find("<h1>q3 &amp; q4.xlsx</h1>") != std::string::npos);
  CHECK(html.find("<title>q3 &amp; q4.xlsx") != std::string::npos);
  // A link's URL is an attribute value: its & is escaped too, which a browser reads back as &.
  CHECK(html.find("href=\"http://h/files/ab/q3.xlsx?expires=1&amp;sig=x\"") != std::string::npos);
}

TEST_CASE("the run page links the document and each export, or says there is no document yet", "[web]") {
  auto shown = two_turns();
  shown.exports = {{"pdf", "http://h/web/runs/run_01HXYZ/export/pdf?expires=1&sig=y"}};
  auto html = folio_server::web::render_run_page(shown);
  CHECK(html.find("<a id=\"download\" href=\"http://h/files/ab/q3.xlsx?expires=1&amp;sig=x\">Download q3 &amp; "
                  "q4.xlsx</a>") != std::string::npos);
  CHECK(
      html.find("<a id=\"export-pdf\" href=\"http://h/web/runs/run_01HXYZ/export/pdf?expires=1&amp;sig=y\">pdf</a>") !=
      std::string::npos);
  CHECK(html.find("no-download") == std::string::npos);

  shown.download.reset();
  shown.exports.clear();
  html = folio_server::web::render_run_page(shown);
  CHECK(html.find("id=\"download\"") == std::string::npos);
  CHECK(html.find("id=\"exports\"") == std::string::npos);
  CHECK(html.find("No document yet") != std::string::npos);
}

TEST_CASE("a turn that has not run yet shows dashes, not zeros", "[web]") {
  auto shown = two_turns();
  shown.turns.push_back({3, "queued one", "queued", std::nullopt, std::nullopt, "2026-04-17T11:22:00Z", std::nullopt});
  const auto html = folio_server::web::render_run_page(shown);
  CHECK(html.find(">queued</td><td>&mdash;</td><td>&mdash;</td>") != std::string::npos);
}

TEST_CASE("dead links get a page saying whether they expired or were changed", "[web]") {
  const auto expired = folio_server::web::render_dead_link_page(true);
  CHECK(expired.find("This link has expired") != std::string::npos);
  CHECK(expired.find("edit_url") != std::string::npos);
  const auto tampered = folio_server::web::render_dead_link_page(false);
  CHECK(tampered.find("This link is not valid") != std::string::npos);
  CHECK(tampered.find("expired") == std::string::npos);
  const auto message = folio_server::web::render_message_page("No such run", "run <x> is unknown");
  CHECK(message.find("run &lt;x&gt; is unknown") != std::string::npos);
}

TEST_CASE("escape_html escapes the five characters that matter and keeps UTF-8", "[web]") {
  CHECK(folio_server::web::escape_html("a<b>&\"'\xC3\xA9") == "a&lt;b&gt;&amp;&quot;&#39;\xC3\xA9");
  CHECK(folio_server::web::escape_html("").empty());
}
