// The "openai" agent: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp's server, Ollama …)
// given the editor's tools. Each turn sends the conversation kept in the run's agent state, executes the model's tool
// calls through the editor and returns their answers until the model answers without tool calls. README.md has the
// configuration, the credits and the errors.
#include "agent_config.hpp"
#include "chat_client.hpp"
#include "conversation.hpp"
#include "outline_changes.hpp"

#include <folio/plugin.hpp>

#include <algorithm>

namespace folio_openai {
namespace {

using nlohmann::json;

// The agent's own tool: the editor's outline, which the catalog does not list because the scripted agent calls it
// directly.
constexpr std::string_view outline_tool = "outline";

json tools_for_model(const folio::editor& document) {
  auto tools = json::array();
  bool has_outline = false;
  for (const auto& tool : document.tool_catalog()) {
    has_outline = has_outline || tool.value("name", "") == outline_tool;
    tools.push_back({{"type", "function"},
                     {"function",
                      {{"name", tool.value("name", "")},
                       {"description", tool.value("description", "")},
                       {"parameters", tool.value("parameters", json::object())}}}});
  }
  if (!has_outline) {
    tools.push_back({{"type", "function"},
                     {"function",
                      {{"name", outline_tool},
                       {"description", "Answers the document's structure (sheets, ranges, charts, sections, slides "
                                       "with their names). Its size grows with the document: call it only when the "
                                       "conversation does not say what you need."},
                       {"parameters", {{"type", "object"}, {"properties", json::object()}}}}}});
  }
  return tools;
}

json tool_error(folio::errc code, const std::string& message, const std::string& param = {}) {
  json failure{{"code", to_string(code)}, {"message", message}};
  if (!param.empty()) {
    failure["param"] = param;
  }
  return {{"error", failure}};
}

class openai_agent final : public folio::agent {
public:
  explicit openai_agent(agent_config config) : config_(std::move(config)) {}

  folio::result<folio::turn_output> run_turn(const folio::turn_input& input, folio::turn_services& services) override {
    const auto cancelled = [&services] { return services.cancel_requested(); };
    auto history = conversation::from_state(input.state);
    std::string prompt = input.prompt;
    if (input.document_changed_externally && !history.messages.empty()) {
      prompt = what_changed(history.outline, services.document()) + "\n" + prompt;
    }
    auto turn = json::array({{{"role", "user"}, {"content", prompt}}});
    history.fit(input.format, turn, config_.context_budget_tokens);

    const auto tools = tools_for_model(services.document());
    json request{{"model", config_.model}, {"tools", tools}, {"tool_choice", "auto"}};
    if (config_.temperature) {
      request["temperature"] = *config_.temperature;
    }
    std::int64_t tokens = 0;
    int progress = 0;
    for (int round = 0;; ++round) {
      if (cancelled()) {
        return folio::fail(folio::errc::cancelled, "the task was cancelled");
      }
      request["messages"] = json::array({history.system_message(input.format)});
      for (const auto& each : history.messages) {
        request["messages"].push_back(each);
      }
      for (const auto& each : turn) {
        request["messages"].push_back(each);
      }
      auto answer = complete_chat(config_, request, cancelled);
      if (!answer) {
        return answer.error();
      }
      tokens += tokens_used(request, answer.value());
      const auto& choice = answer.value()["choices"][0];
      if (choice.value("finish_reason", json()) == "content_filter") {
        return folio::fail(folio::errc::agent_request_rejected,
                           "the model endpoint " + config_.endpoint.authority() +
                               " withheld its answer (finish_reason content_filter)");
      }
      auto message = assistant_message(choice["message"], input.turn_index, round);
      if (!message) {
        return message.error();
      }
      turn.push_back(message.value());
      if (!message.value().contains("tool_calls")) {
        break;
      }
      if (round >= config_.max_tool_rounds) {
        return folio::fail(folio::errc::agent_tool_rounds_exceeded, "the model still called tools after " +
                                                                        std::to_string(config_.max_tool_rounds) +
                                                                        " rounds of tool calls (max_tool_rounds)");
      }
      for (const auto& call : message.value()["tool_calls"]) {
        if (cancelled()) {
          return folio::fail(folio::errc::cancelled, "the task was cancelled");
        }
        auto reply = execute(services.document(), call);
        if (!reply) {
          return reply.error();
        }
        turn.push_back({{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", reply.value()}});
        // Every tool call shows on the task: an eighth of what is left, at least 2 (so the task's overall
        // progress moves too), short of 100 until the turn is saved.
        progress = std::min(95, progress + std::max(2, (95 - progress) / 8));
        services.report_progress(progress);
      }
    }

    // Remembered so that the next turn can be told what a person changed in between.
    if (auto left = services.document().outline(); left) {
      history.outline = std::move(left).value();
    }
    folio::turn_output output;
    output.summary =
        turn.back().value("content", json()).is_string() ? turn.back()["content"].get<std::string>() : std::string();
    for (auto& each : turn) {
      history.messages.push_back(std::move(each));
    }
    output.state = history.to_state();
    output.credits_used = (tokens + config_.tokens_per_credit - 1) / config_.tokens_per_credit;
    return output;
  }

private:
  // The note before a prompt when the document was replaced since the last turn: the outline's differences from the
  // one that turn left, or, without one to compare, the advice to read the outline.
  static std::string what_changed(const json& remembered, folio::editor& document) {
    std::string stale = "(The document was replaced outside this conversation since the last turn: call "
                        "outline before relying on what earlier turns did.)";
    if (remembered.is_null()) {
      return stale;
    }
    auto now = document.outline();
    if (!now) {
      return stale;
    }
    const auto changes = outline_changes(remembered, now.value());
    if (changes.empty()) {
      return "(The document was replaced outside this conversation since the last turn; its outline is unchanged.)";
    }
    std::string note = "(Since the last turn a person changed the document outside this conversation. The outline's "
                       "differences:";
    for (const auto& line : changes) {
      note += "\n- " + line;
    }
    return note + ")";
  }

  // usage.prompt_tokens + usage.completion_tokens; a server that reports no usage is charged the estimate of what
  // was sent and answered.
  static std::int64_t tokens_used(const json& request, const json& answer) {
    if (answer.contains("usage") && answer["usage"].is_object()) {
      const auto& usage = answer["usage"];
      const auto count = [&usage](const char* key) {
        return usage.contains(key) && usage[key].is_number_integer()
                   ? std::max(usage[key].get<std::int64_t>(), std::int64_t{0})
                   : std::int64_t{-1};
      };
      const auto prompt = count("prompt_tokens");
      const auto completion = count("completion_tokens");
      if (prompt >= 0 && completion >= 0) {
        return prompt + completion;
      }
    }
    return static_cast<std::int64_t>(estimate_tokens(request["messages"]) +
                                     estimate_tokens(answer["choices"][0]["message"]));
  }

  // The model's message as it is kept and sent back: role, content, and tool_calls when it made any, each with a
  // function name. Calls are kept in the form every server accepts back: an id (made up from the turn, the round and
  // the call's place when the server gave none, as Ollama does), type "function", and arguments as a JSON string
  // (Ollama sends an object).
  folio::result<json> assistant_message(const json& message, int turn_index, int round) const {
    json kept{{"role", "assistant"}, {"content", message.contains("content") ? message["content"] : json()}};
    if (!kept["content"].is_null() && !kept["content"].is_string()) {
      return invalid_answer("content that is neither text nor null");
    }
    if (message.contains("tool_calls") && !message["tool_calls"].is_null()) {
      const auto& calls = message["tool_calls"];
      if (!calls.is_array()) {
        return invalid_answer("tool_calls that is not an array");
      }
      json normalised = json::array();
      for (const auto& call : calls) {
        if (!call.is_object() || !call.contains("function") || !call["function"].is_object() ||
            !call["function"].contains("name") || !call["function"]["name"].is_string() ||
            (call.contains("id") && !call["id"].is_string() && !call["id"].is_null())) {
          return invalid_answer("a tool call without a function name: " + shorten(call.dump(), 200));
        }
        const bool has_id = call.contains("id") && call["id"].is_string() && !call["id"].get<std::string>().empty();
        const auto id = has_id ? call["id"].get<std::string>()
                               : "call_t" + std::to_string(turn_index) + "_r" + std::to_string(round) + "_" +
                                     std::to_string(normalised.size());
        const auto arguments = call["function"].value("arguments", json());
        normalised.push_back({{"id", id},
                              {"type", "function"},
                              {"function",
                               {{"name", call["function"]["name"]},
                                {"arguments", arguments.is_string() ? arguments
                                              : arguments.is_null() ? json("{}")
                                                                    : json(arguments.dump())}}}});
      }
      if (!normalised.empty()) {
        kept["tool_calls"] = std::move(normalised);
      }
    }
    return kept;
  }

  [[nodiscard]] folio::error invalid_answer(const std::string& what) const {
    return folio::fail(folio::errc::agent_response_invalid,
                       "the model endpoint " + config_.endpoint.authority() + " answered " + what);
  }

  // The tool's answer as the model reads it. Mistakes the model can correct (an unknown tool, arguments that are
  // not JSON or break the schema) are answered to it; anything else (the office lost, a cancel) ends the turn.
  // The call is as assistant_message keeps it: its arguments are a string.
  folio::result<std::string> execute(folio::editor& document, const json& call) const {
    const auto& function = call["function"];
    const auto name = function["name"].get<std::string>();
    const auto& text = function["arguments"].get_ref<const std::string&>();
    const auto arguments = text.empty() ? json::object() : json::parse(text, nullptr, false);
    if (arguments.is_discarded()) {
      return reply(tool_error(folio::errc::tool_arguments_invalid,
                              "the arguments of " + name + " are not valid JSON: " + shorten(text, 200)));
    }
    auto done = name == outline_tool ? document.outline() : document.call_tool(name, arguments);
    if (done) {
      return reply({{"result", done.value()}});
    }
    const auto& failure = done.error();
    if (failure.code == folio::errc::tool_unknown || failure.code == folio::errc::tool_arguments_invalid) {
      return reply(tool_error(failure.code, failure.message, failure.param));
    }
    return failure;
  }

  // A tool's answer as text, cut at max_tool_result_bytes.
  [[nodiscard]] std::string reply(const json& answer) const {
    auto text = answer.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() <= config_.max_tool_result_bytes) {
      return text;
    }
    return shorten(text, config_.max_tool_result_bytes) + " [cut: the answer had " + std::to_string(text.size()) +
           " bytes]";
  }

  agent_config config_;
};

folio::result<std::unique_ptr<folio::agent>> make_agent(const json& config) {
  auto parsed = parse_config(config);
  if (!parsed) {
    return parsed.error();
  }
  return std::make_unique<openai_agent>(std::move(parsed).value());
}

const folio::plugin_descriptor& describe_openai() {
  static const folio::plugin_descriptor descriptor{
      "openai", "1.0.0", folio::plugin_kind::agent, make_agent, {}, {},
  };
  return descriptor;
}

} // namespace
} // namespace folio_openai

FOLIO_PLUGIN(folio_openai::describe_openai);
