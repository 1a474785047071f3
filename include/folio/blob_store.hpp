// Document bytes, content-addressed by SHA-256: the same bytes are stored once, and a hash names them forever.
#pragma once

#include <folio/clock.hpp>
#include <folio/errors.hpp>

#include <string>
#include <string_view>
#include <vector>

FOLIO_BEGIN_NAMESPACE

struct blob_info {
  std::string hash;
  // When the bytes were stored: collection spares recent blobs, which a turn may be about to commit.
  timestamp written_at;
};

class blob_store {
public:
  virtual ~blob_store() = default;
  // Durable when it returns: the hash may then be committed in the metadata store.
  virtual result<std::string> put(std::string_view bytes) = 0;
  // not_found for a hash never stored or removed.
  virtual result<std::string> get(const std::string& hash) = 0;
  virtual result<bool> contains(const std::string& hash) = 0;
  // Removing an absent blob succeeds: collection is safe to run twice.
  virtual result<void> remove(const std::string& hash) = 0;
  virtual result<std::vector<blob_info>> list() = 0;
};

FOLIO_END_NAMESPACE
