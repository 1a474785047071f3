// The route groups of folio-server, one file each (router.hpp says how to add one).
#pragma once

#include "app.hpp"
#include "router.hpp"

#include <folio/run.hpp>

#include <string>

namespace folio_server {

// Every group, in the order they are matched.
void register_routes(router& routes, server_app& app);

// /healthz, /readyz (routes_health.cpp)
void add_health_routes(router& routes, server_app& app);
// GET /agents (routes_agents.cpp)
void add_agent_routes(router& routes, server_app& app);
// POST /excel|word|powerpoint/generate (routes_generate.cpp)
void add_generate_routes(router& routes, server_app& app);
// /tasks/{task_id}, its cancel and its events (routes_tasks.cpp)
void add_task_routes(router& routes, server_app& app);
// GET /runs, /runs/{run_id}, /runs/{run_id}/tasks (routes_runs.cpp)
void add_run_routes(router& routes, server_app& app);
// GET /files/{hash}/{file_name} (signed links) and GET /runs/{run_id}/download (routes_files.cpp)
void add_file_routes(router& routes, server_app& app);
// POST /runs/{run_id}/export, and GET /web/runs/{run_id}/exports/{format}: the run page's signed export links
// (routes_exports.cpp)
void add_export_routes(router& routes, server_app& app);
// PUT /runs/{run_id}/document, DELETE /runs/{run_id} (routes_run_documents.cpp)
void add_run_document_routes(router& routes, server_app& app);

// GET /web/runs/{run_id}: the run page behind edit_url (routes_web.cpp)
void add_web_routes(router& routes, server_app& app);

// For the run page and its links (routes_web.cpp): an HTML answer with web::page_headers().
void send_page(const responder_ptr& answer, Pistache::Http::Code code, const std::string& html);
// The run a signed page link names (the link is the capability: no API key, no organization). A tampered link is
// answered 403 and an expired one 410, each with a page saying so; an unknown run a 404 page. The answer is sent
// whenever this fails.
folio::result<folio::run> open_page_link(server_app& app, const request_context& request, folio::timestamp now,
                                         const responder_ptr& answer);
// GET /metrics, GET /openapi.json (routes_operations.cpp)
void add_operations_routes(router& routes, server_app& app);

} // namespace folio_server
