// One HTTP exchange as routes see it: the request copied out of Pistache (so a handler may finish on any thread),
// and a responder that sends the answer once, from whichever thread has it. Every answer carries X-Request-Id, and
// errors have API.md's shape: {"error": {type, code, message, param, request_id}}.
#pragma once

#include <folio/errors.hpp>
#include <folio/ids.hpp>
#include <folio/organization.hpp>
#include <folio/run.hpp>

#include <pistache/http.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace folio_server {

using header_list = std::vector<std::pair<std::string, std::string>>;

// What a finished exchange reports to the request log and to the request-completion hooks (metrics).
struct request_record {
  folio::request_id id;
  std::string method;
  // The route's pattern ("/tasks/{task_id}"), or the path's first segment for a request no route matched.
  std::string route;
  int status = 0;
  std::chrono::steady_clock::time_point started;
  std::chrono::microseconds duration{0};
  // Set once the caller is authenticated.
  std::optional<folio::org_id> org;
};

using request_hook = std::function<void(const request_record&)>;

// The request, owned: valid on any thread for as long as the handler keeps it.
struct request_context {
  folio::request_id id;
  Pistache::Http::Method method = Pistache::Http::Method::Get;
  // Without the query string, which may hold a link's signature.
  std::string path;
  std::string route;
  std::map<std::string, std::string> params;
  std::map<std::string, std::string> query;
  // Lower-case names.
  std::map<std::string, std::string> headers;
  std::string body;
  // The caller's organization on routes that need an API key.
  std::optional<folio::organization> org;

  [[nodiscard]] std::optional<std::string_view> header(std::string_view lower_case_name) const;
  [[nodiscard]] std::optional<std::string_view> query_value(std::string_view name) const;
  [[nodiscard]] const std::string& param(const std::string& name) const { return params.at(name); }
  // The authenticated organization's id (routes registered as needing a key only).
  [[nodiscard]] const folio::org_id& org_id() const { return org->id; }
};

// The HTTP status of an error code: the one place codes become statuses.
Pistache::Http::Code status_of(folio::errc code) noexcept;

// API.md's error object for `failure`, answered under `id`.
nlohmann::json error_body(const folio::error& failure, const folio::request_id& id);

// An id from the path; a malformed one is not_found, exactly like an id nobody has.
template <class Id>
folio::result<Id> path_id(const request_context& request, const std::string& name) {
  auto parsed = Id::parse(request.param(name));
  if (!parsed) {
    return folio::fail(folio::errc::not_found, "no such " + name.substr(0, name.find('_')), name);
  }
  return parsed;
}

class server_app;

// The run the path's run_id names, if the caller's organization owns it, read without its agent state (no route shows
// it): not_found for a malformed id, an unknown run and another organization's run alike.
folio::result<folio::run> find_run(server_app& app, const request_context& request, folio::timestamp now);

// The body of a JSON request: 415 unsupported_media_type unless Content-Type is application/json, 400 invalid_json
// unless it is one JSON object.
folio::result<nlohmann::json> json_object_body(const request_context& request);

// 400 unknown_field naming the first member of `body` not in `known`: typos never pass silently.
folio::result<void> reject_unknown_fields(const nlohmann::json& body, std::initializer_list<std::string_view> known);

// Sends one answer for one request; safe to call from any thread (Pistache queues writes to the connection's I/O
// thread). The first answer wins; later calls do nothing and return false. A stream (SSE) is begun once and written
// until ended.
class responder : public std::enable_shared_from_this<responder> {
public:
  // `draining` is the server's: while it is set, every answer asks the client to close the connection.
  responder(Pistache::Http::ResponseWriter writer, request_record record,
            std::shared_ptr<const std::vector<request_hook>> hooks, const std::atomic<bool>& draining);
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;
  // An exchange nobody answered (a handler bug) still gets an answer and a log line.
  ~responder();

  bool json(Pistache::Http::Code code, const nlohmann::json& body, const header_list& headers = {});
  // The same, for a body already written as JSON text.
  bool json_text(Pistache::Http::Code code, std::string_view body, const header_list& headers = {});
  bool error(const folio::error& failure, const header_list& headers = {});
  bool send(Pistache::Http::Code code, std::string_view body, std::string_view content_type,
            const header_list& headers = {});

  // Starts a chunked response (text/event-stream for SSE); the exchange is logged now, with its status.
  bool begin_stream(Pistache::Http::Code code, std::string_view content_type, const header_list& headers = {});
  // Queues one piece; false once the client has gone or the stream ended.
  bool write_stream(std::string_view text);
  // Queues the end of the stream.
  void end_stream();

  [[nodiscard]] bool answered() const;
  [[nodiscard]] const folio::request_id& request_id() const { return record_.id; }
  // Lets the log name the caller's organization once it is known.
  void set_org(const folio::org_id& org);
  // Hands the body of a 200 JSON answer without extra headers to `keeper` as it is sent (the answer cache); set
  // before the handler runs.
  void keep_ok_answer(std::function<void(const std::string& body)> keeper) { keep_ok_answer_ = std::move(keeper); }

private:
  // Whether the connection stays open after this answer: as the router decided it from the request, unless the
  // server drains. A client keeping connections alive then sends its next request on a new connection (refused here,
  // taken by another instance) rather than on one the exit is about to cut. Under mutex_.
  [[nodiscard]] bool keeps_connection() const;
  // A response head written by the server itself: the status line, X-Request-Id, the content type (unless empty),
  // `framing` (a Transfer-Encoding line, or nothing), Connection as the router decided it, then `headers`. Under
  // mutex_.
  [[nodiscard]] std::string head(Pistache::Http::Code code, std::string_view content_type, const header_list& headers,
                                 std::string_view framing) const;
  // An answer without content (304): Pistache 0.0.5's send() always writes "Content-Length: <body size>", but a 304
  // has no content and a Content-Length there would have to be the selected representation's (RFC 9110 §8.6,
  // §15.4.5), so its head is written here, with no Content-Length at all.
  bool send_head_only(Pistache::Http::Code code, const header_list& headers);
  void finish(int status);
  // Sends what the stream has queued, one write at a time: Pistache 0.0.5 aborts when a second write to a socket is
  // queued while the first one's readiness event is pending, so the next write starts when the last has completed.
  void send_pending();

  mutable std::mutex mutex_;
  std::optional<Pistache::Http::ResponseWriter> writer_;
  const std::atomic<bool>& draining_;
  bool answered_ = false;
  bool streaming_ = false;
  bool stream_ended_ = false;
  bool stream_failed_ = false;
  bool write_in_flight_ = false;
  std::string stream_pending_;
  request_record record_;
  std::shared_ptr<const std::vector<request_hook>> hooks_;
  std::function<void(const std::string&)> keep_ok_answer_;
};

using responder_ptr = std::shared_ptr<responder>;

// Waits until every answer handed to Pistache has been written (or has failed), for at most `limit`: a graceful stop
// shuts the endpoint down only after its last answers have left. False when the limit passed first.
bool wait_for_writes(std::chrono::milliseconds limit);

} // namespace folio_server
