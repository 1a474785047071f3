// The SQLite VFS the store opens its database with (wal_write_vfs.cpp): the platform's default, with each WAL frame
// written in one system call.
#pragma once

#include <folio/version.hpp>

FOLIO_BEGIN_NAMESPACE

// Registers the VFS on first use (not as the default one) and answers its name, for sqlite3_open_v2.
const char* wal_write_vfs_name();

FOLIO_END_NAMESPACE
