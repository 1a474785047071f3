// The "libreoffice" plugin: a converter (see libreoffice_converter.hpp) and, for the agents, document editors, both
// working on one pool of warm soffice processes (see office_pool.hpp). Config of either kind: the pool's keys
// {"processes": N (default: one per core), "max_jobs": jobs before an office is recycled (default 200),
// "max_rss_mb": resident memory above which an office is recycled (default 1024), "queue_limit": callers that may
// wait for a free office (default 4 per process), "network_isolation": "auto" (default), "required" or "off" (each
// office in a network namespace without interfaces, office_guard.cpp), "block_external_content": true (default; false
// turns off the office's own refusal of linked content, to test the namespace alone)} plus the kind's own keys. Objects
// given the same pool keys share one pool, so a server's converter and editors do not start an office each.
//
// Besides the two plugin symbols, the library exports folio_libreoffice_pool_stats: given the config an object was
// made with, the JSON counters of its pool (null when no such pool is running), for a host's readiness and metrics.
#include "editor/office_editor.hpp"
#include "libreoffice_converter.hpp"
#include "office_pool.hpp"

#include <folio/plugin.hpp>

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

namespace folio_libreoffice {
namespace {

// Reads an optional integer key of at least `minimum` into `value`.
folio::result<void> read_count(const nlohmann::json& config, const char* key, std::int64_t minimum,
                               std::uint64_t& value) {
  if (!config.contains(key)) {
    return folio::success();
  }
  if (!config[key].is_number_integer() || config[key].get<std::int64_t>() < minimum) {
    return folio::fail(folio::errc::invalid_argument,
                       "'" + std::string(key) + "' is an integer of at least " + std::to_string(minimum), key);
  }
  value = config[key].get<std::uint64_t>();
  return folio::success();
}

folio::result<pool_options> read_pool_options(const nlohmann::json& config) {
  std::uint64_t processes = std::max(1U, std::thread::hardware_concurrency());
  std::uint64_t max_jobs = 200;
  std::uint64_t max_rss_mb = 1024;
  if (auto read = read_count(config, "processes", 1, processes); !read) {
    return read.error();
  }
  std::uint64_t queue_limit = 4 * processes;
  for (auto read : {read_count(config, "max_jobs", 1, max_jobs), read_count(config, "max_rss_mb", 1, max_rss_mb),
                    read_count(config, "queue_limit", 0, queue_limit)}) {
    if (!read) {
      return read.error();
    }
  }
  pool_options options;
  const auto isolation = config.value("network_isolation", nlohmann::json("auto"));
  if (isolation != "auto" && isolation != "required" && isolation != "off") {
    return folio::fail(folio::errc::invalid_argument, "'network_isolation' is \"auto\", \"required\" or \"off\"",
                       "network_isolation");
  }
  options.network_isolation = isolation.get<std::string>();
  if (config.contains("block_external_content") && !config["block_external_content"].is_boolean()) {
    return folio::fail(folio::errc::invalid_argument, "'block_external_content' is true or false",
                       "block_external_content");
  }
  options.block_external_content = config.value("block_external_content", true);
  // The guard is built beside this library (plugins/libreoffice/CMakeLists.txt).
  options.guard = boost::dll::this_line_location().parent_path() / "folio-office-guard";
  options.program_dir = FOLIO_LIBREOFFICE_PROGRAM_DIR;
  options.processes = processes;
  options.max_jobs = max_jobs;
  options.max_rss_bytes = max_rss_mb << 20U;
  options.queue_limit = queue_limit;
  return options;
}

using pool_key = std::tuple<std::size_t, std::size_t, std::uint64_t, std::size_t, std::string, bool>;

pool_key key_of(const pool_options& options) {
  return {options.processes,   options.max_jobs,          options.max_rss_bytes,
          options.queue_limit, options.network_isolation, options.block_external_content};
}

std::mutex pools_mutex;
std::map<pool_key, std::weak_ptr<office_pool>> pools;

folio::result<std::shared_ptr<office_pool>> shared_pool(const nlohmann::json& config) {
  auto options = read_pool_options(config);
  if (!options) {
    return options.error();
  }
  const auto key = key_of(options.value());
  const std::scoped_lock lock(pools_mutex);
  if (auto existing = pools[key].lock()) {
    return existing;
  }
  auto started = office_pool::start(std::move(options).value());
  if (!started) {
    return started.error();
  }
  std::shared_ptr<office_pool> pool = std::move(started).value();
  pools[key] = pool;
  return pool;
}

folio::result<std::unique_ptr<folio::converter>> make_converter(const nlohmann::json& config) {
  auto pool = shared_pool(config);
  if (!pool) {
    return pool.error();
  }
  return make_libreoffice_converter(std::move(pool).value(), config);
}

folio::result<std::unique_ptr<folio::editor_factory>> make_editor_factory(const nlohmann::json& config) {
  auto pool = shared_pool(config);
  if (!pool) {
    return pool.error();
  }
  return make_libreoffice_editor_factory(std::move(pool).value(), config);
}

const folio::plugin_descriptor& describe_libreoffice() {
  static const folio::plugin_descriptor descriptor{
      "libreoffice",       "1.0.0", folio::plugin_kind::converter | folio::plugin_kind::editor, {}, make_converter,
      make_editor_factory,
  };
  return descriptor;
}

nlohmann::json pool_stats_of(const nlohmann::json& config) noexcept {
  try {
    auto options = read_pool_options(config);
    if (!options) {
      return nullptr;
    }
    std::shared_ptr<office_pool> pool;
    {
      const std::scoped_lock lock(pools_mutex);
      pool = pools[key_of(options.value())].lock();
    }
    if (!pool) {
      return nullptr;
    }
    const auto counted = pool->stats();
    return {{"processes", counted.processes},
            {"ready", counted.ready},
            {"busy", counted.busy},
            {"starting", counted.starting},
            {"queued", counted.queued},
            {"jobs_done", counted.jobs_done},
            {"recycled", counted.recycled},
            {"crashes", counted.crashes},
            {"timeouts", counted.timeouts},
            {"rejected", counted.rejected},
            {"rss_bytes", counted.rss_bytes},
            {"pids", counted.pids},
            {"kept", counted.kept},
            {"kept_hits", counted.kept_hits},
            {"kept_misses", counted.kept_misses},
            {"network_isolated", counted.network_isolated}};
  } catch (...) {
    // Nothing may cross the library boundary as an exception; a host reads null as "no counters".
    return nullptr;
  }
}

} // namespace
} // namespace folio_libreoffice

FOLIO_PLUGIN(folio_libreoffice::describe_libreoffice);
BOOST_DLL_ALIAS(folio_libreoffice::pool_stats_of, folio_libreoffice_pool_stats)
