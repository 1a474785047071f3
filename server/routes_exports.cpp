// POST /runs/{run_id}/export: the run's current document in another format, answered with a signed link to it; and
// GET /web/runs/{run_id}/exports/{format}, the run page's signed export links, answered with a redirect to the same
// kind of link. A cached export is answered on the I/O thread at once; a conversion runs on this group's own threads
// (never a Pistache I/O thread, never the threads that answer sync generate calls) and answers from there.
#include "routes.hpp"
#include "web/run_page.hpp"

#include <folio/conversion_route.hpp>
#include <folio/run_export.hpp>
#include <folio/signed_url.hpp>
#include <folio/time_format.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace folio_server {
namespace {

using Pistache::Http::Code;

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

// What becomes of an export once planned: its answer with the stored export (and whether it was cached), or its
// failure.
struct export_answers {
  std::function<void(const folio::export_plan&, const folio::export_entry&, bool cached)> made;
  std::function<void(const folio::error&)> failed;
};

class export_service {
public:
  explicit export_service(server_app& app)
      : app_(app), exporter_(app.store(), app.blobs(), app.clock(), app.export_routes()),
        // Every office can convert while as many callers wait on conversions already running (single flight).
        threads_(std::max<std::size_t>(2, 2 * app.config().office_processes)) {}

  export_service(const export_service&) = delete;
  export_service& operator=(const export_service&) = delete;
  ~export_service() { threads_.stop(); }

  // POST /runs/{run_id}/export: JSON with the export's signed download_url.
  void handle(const request_context& request, const responder_ptr& answer) {
    auto found = find_run(app_, request, app_.clock().now());
    if (!found) {
      answer->error(found.error());
      return;
    }
    auto fields = export_fields_of(request);
    if (!fields) {
      answer->error(fields.error());
      return;
    }
    auto planned = exporter_.plan(std::move(found).value(), fields.value().format, fields.value().options);
    if (!planned) {
      answer->error(planned.error());
      return;
    }
    run(std::move(planned).value(),
        {[this, answer](const folio::export_plan& plan, const folio::export_entry& made, bool cached) {
           const auto now = app_.clock().now();
           const auto expires = std::chrono::time_point_cast<std::chrono::seconds>(now + folio::default_link_ttl);
           // X-Export-Cache tells a client (and the tests) whether this answer converted anything.
           answer->json(Code::Ok,
                        {{"format", plan.request.target},
                         {"download_url", app_.file_url(made.output_hash, plan.file_name(), now)},
                         {"expires_at", folio::format_rfc3339(folio::timestamp{expires})}},
                        {{"X-Export-Cache", cached ? "hit" : "miss"}});
         },
         [answer](const folio::error& failure) { answer->error(failure); }},
        "ask for the export again");
  }

  // GET /web/runs/{run_id}/exports/{format}?expires=…&sig=…: a run page's export link, signed like the page and
  // needing no API key. It exports the run's current document with the target's default options and redirects to
  // the export's signed /files link; a failure is a page saying why.
  void follow_link(const request_context& request, const responder_ptr& answer) {
    const auto now = app_.clock().now();
    auto shown = open_page_link(app_, request, now, answer);
    if (!shown) {
      return;
    }
    const auto failed = [answer](const folio::error& failure) {
      send_page(answer, status_of(failure.code),
                web::render_message_page("This export cannot be made", failure.message));
    };
    auto planned = exporter_.plan(std::move(shown).value(), request.param("format"), nlohmann::json::object());
    if (!planned) {
      failed(planned.error());
      return;
    }
    run(std::move(planned).value(),
        {[this, answer](const folio::export_plan& plan, const folio::export_entry& made, bool cached) {
           auto headers = web::page_headers();
           headers.emplace_back("Location", app_.file_url(made.output_hash, plan.file_name(), app_.clock().now()));
           headers.emplace_back("X-Export-Cache", cached ? "hit" : "miss");
           answer->send(Code::Found, "", "", headers);
         },
         failed},
        "follow the link again");
  }

private:
  // A cached export is answered on the I/O thread at once; a conversion runs on this group's threads and answers
  // from there. Counts what happened for /metrics under the checked target's name.
  void run(folio::export_plan plan, export_answers answers, std::string_view retry) {
    auto& metrics = app_.metrics();
    metrics.count_export_lookup(plan.request.target, plan.ready.has_value());
    if (plan.ready) {
      answers.made(plan, *plan.ready, true);
      return;
    }
    const auto held = app_.hold_job([failed = answers.failed, retry = std::string(retry)] {
      failed({folio::errc::shutting_down, "the server is shutting down; " + retry});
    });
    threads_.post([this, held, &metrics, plan = std::move(plan), answers = std::move(answers)] {
      auto made = exporter_.produce(plan);
      if (made) {
        if (!made.value().cached) {
          metrics.count_conversion(plan.request.target);
        }
        answers.made(plan, made.value().entry, made.value().cached);
      } else {
        metrics.count_export_failure(plan.request.target);
        answers.failed(made.error());
      }
      app_.release(held);
    });
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
  routes.add(
      Pistache::Http::Method::Get, "/web/runs/{run_id}/exports/{format}", access::open,
      [service](request_context& request, const responder_ptr& answer) { service->follow_link(request, answer); });
}

} // namespace folio_server
