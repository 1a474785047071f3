// PUT /runs/{run_id}/document (a human-edited version the next turn starts from) and DELETE /runs/{run_id} (the
// run's bytes removed now; the run stays, expired). Opening an uploaded document takes an office, so it runs on this
// group's own thread and answers from there.
#include "dto.hpp"
#include "routes.hpp"

#include <folio/document_upload.hpp>

#include <memory>
#include <string>

namespace folio_server {
namespace {

using Pistache::Http::Code;

class run_document_service {
public:
  explicit run_document_service(server_app& app)
      : app_(app), uploads_(app.store(), app.engine(), app.editors(), app.clock()), threads_(1) {}

  run_document_service(const run_document_service&) = delete;
  run_document_service& operator=(const run_document_service&) = delete;
  ~run_document_service() { threads_.stop(); }

  void upload(const request_context& request, const responder_ptr& answer) {
    auto found = find_run(app_, request, app_.clock().now());
    if (!found) {
      answer->error(found.error());
      return;
    }
    auto checked = folio::document_uploads::check(std::move(found).value(), request.header("content-type").value_or(""),
                                                  request.body);
    if (!checked) {
      answer->error(checked.error());
      return;
    }
    const auto held = app_.hold_job([answer] {
      answer->error({folio::errc::shutting_down, "the server is shutting down; upload the document again"});
    });
    // The request is copied into the job: the handler's context ends when it returns.
    threads_.post(
        [this, answer, held, org = request.org_id(), target = std::move(checked).value(), bytes = request.body] {
          auto stored = uploads_.upload(org, target, bytes);
          if (stored) {
            answer->json(Code::Ok, run_detail_json(app_, stored.value(), app_.clock().now()));
          } else {
            answer->error(stored.error());
          }
          app_.release(held);
        });
  }

  void remove(const request_context& request, const responder_ptr& answer) {
    auto found = find_run(app_, request, app_.clock().now());
    if (!found) {
      answer->error(found.error());
      return;
    }
    if (auto deleted = app_.engine().delete_run(request.org_id(), found.value().id); !deleted) {
      answer->error(deleted.error());
      return;
    }
    const auto now = app_.clock().now();
    auto after = find_run(app_, request, now);
    if (!after) {
      answer->error(after.error());
      return;
    }
    answer->json(Code::Ok, run_detail_json(app_, after.value(), now));
  }

private:
  server_app& app_;
  folio::document_uploads uploads_;
  background threads_;
};

} // namespace

void add_run_document_routes(router& routes, server_app& app) {
  auto service = std::make_shared<run_document_service>(app);
  routes.add(
      Pistache::Http::Method::Put, "/runs/{run_id}/document", access::api_key,
      [service](request_context& request, const responder_ptr& answer) { service->upload(request, answer); },
      app.config().max_upload_bytes);
  routes.add(Pistache::Http::Method::Delete, "/runs/{run_id}", access::api_key,
             [service](request_context& request, const responder_ptr& answer) { service->remove(request, answer); });
}

} // namespace folio_server
