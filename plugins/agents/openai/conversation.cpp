#include "conversation.hpp"

#include <map>

namespace folio_openai {
namespace {

using nlohmann::json;

constexpr std::size_t prompt_bytes_in_summary = 240;
constexpr std::size_t answer_bytes_in_summary = 240;
constexpr std::size_t arguments_bytes_in_summary = 80;
constexpr std::size_t tools_bytes_in_summary = 600;

std::string text_of(const json& message) {
  if (message.contains("content") && message["content"].is_string()) {
    return message["content"].get<std::string>();
  }
  return {};
}

// Where the first turn after the first one starts (the index of the second user message), or the size.
std::size_t end_of_first_turn(const json& messages) {
  for (std::size_t index = 1; index < messages.size(); ++index) {
    if (messages[index].value("role", "") == "user") {
      return index;
    }
  }
  return messages.size();
}

std::string_view describe(folio::document_format format) {
  switch (format) {
  case folio::document_format::excel: return "an Excel workbook (xlsx)";
  case folio::document_format::word: return "a Word document (docx)";
  case folio::document_format::powerpoint: return "a PowerPoint presentation (pptx)";
  }
  return "a document";
}

} // namespace

std::size_t estimate_tokens(const json& value) {
  return (value.dump(-1, ' ', false, json::error_handler_t::replace).size() + 3) / 4;
}

std::string shorten(std::string_view text, std::size_t bytes) {
  if (text.size() <= bytes) {
    return std::string(text);
  }
  auto cut = bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) {
    --cut;
  }
  return std::string(text.substr(0, cut)) + "…";
}

conversation conversation::from_state(const folio::agent_state& state) {
  conversation loaded;
  if (state.conversation.is_array()) {
    // A conversation always starts at a user message; anything before one (a state written by another agent
    // plugin) is not a turn this agent can replay.
    for (const auto& message : state.conversation) {
      if (!message.is_object() || !message.contains("role")) {
        continue;
      }
      if (loaded.messages.empty() && message.value("role", "") != "user") {
        continue;
      }
      loaded.messages.push_back(message);
    }
  }
  if (state.memory.is_object()) {
    if (state.memory.contains("summary") && state.memory["summary"].is_array()) {
      for (const auto& line : state.memory["summary"]) {
        if (line.is_string()) {
          loaded.summary.push_back(line);
        }
      }
    }
    loaded.condensed_turns = state.memory.value("condensed_turns", std::int64_t{0});
    loaded.omitted_turns = state.memory.value("omitted_turns", std::int64_t{0});
    if (state.memory.contains("outline")) {
      loaded.outline = state.memory["outline"];
    }
  }
  return loaded;
}

folio::agent_state conversation::to_state() const {
  folio::agent_state state;
  state.conversation = messages;
  state.memory = {{"summary", summary}, {"condensed_turns", condensed_turns}, {"omitted_turns", omitted_turns}};
  if (!outline.is_null()) {
    state.memory["outline"] = outline;
  }
  return state;
}

json conversation::system_message(folio::document_format format) const {
  std::string content =
      "You edit " + std::string(describe(format)) +
      " through the tools given, and only through them. Make the changes the user asks for with tool calls. A tool "
      "answers {\"result\": …} or {\"error\": {\"code\", \"message\"}} saying what was wrong: correct the call and "
      "try again. Call outline to inspect the document's structure when the conversation does not tell you enough. "
      "When the work is done, answer with a short summary of what you changed and call no tool.";
  if (!summary.empty()) {
    content += "\n\nEarlier turns of this conversation, condensed (oldest first):";
    if (omitted_turns > 0) {
      content += "\n(" + std::to_string(omitted_turns) + " earlier turns omitted)";
    }
    for (const auto& line : summary) {
      content += "\n- " + line.get<std::string>();
    }
  }
  return {{"role", "system"}, {"content", content}};
}

void conversation::fit(folio::document_format format, const json& incoming, std::size_t budget_tokens) {
  // The summary is bounded as it grows, so a long history condenses only as many turns as the budget needs.
  const auto bound_summary = [&] {
    while (summary.size() > 1 && estimate_tokens(summary) > budget_tokens / 4) {
      summary.erase(summary.begin());
      ++omitted_turns;
    }
  };
  const auto size = [&] {
    return estimate_tokens(system_message(format)) + estimate_tokens(messages) + estimate_tokens(incoming);
  };
  bound_summary();
  while (!messages.empty() && size() > budget_tokens) {
    const auto end = end_of_first_turn(messages);
    json turn(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(end));
    messages.erase(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(end));
    summary.push_back(condense_turn(++condensed_turns, turn));
    bound_summary();
  }
}

std::string condense_turn(std::int64_t number, const json& turn) {
  std::string asked;
  std::string answered;
  std::string tools;
  std::map<std::string, bool> failed_calls;
  for (const auto& message : turn) {
    if (message.value("role", "") == "tool" && message.contains("tool_call_id") &&
        message["tool_call_id"].is_string()) {
      const auto reply = json::parse(text_of(message), nullptr, false);
      failed_calls[message["tool_call_id"].get<std::string>()] = reply.is_object() && reply.contains("error");
    }
  }
  for (const auto& message : turn) {
    const auto role = message.value("role", "");
    if (role == "user" && asked.empty()) {
      asked = text_of(message);
    } else if (role == "assistant") {
      if (!text_of(message).empty()) {
        answered = text_of(message);
      }
      if (!message.contains("tool_calls") || !message["tool_calls"].is_array()) {
        continue;
      }
      for (const auto& call : message["tool_calls"]) {
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) {
          continue;
        }
        const auto& function = call["function"];
        const auto name = function.value("name", std::string("?"));
        const auto arguments = function.contains("arguments") && function["arguments"].is_string()
                                   ? function["arguments"].get<std::string>()
                                   : function.value("arguments", json::object()).dump();
        const auto id = call.value("id", std::string());
        const auto found = failed_calls.find(id);
        tools += (tools.empty() ? "" : "; ") + name + " " + shorten(arguments, arguments_bytes_in_summary) +
                 (found != failed_calls.end() && found->second ? " (failed)" : "");
      }
    }
  }
  return "Turn " + std::to_string(number) + ": the user asked \"" + shorten(asked, prompt_bytes_in_summary) +
         "\"; tools called: " + (tools.empty() ? std::string("none") : shorten(tools, tools_bytes_in_summary)) +
         "; the answer was \"" + shorten(answered, answer_bytes_in_summary) + "\"";
}

} // namespace folio_openai
