// The "openai" agent: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp's server, Ollama …)
// given the editor's tools. Each turn sends the conversation kept in the run's agent state, executes the model's tool
// calls through the editor and returns their answers until the model answers without tool calls. README.md has the
// configuration, the credits and the errors.
#include "agent_config.hpp"
#include "chat_client.hpp"
#include "conversation.hpp"

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
      prompt = "(The document was replaced outside this conversation since the last turn: call outline before "
               "relying on what earlier turns did.)\n" +
               prompt;
    }
    auto turn = json::array({{{"role", "user"}, {"content", prompt}}});
    history.fit(input.format, turn, config_.context_budget_tokens);

    const auto tools = tools_for_model(services.document());
    json request{{"model", config_.model}, {"tools", tools}, {"tool_choice", "auto"}};
    if (config_.temperature) {
      request["temperature"] = *config_.temperature;
    }
    std::int64_t tokens = 0;
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
      auto message = assistant_message(answer.value()["choices"][0]["message"]);
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
      }
      services.report_progress(std::min(95, (round + 1) * 100 / (config_.max_tool_rounds + 1)));
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

  // The model's message as it is kept and sent back: role, content, and tool_calls when it made any, each checked
  // to have an id and a function name.
  folio::result<json> assistant_message(const json& message) const {
    json kept{{"role", "assistant"}, {"content", message.contains("content") ? message["content"] : json()}};
    if (!kept["content"].is_null() && !kept["content"].is_string()) {
      return invalid_answer("content that is neither text nor null");
    }
    if (message.contains("tool_calls") && !message["tool_calls"].is_null()) {
      const auto& calls = message["tool_calls"];
      if (!calls.is_array()) {
        return invalid_answer("tool_calls that is not an array");
      }
      for (const auto& call : calls) {
        if (!call.is_object() || !call.contains("id") || !call["id"].is_string() || !call.contains("function") ||
            !call["function"].is_object() || !call["function"].contains("name") ||
            !call["function"]["name"].is_string()) {
          return invalid_answer("a tool call without an id or a function name: " + shorten(call.dump(), 200));
        }
      }
      if (!calls.empty()) {
        kept["tool_calls"] = calls;
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
  folio::result<std::string> execute(folio::editor& document, const json& call) const {
    const auto& function = call["function"];
    const auto name = function["name"].get<std::string>();
    json arguments = json::object();
    if (function.contains("arguments") && function["arguments"].is_string()) {
      const auto& text = function["arguments"].get_ref<const std::string&>();
      arguments = text.empty() ? json::object() : json::parse(text, nullptr, false);
      if (arguments.is_discarded()) {
        return reply(tool_error(folio::errc::tool_arguments_invalid,
                                "the arguments of " + name + " are not valid JSON: " + shorten(text, 200)));
      }
    } else if (function.contains("arguments")) {
      arguments = function["arguments"];
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
