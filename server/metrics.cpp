#include "metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace folio_server {

namespace {

// Prometheus floats: integers without a fraction, others with enough digits to read back.
std::string number(double value) {
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  std::array<char, 32> text{};
  const int written = std::snprintf(text.data(), text.size(), "%.9g", value);
  return {text.data(), static_cast<std::size_t>(std::max(written, 0))};
}

using label_list = std::vector<std::pair<std::string, std::string>>;

std::string labels(const label_list& pairs) {
  if (pairs.empty()) {
    return {};
  }
  std::string text = "{";
  for (const auto& [name, value] : pairs) {
    text += text.size() > 1 ? "," : "";
    text += name + "=\"" + escape_label_value(value) + "\"";
  }
  return text + "}";
}

void header(std::ostringstream& out, std::string_view name, std::string_view help, std::string_view type) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

// A counter family with one sample per target format.
void by_target(std::ostringstream& out, std::string_view name, std::string_view help,
               const std::map<std::string, std::uint64_t>& counts) {
  header(out, name, help, "counter");
  for (const auto& [target, count] : counts) {
    out << name << labels({{"target", target}}) << ' ' << count << '\n';
  }
}

} // namespace

std::string escape_label_value(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (const char character : value) {
    switch (character) {
    case '\\': escaped += "\\\\"; break;
    case '"': escaped += "\\\""; break;
    case '\n': escaped += "\\n"; break;
    default: escaped += character;
    }
  }
  return escaped;
}

void metrics_registry::observe_request(std::string_view method, std::string_view route, int status,
                                       std::chrono::microseconds took) {
  const double seconds = std::chrono::duration<double>(took).count();
  const std::lock_guard lock(mutex_);
  auto counted = requests_.find(std::tuple(method, route, status));
  if (counted == requests_.end()) {
    counted = requests_.emplace(std::tuple(std::string(method), std::string(route), status), 0).first;
  }
  ++counted->second;
  auto timed = latency_.find(std::tuple(method, route));
  if (timed == latency_.end()) {
    timed = latency_.emplace(std::tuple(std::string(method), std::string(route)), histogram{}).first;
  }
  auto& held = timed->second;
  for (std::size_t index = 0; index < latency_buckets.size(); ++index) {
    if (seconds <= latency_buckets.at(index)) {
      ++held.buckets.at(index);
    }
  }
  ++held.count;
  held.sum += seconds;
}

void metrics_registry::count_task_end(std::string_view status) {
  const std::lock_guard lock(mutex_);
  ++task_ends_[std::string(status)];
}

void metrics_registry::count_export_lookup(std::string_view target, bool cache_hit) {
  const std::lock_guard lock(mutex_);
  ++(cache_hit ? cache_hits_ : cache_misses_)[std::string(target)];
}

void metrics_registry::count_conversion(std::string_view target) {
  const std::lock_guard lock(mutex_);
  ++conversions_[std::string(target)];
}

void metrics_registry::count_export_failure(std::string_view target) {
  const std::lock_guard lock(mutex_);
  ++export_failures_[std::string(target)];
}

void metrics_registry::count_webhook(std::string_view outcome) {
  const std::lock_guard lock(mutex_);
  ++webhooks_[std::string(outcome)];
}

std::string metrics_registry::render(const std::vector<scraped_metric>& scraped) const {
  std::ostringstream out;
  {
    const std::lock_guard lock(mutex_);
    header(out, "folio_http_requests_total", "HTTP requests answered, by method, route and status code.", "counter");
    for (const auto& [key, count] : requests_) {
      const auto& [method, route, status] = key;
      out << "folio_http_requests_total"
          << labels({{"method", method}, {"route", route}, {"code", std::to_string(status)}}) << ' ' << count << '\n';
    }
    header(out, "folio_http_request_duration_seconds", "Time from a request's arrival to its answer, by route.",
           "histogram");
    for (const auto& [key, held] : latency_) {
      const auto& [method, route] = key;
      for (std::size_t index = 0; index < latency_buckets.size(); ++index) {
        out << "folio_http_request_duration_seconds_bucket"
            << labels({{"method", method}, {"route", route}, {"le", number(latency_buckets.at(index))}}) << ' '
            << held.buckets.at(index) << '\n';
      }
      out << "folio_http_request_duration_seconds_bucket"
          << labels({{"method", method}, {"route", route}, {"le", "+Inf"}}) << ' ' << held.count << '\n';
      out << "folio_http_request_duration_seconds_sum" << labels({{"method", method}, {"route", route}}) << ' '
          << number(held.sum) << '\n';
      out << "folio_http_request_duration_seconds_count" << labels({{"method", method}, {"route", route}}) << ' '
          << held.count << '\n';
    }
    header(out, "folio_tasks_finished_total", "Tasks that reached a terminal status since the server started.",
           "counter");
    for (const auto& [status, count] : task_ends_) {
      out << "folio_tasks_finished_total" << labels({{"status", status}}) << ' ' << count << '\n';
    }
    by_target(out, "folio_export_cache_hits_total", "Exports found in the export cache, by target format.",
              cache_hits_);
    by_target(out, "folio_export_cache_misses_total",
              "Exports not in the export cache when asked for (each waited for a conversion), by target format.",
              cache_misses_);
    by_target(out, "folio_conversions_total", "Conversions run for exports that produced the export, by target format.",
              conversions_);
    by_target(out, "folio_export_failures_total",
              "Exports that missed the cache and failed (the conversion failed or ran out of time), by target format.",
              export_failures_);
    header(out, "folio_webhook_attempts_total", "Webhook delivery attempts, by outcome.", "counter");
    for (const auto& [outcome, count] : webhooks_) {
      out << "folio_webhook_attempts_total" << labels({{"outcome", outcome}}) << ' ' << count << '\n';
    }
  }
  for (const auto& metric : scraped) {
    header(out, metric.name, metric.help, metric.type);
    for (const auto& [sample_labels, value] : metric.samples) {
      out << metric.name << labels(sample_labels) << ' ' << number(value) << '\n';
    }
  }
  return out.str();
}

} // namespace folio_server
