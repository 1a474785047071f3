// /healthz: the process answers. /readyz: the store answers, an editor and the converters are loaded, and the server
// is not draining; load balancers stop sending work on a 503. Its answer names the usable agent profiles.
#include "routes.hpp"

#include <folio/version.hpp>

namespace folio_server {

void add_health_routes(router& routes, server_app& app) {
  using Pistache::Http::Code;
  using Pistache::Http::Method;
  routes.add(Method::Get, "/healthz", access::open, [](request_context&, const responder_ptr& answer) {
    answer->json(Code::Ok, {{"status", "ok"}, {"version", FOLIO_VERSION_STRING}});
  });
  routes.add(Method::Get, "/readyz", access::open, [&app](request_context&, const responder_ptr& answer) {
    if (app.draining()) {
      answer->error(folio::error{folio::errc::shutting_down, "the server is shutting down"});
      return;
    }
    if (auto reachable = app.store().list_organizations(); !reachable) {
      answer->error(folio::error{folio::errc::not_ready, "the store does not answer: " + reachable.error().message});
      return;
    }
    if (app.converters().empty()) {
      answer->error(folio::error{folio::errc::not_ready, "no converter plugin is loaded"});
      return;
    }
    nlohmann::json converters = nlohmann::json::array();
    for (const auto& [name, converter] : app.converters()) {
      converters.push_back(name);
    }
    // The profiles requests may name, and the agent plugins that need one before they can be used.
    nlohmann::json agents = nlohmann::json::array();
    for (const auto& profile : app.agents().entries()) {
      agents.push_back(profile.name);
    }
    nlohmann::json unconfigured = nlohmann::json::object();
    for (const auto& [plugin, why] : app.agents().unconfigured()) {
      unconfigured[plugin] = why;
    }
    answer->json(
        Code::Ok,
        {{"status", "ready"}, {"converters", converters}, {"agents", agents}, {"agents_unconfigured", unconfigured}});
  });
}

} // namespace folio_server
