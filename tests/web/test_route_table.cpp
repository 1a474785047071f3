// The router's route table, as folio-server builds it (a real app on a fresh data directory with the build's
// plugins), against /openapi.json's operations, both ways: every route is documented and every documented route
// exists.
#include "app.hpp"
#include "router.hpp"
#include "routes.hpp"
#include "temp_directory.hpp"
#include "web/openapi_document.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

TEST_CASE("every route of folio-server is in /openapi.json and every documented operation is a route", "[openapi]") {
  const folio_test::temp_directory directory;
  // As `serve` reads them: the environment (FOLIO_PLUGINS may name another plugin directory), then the flags.
  const std::string data_dir = directory.path().string();
  const std::vector<std::string_view> arguments{"--data-dir", data_dir};
  auto config = folio_server::load_config(arguments);
  REQUIRE(config);
  std::ostringstream log;
  auto app = folio_server::server_app::open(config.value(), log);
  INFO(log.str());
  REQUIRE(app);
  folio_server::router routes(*app.value());
  folio_server::register_routes(routes, *app.value());

  std::set<std::string> served;
  for (const auto& route : routes.routes()) {
    served.insert(Pistache::Http::methodString(route.method) + std::string(" ") + route.pattern);
  }
  const auto listed = folio_server::web::openapi_operations(folio_server::web::openapi_document());
  const std::set<std::string> documented(listed.begin(), listed.end());

  std::set<std::string> undocumented;
  std::set<std::string> missing;
  for (const auto& operation : served) {
    if (!documented.contains(operation)) {
      undocumented.insert(operation);
    }
  }
  for (const auto& operation : documented) {
    if (!served.contains(operation)) {
      missing.insert(operation);
    }
  }
  const auto listing = [](const std::set<std::string>& operations) {
    std::string text;
    for (const auto& operation : operations) {
      text += operation + "; ";
    }
    return text;
  };
  INFO("served but not in /openapi.json: " << listing(undocumented));
  INFO("in /openapi.json but not served: " << listing(missing));
  CHECK(undocumented.empty());
  CHECK(missing.empty());
  CHECK(served.size() >= 15);
}
