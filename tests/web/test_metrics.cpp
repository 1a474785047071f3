#include "metrics.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

using namespace std::chrono_literals;

namespace {
bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}
} // namespace

TEST_CASE("metrics count requests by method, route and status code", "[metrics]") {
  folio_server::metrics_registry metrics;
  metrics.observe_request("GET", "/tasks/{task_id}", 200, 300us);
  metrics.observe_request("GET", "/tasks/{task_id}", 200, 2ms);
  metrics.observe_request("GET", "/tasks/{task_id}", 404, 100us);
  const auto text = metrics.render({});
  CHECK(has_line(text, "# TYPE folio_http_requests_total counter"));
  CHECK(has_line(text, R"(folio_http_requests_total{method="GET",route="/tasks/{task_id}",code="200"} 2)"));
  CHECK(has_line(text, R"(folio_http_requests_total{method="GET",route="/tasks/{task_id}",code="404"} 1)"));
}

TEST_CASE("metrics keep a cumulative latency histogram per route", "[metrics]") {
  folio_server::metrics_registry metrics;
  metrics.observe_request("POST", "/excel/generate", 200, 300us);
  metrics.observe_request("POST", "/excel/generate", 200, 2ms);
  metrics.observe_request("POST", "/excel/generate", 200, 7s);
  const auto text = metrics.render({});
  CHECK(has_line(text, "# TYPE folio_http_request_duration_seconds histogram"));
  const std::string series = R"(folio_http_request_duration_seconds_bucket{method="POST",route="/excel/generate",le=)";
  CHECK(has_line(text, series + R"("0.0005"} 1)"));
  CHECK(has_line(text, series + R"("0.001"} 1)"));
  CHECK(has_line(text, series + R"("0.0025"} 2)"));
  CHECK(has_line(text, series + R"("5"} 2)"));
  CHECK(has_line(text, series + R"("+Inf"} 3)"));
  CHECK(has_line(text, R"(folio_http_request_duration_seconds_count{method="POST",route="/excel/generate"} 3)"));
  CHECK(has_line(text, R"(folio_http_request_duration_seconds_sum{method="POST",route="/excel/generate"} 7.0023)"));
}

TEST_CASE("metrics count task ends, exports, conversions and webhook attempts", "[metrics]") {
  folio_server::metrics_registry metrics;
  metrics.count_task_end("completed");
  metrics.count_task_end("completed");
  metrics.count_task_end("failed");
  metrics.count_export_lookup("pdf", false);
  metrics.count_conversion("pdf");
  metrics.count_export_lookup("pdf", true);
  metrics.count_export_lookup("pdf", true);
  metrics.count_export_lookup("png", false);
  metrics.count_export_failure("png");
  metrics.count_webhook("retried");
  metrics.count_webhook("delivered");
  const auto text = metrics.render({});
  CHECK(has_line(text, R"(folio_tasks_finished_total{status="completed"} 2)"));
  CHECK(has_line(text, R"(folio_tasks_finished_total{status="failed"} 1)"));
  CHECK(has_line(text, R"(folio_export_cache_hits_total{target="pdf"} 2)"));
  CHECK(has_line(text, R"(folio_export_cache_misses_total{target="pdf"} 1)"));
  CHECK(has_line(text, R"(folio_export_cache_misses_total{target="png"} 1)"));
  CHECK(has_line(text, R"(folio_conversions_total{target="pdf"} 1)"));
  CHECK(has_line(text, R"(folio_export_failures_total{target="png"} 1)"));
  CHECK_FALSE(has_line(text, R"(folio_conversions_total{target="png"} 1)"));
  CHECK(has_line(text, "# TYPE folio_export_cache_misses_total counter"));
  CHECK(has_line(text, R"(folio_webhook_attempts_total{outcome="retried"} 1)"));
  CHECK(has_line(text, R"(folio_webhook_attempts_total{outcome="delivered"} 1)"));
}

TEST_CASE("metrics render scraped gauges after the counters, with escaped label values", "[metrics]") {
  folio_server::metrics_registry metrics;
  const auto text = metrics.render({{"folio_tasks",
                                     "Unfinished tasks by status.",
                                     "gauge",
                                     {{{{"status", "queued"}}, 3}, {{{"status", "running"}}, 1}}},
                                    {"folio_queue_depth", "Queued tasks.", "gauge", {{{}, 3}}},
                                    {"folio_odd", "Label escaping.", "gauge", {{{{"name", "a\"b\\c\nd"}}, 0.25}}}});
  CHECK(has_line(text, "# HELP folio_tasks Unfinished tasks by status."));
  CHECK(has_line(text, "# TYPE folio_tasks gauge"));
  CHECK(has_line(text, R"(folio_tasks{status="queued"} 3)"));
  CHECK(has_line(text, R"(folio_tasks{status="running"} 1)"));
  CHECK(has_line(text, "folio_queue_depth 3"));
  CHECK(has_line(text, R"(folio_odd{name="a\"b\\c\nd"} 0.25)"));
  CHECK(text.ends_with("\n"));
}
