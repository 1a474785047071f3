// The counters behind GET /metrics and their Prometheus text exposition (format 0.0.4). Counters and histograms are
// kept here as requests, task ends, exports and webhook attempts happen; gauges (queue depth, tasks by status, the
// office pool) are read at scrape time and passed to render(). Thread-safe; no Pistache, so it is tested alone.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace folio_server {

// A value read at scrape time: name, help, type ("gauge" or "counter") and its samples by label set.
struct scraped_metric {
  std::string name;
  std::string help;
  std::string type;
  // Each sample: its labels as (name, value) pairs and its value.
  std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, double>> samples;
};

class metrics_registry {
public:
  // Upper bounds of the request latency histogram, in seconds.
  static constexpr std::array<double, 12> latency_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  void observe_request(std::string_view method, std::string_view route, int status, std::chrono::microseconds took);
  // A task reached a terminal status ("completed", "failed", "cancelled").
  void count_task_end(std::string_view status);
  // An export asked for, once its request passed every check: found in the export cache, or not (a miss waits for a
  // conversion, its own or one a concurrent caller started).
  void count_export_lookup(std::string_view target, bool cache_hit);
  // A conversion this server ran for an export, and produced the export.
  void count_conversion(std::string_view target);
  // An export that missed the cache and then failed (the conversion failed or ran out of time).
  void count_export_failure(std::string_view target);
  // A webhook attempt: "delivered", "retried" or "abandoned".
  void count_webhook(std::string_view outcome);

  // The whole exposition: the kept counters and histograms, then the scraped values.
  [[nodiscard]] std::string render(const std::vector<scraped_metric>& scraped) const;

private:
  struct histogram {
    std::array<std::uint64_t, latency_buckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  // Orders keys held as strings and keys of views alike, so that counting a request allocates only the first time.
  struct by_views {
    using is_transparent = void;
    template <class Left, class Right>
    bool operator()(const Left& left, const Right& right) const {
      return viewed(left) < viewed(right);
    }
    template <class... Parts>
    static auto viewed(const std::tuple<Parts...>& key) {
      return std::apply([](const auto&... part) { return std::tuple(view_of(part)...); }, key);
    }
    static std::string_view view_of(std::string_view text) { return text; }
    static int view_of(int number) { return number; }
  };

  std::map<std::tuple<std::string, std::string, int>, std::uint64_t, by_views> requests_;
  std::map<std::tuple<std::string, std::string>, histogram, by_views> latency_;
  std::map<std::string, std::uint64_t> task_ends_;
  // By target format.
  std::map<std::string, std::uint64_t> cache_hits_;
  std::map<std::string, std::uint64_t> cache_misses_;
  std::map<std::string, std::uint64_t> conversions_;
  std::map<std::string, std::uint64_t> export_failures_;
  std::map<std::string, std::uint64_t> webhooks_;
};

// A label value as the text format writes it: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

} // namespace folio_server
