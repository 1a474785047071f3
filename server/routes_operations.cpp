// GET /metrics (Prometheus text: the counters the server keeps, plus the store's queue and task gauges and the
// LibreOffice pool's counters read at scrape time) and GET /openapi.json (the contract, web/openapi.json).
#include "routes.hpp"
#include "web/openapi_document.hpp"

#include <boost/dll/shared_library.hpp>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace folio_server {
namespace {

using Pistache::Http::Code;

// The LibreOffice plugin's folio_libreoffice_pool_stats, when that plugin is loaded: counters of the pool the
// server's converter and editors share.
class office_pool_counters {
public:
  explicit office_pool_counters(const server_app& app) : settings_(office_settings(app.config())) {
    for (const auto& plugin : app.plugins().plugins()) {
      if (plugin.name != "libreoffice") {
        continue;
      }
      boost::dll::fs::error_code failure;
      library_.load(plugin.file.string(), failure);
      if (!failure && library_.has("folio_libreoffice_pool_stats")) {
        stats_of_ = library_.get_alias<nlohmann::json(const nlohmann::json&)>("folio_libreoffice_pool_stats");
      }
    }
  }

  // Nothing while no pool runs (the plugin starts it with the first conversion or turn).
  [[nodiscard]] std::vector<scraped_metric> scrape() const {
    if (!stats_of_) {
      return {};
    }
    const auto stats = stats_of_(settings_);
    if (!stats.is_object()) {
      return {};
    }
    const auto value = [&](const char* name) { return stats.value(name, 0.0); };
    return {
        {"folio_office_processes",
         "LibreOffice processes of the converter pool, by state.",
         "gauge",
         {{{{"state", "ready"}}, value("ready")},
          {{{"state", "busy"}}, value("busy")},
          {{{"state", "starting"}}, value("starting")}}},
        {"folio_office_queue_depth",
         "Callers waiting for a free LibreOffice process.",
         "gauge",
         {{{}, value("queued")}}},
        {"folio_office_jobs_total",
         "Jobs (conversions and editing calls) LibreOffice processes finished.",
         "counter",
         {{{}, value("jobs_done")}}},
        {"folio_office_restarts_total",
         "LibreOffice processes replaced, by reason.",
         "counter",
         {{{{"reason", "recycled"}}, value("recycled")},
          {{{"reason", "crashed"}}, value("crashes")},
          {{{"reason", "timeout"}}, value("timeouts")}}},
        {"folio_office_rejected_total",
         "Callers refused because the pool's queue was full.",
         "counter",
         {{{}, value("rejected")}}},
        {"folio_office_resident_bytes",
         "Resident memory of the LibreOffice processes.",
         "gauge",
         {{{}, value("rss_bytes")}}},
        {"folio_office_parked_documents",
         "Documents the offices keep loaded for a run's next turn (ADR 12).",
         "gauge",
         {{{}, value("kept")}}},
        {"folio_office_parked_opens_total",
         "Documents opened for a turn, by whether a parked copy served them or they were loaded.",
         "counter",
         {{{{"outcome", "parked"}}, value("kept_hits")}, {{{"outcome", "loaded"}}, value("kept_misses")}}},
    };
  }

private:
  nlohmann::json settings_;
  boost::dll::shared_library library_;
  std::function<nlohmann::json(const nlohmann::json&)> stats_of_;
};

void answer_metrics(server_app& app, const office_pool_counters& office, const responder_ptr& answer) {
  std::vector<scraped_metric> scraped;
  if (auto counted = app.store().gauges(); counted) {
    const auto& gauges = counted.value();
    scraped.push_back({"folio_queue_depth",
                       "Queued tasks across all runs (generate answers 429 at max_queued_tasks).",
                       "gauge",
                       {{{}, static_cast<double>(gauges.queued_tasks)}}});
    scraped.push_back({"folio_tasks",
                       "Unfinished tasks by status (finished ones: folio_tasks_finished_total).",
                       "gauge",
                       {{{{"status", "queued"}}, static_cast<double>(gauges.queued_tasks)},
                        {{{"status", "running"}}, static_cast<double>(gauges.running_tasks)}}});
    scraped.push_back({"folio_webhooks_pending",
                       "Webhook deliveries not yet delivered nor given up.",
                       "gauge",
                       {{{}, static_cast<double>(gauges.pending_webhooks)}}});
  }
  scraped.push_back({"folio_active_turns",
                     "Turns this server's workers are playing now.",
                     "gauge",
                     {{{}, static_cast<double>(app.engine().active_turns())}}});
  const auto reused = app.answers().counts();
  scraped.push_back({"folio_answer_cache_lookups_total",
                     "Reads that looked for a kept answer (answer_cache_bytes), by outcome: hit (the kept answer was "
                     "sent) or miss (the route answered).",
                     "counter",
                     {{{{"outcome", "hit"}}, static_cast<double>(reused.hits)},
                      {{{"outcome", "miss"}}, static_cast<double>(reused.misses)}}});
  auto pool = office.scrape();
  scraped.insert(scraped.end(), std::make_move_iterator(pool.begin()), std::make_move_iterator(pool.end()));
  answer->send(Code::Ok, app.metrics().render(scraped), "text/plain; version=0.0.4; charset=utf-8");
}

} // namespace

void add_operations_routes(router& routes, server_app& app) {
  app.on_request_completed([&app](const request_record& record) {
    app.metrics().observe_request(record.method, record.route, record.status, record.duration);
  });
  auto office = std::make_shared<office_pool_counters>(app);
  routes.add(Pistache::Http::Method::Get, "/metrics", access::open,
             [&app, office](request_context&, const responder_ptr& answer) { answer_metrics(app, *office, answer); });
  routes.add(Pistache::Http::Method::Get, "/openapi.json", access::open,
             [&app](request_context&, const responder_ptr& answer) {
               auto document = web::openapi_document();
               document["servers"] = nlohmann::json::array({{{"url", app.config().base_url()}}});
               answer->json(Code::Ok, document);
             });
}

} // namespace folio_server
