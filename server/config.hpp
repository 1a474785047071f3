// folio-server's settings: defaults, then a JSON config file, then FOLIO_* environment variables, then the command
// line, each overriding the one before. Every option has all four forms: `--sync-timeout 10s` on the command line,
// FOLIO_SYNC_TIMEOUT=10s in the environment, "sync_timeout": "10s" in the file.
#pragma once

#include "address_policy.hpp"
#include "agent_profiles.hpp"
#include "built_plugin_dir.hpp"

#include <folio/clock.hpp>
#include <folio/errors.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace folio_server {

struct server_config {
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path data_dir = "var";
  std::filesystem::path plugins = built_plugin_dir();
  std::filesystem::path config_file;
  // The base of every link the server hands out (download_url, edit_url, Location); empty means http://LISTEN.
  std::string public_url;
  std::size_t workers = 2;
  std::size_t office_processes = 2;
  std::size_t http_threads = 2;
  // The agent profile of calls that name none.
  std::string default_agent = "scripted";
  // Named agents (agent_profiles.hpp): profiles of every "agents" option given (file, environment, command line) by
  // name, the later one winning, and the one FOLIO_OPENAI_BASE_URL and FOLIO_OPENAI_MODEL make.
  agent_profiles agents;
  // The settings of the editor and converter plugins, by plugin name ({"libreoffice": {"max_jobs": 100}}), over what
  // the server's own options give them (office_processes).
  nlohmann::json plugin_config = nlohmann::json::object();
  // A sync generate call still running after this answers 202 with the task; the task goes on.
  folio::duration sync_timeout = std::chrono::seconds{300};
  // Given to organizations this server creates (the default one, `keys create --org NEW`); `orgs set` changes them.
  folio::duration retention = std::chrono::days{30};
  folio::duration purge_after = std::chrono::days{30};
  folio::duration sweep_interval = std::chrono::minutes{1};
  // SIGTERM lets running turns finish for this long, then gives the rest back for the next start.
  folio::duration shutdown_grace = std::chrono::seconds{30};
  std::size_t max_queued_tasks = 10'000;
  // JSON request bodies; uploaded documents have their own, larger limit.
  std::size_t max_body_bytes = std::size_t{1} << 20U;
  std::size_t max_upload_bytes = std::size_t{64} << 20U;
  // Answers of read routes kept for callers asking again (answer_cache.hpp); 0 keeps none.
  std::size_t answer_cache_bytes = std::size_t{16} << 20U;
  // Webhooks: the first retry delay (each next one 4 times longer, at most 10 h), attempts before giving up, the
  // time one attempt may take, and extra trusted certificates for https endpoints.
  folio::duration webhook_retry = std::chrono::seconds{5};
  std::size_t webhook_attempts = 8;
  folio::duration webhook_timeout = std::chrono::seconds{10};
  std::filesystem::path webhook_ca_file;
  // Where webhooks may be sent: special-purpose addresses (loopback, private, link-local …) refused but for the
  // networks webhook_allow_networks names, CIDRs separated by commas ("10.20.0.0/16,127.0.0.1").
  folio_net::address_policy webhook_addresses;

  // The base URL links start with: public_url, or http://LISTEN.
  [[nodiscard]] std::string base_url() const;
};

// Reads the config file (named by --config or FOLIO_CONFIG), the environment, then the options in `arguments`.
// An unknown option, a bad value or an unreadable file is an invalid_argument error naming it.
folio::result<server_config> load_config(std::span<const std::string_view> arguments);

// The options with their environment variables, for usage messages.
void print_config_options(std::ostream& out);

} // namespace folio_server
