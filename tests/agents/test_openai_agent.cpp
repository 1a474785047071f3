// The openai agent on the real engine, a real SQLite data directory and real LibreOffice editors, talking to a local
// chat-completions endpoint with scripted answers (fake_chat_endpoint.hpp): the model's tool calls edit the document
// (read back with python3-openpyxl), its mistakes are answered to it, the endpoint's failures become the documented
// task errors, and the conversation, kept in the run's state within its budget, is what a later turn sends.
#include "agent_testing.hpp"
#include "fake_chat_endpoint.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace {

using folio::document_format;
using folio_testing::agent_bench;
using folio_testing::error_answer;
using folio_testing::fake_chat_endpoint;
using folio_testing::python_reads;
using folio_testing::text_answer;
using folio_testing::tool_calls_answer;
using folio_testing::usage;
using nlohmann::json;

constexpr const char* api_key = "sk-test-3f9a1c7e5b2d48a6c0e1";

json config_for(const fake_chat_endpoint& endpoint, const json& extra = json::object()) {
  REQUIRE(::setenv("FOLIO_TEST_OPENAI_KEY", api_key, 1) == 0); // NOLINT(concurrency-mt-unsafe): before any thread
  json made{{"base_url", endpoint.base_url()},
            {"model", "test-model"},
            {"api_key_env", "FOLIO_TEST_OPENAI_KEY"},
            {"temperature", 0.1},
            {"tokens_per_credit", 100},
            {"retry_initial_ms", 10},
            {"retry_max_ms", 50}};
  made.update(extra);
  return made;
}

std::string sheets(const std::string& document) {
  return python_reads(document, "xlsx",
                      "import sys, openpyxl\nprint(openpyxl.load_workbook(sys.argv[1]).sheetnames)\n");
}

const json& messages_of(const json& request) {
  return request["body"]["messages"];
}

// The tool answers of a request's messages, by tool_call_id, parsed.
std::map<std::string, json> tool_answers(const json& request) {
  std::map<std::string, json> answers;
  for (const auto& message : messages_of(request)) {
    if (message["role"] == "tool") {
      answers[message["tool_call_id"].get<std::string>()] = json::parse(message["content"].get<std::string>());
    }
  }
  return answers;
}

std::string failure_message(const folio::task& task) {
  return task.failure ? task.failure->message : std::string();
}

} // namespace

TEST_CASE("openai agent edits the workbook through the model's tool calls, with the key sent only as a bearer token") {
  fake_chat_endpoint endpoint(json::array(
      {tool_calls_answer(
           {{"call_1", "add_sheet", R"({"name": "Forecast"})"},
            {"call_2", "write_range",
             R"({"sheet": "Forecast", "cell": "A1", "values": [["Year", "Revenue"], [2026, 1200], [2027, "=B2*1.1"]]})"}},
           usage(1000, 50)),
       text_answer("Added a Forecast sheet with two years of revenue.", usage(1300, 20))}));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint));
  const auto finished = bench.play(document_format::excel, "Add a forecast sheet");
  INFO(failure_message(finished));
  REQUIRE(finished.status == folio::task_status::completed);

  const auto document = bench.document(finished.run);
  CHECK(sheets(document) == "['Sheet1', 'Forecast']\n");
  CHECK(python_reads(document, "xlsx",
                     "import sys, openpyxl\ns = openpyxl.load_workbook(sys.argv[1])['Forecast']\n"
                     "print([[c.value for c in row] for row in s['A1:B3']])\n") ==
        "[['Year', 'Revenue'], [2026, 1200], [2027, '=B2*1.1']]\n");
  // (1000 + 50 + 1300 + 20) tokens at 100 tokens per credit, rounded up.
  REQUIRE(finished.credits_used);
  CHECK(*finished.credits_used == 24);

  const auto requests = endpoint.received();
  REQUIRE(requests.size() == 2);
  for (const auto& request : requests) {
    CHECK(request["path"] == "/v1/chat/completions");
    CHECK(request["headers"]["authorization"] == std::string("Bearer ") + api_key);
    CHECK(request["body"]["model"] == "test-model");
    CHECK(request["body"]["temperature"] == 0.1);
  }
  // The editor's catalog is offered as function tools, the outline among them.
  std::set<std::string> tools;
  for (const auto& tool : requests[0]["body"]["tools"]) {
    CHECK(tool["type"] == "function");
    tools.insert(tool["function"]["name"].get<std::string>());
  }
  CHECK(tools.count("add_sheet") == 1);
  CHECK(tools.count("write_range") == 1);
  CHECK(tools.count("outline") == 1);
  const auto& first = messages_of(requests[0]);
  REQUIRE(first.size() == 2);
  CHECK(first[0]["role"] == "system");
  CHECK(first[1] == json{{"role", "user"}, {"content", "Add a forecast sheet"}});
  // The second request returns both tools' answers to the model.
  const auto answers = tool_answers(requests[1]);
  REQUIRE(answers.size() == 2);
  CHECK(answers.at("call_1")["result"]["sheet"] == "Forecast");
  CHECK(answers.at("call_2")["result"]["range"].get<std::string>().find("A1:B3") != std::string::npos);

  const auto run = bench.run(finished.run);
  CHECK(run.state.conversation.size() == 5); // user, assistant with calls, two tool answers, final answer
  CHECK(run.state.conversation.back()["content"] == "Added a Forecast sheet with two years of revenue.");
  CHECK(run.state.conversation.dump().find(api_key) == std::string::npos);
  CHECK(run.state.memory.dump().find(api_key) == std::string::npos);
}

TEST_CASE("openai agent answers malformed arguments and unknown tools to the model, which recovers") {
  fake_chat_endpoint endpoint(json::array({
      tool_calls_answer({{"bad_json", "add_sheet", R"({"name": "Broken)"},
                         {"no_tool", "draw_unicorn", R"({"color": "pink"})"},
                         {"bad_type", "add_sheet", R"({"name": 42})"}}),
      tool_calls_answer({{"fixed", "add_sheet", R"({"name": "Recovered"})"}}),
      text_answer("Added the Recovered sheet."),
  }));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint));
  const auto finished = bench.play(document_format::excel, "Add a sheet");
  INFO(failure_message(finished));
  REQUIRE(finished.status == folio::task_status::completed);
  CHECK(sheets(bench.document(finished.run)) == "['Sheet1', 'Recovered']\n");

  const auto requests = endpoint.received();
  REQUIRE(requests.size() == 3);
  const auto answers = tool_answers(requests[1]);
  REQUIRE(answers.size() == 3);
  CHECK(answers.at("bad_json")["error"]["code"] == "tool_arguments_invalid");
  CHECK(answers.at("bad_json")["error"]["message"].get<std::string>().find("not valid JSON") != std::string::npos);
  CHECK(answers.at("no_tool")["error"]["code"] == "tool_unknown");
  CHECK(answers.at("no_tool")["error"]["message"].get<std::string>().find("add_sheet") != std::string::npos);
  CHECK(answers.at("bad_type")["error"]["code"] == "tool_arguments_invalid");
  CHECK(tool_answers(requests[2]).at("fixed")["result"]["sheet"] == "Recovered");
}

TEST_CASE("openai agent retries a 429 after the Retry-After the endpoint asked for") {
  fake_chat_endpoint endpoint(json::array({
      error_answer(429, "Rate limit reached", {{"Retry-After", "1"}}),
      text_answer("Nothing to change."),
  }));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint));
  const auto finished = bench.play(document_format::excel, "Check the workbook");
  INFO(failure_message(finished));
  CHECK(finished.status == folio::task_status::completed);
  const auto requests = endpoint.received();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1]["body"] == requests[0]["body"]);
  // retry_initial_ms is 10 here: the second attempt waited for the endpoint's one second instead.
  CHECK(requests[1]["time"].get<double>() - requests[0]["time"].get<double>() >= 0.95);
}

TEST_CASE("openai agent waits until the HTTP date a Retry-After names") {
  // Two seconds after the answer, to the second: the wait is between one and two seconds.
  auto overloaded = error_answer(503, "Overloaded");
  overloaded["retry_after_date"] = 2;
  fake_chat_endpoint endpoint(json::array({overloaded, text_answer("Nothing to change.")}));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint));
  const auto finished = bench.play(document_format::excel, "Check the workbook");
  INFO(failure_message(finished));
  CHECK(finished.status == folio::task_status::completed);
  const auto requests = endpoint.received();
  REQUIRE(requests.size() == 2);
  // retry_initial_ms is 10 here: only the date explains a wait of most of a second.
  CHECK(requests[1]["time"].get<double>() - requests[0]["time"].get<double>() >= 0.9);
}

TEST_CASE("openai agent fails agent_unavailable when the endpoint keeps answering 500") {
  fake_chat_endpoint endpoint(json::array({
      error_answer(500, "The server had an error"),
      error_answer(502, "Bad gateway"),
      error_answer(500, "The server had an error again"),
      text_answer("never sent"),
  }));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint, {{"max_retries", 2}}));
  const auto finished = bench.play(document_format::excel, "Add a sheet");
  CHECK(finished.status == folio::task_status::failed);
  REQUIRE(finished.failure);
  CHECK(finished.failure->code == folio::errc::agent_unavailable);
  CHECK(finished.failure->message.find("HTTP 500") != std::string::npos);
  CHECK(finished.failure->message.find("3 attempts") != std::string::npos);
  CHECK(finished.failure->message.find("The server had an error again") != std::string::npos);
  CHECK(endpoint.received().size() == 3);
}

TEST_CASE("openai agent fails agent_unauthorized on a 401 at once, and never repeats the key") {
  fake_chat_endpoint endpoint(json::array({
      error_answer(401, std::string("Incorrect API key provided: ") + api_key + ". You can find your key online."),
      text_answer("never sent"),
  }));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint));
  const auto finished = bench.play(document_format::excel, "Add a sheet");
  CHECK(finished.status == folio::task_status::failed);
  REQUIRE(finished.failure);
  CHECK(finished.failure->code == folio::errc::agent_unauthorized);
  CHECK(finished.failure->message.find("HTTP 401") != std::string::npos);
  CHECK(finished.failure->message.find("Incorrect API key provided: [redacted]") != std::string::npos);
  CHECK(finished.failure->message.find(api_key) == std::string::npos);
  CHECK(endpoint.received().size() == 1);
}

TEST_CASE("openai agent fails agent_request_rejected on a 400 and agent_response_invalid on a broken answer") {
  fake_chat_endpoint endpoint(json::array({
      error_answer(400, "Invalid schema for function 'add_sheet'"),
      {{"status", 200}, {"raw", "<html>upstream said hello</html>"}},
  }));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint));
  const auto rejected = bench.play(document_format::excel, "Add a sheet");
  REQUIRE(rejected.failure);
  CHECK(rejected.failure->code == folio::errc::agent_request_rejected);
  CHECK(rejected.failure->message.find("Invalid schema for function 'add_sheet'") != std::string::npos);
  const auto broken = bench.play(document_format::excel, "Add a sheet");
  REQUIRE(broken.failure);
  CHECK(broken.failure->code == folio::errc::agent_response_invalid);
  CHECK(broken.failure->message.find("not JSON") != std::string::npos);
  CHECK(endpoint.received().size() == 2);
}

TEST_CASE("openai agent fails agent_timeout when the answer is slower than request_timeout_ms") {
  auto slow = text_answer("too late");
  slow["delay"] = 5;
  fake_chat_endpoint endpoint(json::array({slow, text_answer("never sent")}));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint, {{"request_timeout_ms", 300}}));
  const auto finished = bench.play(document_format::excel, "Add a sheet");
  CHECK(finished.status == folio::task_status::failed);
  REQUIRE(finished.failure);
  CHECK(finished.failure->code == folio::errc::agent_timeout);
  CHECK(finished.failure->message.find("request 300 ms") != std::string::npos);
  CHECK(endpoint.received().size() == 1);
}

TEST_CASE("openai agent fails agent_tool_rounds_exceeded past max_tool_rounds and leaves the run as it was") {
  fake_chat_endpoint endpoint(json::array({
      tool_calls_answer({{"first", "add_sheet", R"({"name": "Kept"})"}}),
      text_answer("Added Kept."),
      tool_calls_answer({{"a", "add_sheet", R"({"name": "One"})"}}),
      tool_calls_answer({{"b", "add_sheet", R"({"name": "Two"})"}}),
      tool_calls_answer({{"c", "add_sheet", R"({"name": "Three"})"}}),
  }));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint, {{"max_tool_rounds", 2}}));
  const auto run = bench.complete(document_format::excel, "Add a sheet named Kept").id;
  const auto before = bench.run(run);
  const auto finished = bench.play(document_format::excel, "Keep adding sheets", run);
  CHECK(finished.status == folio::task_status::failed);
  REQUIRE(finished.failure);
  CHECK(finished.failure->code == folio::errc::agent_tool_rounds_exceeded);
  CHECK(finished.failure->message.find("2 rounds") != std::string::npos);
  CHECK(endpoint.received().size() == 5);
  const auto after = bench.run(run);
  CHECK(after.document_hash == before.document_hash);
  CHECK(after.state == before.state);
  CHECK(sheets(bench.document(run)) == "['Sheet1', 'Kept']\n");
}

TEST_CASE("openai agent stops at a cancel between rounds, and the run keeps the document it had") {
  auto stalled = text_answer("never read");
  stalled["delay"] = 60;
  fake_chat_endpoint endpoint(json::array({
      tool_calls_answer({{"first", "add_sheet", R"({"name": "Kept"})"}}),
      text_answer("Added Kept."),
      tool_calls_answer({{"second", "add_sheet", R"({"name": "Lost"})"}}),
      stalled,
  }));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint));
  const auto run = bench.complete(document_format::excel, "Add a sheet named Kept").id;
  const auto before = bench.run(run);
  const auto submitted = bench.submit(document_format::excel, "Add a sheet named Lost", run);
  // The fourth request means the Lost sheet was added to the open document and the model asked again.
  endpoint.wait_for_requests(4);
  REQUIRE(bench.engine().cancel(bench.org(), submitted.created.id));
  const auto ended = bench.engine().wait(bench.org(), submitted.created.id, std::chrono::minutes{1});
  REQUIRE(ended);
  CHECK(ended.value().status == folio::task_status::cancelled);
  const auto after = bench.run(run);
  CHECK(after.document_hash == before.document_hash);
  CHECK(after.state == before.state);
  CHECK(sheets(bench.document(run)) == "['Sheet1', 'Kept']\n");
}

TEST_CASE("openai agent's resumed turn sends the conversation saved by the turn before") {
  fake_chat_endpoint endpoint(json::array({
      tool_calls_answer({{"call_1", "add_sheet", R"({"name": "Revenue"})"}}),
      text_answer("Added the Revenue sheet."),
      tool_calls_answer({{"call_2", "rename_sheet", R"({"sheet": "Revenue", "new_name": "Income"})"}}),
      text_answer("Renamed Revenue to Income."),
  }));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint));
  const auto run = bench.complete(document_format::excel, "Add a revenue sheet").id;
  const auto second = bench.complete(document_format::excel, "Rename it to Income", run);
  CHECK(second.turns == 2);
  CHECK(sheets(bench.document(run)) == "['Sheet1', 'Income']\n");

  const auto requests = endpoint.received();
  REQUIRE(requests.size() == 4);
  // The second turn's first request: the system message, the whole first turn as it was sent and answered, and
  // the new prompt.
  const auto& resumed = messages_of(requests[2]);
  const auto& first_turn_last = messages_of(requests[1]);
  REQUIRE(resumed.size() == 6);
  CHECK(resumed[0]["role"] == "system");
  for (std::size_t index = 1; index < first_turn_last.size(); ++index) {
    CHECK(resumed[index] == first_turn_last[index]);
  }
  CHECK(resumed[4] == json{{"role", "assistant"}, {"content", "Added the Revenue sheet."}});
  CHECK(resumed[5] == json{{"role", "user"}, {"content", "Rename it to Income"}});
  CHECK(bench.run(run).state.conversation.size() == 8);
}

TEST_CASE("openai agent condenses older turns so that a long run's requests stay within the token budget") {
  constexpr std::size_t budget = 700;
  constexpr int turns = 10;
  auto answers = json::array();
  for (int turn = 1; turn <= turns; ++turn) {
    answers.push_back(text_answer("Answer " + std::to_string(turn) + ": " + std::string(320, 'a')));
  }
  fake_chat_endpoint endpoint(answers);
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint, {{"context_budget_tokens", budget}}));
  std::optional<folio::run_id> run;
  for (int turn = 1; turn <= turns; ++turn) {
    run =
        bench.complete(document_format::excel, "Prompt " + std::to_string(turn) + ": " + std::string(320, 'p'), run).id;
  }
  const auto requests = endpoint.received();
  REQUIRE(requests.size() == turns);
  std::size_t largest = 0;
  for (const auto& request : requests) {
    largest = std::max(largest, messages_of(request).dump().size());
  }
  // Ten turns verbatim would be about 7,500 bytes; the budget counts a token as four bytes of compact JSON.
  CHECK(largest <= budget * 4);
  const auto& last = messages_of(requests.back());
  const auto system = last[0]["content"].get<std::string>();
  CHECK(system.find("Earlier turns of this conversation, condensed") != std::string::npos);
  CHECK(system.find("earlier turns omitted") != std::string::npos);
  // The turn just before is still there verbatim, and the new prompt last.
  CHECK(last[last.size() - 2]["content"].get<std::string>().rfind("Answer 9: ", 0) == 0);
  CHECK(last.back()["content"].get<std::string>().rfind("Prompt 10: ", 0) == 0);
  const auto state = bench.run(*run).state;
  CHECK(state.memory["condensed_turns"].get<int>() + static_cast<int>(state.conversation.size()) / 2 == turns);
  CHECK(state.conversation.dump().size() + state.memory.dump().size() <= budget * 4);
}

TEST_CASE("openai agent speaks TLS to an endpoint whose certificate the configured CA signed, sending SNI") {
  folio_testing::test_authority authority;
  fake_chat_endpoint endpoint(json::array({text_answer("Nothing to change.")}), authority.issue("localhost"));
  agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint, {{"ca_file", authority.certificate_file()}}));
  const auto finished = bench.play(document_format::excel, "Check the workbook");
  INFO(failure_message(finished));
  CHECK(finished.status == folio::task_status::completed);
  const auto requests = endpoint.received();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0]["server_name"] == "localhost");
  CHECK(requests[0]["headers"]["authorization"] == std::string("Bearer ") + api_key);
}

TEST_CASE("openai agent refuses an untrusted certificate and one that names another host") {
  folio_testing::test_authority authority;
  SECTION("signed by nobody the agent trusts") {
    fake_chat_endpoint endpoint(json::array({text_answer("never sent")}), authority.self_signed("localhost"));
    agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint, {{"ca_file", authority.certificate_file()}}));
    const auto finished = bench.play(document_format::excel, "Check the workbook");
    CHECK(finished.status == folio::task_status::failed);
    REQUIRE(finished.failure);
    CHECK(finished.failure->code == folio::errc::agent_tls_failed);
    CHECK(finished.failure->message.find("certificate") != std::string::npos);
    CHECK(endpoint.received().empty());
  }
  SECTION("signed by the trusted authority for another name") {
    fake_chat_endpoint endpoint(json::array({text_answer("never sent")}), authority.issue("model.example"));
    agent_bench bench(FOLIO_OPENAI_PLUGIN, config_for(endpoint, {{"ca_file", authority.certificate_file()}}));
    const auto finished = bench.play(document_format::excel, "Check the workbook");
    REQUIRE(finished.failure);
    CHECK(finished.failure->code == folio::errc::agent_tls_failed);
    CHECK(finished.failure->message.find("hostname mismatch") != std::string::npos);
    CHECK(endpoint.received().empty());
  }
}

TEST_CASE("openai agent refuses a configuration it cannot use, naming the key") {
  auto plugin = folio_testing::load_plugin_or_fail(FOLIO_OPENAI_PLUGIN);
  const auto refused = [&](const json& config) {
    auto made = plugin.make_agent(config);
    REQUIRE_FALSE(made);
    CHECK(made.error().code == folio::errc::invalid_argument);
    return made.error();
  };
  CHECK(refused({{"model", "m"}}).param == "base_url");
  CHECK(refused({{"base_url", "ftp://example.com/v1"}, {"model", "m"}}).param == "base_url");
  CHECK(refused({{"base_url", "http://127.0.0.1:9/v1"}}).param == "model");
  CHECK(refused({{"base_url", "http://127.0.0.1:9/v1"}, {"model", "m"}, {"max_tool_round", 3}}).param ==
        "max_tool_round");
  CHECK(refused({{"base_url", "http://127.0.0.1:9/v1"}, {"model", "m"}, {"request_timeout_ms", 0}}).param ==
        "request_timeout_ms");
  REQUIRE(::unsetenv("FOLIO_TEST_UNSET_KEY") == 0); // NOLINT(concurrency-mt-unsafe): no other thread reads it
  const auto unset =
      refused({{"base_url", "http://127.0.0.1:9/v1"}, {"model", "m"}, {"api_key_env", "FOLIO_TEST_UNSET_KEY"}});
  CHECK(unset.param == "api_key_env");
  CHECK(unset.message.find("FOLIO_TEST_UNSET_KEY") != std::string::npos);
  CHECK(plugin.make_agent({{"base_url", "http://127.0.0.1:9/v1"}, {"model", "m"}}));
}
