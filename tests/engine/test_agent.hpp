// A test agent and a line-based test editor for the engine's tests. The document is plain text, one line per
// "append"; the agent obeys small prompts ("append X", "slow N", "quiet N", "fail", "wait for cancel") and logs every
// turn it plays, so tests can check order and exactly-once execution.
#pragma once

#include <folio/agent.hpp>
#include <folio/editor.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace folio_test {

class line_editor final : public folio::editor {
public:
  explicit line_editor(std::string text) : text_(std::move(text)) {}

  [[nodiscard]] nlohmann::json tool_catalog() const override {
    return nlohmann::json::array(
        {{{"name", "append"},
          {"description", "Appends a line"},
          {"parameters",
           {{"type", "object"}, {"properties", {{"line", {{"type", "string"}}}}}, {"required", {"line"}}}}}});
  }

  folio::result<nlohmann::json> call_tool(std::string_view name, const nlohmann::json& arguments) override {
    if (name != "append") {
      return folio::fail(folio::errc::tool_unknown, "no tool " + std::string(name));
    }
    if (!arguments.contains("line") || !arguments["line"].is_string()) {
      return folio::fail(folio::errc::tool_arguments_invalid, "line must be a string", "line");
    }
    text_ += arguments["line"].get<std::string>() + "\n";
    return nlohmann::json{{"ok", true}};
  }

  folio::result<nlohmann::json> outline() override {
    return nlohmann::json{{"lines", std::count(text_.begin(), text_.end(), '\n')}};
  }

  folio::result<std::string> save() override { return text_; }

private:
  std::string text_;
};

class line_editor_factory final : public folio::editor_factory {
public:
  folio::result<std::unique_ptr<folio::editor>> open(folio::document_format /*format*/,
                                                     std::string_view bytes) override {
    if (bytes.starts_with("corrupt")) {
      return folio::fail(folio::errc::document_unreadable, "not a document");
    }
    return std::unique_ptr<folio::editor>(std::make_unique<line_editor>(std::string(bytes)));
  }
};

// One turn as the agent played it.
struct played_turn {
  std::string run;
  std::string task;
  int turn_index = 0;
  bool saw_external_change = false;
};

class scripted_test_agent final : public folio::agent {
public:
  folio::result<folio::turn_output> run_turn(const folio::turn_input& input, folio::turn_services& services) override {
    const int concurrent = ++running_;
    int seen = max_concurrent_.load();
    while (concurrent > seen && !max_concurrent_.compare_exchange_weak(seen, concurrent)) {
    }
    auto outcome = play(input, services);
    --running_;
    return outcome;
  }

  std::vector<played_turn> played() {
    const std::lock_guard lock(mutex_);
    return played_;
  }

  int max_concurrent() const { return max_concurrent_.load(); }

private:
  folio::result<folio::turn_output> play(const folio::turn_input& input, folio::turn_services& services) {
    std::istringstream words(input.prompt);
    std::string verb;
    words >> verb;
    folio::turn_output output;
    output.state = input.state;
    output.state.conversation.push_back({{"role", "user"}, {"content", input.prompt}});
    if (verb == "fail") {
      return folio::fail(folio::errc::prompt_not_understood, "this agent does not understand 'fail'");
    }
    if (verb == "slow" || verb == "quiet" || verb == "wait") {
      // "slow N": N steps of 5 ms, each reported; "quiet N": the same without reports; "wait for cancel": steps until
      // the host says stop.
      int steps = 0;
      words >> steps;
      for (int step = 0; verb == "wait" || step < steps; ++step) {
        if (services.cancel_requested()) {
          return folio::fail(folio::errc::cancelled, "stopped on request");
        }
        if (verb != "quiet") {
          services.report_progress(verb == "wait" ? 50 : (step + 1) * 100 / steps);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
      }
    }
    std::string line;
    std::getline(words >> std::ws, line);
    auto appended = services.document().call_tool("append", {{"line", line.empty() ? input.prompt : line}});
    if (!appended) {
      return appended.error();
    }
    const int count = input.state.memory.value("lines", 0) + 1;
    output.state.memory["lines"] = count;
    output.credits_used = 10 + count;
    {
      const std::lock_guard lock(mutex_);
      played_.push_back({input.run.str(), input.task.str(), input.turn_index, input.document_changed_externally});
    }
    return output;
  }

  std::mutex mutex_;
  std::vector<played_turn> played_;
  std::atomic<int> running_{0};
  std::atomic<int> max_concurrent_{0};
};

} // namespace folio_test
