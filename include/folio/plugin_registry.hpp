// The agents, converters and editor factories a host can make, each kind keyed by name (as in Envoy's registry.h).
// Entries come from plugin libraries or are injected by the host (tests, embedded agents) as plain factories.
// A name is registered once per kind: a second registration is refused, never silently replaces the first.
#pragma once

#include <folio/agent.hpp>
#include <folio/converter.hpp>
#include <folio/editor.hpp>
#include <folio/errors.hpp>
#include <folio/plugin.hpp>
#include <folio/plugin_loader.hpp>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

FOLIO_BEGIN_NAMESPACE

// A plugin file load_directory could not use, and why.
struct plugin_load_failure {
  std::filesystem::path file;
  error failure;
};

struct directory_load_report {
  std::vector<std::string> loaded; // plugin names, in file-name order
  std::vector<plugin_load_failure> failures;
};

// What the host knows about one loaded plugin library, for listings and logs.
struct plugin_summary {
  std::string name;
  std::string version;
  plugin_kind kinds = plugin_kind::none;
  std::filesystem::path file;
};

namespace detail {

template <class Product>
struct registry_entry {
  plugin_factory<Product> make;
  // Where the entry came from, for the refusal of a duplicate: a plugin file, or the host itself.
  std::string origin;
};

template <class Product>
using registry_table = std::map<std::string, registry_entry<Product>, std::less<>>;

template <class Product>
std::string known_names(const registry_table<Product>& table) {
  std::string names;
  for (const auto& [name, entry] : table) {
    names += (names.empty() ? "" : ", ") + name;
  }
  return names;
}

inline bool is_plugin_file_name(const std::filesystem::path& file) {
  const auto name = file.filename().string();
  return file.extension() == ".so" && (name.starts_with("libfolio_plugin_") || name.starts_with("folio_plugin_"));
}

inline constexpr std::string_view injected_origin = "the host";

} // namespace detail

// Registration takes a unique lock and lookups a shared one, so reading from many threads is safe, during loading as
// after it. Factories are called outside the lock: a slow factory does not hold up other lookups.
class plugin_registry {
public:
  plugin_registry() = default;
  plugin_registry(const plugin_registry&) = delete;
  plugin_registry& operator=(const plugin_registry&) = delete;
  plugin_registry(plugin_registry&&) = delete;
  plugin_registry& operator=(plugin_registry&&) = delete;
  ~plugin_registry() = default;

  // Injects a factory without a library: plugin_duplicate_name when the kind already has that name.
  result<void> add_agent(std::string name, plugin_factory<agent> make) {
    return add_injected(agents_, "agent", std::move(name), std::move(make));
  }
  result<void> add_converter(std::string name, plugin_factory<converter> make) {
    return add_injected(converters_, "converter", std::move(name), std::move(make));
  }
  result<void> add_editor_factory(std::string name, plugin_factory<editor_factory> make) {
    return add_injected(editor_factories_, "editor factory", std::move(name), std::move(make));
  }

  // Registers every kind a loaded plugin offers, under its name, or nothing: plugin_duplicate_name when another
  // plugin has that name or one of its kinds already has an entry of that name.
  result<void> add(loaded_plugin plugin) {
    const auto shared = std::make_shared<const loaded_plugin>(std::move(plugin));
    const std::unique_lock lock(mutex_);
    if (auto available = check_name_unused(*shared); !available) {
      return available.error();
    }
    const auto origin = shared->file().string();
    if (offers(shared->kinds(), plugin_kind::agent)) {
      agents_.insert_or_assign(
          shared->name(), detail::registry_entry<agent>{
                              [shared](const nlohmann::json& config) { return shared->make_agent(config); }, origin});
    }
    if (offers(shared->kinds(), plugin_kind::converter)) {
      converters_.insert_or_assign(
          shared->name(),
          detail::registry_entry<converter>{
              [shared](const nlohmann::json& config) { return shared->make_converter(config); }, origin});
    }
    if (offers(shared->kinds(), plugin_kind::editor)) {
      editor_factories_.insert_or_assign(
          shared->name(),
          detail::registry_entry<editor_factory>{
              [shared](const nlohmann::json& config) { return shared->make_editor_factory(config); }, origin});
    }
    plugins_.insert_or_assign(shared->name(), shared);
    return success();
  }

  // Loads one plugin file and registers it; the plugin's name on success.
  result<std::string> load(const std::filesystem::path& file) {
    auto plugin = load_plugin(file);
    if (!plugin) {
      return plugin.error();
    }
    auto name = plugin.value().name();
    if (auto added = add(std::move(plugin).value()); !added) {
      return added.error();
    }
    return name;
  }

  // Loads every "libfolio_plugin_*.so" and "folio_plugin_*.so" in a directory (not its subdirectories), in file-name
  // order so that which of two same-named plugins wins does not depend on the file system. A file that fails is
  // reported and the others still load; only an unreadable directory fails the whole call.
  result<directory_load_report> load_directory(const std::filesystem::path& directory) {
    std::error_code failure;
    std::vector<std::filesystem::path> candidates;
    for (auto entry = std::filesystem::directory_iterator(directory, failure);
         !failure && entry != std::filesystem::directory_iterator(); entry.increment(failure)) {
      std::error_code status_failure;
      if (entry->is_regular_file(status_failure) && detail::is_plugin_file_name(entry->path())) {
        candidates.push_back(entry->path());
      }
    }
    if (failure) {
      return fail(errc::plugin_load_failed,
                  "cannot read the plugin directory '" + directory.string() + "': " + failure.message(), "directory");
    }
    std::sort(candidates.begin(), candidates.end());
    directory_load_report report;
    for (const auto& file : candidates) {
      if (auto name = load(file)) {
        report.loaded.push_back(std::move(name).value());
      } else {
        report.failures.push_back({file, name.error()});
      }
    }
    return report;
  }

  // plugin_not_found (listing the known names) for an unknown name; the factory's own error otherwise.
  [[nodiscard]] result<std::unique_ptr<agent>>
  make_agent(std::string_view name, const nlohmann::json& config = nlohmann::json::object()) const {
    return make(agents_, "agent", name, config);
  }
  [[nodiscard]] result<std::unique_ptr<converter>>
  make_converter(std::string_view name, const nlohmann::json& config = nlohmann::json::object()) const {
    return make(converters_, "converter", name, config);
  }
  [[nodiscard]] result<std::unique_ptr<editor_factory>>
  make_editor_factory(std::string_view name, const nlohmann::json& config = nlohmann::json::object()) const {
    return make(editor_factories_, "editor factory", name, config);
  }

  // Sorted names of each kind.
  [[nodiscard]] std::vector<std::string> agent_names() const { return names(agents_); }
  [[nodiscard]] std::vector<std::string> converter_names() const { return names(converters_); }
  [[nodiscard]] std::vector<std::string> editor_factory_names() const { return names(editor_factories_); }

  // The loaded plugin libraries, sorted by name.
  [[nodiscard]] std::vector<plugin_summary> plugins() const {
    const std::shared_lock lock(mutex_);
    std::vector<plugin_summary> summaries;
    summaries.reserve(plugins_.size());
    for (const auto& [name, plugin] : plugins_) {
      summaries.push_back({name, plugin->version(), plugin->kinds(), plugin->file()});
    }
    return summaries;
  }

private:
  template <class Product>
  result<void> add_injected(detail::registry_table<Product>& table, std::string_view kind_name, std::string name,
                            plugin_factory<Product> make) {
    if (name.empty() || !make) {
      return fail(errc::invalid_argument, "a " + std::string(kind_name) + " needs a name and a factory", "name");
    }
    const std::unique_lock lock(mutex_);
    if (const auto existing = table.find(name); existing != table.end()) {
      return fail(errc::plugin_duplicate_name,
                  "cannot register the " + std::string(kind_name) + " '" + name +
                      "': that name is already registered by " + existing->second.origin,
                  "name");
    }
    table.emplace(std::move(name),
                  detail::registry_entry<Product>{std::move(make), std::string(detail::injected_origin)});
    return success();
  }

  template <class Product>
  static result<void> check_name_unused_in(const detail::registry_table<Product>& table, std::string_view kind_name,
                                           const loaded_plugin& plugin) {
    if (const auto existing = table.find(plugin.name()); existing != table.end()) {
      return fail(errc::plugin_duplicate_name,
                  "cannot register plugin '" + plugin.name() + "' from '" + plugin.file().string() + "': the " +
                      std::string(kind_name) + " name '" + plugin.name() + "' is already registered by " +
                      existing->second.origin,
                  "file");
    }
    return success();
  }

  // Called with the unique lock held.
  [[nodiscard]] result<void> check_name_unused(const loaded_plugin& plugin) const {
    if (const auto existing = plugins_.find(plugin.name()); existing != plugins_.end()) {
      return fail(errc::plugin_duplicate_name,
                  "cannot register plugin '" + plugin.name() + "' from '" + plugin.file().string() +
                      "': a plugin of that name is already loaded from '" + existing->second->file().string() + "'",
                  "file");
    }
    if (offers(plugin.kinds(), plugin_kind::agent)) {
      if (auto available = check_name_unused_in(agents_, "agent", plugin); !available) {
        return available;
      }
    }
    if (offers(plugin.kinds(), plugin_kind::converter)) {
      if (auto available = check_name_unused_in(converters_, "converter", plugin); !available) {
        return available;
      }
    }
    if (offers(plugin.kinds(), plugin_kind::editor)) {
      if (auto available = check_name_unused_in(editor_factories_, "editor factory", plugin); !available) {
        return available;
      }
    }
    return success();
  }

  template <class Product>
  result<std::unique_ptr<Product>> make(const detail::registry_table<Product>& table, std::string_view kind_name,
                                        std::string_view name, const nlohmann::json& config) const {
    plugin_factory<Product> factory;
    {
      const std::shared_lock lock(mutex_);
      const auto found = table.find(name);
      if (found == table.end()) {
        return fail(errc::plugin_not_found,
                    "no " + std::string(kind_name) + " named '" + std::string(name) + "'; " +
                        (table.empty() ? "none is registered" : "known: " + detail::known_names(table)),
                    "name");
      }
      factory = found->second.make;
    }
    // Plugin entries never throw (their wrappers catch); an injected factory is held to the same rule here.
    auto made =
        detail::call_plugin(std::string(name), "make " + std::string(kind_name), [&] { return factory(config); });
    if (made && !made.value()) {
      return fail(errc::plugin_error, "the " + std::string(kind_name) + " factory '" + std::string(name) +
                                          "' made nothing and reported no error");
    }
    return made;
  }

  template <class Product>
  std::vector<std::string> names(const detail::registry_table<Product>& table) const {
    const std::shared_lock lock(mutex_);
    std::vector<std::string> sorted;
    sorted.reserve(table.size());
    for (const auto& [name, entry] : table) {
      sorted.push_back(name);
    }
    return sorted;
  }

  mutable std::shared_mutex mutex_;
  detail::registry_table<agent> agents_;
  detail::registry_table<converter> converters_;
  detail::registry_table<editor_factory> editor_factories_;
  std::map<std::string, std::shared_ptr<const loaded_plugin>, std::less<>> plugins_;
};

FOLIO_END_NAMESPACE
