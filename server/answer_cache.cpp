#include "answer_cache.hpp"

#include <tuple>

namespace folio_server {
namespace {

bool is_newer(const answer_moment& candidate, const answer_moment& held) {
  return std::tie(candidate.data_version, candidate.second) > std::tie(held.data_version, held.second);
}

} // namespace

std::optional<kept_answer> answer_cache::find(const std::string& key, const answer_moment& moment) {
  {
    const std::lock_guard lock(mutex_);
    if (moment == moment_) {
      if (const auto found = answers_.find(key); found != answers_.end()) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        return found->second;
      }
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

void answer_cache::keep(const std::string& key, const answer_moment& moment, const kept_answer& answer) {
  const auto size = key.size() + answer.body->size();
  const std::lock_guard lock(mutex_);
  if (moment != moment_) {
    if (!is_newer(moment, moment_)) {
      return;
    }
    answers_.clear();
    bytes_ = 0;
    moment_ = moment;
  }
  if (bytes_ + size > max_bytes_) {
    return;
  }
  if (const auto [kept, inserted] = answers_.try_emplace(key, answer); inserted) {
    bytes_ += size;
  }
}

answer_cache_counts answer_cache::counts() const {
  return {hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed)};
}

} // namespace folio_server
