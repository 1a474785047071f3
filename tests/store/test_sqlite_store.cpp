// The SQLite store against the conformance suite, and what only a file-backed store has to prove: schema
// versions, refusal of newer or corrupt files, durability across reopening.
#include "temp_directory.hpp"

#include <folio/file_blob_store.hpp>
#include <folio/ids.hpp>
#include <folio/sqlite_store.hpp>

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>

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
  {
    // What schema 1 looked like: no queue_depth table.
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
