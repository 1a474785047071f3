// The run page (edit_url): GET /web/runs/{run_id}?expires=…&sig=…, a capability link signed for one run that needs
// no API key. It renders the run's turns, its download link and a signed link per export its format allows
// (web/run_page.hpp; routes_exports.cpp answers those); a tampered link answers 403 and an expired one 410, each with
// a page saying so.
#include "routes.hpp"
#include "web/run_page.hpp"

#include <folio/conversion_route.hpp>
#include <folio/time_format.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace folio_server {
namespace {

using Pistache::Http::Code;

// Every task of the run, oldest first (the store pages newest first).
folio::result<std::vector<folio::task>> all_turns(server_app& app, const folio::run& shown) {
  std::vector<folio::task> turns;
  folio::page_request<folio::task_id> request;
  request.limit = 100;
  while (true) {
    auto page = app.store().list_tasks(shown.org, shown.id, request);
    if (!page) {
      return page.error();
    }
    turns.insert(turns.end(), page.value().items.begin(), page.value().items.end());
    if (!page.value().next_cursor) {
      break;
    }
    request.before = folio::task_id::parse(*page.value().next_cursor).value();
  }
  std::reverse(turns.begin(), turns.end());
  return turns;
}

web::run_view view_of(server_app& app, const folio::conversion_router& conversions, const folio::run& shown,
                      const std::vector<folio::task>& turns, folio::timestamp now) {
  web::run_view view;
  view.run_id = shown.id.str();
  view.format = std::string(folio::file_extension(shown.format));
  view.file_name = shown.file_name;
  view.status = std::string(folio::to_string(shown.status));
  view.created_at = folio::format_rfc3339(shown.created_at);
  view.expires_at = folio::format_rfc3339(shown.expires_at);
  view.credits_used = shown.credits_used;
  view.duration_ms = shown.duration_ms;
  if (!shown.document_hash.empty() && shown.status != folio::run_status::expired) {
    view.download =
        web::page_link{"Download " + shown.file_name, app.file_url(shown.document_hash, shown.file_name, now)};
    for (const auto& target : conversions.targets_for(folio::file_extension(shown.format))) {
      view.exports.push_back({target, app.export_link_url(shown.id, target, now)});
    }
  }
  for (const auto& turn : turns) {
    web::turn_view row;
    row.turn_index = turn.turn_index;
    row.prompt = turn.prompt;
    row.status = std::string(folio::to_string(turn.status));
    row.credits_used = turn.credits_used;
    row.duration_ms = turn.duration_ms();
    row.created_at = folio::format_rfc3339(turn.created_at);
    if (turn.failure) {
      row.error = std::string(folio::to_string(turn.failure->code)) + ": " + turn.failure->message;
    }
    view.turns.push_back(std::move(row));
  }
  return view;
}

void show_run_page(server_app& app, request_context& request, const responder_ptr& answer,
                   const folio::conversion_router& conversions) {
  const auto now = app.clock().now();
  auto shown = open_page_link(app, request, now, answer);
  if (!shown) {
    return;
  }
  auto turns = all_turns(app, shown.value());
  if (!turns) {
    send_page(answer, Code::Internal_Server_Error,
              web::render_message_page("The run cannot be shown now", "Try again in a moment."));
    return;
  }
  send_page(answer, Code::Ok, web::render_run_page(view_of(app, conversions, shown.value(), turns.value(), now)));
}

} // namespace

void send_page(const responder_ptr& answer, Code code, const std::string& html) {
  answer->send(code, html, "text/html; charset=utf-8", web::page_headers());
}

folio::result<folio::run> open_page_link(server_app& app, const request_context& request, folio::timestamp now,
                                         const responder_ptr& answer) {
  const auto expires = request.query_value("expires");
  const auto signature = request.query_value("sig");
  auto checked = app.signer().verify("GET", request.path, expires.value_or(""), signature.value_or(""), now);
  if (!checked) {
    const bool expired = checked.error().code == folio::errc::link_expired;
    send_page(answer, expired ? Code::Gone : Code::Forbidden, web::render_dead_link_page(expired));
    return checked.error();
  }
  auto id = folio::run_id::parse(request.param("run_id"));
  auto shown = id ? app.store().load_run(id.value(), now) : folio::result<folio::run>(id.error());
  if (!shown) {
    const bool unknown = shown.error().code == folio::errc::not_found || shown.error().code == folio::errc::invalid_id;
    send_page(answer, unknown ? Code::Not_Found : Code::Internal_Server_Error,
              unknown ? web::render_message_page("No such run", "This run does not exist.")
                      : web::render_message_page("The run cannot be shown now", "Try again in a moment."));
  }
  return shown;
}

void add_web_routes(router& routes, server_app& app) {
  auto conversions = std::make_shared<folio::conversion_router>(app.export_routes());
  routes.add(Pistache::Http::Method::Get, "/web/runs/{run_id}", access::open,
             [&app, conversions](request_context& request, const responder_ptr& answer) {
               show_run_page(app, request, answer, *conversions);
             });
}

} // namespace folio_server
