#include "agent_profiles.hpp"

#include <algorithm>
#include <utility>

namespace folio_server {
namespace {

folio::error invalid_profile(const std::string& name, const std::string& why) {
  return folio::fail(folio::errc::invalid_argument, "agents: the profile '" + name + "' " + why, "agents");
}

} // namespace

std::string agent_catalog::profile_names() const {
  std::string text;
  for (const auto& made : entries_) {
    text += (text.empty() ? "" : ", ") + made.name;
  }
  return text.empty() ? "none" : text;
}

folio::result<agent_profiles> parse_agent_profiles(std::string_view text) {
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_object()) {
    return folio::fail(folio::errc::invalid_argument,
                       R"(agents must be a JSON object of profiles: {"NAME": {"plugin": "openai", "config": {…}}})",
                       "agents");
  }
  agent_profiles profiles;
  for (const auto& [name, value] : parsed.items()) {
    if (name.empty() || name.size() > 64 || !std::all_of(name.begin(), name.end(), [](char symbol) {
          return (symbol >= 'a' && symbol <= 'z') || (symbol >= '0' && symbol <= '9') || symbol == '-' ||
                 symbol == '_' || symbol == '.';
        })) {
      return invalid_profile(name, "has a name that is not 1 to 64 of a-z, 0-9, '-', '_' and '.'");
    }
    if (!value.is_object()) {
      return invalid_profile(name, R"(must be an object: {"plugin": NAME, "config": {…}})");
    }
    for (const auto& [key, ignored] : value.items()) {
      if (key != "plugin" && key != "config") {
        return invalid_profile(name, "has the unknown key '" + key + "' (keys: plugin, config)");
      }
    }
    if (!value.contains("plugin") || !value["plugin"].is_string() || value["plugin"].get<std::string>().empty()) {
      return invalid_profile(name, "needs \"plugin\": the name of an agent plugin");
    }
    agent_profile profile{value["plugin"].get<std::string>(), nlohmann::json::object()};
    if (value.contains("config")) {
      if (!value["config"].is_object()) {
        return invalid_profile(name, "has a \"config\" that is not a JSON object");
      }
      profile.config = value["config"];
    }
    profiles.emplace(name, std::move(profile));
  }
  return profiles;
}

folio::result<std::optional<agent_profile>>
openai_environment_profile(const std::function<std::optional<std::string>(const std::string&)>& environment) {
  const auto base_url = environment("FOLIO_OPENAI_BASE_URL");
  const auto model = environment("FOLIO_OPENAI_MODEL");
  if (!base_url && !model) {
    return std::optional<agent_profile>();
  }
  if (!base_url || !model) {
    return folio::fail(folio::errc::invalid_argument,
                       std::string(base_url ? "FOLIO_OPENAI_MODEL" : "FOLIO_OPENAI_BASE_URL") + " is required beside " +
                           (base_url ? "FOLIO_OPENAI_BASE_URL" : "FOLIO_OPENAI_MODEL") +
                           " to make the agent profile 'openai'",
                       base_url ? "FOLIO_OPENAI_MODEL" : "FOLIO_OPENAI_BASE_URL");
  }
  agent_profile profile{"openai", {{"base_url", *base_url}, {"model", *model}}};
  if (const auto key_variable = environment("FOLIO_OPENAI_API_KEY_ENV"); key_variable) {
    profile.config["api_key_env"] = *key_variable;
  }
  return std::optional<agent_profile>(std::move(profile));
}

folio::result<agent_catalog> agent_catalog::make(const folio::plugin_registry& plugins,
                                                 const agent_profiles& configured, std::string_view default_agent) {
  agent_catalog catalog;
  for (const auto& [name, profile] : configured) {
    // An unknown plugin is the registry's plugin_not_found, which lists the loaded ones.
    auto made = plugins.make_agent(profile.plugin, profile.config);
    if (!made) {
      auto failure = made.error();
      failure.message = "agent profile '" + name + "': " + failure.message;
      return failure;
    }
    const auto model = profile.config.value("model", nlohmann::json()).is_string()
                           ? profile.config["model"].get<std::string>()
                           : std::string();
    catalog.entries_.push_back({name, profile.plugin, model, std::move(made).value()});
  }
  for (const auto& plugin : plugins.agent_names()) {
    if (configured.find(plugin) != configured.end()) {
      continue;
    }
    if (auto made = plugins.make_agent(plugin); made) {
      catalog.entries_.push_back({plugin, plugin, "", std::move(made).value()});
    } else {
      catalog.unconfigured_.emplace(plugin, made.error().message);
    }
  }
  std::sort(catalog.entries_.begin(), catalog.entries_.end(),
            [](const entry& left, const entry& right) { return left.name < right.name; });
  if (!catalog.find(default_agent)) {
    return folio::fail(folio::errc::invalid_argument,
                       "default_agent names '" + std::string(default_agent) +
                           "', which is not an agent profile (profiles: " + catalog.profile_names() + ")",
                       "default_agent");
  }
  catalog.default_agent_ = std::string(default_agent);
  return catalog;
}

folio::result<std::shared_ptr<folio::agent>> agent_catalog::find(std::string_view name) const {
  const auto found = std::lower_bound(entries_.begin(), entries_.end(), name,
                                      [](const entry& made, std::string_view wanted) { return made.name < wanted; });
  if (found != entries_.end() && found->name == name) {
    return found->agent;
  }
  std::string why = "no agent profile '" + std::string(name) + "' (profiles: " + profile_names() + ")";
  if (const auto plugin = unconfigured_.find(name); plugin != unconfigured_.end()) {
    why +=
        "; the plugin '" + plugin->first + "' is loaded but needs a profile with its configuration: " + plugin->second;
  }
  return folio::fail(folio::errc::unknown_agent, why, "agent");
}

} // namespace folio_server
