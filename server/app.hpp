// The server application: what every route group works with. It owns the data directory (SQLite store and blob
// store), the plugins (agents, the editor factory, converters), the engine, the link signer, the background threads
// and the hooks other parts attach to (task changes for webhooks and metrics, request completion for metrics).
#pragma once

#include "answer_cache.hpp"
#include "background.hpp"
#include "config.hpp"
#include "http.hpp"
#include "metrics.hpp"
#include "webhooks.hpp"

#include <folio/clock.hpp>
#include <folio/conversion_route.hpp>
#include <folio/converter.hpp>
#include <folio/data_directory.hpp>
#include <folio/engine.hpp>
#include <folio/plugin_registry.hpp>
#include <folio/signed_url.hpp>
#include <folio/task_event_bus.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace folio_server {

// The path of a stored blob's signed link: /files/{hash}/{file name, percent-encoded}. routes_files serves it.
std::string file_path(std::string_view hash, std::string_view file_name);
// The path of a run's page (edit_url): /web/runs/{run_id}. The run page serves it.
std::string run_page_path(const folio::run_id& run);
// The path of a run page's export link: /web/runs/{run_id}/exports/{target}. The export routes serve it.
std::string run_export_link_path(const folio::run_id& run, std::string_view target);
// The LibreOffice plugin's pool settings, shared by its editors and converter; its pool counters are read with them.
nlohmann::json office_settings(const server_config& config);
// The settings an editor or converter plugin is made with: plugin_config's entry (the libreoffice one over
// office_settings).
nlohmann::json plugin_settings(const server_config& config, std::string_view plugin);
// RFC 3986 percent-encoding of one path segment or query value.
std::string percent_encode(std::string_view text);

class server_app {
public:
  // Opens the data directory, loads the plugins and makes the engine (not started: start() does).
  static folio::result<std::unique_ptr<server_app>> open(server_config config, std::ostream& log);

  server_app(const server_app&) = delete;
  server_app& operator=(const server_app&) = delete;
  ~server_app();

  // Starts the engine's workers, heartbeats and sweeps (after taking back what this data directory's last run held).
  folio::result<void> start();

  // SIGTERM, in order: readiness fails and generate answers 503; running turns finish within shutdown_grace and the
  // rest go back to the queue; then every exchange still open (sync waits, event streams) is answered or ended; then
  // jobs under way (uploads, exports) finish until the same grace period ends, and any still running are answered.
  void drain();
  [[nodiscard]] bool draining() const { return draining_; }
  [[nodiscard]] const std::atomic<bool>& draining_flag() const { return draining_; }

  [[nodiscard]] const server_config& config() const { return config_; }
  // The address actually bound (when --listen named port 0); before serving only.
  void set_listen(std::string address) { config_.listen = std::move(address); }
  [[nodiscard]] const folio::clock& clock() const;
  [[nodiscard]] folio::store& store() const { return *data_.metadata; }
  [[nodiscard]] folio::blob_store& blobs() const { return *data_.blobs; }
  [[nodiscard]] folio::engine& engine() const { return *engine_; }
  [[nodiscard]] const folio::url_signer& signer() const { return *signer_; }
  [[nodiscard]] const folio::plugin_registry& plugins() const { return plugins_; }
  // The agent profiles requests may name.
  [[nodiscard]] const agent_catalog& agents() const { return agents_; }
  // The editors the engine's turns use; an uploaded document is checked by opening it with them.
  [[nodiscard]] folio::editor_factory& editors() const { return *editors_; }
  [[nodiscard]] const std::map<std::string, std::shared_ptr<folio::converter>>& converters() const {
    return converters_;
  }
  // The export routes over the loaded converters (API.md's allowed pairs, through pdf where it takes two steps).
  [[nodiscard]] folio::conversion_router export_routes() const;
  [[nodiscard]] background& waiters() { return waiters_; }
  // The counters GET /metrics shows; any part of the server counts what it does here.
  [[nodiscard]] metrics_registry& metrics() { return metrics_; }
  // Answers of read routes kept for callers asking again; the router uses it for routes added with add_read().
  [[nodiscard]] answer_cache& answers() { return answers_; }

  // Where webhooks may be delivered: special-purpose addresses refused but for webhook_allow_networks.
  [[nodiscard]] const folio_net::address_policy& webhook_addresses() const { return config_.webhook_addresses; }
  // Absolute URL of a target ("/path?query") under the public base URL.
  [[nodiscard]] std::string public_url(std::string_view target) const;
  // Signed, 24 h, GET links: a stored blob under a download name, and a run's page.
  [[nodiscard]] std::string file_url(std::string_view hash, std::string_view file_name, folio::timestamp now) const;
  [[nodiscard]] std::string edit_url(const folio::run_id& run, folio::timestamp now) const;
  // The run page's link to an export of the run's current document, made when the link is followed.
  [[nodiscard]] std::string export_link_url(const folio::run_id& run, std::string_view target,
                                            folio::timestamp now) const;

  // Every change of every task (webhooks, metrics); the handler runs on an engine thread and must not block.
  [[nodiscard]] folio::task_event_bus::subscription
  on_task_change(std::function<void(const folio::task_change&)> handler) {
    return engine_->follow_all(std::move(handler));
  }
  // Called after every answered request, on the thread that answered it; register before serving.
  void on_request_completed(request_hook hook) { request_hooks_.push_back(std::move(hook)); }
  [[nodiscard]] const std::vector<request_hook>& request_hooks() const { return request_hooks_; }

  // An exchange that stays open after its handler returns (a sync wait, an event stream) registers how to close it
  // at shutdown, and unregisters once answered. One that begins after the drain closed the others (a request that
  // was accepted before the listener stopped but reached its handler later) is closed at once, on the calling thread.
  std::uint64_t hold_open(std::function<void()> close_at_shutdown);
  // A job the server owes an answer for (an upload being stored, an export being converted): the drain waits for it
  // until the grace period ends, so its caller gets the job's real answer rather than a retry of work that may
  // already be done; only a job still running then is closed with `close_at_shutdown`.
  std::uint64_t hold_job(std::function<void()> close_at_shutdown);
  // Unregisters either kind; a token that was closed already is ignored.
  void release(std::uint64_t token);

private:
  server_app(server_config config, folio::data_directory data);

  server_config config_;
  folio::data_directory data_;
  folio::plugin_registry plugins_;
  std::shared_ptr<folio::editor_factory> editors_;
  std::map<std::string, std::shared_ptr<folio::converter>> converters_;
  agent_catalog agents_;
  std::unique_ptr<folio::url_signer> signer_;
  std::unique_ptr<folio::engine> engine_;
  background waiters_{2};
  metrics_registry metrics_;
  answer_cache answers_;
  folio::task_event_bus::subscription task_ends_;
  std::unique_ptr<webhook_dispatcher> webhooks_;
  std::vector<request_hook> request_hooks_;
  std::atomic<bool> draining_{false};
  std::mutex open_mutex_;
  std::condition_variable job_released_;
  bool closing_ = false;
  std::uint64_t next_open_ = 0;
  std::map<std::uint64_t, std::function<void()>> open_;
  std::map<std::uint64_t, std::function<void()>> jobs_;
};

} // namespace folio_server
