// The SQLite store against the conformance suite, and what only a file-backed store has to prove: schema
// versions, refusal of newer or corrupt files, durability across reopening.
#include "temp_directory.hpp"

#include <folio/file_blob_store.hpp>
#include <folio/ids.hpp>
#include <folio/sqlite_store.hpp>

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

namespace {
struct sqlite_store_fixture {
  folio::manual_clock clock;
  folio_test::temp_directory directory;
  std::unique_ptr<folio::store> held;

  folio::store& open(folio::store_limits limits) {
    auto opened = folio::open_sqlite_store(directory.path() / "folio.db", clock, limits);
    REQUIRE(opened);
    held = std::move(opened).value();
    return *held;
  }
};

// Schemas 1 and 2 kept each task change as a JSON snapshot of the whole task, in task_events, indexed each run's
// unfinished tasks and had no webhook outbox: this puts a database written now back in that shape, as an older folio
// would have left it.
void rewind_changes_to_snapshots(const std::filesystem::path& file) {
  sqlite3* handle = nullptr;
  sqlite3_open(file.c_str(), &handle);
  const char* rewind = R"sql(
CREATE TABLE task_events (
  task_id TEXT NOT NULL REFERENCES tasks(id),
  sequence INTEGER NOT NULL,
  id TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (task_id, sequence)
) WITHOUT ROWID;
INSERT INTO task_events
  SELECT c.task_id, c.sequence, c.id,
         json_object('id', t.id, 'run', t.run_id, 'org', t.org_id, 'format', t.format, 'prompt', t.prompt,
                     'agent', t.agent, 'webhook_url', t.webhook_url, 'status', c.status, 'phase', c.phase,
                     'progress', c.progress, 'turn_index', t.turn_index,
                     'cancel_requested', json(CASE WHEN c.cancel_requested THEN 'true' ELSE 'false' END),
                     'attempts', c.attempts, 'created_at', t.created_at, 'updated_at', c.updated_at,
                     'started_at', c.started_at, 'finished_at', c.finished_at, 'credits_used', c.credits_used,
                     'error', CASE WHEN c.error_code IS NULL THEN NULL ELSE
                       json_object('code', c.error_code, 'message', c.error_message, 'param', c.error_param) END)
  FROM task_changes c JOIN tasks t ON t.id = c.task_id;
DROP TABLE task_changes;
CREATE INDEX tasks_unfinished_by_run ON tasks(run_id, id) WHERE status IN (0, 1);
DROP TABLE webhook_deliveries;
PRAGMA user_version = 2;
)sql";
  REQUIRE(sqlite3_exec(handle, rewind, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(handle);
}

int user_version(const std::filesystem::path& file) {
  sqlite3* handle = nullptr;
  sqlite3_open(file.c_str(), &handle);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(handle, "PRAGMA user_version", -1, &statement, nullptr);
  sqlite3_step(statement);
  const int version = sqlite3_column_int(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(handle);
  return version;
}
// A SQLite store in a file of its own, with the organization "acme" and a submission for it.
struct acme_store {
  folio::manual_clock clock;
  folio_test::temp_directory directory;
  std::filesystem::path file = directory.path() / "folio.db";
  folio::id_generator ids;
  folio::org_id org;
  std::unique_ptr<folio::store> held;
  folio::submission made;

  explicit acme_store(std::uint64_t seed) : ids(clock, seed), org(ids.next<folio::org_id>()) {
    auto opened = folio::open_sqlite_store(file, clock);
    REQUIRE(opened);
    held = std::move(opened).value();
    REQUIRE(held->create_organization({org, "acme", {}, "whsec", clock.now()}));
    made.org = org;
    made.prompt = "Create a Q3 sales report";
  }

  folio::result<folio::submit_outcome> submit() {
    return held->submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now());
  }
};
} // namespace

#define FOLIO_STORE_FIXTURES sqlite_store_fixture
#include "store_conformance.hpp"

TEST_CASE("sqlite store keeps everything across reopening", "[store][sqlite]") {
  folio::manual_clock clock;
  folio_test::temp_directory directory;
  const auto file = directory.path() / "folio.db";
  folio::id_generator ids(clock, 3);
  const auto org = ids.next<folio::org_id>();
  folio::run_id run;
  {
    auto opened = folio::open_sqlite_store(file, clock);
    REQUIRE(opened);
    auto& store = *opened.value();
    REQUIRE(store.create_organization({org, "acme", {}, "whsec", clock.now()}));
    folio::submission made;
    made.org = org;
    made.prompt = "Create a Q3 sales report";
    made.metadata = {{"crm", "42"}};
    const auto outcome = store.submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now());
    REQUIRE(outcome);
    run = outcome.value().run_after.id;
    auto claimed = store.claim_next("w", clock.now(), std::chrono::seconds{30});
    REQUIRE(claimed);
    folio::turn_commit landed{
        claimed.value()->work.id, claimed.value()->work.lease->token, std::string(64, 'a'), {}, 84};
    landed.state.memory = {{"sheets", {"Q3 Sales"}}};
    landed.state.conversation = {{{"role", "user"}, {"content", "Create a Q3 sales report"}}};
    REQUIRE(store.commit_turn(landed, clock.now()));
  }
  auto reopened = folio::open_sqlite_store(file, clock);
  REQUIRE(reopened);
  const auto held = reopened.value()->get_run(org, run, clock.now());
  REQUIRE(held);
  CHECK(held.value().status == folio::run_status::completed);
  CHECK(held.value().credits_used == 84);
  CHECK(held.value().metadata.at("crm") == "42");
  CHECK(held.value().state.memory.at("sheets")[0] == "Q3 Sales");
  CHECK(held.value().state.conversation.size() == 1);
  CHECK(held.value().document_hash == std::string(64, 'a'));
  CHECK(user_version(file) == static_cast<int>(folio::sqlite_schema_version));
}

TEST_CASE("sqlite store's commits are there for another connection at once, as for a backup tool", "[store][sqlite]") {
  acme_store acme(4);
  auto& store = *acme.held;
  const auto& clock = acme.clock;

  // The plain SQLite library with its default VFS, as the sqlite3 shell or another process would open the file.
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open_v2(acme.file.c_str(), &reader, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  const auto count = [&](const char* sql) {
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(reader, sql, -1, &statement, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
    const auto counted = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return counted;
  };
  for (int index = 1; index <= 3; ++index) {
    REQUIRE(acme.submit());
    CHECK(count("SELECT COUNT(*) FROM tasks") == index);
  }
  const auto claimed = store.claim_next("w", clock.now(), std::chrono::seconds{30}).value();
  REQUIRE(claimed);
  REQUIRE(store.commit_turn({claimed->work.id, claimed->work.lease->token, std::string(64, 'a'), {}, 7}, clock.now()));
  CHECK(count("SELECT COUNT(*) FROM task_changes") == 5);
  CHECK(count("SELECT credits_used FROM runs WHERE status = 2") == 7);
  CHECK(count("SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1);
  sqlite3_close(reader);
}

TEST_CASE("sqlite store's data version sees what other connections and processes commit", "[store][sqlite]") {
  acme_store acme(8);
  auto& store = *acme.held;
  const auto version = [&store] {
    auto answered = store.data_version();
    REQUIRE(answered);
    return answered.value();
  };
  const auto start = version();
  CHECK(version() == start);

  // Another folio process (the admin commands open the store this way) adds a key.
  auto other = folio::open_sqlite_store(acme.file, acme.clock);
  REQUIRE(other);
  const folio::api_key added{acme.ids.next<folio::key_id>(),
                             acme.org,
                             folio::hash_api_key_secret("sk_other"),
                             "sk_oth",
                             acme.clock.now(),
                             std::nullopt};
  REQUIRE(other.value()->create_api_key(added));
  const auto after_other_store = version();
  CHECK(after_other_store > start);
  CHECK(version() == after_other_store);

  // Any program writing the file with the plain SQLite library (another process's connection).
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open_v2(acme.file.c_str(), &writer, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer, "UPDATE api_keys SET revoked_at = 1", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(writer);
  const auto after_plain_write = version();
  CHECK(after_plain_write > after_other_store);
  CHECK(store.find_api_key(folio::hash_api_key_secret("sk_other")).error() == folio::errc::not_found);

  // This store's own writer, and nothing for reads.
  REQUIRE(acme.submit());
  const auto after_submit = version();
  CHECK(after_submit > after_plain_write);
  CHECK(store.list_runs(acme.org, {}, {}, acme.clock.now()));
  CHECK(version() == after_submit);

  // Every single commit is seen, whichever connection made it, however quickly they follow each other.
  int unseen = 0;
  auto last = version();
  for (int round = 0; round < 300; ++round) {
    if (round % 2 == 0) {
      REQUIRE(acme.submit());
    } else {
      REQUIRE(other.value()->create_api_key({acme.ids.next<folio::key_id>(), acme.org,
                                             folio::hash_api_key_secret("sk_" + std::to_string(round)), "sk_",
                                             acme.clock.now(), std::nullopt}));
    }
    const auto now_seen = version();
    unseen += now_seen == last ? 1 : 0;
    last = now_seen;
  }
  CHECK(unseen == 0);
}

TEST_CASE("sqlite store answers reads while its writer waits for another process's write lock", "[store][sqlite]") {
  acme_store acme(6);
  auto& store = *acme.held;
  const auto& clock = acme.clock;
  const auto& org = acme.org;
  const auto first = acme.submit();
  REQUIRE(first);

  // Another process (the admin command, a backup tool) holds the write lock: the store's next write waits for it.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(acme.file.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  std::atomic<bool> written{false};
  folio::result<folio::submit_outcome> second = folio::fail(folio::errc::internal, "not submitted");
  std::thread writer([&] {
    second = acme.submit();
    written = true;
  });
  // Time for the writer to take the store's mutex and start waiting for the lock (up to its 10 s busy timeout).
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  // Reads answer meanwhile, from the last commit, without waiting for the writer.
  for (int read = 0; read < 20; ++read) {
    const auto task = store.get_task(org, first.value().created.id);
    REQUIRE(task);
    CHECK(task.value().status == folio::task_status::queued);
    const auto listed = store.list_runs(org, {}, {}, clock.now());
    REQUIRE(listed);
    CHECK(listed.value().items.size() == 1);
    CHECK(store.gauges().value().queued_tasks == 1);
  }
  CHECK_FALSE(written);
  REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  writer.join();
  REQUIRE(second);
  CHECK(store.list_runs(org, {}, {}, clock.now()).value().items.size() == 2);
  CHECK(store.get_task(org, second.value().created.id).value().status == folio::task_status::queued);
}

TEST_CASE("sqlite store migrates a schema 1 database forward, keeping its data", "[store][sqlite]") {
  folio::manual_clock clock;
  folio_test::temp_directory directory;
  const auto file = directory.path() / "folio.db";
  folio::id_generator ids(clock, 5);
  const auto org = ids.next<folio::org_id>();
  {
    auto opened = folio::open_sqlite_store(file, clock);
    REQUIRE(opened);
    REQUIRE(opened.value()->create_organization({org, "acme", {}, "whsec", clock.now()}));
    folio::submission made;
    made.org = org;
    made.prompt = "Create a Q3 sales report";
    for (int index = 0; index < 3; ++index) {
      REQUIRE(opened.value()->submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now()));
    }
  }
  rewind_changes_to_snapshots(file);
  {
    // What schema 1 looked like: no queue_depth table either.
    sqlite3* handle = nullptr;
    sqlite3_open(file.c_str(), &handle);
    REQUIRE(sqlite3_exec(handle, "DROP TABLE queue_depth; PRAGMA user_version = 1", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(handle);
  }
  folio::store_limits limits;
  limits.max_queued_tasks = 4;
  auto migrated = folio::open_sqlite_store(file, clock, limits);
  REQUIRE(migrated);
  CHECK(user_version(file) == static_cast<int>(folio::sqlite_schema_version));
  folio::submission made;
  made.org = org;
  made.prompt = "one more";
  // The three queued tasks of schema 1 were counted by the migration: the fourth fits, the fifth does not.
  CHECK(migrated.value()->submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now()));
  CHECK(migrated.value()->submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now()).error() ==
        folio::errc::queue_full);
}

TEST_CASE("sqlite store migrates a schema 2 database forward, keeping every task change", "[store][sqlite]") {
  folio::manual_clock clock;
  folio_test::temp_directory directory;
  const auto file = directory.path() / "folio.db";
  folio::id_generator ids(clock, 9);
  const auto org = ids.next<folio::org_id>();
  std::vector<folio::task_change> before;
  folio::task_id failed;
  folio::task_id landed;
  {
    auto opened = folio::open_sqlite_store(file, clock);
    REQUIRE(opened);
    auto& store = *opened.value();
    REQUIRE(store.create_organization({org, "acme", {}, "whsec", clock.now()}));
    folio::submission made;
    made.org = org;
    made.prompt = "Create a Q3 sales report";
    failed =
        store.submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now()).value().created.id;
    landed =
        store.submit(made, {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now()).value().created.id;
    const auto first = store.claim_next("w", clock.now(), std::chrono::seconds{30}).value();
    const auto second = store.claim_next("w", clock.now(), std::chrono::seconds{30}).value();
    REQUIRE(first);
    REQUIRE(second);
    clock.advance(std::chrono::milliseconds{40});
    REQUIRE(store.report_progress(second->work.id, second->work.lease->token, folio::task_phase::agent_turn, 30,
                                  clock.now()));
    REQUIRE(store.finish_turn(first->work.id, first->work.lease->token, folio::task_event::fail,
                              folio::error{folio::errc::prompt_not_understood, "no such command", "prompt"},
                              clock.now()));
    REQUIRE(store.commit_turn({second->work.id, second->work.lease->token, std::string(64, 'a'), {}, 21}, clock.now()));
    for (const auto& id : {failed, landed}) {
      const auto changes = store.list_task_events(org, id, 0).value();
      before.insert(before.end(), changes.begin(), changes.end());
    }
  }
  rewind_changes_to_snapshots(file);
  REQUIRE(user_version(file) == 2);

  auto migrated = folio::open_sqlite_store(file, clock);
  REQUIRE(migrated);
  CHECK(user_version(file) == static_cast<int>(folio::sqlite_schema_version));
  std::vector<folio::task_change> after;
  for (const auto& id : {failed, landed}) {
    const auto changes = migrated.value()->list_task_events(org, id, 0).value();
    after.insert(after.end(), changes.begin(), changes.end());
  }
  REQUIRE(after.size() == before.size());
  CHECK(after.size() == 7);
  for (std::size_t index = 0; index < after.size(); ++index) {
    const auto& was = before[index];
    const auto& now = after[index];
    CHECK(now.id == was.id);
    CHECK(now.sequence == was.sequence);
    CHECK(now.snapshot.id == was.snapshot.id);
    CHECK(now.snapshot.run == was.snapshot.run);
    CHECK(now.snapshot.prompt == was.snapshot.prompt);
    CHECK(now.snapshot.turn_index == was.snapshot.turn_index);
    CHECK(now.snapshot.status == was.snapshot.status);
    CHECK(now.snapshot.phase == was.snapshot.phase);
    CHECK(now.snapshot.progress == was.snapshot.progress);
    CHECK(now.snapshot.attempts == was.snapshot.attempts);
    CHECK(now.snapshot.updated_at == was.snapshot.updated_at);
    CHECK(now.snapshot.started_at == was.snapshot.started_at);
    CHECK(now.snapshot.finished_at == was.snapshot.finished_at);
    CHECK(now.snapshot.credits_used == was.snapshot.credits_used);
    CHECK(now.snapshot.failure.has_value() == was.snapshot.failure.has_value());
  }
  const auto ended = migrated.value()->list_task_events(org, failed, 2).value();
  REQUIRE(ended.size() == 1);
  REQUIRE(ended[0].snapshot.failure);
  CHECK(ended[0].snapshot.failure->code == folio::errc::prompt_not_understood);
  CHECK(ended[0].snapshot.failure->message == "no such command");
  CHECK(ended[0].snapshot.failure->param == "prompt");
  // Numbering goes on after the migrated changes.
  auto again = migrated.value()->submit(
      [&] {
        folio::submission made;
        made.org = org;
        made.prompt = "one more";
        return made;
      }(),
      {ids.next<folio::run_id>(), ids.next<folio::task_id>()}, clock.now());
  REQUIRE(again);
  CHECK(migrated.value()->list_task_events(org, again.value().created.id, 0).value().at(0).sequence == 1);
}

TEST_CASE("sqlite store refuses a database written by a newer schema and leaves it untouched", "[store][sqlite]") {
  folio::manual_clock clock;
  folio_test::temp_directory directory;
  const auto file = directory.path() / "folio.db";
  REQUIRE(folio::open_sqlite_store(file, clock));
  {
    sqlite3* handle = nullptr;
    sqlite3_open(file.c_str(), &handle);
    sqlite3_exec(handle, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(handle);
  }
  auto refused = folio::open_sqlite_store(file, clock);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == folio::errc::storage_error);
  CHECK_THAT(refused.error().message, Catch::Contains("newer folio") && Catch::Contains("schema 99"));
  CHECK(user_version(file) == 99);
}

TEST_CASE("sqlite store reports a corrupt or foreign file instead of crashing", "[store][sqlite]") {
  folio::manual_clock clock;
  folio_test::temp_directory directory;
  const auto file = directory.path() / "folio.db";
  {
    std::ofstream garbage(file, std::ios::binary);
    garbage << std::string(8192, 'x');
  }
  auto refused = folio::open_sqlite_store(file, clock);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == folio::errc::storage_error);
  CHECK_THAT(refused.error().message, Catch::Contains("not a folio database or is corrupt"));

  auto unwritable = folio::open_sqlite_store(directory.path() / "missing" / "folio.db", clock);
  REQUIRE_FALSE(unwritable);
  CHECK(unwritable.error().code == folio::errc::storage_error);
}

TEST_CASE("file blob store writes blobs by hash and survives reopening", "[store][sqlite]") {
  folio_test::temp_directory directory;
  std::string hash;
  {
    auto blobs = folio::file_blob_store::open(directory.path() / "blobs");
    REQUIRE(blobs);
    auto stored = blobs.value()->put("PK\x03\x04 workbook bytes");
    REQUIRE(stored);
    hash = stored.value();
    CHECK(std::filesystem::exists(blobs.value()->path_of(hash)));
    CHECK(blobs.value()->put("PK\x03\x04 workbook bytes").value() == hash);
  }
  // A write interrupted by a crash leaves only a temporary, which reopening removes.
  {
    std::ofstream leftover(directory.path() / "blobs" / "tmp" / "half-written", std::ios::binary);
    leftover << "half";
  }
  auto reopened = folio::file_blob_store::open(directory.path() / "blobs");
  REQUIRE(reopened);
  auto& blobs = *reopened.value();
  CHECK(std::filesystem::is_empty(directory.path() / "blobs" / "tmp"));
  CHECK(blobs.get(hash).value() == "PK\x03\x04 workbook bytes");
  const auto listed = blobs.list().value();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].hash == hash);
  CHECK(blobs.get("../../etc/passwd").error() == folio::errc::not_found);
  CHECK(blobs.get(std::string(64, 'f')).error() == folio::errc::not_found);
  REQUIRE(blobs.remove(hash));
  REQUIRE(blobs.remove(hash));
  CHECK_FALSE(blobs.contains(hash).value());
}
