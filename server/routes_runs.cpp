// GET /runs (filters, keyset pages), GET /runs/{run_id} (with signed links), GET /runs/{run_id}/tasks (turn history).
#include "dto.hpp"
#include "routes.hpp"

#include <folio/pagination.hpp>

namespace folio_server {
namespace {

using Pistache::Http::Code;

folio::result<folio::run_filter> run_filter_of(const request_context& request) {
  folio::run_filter filter;
  if (const auto format = request.query_value("format")) {
    filter.format = folio::parse_document_format(*format);
    if (!filter.format) {
      return folio::fail(folio::errc::invalid_argument, "format is one of excel, word, powerpoint", "format");
    }
  }
  if (const auto status = request.query_value("status")) {
    filter.status = folio::parse_run_status(*status);
    if (!filter.status) {
      return folio::fail(folio::errc::invalid_argument,
                         "status is one of queued, running, completed, failed, cancelled, expired", "status");
    }
  }
  return filter;
}

void list_runs(server_app& app, const request_context& request, const responder_ptr& answer) {
  auto filter = run_filter_of(request);
  if (!filter) {
    answer->error(filter.error());
    return;
  }
  auto page_request =
      folio::parse_page_request<folio::run_id>(request.query_value("limit"), request.query_value("cursor"));
  if (!page_request) {
    answer->error(page_request.error());
    return;
  }
  auto listed = app.store().list_runs(request.org_id(), filter.value(), page_request.value(), app.clock().now());
  if (!listed) {
    answer->error(listed.error());
    return;
  }
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : listed.value().items) {
    items.push_back(run_summary_json(item));
  }
  answer->json(Code::Ok, {{"items", std::move(items)},
                          {"next_cursor", listed.value().next_cursor ? nlohmann::json(*listed.value().next_cursor)
                                                                     : nlohmann::json()}});
}

void get_run(server_app& app, const request_context& request, const responder_ptr& answer) {
  const auto now = app.clock().now();
  auto found = find_run(app, request, now);
  if (!found) {
    answer->error(found.error());
    return;
  }
  answer->json(Code::Ok, run_detail_json(app, found.value(), now));
}

void list_run_tasks(server_app& app, const request_context& request, const responder_ptr& answer) {
  auto page_request =
      folio::parse_page_request<folio::task_id>(request.query_value("limit"), request.query_value("cursor"));
  if (!page_request) {
    answer->error(page_request.error());
    return;
  }
  const auto now = app.clock().now();
  auto owner = find_run(app, request, now);
  if (!owner) {
    answer->error(owner.error());
    return;
  }
  const auto& id = owner.value().id;
  auto listed = app.store().list_tasks(request.org_id(), id, page_request.value());
  if (!listed) {
    answer->error(listed.error());
    return;
  }
  version_hashes hashes;
  if (owner.value().status != folio::run_status::expired) {
    auto written = written_versions(app, request.org_id(), id);
    if (!written) {
      answer->error(written.error());
      return;
    }
    hashes = std::move(written).value();
  }
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : listed.value().items) {
    const auto hash = hashes.find(item.id);
    items.push_back(task_json(app, item, hash != hashes.end() ? std::optional(hash->second) : std::nullopt,
                              owner.value().file_name, now));
  }
  answer->json(Code::Ok, {{"items", std::move(items)},
                          {"next_cursor", listed.value().next_cursor ? nlohmann::json(*listed.value().next_cursor)
                                                                     : nlohmann::json()}});
}

} // namespace

void add_run_routes(router& routes, server_app& app) {
  using Pistache::Http::Method;
  routes.add_read("/runs",
                  [&app](request_context& request, const responder_ptr& answer) { list_runs(app, request, answer); });
  routes.add_read("/runs/{run_id}",
                  [&app](request_context& request, const responder_ptr& answer) { get_run(app, request, answer); });
  routes.add_read("/runs/{run_id}/tasks", [&app](request_context& request, const responder_ptr& answer) {
    list_run_tasks(app, request, answer);
  });
}

} // namespace folio_server
