#include "app.hpp"

#include "admin.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace folio_server {
namespace {

// Links stay valid across restarts because the secret that signs them is kept in the data directory.
folio::result<std::string> link_secret(const std::filesystem::path& data_dir) {
  const auto file = data_dir / "link-secret";
  if (std::ifstream existing(file); existing) {
    std::string secret;
    std::getline(existing, secret);
    if (secret.size() >= 32) {
      return secret;
    }
  }
  const auto secret = random_hex(32);
  const auto temporary = data_dir / "link-secret.tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << secret << "\n";
    if (!out.flush()) {
      return folio::fail(folio::errc::storage_error, "cannot write " + temporary.string());
    }
  }
  ::chmod(temporary.c_str(), S_IRUSR | S_IWUSR);
  std::error_code failure;
  std::filesystem::rename(temporary, file, failure);
  if (failure) {
    return folio::fail(folio::errc::storage_error, "cannot write " + file.string() + ": " + failure.message());
  }
  return secret;
}

const folio::system_clock& server_clock() {
  static const folio::system_clock instance;
  return instance;
}

} // namespace

// One LibreOffice pool serves the editors and the converter: the plugin shares it between objects made with the
// same pool settings.
nlohmann::json office_settings(const server_config& config) {
  nlohmann::json settings{{"processes", config.office_processes}};
  settings.update(config.plugin_config.value("libreoffice", nlohmann::json::object()));
  return settings;
}

nlohmann::json plugin_settings(const server_config& config, std::string_view plugin) {
  return plugin == "libreoffice" ? office_settings(config)
                                 : config.plugin_config.value(std::string(plugin), nlohmann::json::object());
}

std::string percent_encode(std::string_view text) {
  static constexpr std::string_view hex = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char symbol : text) {
    const auto byte = static_cast<unsigned char>(symbol);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~';
    if (unreserved) {
      encoded += symbol;
    } else {
      encoded += '%';
      encoded += hex[byte >> 4U];
      encoded += hex[byte & 0x0FU];
    }
  }
  return encoded;
}

std::string file_path(std::string_view hash, std::string_view file_name) {
  return "/files/" + std::string(hash) + "/" + percent_encode(file_name);
}

std::string run_page_path(const folio::run_id& run) {
  return "/web/runs/" + run.str();
}

std::string run_export_link_path(const folio::run_id& run, std::string_view target) {
  return run_page_path(run) + "/exports/" + percent_encode(target);
}

folio::result<std::unique_ptr<server_app>> server_app::open(server_config config, std::ostream& log) {
  folio::store_limits limits;
  limits.max_queued_tasks = config.max_queued_tasks;
  auto data = folio::open_data_directory(config.data_dir, server_clock(), limits);
  if (!data) {
    return data.error();
  }
  auto secret = link_secret(config.data_dir);
  if (!secret) {
    return secret.error();
  }
  std::unique_ptr<server_app> app(new server_app(std::move(config), std::move(data).value()));
  app->signer_ = std::make_unique<folio::url_signer>(std::move(secret).value());

  auto loaded = app->plugins_.load_directory(app->config_.plugins);
  if (!loaded) {
    return loaded.error();
  }
  for (const auto& [file, failure] : loaded.value().failures) {
    log << R"({"event":"plugin_not_loaded","file":)" << nlohmann::json(file.string()).dump() << R"(,"message":)"
        << nlohmann::json(failure.message).dump() << "}\n";
  }
  const auto editor_names = app->plugins_.editor_factory_names();
  if (editor_names.empty()) {
    return folio::fail(folio::errc::plugin_not_found,
                       "no editor plugin in " + app->config_.plugins.string() + ": agents have no documents to edit");
  }
  auto editors =
      app->plugins_.make_editor_factory(editor_names.front(), plugin_settings(app->config_, editor_names.front()));
  if (!editors) {
    return editors.error();
  }
  app->editors_ = std::shared_ptr<folio::editor_factory>(std::move(editors).value());
  for (const auto& name : app->plugins_.converter_names()) {
    auto made = app->plugins_.make_converter(name, plugin_settings(app->config_, name));
    if (!made) {
      return made.error();
    }
    app->converters_.emplace(name, std::shared_ptr<folio::converter>(std::move(made).value()));
  }
  auto agents = agent_catalog::make(app->plugins_, app->config_.agents, app->config_.default_agent);
  if (!agents) {
    return agents.error();
  }
  app->agents_ = std::move(agents).value();

  folio::engine_config engine_settings;
  engine_settings.workers = app->config_.workers;
  engine_settings.sweep_interval = app->config_.sweep_interval;
  engine_settings.default_agent = app->config_.default_agent;
  const auto* owner = app.get();
  app->engine_ = std::make_unique<folio::engine>(
      *app->data_.metadata, *app->data_.blobs, server_clock(),
      [owner](std::string_view name) { return owner->agents_.find(name); }, app->editors_, engine_settings);
  return app;
}

server_app::server_app(server_config config, folio::data_directory data)
    : config_(std::move(config)), data_(std::move(data)), answers_(config_.answer_cache_bytes) {}

server_app::~server_app() {
  webhooks_.reset();
  task_ends_.reset();
  waiters_.stop();
  engine_.reset();
}

const folio::clock& server_app::clock() const {
  return server_clock();
}

folio::result<void> server_app::start() {
  task_ends_ = on_task_change([this](const folio::task_change& change) {
    if (folio::is_terminal(change.snapshot.status)) {
      metrics_.count_task_end(folio::to_string(change.snapshot.status));
    }
  });
  if (auto started = engine_->start(); !started) {
    return started;
  }
  webhook_settings hooks;
  hooks.retry.first_delay = config_.webhook_retry;
  hooks.retry.max_attempts = static_cast<std::uint32_t>(config_.webhook_attempts);
  hooks.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.webhook_timeout);
  hooks.ca_file = config_.webhook_ca_file.string();
  hooks.addresses = config_.webhook_addresses;
  webhooks_ = std::make_unique<webhook_dispatcher>(*this, metrics_, hooks, std::cerr);
  webhooks_->start();
  return folio::success();
}

void server_app::drain() {
  draining_ = true;
  const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_grace;
  engine_->stop(config_.shutdown_grace);
  // Deliveries not yet made stay in the outbox for the next start.
  if (webhooks_) {
    webhooks_->stop();
  }
  std::map<std::uint64_t, std::function<void()>> still_open;
  {
    const std::lock_guard lock(open_mutex_);
    closing_ = true;
    still_open.swap(open_);
  }
  for (auto& [token, close] : still_open) {
    close();
  }
  std::map<std::uint64_t, std::function<void()>> unfinished;
  {
    std::unique_lock lock(open_mutex_);
    job_released_.wait_until(lock, deadline, [this] { return jobs_.empty(); });
    unfinished.swap(jobs_);
  }
  for (auto& [token, close] : unfinished) {
    close();
  }
  waiters_.stop();
}

folio::conversion_router server_app::export_routes() const {
  std::vector<std::shared_ptr<folio::converter>> converters;
  converters.reserve(converters_.size());
  for (const auto& [name, made] : converters_) {
    converters.push_back(made);
  }
  return folio::conversion_router(std::move(converters));
}

std::string server_app::public_url(std::string_view target) const {
  return config_.base_url() + std::string(target);
}

std::string server_app::file_url(std::string_view hash, std::string_view file_name, folio::timestamp now) const {
  return public_url(signer_->sign_for("GET", file_path(hash, file_name), now).target());
}

std::string server_app::edit_url(const folio::run_id& run, folio::timestamp now) const {
  return public_url(signer_->sign_for("GET", run_page_path(run), now).target());
}

std::string server_app::export_link_url(const folio::run_id& run, std::string_view target, folio::timestamp now) const {
  return public_url(signer_->sign_for("GET", run_export_link_path(run, target), now).target());
}

std::uint64_t server_app::hold_open(std::function<void()> close_at_shutdown) {
  std::unique_lock lock(open_mutex_);
  const auto token = ++next_open_;
  if (!closing_) {
    open_.emplace(token, std::move(close_at_shutdown));
    return token;
  }
  lock.unlock();
  close_at_shutdown();
  return token;
}

std::uint64_t server_app::hold_job(std::function<void()> close_at_shutdown) {
  const std::lock_guard lock(open_mutex_);
  const auto token = ++next_open_;
  jobs_.emplace(token, std::move(close_at_shutdown));
  return token;
}

void server_app::release(std::uint64_t token) {
  {
    const std::lock_guard lock(open_mutex_);
    open_.erase(token);
    jobs_.erase(token);
  }
  job_released_.notify_all();
}

} // namespace folio_server
