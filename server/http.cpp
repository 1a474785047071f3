#include "http.hpp"

#include "app.hpp"

#include <pistache/peer.h>
#include <pistache/stream.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <sstream>
#include <string>

namespace folio_server {

using Pistache::Http::Code;

std::optional<std::string_view> request_context::header(std::string_view lower_case_name) const {
  const auto found = headers.find(std::string(lower_case_name));
  if (found == headers.end()) {
    return std::nullopt;
  }
  return std::string_view(found->second);
}

std::optional<std::string_view> request_context::query_value(std::string_view name) const {
  const auto found = query.find(std::string(name));
  if (found == query.end()) {
    return std::nullopt;
  }
  return std::string_view(found->second);
}

Code status_of(folio::errc code) noexcept {
  using folio::errc;
  switch (code) {
  case errc::invalid_argument:
  case errc::invalid_id:
  case errc::invalid_cursor:
  case errc::invalid_limit:
  case errc::prompt_missing:
  case errc::prompt_too_long:
  case errc::metadata_invalid:
  case errc::file_name_invalid:
  case errc::invalid_json:
  case errc::unknown_field:
  case errc::unknown_agent: return Code::Bad_Request;
  case errc::unauthenticated: return Code::Unauthorized;
  case errc::link_tampered: return Code::Forbidden;
  case errc::not_found:
  case errc::route_not_found: return Code::Not_Found;
  case errc::method_not_allowed: return Code::Method_Not_Allowed;
  case errc::task_finished:
  case errc::run_busy:
  case errc::no_output:
  case errc::idempotency_key_in_flight:
  case errc::invalid_transition: return Code::Conflict;
  case errc::run_expired:
  case errc::link_expired: return Code::Gone;
  case errc::body_too_large:
  case errc::document_too_large: return Code::Request_Entity_Too_Large;
  case errc::unsupported_media_type: return Code::Unsupported_Media_Type;
  case errc::format_mismatch:
  case errc::idempotency_key_reused:
  case errc::unsupported_conversion:
  case errc::document_unreadable:
  case errc::document_encrypted:
  case errc::prompt_not_understood:
  case errc::plugin_not_found:
  case errc::tool_unknown:
  case errc::tool_arguments_invalid: return Code::Unprocessable_Entity;
  case errc::queue_full: return Code::Too_Many_Requests;
  case errc::shutting_down:
  case errc::not_ready: return Code::Service_Unavailable;
  case errc::timeout:
  case errc::conversion_timeout:
  case errc::agent_timeout: return Code::Gateway_Timeout;
  // The model endpoint behind the agent failed: these reach clients inside failed tasks, never as the call's status.
  case errc::agent_unauthorized:
  case errc::agent_request_rejected:
  case errc::agent_unavailable:
  case errc::agent_tls_failed:
  case errc::agent_response_invalid:
  case errc::agent_tool_rounds_exceeded: return Code::Bad_Gateway;
  case errc::progress_regressed:
  case errc::lease_lost:
  case errc::cancelled:
  case errc::plugin_load_failed:
  case errc::plugin_abi_mismatch:
  case errc::plugin_duplicate_name:
  case errc::plugin_error:
  case errc::agent_failed:
  case errc::converter_crashed:
  case errc::storage_error:
  case errc::internal: return Code::Internal_Server_Error;
  }
  return Code::Internal_Server_Error;
}

namespace {

std::string_view error_type(Code status) noexcept {
  switch (status) {
  case Code::Unauthorized: return "authentication";
  case Code::Too_Many_Requests: return "rate_limited";
  case Code::Service_Unavailable: return "unavailable";
  default: break;
  }
  return static_cast<int>(status) >= 500 ? "server_error" : "invalid_request";
}

} // namespace

nlohmann::json error_body(const folio::error& failure, const folio::request_id& id) {
  nlohmann::json detail = {
      {"type", error_type(status_of(failure.code))},
      {"code", folio::to_string(failure.code)},
      {"message", failure.message.empty() ? std::string(folio::to_string(failure.code)) : failure.message},
      {"param", failure.param.empty() ? nlohmann::json() : nlohmann::json(failure.param)},
      {"request_id", id.str()}};
  return {{"error", std::move(detail)}};
}

folio::result<folio::run> find_run(server_app& app, const request_context& request, folio::timestamp now) {
  auto id = path_id<folio::run_id>(request, "run_id");
  if (!id) {
    return id.error();
  }
  return app.store().get_run_summary(request.org_id(), id.value(), now);
}

folio::result<nlohmann::json> json_object_body(const request_context& request) {
  const auto type = request.header("content-type");
  const auto media = type ? type->substr(0, type->find(';')) : std::string_view();
  std::string lowered(media.substr(0, media.find_last_not_of(' ') + 1));
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char letter) { return static_cast<char>(std::tolower(letter)); });
  if (lowered != "application/json") {
    return folio::fail(folio::errc::unsupported_media_type, "send the body as JSON with Content-Type: application/json",
                       "Content-Type");
  }
  auto parsed = nlohmann::json::parse(request.body, nullptr, false);
  if (parsed.is_discarded()) {
    return folio::fail(folio::errc::invalid_json, "the body is not valid JSON");
  }
  if (!parsed.is_object()) {
    return folio::fail(folio::errc::invalid_json, "the body must be a JSON object");
  }
  return parsed;
}

folio::result<void> reject_unknown_fields(const nlohmann::json& body, std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : body.items()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string names;
      for (const auto field : known) {
        names += (names.empty() ? "" : ", ") + std::string(field);
      }
      std::string message = "unknown field '" + name;
      message.append("'; the fields are: ").append(names);
      return folio::fail(folio::errc::unknown_field, message, name);
    }
  }
  return folio::success();
}

responder::responder(Pistache::Http::ResponseWriter writer, request_record record,
                     std::shared_ptr<const std::vector<request_hook>> hooks, const std::atomic<bool>& draining)
    : writer_(std::move(writer)), draining_(draining), record_(std::move(record)), hooks_(std::move(hooks)) {}

responder::~responder() {
  if (!answered()) {
    error(folio::error{folio::errc::internal, "the request was dropped without an answer"});
  }
}

namespace {

// Writes handed to Pistache and not yet completed, across all exchanges: shutdown waits for them.
std::mutex writes_mutex;
std::condition_variable writes_done;
std::size_t writes_in_flight = 0;

void write_started() {
  const std::lock_guard lock(writes_mutex);
  ++writes_in_flight;
}

void write_ended() {
  const std::lock_guard lock(writes_mutex);
  --writes_in_flight;
  writes_done.notify_all();
}

} // namespace

void responder::finish(int status) {
  record_.status = status;
  record_.duration =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - record_.started);
  for (const auto& hook : *hooks_) {
    hook(record_);
  }
}

bool responder::json(Code code, const nlohmann::json& body, const header_list& headers) {
  auto text = body.dump();
  text += '\n';
  const bool sent = json_text(code, text, headers);
  if (sent && code == Code::Ok && headers.empty() && keep_ok_answer_) {
    keep_ok_answer_(text);
  }
  return sent;
}

bool responder::json_text(Code code, std::string_view body, const header_list& headers) {
  return send(code, body, "application/json; charset=utf-8", headers);
}

bool responder::error(const folio::error& failure, const header_list& headers) {
  return json(status_of(failure.code), error_body(failure, record_.id), headers);
}

bool responder::keeps_connection() const {
  if (draining_) {
    return false;
  }
  const auto asked = writer_->headers().tryGet<Pistache::Http::Header::Connection>();
  return !asked || asked->control() != Pistache::Http::ConnectionControl::Close;
}

std::string responder::head(Code code, std::string_view content_type, const header_list& headers,
                            std::string_view framing) const {
  const bool keep = keeps_connection();
  std::string text = "HTTP/1.1 " + std::to_string(static_cast<int>(code)) + " " + Pistache::Http::codeString(code) +
                     "\r\nX-Request-Id: " + record_.id.str() + "\r\n";
  if (!content_type.empty()) {
    text.append("Content-Type: ").append(content_type).append("\r\n");
  }
  text.append(framing).append("Connection: ").append(keep ? "keep-alive" : "close").append("\r\n");
  for (const auto& [name, value] : headers) {
    text.append(name).append(": ").append(value).append("\r\n");
  }
  return text + "\r\n";
}

bool responder::send(Code code, std::string_view body, std::string_view content_type, const header_list& headers) {
  if (code == Code::Not_Modified) {
    return send_head_only(code, headers);
  }
  {
    const std::lock_guard lock(mutex_);
    if (answered_) {
      return false;
    }
    answered_ = true;
    // Head and body are written here into one buffer and sent as a stream's last piece, rather than by
    // ResponseWriter::send, which formats the head through a std::ostream and copies the body into a buffer that grows
    // as it goes: a sixth of the work of a listing's 6 KB answer.
    streaming_ = true;
    stream_ended_ = true;
    stream_pending_ = head(code, content_type, headers, "Content-Length: " + std::to_string(body.size()) + "\r\n");
    stream_pending_.append(body);
    // What ResponseWriter::send does first: the connection waits for its next request.
    if (const auto peer = writer_->getPeer()) {
      peer->setIdle(true);
    }
  }
  send_pending();
  finish(static_cast<int>(code));
  return true;
}

bool responder::begin_stream(Code code, std::string_view content_type, const header_list& headers) {
  {
    const std::lock_guard lock(mutex_);
    if (answered_) {
      return false;
    }
    answered_ = true;
    streaming_ = true;
    // The head is written here rather than by Pistache's ResponseStream, whose writes cannot be sequenced.
    stream_pending_ = head(code, content_type, headers, "Transfer-Encoding: chunked\r\n");
  }
  send_pending();
  finish(static_cast<int>(code));
  return true;
}

bool responder::send_head_only(Code code, const header_list& headers) {
  {
    const std::lock_guard lock(mutex_);
    if (answered_) {
      return false;
    }
    answered_ = true;
    // Sent as the last piece of a stream that has only its head: one write, sequenced like a stream's.
    streaming_ = true;
    stream_ended_ = true;
    stream_pending_ = head(code, {}, headers, {});
  }
  send_pending();
  finish(static_cast<int>(code));
  return true;
}

bool responder::write_stream(std::string_view text) {
  {
    const std::lock_guard lock(mutex_);
    if (!streaming_ || stream_ended_ || stream_failed_) {
      return false;
    }
    if (!text.empty()) {
      std::ostringstream size;
      size << std::hex << text.size();
      stream_pending_.append(size.str()).append("\r\n").append(text).append("\r\n");
    }
  }
  send_pending();
  return true;
}

void responder::end_stream() {
  {
    const std::lock_guard lock(mutex_);
    if (!streaming_ || stream_ended_) {
      return;
    }
    stream_ended_ = true;
    stream_pending_.append("0\r\n\r\n");
  }
  send_pending();
}

void responder::send_pending() {
  std::string data;
  std::shared_ptr<Pistache::Tcp::Peer> peer;
  {
    const std::lock_guard lock(mutex_);
    if (write_in_flight_ || stream_failed_ || stream_pending_.empty()) {
      return;
    }
    peer = writer_->getPeer();
    if (!peer) {
      stream_failed_ = true;
      stream_pending_.clear();
      return;
    }
    data.swap(stream_pending_);
    write_in_flight_ = true;
  }
  // The write holds the responder: the end of a stream is sent even if its owner lets go of it meanwhile.
  auto self = shared_from_this();
  const auto size = data.size();
  write_started();
  peer->send(Pistache::RawBuffer(std::move(data), size))
      .then(
          [self](ssize_t) {
            write_ended();
            {
              const std::lock_guard lock(self->mutex_);
              self->write_in_flight_ = false;
            }
            self->send_pending();
          },
          [self](std::exception_ptr&) {
            write_ended();
            const std::lock_guard lock(self->mutex_);
            self->write_in_flight_ = false;
            self->stream_failed_ = true;
            self->stream_pending_.clear();
          });
}

bool wait_for_writes(std::chrono::milliseconds limit) {
  std::unique_lock lock(writes_mutex);
  return writes_done.wait_for(lock, limit, [] { return writes_in_flight == 0; });
}

bool responder::answered() const {
  const std::lock_guard lock(mutex_);
  return answered_;
}

void responder::set_org(const folio::org_id& org) {
  const std::lock_guard lock(mutex_);
  record_.org = org;
}

} // namespace folio_server
