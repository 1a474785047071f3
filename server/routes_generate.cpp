// POST /excel/generate, /word/generate, /powerpoint/generate: a new run, or a new turn of one (run_id), sync or
// async, with idempotency keys. A sync call never holds an I/O thread: the handler subscribes to the task's changes
// and returns; the answer is sent from a background thread when the task ends, or as a 202 when the server's sync
// limit passes first (or the server drains).
#include "address_policy.hpp"
#include "dto.hpp"
#include "routes.hpp"

#include <folio/digest.hpp>
#include <folio/submission.hpp>

#include <atomic>
#include <memory>
#include <mutex>

namespace folio_server {
namespace {

using Pistache::Http::Code;

// Seconds a client should wait after a 429 before trying again.
constexpr std::string_view retry_after_seconds = "5";

folio::result<std::string> optional_text(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) {
    return std::string();
  }
  if (!body[name].is_string()) {
    return folio::fail(folio::errc::invalid_argument, std::string(name) + " must be a string", name);
  }
  return body[name].get<std::string>();
}

struct generate_request {
  folio::submission submission;
  bool async = false;
};

// The body's fields, typed; the submission's own rules (lengths, names, counts) are folio::validate's.
folio::result<generate_request> read_generate(const request_context& request, folio::document_format format) {
  auto body = json_object_body(request);
  if (!body) {
    return body.error();
  }
  const auto& fields = body.value();
  if (auto known =
          reject_unknown_fields(fields, {"prompt", "run_id", "async", "agent", "file_name", "metadata", "webhook_url"});
      !known) {
    return known.error();
  }
  generate_request made;
  auto& submission = made.submission;
  submission.org = request.org_id();
  submission.format = format;
  if (fields.contains("prompt") && !fields["prompt"].is_null() && !fields["prompt"].is_string()) {
    return folio::fail(folio::errc::invalid_argument, "prompt must be a string", "prompt");
  }
  auto prompt = optional_text(fields, "prompt");
  auto run = optional_text(fields, "run_id");
  auto agent = optional_text(fields, "agent");
  auto file_name = optional_text(fields, "file_name");
  auto webhook = optional_text(fields, "webhook_url");
  for (const auto* read : {&prompt, &run, &agent, &file_name, &webhook}) {
    if (!*read) {
      return read->error();
    }
  }
  submission.prompt = prompt.value();
  if (!run.value().empty()) {
    auto id = folio::run_id::parse(run.value());
    if (!id) {
      return folio::fail(folio::errc::not_found, "no such run", "run_id");
    }
    submission.resume = id.value();
  }
  submission.agent = agent.value();
  submission.file_name = file_name.value();
  // Checked with the submission's other rules by folio::validate (webhook.hpp: parse_webhook_url).
  submission.webhook_url = webhook.value();
  if (fields.contains("async") && !fields["async"].is_null()) {
    if (!fields["async"].is_boolean()) {
      return folio::fail(folio::errc::invalid_argument, "async must be true or false", "async");
    }
    made.async = fields["async"].get<bool>();
  }
  if (fields.contains("metadata") && !fields["metadata"].is_null()) {
    if (!fields["metadata"].is_object()) {
      return folio::fail(folio::errc::metadata_invalid, "metadata is an object of string values", "metadata");
    }
    for (const auto& [name, value] : fields["metadata"].items()) {
      if (!value.is_string()) {
        return folio::fail(folio::errc::metadata_invalid, "metadata values are strings ('" + name + "' is not)",
                           "metadata");
      }
      submission.metadata[name] = value.get<std::string>();
    }
  }
  if (const auto key = request.header("idempotency-key")) {
    submission.idempotency_key = std::string(*key);
  }
  // The request as the server understood it, defaults filled in: the same call spelled differently is the same.
  const nlohmann::json understood = {{"format", folio::to_string(format)},
                                     {"prompt", submission.prompt},
                                     {"run_id", submission.resume ? submission.resume->str() : std::string()},
                                     {"async", made.async},
                                     {"agent", submission.agent},
                                     {"file_name", submission.file_name},
                                     {"metadata", submission.metadata},
                                     {"webhook_url", submission.webhook_url}};
  submission.fingerprint = folio::sha256_hex(understood.dump());
  return made;
}

header_list location_of(const folio::task_id& task) {
  return {{"Location", "/tasks/" + task.str()}};
}

// The 200 answer of a sync call whose task has ended.
folio::result<nlohmann::json> finished_answer(server_app& app, const folio::task& ended) {
  const auto now = app.clock().now();
  auto shown = present_task(app, ended);
  if (!shown) {
    return shown.error();
  }
  nlohmann::json answer = {{"run_id", ended.run.str()},
                           {"task_id", ended.id.str()},
                           {"status", folio::to_string(ended.status)},
                           {"download_url", shown.value()["download_url"]},
                           {"edit_url", app.edit_url(ended.run, now)},
                           {"credits_used", ended.credits_used.value_or(0)},
                           {"duration_ms", ended.duration_ms().value_or(0)}};
  if (ended.failure) {
    answer["error"] = task_error_json(ended);
  }
  return answer;
}

// A sync call waiting for its task: answered once, by whichever comes first of the task's end, the sync limit and
// the server's shutdown. Both answers are made on a background thread, never on an I/O thread.
class sync_wait : public std::enable_shared_from_this<sync_wait> {
public:
  sync_wait(server_app& app, responder_ptr answer, folio::org_id org, folio::task_id task)
      : app_(app), answer_(std::move(answer)), org_(std::move(org)), task_(std::move(task)) {}

  void start() {
    const std::weak_ptr<sync_wait> weak = shared_from_this();
    token_ = app_.hold_open([weak] {
      if (const auto alive = weak.lock()) {
        alive->answer_now();
      }
    });
    app_.waiters().post_at(std::chrono::steady_clock::now() + app_.config().sync_timeout,
                           [self = shared_from_this()] { self->answer_now(); });
    auto followed = app_.engine().follow(org_, task_, 0, [weak](const folio::task_change& change) {
      if (!folio::is_terminal(change.snapshot.status)) {
        return;
      }
      if (const auto alive = weak.lock()) {
        alive->app_.waiters().post([alive, ended = change.snapshot] { alive->answer_ended(ended); });
      }
    });
    if (!followed) {
      if (claim()) {
        answer_->error(followed.error());
      }
      return;
    }
    const std::lock_guard lock(mutex_);
    subscription_ = std::move(followed).value();
    if (claimed_) {
      subscription_.reset();
    }
  }

private:
  // The task ended: 200 with the finished answer.
  void answer_ended(const folio::task& ended) {
    if (!claim()) {
      return;
    }
    auto body = finished_answer(app_, ended);
    if (!body) {
      answer_->error(body.error());
      return;
    }
    answer_->json(Code::Ok, body.value());
  }

  // The sync limit passed or the server drains: 202 with the task as it is now; it goes on.
  void answer_now() {
    if (!claim()) {
      return;
    }
    auto current = app_.store().get_task(org_, task_);
    if (current && folio::is_terminal(current.value().status)) {
      auto body = finished_answer(app_, current.value());
      if (body) {
        answer_->json(Code::Ok, body.value());
        return;
      }
    }
    auto shown = current ? present_task(app_, current.value()) : folio::result<nlohmann::json>(current.error());
    if (!shown) {
      answer_->error(shown.error());
      return;
    }
    answer_->json(Code::Accepted, shown.value(), location_of(task_));
  }

  bool claim() {
    folio::task_event_bus::subscription ending;
    {
      const std::lock_guard lock(mutex_);
      if (claimed_) {
        return false;
      }
      claimed_ = true;
      ending = std::move(subscription_);
    }
    app_.release(token_);
    return true;
  }

  server_app& app_;
  responder_ptr answer_;
  folio::org_id org_;
  folio::task_id task_;
  std::mutex mutex_;
  bool claimed_ = false;
  std::uint64_t token_ = 0;
  folio::task_event_bus::subscription subscription_;
};

void generate(server_app& app, folio::document_format format, const request_context& request,
              const responder_ptr& answer) {
  auto read = read_generate(request, format);
  if (!read) {
    answer->error(read.error());
    return;
  }
  // A webhook to an address it may never reach is refused now; one named by host is checked on the addresses the
  // name resolves to at each delivery.
  if (const auto& hook = read.value().submission.webhook_url; !hook.empty()) {
    if (auto endpoint = folio::parse_webhook_url(hook);
        endpoint && folio_net::address_policy::is_address(endpoint.value().host)) {
      if (auto why = app.webhook_addresses().refuses(endpoint.value().host)) {
        answer->error(folio::error{
            folio::errc::invalid_argument,
            "webhook_url: " + *why + "; webhooks go there only if webhook_allow_networks names it", "webhook_url"});
        return;
      }
    }
  }
  // An agent the server does not offer is the caller's mistake, answered now rather than as a failed task.
  if (const auto& agent = read.value().submission.agent; !agent.empty()) {
    if (auto known = app.agents().find(agent); !known) {
      answer->error(known.error());
      return;
    }
  }
  const bool async = read.value().async;
  auto submitted = app.engine().submit(std::move(read.value().submission));
  if (!submitted) {
    const auto& failure = submitted.error();
    answer->error(failure, failure.code == folio::errc::queue_full
                               ? header_list{{"Retry-After", std::string(retry_after_seconds)}}
                               : header_list{});
    return;
  }
  const auto& task = submitted.value().created;
  if (async) {
    answer->json(Code::Accepted,
                 {{"run_id", task.run.str()}, {"task_id", task.id.str()}, {"status", folio::to_string(task.status)}},
                 location_of(task.id));
    return;
  }
  if (submitted.value().replayed) {
    // The same call again: its answer if the task has ended; while the first call still waits, a conflict.
    auto current = app.store().get_task(request.org_id(), task.id);
    if (!current) {
      answer->error(current.error());
      return;
    }
    if (!folio::is_terminal(current.value().status)) {
      answer->error(folio::error{folio::errc::idempotency_key_in_flight,
                                 "a request with this Idempotency-Key is still in flight; retry when it has ended",
                                 "Idempotency-Key"},
                    location_of(task.id));
      return;
    }
    auto body = finished_answer(app, current.value());
    if (!body) {
      answer->error(body.error());
      return;
    }
    answer->json(Code::Ok, body.value());
    return;
  }
  std::make_shared<sync_wait>(app, answer, request.org_id(), task.id)->start();
}

} // namespace

void add_generate_routes(router& routes, server_app& app) {
  using Pistache::Http::Method;
  for (const auto format : folio::all_document_formats) {
    routes.add(Method::Post, "/" + std::string(folio::to_string(format)) + "/generate", access::api_key,
               [&app, format](request_context& request, const responder_ptr& answer) {
                 generate(app, format, request, answer);
               });
  }
}

} // namespace folio_server
