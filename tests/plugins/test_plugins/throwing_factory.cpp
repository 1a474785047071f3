// Loads fine, but its factories throw: making an object must give an error value, not an exception.
#include <folio/plugin.hpp>

#include <stdexcept>

namespace {

const folio::plugin_descriptor& describe_throwing_factory() {
  static const folio::plugin_descriptor descriptor{
      "throwing_factory",
      "0.0.1",
      folio::plugin_kind::agent | folio::plugin_kind::converter,
      [](const nlohmann::json& config) -> folio::result<std::unique_ptr<folio::agent>> {
        throw std::invalid_argument("bad agent config: " + config.dump());
      },
      [](const nlohmann::json& config) -> folio::result<std::unique_ptr<folio::converter>> {
        // nlohmann::json::at throws its own exception type when the key is missing, as a careless plugin would.
        return folio::fail(folio::errc::invalid_argument, config.at("required_key").get<std::string>());
      },
      {},
  };
  return descriptor;
}

} // namespace

FOLIO_PLUGIN(describe_throwing_factory);
