// The openai agent's parts that need no endpoint: URLs as the HTTP client reads them, key redaction,
// the conversation's budget (what is condensed, in which words, and that it is the same every time), and the chat
// client's retries and cancel on an endpoint that refuses connections, the outline's differences, and the memory of the
// outline a turn left.
#include "agent_config.hpp"
#include "chat_client.hpp"
#include "conversation.hpp"
#include "https_client.hpp"
#include "outline_changes.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

namespace {

using folio_openai::conversation;
using nlohmann::json;

json turn(int number, std::size_t padding) {
  const auto n = std::to_string(number);
  return json::array({
      {{"role", "user"}, {"content", "Prompt " + n + " " + std::string(padding, 'p')}},
      {{"role", "assistant"},
       {"content", nullptr},
       {"tool_calls",
        {{{"id", "call_" + n},
          {"type", "function"},
          {"function", {{"name", "add_sheet"}, {"arguments", R"({"name": "Sheet )" + n + R"("})"}}}}}}},
      {{"role", "tool"}, {"tool_call_id", "call_" + n}, {"content", number % 2 == 0 ? R"({"error": {}})" : "{}"}},
      {{"role", "assistant"}, {"content", "Answer " + n + " " + std::string(padding, 'a')}},
  });
}

folio::agent_state state_of(int turns, std::size_t padding) {
  folio::agent_state state;
  for (int number = 1; number <= turns; ++number) {
    for (const auto& message : turn(number, padding)) {
      state.conversation.push_back(message);
    }
  }
  return state;
}

} // namespace

TEST_CASE("reads http and https URLs with their default ports, and refuses others") {
  const auto plain = folio_net::parse_url("http://127.0.0.1:8080/v1/chat/completions");
  REQUIRE(plain);
  CHECK_FALSE(plain->tls);
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == "8080");
  CHECK(plain->target == "/v1/chat/completions");
  CHECK(plain->authority() == "127.0.0.1:8080");

  const auto secure = folio_net::parse_url("https://api.openai.com");
  REQUIRE(secure);
  CHECK(secure->tls);
  CHECK(secure->port == "443");
  CHECK(secure->target == "/");
  CHECK(secure->authority() == "api.openai.com");

  const auto literal = folio_net::parse_url("http://[::1]:11434/v1");
  REQUIRE(literal);
  CHECK(literal->host == "::1");
  CHECK(literal->authority() == "[::1]:11434");

  for (const auto* refused : {"ftp://example.com", "https://", "http://host:0/", "http://host:70000/", "http://host:/",
                              "http://user@host/", "http://ho st/", "example.com/v1", "http://[::1/"}) {
    INFO(refused);
    CHECK_FALSE(folio_net::parse_url(refused));
  }
}

TEST_CASE("replaces every occurrence of the key, and nothing when there is none") {
  CHECK(folio_openai::redact("key sk-1 and sk-1 again", "sk-1") == "key [redacted] and [redacted] again");
  CHECK(folio_openai::redact("no key here", "") == "no key here");
}

TEST_CASE("keeps a conversation within its budget verbatim") {
  auto kept = conversation::from_state(state_of(2, 10));
  const auto incoming = json::array({{{"role", "user"}, {"content", "Next"}}});
  kept.fit(folio::document_format::excel, incoming, 16'000);
  CHECK(kept.messages.size() == 8);
  CHECK(kept.summary.empty());
  CHECK(kept.condensed_turns == 0);
}

TEST_CASE("condenses the oldest turns into one line each until the request fits") {
  const std::size_t budget = 1000;
  auto kept = conversation::from_state(state_of(12, 300));
  const auto incoming = json::array({{{"role", "user"}, {"content", "Next"}}});
  kept.fit(folio::document_format::excel, incoming, budget);
  CHECK(folio_openai::estimate_tokens(kept.system_message(folio::document_format::excel)) +
            folio_openai::estimate_tokens(kept.messages) + folio_openai::estimate_tokens(incoming) <=
        budget);
  // Whole turns go: what is left starts at a user message, and the newest turn is still there.
  REQUIRE_FALSE(kept.messages.empty());
  CHECK(kept.messages.front()["role"] == "user");
  CHECK(kept.messages.back()["content"].get<std::string>().rfind("Answer 12 ", 0) == 0);
  CHECK(kept.condensed_turns + static_cast<std::int64_t>(kept.messages.size() / 4) == 12);
  // The summary stays within a quarter of the budget, the newest condensed turn last, and says what was dropped.
  CHECK(folio_openai::estimate_tokens(kept.summary) <= budget / 4);
  CHECK(kept.omitted_turns + static_cast<std::int64_t>(kept.summary.size()) == kept.condensed_turns);
  const auto last_line = kept.summary.back().get<std::string>();
  const auto number = std::to_string(kept.condensed_turns);
  CHECK(last_line.rfind("Turn " + number + ": the user asked \"Prompt " + number + " ", 0) == 0);
  CHECK(last_line.find("tools called: add_sheet {\"name\": \"Sheet " + number + "\"}") != std::string::npos);
  CHECK(last_line.find("Answer " + number + " ") != std::string::npos);
  CHECK(kept.system_message(folio::document_format::excel)["content"].get<std::string>().find(
            "(" + std::to_string(kept.omitted_turns) + " earlier turns omitted)") != std::string::npos);

  // The same state and budget condense the same way, and a stored state reads back the same.
  auto again = conversation::from_state(state_of(12, 300));
  again.fit(folio::document_format::excel, incoming, budget);
  CHECK(again.to_state() == kept.to_state());
  CHECK(conversation::from_state(kept.to_state()).to_state() == kept.to_state());
}

TEST_CASE("marks a condensed tool call that failed") {
  const auto line = folio_openai::condense_turn(2, turn(2, 5));
  CHECK(line.find("add_sheet {\"name\": \"Sheet 2\"} (failed)") != std::string::npos);
  CHECK(folio_openai::condense_turn(1, turn(1, 5)).find("(failed)") == std::string::npos);
}

TEST_CASE("cuts text at a UTF-8 boundary") {
  CHECK(folio_openai::shorten("short", 10) == "short");
  // "é" is two bytes: a cut after its first byte backs off to before it.
  CHECK(folio_openai::shorten("caf\xC3\xA9 au lait", 4) == "caf…");
}

namespace {

// A local port nothing listens on: bound by the kernel's choice, then closed.
int closed_port() {
  const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(socket >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(socket);
  return ntohs(address.sin_port);
}

folio_openai::agent_config unreachable(const json& extra) {
  json config{{"base_url", "http://127.0.0.1:" + std::to_string(closed_port()) + "/v1"}, {"model", "m"}};
  config.update(extra);
  auto parsed = folio_openai::parse_config(config);
  REQUIRE(parsed);
  return std::move(parsed).value();
}

} // namespace

TEST_CASE("retries a refused connection, then fails agent_unavailable") {
  const auto config = unreachable({{"max_retries", 2}, {"retry_initial_ms", 1}});
  const auto answer = folio_openai::complete_chat(config, {{"model", "m"}}, {});
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code == folio::errc::agent_unavailable);
  CHECK(answer.error().message.find("3 attempts") != std::string::npos);
}

TEST_CASE("stops waiting between retries once the task is cancelled") {
  // A minute between retries: only the cancel can end this call.
  const auto config = unreachable({{"max_retries", 3}, {"retry_initial_ms", 60'000}});
  int asked = 0;
  const auto answer = folio_openai::complete_chat(config, {{"model", "m"}}, [&asked] { return ++asked > 1; });
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code == folio::errc::cancelled);
}

TEST_CASE("tells what changed between two outlines, matching named items by name") {
  const auto before = json::parse(R"({"sheets": [
      {"name": "Sales", "position": 1, "used_range": "A1:E4", "charts": [{"name": "Revenue", "kind": "column"}]},
      {"name": "Notes", "position": 2, "used_range": null, "charts": []}],
    "named_ranges": []})");
  const auto after = json::parse(R"({"sheets": [
      {"name": "Budget", "position": 1, "used_range": "A1:A1", "charts": []},
      {"name": "Sales", "position": 2, "used_range": "A1:E9", "charts": []}],
    "named_ranges": [{"name": "Total", "range": "Sales!E9"}]})");
  const auto lines = folio_openai::outline_changes(before, after);
  // Keys in order (nlohmann::json keeps them sorted), items in the new outline's order, then what was removed.
  const std::vector<std::string> expected{
      R"(added named_ranges[Total]: {"name":"Total","range":"Sales!E9"})",
      R"(added sheets[Budget]: {"charts":[],"name":"Budget","position":1,"used_range":"A1:A1"})",
      "removed sheets[Sales].charts[Revenue]",
      "sheets[Sales].position: 1 → 2",
      R"(sheets[Sales].used_range: "A1:E4" → "A1:E9")",
      "removed sheets[Notes]",
  };
  CHECK(lines == expected);
  CHECK(folio_openai::outline_changes(after, after).empty());
}

TEST_CASE("compares unnamed items by position and bounds the lines it gives") {
  json before{{"rows", json::array()}};
  json after{{"rows", json::array()}};
  for (int row = 0; row < 50; ++row) {
    before["rows"].push_back(json::array({row, "x"}));
    after["rows"].push_back(json::array({row, row < 45 ? "y" : "x"}));
  }
  after["rows"].push_back(json::array({50, "z"}));
  const auto lines = folio_openai::outline_changes(before, after, 10);
  REQUIRE(lines.size() == 11);
  CHECK(lines[0] == R"(rows[0][1]: "x" → "y")");
  CHECK(lines[10] == "… and 36 more changes (call outline to see them)");
}

TEST_CASE("keeps the outline a turn left in the agent's memory, and none before one was saved") {
  conversation empty;
  CHECK_FALSE(empty.to_state().memory.contains("outline"));
  conversation kept;
  kept.outline = json{{"sheets", json::array({{{"name", "Sales"}}})}};
  const auto state = kept.to_state();
  CHECK(conversation::from_state(state).outline == kept.outline);
}

TEST_CASE("shows whole numbers the office reads back as doubles as whole numbers") {
  const auto lines = folio_openai::outline_changes(json{{"cells", json::array({120.0, 2.5, "x"})}},
                                                   json{{"cells", json::array({999.0, 2.75, json{{"value", 7.0}}})}});
  const std::vector<std::string> expected{"cells[0]: 120 → 999", "cells[1]: 2.5 → 2.75",
                                          R"(cells[2]: "x" → {"value":7})"};
  CHECK(lines == expected);
}
