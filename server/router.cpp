#include "router.hpp"

#include "app.hpp"
#include "auth.hpp"
#include "request_log.hpp"

#include <folio/time_format.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>

namespace folio_server {
namespace {

using Pistache::Http::Method;

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    const auto end = std::min(path.find('/', start), path.size());
    segments.emplace_back(path.substr(start, end - start));
    start = end;
  }
  return segments;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char letter) { return static_cast<char>(std::tolower(letter)); });
  return text;
}

// Lower-case name to value, typed headers (parsed by Pistache) and raw ones alike. One stream per thread writes the
// typed ones back to text: making a stream (its locale) per header cost more than the rest of the copy.
std::map<std::string, std::string> copy_headers(const Pistache::Http::Header::Collection& headers) {
  std::map<std::string, std::string> copied;
  for (const auto& [name, raw] : headers.rawList()) {
    copied[lower(raw.name())] = raw.value();
  }
  thread_local std::ostringstream value;
  for (const auto& header : headers.list()) {
    value.str({});
    value.clear();
    header->write(value);
    copied[lower(header->name())] = value.str();
  }
  return copied;
}

// What a reusable read's answer is kept under: the caller's Authorization header as sent, the path and the query
// parameters in order of name, each written with its length so that no two requests share a key.
std::string answer_key(std::string_view authorization, std::string_view path,
                       const std::map<std::string, std::string>& query) {
  std::string key;
  key.reserve(authorization.size() + path.size() + 64);
  const auto part = [&key](std::string_view text) { key.append(std::to_string(text.size())).append(":").append(text); };
  part(authorization);
  part(path);
  for (const auto& [name, value] : query) {
    part(name);
    part(value);
  }
  return key;
}

// One JSON line per request on stdout (request_log.hpp: written within 20 ms, many lines a write). The
// path is not logged: the route names what was asked, and query strings may hold a link's signature. The line is
// written by hand, not through a JSON document (a fifth of a small request's work): every value is either a number or
// text of folio's own making (a route pattern from the table, a method name, ids, a time) that needs no escaping.
void log_request(const request_record& record) {
  std::array<char, 32> duration{};
  const auto duration_end = std::to_chars(duration.data(), duration.data() + duration.size(),
                                          static_cast<double>(record.duration.count()) / 1000.0)
                                .ptr;
  std::string line;
  line.reserve(224);
  line.append(R"({"time":")")
      .append(folio::format_rfc3339(
          std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now())))
      .append(R"(","request_id":")")
      .append(record.id.str())
      .append(R"(","method":")")
      .append(record.method)
      .append(R"(","route":")")
      .append(record.route)
      .append(R"(","status":)")
      .append(std::to_string(record.status))
      .append(R"(,"duration_ms":)")
      .append(duration.data(), duration_end);
  if (record.org) {
    line.append(R"(,"org_id":")").append(record.org->str()).append("\"");
  }
  line.append("}\n");
  request_lines().append(line);
}

folio::id_generator& request_ids() {
  static const folio::system_clock time_source;
  static folio::id_generator generator(time_source);
  return generator;
}

// Pistache 0.0.5 answers "Connection: Close" to every request that does not ask for keep-alive, so HTTP/1.1 clients,
// which expect persistent connections by default, would reconnect for every request. Keep the connection unless the
// client asks to close it or speaks HTTP/1.0 without asking to keep it.
void keep_alive_by_default(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter& writer) {
  using Pistache::Http::ConnectionControl;
  const auto asked = request.headers().tryGet<Pistache::Http::Header::Connection>();
  const bool keep =
      asked ? asked->control() != ConnectionControl::Close : request.version() == Pistache::Http::Version::Http11;
  writer.headers().remove<Pistache::Http::Header::Connection>();
  writer.headers().add<Pistache::Http::Header::Connection>(keep ? ConnectionControl::KeepAlive
                                                                : ConnectionControl::Close);
}

} // namespace

void router::add(Method method, std::string pattern, access needs, route_handler handler, std::size_t max_body) {
  auto segments = split_path(pattern);
  routes_.push_back(route{method, std::move(pattern), std::move(segments), needs, std::move(handler), max_body});
}

void router::add_read(std::string pattern, route_handler handler) {
  add(Method::Get, std::move(pattern), access::api_key, std::move(handler));
  routes_.back().reusable = true;
}

void router::dispatch(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter writer) const {
  keep_alive_by_default(request, writer);
  request_record record;
  record.id = request_ids().next<folio::request_id>();
  record.method = Pistache::Http::methodString(request.method());
  record.started = std::chrono::steady_clock::now();

  const auto& path = request.resource();
  const auto segments = split_path(path);
  const route* matched = nullptr;
  bool path_known = false;
  std::map<std::string, std::string> params;
  for (const auto& candidate : routes_) {
    if (candidate.segments.size() != segments.size()) {
      continue;
    }
    std::map<std::string, std::string> found;
    bool same = true;
    for (std::size_t index = 0; same && index < segments.size(); ++index) {
      const auto& part = candidate.segments[index];
      if (part.size() > 2 && part.front() == '{' && part.back() == '}') {
        found[part.substr(1, part.size() - 2)] = segments[index];
      } else {
        same = part == segments[index];
      }
    }
    if (!same) {
      continue;
    }
    path_known = true;
    if (candidate.method == request.method()) {
      matched = &candidate;
      params = std::move(found);
      break;
    }
  }
  record.route = matched != nullptr ? matched->pattern : "unmatched";

  std::call_once(hooks_made_, [this] {
    auto all = std::make_shared<std::vector<request_hook>>(1, log_request);
    all->insert(all->end(), app_.request_hooks().begin(), app_.request_hooks().end());
    hooks_ = std::move(all);
  });
  auto answer = std::make_shared<responder>(std::move(writer), record, hooks_, app_.draining_flag());
  if (matched == nullptr) {
    answer->error(path_known
                      ? folio::error{folio::errc::method_not_allowed, "this path does not answer " + record.method}
                      : folio::error{folio::errc::route_not_found, "no route " + record.method + " " + path});
    return;
  }
  const auto limit = matched->max_body != 0 ? matched->max_body : app_.config().max_body_bytes;
  if (request.body().size() > limit) {
    answer->error(
        folio::error{folio::errc::body_too_large, "the body may be at most " + std::to_string(limit) + " bytes"});
    return;
  }

  request_context context;
  for (auto parameter = request.query().parameters_begin(); parameter != request.query().parameters_end();
       ++parameter) {
    context.query.emplace(parameter->first, parameter->second);
  }
  // A reusable read looks for a kept answer before anything else is read: the store's version first, so that an
  // answer made from what the route reads next is kept under a version no newer than its data.
  std::optional<std::pair<std::string, answer_moment>> reuse;
  if (matched->reusable && app_.answers().enabled()) {
    const auto authorization = request.headers().tryGet<Pistache::Http::Header::Authorization>();
    auto version = app_.store().data_version();
    if (authorization && version) {
      const answer_moment moment{
          version.value(),
          std::chrono::duration_cast<std::chrono::seconds>(app_.clock().now().time_since_epoch()).count()};
      auto key = answer_key(authorization->value(), path, context.query);
      if (auto kept = app_.answers().find(key, moment)) {
        answer->set_org(kept->org);
        answer->json_text(Pistache::Http::Code::Ok, *kept->body);
        return;
      }
      reuse.emplace(std::move(key), moment);
    }
  }
  context.id = record.id;
  context.method = request.method();
  context.path = path;
  context.route = matched->pattern;
  context.params = std::move(params);
  context.headers = copy_headers(request.headers());
  context.body = request.body();
  if (matched->needs == access::api_key) {
    auto caller = authenticate(app_.store(), context.header("authorization"));
    if (!caller) {
      answer->error(caller.error(), {{"WWW-Authenticate", "Bearer"}});
      return;
    }
    context.org = std::move(caller).value();
    answer->set_org(context.org->id);
  }
  if (reuse) {
    answer->keep_ok_answer(
        [&answers = app_.answers(), kept = std::move(*reuse), org = context.org->id](const std::string& body) {
          answers.keep(kept.first, kept.second, {org, std::make_shared<const std::string>(body)});
        });
  }
  try {
    matched->handler(context, answer);
  } catch (const std::exception& failure) {
    answer->error(folio::error{folio::errc::internal, failure.what()});
  }
}

} // namespace folio_server
