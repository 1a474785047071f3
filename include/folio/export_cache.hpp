// Exports are cached by what determines their bytes: the source document's content hash, the target format, the
// options and the converter's version. A second request for the same key never converts again, and concurrent
// identical requests run one conversion (single flight) whose result they all share.
#pragma once

#include <folio/blob_store.hpp>
#include <folio/clock.hpp>
#include <folio/converter.hpp>
#include <folio/digest.hpp>
#include <folio/errors.hpp>

#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>

FOLIO_BEGIN_NAMESPACE

struct export_key {
  std::string source_hash;
  std::string target;
  // Canonical JSON of the options that change the output (page, width, sheet), keys sorted.
  std::string options = "{}";
  std::string converter_version;

  [[nodiscard]] std::string digest() const {
    return sha256_hex(source_hash + "\n" + target + "\n" + options + "\n" + converter_version);
  }
};

struct export_entry {
  export_key key;
  std::string output_hash;
  std::string media_type;
  std::optional<int> page_count;
  timestamp created_at;
};

// Where cache entries are kept: the metadata store implements this next to the runs, so purging a document also
// forgets its exports.
class export_index {
public:
  virtual ~export_index() = default;
  virtual result<std::optional<export_entry>> find_export(const std::string& key_digest) = 0;
  virtual result<void> put_export(const export_entry& entry) = 0;
};

class export_cache {
public:
  using conversion = std::function<result<conversion_output>()>;

  export_cache(export_index& index, blob_store& blobs, const clock& time_source)
      : index_(index), blobs_(blobs), clock_(time_source) {}

  struct answer {
    export_entry entry;
    // True when this call found the export already made (by an earlier call or a concurrent one).
    bool cached = false;
  };

  result<answer> get_or_convert(const export_key& key, const conversion& convert) {
    const auto digest = key.digest();
    std::promise<result<export_entry>> produced;
    std::shared_future<result<export_entry>> waiting;
    {
      const std::lock_guard lock(mutex_);
      auto found = index_.find_export(digest);
      if (!found) {
        return found.error();
      }
      if (found.value()) {
        return answer{*found.value(), true};
      }
      if (const auto running = in_flight_.find(digest); running != in_flight_.end()) {
        waiting = running->second;
      } else {
        in_flight_.emplace(digest, produced.get_future().share());
      }
    }
    if (waiting.valid()) {
      const auto& shared = waiting.get();
      if (!shared) {
        return shared.error();
      }
      return answer{shared.value(), true};
    }
    auto made = make(key, convert);
    produced.set_value(made);
    const std::lock_guard lock(mutex_);
    in_flight_.erase(digest);
    if (!made) {
      return made.error();
    }
    return answer{made.value(), false};
  }

private:
  result<export_entry> make(const export_key& key, const conversion& convert) {
    auto converted = convert();
    if (!converted) {
      return converted.error();
    }
    auto stored = blobs_.put(converted.value().bytes);
    if (!stored) {
      return stored.error();
    }
    export_entry entry{key, stored.value(), converted.value().media_type, converted.value().page_count, clock_.now()};
    if (auto indexed = index_.put_export(entry); !indexed) {
      return indexed.error();
    }
    return entry;
  }

  export_index& index_;
  blob_store& blobs_;
  const clock& clock_;
  std::mutex mutex_;
  std::map<std::string, std::shared_future<result<export_entry>>> in_flight_;
};

FOLIO_END_NAMESPACE
