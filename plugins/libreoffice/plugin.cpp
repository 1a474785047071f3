// The "libreoffice" plugin: a converter (see libreoffice_converter.hpp) and, for the agents, document editors, both
// working on one pool of warm soffice processes (see office_pool.hpp). Config of either kind: {"processes": N
// (default: one per core)} plus the kind's own keys. Objects asking for the same number of processes share one pool,
// so a server's converter and editors do not start an office each.
#include "editor/office_editor.hpp"
#include "libreoffice_converter.hpp"
#include "office_pool.hpp"

#include <folio/plugin.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

namespace folio_libreoffice {
namespace {

folio::result<std::shared_ptr<office_pool>> shared_pool(const nlohmann::json& config) {
  std::size_t processes = std::max(1U, std::thread::hardware_concurrency());
  if (config.contains("processes")) {
    if (!config["processes"].is_number_integer() || config["processes"].get<std::int64_t>() <= 0) {
      return folio::fail(folio::errc::invalid_argument, "'processes' is a positive integer", "processes");
    }
    processes = config["processes"].get<std::size_t>();
  }
  static std::mutex mutex;
  static std::map<std::size_t, std::weak_ptr<office_pool>> pools;
  const std::scoped_lock lock(mutex);
  if (auto existing = pools[processes].lock()) {
    return existing;
  }
  pool_options options;
  options.program_dir = FOLIO_LIBREOFFICE_PROGRAM_DIR;
  options.processes = processes;
  auto started = office_pool::start(std::move(options));
  if (!started) {
    return started.error();
  }
  std::shared_ptr<office_pool> pool = std::move(started).value();
  pools[processes] = pool;
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

} // namespace
} // namespace folio_libreoffice

FOLIO_PLUGIN(folio_libreoffice::describe_libreoffice);
