// SQLite rows for backed_store: the store's rules live in the core; this file maps rows to SQL.
#include "wal_write_vfs.hpp"

#include <folio/backed_store.hpp>
#include <folio/sqlite_store.hpp>

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

FOLIO_BEGIN_NAMESPACE

namespace {

// Each entry moves the schema from version (index) to (index + 1). Never edit a shipped entry: append a new one.
constexpr std::array migrations = {
    R"sql(
CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  retention_ms INTEGER NOT NULL,
  purge_after_ms INTEGER NOT NULL,
  webhook_secret TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id),
  secret_hash TEXT NOT NULL UNIQUE,
  display_prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX api_keys_by_org ON api_keys(org_id, id);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organizations(id),
  format INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  first_prompt TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  expired_at INTEGER,
  purged_at INTEGER,
  document_hash TEXT NOT NULL,
  versions INTEGER NOT NULL,
  changed_externally INTEGER NOT NULL,
  agent_state TEXT NOT NULL,
  credits_used INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  turns INTEGER NOT NULL,
  queued_tasks INTEGER NOT NULL,
  running_tasks INTEGER NOT NULL,
  last_finished_status INTEGER,
  last_finished_turn INTEGER NOT NULL,
  status INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX runs_by_org ON runs(org_id, id);
CREATE INDEX runs_by_org_format ON runs(org_id, format, id);
CREATE INDEX runs_by_org_status ON runs(org_id, status, id);
CREATE INDEX runs_due_for_expiry ON runs(expires_at) WHERE expired_at IS NULL;
CREATE INDEX runs_due_for_purge ON runs(expires_at) WHERE expired_at IS NOT NULL AND purged_at IS NULL;

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id),
  org_id TEXT NOT NULL,
  format INTEGER NOT NULL,
  prompt TEXT NOT NULL,
  agent TEXT NOT NULL,
  webhook_url TEXT NOT NULL,
  status INTEGER NOT NULL,
  phase INTEGER NOT NULL,
  progress INTEGER NOT NULL,
  turn_index INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  lease_worker TEXT,
  lease_expires_at INTEGER,
  lease_token INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  credits_used INTEGER,
  error_code TEXT,
  error_message TEXT,
  error_param TEXT
) WITHOUT ROWID;
CREATE INDEX tasks_by_run ON tasks(run_id, id);
CREATE INDEX tasks_unfinished_by_run ON tasks(run_id, id) WHERE status IN (0, 1);
CREATE INDEX tasks_queued ON tasks(id) WHERE status = 0;
CREATE INDEX tasks_running ON tasks(lease_expires_at) WHERE status = 1;

CREATE TABLE task_events (
  task_id TEXT NOT NULL REFERENCES tasks(id),
  sequence INTEGER NOT NULL,
  id TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (task_id, sequence)
) WITHOUT ROWID;

CREATE TABLE document_versions (
  run_id TEXT NOT NULL REFERENCES runs(id),
  number INTEGER NOT NULL,
  hash TEXT NOT NULL,
  task_id TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, number)
) WITHOUT ROWID;
CREATE INDEX document_versions_by_hash ON document_versions(hash);

CREATE TABLE idempotency_keys (
  org_id TEXT NOT NULL,
  key TEXT NOT NULL,
  task_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);

CREATE TABLE exports (
  digest TEXT PRIMARY KEY,
  source_hash TEXT NOT NULL,
  target TEXT NOT NULL,
  options TEXT NOT NULL,
  converter_version TEXT NOT NULL,
  output_hash TEXT NOT NULL,
  media_type TEXT NOT NULL,
  page_count INTEGER,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX exports_by_source ON exports(source_hash);
CREATE INDEX exports_by_output ON exports(output_hash);
)sql",
    // 2: the queue's depth as one row kept by the store, so refusing a submission to a full queue costs the same at
    // any depth instead of counting queued tasks.
    R"sql(
CREATE TABLE queue_depth (id INTEGER PRIMARY KEY CHECK (id = 0), queued INTEGER NOT NULL);
INSERT INTO queue_depth SELECT 0, COUNT(*) FROM tasks WHERE status = 0;
)sql",
    // 3: a task's changes keep only what changes in a task, in columns; the rest is read from the task. A JSON
    // snapshot of the whole task made each change a large row (several WAL frames per change) and a JSON document to
    // build and parse.
    R"sql(
CREATE TABLE task_changes (
  task_id TEXT NOT NULL REFERENCES tasks(id),
  sequence INTEGER NOT NULL,
  id TEXT NOT NULL,
  status INTEGER NOT NULL,
  phase INTEGER NOT NULL,
  progress INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  credits_used INTEGER,
  error_code TEXT,
  error_message TEXT,
  error_param TEXT,
  PRIMARY KEY (task_id, sequence)
) WITHOUT ROWID;
INSERT INTO task_changes
  SELECT task_id, sequence, id, json_extract(snapshot, '$.status'), json_extract(snapshot, '$.phase'),
         json_extract(snapshot, '$.progress'), json_extract(snapshot, '$.cancel_requested'),
         json_extract(snapshot, '$.attempts'), json_extract(snapshot, '$.updated_at'),
         json_extract(snapshot, '$.started_at'), json_extract(snapshot, '$.finished_at'),
         json_extract(snapshot, '$.credits_used'), json_extract(snapshot, '$.error.code'),
         json_extract(snapshot, '$.error.message'), json_extract(snapshot, '$.error.param')
  FROM task_events;
DROP TABLE task_events;
)sql",
    // 4: the claim no longer asks whether a run has an earlier unfinished task (see next_claimable_task), so this
    // index, rewritten by every change of a task's status, serves nothing.
    R"sql(
DROP INDEX tasks_unfinished_by_run;
)sql",
    // 5: the webhook outbox, written with the task's end. Due deliveries are found by an index that holds only the
    // pending ones (next_attempt_at is null once a delivery is delivered or given up).
    R"sql(
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  task_id TEXT NOT NULL REFERENCES tasks(id),
  org_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER,
  delivered_at INTEGER,
  abandoned_at INTEGER,
  last_error TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_by_task ON webhook_deliveries(task_id, id);
)sql",
};

std::int64_t to_ms(timestamp when) {
  return when.time_since_epoch().count();
}
timestamp from_ms(std::int64_t ms) {
  return timestamp{std::chrono::milliseconds{ms}};
}

// One connection with its prepared statements, used by one call at a time.
class database {
public:
  database() = default;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database() {
    for (auto& [sql, statement] : statements_) {
      sqlite3_finalize(statement);
    }
    sqlite3_close_v2(handle_);
  }

  result<void> open(const std::filesystem::path& file, int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
    without_memory_statistics();
    const int opened = sqlite3_open_v2(file.c_str(), &handle_, flags | SQLITE_OPEN_NOMUTEX, wal_write_vfs_name());
    if (opened != SQLITE_OK) {
      return fail(errc::storage_error, "cannot open database " + file.string() + ": " + sqlite3_errstr(opened));
    }
    open_ = true;
    sqlite3_extended_result_codes(handle_, 1);
    sqlite3_busy_timeout(handle_, 10'000);
    return success();
  }

  result<void> exec(const std::string& sql) {
    char* message = nullptr;
    const int code = sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &message);
    if (code != SQLITE_OK) {
      std::string text = message != nullptr ? message : sqlite3_errstr(code);
      sqlite3_free(message);
      return fail(errc::storage_error, "database: " + text);
    }
    return success();
  }

  sqlite3_stmt* statement(const std::string& sql) {
    auto& cached = statements_[sql];
    if (cached == nullptr) {
      sqlite3_prepare_v3(handle_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &cached,
                         nullptr);
    }
    return cached;
  }

  // A statement without parameters or rows (BEGIN, COMMIT, SAVEPOINT …), prepared once: a write call runs several.
  result<void> run(const std::string& sql) {
    auto* prepared = statement(sql);
    if (prepared == nullptr) {
      return fail(errc::storage_error, "database: cannot prepare: " + std::string(sqlite3_errmsg(handle_)));
    }
    const int code = sqlite3_step(prepared);
    if (code != SQLITE_DONE && code != SQLITE_ROW) {
      auto failure = fail(errc::storage_error, "database: " + std::string(sqlite3_errmsg(handle_)));
      sqlite3_reset(prepared);
      return failure;
    }
    sqlite3_reset(prepared);
    return success();
  }

  [[nodiscard]] sqlite3* handle() const { return handle_; }
  [[nodiscard]] bool is_open() const { return open_; }
  bool usable = true;

private:
  // SQLite counts every allocation in global statistics under one mutex by default: every reader thread then queues
  // on it several times per query. folio reads no memory statistics. The setting must come before SQLite
  // initializes; if the process already initialized it, the call is refused and nothing changes.
  static void without_memory_statistics() {
    static const bool configured = [] {
      static_cast<void>(sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0));
      return true;
    }();
    static_cast<void>(configured);
  }

  sqlite3* handle_ = nullptr;
  bool open_ = false;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// One column's value as SQLite holds it: NULL, an integer or text (folio stores nothing else).
using sql_value = std::variant<std::monostate, std::int64_t, std::string>;

// The typed values folio binds, written once for statements and for row images (row_values). Derived provides
// put(std::int64_t), put(std::string_view) and put_null().
template <class Derived>
class value_binder {
public:
  Derived& bind(std::int64_t value) { return self().put(value); }
  Derived& bind(int value) { return bind(static_cast<std::int64_t>(value)); }
  Derived& bind(std::uint32_t value) { return bind(static_cast<std::int64_t>(value)); }
  Derived& bind(std::uint64_t value) { return bind(static_cast<std::int64_t>(value)); }
  Derived& bind(bool value) { return bind(static_cast<std::int64_t>(value ? 1 : 0)); }
  Derived& bind(timestamp value) { return bind(to_ms(value)); }
  Derived& bind(std::string_view value) { return self().put(value); }
  Derived& bind(const std::string& value) { return bind(std::string_view(value)); }
  Derived& bind(const char* value) { return bind(std::string_view(value)); }
  template <id_kind Kind>
  Derived& bind(const basic_id<Kind>& value) {
    return bind(std::string_view(value.str()));
  }
  template <class T>
  Derived& bind(const std::optional<T>& value) {
    if (value) {
      return bind(*value);
    }
    return self().put_null();
  }
  Derived& bind(const sql_value& value) {
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
      return bind(*number);
    }
    if (const auto* text = std::get_if<std::string>(&value)) {
      return bind(std::string_view(*text));
    }
    return self().put_null();
  }

  template <class... Values>
  Derived& bind_all(const Values&... values) {
    (bind(values), ...);
    return self();
  }

private:
  value_binder() = default;
  friend Derived;
  Derived& self() { return static_cast<Derived&>(*this); }
};

// A row as the values its columns would be bound to, to compare with the row as read.
class row_values : public value_binder<row_values> {
public:
  row_values& put(std::int64_t value) {
    values.emplace_back(value);
    return *this;
  }
  row_values& put(std::string_view value) {
    values.emplace_back(std::string(value));
    return *this;
  }
  row_values& put_null() {
    values.emplace_back(std::monostate{});
    return *this;
  }

  std::vector<sql_value> values;
};

// A prepared statement in use: bind, step, read columns; reset when it goes out of scope.
class query : public value_binder<query> {
public:
  query(database& owner, const std::string& sql) : owner_(owner), statement_(owner.statement(sql)) {}
  query(const query&) = delete;
  query& operator=(const query&) = delete;
  ~query() {
    if (statement_ != nullptr) {
      sqlite3_reset(statement_);
      sqlite3_clear_bindings(statement_);
    }
  }

  query& put(std::int64_t value) {
    sqlite3_bind_int64(statement_, next_++, value);
    return *this;
  }
  query& put(std::string_view value) {
    sqlite3_bind_text(statement_, next_++, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  query& put_null() {
    sqlite3_bind_null(statement_, next_++);
    return *this;
  }

  // True while a row is available.
  result<bool> step() {
    if (statement_ == nullptr) {
      return fail(errc::storage_error, "database: cannot prepare: " + std::string(sqlite3_errmsg(owner_.handle())));
    }
    if (!owner_.usable) {
      return fail(errc::storage_error, "database: no transaction could be started (the database is busy)");
    }
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) {
      return true;
    }
    if (code == SQLITE_DONE) {
      return false;
    }
    return fail(errc::storage_error, "database: " + std::string(sqlite3_errmsg(owner_.handle())));
  }

  result<void> run() {
    auto stepped = step();
    if (!stepped) {
      return stepped.error();
    }
    return success();
  }

  [[nodiscard]] bool is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  [[nodiscard]] std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
  [[nodiscard]] int small(int column) const { return sqlite3_column_int(statement_, column); }
  [[nodiscard]] std::string text(int column) const {
    const auto* bytes = sqlite3_column_text(statement_, column);
    return bytes == nullptr ? std::string()
                            : std::string(reinterpret_cast<const char*>(bytes),
                                          static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
  }
  [[nodiscard]] timestamp time(int column) const { return from_ms(integer(column)); }
  [[nodiscard]] std::optional<timestamp> optional_time(int column) const {
    return is_null(column) ? std::nullopt : std::optional<timestamp>{time(column)};
  }
  template <class Id>
  [[nodiscard]] Id id(int column) const {
    return Id::parse(text(column)).value();
  }
  // The first `count` columns as stored.
  [[nodiscard]] std::vector<sql_value> values(int count) const {
    std::vector<sql_value> row;
    row.reserve(static_cast<std::size_t>(count));
    for (int column = 0; column < count; ++column) {
      switch (sqlite3_column_type(statement_, column)) {
      case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
      case SQLITE_INTEGER: row.emplace_back(integer(column)); break;
      default: row.emplace_back(text(column)); break;
      }
    }
    return row;
  }

private:
  database& owner_;
  sqlite3_stmt* statement_;
  int next_ = 1;
};

// Reads every row of a query through `read`.
template <class T, class Read>
result<std::vector<T>> all_rows(query& statement, Read read) {
  std::vector<T> rows;
  while (true) {
    auto stepped = statement.step();
    if (!stepped) {
      return stepped.error();
    }
    if (!stepped.value()) {
      return rows;
    }
    rows.push_back(read(statement));
  }
}

template <class T, class Read>
result<std::optional<T>> one_row(query& statement, Read read) {
  auto stepped = statement.step();
  if (!stepped) {
    return stepped.error();
  }
  if (!stepped.value()) {
    return std::optional<T>{};
  }
  return std::optional<T>{read(statement)};
}

nlohmann::json to_json(const agent_state& state) {
  return {{"conversation", state.conversation}, {"memory", state.memory}};
}

agent_state agent_state_from(const std::string& text) {
  const auto parsed = nlohmann::json::parse(text);
  return {parsed.at("conversation"), parsed.at("memory")};
}

constexpr const char* organization_columns = "id, name, retention_ms, purge_after_ms, webhook_secret, created_at";

organization read_organization(const query& row) {
  return {
      row.id<org_id>(0), row.text(1), {duration{row.integer(2)}, duration{row.integer(3)}}, row.text(4), row.time(5)};
}

constexpr const char* api_key_columns = "id, org_id, secret_hash, display_prefix, created_at, revoked_at";

api_key read_api_key(const query& row) {
  return {row.id<key_id>(0), row.id<org_id>(1), row.text(2), row.text(3), row.time(4), row.optional_time(5)};
}

constexpr const char* run_columns =
    "id, org_id, format, file_name, first_prompt, metadata, created_at, updated_at, last_activity_at, expires_at, "
    "expired_at, purged_at, document_hash, versions, changed_externally, agent_state, credits_used, duration_ms, "
    "turns, queued_tasks, running_tasks, last_finished_status, last_finished_turn, status";

// Listings and summaries leave the agent state out (NULL, read as an empty state): it can be large, and parsing it
// would be most of the work of reading a run.
constexpr const char* run_list_columns =
    "id, org_id, format, file_name, first_prompt, metadata, created_at, updated_at, last_activity_at, expires_at, "
    "expired_at, purged_at, document_hash, versions, changed_externally, NULL, "
    "credits_used, duration_ms, turns, queued_tasks, running_tasks, last_finished_status, last_finished_turn, status";

run read_run(const query& row) {
  run held;
  held.id = row.id<run_id>(0);
  held.org = row.id<org_id>(1);
  held.format = static_cast<document_format>(row.small(2));
  held.file_name = row.text(3);
  held.first_prompt = row.text(4);
  // Most runs carry no metadata: no JSON to parse for them (a listing reads many runs).
  if (const auto metadata = row.text(5); metadata != "{}") {
    held.metadata = nlohmann::json::parse(metadata).get<std::map<std::string, std::string>>();
  }
  held.created_at = row.time(6);
  held.updated_at = row.time(7);
  held.last_activity_at = row.time(8);
  held.expires_at = row.time(9);
  held.expired_at = row.optional_time(10);
  held.purged_at = row.optional_time(11);
  held.document_hash = row.text(12);
  held.versions = static_cast<std::uint32_t>(row.integer(13));
  held.document_changed_externally = row.integer(14) != 0;
  if (!row.is_null(15)) {
    held.state = agent_state_from(row.text(15));
  }
  held.credits_used = row.integer(16);
  held.duration_ms = row.integer(17);
  held.turns = static_cast<std::uint32_t>(row.integer(18));
  held.queued_tasks = static_cast<std::uint32_t>(row.integer(19));
  held.running_tasks = static_cast<std::uint32_t>(row.integer(20));
  if (!row.is_null(21)) {
    held.last_finished_status = static_cast<task_status>(row.small(21));
  }
  held.last_finished_turn = row.small(22);
  held.status = static_cast<run_status>(row.small(23));
  return held;
}

template <class Binder>
void bind_run(Binder& statement, const run& held) {
  statement.bind_all(held.id, held.org, static_cast<int>(held.format), held.file_name, held.first_prompt,
                     nlohmann::json(held.metadata).dump(), held.created_at, held.updated_at, held.last_activity_at,
                     held.expires_at, held.expired_at, held.purged_at, held.document_hash, held.versions,
                     held.document_changed_externally, to_json(held.state).dump(), held.credits_used, held.duration_ms,
                     held.turns, held.queued_tasks, held.running_tasks);
  if (held.last_finished_status) {
    statement.bind(static_cast<int>(*held.last_finished_status));
  } else {
    statement.bind(std::optional<int>{});
  }
  statement.bind_all(held.last_finished_turn, static_cast<int>(held.status));
}

constexpr const char* task_columns =
    "id, run_id, org_id, format, prompt, agent, webhook_url, status, phase, progress, turn_index, cancel_requested, "
    "attempts, lease_worker, lease_expires_at, lease_token, created_at, updated_at, started_at, finished_at, "
    "credits_used, error_code, error_message, error_param";

task read_task(const query& row) {
  task work;
  work.id = row.id<task_id>(0);
  work.run = row.id<run_id>(1);
  work.org = row.id<org_id>(2);
  work.format = static_cast<document_format>(row.small(3));
  work.prompt = row.text(4);
  work.agent = row.text(5);
  work.webhook_url = row.text(6);
  work.status = static_cast<task_status>(row.small(7));
  work.phase = static_cast<task_phase>(row.small(8));
  work.progress = row.small(9);
  work.turn_index = row.small(10);
  work.cancel_requested = row.integer(11) != 0;
  work.attempts = static_cast<std::uint32_t>(row.integer(12));
  if (!row.is_null(13)) {
    work.lease = task_lease{row.text(13), row.time(14), static_cast<std::uint64_t>(row.integer(15))};
  }
  work.created_at = row.time(16);
  work.updated_at = row.time(17);
  work.started_at = row.optional_time(18);
  work.finished_at = row.optional_time(19);
  if (!row.is_null(20)) {
    work.credits_used = row.integer(20);
  }
  if (!row.is_null(21)) {
    work.failure = error{parse_errc(row.text(21)).value_or(errc::internal), row.text(22), row.text(23)};
  }
  return work;
}

template <class Binder>
void bind_task(Binder& statement, const task& work) {
  statement.bind_all(work.id, work.run, work.org, static_cast<int>(work.format), work.prompt, work.agent,
                     work.webhook_url, static_cast<int>(work.status), static_cast<int>(work.phase), work.progress,
                     work.turn_index, work.cancel_requested, work.attempts);
  if (work.lease) {
    statement.bind_all(work.lease->worker, work.lease->expires_at, work.lease->token);
  } else {
    statement.bind_all(std::optional<int>{}, std::optional<int>{}, std::optional<int>{});
  }
  statement.bind_all(work.created_at, work.updated_at, work.started_at, work.finished_at, work.credits_used);
  if (work.failure) {
    statement.bind_all(to_string(work.failure->code), work.failure->message, work.failure->param);
  } else {
    statement.bind_all(std::optional<int>{}, std::optional<int>{}, std::optional<int>{});
  }
}

// A task change as stored: the task's columns that change over its life, after the change's own.
constexpr const char* change_columns =
    "status, phase, progress, cancel_requested, attempts, updated_at, started_at, finished_at, credits_used, "
    "error_code, error_message, error_param";

// A stored change over the task it belongs to, read with the columns of changes_after's query: the change's
// sequence and id, then change_columns, then the task's columns that never change.
task_change read_change(const query& row) {
  task work;
  work.status = static_cast<task_status>(row.small(2));
  work.phase = static_cast<task_phase>(row.small(3));
  work.progress = row.small(4);
  work.cancel_requested = row.integer(5) != 0;
  work.attempts = static_cast<std::uint32_t>(row.integer(6));
  work.updated_at = row.time(7);
  work.started_at = row.optional_time(8);
  work.finished_at = row.optional_time(9);
  if (!row.is_null(10)) {
    work.credits_used = row.integer(10);
  }
  if (!row.is_null(11)) {
    work.failure = error{parse_errc(row.text(11)).value_or(errc::internal), row.text(12), row.text(13)};
  }
  work.id = row.id<task_id>(14);
  work.run = row.id<run_id>(15);
  work.org = row.id<org_id>(16);
  work.format = static_cast<document_format>(row.small(17));
  work.prompt = row.text(18);
  work.agent = row.text(19);
  work.webhook_url = row.text(20);
  work.turn_index = row.small(21);
  work.created_at = row.time(22);
  return task_change{row.id<event_id>(1), static_cast<std::uint64_t>(row.integer(0)), std::move(work)};
}

document_version read_version(const query& row) {
  document_version version{row.id<run_id>(0), static_cast<std::uint32_t>(row.integer(1)), row.text(2), std::nullopt,
                           row.time(4)};
  if (!row.is_null(3)) {
    version.written_by = row.id<task_id>(3);
  }
  return version;
}

constexpr const char* export_columns =
    "digest, source_hash, target, options, converter_version, output_hash, media_type, page_count, created_at";

export_entry read_export(const query& row) {
  export_entry entry{
      {row.text(1), row.text(2), row.text(3), row.text(4)}, row.text(5), row.text(6), std::nullopt, row.time(8)};
  if (!row.is_null(7)) {
    entry.page_count = row.small(7);
  }
  return entry;
}

constexpr const char* webhook_columns = "id, task_id, org_id, url, event_type, created_at, attempts, next_attempt_at, "
                                        "delivered_at, abandoned_at, last_error";

webhook_delivery read_webhook(const query& row) {
  webhook_delivery delivery;
  delivery.id = row.id<event_id>(0);
  delivery.task = row.id<task_id>(1);
  delivery.org = row.id<org_id>(2);
  delivery.url = row.text(3);
  delivery.event_type = row.text(4);
  delivery.created_at = row.time(5);
  delivery.attempts = static_cast<std::uint32_t>(row.integer(6));
  delivery.next_attempt_at = row.optional_time(7);
  delivery.delivered_at = row.optional_time(8);
  delivery.abandoned_at = row.optional_time(9);
  delivery.last_error = row.text(10);
  return delivery;
}

std::string placeholders(std::size_t count) {
  std::string list = "?";
  for (std::size_t index = 1; index < count; ++index) {
    list += ", ?";
  }
  return list;
}

// The names in a column list such as run_columns, in order.
std::vector<std::string> names_of(std::string_view columns) {
  std::vector<std::string> names;
  while (!columns.empty()) {
    const auto end = columns.find(',');
    names.emplace_back(columns.substr(0, end));
    columns.remove_prefix(end == std::string_view::npos ? columns.size() : end + 2);
  }
  return names;
}

// A column list with each name qualified, for a join.
std::string prefixed(const std::string& table, std::string_view columns) {
  std::string list;
  for (const auto& name : names_of(columns)) {
    list += list.empty() ? "" : ", ";
    list += table;
    list += name;
  }
  return list;
}

// A run "is expired" (is_expired in backed_store.hpp) as SQL, for listings filtered by status.
constexpr const char* expired_condition =
    "(expired_at IS NOT NULL OR (queued_tasks + running_tasks = 0 AND expires_at <= :now))";

class sqlite_tables;

// Connections of their own for read calls, each with its prepared statements: in WAL mode they read the last commit
// while the writer's transaction is open, and two of them read at once.
class reader_pool {
public:
  explicit reader_pool(std::filesystem::path file) : file_(std::move(file)) {}

  // An idle reader, or a new one (a reader whose connection did not open fails each query with why).
  std::unique_ptr<sqlite_tables> take();
  void give_back(std::unique_ptr<sqlite_tables> reader);

private:
  std::filesystem::path file_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<sqlite_tables>> idle_;
};

class read_lease;

// The backend backed_store drives. Rows only: every rule is in backed_store.
class sqlite_tables {
public:
  explicit sqlite_tables(std::unique_ptr<database> held, std::shared_ptr<reader_pool> readers = nullptr)
      : db_(std::move(held)), readers_(std::move(readers)) {}

  class transaction_scope {
  public:
    transaction_scope(database& owner, const char* begin) : owner_(&owner) {
      begun_ = owner.run(begin);
      owner.usable = begun_.has_value();
    }
    transaction_scope(transaction_scope&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), begun_(std::move(other.begun_)) {}
    transaction_scope(const transaction_scope&) = delete;
    transaction_scope& operator=(const transaction_scope&) = delete;
    transaction_scope& operator=(transaction_scope&&) = delete;
    ~transaction_scope() {
      if (owner_ != nullptr && begun_) {
        static_cast<void>(owner_->run("ROLLBACK"));
      }
      if (owner_ != nullptr) {
        owner_->usable = true;
      }
    }

    result<void> commit() {
      if (!begun_) {
        return begun_.error();
      }
      auto committed = owner_->run("COMMIT");
      owner_->usable = true;
      owner_ = nullptr;
      return committed;
    }

  private:
    database* owner_;
    result<void> begun_ = success();
  };

  // One write call inside a transaction that several share: released into it, or undone alone.
  class savepoint_scope {
  public:
    explicit savepoint_scope(sqlite_tables& owner) : owner_(&owner) {
      owner.forget_rows();
      // A transaction that could not begin stays unusable: SAVEPOINT would begin another one.
      if (owner.db_->usable) {
        begun_ = owner.db_->run("SAVEPOINT part");
      } else {
        begun_ = fail(errc::storage_error, "database: no transaction could be started (the database is busy)");
      }
    }
    savepoint_scope(savepoint_scope&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), begun_(std::move(other.begun_)) {}
    savepoint_scope(const savepoint_scope&) = delete;
    savepoint_scope& operator=(const savepoint_scope&) = delete;
    savepoint_scope& operator=(savepoint_scope&&) = delete;
    ~savepoint_scope() {
      if (owner_ != nullptr && begun_) {
        static_cast<void>(owner_->db_->run("ROLLBACK TO part"));
        static_cast<void>(owner_->db_->run("RELEASE part"));
        // The rows remembered may hold values just undone.
        owner_->forget_rows();
      }
    }

    result<void> commit() {
      if (!begun_) {
        return begun_.error();
      }
      auto released = owner_->db_->run("RELEASE part");
      owner_ = nullptr;
      return released;
    }

  private:
    sqlite_tables* owner_;
    result<void> begun_ = success();
  };

  // Writers take the write lock up front (IMMEDIATE), so two processes never both read and then fail to upgrade;
  // readers take none until they read, so listings never wait for a writer's lock.
  transaction_scope transaction() {
    forget_rows();
    return transaction_scope(*db_, "BEGIN IMMEDIATE");
  }
  transaction_scope read_transaction() {
    forget_rows();
    return transaction_scope(*db_, "BEGIN DEFERRED");
  }
  savepoint_scope savepoint() { return savepoint_scope(*this); }
  read_lease reader();
  [[nodiscard]] bool is_open() const { return db_->is_open(); }

  result<void> insert_organization(const organization& created) {
    query statement(*db_, std::string("INSERT INTO organizations (") + organization_columns + ") VALUES (" +
                              placeholders(6) + ")");
    return statement
        .bind_all(created.id, created.name, created.retention.retention.count(), created.retention.purge_after.count(),
                  created.webhook_secret, created.created_at)
        .run();
  }
  result<std::optional<organization>> organization_by_id(const org_id& id) {
    static const std::string sql = std::string("SELECT ") + organization_columns + " FROM organizations WHERE id = ?";
    query statement(*db_, sql);
    return one_row<organization>(statement.bind(id), read_organization);
  }
  result<std::optional<organization>> organization_by_name(std::string_view name) {
    query statement(*db_, std::string("SELECT ") + organization_columns + " FROM organizations WHERE name = ?");
    return one_row<organization>(statement.bind(name), read_organization);
  }
  result<std::vector<organization>> organizations() {
    query statement(*db_, std::string("SELECT ") + organization_columns + " FROM organizations ORDER BY id");
    return all_rows<organization>(statement, read_organization);
  }
  result<void> update_organization(const organization& changed) {
    query statement(*db_, "UPDATE organizations SET name = ?, retention_ms = ?, purge_after_ms = ?, "
                          "webhook_secret = ? WHERE id = ?");
    return statement
        .bind_all(changed.name, changed.retention.retention.count(), changed.retention.purge_after.count(),
                  changed.webhook_secret, changed.id)
        .run();
  }
  result<void> move_run_expiries(const org_id& org, duration retention) {
    runs_read_.clear();
    query statement(*db_, "UPDATE runs SET expires_at = last_activity_at + ? WHERE org_id = ? AND expired_at IS NULL");
    return statement.bind_all(retention.count(), org).run();
  }

  result<void> insert_api_key(const api_key& created) {
    query statement(*db_,
                    std::string("INSERT INTO api_keys (") + api_key_columns + ") VALUES (" + placeholders(6) + ")");
    return statement
        .bind_all(created.id, created.org, created.secret_hash, created.display_prefix, created.created_at,
                  created.revoked_at)
        .run();
  }
  result<std::optional<api_key>> api_key_by_id(const key_id& id) {
    query statement(*db_, std::string("SELECT ") + api_key_columns + " FROM api_keys WHERE id = ?");
    return one_row<api_key>(statement.bind(id), read_api_key);
  }
  result<std::optional<api_key>> api_key_by_hash(std::string_view secret_hash) {
    static const std::string sql =
        std::string("SELECT ") + api_key_columns + " FROM api_keys WHERE secret_hash = ? AND revoked_at IS NULL";
    query statement(*db_, sql);
    return one_row<api_key>(statement.bind(secret_hash), read_api_key);
  }
  result<std::vector<api_key>> api_keys(const org_id& org) {
    query statement(*db_, std::string("SELECT ") + api_key_columns + " FROM api_keys WHERE org_id = ? ORDER BY id");
    return all_rows<api_key>(statement.bind(org), read_api_key);
  }
  result<void> update_api_key(const api_key& changed) {
    query statement(*db_, "UPDATE api_keys SET revoked_at = ? WHERE id = ?");
    return statement.bind_all(changed.revoked_at, changed.id).run();
  }

  result<std::optional<idempotency_record>> idempotency(const org_id& org, const std::string& key) {
    query statement(*db_, "SELECT task_id, fingerprint, created_at FROM idempotency_keys WHERE org_id = ? AND key = ?");
    return one_row<idempotency_record>(statement.bind_all(org, key), [](const query& row) {
      return idempotency_record{row.id<task_id>(0), row.text(1), row.time(2)};
    });
  }
  result<void> put_idempotency(const org_id& org, const std::string& key, const idempotency_record& record) {
    query statement(*db_, "INSERT OR REPLACE INTO idempotency_keys (org_id, key, task_id, fingerprint, created_at) "
                          "VALUES (?, ?, ?, ?, ?)");
    return statement.bind_all(org, key, record.task, record.fingerprint, record.created_at).run();
  }
  result<void> forget_idempotency_before(timestamp cutoff) {
    query statement(*db_, "DELETE FROM idempotency_keys WHERE created_at < ?");
    return statement.bind(cutoff).run();
  }

  result<void> adjust_queued_count(int delta) {
    query statement(*db_, "UPDATE queue_depth SET queued = queued + ? WHERE id = 0");
    return statement.bind(delta).run();
  }
  result<std::size_t> queued_task_count() {
    query statement(*db_, "SELECT queued FROM queue_depth WHERE id = 0");
    auto count =
        one_row<std::size_t>(statement, [](const query& row) { return static_cast<std::size_t>(row.integer(0)); });
    if (!count) {
      return count.error();
    }
    return count.value().value_or(0);
  }

  result<std::optional<run>> run_by_id(const run_id& id) {
    static const std::string sql = std::string("SELECT ") + run_columns + " FROM runs WHERE id = ?";
    query statement(*db_, sql);
    return one_row<run>(statement.bind(id), [this](const query& row) { return remember_run(row); });
  }
  result<std::optional<run>> run_summary_by_id(const run_id& id) {
    static const std::string sql = std::string("SELECT ") + run_list_columns + " FROM runs WHERE id = ?";
    query statement(*db_, sql);
    return one_row<run>(statement.bind(id), read_run);
  }
  result<void> insert_run(const run& created) {
    query statement(*db_, std::string("INSERT INTO runs (") + run_columns + ") VALUES (" + placeholders(24) + ")");
    bind_run(statement, created);
    return statement.run();
  }
  result<void> update_run(const run& changed) {
    row_values row;
    bind_run(row, changed);
    static const auto names = names_of(run_columns);
    return update_row("runs", names, runs_read_, std::move(row.values));
  }
  result<std::vector<run>> runs_page(const org_id& org, const run_filter& filter, const std::optional<run_id>& before,
                                     std::size_t count, timestamp now) {
    // One SQL text per combination of filters, so each keeps a plan that walks the matching index in id order.
    std::string sql = std::string("SELECT ") + run_list_columns + " FROM runs WHERE org_id = :org";
    if (before) {
      sql += " AND id < :before";
    }
    if (filter.format) {
      sql += " AND format = :format";
    }
    if (filter.status == run_status::expired) {
      sql += std::string(" AND ") + expired_condition;
    } else if (filter.status) {
      sql += std::string(" AND status = :status AND NOT ") + expired_condition;
    }
    sql += " ORDER BY id DESC LIMIT :count";
    query statement(*db_, sql);
    statement.bind(org);
    if (before) {
      statement.bind(*before);
    }
    if (filter.format) {
      statement.bind(static_cast<int>(*filter.format));
    }
    if (filter.status == run_status::expired) {
      statement.bind(now);
    } else if (filter.status) {
      statement.bind_all(static_cast<int>(*filter.status), now);
    }
    statement.bind(static_cast<std::int64_t>(count));
    return all_rows<run>(statement, read_run);
  }

  result<std::optional<task>> task_by_id(const task_id& id) {
    static const std::string sql = std::string("SELECT ") + task_columns + " FROM tasks WHERE id = ?";
    query statement(*db_, sql);
    return one_row<task>(statement.bind(id), [this](const query& row) { return remember_task(row); });
  }
  result<void> insert_task(const task& created) {
    query statement(*db_, std::string("INSERT INTO tasks (") + task_columns + ") VALUES (" + placeholders(24) + ")");
    bind_task(statement, created);
    return statement.run();
  }
  result<void> update_task(const task& changed) {
    row_values row;
    bind_task(row, changed);
    static const auto names = names_of(task_columns);
    return update_row("tasks", names, tasks_read_, std::move(row.values));
  }
  result<std::vector<task>> tasks_page(const run_id& id, const std::optional<task_id>& before, std::size_t count) {
    query statement(*db_, before ? std::string("SELECT ") + task_columns +
                                       " FROM tasks WHERE run_id = ? AND id < ? "
                                       "ORDER BY id DESC LIMIT ?"
                                 : std::string("SELECT ") + task_columns +
                                       " FROM tasks WHERE run_id = ? ORDER BY id DESC LIMIT ?");
    statement.bind(id);
    if (before) {
      statement.bind(*before);
    }
    statement.bind(static_cast<std::int64_t>(count));
    return all_rows<task>(statement, read_task);
  }

  // Queued tasks in id order, the first whose run has nothing running. It is its run's oldest queued task: an older
  // one, of the same run and so with nothing running either, would have come first. So no task of the run before
  // it is unfinished.
  result<std::optional<task>> next_claimable_task() {
    static const std::string sql = "SELECT " + prefixed("t.", task_columns) +
                                   " FROM tasks t JOIN runs r ON r.id = t.run_id "
                                   "WHERE t.status = 0 AND r.running_tasks = 0 ORDER BY t.id LIMIT 1";
    query statement(*db_, sql);
    return one_row<task>(statement, [this](const query& row) { return remember_task(row); });
  }

  result<std::vector<task>> tasks_with_ended_leases(timestamp now, const std::string& worker) {
    query statement(*db_, std::string("SELECT ") + task_columns +
                              " FROM tasks WHERE status = 1 AND "
                              "(lease_expires_at <= ? OR (? <> '' AND lease_worker = ?))");
    return all_rows<task>(statement.bind_all(now, worker, worker),
                          [this](const query& row) { return remember_task(row); });
  }

  // Two statements: an INSERT … SELECT from the table it inserts into, or with RETURNING, runs through a temporary
  // table, which costs more than the second statement.
  result<std::uint64_t> append_change(const event_id& id, const task& snapshot) {
    query last(*db_, "SELECT COALESCE(MAX(sequence), 0) FROM task_changes WHERE task_id = ?");
    auto found = one_row<std::uint64_t>(last.bind(snapshot.id),
                                        [](const query& row) { return static_cast<std::uint64_t>(row.integer(0)); });
    if (!found) {
      return found.error();
    }
    const auto sequence = found.value().value_or(0) + 1;
    static const std::string sql = std::string("INSERT INTO task_changes (task_id, sequence, id, ") + change_columns +
                                   ") VALUES (" + placeholders(15) + ")";
    query statement(*db_, sql);
    statement.bind_all(snapshot.id, sequence, id, static_cast<int>(snapshot.status), static_cast<int>(snapshot.phase),
                       snapshot.progress, snapshot.cancel_requested, snapshot.attempts, snapshot.updated_at,
                       snapshot.started_at, snapshot.finished_at, snapshot.credits_used);
    if (snapshot.failure) {
      statement.bind_all(to_string(snapshot.failure->code), snapshot.failure->message, snapshot.failure->param);
    } else {
      statement.bind_all(std::optional<int>{}, std::optional<int>{}, std::optional<int>{});
    }
    if (auto inserted = statement.run(); !inserted) {
      return inserted.error();
    }
    return sequence;
  }
  result<std::vector<task_change>> changes_after(const task_id& id, std::uint64_t sequence) {
    static const std::string sql =
        "SELECT c.sequence, c.id, " + prefixed("c.", change_columns) +
        ", t.id, t.run_id, t.org_id, t.format, t.prompt, t.agent, t.webhook_url, t.turn_index, t.created_at "
        "FROM task_changes c JOIN tasks t ON t.id = c.task_id WHERE c.task_id = ? AND c.sequence > ? "
        "ORDER BY c.sequence";
    query statement(*db_, sql);
    return all_rows<task_change>(statement.bind_all(id, sequence), read_change);
  }

  result<void> insert_version(const document_version& created) {
    query statement(*db_,
                    "INSERT INTO document_versions (run_id, number, hash, task_id, created_at) VALUES (?, ?, ?, ?, ?)");
    return statement.bind_all(created.run, created.number, created.hash, created.written_by, created.created_at).run();
  }
  result<std::vector<document_version>> versions(const run_id& id) {
    query statement(*db_, "SELECT run_id, number, hash, task_id, created_at FROM document_versions WHERE run_id = ? "
                          "ORDER BY number");
    return all_rows<document_version>(statement.bind(id), read_version);
  }
  // Found through the primary key's run_id: a run has few versions.
  result<std::optional<document_version>> version_of_task(const run_id& id, const task_id& writer) {
    query statement(*db_, "SELECT run_id, number, hash, task_id, created_at FROM document_versions WHERE run_id = ? "
                          "AND task_id = ?");
    return one_row<document_version>(statement.bind_all(id, writer), read_version);
  }
  result<std::vector<std::string>> delete_versions(const run_id& id) {
    query select(*db_, "SELECT hash FROM document_versions WHERE run_id = ?");
    auto hashes = all_rows<std::string>(select.bind(id), [](const query& row) { return row.text(0); });
    if (!hashes) {
      return hashes.error();
    }
    query remove(*db_, "DELETE FROM document_versions WHERE run_id = ?");
    if (auto removed = remove.bind(id).run(); !removed) {
      return removed.error();
    }
    return hashes;
  }
  result<bool> hash_referenced(const std::string& hash) {
    query statement(*db_, "SELECT EXISTS (SELECT 1 FROM document_versions WHERE hash = ?1) OR "
                          "EXISTS (SELECT 1 FROM exports WHERE output_hash = ?1)");
    auto found = one_row<bool>(statement.bind(hash), [](const query& row) { return row.integer(0) != 0; });
    if (!found) {
      return found.error();
    }
    return found.value().value_or(false);
  }

  result<std::vector<run>> runs_due_for_expiry(timestamp now, std::size_t max_runs) {
    query statement(*db_, std::string("SELECT ") + run_columns +
                              " FROM runs WHERE expired_at IS NULL AND expires_at <= ? "
                              "AND queued_tasks + running_tasks = 0 LIMIT ?");
    return all_rows<run>(statement.bind_all(now, static_cast<std::int64_t>(max_runs)),
                         [this](const query& row) { return remember_run(row); });
  }
  result<std::vector<run>> runs_due_for_purge(timestamp now, std::size_t max_runs) {
    query statement(*db_, std::string("SELECT ") + run_columns +
                              " FROM runs WHERE expired_at IS NOT NULL AND purged_at IS NULL "
                              "AND expires_at + (SELECT purge_after_ms FROM organizations o "
                              "WHERE o.id = runs.org_id) <= ? LIMIT ?");
    return all_rows<run>(statement.bind_all(now, static_cast<std::int64_t>(max_runs)),
                         [this](const query& row) { return remember_run(row); });
  }

  result<std::optional<export_entry>> export_by_digest(const std::string& digest) {
    query statement(*db_, std::string("SELECT ") + export_columns + " FROM exports WHERE digest = ?");
    return one_row<export_entry>(statement.bind(digest), read_export);
  }
  result<void> put_export(const export_entry& entry) {
    query statement(*db_, std::string("INSERT OR REPLACE INTO exports (") + export_columns + ") VALUES (" +
                              placeholders(9) + ")");
    return statement
        .bind_all(entry.key.digest(), entry.key.source_hash, entry.key.target, entry.key.options,
                  entry.key.converter_version, entry.output_hash, entry.media_type, entry.page_count, entry.created_at)
        .run();
  }
  result<std::vector<std::string>> delete_exports_of(const std::string& source_hash) {
    query select(*db_, "SELECT output_hash FROM exports WHERE source_hash = ?");
    auto outputs = all_rows<std::string>(select.bind(source_hash), [](const query& row) { return row.text(0); });
    if (!outputs) {
      return outputs.error();
    }
    query remove(*db_, "DELETE FROM exports WHERE source_hash = ?");
    if (auto removed = remove.bind(source_hash).run(); !removed) {
      return removed.error();
    }
    return outputs;
  }

  result<void> insert_webhook(const webhook_delivery& created) {
    static const std::string sql =
        std::string("INSERT INTO webhook_deliveries (") + webhook_columns + ") VALUES (" + placeholders(11) + ")";
    query statement(*db_, sql);
    return statement
        .bind_all(created.id, created.task, created.org, created.url, created.event_type, created.created_at,
                  created.attempts, created.next_attempt_at, created.delivered_at, created.abandoned_at,
                  created.last_error)
        .run();
  }
  result<std::optional<webhook_delivery>> webhook_by_id(const event_id& id) {
    static const std::string sql = std::string("SELECT ") + webhook_columns + " FROM webhook_deliveries WHERE id = ?";
    query statement(*db_, sql);
    return one_row<webhook_delivery>(statement.bind(id), read_webhook);
  }
  result<void> update_webhook(const webhook_delivery& changed) {
    query statement(*db_, "UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ?, delivered_at = ?, "
                          "abandoned_at = ?, last_error = ? WHERE id = ?");
    return statement
        .bind_all(changed.attempts, changed.next_attempt_at, changed.delivered_at, changed.abandoned_at,
                  changed.last_error, changed.id)
        .run();
  }
  result<std::vector<webhook_delivery>> webhooks_of_task(const task_id& id) {
    static const std::string sql =
        std::string("SELECT ") + webhook_columns + " FROM webhook_deliveries WHERE task_id = ? ORDER BY id";
    query statement(*db_, sql);
    return all_rows<webhook_delivery>(statement.bind(id), read_webhook);
  }
  result<std::vector<webhook_delivery>> due_webhooks(timestamp now, std::size_t max) {
    static const std::string sql = std::string("SELECT ") + webhook_columns +
                                   " FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL AND "
                                   "next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?";
    query statement(*db_, sql);
    return all_rows<webhook_delivery>(statement.bind_all(now, static_cast<std::int64_t>(max)), read_webhook);
  }
  result<std::size_t> running_task_count() { return count("SELECT COUNT(*) FROM tasks WHERE status = 1"); }
  result<std::size_t> pending_webhook_count() {
    return count("SELECT COUNT(*) FROM webhook_deliveries WHERE next_attempt_at IS NOT NULL");
  }

private:
  result<std::size_t> count(const std::string& sql) {
    query statement(*db_, sql);
    auto counted =
        one_row<std::size_t>(statement, [](const query& row) { return static_cast<std::size_t>(row.integer(0)); });
    if (!counted) {
      return counted.error();
    }
    return counted.value().value_or(0);
  }

  // Rows by id as this transaction has read or written them, column by column.
  using held_rows = std::unordered_map<std::string, std::vector<sql_value>>;

  void forget_rows() {
    runs_read_.clear();
    tasks_read_.clear();
  }

  // Only the writer updates rows; a reader has nothing to remember them for.
  [[nodiscard]] bool remembers_rows() const { return readers_ != nullptr; }

  run remember_run(const query& row) {
    if (!remembers_rows()) {
      return read_run(row);
    }
    auto values = row.values(24);
    auto key = std::get<std::string>(values.front());
    runs_read_.insert_or_assign(std::move(key), std::move(values));
    return read_run(row);
  }

  task remember_task(const query& row) {
    if (!remembers_rows()) {
      return read_task(row);
    }
    auto values = row.values(24);
    auto key = std::get<std::string>(values.front());
    tasks_read_.insert_or_assign(std::move(key), std::move(values));
    return read_task(row);
  }

  // Sets only the columns whose value differs from the row as this transaction last saw it (all of them for a row it
  // has not read). SQLite rewrites the index entries of every column an UPDATE sets, changed or not, and each page
  // a commit touches is one more frame written to the WAL: a claim that set every column of its run rewrote all
  // five of the run's index entries.
  result<void> update_row(const char* table, const std::vector<std::string>& names, held_rows& held,
                          std::vector<sql_value> after) {
    auto key = std::get<std::string>(after.front());
    const auto before = held.find(key);
    std::string sql = std::string("UPDATE ") + table + " SET ";
    std::vector<std::size_t> changed;
    for (std::size_t column = 1; column < names.size(); ++column) {
      if (before == held.end() || before->second[column] != after[column]) {
        sql += std::string(changed.empty() ? "" : ", ") + names[column] + " = ?";
        changed.push_back(column);
      }
    }
    if (changed.empty()) {
      return success();
    }
    query statement(*db_, sql + " WHERE id = ?");
    for (const auto column : changed) {
      statement.bind(after[column]);
    }
    if (auto written = statement.bind(after.front()).run(); !written) {
      return written;
    }
    held.insert_or_assign(std::move(key), std::move(after));
    return success();
  }

  std::unique_ptr<database> db_;
  // The writer's pool of readers; null in a reader.
  std::shared_ptr<reader_pool> readers_;
  held_rows runs_read_;
  held_rows tasks_read_;
};

// One read call's reader, in a read transaction for as long as the lease lasts; then back in its pool.
class read_lease {
public:
  read_lease(std::shared_ptr<reader_pool> pool, std::unique_ptr<sqlite_tables> reader)
      : pool_(std::move(pool)), reader_(std::move(reader)), transaction_(reader_->read_transaction()) {}
  read_lease(read_lease&&) noexcept = default;
  read_lease(const read_lease&) = delete;
  read_lease& operator=(const read_lease&) = delete;
  read_lease& operator=(read_lease&&) = delete;
  ~read_lease() {
    transaction_.reset();
    if (pool_ && reader_) {
      pool_->give_back(std::move(reader_));
    }
  }

  sqlite_tables& rows() { return *reader_; }

private:
  std::shared_ptr<reader_pool> pool_;
  std::unique_ptr<sqlite_tables> reader_;
  std::optional<sqlite_tables::transaction_scope> transaction_;
};

read_lease sqlite_tables::reader() {
  return {readers_, readers_->take()};
}

std::unique_ptr<sqlite_tables> reader_pool::take() {
  {
    const std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto reader = std::move(idle_.back());
      idle_.pop_back();
      return reader;
    }
  }
  auto db = std::make_unique<database>();
  // query_only: a reader that tried to write would fail rather than take the writer's place.
  if (db->open(file_, SQLITE_OPEN_READWRITE)) {
    static_cast<void>(db->exec("PRAGMA query_only = ON"));
  }
  return std::make_unique<sqlite_tables>(std::move(db));
}

void reader_pool::give_back(std::unique_ptr<sqlite_tables> reader) {
  if (!reader->is_open()) {
    return;
  }
  const std::lock_guard lock(mutex_);
  idle_.push_back(std::move(reader));
}

// The data version of a database file, read from its WAL index: the shared memory (DIR/folio.db-shm) through which
// every connection of every process learns of commits. Its header (https://sqlite.org/walformat.html, "The WAL-Index
// Header") is written twice by each commit, second copy first, and a commit is published, visible to any reader,
// exactly when that header changes; `iChange` counts the commits. A reader beginning a transaction reads both copies
// and retries while they differ; this does the same without taking a read lock, so asking costs a few loads instead
// of a read transaction and its two fcntl calls. The mapping is the connection's own (the VFS's xShmMap), valid while
// the connection is open; a connection of this process stays open meanwhile, so no process deletes the file.
class change_watch {
public:
  explicit change_watch(std::filesystem::path file) : file_(std::move(file)) {}

  result<std::uint64_t> version() {
    const std::lock_guard lock(mutex_);
    if (header_ == nullptr) {
      if (auto mapped = map_header(); !mapped) {
        return mapped.error();
      }
    }
    std::array<std::uint32_t, header_words> first{};
    std::array<std::uint32_t, header_words> second{};
    for (std::size_t index = 0; index < header_words; ++index) {
      first.at(index) = __atomic_load_n(header_ + index, __ATOMIC_ACQUIRE);
    }
    for (std::size_t index = 0; index < header_words; ++index) {
      second.at(index) = __atomic_load_n(header_ + header_words + index, __ATOMIC_ACQUIRE);
    }
    // Copies that differ are a commit being published: counted as a change, and read again next time.
    if (first != second || !last_seen_ || *last_seen_ != first) {
      ++version_;
      last_seen_ = first == second ? std::optional(first) : std::nullopt;
    }
    return version_;
  }

private:
  // One copy of the header: 48 bytes.
  static constexpr std::size_t header_words = 12;
  // SQLite maps the WAL index in regions of this size.
  static constexpr int region_bytes = 32768;

  result<void> map_header() {
    auto opened = std::make_unique<database>();
    if (auto done = opened->open(file_, SQLITE_OPEN_READWRITE); !done) {
      return done.error();
    }
    if (auto guarded = opened->exec("PRAGMA query_only = ON"); !guarded) {
      return guarded.error();
    }
    // A read transaction opens the WAL index.
    if (auto read = opened->exec("SELECT count(*) FROM sqlite_schema"); !read) {
      return read.error();
    }
    sqlite3_file* handle = nullptr;
    volatile void* region = nullptr;
    if (sqlite3_file_control(opened->handle(), "main", SQLITE_FCNTL_FILE_POINTER, static_cast<void*>(&handle)) !=
            SQLITE_OK ||
        handle == nullptr || handle->pMethods == nullptr || handle->pMethods->iVersion < 2 ||
        handle->pMethods->xShmMap(handle, 0, region_bytes, 0, &region) != SQLITE_OK || region == nullptr) {
      return fail(errc::storage_error, "cannot read the WAL index of " + file_.string());
    }
    connection_ = std::move(opened);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): SQLite hands the shared memory out as volatile; every
    // read of it here is an atomic load, which is what volatile stood for.
    header_ = static_cast<const std::uint32_t*>(const_cast<void*>(region));
    return success();
  }

  std::filesystem::path file_;
  std::mutex mutex_;
  std::unique_ptr<database> connection_;
  const std::uint32_t* header_ = nullptr;
  std::optional<std::array<std::uint32_t, header_words>> last_seen_;
  std::uint64_t version_ = 0;
};

class sqlite_store final : public backed_store<sqlite_tables> {
public:
  sqlite_store(std::unique_ptr<database> db, const std::filesystem::path& file, const clock& time_source,
               store_limits limits)
      : backed_store(sqlite_tables(std::move(db), std::make_shared<reader_pool>(file)), time_source, limits),
        watch_(file) {}

  // Other processes write the same file (the admin commands, other servers): their commits count too.
  result<std::uint64_t> data_version() override { return watch_.version(); }

private:
  change_watch watch_;
};

result<int> schema_version_of(database& db) {
  query statement(db, "PRAGMA user_version");
  auto version = one_row<int>(statement, [](const query& row) { return row.small(0); });
  if (!version) {
    return version.error();
  }
  return version.value().value_or(0);
}

result<void> migrate(database& db, const std::filesystem::path& file) {
  if (auto locked = db.exec("BEGIN IMMEDIATE"); !locked) {
    return fail(errc::storage_error,
                file.string() + " is not a folio database or is corrupt (" + locked.error().message + ")");
  }
  auto version = schema_version_of(db);
  if (!version) {
    static_cast<void>(db.exec("ROLLBACK"));
    return fail(errc::storage_error,
                file.string() + " is not a folio database or is corrupt (" + version.error().message + ")");
  }
  if (version.value() < 0 || static_cast<std::size_t>(version.value()) > sqlite_schema_version) {
    static_cast<void>(db.exec("ROLLBACK"));
    return fail(errc::storage_error, file.string() + " was written by a newer folio (schema " +
                                         std::to_string(version.value()) + "; this folio knows up to " +
                                         std::to_string(sqlite_schema_version) + "); it was left untouched");
  }
  for (auto step = static_cast<std::size_t>(version.value()); step < migrations.size(); ++step) {
    if (auto applied = db.exec(migrations[step]); !applied) {
      static_cast<void>(db.exec("ROLLBACK"));
      return fail(errc::storage_error, "cannot migrate " + file.string() + " to schema " + std::to_string(step + 1) +
                                           ": " + applied.error().message);
    }
  }
  if (auto stamped = db.exec("PRAGMA user_version = " + std::to_string(migrations.size())); !stamped) {
    static_cast<void>(db.exec("ROLLBACK"));
    return stamped.error();
  }
  return db.exec("COMMIT");
}

} // namespace

result<std::unique_ptr<store>> open_sqlite_store(const std::filesystem::path& file, const clock& time_source,
                                                 store_limits limits) {
  static_assert(sqlite_schema_version == migrations.size(), "migrations and sqlite_schema_version move together");
  auto db = std::make_unique<database>();
  if (auto opened = db->open(file); !opened) {
    return opened.error();
  }
  // WAL with synchronous=NORMAL: a committed transaction survives any crash of the process (kill -9); only a power
  // loss can drop the last transactions, never corrupt the file. See docs/adr/0005.
  // A larger checkpoint threshold than the default 1,000 pages keeps checkpoints (and their fsyncs) out of most
  // commits.
  // Savepoints (shared transactions) journal the pages they change; in memory, not in temporary files.
  for (const char* setting : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
                              "PRAGMA wal_autocheckpoint = 8000", "PRAGMA temp_store = MEMORY"}) {
    if (auto applied = db->exec(setting); !applied) {
      return fail(errc::storage_error,
                  file.string() + " is not a folio database or is corrupt (" + applied.error().message + ")");
    }
  }
  if (auto migrated = migrate(*db, file); !migrated) {
    return migrated.error();
  }
  return std::unique_ptr<store>(std::make_unique<sqlite_store>(std::move(db), file, time_source, limits));
}

FOLIO_END_NAMESPACE
