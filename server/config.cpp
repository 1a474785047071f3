#include "config.hpp"

#include <folio/time_format.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

namespace folio_server {
namespace {

using setter = std::function<folio::result<void>(server_config&, std::string_view)>;

struct option {
  std::string_view name; // as in the config file; --name-with-dashes and FOLIO_NAME derive from it
  std::string_view help;
  setter apply;
};

folio::result<std::size_t> parse_count(std::string_view name, std::string_view text, std::size_t minimum) {
  std::size_t value = 0;
  const auto* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (text.empty() || parsed.ec != std::errc{} || parsed.ptr != end || value < minimum) {
    return folio::fail(folio::errc::invalid_argument,
                       std::string(name) + " is a whole number of at least " + std::to_string(minimum) + ", not '" +
                           std::string(text) + "'",
                       std::string(name));
  }
  return value;
}

setter count_field(std::size_t server_config::*field, std::string_view name, std::size_t minimum) {
  return [field, name, minimum](server_config& config, std::string_view text) -> folio::result<void> {
    auto value = parse_count(name, text, minimum);
    if (!value) {
      return value.error();
    }
    config.*field = value.value();
    return folio::success();
  };
}

setter duration_field(folio::duration server_config::*field, std::string_view name) {
  return [field, name](server_config& config, std::string_view text) -> folio::result<void> {
    auto value = folio::parse_duration(text);
    if (!value) {
      return folio::fail(folio::errc::invalid_argument,
                         std::string(name) + ": " + value.error().message + ", not '" + std::string(text) + "'",
                         std::string(name));
    }
    config.*field = value.value();
    return folio::success();
  };
}

template <class Text>
setter text_field(Text server_config::*field) {
  return [field](server_config& config, std::string_view text) -> folio::result<void> {
    config.*field = Text(std::string(text));
    return folio::success();
  };
}

const std::vector<option>& options() {
  static const std::vector<option> table{
      {"listen", "ADDR:PORT to serve on (127.0.0.1:8080)", text_field(&server_config::listen)},
      {"data_dir", "the data directory: SQLite database and blobs (./var)", text_field(&server_config::data_dir)},
      {"plugins", "the directory of plugins to load (the build's plugins)", text_field(&server_config::plugins)},
      {"config", "a JSON file of these options, by their file names", text_field(&server_config::config_file)},
      {"public_url", "the base of the links handed out (http://LISTEN)", text_field(&server_config::public_url)},
      {"workers", "turns run at once (2)", count_field(&server_config::workers, "workers", 0)},
      {"office_processes", "LibreOffice processes (2)",
       count_field(&server_config::office_processes, "office_processes", 1)},
      {"http_threads", "HTTP I/O threads (2)", count_field(&server_config::http_threads, "http_threads", 1)},
      {"default_agent", "the agent profile of calls that name none (scripted)",
       text_field(&server_config::default_agent)},
      {"agents",
       R"(agent profiles, a JSON object: {"NAME": {"plugin": "openai", "config": {"base_url": …, "model": …}}}; )"
       "FOLIO_OPENAI_BASE_URL, FOLIO_OPENAI_MODEL and FOLIO_OPENAI_API_KEY_ENV make the profile 'openai'",
       [](server_config& config, std::string_view text) -> folio::result<void> {
         auto profiles = parse_agent_profiles(text);
         if (!profiles) {
           return profiles.error();
         }
         for (auto& [name, profile] : profiles.value()) {
           config.agents.insert_or_assign(name, std::move(profile));
         }
         return folio::success();
       }},
      {"plugin_config",
       R"(settings of the editor and converter plugins by plugin name, a JSON object: {"libreoffice": {"max_jobs": 100}})",
       [](server_config& config, std::string_view text) -> folio::result<void> {
         const auto parsed = nlohmann::json::parse(text, nullptr, false);
         const bool valid = parsed.is_object() && std::all_of(parsed.begin(), parsed.end(), [](const auto& settings) {
                              return settings.is_object();
                            });
         if (!valid) {
           return folio::fail(folio::errc::invalid_argument,
                              R"(plugin_config must be a JSON object of objects: {"libreoffice": {"max_jobs": 100}})",
                              "plugin_config");
         }
         config.plugin_config.update(parsed);
         return folio::success();
       }},
      {"sync_timeout", "a sync call still running after this answers 202 (300s)",
       duration_field(&server_config::sync_timeout, "sync_timeout")},
      {"retention", "retention of organizations this server creates (30d)",
       duration_field(&server_config::retention, "retention")},
      {"purge_after", "bytes of expired runs are removed this long after expiry (30d)",
       duration_field(&server_config::purge_after, "purge_after")},
      {"sweep_interval", "how often expiry and purge run (1m)",
       duration_field(&server_config::sweep_interval, "sweep_interval")},
      {"shutdown_grace", "on SIGTERM, running turns may finish for this long (30s)",
       duration_field(&server_config::shutdown_grace, "shutdown_grace")},
      {"max_queued_tasks", "queued tasks beyond which generate answers 429 (10000)",
       count_field(&server_config::max_queued_tasks, "max_queued_tasks", 1)},
      {"max_body_bytes", "largest JSON request body (1048576)",
       count_field(&server_config::max_body_bytes, "max_body_bytes", 1)},
      {"max_upload_bytes", "largest uploaded document (67108864)",
       count_field(&server_config::max_upload_bytes, "max_upload_bytes", 1)},
      {"answer_cache_bytes",
       "answers of reads kept for callers asking again, at most this many bytes; 0: none (16777216)",
       count_field(&server_config::answer_cache_bytes, "answer_cache_bytes", 0)},
      {"webhook_retry", "first delay before a failed webhook is sent again; each next one is 4 times longer (5s)",
       duration_field(&server_config::webhook_retry, "webhook_retry")},
      {"webhook_attempts", "attempts of a webhook before it is given up (8)",
       count_field(&server_config::webhook_attempts, "webhook_attempts", 1)},
      {"webhook_timeout", "how long one webhook attempt may take (10s)",
       duration_field(&server_config::webhook_timeout, "webhook_timeout")},
      {"webhook_ca_file", "PEM certificates trusted for https webhook endpoints besides the system's",
       text_field(&server_config::webhook_ca_file)},
      {"webhook_allow_networks",
       "networks webhooks may reach although loopback, private or link-local, which are refused otherwise: CIDRs "
       "separated by commas (none)",
       [](server_config& config, std::string_view text) -> folio::result<void> {
         std::string why;
         auto policy = folio_net::address_policy::make(text, why);
         if (!policy) {
           return folio::fail(folio::errc::invalid_argument, "webhook_allow_networks: " + why,
                              "webhook_allow_networks");
         }
         config.webhook_addresses = std::move(*policy);
         return folio::success();
       }},
  };
  return table;
}

std::string flag_of(std::string_view name) {
  std::string flag = "--" + std::string(name);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

std::string environment_of(std::string_view name) {
  std::string variable = "FOLIO_" + std::string(name);
  std::transform(variable.begin(), variable.end(), variable.begin(),
                 [](unsigned char letter) { return static_cast<char>(std::toupper(letter)); });
  return variable;
}

std::optional<std::string> environment(const std::string& variable) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read at start, before any thread
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

folio::result<void> apply_file(server_config& config, const std::filesystem::path& file) {
  std::ifstream input(file);
  if (!input) {
    return folio::fail(folio::errc::invalid_argument, "cannot read the config file '" + file.string() + "'", "config");
  }
  const auto parsed = nlohmann::json::parse(input, nullptr, false);
  if (!parsed.is_object()) {
    return folio::fail(folio::errc::invalid_argument, "the config file '" + file.string() + "' is not a JSON object",
                       "config");
  }
  for (const auto& item : parsed.items()) {
    // A named variable, not a structured binding: clang (clang-tidy) cannot capture a binding in the lambda below.
    const std::string& name = item.key();
    const auto& value = item.value();
    const auto found = std::find_if(options().begin(), options().end(),
                                    [&](const option& candidate) { return candidate.name == name; });
    if (found == options().end() || found->name == "config") {
      return folio::fail(folio::errc::invalid_argument, "the config file names an unknown option '" + name + "'", name);
    }
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (auto applied = found->apply(config, text); !applied) {
      return applied.error();
    }
  }
  return folio::success();
}

} // namespace

std::string server_config::base_url() const {
  std::string base = public_url.empty() ? "http://" + listen : public_url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return base;
}

folio::result<server_config> load_config(std::span<const std::string_view> arguments) {
  server_config config;
  // The file comes first so the environment and the command line override it; find where it is named.
  std::optional<std::string> file = environment("FOLIO_CONFIG");
  for (std::size_t index = 0; index + 1 < arguments.size(); ++index) {
    if (arguments[index] == "--config") {
      file = std::string(arguments[index + 1]);
    }
  }
  if (file) {
    if (auto applied = apply_file(config, *file); !applied) {
      return applied.error();
    }
  }
  for (const auto& entry : options()) {
    if (auto value = environment(environment_of(entry.name)); value) {
      if (auto applied = entry.apply(config, *value); !applied) {
        applied.error().message = environment_of(entry.name) + ": " + applied.error().message;
        return applied.error();
      }
    }
  }
  auto from_environment = openai_environment_profile(environment);
  if (!from_environment) {
    return from_environment.error();
  }
  if (from_environment.value()) {
    config.agents.insert_or_assign("openai", std::move(*from_environment.value()));
  }
  for (std::size_t index = 0; index < arguments.size(); ++index) {
    const auto found = std::find_if(options().begin(), options().end(), [&](const option& candidate) {
      return flag_of(candidate.name) == arguments[index];
    });
    if (found == options().end()) {
      return folio::fail(folio::errc::invalid_argument, "unknown option '" + std::string(arguments[index]) + "'");
    }
    if (index + 1 >= arguments.size()) {
      return folio::fail(folio::errc::invalid_argument, flag_of(found->name) + " needs a value");
    }
    if (auto applied = found->apply(config, arguments[++index]); !applied) {
      return applied.error();
    }
  }
  return config;
}

void print_config_options(std::ostream& out) {
  for (const auto& entry : options()) {
    out << "  " << flag_of(entry.name) << " (" << environment_of(entry.name) << "): " << entry.help << "\n";
  }
}

} // namespace folio_server
