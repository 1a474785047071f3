#include "request_log.hpp"
#include "temp_directory.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

// The log's output in append mode, read back through a stream of its own so reading never moves where lines go.
struct log_file {
  folio_test::temp_directory directory;
  std::filesystem::path path = directory.path() / "requests.log";
  std::unique_ptr<std::FILE, decltype(&std::fclose)> output{std::fopen(path.c_str(), "a"), &std::fclose};

  [[nodiscard]] std::string contents() const {
    const std::ifstream input(path);
    std::ostringstream text;
    text << input.rdbuf();
    return text.str();
  }
};

} // namespace

TEST_CASE("request log writes every line of concurrent callers whole, within its delay", "[request_log]") {
  log_file file;
  REQUIRE(file.output);
  {
    folio_server::request_log log(file.output.get(), std::chrono::milliseconds{20});
    std::vector<std::jthread> callers;
    for (int caller = 0; caller < 4; ++caller) {
      callers.emplace_back([&log, caller] {
        for (int line = 0; line < 500; ++line) {
          log.append("{\"caller\":" + std::to_string(caller) + ",\"line\":" + std::to_string(line) + "}\n");
        }
      });
    }
    callers.clear();
    // Nobody flushes: the log's own thread writes them.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    const auto written = [&file] {
      const auto text = file.contents();
      return std::count(text.begin(), text.end(), '\n');
    };
    while (written() < 2000 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
  }
  std::istringstream lines(file.contents());
  std::set<std::string> seen;
  std::vector<int> next(4, 0);
  for (std::string line; std::getline(lines, line);) {
    REQUIRE(line.starts_with("{\"caller\":"));
    const auto caller = std::stoi(line.substr(10));
    const auto number = std::stoi(line.substr(line.find("\"line\":") + 7));
    // Each caller's lines in the order it wrote them.
    CHECK(number == next.at(static_cast<std::size_t>(caller)));
    next.at(static_cast<std::size_t>(caller)) = number + 1;
    CHECK(seen.insert(line).second);
  }
  CHECK(seen.size() == 2000);
}

TEST_CASE("request log writes what is pending on flush and when it ends", "[request_log]") {
  log_file file;
  REQUIRE(file.output);
  {
    // A delay no test waits for: only flush() and the end write.
    folio_server::request_log log(file.output.get(), std::chrono::hours{1});
    log.append("first\n");
    log.flush();
    CHECK(file.contents() == "first\n");
    log.append("second\n");
    CHECK(file.contents() == "first\n");
  }
  CHECK(file.contents() == "first\nsecond\n");
}
