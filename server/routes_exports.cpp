// POST /runs/{run_id}/export: the run's current document in another format, answered with a signed link to it.
// A cached export is answered on the I/O thread at once; a conversion runs on this group's own threads (never a
// Pistache I/O thread, never the threads that answer sync generate calls) and answers from there.
#include "routes.hpp"

#include <folio/conversion_route.hpp>
#include <folio/run_export.hpp>
#include <folio/signed_url.hpp>
#include <folio/time_format.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace folio_server {
namespace {

using Pistache::Http::Code;

folio::conversion_router router_of(const server_app& app) {
  std::vector<std::shared_ptr<folio::converter>> converters;
  for (const auto& [name, made] : app.converters()) {
    converters.push_back(made);
  }
  return folio::conversion_router(std::move(converters));
}

// An option from the query string: page and width are numbers when they are written as one, so that "?page=2" and
// {"page": 2} ask the same; anything else stays text and is refused by the request's own checks.
nlohmann::json query_option(const std::string& name, const std::string& text) {
  const bool digits = !text.empty() && text.size() < 10 &&
                      std::all_of(text.begin(), text.end(), [](char each) { return each >= '0' && each <= '9'; });
  if ((name == "page" || name == "width") && digits) {
    return std::stoi(text);
  }
  return text;
}

struct export_fields {
  std::string format;
  nlohmann::json options = nlohmann::json::object();
};

// The fields of an export, from the JSON body or the query string (or both, when they agree).
folio::result<export_fields> export_fields_of(const request_context& request) {
  nlohmann::json given = nlohmann::json::object();
  if (!request.body.empty()) {
    auto body = json_object_body(request);
    if (!body) {
      return body.error();
    }
    if (auto known = reject_unknown_fields(body.value(), {"format", "page", "width", "sheet"}); !known) {
      return known.error();
    }
    given = std::move(body).value();
  }
  for (const auto* name : {"format", "page", "width", "sheet"}) {
    const auto text = request.query_value(name);
    if (!text) {
      continue;
    }
    auto value = query_option(name, std::string(*text));
    if (given.contains(name) && given[name] != value) {
      return folio::fail(folio::errc::invalid_argument,
                         std::string(name) + " is given twice, differently, in the body and the query", name);
    }
    given[name] = std::move(value);
  }
  export_fields fields;
  if (const auto format = given.find("format"); format != given.end()) {
    if (!format->is_string()) {
      return folio::fail(folio::errc::invalid_argument, "format is a string such as \"pdf\"", "format");
    }
    fields.format = format->get<std::string>();
    given.erase(format);
  }
  fields.options = std::move(given);
  return fields;
}

class export_service {
public:
  explicit export_service(server_app& app)
      : app_(app), exporter_(app.store(), app.blobs(), app.clock(), router_of(app)),
        // Every office can convert while as many callers wait on conversions already running (single flight).
        threads_(std::max<std::size_t>(2, 2 * app.config().office_processes)) {}

  export_service(const export_service&) = delete;
  export_service& operator=(const export_service&) = delete;
  ~export_service() { threads_.stop(); }

  void handle(const request_context& request, const responder_ptr& answer) {
    auto id = path_id<folio::run_id>(request, "run_id");
    if (!id) {
      answer->error(id.error());
      return;
    }
    auto fields = export_fields_of(request);
    if (!fields) {
      answer->error(fields.error());
      return;
    }
    auto planned = exporter_.plan(request.org_id(), id.value(), fields.value().format, fields.value().options);
    if (!planned) {
      answer->error(planned.error());
      return;
    }
    if (planned.value().ready) {
      reply(*answer, planned.value(), *planned.value().ready, true);
      return;
    }
    const auto held = app_.hold_open([answer] {
      answer->error({folio::errc::shutting_down, "the server is shutting down; ask for the export again"});
    });
    threads_.post([this, answer, held, plan = std::move(planned).value()] {
      auto made = exporter_.produce(plan);
      if (made) {
        reply(*answer, plan, made.value().entry, made.value().cached);
      } else {
        answer->error(made.error());
      }
      app_.release(held);
    });
  }

private:
  // X-Export-Cache tells a client (and the tests) whether this answer converted anything.
  void reply(responder& answer, const folio::export_plan& plan, const folio::export_entry& made, bool cached) {
    const auto now = app_.clock().now();
    const auto expires = std::chrono::time_point_cast<std::chrono::seconds>(now + folio::default_link_ttl);
    answer.json(Code::Ok,
                {{"format", plan.request.target},
                 {"download_url", app_.file_url(made.output_hash, plan.file_name(), now)},
                 {"expires_at", folio::format_rfc3339(folio::timestamp{expires})}},
                {{"X-Export-Cache", cached ? "hit" : "miss"}});
  }

  server_app& app_;
  folio::run_exporter exporter_;
  background threads_;
};

} // namespace

void add_export_routes(router& routes, server_app& app) {
  auto service = std::make_shared<export_service>(app);
  routes.add(Pistache::Http::Method::Post, "/runs/{run_id}/export", access::api_key,
             [service](request_context& request, const responder_ptr& answer) { service->handle(request, answer); });
}

} // namespace folio_server
