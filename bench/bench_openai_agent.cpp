// The openai agent's own cost beside its endpoint's: turns against tests/agents/fake_chat_server.py (another process,
// answering at once from a script) on an editor that only answers, with the LibreOffice editor's real spreadsheet
// catalog, so every request carries the tools a real turn sends. CPU time is this process's (the agent building
// requests, the HTTP client, parsing answers, executing calls); the endpoint's and an office's are elsewhere.
//   openai_turn/N    one turn: a model answer with N tool calls, then a final answer (two requests)
//   seed_tokens      the seed's two turns (a Q3 report in two calls, then "Now add a forecast tab for FY26"): tokens
//                    sent by each, as the agent's budget estimates them, and the follow-up's share of the first
#include "bench_plugins.hpp"
#include "conversation.hpp"

#include <folio/plugin_loader.hpp>

#include <benchmark/benchmark.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX declares it nowhere else

namespace {

using nlohmann::json;

[[noreturn]] void broken(const std::string& why) {
  std::cerr << why << "\n";
  std::exit(1); // NOLINT(concurrency-mt-unsafe): a broken setup, not a measurement
}

// fake_chat_server.py on a free port with `answers`, played in a loop; `logged` keeps every request in its log.
class endpoint {
public:
  endpoint(const json& answers, bool logged) {
    directory_ = std::filesystem::temp_directory_path() /
                 ("folio-bench-chat-" + std::to_string(::getpid()) + (logged ? "-logged" : "-quiet"));
    std::filesystem::create_directories(directory_);
    std::ofstream(directory_ / "script.json") << json{{"answers", answers}}.dump();
    const auto port_file = directory_ / "port";
    std::vector<std::string> words{"/usr/bin/python3",
                                   FOLIO_FAKE_CHAT_SERVER,
                                   "--script",
                                   directory_ / "script.json",
                                   "--log",
                                   directory_ / "log.jsonl",
                                   "--port-file",
                                   port_file,
                                   "--repeat"};
    if (!logged) {
      words.emplace_back("--quiet");
    }
    std::vector<char*> argv;
    for (auto& word : words) {
      argv.push_back(word.data());
    }
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
      broken("cannot start fake_chat_server.py");
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (!std::filesystem::exists(port_file)) {
      if (std::chrono::steady_clock::now() > deadline) {
        broken("fake_chat_server.py wrote no port within 30 s");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    int port = 0;
    std::ifstream(port_file) >> port;
    base_url_ = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  }
  endpoint(const endpoint&) = delete;
  endpoint& operator=(const endpoint&) = delete;
  ~endpoint() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    std::filesystem::remove_all(directory_);
  }

  [[nodiscard]] const std::string& base_url() const { return base_url_; }
  [[nodiscard]] std::vector<json> requests() const {
    std::vector<json> read;
    std::ifstream log(directory_ / "log.jsonl");
    for (std::string line; std::getline(log, line);) {
      read.push_back(json::parse(line));
    }
    return read;
  }

private:
  std::filesystem::path directory_;
  pid_t pid_ = 0;
  std::string base_url_;
};

// An editor that does nothing but answer, with the catalog of a real one.
class answering_editor final : public folio::editor {
public:
  explicit answering_editor(json catalog) : catalog_(std::move(catalog)) {}
  [[nodiscard]] json tool_catalog() const override { return catalog_; }
  folio::result<json> call_tool(std::string_view name, const json& arguments) override {
    return json{{"tool", name}, {"arguments", arguments.size()}};
  }
  folio::result<json> outline() override { return json{{"sheets", json::array({{{"name", "Sheet1"}}})}}; }
  folio::result<std::string> save() override { return std::string(); }

private:
  json catalog_;
};

json spreadsheet_catalog() {
  static const json catalog = [] {
    auto office = folio_bench::load_plugin_or_exit(FOLIO_LIBREOFFICE_PLUGIN);
    auto editors = office.make_editor_factory({{"processes", 1}}).value();
    return editors->open(folio::document_format::excel, "").value()->tool_catalog();
  }();
  return catalog;
}

json tool_calls(int count) {
  auto calls = json::array();
  for (int index = 0; index < count; ++index) {
    const auto cell = "A" + std::to_string(index + 1);
    calls.push_back({{"id", "call_" + std::to_string(index)},
                     {"type", "function"},
                     {"function",
                      {{"name", "write_range"},
                       {"arguments", json{{"sheet", "Sheet1"}, {"cell", cell}, {"values", {{index}}}}.dump()}}}});
  }
  return {{"json",
           {{"object", "chat.completion"},
            {"choices",
             {{{"index", 0},
               {"message", {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", calls}}},
               {"finish_reason", "tool_calls"}}}},
            {"usage", {{"prompt_tokens", 1000}, {"completion_tokens", 50}}}}}};
}

json final_answer(const std::string& text) {
  return {{"json",
           {{"object", "chat.completion"},
            {"choices",
             {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"finish_reason", "stop"}}}},
            {"usage", {{"prompt_tokens", 1000}, {"completion_tokens", 20}}}}}};
}

struct agent_under_test {
  folio::loaded_plugin plugin = folio_bench::load_plugin_or_exit(FOLIO_OPENAI_PLUGIN);
  std::unique_ptr<folio::agent> agent;
  answering_editor editor{spreadsheet_catalog()};

  explicit agent_under_test(const std::string& base_url) {
    auto made = plugin.make_agent({{"base_url", base_url}, {"model", "bench"}});
    if (!made) {
      broken(made.error().message);
    }
    agent = std::move(made).value();
  }

  folio::turn_output play(const std::string& prompt, const folio::agent_state& state, int index) {
    return folio_bench::play_excel_turn(*agent, editor, prompt, state, index);
  }
};

void openai_turn(benchmark::State& state) {
  const auto calls = static_cast<int>(state.range(0));
  const endpoint model(json::array({tool_calls(calls), final_answer("Done.")}), false);
  agent_under_test tested(model.base_url());
  for (auto _ : state) {
    benchmark::DoNotOptimize(tested.play("Write the cells", {}, 1));
  }
  state.counters["tool_calls"] = calls;
}
BENCHMARK(openai_turn)->Arg(1)->Arg(4)->Arg(16)->MeasureProcessCPUTime()->UseRealTime()->Unit(benchmark::kMillisecond);

// Tokens each request sends, as the agent's budget counts them (its messages and its tools).
std::size_t tokens_sent(const json& request) {
  return folio_openai::estimate_tokens(request["body"]["messages"]) +
         folio_openai::estimate_tokens(request["body"]["tools"]);
}

void seed_tokens(benchmark::State& state) {
  const endpoint model(json::array({tool_calls(2), final_answer("Built the Q3 sales report."), tool_calls(2),
                                    final_answer("Added the FY26 forecast tab.")}),
                       true);
  agent_under_test tested(model.base_url());
  for (auto _ : state) {
    const auto first = tested.play("Create a Q3 sales report", {}, 1);
    tested.play("Now add a forecast tab for FY26", first.state, 2);
  }
  const auto requests = model.requests();
  std::size_t first_turn = 0;
  std::size_t follow_up = 0;
  std::size_t first_messages = 0;
  std::size_t follow_up_messages = 0;
  for (std::size_t index = 0; index < 4 && index < requests.size(); ++index) {
    (index < 2 ? first_turn : follow_up) += tokens_sent(requests[index]);
    (index < 2 ? first_messages : follow_up_messages) +=
        folio_openai::estimate_tokens(requests[index]["body"]["messages"]);
  }
  state.counters["turn1_tokens"] = static_cast<double>(first_turn);
  state.counters["turn2_tokens"] = static_cast<double>(follow_up);
  state.counters["turn1_message_tokens"] = static_cast<double>(first_messages);
  state.counters["turn2_message_tokens"] = static_cast<double>(follow_up_messages);
  state.counters["turn2_share"] = static_cast<double>(follow_up) / static_cast<double>(first_turn);
}
BENCHMARK(seed_tokens)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
