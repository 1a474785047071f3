// The embedded default's data directory: DIR/folio.db (SQLite, with its -wal and -shm files) for metadata and
// DIR/blobs/ab/abcdef… for document and export bytes. README.md says what to back up.
#pragma once

#include <folio/file_blob_store.hpp>
#include <folio/sqlite_store.hpp>

#include <filesystem>
#include <memory>

FOLIO_BEGIN_NAMESPACE

struct data_directory {
  std::unique_ptr<store> metadata;
  std::unique_ptr<file_blob_store> blobs;
};

// Creates the directory if needed, then opens (and migrates) the database and the blob store in it.
result<data_directory> open_data_directory(const std::filesystem::path& root, const clock& time_source,
                                           store_limits limits = {});

FOLIO_END_NAMESPACE
