// The SQLite store: every fact of folio::store in one database file (WAL, foreign keys, busy timeout, prepared
// statements), with a versioned schema migrated forward at open. Several processes may open the same file.
#pragma once

#include <folio/clock.hpp>
#include <folio/store.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>

FOLIO_BEGIN_NAMESPACE

// The schema this build writes. A file written by a newer schema is refused at open, never modified.
inline constexpr std::size_t sqlite_schema_version = 5;

// Opens (creating if absent) the database at `file` and migrates it to sqlite_schema_version. Refusals: a newer
// schema, a file that is not a SQLite database or is corrupt, a directory that cannot be written (storage_error,
// with a message that says which).
result<std::unique_ptr<store>> open_sqlite_store(const std::filesystem::path& file, const clock& time_source,
                                                 store_limits limits = {});

FOLIO_END_NAMESPACE
