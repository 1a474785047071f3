// GET /tasks/{task_id}, POST /tasks/{task_id}/cancel, and GET /tasks/{task_id}/events: Server-Sent Events, one per
// stored change of the task, `id:` being the change's sequence number, so Last-Event-ID resumes after it. The stream
// is written from the engine's threads as changes are published and ends after the terminal event.
#include "dto.hpp"
#include "routes.hpp"

#include <charconv>
#include <memory>
#include <mutex>

namespace folio_server {
namespace {

using Pistache::Http::Code;

void get_task(server_app& app, const request_context& request, const responder_ptr& answer) {
  auto id = path_id<folio::task_id>(request, "task_id");
  if (!id) {
    answer->error(id.error());
    return;
  }
  const auto now = app.clock().now();
  auto found = app.store().get_task_with_document(request.org_id(), id.value(), now);
  if (!found) {
    answer->error(found.error());
    return;
  }
  answer->json(Code::Ok, task_with_document_json(app, found.value(), now));
}

void cancel_task(server_app& app, const request_context& request, const responder_ptr& answer) {
  auto id = path_id<folio::task_id>(request, "task_id");
  if (!id) {
    answer->error(id.error());
    return;
  }
  auto after = app.engine().cancel(request.org_id(), id.value());
  if (!after) {
    answer->error(after.error());
    return;
  }
  auto shown = present_task(app, after.value());
  if (!shown) {
    answer->error(shown.error());
    return;
  }
  answer->json(Code::Ok, shown.value());
}

// The event name of a change: task.completed / task.failed / task.cancelled for the terminal one (as webhooks name
// them), task.updated before.
std::string event_name(const folio::task& snapshot) {
  return folio::is_terminal(snapshot.status) ? "task." + std::string(folio::to_string(snapshot.status))
                                             : std::string("task.updated");
}

class event_stream {
public:
  event_stream(server_app& app, responder_ptr answer, std::uint64_t after)
      : app_(app), answer_(std::move(answer)), last_sent_(after) {}

  // Sends a change unless it was sent already; ends the stream after the terminal one.
  void deliver(const folio::task_change& change) {
    const std::lock_guard lock(mutex_);
    if (ended_ || change.sequence <= last_sent_) {
      return;
    }
    last_sent_ = change.sequence;
    auto shown = folio::is_terminal(change.snapshot.status)
                     ? present_task(app_, change.snapshot)
                     : folio::result<nlohmann::json>(task_json(app_, change.snapshot, std::nullopt, {}, {}));
    const auto data = shown ? shown.value() : nlohmann::json(task_json(app_, change.snapshot, std::nullopt, {}, {}));
    const auto written =
        answer_->write_stream("id: " + std::to_string(change.sequence) + "\nevent: " + event_name(change.snapshot) +
                              "\ndata: " + data.dump() + "\n\n");
    if (!written || folio::is_terminal(change.snapshot.status)) {
      end_locked();
    }
  }

  void end() {
    const std::lock_guard lock(mutex_);
    end_locked();
  }

  [[nodiscard]] std::uint64_t last_sent() const {
    const std::lock_guard lock(mutex_);
    return last_sent_;
  }

  [[nodiscard]] bool ended() const {
    const std::lock_guard lock(mutex_);
    return ended_;
  }

  void hold(std::uint64_t token, folio::task_event_bus::subscription subscription) {
    const std::lock_guard lock(mutex_);
    token_ = token;
    subscription_ = std::move(subscription);
    if (ended_) {
      app_.release(token_);
    }
  }

private:
  // The subscription is not ended here: this may run inside its handler, or beside it on another thread. It ends
  // with this object, which only the shutdown registry keeps alive, and which release() lets go.
  void end_locked() {
    if (ended_) {
      return;
    }
    ended_ = true;
    answer_->end_stream();
    if (token_ != 0) {
      app_.release(token_);
    }
  }

  server_app& app_;
  responder_ptr answer_;
  mutable std::mutex mutex_;
  std::uint64_t last_sent_;
  bool ended_ = false;
  std::uint64_t token_ = 0;
  folio::task_event_bus::subscription subscription_;
};

void follow_task(server_app& app, const request_context& request, const responder_ptr& answer) {
  auto id = path_id<folio::task_id>(request, "task_id");
  if (!id) {
    answer->error(id.error());
    return;
  }
  std::uint64_t after = 0;
  if (const auto last = request.header("last-event-id")) {
    const auto* end = last->data() + last->size();
    if (const auto parsed = std::from_chars(last->data(), end, after); parsed.ec != std::errc{} || parsed.ptr != end) {
      answer->error(folio::error{folio::errc::invalid_argument,
                                 "Last-Event-ID is the id of an event of this stream (a whole number)",
                                 "Last-Event-ID"});
      return;
    }
  }
  const auto& org = request.org_id();
  if (auto found = app.store().get_task(org, id.value()); !found) {
    answer->error(found.error());
    return;
  }
  answer->begin_stream(Code::Ok, "text/event-stream; charset=utf-8",
                       {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}});
  auto stream = std::make_shared<event_stream>(app, answer, after);
  const std::weak_ptr<event_stream> weak = stream;
  auto subscription = app.engine().follow(org, id.value(), after, [weak](const folio::task_change& change) {
    if (const auto alive = weak.lock()) {
      alive->deliver(change);
    }
  });
  if (!subscription) {
    stream->end();
    return;
  }
  stream->hold(app.hold_open([stream] { stream->end(); }), std::move(subscription).value());
  // A task that ended before the subscription, or whose terminal event the client has already seen, has nothing
  // more to publish: send what is stored after the last event sent, then end.
  auto now = app.store().get_task(org, id.value());
  if (now && folio::is_terminal(now.value().status) && !stream->ended()) {
    if (auto stored = app.store().list_task_events(org, id.value(), stream->last_sent())) {
      for (const auto& change : stored.value()) {
        stream->deliver(change);
      }
    }
    stream->end();
  }
}

} // namespace

void add_task_routes(router& routes, server_app& app) {
  using Pistache::Http::Method;
  routes.add_read("/tasks/{task_id}",
                  [&app](request_context& request, const responder_ptr& answer) { get_task(app, request, answer); });
  routes.add(Method::Post, "/tasks/{task_id}/cancel", access::api_key,
             [&app](request_context& request, const responder_ptr& answer) { cancel_task(app, request, answer); });
  routes.add(Method::Get, "/tasks/{task_id}/events", access::api_key,
             [&app](request_context& request, const responder_ptr& answer) { follow_task(app, request, answer); });
}

} // namespace folio_server
