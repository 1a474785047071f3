// GET /agents: the agent profiles a request's "agent" may name, with their plugin and model. A profile's config is
// never shown: it may name where a key is kept.
#include "routes.hpp"

namespace folio_server {

void add_agent_routes(router& routes, server_app& app) {
  using Pistache::Http::Code;
  using Pistache::Http::Method;
  routes.add(Method::Get, "/agents", access::api_key, [&app](request_context&, const responder_ptr& answer) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& profile : app.agents().entries()) {
      nlohmann::json item{{"name", profile.name},
                          {"plugin", profile.plugin},
                          {"default", profile.name == app.agents().default_agent()}};
      if (!profile.model.empty()) {
        item["model"] = profile.model;
      }
      items.push_back(std::move(item));
    }
    answer->json(Code::Ok, {{"items", std::move(items)}});
  });
}

} // namespace folio_server
