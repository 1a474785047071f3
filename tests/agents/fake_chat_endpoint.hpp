// A chat-completions endpoint for the openai agent's tests: tests/agents/fake_chat_server.py started on a free port
// with a script of answers, over http or TLS, and the requests it received read back from its log. It stands in for a
// paid model; everything else in these tests is real (engine, SQLite, LibreOffice editors, the plugin).
#pragma once

#include "temp_directory.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ; // NOLINT(readability-redundant-declaration): POSIX declares it nowhere else

namespace folio_testing {

using nlohmann::json;

// An answer with tool calls: each {id, name, arguments as the model wrote them (a string, possibly broken JSON)}.
struct scripted_call {
  std::string id;
  std::string name;
  std::string arguments;
};

inline json usage(int prompt_tokens, int completion_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

inline json tool_calls_answer(const std::vector<scripted_call>& calls, const json& used = usage(100, 20)) {
  auto listed = json::array();
  for (const auto& call : calls) {
    listed.push_back(
        {{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
  }
  return {{"json",
           {{"id", "chatcmpl-test"},
            {"object", "chat.completion"},
            {"choices",
             {{{"index", 0},
               {"message", {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", listed}}},
               {"finish_reason", "tool_calls"}}}},
            {"usage", used}}}};
}

inline json text_answer(const std::string& text, const json& used = usage(100, 20)) {
  return {{"json",
           {{"id", "chatcmpl-test"},
            {"object", "chat.completion"},
            {"choices",
             {{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"finish_reason", "stop"}}}},
            {"usage", used}}}};
}

inline json error_answer(int status, const std::string& message, const json& headers = json::object()) {
  return {{"status", status}, {"headers", headers}, {"json", {{"error", {{"message", message}, {"type", "test"}}}}}};
}

// A server certificate and key for TLS tests.
struct tls_identity {
  std::string certificate;
  std::string key;
};

class fake_chat_endpoint {
public:
  explicit fake_chat_endpoint(const json& answers, const std::optional<tls_identity>& tls = std::nullopt)
      : tls_(tls.has_value()) {
    const auto script = directory_.path() / "script.json";
    std::ofstream(script) << json{{"answers", answers}}.dump();
    log_ = directory_.path() / "requests.jsonl";
    const auto port_file = directory_.path() / "port";
    std::vector<std::string> words{
        "/usr/bin/python3", FOLIO_FAKE_CHAT_SERVER, "--script",        script.string(), "--log",
        log_.string(),      "--port-file",          port_file.string()};
    if (tls) {
      words.insert(words.end(), {"--cert", tls->certificate, "--key", tls->key});
    }
    std::vector<char*> argv;
    for (auto& word : words) {
      argv.push_back(word.data());
    }
    argv.push_back(nullptr);
    REQUIRE(::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    for (int waited = 0; waited < 1000 && !std::filesystem::exists(port_file); ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    REQUIRE(std::filesystem::exists(port_file));
    std::ifstream(port_file) >> port_;
  }

  fake_chat_endpoint(const fake_chat_endpoint&) = delete;
  fake_chat_endpoint& operator=(const fake_chat_endpoint&) = delete;

  ~fake_chat_endpoint() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  // The base URL the agent is configured with; TLS certificates name "localhost".
  [[nodiscard]] std::string base_url() const {
    return (tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_) + "/v1";
  }

  // Every request received so far, oldest first: {path, headers (lower-case names), body, server_name, time}.
  [[nodiscard]] std::vector<json> received() const {
    std::vector<json> requests;
    std::ifstream file(log_);
    for (std::string line; std::getline(file, line);) {
      requests.push_back(json::parse(line));
    }
    return requests;
  }

  // Waits until `count` requests have arrived (the server logs a request before it answers it).
  void wait_for_requests(std::size_t count) const {
    for (int waited = 0; waited < 3000 && received().size() < count; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    REQUIRE(received().size() >= count);
  }

private:
  folio_test::temp_directory directory_;
  std::filesystem::path log_;
  bool tls_ = false;
  pid_t pid_ = 0;
  int port_ = 0;
};

// Runs the openssl command line; the test fails when it does.
inline void openssl(const std::string& arguments) {
  const auto command = "openssl " + arguments + " >/dev/null 2>&1";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0); // NOLINT(concurrency-mt-unsafe, cert-env33-c): a test's fixed command
}

// A certificate authority made for one test, and server certificates it signs (or that sign themselves).
class test_authority {
public:
  test_authority() {
    openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=folio test CA' "
            "-keyout '" +
            file("ca.key") + "' -out '" + file("ca.pem") + "'");
  }

  [[nodiscard]] std::string certificate_file() const { return file("ca.pem"); }

  // A certificate for `dns_name` (and 127.0.0.1) signed by this authority.
  tls_identity issue(const std::string& dns_name) {
    const auto stem = "server-" + std::to_string(++issued_);
    std::ofstream(file(stem + ".ext")) << "subjectAltName=DNS:" << dns_name << ",IP:127.0.0.1\n";
    openssl("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=" + dns_name + "' -keyout '" +
            file(stem + ".key") + "' -out '" + file(stem + ".csr") + "'");
    openssl("x509 -req -days 2 -in '" + file(stem + ".csr") + "' -CA '" + file("ca.pem") + "' -CAkey '" +
            file("ca.key") + "' -CAcreateserial -extfile '" + file(stem + ".ext") + "' -out '" + file(stem + ".pem") +
            "'");
    return {file(stem + ".pem"), file(stem + ".key")};
  }

  // A certificate for `dns_name` that signs itself: no authority the client trusts vouches for it.
  tls_identity self_signed(const std::string& dns_name) {
    const auto stem = "self-" + std::to_string(++issued_);
    openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj '/CN=" + dns_name +
            "' -addext 'subjectAltName=DNS:" + dns_name + "' -keyout '" + file(stem + ".key") + "' -out '" +
            file(stem + ".pem") + "'");
    return {file(stem + ".pem"), file(stem + ".key")};
  }

private:
  [[nodiscard]] std::string file(const std::string& name) const { return (directory_.path() / name).string(); }

  folio_test::temp_directory directory_;
  int issued_ = 0;
};

} // namespace folio_testing
