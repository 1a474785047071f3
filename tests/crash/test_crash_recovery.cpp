// kill -9 at random moments of a process driving the engine on SQLite: after each restart nothing accepted is lost,
// nothing is done or charged twice, the database is intact and collection leaves no unreferenced blob.
// FOLIO_LONG_TESTS=1 raises the kills from 5 to 50; FOLIO_TEST_SEED replays a sequence of kill times.
#include "../temp_directory.hpp"

#include <folio/data_directory.hpp>
#include <folio/engine.hpp>

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace {

// The driver as a child process whose stdout lines are collected by a reader thread.
class driver_process {
public:
  explicit driver_process(std::vector<std::string> arguments) {
    int pipe_ends[2];
    REQUIRE(::pipe(pipe_ends) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(pipe_ends[1], STDOUT_FILENO);
      ::close(pipe_ends[0]);
      ::close(pipe_ends[1]);
      std::vector<char*> argv;
      std::string program = FOLIO_CRASH_DRIVER;
      argv.push_back(program.data());
      for (auto& argument : arguments) {
        argv.push_back(argument.data());
      }
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(pipe_ends[1]);
    reader_ = std::thread([this, from = pipe_ends[0]] {
      std::string pending;
      char buffer[4096];
      ssize_t count = 0;
      while ((count = ::read(from, buffer, sizeof buffer)) > 0) {
        pending.append(buffer, static_cast<std::size_t>(count));
        std::size_t end = 0;
        while ((end = pending.find('\n')) != std::string::npos) {
          const std::lock_guard lock(mutex_);
          lines_.push_back(pending.substr(0, end));
          pending.erase(0, end + 1);
        }
      }
      ::close(from);
    });
  }
  driver_process(const driver_process&) = delete;
  driver_process& operator=(const driver_process&) = delete;
  ~driver_process() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      wait_exit();
    }
  }

  void kill_now() {
    ::kill(pid_, SIGKILL);
    wait_exit();
  }

  // The exit status once the process ends by itself, or -1 after `limit` (then it is killed).
  int wait_for_exit(std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        reader_.join();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    kill_now();
    return -1;
  }

  std::vector<std::string> lines() {
    const std::lock_guard lock(mutex_);
    return lines_;
  }

private:
  void wait_exit() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    reader_.join();
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  std::thread reader_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

std::string integrity_of(const std::filesystem::path& file) {
  sqlite3* handle = nullptr;
  sqlite3_open(file.c_str(), &handle);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(handle, "PRAGMA integrity_check", -1, &statement, nullptr);
  std::string verdict;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    verdict += reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(handle);
  return verdict;
}

template <class Item, class Id, class List>
std::vector<Item> every_page(List list) {
  std::vector<Item> all;
  folio::page_request<Id> request;
  request.limit = 100;
  while (true) {
    auto listed = list(request);
    REQUIRE(listed);
    all.insert(all.end(), listed.value().items.begin(), listed.value().items.end());
    if (!listed.value().next_cursor) {
      return all;
    }
    request.before = Id::parse(*listed.value().next_cursor).value();
  }
}

} // namespace

TEST_CASE("crash recovery keeps every accepted task exactly once across kill -9", "[crash]") {
  const bool long_run = std::getenv("FOLIO_LONG_TESTS") != nullptr;
  const int kills = long_run ? 50 : 5;
  const char* seed_text = std::getenv("FOLIO_TEST_SEED");
  const auto seed = seed_text != nullptr ? std::stoull(seed_text) : std::random_device{}();
  INFO("FOLIO_TEST_SEED=" << seed);
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> delay_ms(30, 400);

  folio_test::temp_directory directory;
  const std::string dir = directory.path().string();
  const int runs = 10;
  const int turns = 6;
  std::set<std::string> accepted;
  for (int kill = 0; kill < kills; ++kill) {
    // Every life submits more work while earlier work runs, so kills land in submissions, turns and commits alike.
    driver_process driver({dir, "submit", std::to_string(runs), std::to_string(turns)});
    std::this_thread::sleep_for(std::chrono::milliseconds{delay_ms(random)});
    driver.kill_now();
    for (const auto& line : driver.lines()) {
      if (line.starts_with("accepted ")) {
        accepted.insert(line.substr(9));
      }
    }
  }
  driver_process last(std::vector<std::string>{dir, "work"});
  REQUIRE(last.wait_for_exit(std::chrono::seconds{180}) == 0);
  REQUIRE_FALSE(accepted.empty());

  CHECK(integrity_of(directory.path() / "folio.db") == "ok");
  folio::system_clock clock;
  auto opened = folio::open_data_directory(directory.path(), clock);
  REQUIRE(opened);
  auto& store = *opened.value().metadata;
  auto& blobs = opened.value().blobs;
  const auto org = store.find_organization("crash").value().id;

  std::set<std::string> seen_tasks;
  std::size_t interrupted_turns = 0;
  std::size_t given_up = 0;
  const auto all_runs = every_page<folio::run, folio::run_id>([&](const folio::page_request<folio::run_id>& request) {
    return store.list_runs(org, {}, request, clock.now());
  });
  for (const auto& held : all_runs) {
    const auto tasks = every_page<folio::task, folio::task_id>(
        [&](const folio::page_request<folio::task_id>& request) { return store.list_tasks(org, held.id, request); });
    std::string expected_document;
    std::int64_t expected_credits = 0;
    std::uint32_t completed = 0;
    for (auto task = tasks.rbegin(); task != tasks.rend(); ++task) {
      seen_tasks.insert(task->id.str());
      interrupted_turns += task->attempts > 1 ? 1U : 0U;
      const auto events = store.list_task_events(org, task->id, 0).value();
      const auto endings = std::count_if(events.begin(), events.end(), [](const folio::task_change& change) {
        return folio::is_terminal(change.snapshot.status);
      });
      CHECK(endings == 1);
      // A task whose process died under it max_attempts times ends failed (lease_lost), charged nothing and
      // leaving the document as it was; every other one completes.
      if (task->status == folio::task_status::failed) {
        REQUIRE(task->failure);
        CHECK(task->failure->code == folio::errc::lease_lost);
        CHECK(task->credits_used == 0);
        ++given_up;
        continue;
      }
      CHECK(task->status == folio::task_status::completed);
      ++completed;
      // The test agent charges 10 plus the number of lines the document then has: one per completed turn.
      CHECK(task->credits_used == 10 + completed);
      expected_document += task->prompt.substr(task->prompt.find(' ', 5) + 1) + "\n";
      expected_credits += 10 + completed;
    }
    CHECK(held.versions == completed);
    CHECK(held.credits_used == expected_credits);
    if (completed > 0) {
      CHECK(blobs->get(held.document_hash).value() == expected_document);
    }
    const auto versions = store.list_versions(org, held.id).value();
    for (const auto& version : versions) {
      CHECK(blobs->contains(version.hash).value());
    }
  }
  for (const auto& id : accepted) {
    CHECK(seen_tasks.contains(id));
  }
  // The kills must have landed mid-turn, or this test would prove nothing about recovery.
  CHECK(interrupted_turns > 0);
  WARN("kills: " << kills << ", accepted tasks: " << accepted.size() << ", turns interrupted and retried: "
                 << interrupted_turns << ", given up after max_attempts: " << given_up);

  folio::engine collector(
      store, *blobs, clock,
      [](std::string_view) { return folio::result<std::shared_ptr<folio::agent>>(folio::fail(folio::errc::internal)); },
      nullptr);
  REQUIRE(collector.collect_unreferenced_blobs(folio::duration{0}));
  const auto remaining = blobs->list().value();
  for (const auto& blob : remaining) {
    CHECK(store.is_blob_referenced(blob.hash).value());
  }
}
