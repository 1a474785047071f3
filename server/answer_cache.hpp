// Answers of read routes kept for the callers that ask again: a client polling a task, a dashboard listing runs. An
// answer is reused only while it is exactly what the route would answer now. It is kept under the store's data
// version read before the route read anything, and under the wall-clock second it was made in, and is found only
// under both again: any commit to the store (from this process or another: a key revoked by the admin command, a task
// finishing) moves the version and retires every kept answer at once, and so does the next second. The second bounds
// what the store's version cannot see: signed links carry an expiry in whole seconds (an answer reused within its
// second has the very link a new one would), and runs expire at their instant without a write, so a listing shows
// that at most a second late. No Pistache here, so it is tested alone (ADR 14).
#pragma once

#include <folio/ids.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace folio_server {

// What a request's answer is kept under: the store's data version and the second, both read before the route read
// the store.
struct answer_moment {
  std::uint64_t data_version = 0;
  std::int64_t second = 0;

  friend bool operator==(const answer_moment&, const answer_moment&) = default;
};

struct kept_answer {
  // The organization the answer was made for, which the request log names.
  folio::org_id org;
  std::shared_ptr<const std::string> body;
};

struct answer_cache_counts {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
};

class answer_cache {
public:
  // At most `max_bytes` of answer bodies are kept at once; 0 keeps none.
  explicit answer_cache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The answer kept for `key` at exactly `moment`, counted as a hit or a miss.
  [[nodiscard]] std::optional<kept_answer> find(const std::string& key, const answer_moment& moment);

  // Keeps an answer made at `moment`. An answer older than what is kept now is dropped; a newer moment retires
  // everything kept before it.
  void keep(const std::string& key, const answer_moment& moment, const kept_answer& answer);

  [[nodiscard]] answer_cache_counts counts() const;
  [[nodiscard]] bool enabled() const { return max_bytes_ != 0; }

private:
  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  answer_moment moment_;
  std::unordered_map<std::string, kept_answer> answers_;
  std::size_t bytes_ = 0;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

} // namespace folio_server
