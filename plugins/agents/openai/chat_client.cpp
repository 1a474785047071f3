#include "chat_client.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <locale>
#include <optional>
#include <sstream>
#include <thread>

namespace folio_openai {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr std::size_t excerpt_bytes = 300;
constexpr milliseconds wait_slice{20};

// The start of a body, for an error message: at most excerpt_bytes, not cut inside a UTF-8 sequence.
std::string excerpt(std::string_view body) {
  if (body.size() <= excerpt_bytes) {
    return std::string(body);
  }
  auto cut = excerpt_bytes;
  while (cut > 0 && (static_cast<unsigned char>(body[cut]) & 0xC0U) == 0x80U) {
    --cut;
  }
  return std::string(body.substr(0, cut)) + "…";
}

// What the server said went wrong, in the shapes the servers people run use: OpenAI's and LiteLLM's
// {"error": {"message": …}}, Ollama's and llama.cpp's {"error": "…"}, vLLM's {"object": "error", "message": …}, and
// FastAPI's {"detail": "…"} or {"detail": [{"msg": …}]}; else the start of the body.
std::string server_says(const std::string& body) {
  const auto parsed = json::parse(body, nullptr, false);
  const auto text_of = [](const json& value) -> std::optional<std::string> {
    if (value.is_string()) {
      return value.get<std::string>();
    }
    if (value.is_object() && value.contains("message") && value["message"].is_string()) {
      return value["message"].get<std::string>();
    }
    if (value.is_object() && value.contains("msg") && value["msg"].is_string()) {
      return value["msg"].get<std::string>();
    }
    if (value.is_array() && !value.empty()) {
      return value[0].is_object() && value[0].contains("msg") && value[0]["msg"].is_string()
                 ? std::optional<std::string>(value[0]["msg"].get<std::string>())
                 : std::nullopt;
    }
    return std::nullopt;
  };
  if (parsed.is_object()) {
    for (const char* key : {"error", "detail"}) {
      if (parsed.contains(key)) {
        if (auto said = text_of(parsed[key])) {
          return excerpt(*said);
        }
      }
    }
    if (auto said = text_of(parsed)) {
      return excerpt(*said);
    }
  }
  return body.empty() ? std::string("(empty body)") : excerpt(body);
}

// A chat.completion assembled from a stream of chat.completion.chunk events, for servers that stream although the
// request did not ask them to: content and each tool call's arguments are concatenated by index, the last
// finish_reason and usage kept. Whatever is not a data line is skipped; none when no chunk parses.
std::optional<json> assemble_stream(const std::string& body) {
  json message{{"role", "assistant"}, {"content", nullptr}};
  json calls = json::array();
  json answer{{"object", "chat.completion"}};
  bool any = false;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.rfind("data:", 0) != 0) {
      continue;
    }
    const auto chunk = json::parse(line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5), nullptr, false);
    if (!chunk.is_object()) {
      continue; // [DONE], or noise
    }
    any = true;
    if (chunk.contains("usage") && chunk["usage"].is_object()) {
      answer["usage"] = chunk["usage"];
    }
    if (!chunk.contains("choices") || !chunk["choices"].is_array() || chunk["choices"].empty() ||
        !chunk["choices"][0].is_object()) {
      continue;
    }
    const auto& choice = chunk["choices"][0];
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
      answer["finish_reason"] = choice["finish_reason"];
    }
    const auto delta = choice.value("delta", json::object());
    if (delta.contains("content") && delta["content"].is_string()) {
      const auto so_far = message["content"].is_string() ? message["content"].get<std::string>() : std::string();
      message["content"] = so_far + delta["content"].get<std::string>();
    }
    for (const auto& part : delta.value("tool_calls", json::array())) {
      if (!part.is_object()) {
        continue;
      }
      const auto index = part.value("index", json(calls.size())).is_number_unsigned() ? part["index"].get<std::size_t>()
                                                                                      : calls.size();
      while (calls.size() <= index && calls.size() < 1024) {
        calls.push_back({{"type", "function"}, {"function", {{"name", ""}, {"arguments", ""}}}});
      }
      if (index >= calls.size()) {
        continue;
      }
      auto& call = calls[index];
      if (part.contains("id") && part["id"].is_string()) {
        call["id"] = part["id"];
      }
      const auto function = part.value("function", json::object());
      for (const char* key : {"name", "arguments"}) {
        if (function.contains(key) && function[key].is_string()) {
          call["function"][key] = call["function"][key].get<std::string>() + function[key].get<std::string>();
        }
      }
    }
  }
  if (!any) {
    return std::nullopt;
  }
  if (!calls.empty()) {
    message["tool_calls"] = calls;
  }
  answer["choices"] =
      json::array({{{"index", 0}, {"message", message}, {"finish_reason", answer.value("finish_reason", json())}}});
  answer.erase("finish_reason");
  return answer;
}

// The wait until an HTTP date in RFC 9110's preferred form, "Sun, 06 Nov 1994 08:49:37 GMT"; none for a date passed.
std::optional<milliseconds> until_http_date(std::string_view text) {
  std::tm parts{};
  std::istringstream in{std::string(text)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&parts, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail() || (in >> std::ws).peek() != std::char_traits<char>::eof()) {
    return std::nullopt;
  }
  const auto when = std::chrono::system_clock::from_time_t(timegm(&parts));
  return std::max(std::chrono::duration_cast<milliseconds>(when - std::chrono::system_clock::now()), milliseconds{0});
}

// Retry-After in delta-seconds or as an HTTP date; anything else is treated as absent.
std::optional<milliseconds> retry_after(const folio_net::http_response& response) {
  const auto value = response.header("Retry-After");
  if (!value) {
    return std::nullopt;
  }
  double seconds = 0;
  const auto* end = value->data() + value->size();
  const auto [stop, problem] = std::from_chars(value->data(), end, seconds);
  if (problem != std::errc{} || stop != end || seconds < 0) {
    return until_http_date(*value);
  }
  return milliseconds{static_cast<std::int64_t>(seconds * 1000)};
}

// Sleeps `length` in short slices; false as soon as the task is cancelled.
bool wait_unless_cancelled(milliseconds length, const std::function<bool()>& cancelled) {
  const auto until = std::chrono::steady_clock::now() + length;
  while (std::chrono::steady_clock::now() < until) {
    if (cancelled && cancelled()) {
      return false;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(wait_slice, until - std::chrono::steady_clock::now()));
  }
  return !(cancelled && cancelled());
}

bool retryable(int status) {
  return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

folio::error from_status(const agent_config& config, const folio_net::http_response& response, int attempts) {
  const auto where = config.endpoint.authority();
  const auto says = server_says(response.body);
  const auto status = std::to_string(response.status);
  if (response.status == 401 || response.status == 403) {
    return folio::fail(folio::errc::agent_unauthorized,
                       "the model endpoint " + where + " refused the API key (HTTP " + status + "): " + says);
  }
  if (retryable(response.status)) {
    return folio::fail(folio::errc::agent_unavailable, "the model endpoint " + where + " answered HTTP " + status +
                                                           " to " + std::to_string(attempts) + " attempts: " + says);
  }
  return folio::fail(folio::errc::agent_request_rejected,
                     "the model endpoint " + where + " rejected the request (HTTP " + status + "): " + says);
}

folio::error from_failure(const agent_config& config, const folio_net::http_failure& failure, int attempts) {
  using folio_net::failure_kind;
  switch (failure.kind) {
  case failure_kind::cancelled: return folio::fail(folio::errc::cancelled, "the task was cancelled");
  case failure_kind::timeout:
    return folio::fail(folio::errc::agent_timeout,
                       "the model endpoint did not answer within the timeouts (connect " +
                           std::to_string(config.http.connect_timeout.count()) + " ms, request " +
                           std::to_string(config.http.request_timeout.count()) + " ms): " + failure.message);
  case failure_kind::tls_failed: return folio::fail(folio::errc::agent_tls_failed, failure.message);
  case failure_kind::invalid_request: return folio::fail(folio::errc::invalid_argument, failure.message, "ca_file");
  case failure_kind::resolve_failed:
  case failure_kind::connect_failed:
  case failure_kind::io_failed:
  case failure_kind::address_refused: break;
  }
  return folio::fail(folio::errc::agent_unavailable, "the model endpoint could not be reached in " +
                                                         std::to_string(attempts) + " attempts: " + failure.message);
}

bool transient(folio_net::failure_kind kind) {
  using folio_net::failure_kind;
  return kind == failure_kind::resolve_failed || kind == failure_kind::connect_failed ||
         kind == failure_kind::io_failed;
}

folio::result<json> parse_answer(const agent_config& config, const folio_net::http_response& response) {
  auto parsed = json::parse(response.body, nullptr, false);
  if (const auto type = response.header("Content-Type"); type && type->find("text/event-stream") == 0) {
    parsed = assemble_stream(response.body).value_or(json(json::value_t::discarded));
  }
  const auto fault = [&](const std::string& what) {
    return folio::fail(folio::errc::agent_response_invalid, "the model endpoint " + config.endpoint.authority() +
                                                                " answered " + what + ": " + excerpt(response.body));
  };
  if (parsed.is_discarded()) {
    return fault("something that is not JSON");
  }
  if (!parsed.is_object() || !parsed.contains("choices") || !parsed["choices"].is_array() ||
      parsed["choices"].empty() || !parsed["choices"][0].is_object() || !parsed["choices"][0].contains("message") ||
      !parsed["choices"][0]["message"].is_object()) {
    return fault("JSON without choices[0].message");
  }
  return parsed;
}

} // namespace

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) {
    return text;
  }
  constexpr std::string_view replacement = "[redacted]";
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + replacement.size())) {
    text.replace(at, secret.size(), replacement);
  }
  return text;
}

folio::result<json> complete_chat(const agent_config& config, const json& request,
                                  const std::function<bool()>& cancelled) {
  folio_net::http_request call;
  call.method = "POST";
  call.to = config.endpoint;
  call.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (!config.api_key.empty()) {
    call.headers.emplace_back("Authorization", "Bearer " + config.api_key);
  }
  call.body = request.dump(-1, ' ', false, json::error_handler_t::replace);

  auto outcome = [&]() -> folio::result<json> {
    auto wait = config.retries.first_wait;
    for (int attempt = 1;; ++attempt) {
      if (cancelled && cancelled()) {
        return folio::fail(folio::errc::cancelled, "the task was cancelled");
      }
      auto answered = folio_net::send(call, config.http, cancelled);
      const bool last = attempt > config.retries.max_retries;
      std::optional<milliseconds> asked;
      if (!answered) {
        if (!transient(answered.error().kind) || last) {
          return from_failure(config, answered.error(), attempt);
        }
      } else if (answered.value().status == 200) {
        return parse_answer(config, answered.value());
      } else if (!retryable(answered.value().status) || last) {
        return from_status(config, answered.value(), attempt);
      } else {
        asked = retry_after(answered.value());
        if (asked && *asked > config.retries.longest_retry_after) {
          return folio::fail(folio::errc::agent_unavailable,
                             "the model endpoint " + config.endpoint.authority() + " answered HTTP " +
                                 std::to_string(answered.value().status) + " and asks to retry after " +
                                 std::to_string(asked->count()) + " ms, longer than max_retry_after_ms (" +
                                 std::to_string(config.retries.longest_retry_after.count()) + ")");
        }
      }
      if (!wait_unless_cancelled(asked.value_or(wait), cancelled)) {
        return folio::fail(folio::errc::cancelled, "the task was cancelled");
      }
      wait = std::min(wait * 2, config.retries.longest_wait);
    }
  }();
  if (!outcome) {
    auto failure = outcome.error();
    failure.message = redact(std::move(failure.message), config.api_key);
    return failure;
  }
  return outcome;
}

} // namespace folio_openai
