// A real folio-server process for a test: `serve` on a port the system picks, a data directory of its own, the
// build's plugins, settings through FOLIO_* environment variables, its output kept in a file the test can read. The
// one harness of the server's end-to-end tests (tests/server, tests/files).
#pragma once

#include "http_client.hpp"
#include "temp_directory.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace folio_server_test {

inline std::string read_text(const std::filesystem::path& file) {
  std::ifstream input(file);
  std::stringstream text;
  text << input.rdbuf();
  return text.str();
}

// Runs a shell command; answers what it printed (standard output and error together) and its exit code (-1 when it
// did not exit).
inline std::pair<std::string, int> run_command(const std::string& command) {
  std::string printed;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  char chunk[4096];
  while (const auto got = std::fread(chunk, 1, sizeof chunk, pipe)) {
    printed.append(chunk, got);
  }
  const int status = ::pclose(pipe);
  return {printed, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// The page count pdfinfo reads from a PDF file; 0 when it reads none (not a PDF, or pdfinfo missing).
inline int pdf_pages(const std::string& path) {
  const auto info = run_command("pdfinfo " + path).first;
  std::smatch found;
  return std::regex_search(info, found, std::regex(R"(Pages:\s+([0-9]+))")) ? std::stoi(found[1]) : 0;
}

class server_process {
public:
  using environment = std::map<std::string, std::string>;

  // Starts a server on `data_dir` (a fresh one when empty) and waits until it listens.
  explicit server_process(environment settings = {}, std::filesystem::path data_dir = {})
      : settings_(std::move(settings)), data_dir_(data_dir.empty() ? own_.path() / "data" : std::move(data_dir)) {
    start();
  }
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  ~server_process() {
    if (pid_ > 0) {
      stop(SIGKILL);
    }
  }

  void start() {
    log_ = own_.path() / ("server-" + std::to_string(++starts_) + ".log");
    pid_ = ::fork();
    if (pid_ == 0) {
      for (const auto& [name, value] : settings_) {
        ::setenv(name.c_str(), value.c_str(), 1);
      }
      std::freopen(log_.c_str(), "w", stdout);
      std::freopen(log_.c_str(), "a", stderr);
      ::execl(FOLIO_SERVER, FOLIO_SERVER, "serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir_.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const std::regex listening(R"re("event":"listening".*"url":"http://127\.0\.0\.1:([0-9]+)")re");
    const std::regex key(R"(folio_[0-9a-f]{48})");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes{2};
    while (std::chrono::steady_clock::now() < deadline) {
      const auto output = read_text(log_);
      std::smatch found;
      if (std::regex_search(output, found, listening)) {
        port_ = std::stoi(found[1]);
        if (std::regex_search(output, found, key)) {
          key_ = found[0];
        }
        return;
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("folio-server exited before listening:\n" + output);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    throw std::runtime_error("folio-server did not listen within 2 minutes:\n" + read_text(log_));
  }

  // Sends a signal and waits for the exit status (the code, or 128 + the signal that ended it). A server killed with
  // SIGKILL cannot stop its LibreOffice processes (each in a process group of its own): they are killed after it.
  int stop(int signal) {
    const auto offices = children();
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (signal == SIGKILL) {
      for (const auto office : offices) {
        ::kill(-office, SIGKILL);
      }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The key the first start printed (empty when the data directory was not new).
  [[nodiscard]] const std::string& first_key() const { return key_; }
  [[nodiscard]] std::string output() const { return read_text(log_); }
  [[nodiscard]] const std::filesystem::path& data_dir() const { return data_dir_; }
  [[nodiscard]] std::unique_ptr<http_connection> connect() const {
    return std::make_unique<http_connection>("127.0.0.1", port_);
  }

  // Runs `folio-server ARGS` on this server's data directory and answers its standard output and exit code.
  [[nodiscard]] std::pair<std::string, int> admin(const std::string& arguments) const {
    return run_command(std::string(FOLIO_SERVER) + " " + arguments + " --data-dir " + data_dir_.string());
  }

private:
  // The processes the server started (its LibreOffice offices), from /proc.
  [[nodiscard]] std::vector<pid_t> children() const {
    std::vector<pid_t> found;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      const auto name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) {
        continue;
      }
      // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after its closing parenthesis.
      const auto stat = read_text(entry.path() / "stat");
      const auto after = stat.rfind(')');
      if (after == std::string::npos) {
        continue;
      }
      std::istringstream fields(stat.substr(after + 2));
      std::string state;
      pid_t parent = 0;
      fields >> state >> parent;
      if (parent == pid_) {
        found.push_back(static_cast<pid_t>(std::stoi(name)));
      }
    }
    return found;
  }

  folio_test::temp_directory own_;
  environment settings_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_;
  int starts_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string key_;
};

} // namespace folio_server_test
