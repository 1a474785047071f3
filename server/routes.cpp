#include "routes.hpp"

namespace folio_server {

void register_routes(router& routes, server_app& app) {
  add_health_routes(routes, app);
  add_agent_routes(routes, app);
  add_generate_routes(routes, app);
  add_task_routes(routes, app);
  add_run_routes(routes, app);
  add_web_routes(routes, app);
  add_operations_routes(routes, app);
  add_file_routes(routes, app);
  add_export_routes(routes, app);
  add_run_document_routes(routes, app);
}

} // namespace folio_server
