// Agent profiles: the agents a server offers, by name. A profile is an agent plugin and its configuration. They come
// from the "agents" option ({"gpt": {"plugin": "openai", "config": {"base_url": …, "model": …}}}), from
// FOLIO_OPENAI_BASE_URL and FOLIO_OPENAI_MODEL (a profile named "openai"), and from every loaded agent plugin that
// works without configuration (a profile of the plugin's own name, as "scripted"). A request's "agent" and
// --default-agent name a profile.
#pragma once

#include <folio/agent.hpp>
#include <folio/errors.hpp>
#include <folio/plugin_registry.hpp>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace folio_server {

struct agent_profile {
  std::string plugin;
  // Given to the plugin as it is. Secrets stay out of it (the openai agent names the variable holding its key).
  nlohmann::json config = nlohmann::json::object();
};

using agent_profiles = std::map<std::string, agent_profile, std::less<>>;

// The "agents" option's JSON text: an object of profiles by name, each {"plugin": NAME, "config": {…}}.
// invalid_argument naming the profile and the key for anything else.
folio::result<agent_profiles> parse_agent_profiles(std::string_view text);

// The profile FOLIO_OPENAI_BASE_URL, FOLIO_OPENAI_MODEL and FOLIO_OPENAI_API_KEY_ENV make, given how to read the
// environment; none when neither of the first two is set, invalid_argument naming the missing one when one is.
folio::result<std::optional<agent_profile>>
openai_environment_profile(const std::function<std::optional<std::string>(const std::string&)>& environment);

// The agents of every profile, made once when the server starts.
class agent_catalog {
public:
  struct entry {
    std::string name;
    std::string plugin;
    // The config's "model", when it names one; shown by GET /agents.
    std::string model;
    std::shared_ptr<folio::agent> agent;
  };

  // Makes the agent of each configured profile; one that fails stops the server with an error naming the profile
  // (and the plugin's own message naming the key). Each loaded agent plugin without a profile of its name becomes one
  // when it can be made without configuration; why the others cannot is kept for /readyz. The default must name a
  // profile.
  static folio::result<agent_catalog> make(const folio::plugin_registry& plugins, const agent_profiles& configured,
                                           std::string_view default_agent);

  // unknown_agent listing the profiles.
  [[nodiscard]] folio::result<std::shared_ptr<folio::agent>> find(std::string_view name) const;
  // Sorted by name.
  [[nodiscard]] const std::vector<entry>& entries() const { return entries_; }
  // Agent plugins loaded without a profile, and why they could not be made without configuration.
  [[nodiscard]] const std::map<std::string, std::string, std::less<>>& unconfigured() const { return unconfigured_; }
  [[nodiscard]] const std::string& default_agent() const { return default_agent_; }

private:
  // "gpt, scripted": what an error lists.
  [[nodiscard]] std::string profile_names() const;

  std::vector<entry> entries_;
  std::map<std::string, std::string, std::less<>> unconfigured_;
  std::string default_agent_;
};

} // namespace folio_server
