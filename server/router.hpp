// The routes of folio-server and how a request reaches one.
//
// Adding a route group:
//   1. Write server/routes_NAME.cpp with `void add_NAME_routes(router& routes, server_app& app)` that calls
//      routes.add(method, "/pattern/{param}", access, handler) for each route; declare it in routes.hpp and call it
//      from register_routes() in routes.cpp; add the file to server/CMakeLists.txt and scripts/check-tidy.
//   2. A handler gets the request (request_context: params, query, headers, body, the caller's organization) and a
//      responder. It must not block: a Pistache I/O thread runs it. Anything that waits (a turn, a conversion) runs
//      elsewhere (the engine's threads, app.background()) and answers through the responder from there; the
//      responder may be kept and completed from any thread, exactly once.
//   3. Errors: `answer->error(folio::error{errc::…, "message", "param"})`; the status comes from status_of() in
//      http.cpp, the only place an errc becomes an HTTP status. Domain rules stay in include/folio.
//   4. access::api_key routes see ctx.org set (Bearer key checked, 401 otherwise); access::open routes (health,
//      signed links, the run page) check whatever they need themselves. Another organization's ids answer 404.
//   5. A read whose answer depends on nothing but the store, the key, the path, the query and the second is added
//      with add_read(): answers are then reused while the store has not changed (answer_cache.hpp).
// Every exchange is logged as one JSON line and reported to app.on_request_completed hooks (metrics).
#pragma once

#include "http.hpp"

#include <pistache/http.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace folio_server {

class server_app;

enum class access { open, api_key };

using route_handler = std::function<void(request_context& request, const responder_ptr& answer)>;

class router {
public:
  explicit router(server_app& app) : app_(app) {}

  // Patterns are literal segments and {name} segments, which match one non-empty segment into request.params.
  // Bodies above max_body bytes (0: the server's max_body_bytes) answer 413 before the handler runs.
  void add(Pistache::Http::Method method, std::string pattern, access needs, route_handler handler,
           std::size_t max_body = 0);
  // A GET that needs an API key and whose 200 answer is a function of the store's data, the caller's key, the path,
  // the query and the current second, and nothing else (not the time within the second, no other header, no state
  // outside the store). Its answers are kept in app.answers() and sent again while they hold (answer_cache.hpp).
  void add_read(std::string pattern, route_handler handler);

  // Answers one request: 404/405 for no route, 413 for a body over the route's limit, 401 without a valid key,
  // otherwise the route's handler.
  void dispatch(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter writer) const;

  struct route {
    Pistache::Http::Method method;
    std::string pattern;
    std::vector<std::string> segments;
    access needs;
    route_handler handler;
    std::size_t max_body;
    bool reusable = false;
  };
  [[nodiscard]] const std::vector<route>& routes() const { return routes_; }

private:
  server_app& app_;
  std::vector<route> routes_;
  // The log line, then the app's hooks (registered before serving): made at the first request, shared by all.
  mutable std::once_flag hooks_made_;
  mutable std::shared_ptr<const std::vector<request_hook>> hooks_;
};

} // namespace folio_server
