// A VFS over the platform's default one that writes each WAL frame with one system call instead of two. SQLite
// writes a frame as its 24-byte header and then its page, at the next offset, and those writes were the largest part
// of a commit's cost. Every other call goes straight to the default VFS. The only thing held back is a small write
// until the next call on the same file: the page that follows a header is joined to it, and anything else writes the
// held bytes first. SQLite publishes frames in the WAL index only after writing them, so no reader meets a frame
// that is not in the file, and a crash mid-frame leaves a torn frame that WAL recovery drops as it always did.
#include "wal_write_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>

FOLIO_BEGIN_NAMESPACE

namespace {

// What a header may be held back as (a frame header is 24 bytes, the WAL file header 32).
constexpr int held_limit = 64;

// Lives in the memory SQLite allocates for a file (szOsFile), so it stays a plain struct.
struct wal_file {
  sqlite3_file base;
  sqlite3_file* inner;
  unsigned char* joined;
  int joined_size;
  int held_size;
  sqlite3_int64 held_offset;
  unsigned char held[held_limit];
};

sqlite3_vfs* inner_vfs = nullptr;
sqlite3_vfs wal_vfs{};
sqlite3_io_methods wal_methods{};

wal_file* self(sqlite3_file* file) {
  return reinterpret_cast<wal_file*>(file);
}

sqlite3_file* inner(sqlite3_file* file) {
  return self(file)->inner;
}

// Writes a held header on its own: the call that follows is not its page.
int release_held(wal_file* file) {
  if (file->held_size == 0) {
    return SQLITE_OK;
  }
  const int size = file->held_size;
  file->held_size = 0;
  return file->inner->pMethods->xWrite(file->inner, file->held, size, file->held_offset);
}

int wal_write(sqlite3_file* handle, const void* bytes, int size, sqlite3_int64 offset) {
  auto* file = self(handle);
  if (file->held_size > 0 && file->held_offset + file->held_size == offset) {
    const int total = file->held_size + size;
    if (total > file->joined_size) {
      auto* grown = static_cast<unsigned char*>(sqlite3_realloc(file->joined, total));
      if (grown == nullptr) {
        return SQLITE_IOERR_NOMEM;
      }
      file->joined = grown;
      file->joined_size = total;
    }
    std::memcpy(file->joined, file->held, static_cast<std::size_t>(file->held_size));
    std::memcpy(file->joined + file->held_size, bytes, static_cast<std::size_t>(size));
    const auto start = file->held_offset;
    file->held_size = 0;
    return file->inner->pMethods->xWrite(file->inner, file->joined, total, start);
  }
  if (const int released = release_held(file); released != SQLITE_OK) {
    return released;
  }
  if (size <= held_limit) {
    std::memcpy(file->held, bytes, static_cast<std::size_t>(size));
    file->held_size = size;
    file->held_offset = offset;
    return SQLITE_OK;
  }
  return file->inner->pMethods->xWrite(file->inner, bytes, size, offset);
}

int wal_close(sqlite3_file* handle) {
  auto* file = self(handle);
  const int released = release_held(file);
  const int closed = file->inner->pMethods->xClose(file->inner);
  sqlite3_free(file->joined);
  sqlite3_free(file->inner);
  return released != SQLITE_OK ? released : closed;
}

// Every other call sees the file as SQLite wrote it: a held header is written first.
int wal_read(sqlite3_file* handle, void* bytes, int size, sqlite3_int64 offset) {
  if (const int released = release_held(self(handle)); released != SQLITE_OK) {
    return released;
  }
  return inner(handle)->pMethods->xRead(inner(handle), bytes, size, offset);
}
int wal_truncate(sqlite3_file* handle, sqlite3_int64 size) {
  if (const int released = release_held(self(handle)); released != SQLITE_OK) {
    return released;
  }
  return inner(handle)->pMethods->xTruncate(inner(handle), size);
}
int wal_sync(sqlite3_file* handle, int flags) {
  if (const int released = release_held(self(handle)); released != SQLITE_OK) {
    return released;
  }
  return inner(handle)->pMethods->xSync(inner(handle), flags);
}
int wal_file_size(sqlite3_file* handle, sqlite3_int64* size) {
  if (const int released = release_held(self(handle)); released != SQLITE_OK) {
    return released;
  }
  return inner(handle)->pMethods->xFileSize(inner(handle), size);
}
int wal_lock(sqlite3_file* handle, int level) {
  return inner(handle)->pMethods->xLock(inner(handle), level);
}
int wal_unlock(sqlite3_file* handle, int level) {
  if (const int released = release_held(self(handle)); released != SQLITE_OK) {
    return released;
  }
  return inner(handle)->pMethods->xUnlock(inner(handle), level);
}
int wal_check_reserved_lock(sqlite3_file* handle, int* reserved) {
  return inner(handle)->pMethods->xCheckReservedLock(inner(handle), reserved);
}
int wal_file_control(sqlite3_file* handle, int operation, void* argument) {
  if (const int released = release_held(self(handle)); released != SQLITE_OK) {
    return released;
  }
  return inner(handle)->pMethods->xFileControl(inner(handle), operation, argument);
}
int wal_sector_size(sqlite3_file* handle) {
  return inner(handle)->pMethods->xSectorSize(inner(handle));
}
int wal_device_characteristics(sqlite3_file* handle) {
  return inner(handle)->pMethods->xDeviceCharacteristics(inner(handle));
}
int wal_shm_map(sqlite3_file* handle, int region, int size, int extend, void volatile** memory) {
  return inner(handle)->pMethods->xShmMap(inner(handle), region, size, extend, memory);
}
int wal_shm_lock(sqlite3_file* handle, int offset, int count, int flags) {
  return inner(handle)->pMethods->xShmLock(inner(handle), offset, count, flags);
}
void wal_shm_barrier(sqlite3_file* handle) {
  inner(handle)->pMethods->xShmBarrier(inner(handle));
}
int wal_shm_unmap(sqlite3_file* handle, int remove) {
  return inner(handle)->pMethods->xShmUnmap(inner(handle), remove);
}
int wal_fetch(sqlite3_file* handle, sqlite3_int64 offset, int size, void** memory) {
  if (const int released = release_held(self(handle)); released != SQLITE_OK) {
    return released;
  }
  return inner(handle)->pMethods->xFetch(inner(handle), offset, size, memory);
}
int wal_unfetch(sqlite3_file* handle, sqlite3_int64 offset, void* memory) {
  return inner(handle)->pMethods->xUnfetch(inner(handle), offset, memory);
}

// Only WAL files are wrapped. The database and its journals are the default VFS's own files, opened in place (the
// VFS's file size is the larger of the two).
int open_file(sqlite3_vfs* /*vfs*/, sqlite3_filename name, sqlite3_file* handle, int flags, int* opened_flags) {
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    return inner_vfs->xOpen(inner_vfs, name, handle, flags, opened_flags);
  }
  auto* file = self(handle);
  file->base.pMethods = nullptr;
  auto* opened = static_cast<sqlite3_file*>(sqlite3_malloc(inner_vfs->szOsFile));
  if (opened == nullptr) {
    return SQLITE_NOMEM;
  }
  std::memset(opened, 0, static_cast<std::size_t>(inner_vfs->szOsFile));
  const int code = inner_vfs->xOpen(inner_vfs, name, opened, flags, opened_flags);
  if (code != SQLITE_OK || opened->pMethods->iVersion < wal_methods.iVersion) {
    // A failed open may still need closing (sqlite3_vfs documentation).
    if (opened->pMethods != nullptr) {
      opened->pMethods->xClose(opened);
    }
    sqlite3_free(opened);
    return code != SQLITE_OK ? code : SQLITE_CANTOPEN;
  }
  file->inner = opened;
  file->joined = nullptr;
  file->joined_size = 0;
  file->held_size = 0;
  file->held_offset = 0;
  file->base.pMethods = &wal_methods;
  return SQLITE_OK;
}

} // namespace

const char* wal_write_vfs_name() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    inner_vfs = sqlite3_vfs_find(nullptr);
    wal_vfs = *inner_vfs;
    wal_vfs.szOsFile = std::max(inner_vfs->szOsFile, static_cast<int>(sizeof(wal_file)));
    wal_vfs.zName = "folio-wal-writes";
    wal_vfs.pNext = nullptr;
    wal_vfs.xOpen = open_file;
    wal_methods = {3,
                   wal_close,
                   wal_read,
                   wal_write,
                   wal_truncate,
                   wal_sync,
                   wal_file_size,
                   wal_lock,
                   wal_unlock,
                   wal_check_reserved_lock,
                   wal_file_control,
                   wal_sector_size,
                   wal_device_characteristics,
                   wal_shm_map,
                   wal_shm_lock,
                   wal_shm_barrier,
                   wal_shm_unmap,
                   wal_fetch,
                   wal_unfetch};
    // Not the default: nothing else in the process changes VFS.
    sqlite3_vfs_register(&wal_vfs, 0);
  });
  return wal_vfs.zName;
}

FOLIO_END_NAMESPACE
