// Listing runs newest first, a page of 20, through store::list_runs on the SQLite store, with 10k, 100k and 1M runs in
// the listed organization and as many again in another one whose runs interleave with them, so the organization filter
// has work to do. The databases are written directly with sqlite3 (store::submit would take hours for a million
// runs) and cached under /tmp/folio-bench-cache, so only the first run pays for building them.
#include <folio/digest.hpp>
#include <folio/ids.hpp>
#include <folio/run.hpp>
#include <folio/sqlite_store.hpp>

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr std::array runs_per_org_sizes{std::size_t{10'000}, std::size_t{100'000}, std::size_t{1'000'000}};
constexpr std::int64_t calls_per_case = 2000;
constexpr std::size_t page_limit = 20;

// Every listing is read at this fixed instant, so a cached database means the same thing on any later day. The runs
// were created over the 29 days before it under the default 30-day retention: none has expired, and the status
// filters see the stored statuses.
const folio::timestamp listing_now = folio::manual_clock{}.now();
constexpr folio::duration history = std::chrono::days{29};
constexpr folio::duration retention = std::chrono::days{30};

const fs::path& cache_directory() {
  static const fs::path directory = fs::temp_directory_path() / "folio-bench-cache";
  return directory;
}

struct connection_closer {
  void operator()(sqlite3* handle) const { sqlite3_close_v2(handle); }
};
using connection = std::unique_ptr<sqlite3, connection_closer>;

struct statement_finalizer {
  void operator()(sqlite3_stmt* prepared) const { sqlite3_finalize(prepared); }
};
using prepared_statement = std::unique_ptr<sqlite3_stmt, statement_finalizer>;

folio::error database_failure(sqlite3* handle, const std::string& what) {
  return folio::fail(folio::errc::storage_error, what + ": " + sqlite3_errmsg(handle));
}

folio::result<connection> open_connection(const fs::path& file) {
  sqlite3* handle = nullptr;
  const int opened = sqlite3_open_v2(file.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr);
  connection held(handle);
  if (opened != SQLITE_OK) {
    return database_failure(handle, "cannot open " + file.string());
  }
  return held;
}

folio::result<void> exec(sqlite3* handle, const std::string& sql) {
  if (sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return database_failure(handle, sql);
  }
  return folio::success();
}

folio::result<prepared_statement> prepare(sqlite3* handle, const std::string& sql) {
  sqlite3_stmt* prepared = nullptr;
  if (sqlite3_prepare_v2(handle, sql.c_str(), static_cast<int>(sql.size()), &prepared, nullptr) != SQLITE_OK) {
    return database_failure(handle, "cannot prepare " + sql);
  }
  return prepared_statement(prepared);
}

void bind_text(sqlite3_stmt* prepared, int index, const std::string& text) {
  sqlite3_bind_text(prepared, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string column_text(sqlite3_stmt* prepared, int column) {
  const auto* bytes = sqlite3_column_text(prepared, column);
  return bytes == nullptr ? std::string()
                          : std::string(reinterpret_cast<const char*>(bytes),
                                        static_cast<std::size_t>(sqlite3_column_bytes(prepared, column)));
}

// The first column of the first row of a query with one text parameter.
folio::result<std::string> first_text(sqlite3* handle, const std::string& sql, const std::string& parameter) {
  auto prepared = prepare(handle, sql);
  if (!prepared) {
    return prepared.error();
  }
  bind_text(prepared.value().get(), 1, parameter);
  if (sqlite3_step(prepared.value().get()) != SQLITE_ROW) {
    return database_failure(handle, "no row for " + sql);
  }
  return column_text(prepared.value().get(), 0);
}

// The run columns as stores/sqlite/sqlite_store.cpp declares and orders them.
const std::string run_columns =
    "id, org_id, format, file_name, first_prompt, metadata, created_at, updated_at, last_activity_at, expires_at, "
    "expired_at, purged_at, document_hash, versions, changed_externally, agent_state, credits_used, duration_ms, "
    "turns, queued_tasks, running_tasks, last_finished_status, last_finished_turn, status";

std::int64_t to_ms(folio::timestamp when) {
  return when.time_since_epoch().count();
}

// Finished runs of one turn each, as a busy organization leaves them: 80 % completed, 10 % failed, 10 % cancelled,
// the three formats equally often. Runs of the two organizations alternate in time, so in the primary key and in any
// index not led by org_id the other organization's rows sit between the listed one's.
folio::result<void> insert_runs(sqlite3* handle, const folio::org_id& listed, const folio::org_id& other,
                                std::size_t runs_per_org) {
  auto insert =
      prepare(handle, "INSERT INTO runs (" + run_columns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) {
    return insert.error();
  }
  sqlite3_stmt* row = insert.value().get();
  folio::manual_clock clock;
  folio::id_generator ids(clock, 42);
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int> tenth(0, 9);
  std::uniform_int_distribution<int> format_index(0, 2);
  std::uniform_int_distribution<std::int64_t> turn_ms(5'000, 60'000);
  const std::string prompt = "Build a quarterly sales summary with one sheet per region";
  const std::string agent_state =
      R"({"conversation":[{"content":")" + prompt + R"(","role":"user"}],"memory":{"lines":1}})";
  const std::string metadata = R"({"project":"q3-planning"})";
  const std::int64_t total = static_cast<std::int64_t>(2 * runs_per_org);
  const auto first = listing_now - history;
  for (std::int64_t index = 0; index < total; ++index) {
    const auto created = first + folio::duration{index * history.count() / total};
    clock.set(created);
    const auto id = ids.next<folio::run_id>();
    const int draw = tenth(random);
    const auto finished = draw < 8   ? folio::task_status::completed
                          : draw < 9 ? folio::task_status::failed
                                     : folio::task_status::cancelled;
    const auto status = finished == folio::task_status::completed ? folio::run_status::completed
                        : finished == folio::task_status::failed  ? folio::run_status::failed
                                                                  : folio::run_status::cancelled;
    const bool completed = finished == folio::task_status::completed;
    const auto format = folio::all_document_formats.at(static_cast<std::size_t>(format_index(random)));
    const std::int64_t took = turn_ms(random);
    const auto last_activity = created + folio::duration{took};

    sqlite3_reset(row);
    bind_text(row, 1, id.str());
    bind_text(row, 2, (index % 2 == 0 ? listed : other).str());
    sqlite3_bind_int(row, 3, static_cast<int>(format));
    bind_text(row, 4, std::string(folio::default_file_name(format)));
    bind_text(row, 5, prompt);
    bind_text(row, 6, metadata);
    sqlite3_bind_int64(row, 7, to_ms(created));
    sqlite3_bind_int64(row, 8, to_ms(last_activity));
    sqlite3_bind_int64(row, 9, to_ms(last_activity));
    sqlite3_bind_int64(row, 10, to_ms(last_activity + retention));
    sqlite3_bind_null(row, 11);
    sqlite3_bind_null(row, 12);
    bind_text(row, 13, completed ? folio::sha256_hex(id.str()) : std::string());
    sqlite3_bind_int(row, 14, completed ? 1 : 0);
    sqlite3_bind_int(row, 15, 0);
    bind_text(row, 16, agent_state);
    sqlite3_bind_int(row, 17, completed ? 11 : 0);
    sqlite3_bind_int64(row, 18, took);
    sqlite3_bind_int(row, 19, 1);
    sqlite3_bind_int(row, 20, 0);
    sqlite3_bind_int(row, 21, 0);
    sqlite3_bind_int(row, 22, static_cast<int>(finished));
    sqlite3_bind_int(row, 23, 1);
    sqlite3_bind_int(row, 24, static_cast<int>(status));
    if (sqlite3_step(row) != SQLITE_DONE) {
      return database_failure(handle, "cannot insert run " + id.str());
    }
  }
  return folio::success();
}

// Builds the database under a temporary name and renames it into place, so an interrupted build is never reused.
folio::result<void> build_database(const fs::path& file, std::size_t runs_per_org) {
  std::cerr << "building " << file.string() << " (" << runs_per_org << " runs in each of two organizations)\n";
  const auto began = steady::now();
  const fs::path partial = file.string() + ".partial";
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(partial.string() + suffix, ignored);
  }
  folio::manual_clock clock(listing_now - history - 1h);
  folio::id_generator ids(clock, 41);
  const auto listed = ids.next<folio::org_id>();
  const auto other = ids.next<folio::org_id>();
  {
    // The store creates the schema and the organizations, so both are exactly what the store itself writes.
    auto opened = folio::open_sqlite_store(partial, clock);
    if (!opened) {
      return opened.error();
    }
    for (const auto& [id, name] : {std::pair{listed, "listed"}, std::pair{other, "other"}}) {
      if (auto created = opened.value()->create_organization({id, name, {}, "whsec", clock.now()}); !created) {
        return created.error();
      }
    }
  }
  auto db = open_connection(partial);
  if (!db) {
    return db.error();
  }
  sqlite3* handle = db.value().get();
  // No journal and no syncs: a build that fails is thrown away whole, so nothing needs to survive a crash.
  for (const char* setting :
       {"PRAGMA journal_mode = OFF", "PRAGMA synchronous = OFF", "PRAGMA cache_size = -524288", "BEGIN"}) {
    if (auto applied = exec(handle, setting); !applied) {
      return applied.error();
    }
  }
  if (auto inserted = insert_runs(handle, listed, other, runs_per_org); !inserted) {
    return inserted.error();
  }
  if (auto committed = exec(handle, "COMMIT"); !committed) {
    return committed.error();
  }
  db.value().reset();
  fs::rename(partial, file);
  std::cerr << "built in " << std::chrono::duration<double>(steady::now() - began).count() << " s\n";
  return folio::success();
}

struct listed_database {
  fs::path file;
  folio::org_id org;
  // The run halfway down the listed organization's listing: the cursor of a page from the middle.
  folio::run_id middle;
};

// The database for a size, built on first use and then taken from the cache.
folio::result<listed_database> database_for(std::size_t runs_per_org) {
  static std::map<std::size_t, listed_database> ready;
  if (const auto found = ready.find(runs_per_org); found != ready.end()) {
    return found->second;
  }
  // Keyed by schema version too: a database of an older schema would be migrated, not what the name promises.
  const auto file = cache_directory() / ("runs-schema" + std::to_string(folio::sqlite_schema_version) + "-" +
                                         std::to_string(runs_per_org) + ".sqlite");
  if (!fs::exists(file)) {
    std::error_code failure;
    fs::create_directories(cache_directory(), failure);
    if (auto built = build_database(file, runs_per_org); !built) {
      return built.error();
    }
  }
  auto db = open_connection(file);
  if (!db) {
    return db.error();
  }
  auto org = first_text(db.value().get(), "SELECT id FROM organizations WHERE name = ?", "listed");
  if (!org) {
    return org.error();
  }
  auto middle = first_text(db.value().get(),
                           "SELECT id FROM runs WHERE org_id = ? ORDER BY id DESC LIMIT 1 OFFSET " +
                               std::to_string(runs_per_org / 2),
                           org.value());
  if (!middle) {
    return middle.error();
  }
  listed_database made{file, folio::org_id::parse(org.value()).value(), folio::run_id::parse(middle.value()).value()};
  return ready.emplace(runs_per_org, std::move(made)).first->second;
}

struct listing_case {
  const char* name;
  folio::run_filter filter;
  bool from_middle = false;
};

const std::array listing_cases{
    listing_case{"newest", {}, false},
    listing_case{"format_word", {folio::document_format::word, std::nullopt}, false},
    listing_case{"status_completed", {std::nullopt, folio::run_status::completed}, false},
    listing_case{"status_failed", {std::nullopt, folio::run_status::failed}, false},
    listing_case{"cursor_middle", {}, true},
};

// The SQL runs_page in stores/sqlite/sqlite_store.cpp builds for a filter, copied here only to EXPLAIN it: the
// store keeps its statements to itself. Keep the two in step.
std::string listing_sql(const folio::run_filter& filter, bool cursor) {
  const std::string expired_condition =
      "(expired_at IS NOT NULL OR (queued_tasks + running_tasks = 0 AND expires_at <= :now))";
  std::string sql = "SELECT " + run_columns + " FROM runs WHERE org_id = :org";
  if (cursor) {
    sql += " AND id < :before";
  }
  if (filter.format) {
    sql += " AND format = :format";
  }
  if (filter.status == folio::run_status::expired) {
    sql += " AND " + expired_condition;
  } else if (filter.status) {
    sql += " AND status = :status AND NOT " + expired_condition;
  }
  return sql + " ORDER BY id DESC LIMIT :count";
}

// Prints SQLite's plan for a listing shape to stderr, indented as SQLite nests it.
void explain(const fs::path& file, const listing_case& shape) {
  auto db = open_connection(file);
  if (!db) {
    std::cerr << "EXPLAIN failed: " << db.error().message << "\n";
    return;
  }
  const auto sql = listing_sql(shape.filter, shape.from_middle);
  auto plan = prepare(db.value().get(), "EXPLAIN QUERY PLAN " + sql);
  if (!plan) {
    std::cerr << "EXPLAIN failed: " << plan.error().message << "\n";
    return;
  }
  std::cerr << "EXPLAIN QUERY PLAN (" << shape.name << ") " << sql << "\n";
  std::map<int, int> depth_of{{0, 0}};
  while (sqlite3_step(plan.value().get()) == SQLITE_ROW) {
    const int id = sqlite3_column_int(plan.value().get(), 0);
    const int depth = depth_of[sqlite3_column_int(plan.value().get(), 1)] + 1;
    depth_of[id] = depth;
    std::cerr << std::string(static_cast<std::size_t>(2 * depth), ' ') << column_text(plan.value().get(), 3) << "\n";
  }
}

// The CPU time of the calling thread. On a shared machine a call's wall time includes the time the scheduler gave its
// core to another process; its CPU time does not, so the two together tell the store's cost from the machine's load.
double thread_cpu_us() {
  timespec spent{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spent);
  return static_cast<double>(spent.tv_sec) * 1e6 + static_cast<double>(spent.tv_nsec) / 1e3;
}

// How often the scheduler has taken the core from this thread while it could still run.
long involuntary_switches() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_nivcsw;
}

// Nearest-rank percentile of samples sorted ascending.
double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) {
    return 0;
  }
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

void list_runs(benchmark::State& state, std::size_t runs_per_org, const listing_case& shape) {
  auto database = database_for(runs_per_org);
  if (!database) {
    state.SkipWithError(database.error().message.c_str());
    return;
  }
  static std::set<std::string> explained;
  if (explained.insert(shape.name).second) {
    explain(database.value().file, shape);
  }
  const folio::manual_clock clock(listing_now);
  auto opened = folio::open_sqlite_store(database.value().file, clock);
  if (!opened) {
    state.SkipWithError(opened.error().message.c_str());
    return;
  }
  auto& store = *opened.value();
  folio::page_request<folio::run_id> request;
  request.limit = page_limit;
  if (shape.from_middle) {
    request.before = database.value().middle;
  }
  std::vector<double> latencies_us;
  std::vector<double> cpu_us;
  latencies_us.reserve(static_cast<std::size_t>(calls_per_case));
  cpu_us.reserve(static_cast<std::size_t>(calls_per_case));
  const long switches_before = involuntary_switches();
  for (auto _ : state) {
    const auto began = steady::now();
    const double cpu_began = thread_cpu_us();
    auto page = store.list_runs(database.value().org, shape.filter, request, listing_now);
    cpu_us.push_back(thread_cpu_us() - cpu_began);
    latencies_us.push_back(std::chrono::duration<double, std::micro>(steady::now() - began).count());
    if (!page || page.value().items.size() != page_limit || !page.value().next_cursor) {
      state.SkipWithError(page ? "a page came back short" : page.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(page);
  }
  state.counters["preempted"] = static_cast<double>(involuntary_switches() - switches_before);
  std::sort(latencies_us.begin(), latencies_us.end());
  std::sort(cpu_us.begin(), cpu_us.end());
  state.counters["p50_us"] = percentile(latencies_us, 0.50);
  state.counters["p99_us"] = percentile(latencies_us, 0.99);
  state.counters["cpu_p99_us"] = percentile(cpu_us, 0.99);
}

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  for (const auto runs_per_org : runs_per_org_sizes) {
    for (const auto& shape : listing_cases) {
      const auto name = "list_runs/" + std::to_string(runs_per_org) + "/" + shape.name;
      benchmark::RegisterBenchmark(
          name.c_str(), [runs_per_org, &shape](benchmark::State& state) { list_runs(state, runs_per_org, shape); })
          ->Iterations(calls_per_case)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
