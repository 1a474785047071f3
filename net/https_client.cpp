// The exchange runs Asio's asynchronous operations on a private io_context, one operation at a time, so that a
// deadline and the caller's stop predicate can close the socket under any of them: synchronous Asio calls cannot be
// interrupted, and a blocked model request must not outlive a cancelled task.
#include "https_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <charconv>

namespace folio_net {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using steady = std::chrono::steady_clock;

// How often a waiting exchange looks at its deadline and at the stop predicate.
constexpr std::chrono::milliseconds poll_interval{20};

bool equal_ignoring_case(std::string_view lhs, std::string_view rhs) {
  return std::equal(lhs.begin(), lhs.end(), rhs.begin(), rhs.end(), [](char left, char right) {
    return std::tolower(static_cast<unsigned char>(left)) == std::tolower(static_cast<unsigned char>(right));
  });
}

bool is_port(std::string_view text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, problem] = std::from_chars(text.data(), end, value);
  return !text.empty() && problem == std::errc{} && stop == end && value >= 1 && value <= 65535;
}

bool is_ip_literal(const std::string& host) {
  error_code failed;
  (void)asio::ip::make_address(host, failed);
  return !failed;
}

// One exchange: its io_context, and the bookkeeping that turns a stop or a passed deadline into the right failure.
class exchange {
public:
  exchange(const client_options& options, const std::function<bool()>& stop)
      : options_(options), stop_(stop),
        end_(options.total_timeout ? steady::now() + *options.total_timeout : steady::time_point::max()) {}

  // Starts one asynchronous operation (`start` hands its completion to the operation) and runs the io_context until
  // it completes; `abort` closes what the operation waits on when the deadline passes or the caller stops.
  error_code wait_for(const std::function<void(std::function<void(error_code)>)>& start,
                      const std::function<void()>& abort, steady::time_point deadline) {
    deadline = std::min(deadline, end_);
    std::optional<error_code> outcome;
    start([&outcome](error_code failed) { outcome = failed; });
    io_.restart();
    bool aborted = false;
    while (!outcome) {
      io_.run_for(poll_interval);
      if (outcome || aborted) {
        continue;
      }
      if (stop_ && stop_()) {
        stopped_ = aborted = true;
        abort();
      } else if (steady::now() >= deadline) {
        timed_out_ = aborted = true;
        abort();
      }
    }
    return *outcome;
  }

  // The failure of a step that answered `failed`: a stop or a deadline first, since they are why it failed.
  [[nodiscard]] http_failure failure(failure_kind kind, const std::string& what, const error_code& failed) const {
    if (stopped_) {
      return {failure_kind::cancelled, "stopped by the caller"};
    }
    if (timed_out_) {
      return {failure_kind::timeout, what + ": no answer in time"};
    }
    return {kind, what + ": " + failed.message()};
  }

  asio::io_context& io() { return io_; }
  [[nodiscard]] const client_options& options() const { return options_; }

private:
  asio::io_context io_;
  const client_options& options_;
  const std::function<bool()>& stop_;
  // Where total_timeout ends every step's deadline.
  steady::time_point end_;
  bool stopped_ = false;
  bool timed_out_ = false;
};

// The host's addresses that may be connected to: all of them, or those client_options::allowed_addresses allows.
http_result<std::vector<tcp::endpoint>> resolve(exchange& call, const url& to, steady::time_point deadline) {
  tcp::resolver resolver(call.io());
  tcp::resolver::results_type endpoints;
  const auto failed = call.wait_for(
      [&](const std::function<void(error_code)>& done) {
        resolver.async_resolve(to.host, to.port,
                               [&endpoints, done](error_code outcome, tcp::resolver::results_type found) {
                                 endpoints = std::move(found);
                                 done(outcome);
                               });
      },
      [&] { resolver.cancel(); }, deadline);
  if (failed) {
    return call.failure(failure_kind::resolve_failed, "resolving " + to.host, failed);
  }
  std::vector<tcp::endpoint> allowed;
  std::string refused;
  for (const auto& entry : endpoints) {
    const auto& policy = call.options().allowed_addresses;
    const auto why = policy ? policy->refuses(entry.endpoint().address().to_string()) : std::nullopt;
    if (why) {
      refused = *why;
    } else {
      allowed.push_back(entry.endpoint());
    }
  }
  if (allowed.empty()) {
    return http_failure{failure_kind::address_refused,
                        "refused to connect to " + to.host + ": " + (refused.empty() ? "no address" : refused)};
  }
  return allowed;
}

http_result<void> connect(exchange& call, tcp::socket& socket, const url& to,
                          const std::vector<tcp::endpoint>& endpoints, steady::time_point deadline) {
  const auto failed = call.wait_for(
      [&](const std::function<void(error_code)>& done) {
        asio::async_connect(socket, endpoints, [done](error_code outcome, const tcp::endpoint&) { done(outcome); });
      },
      [&] {
        error_code ignored;
        socket.close(ignored);
      },
      deadline);
  if (failed) {
    return call.failure(failure_kind::connect_failed, "connecting to " + to.authority(), failed);
  }
  return boost::outcome_v2::success();
}

template <class Stream>
http_result<http_response> request_response(exchange& call, Stream& stream, tcp::socket& socket,
                                            const http_request& request) {
  const auto deadline = steady::now() + call.options().request_timeout;
  const auto close = [&] {
    error_code ignored;
    socket.close(ignored);
  };

  http::request<http::string_body> message;
  message.method_string(request.method);
  message.target(request.to.target);
  message.version(11);
  message.set(http::field::host, request.to.authority());
  message.set(http::field::user_agent, call.options().user_agent);
  message.set(http::field::connection, "close");
  for (const auto& [name, value] : request.headers) {
    message.set(name, value);
  }
  message.body() = request.body;
  message.prepare_payload();
  auto failed = call.wait_for(
      [&](const std::function<void(error_code)>& done) {
        http::async_write(stream, message, [done](error_code outcome, std::size_t) { done(outcome); });
      },
      close, deadline);
  if (failed) {
    return call.failure(failure_kind::io_failed, "sending to " + request.to.authority(), failed);
  }

  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(call.options().max_response_bytes);
  const bool read_body = call.options().read_body;
  failed = call.wait_for(
      [&](const std::function<void(error_code)>& done) {
        const auto read = [done](error_code outcome, std::size_t) { done(outcome); };
        if (read_body) {
          http::async_read(stream, buffer, parser, read);
        } else {
          http::async_read_header(stream, buffer, parser, read);
        }
      },
      close, deadline);
  // A TLS peer that closes without close_notify after a complete response has still answered.
  const bool answered = read_body ? parser.is_done() : parser.is_header_done();
  if (failed && !(failed == asio::ssl::error::stream_truncated && answered)) {
    return call.failure(failure_kind::io_failed, "reading the response of " + request.to.authority(), failed);
  }
  close();

  auto received = parser.release();
  http_response answer;
  answer.status = static_cast<int>(received.result_int());
  for (const auto& field : received) {
    answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  answer.body = std::move(received.body());
  return answer;
}

http_result<http_response> send_plain(exchange& call, const http_request& request,
                                      const std::vector<tcp::endpoint>& endpoints, steady::time_point deadline) {
  tcp::socket socket(call.io());
  if (auto connected = connect(call, socket, request.to, endpoints, deadline); !connected) {
    return connected.error();
  }
  return request_response(call, socket, socket, request);
}

http_result<http_response> send_tls(exchange& call, const http_request& request,
                                    const std::vector<tcp::endpoint>& endpoints, steady::time_point deadline) {
  asio::ssl::context context(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_verify_mode(asio::ssl::verify_peer);
  const auto& options = call.options();
  error_code failed;
  if (options.ca_file.empty() || options.system_store_with_ca_file) {
    context.set_default_verify_paths(failed);
  }
  if (!failed && !options.ca_file.empty()) {
    context.load_verify_file(options.ca_file, failed);
  }
  if (failed) {
    return http_failure{failure_kind::invalid_request,
                        "cannot load the trusted certificates " + options.ca_file + ": " + failed.message()};
  }

  asio::ssl::stream<tcp::socket> stream(call.io(), context);
  SSL* session = stream.native_handle();
  // OpenSSL checks the certificate's names itself, so a mismatch is reported as such ("hostname mismatch").
  X509_VERIFY_PARAM* verify = SSL_get0_param(session);
  const auto& host = request.to.host;
  if (is_ip_literal(host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(verify, host.c_str()) != 1) {
      return http_failure{failure_kind::invalid_request, "cannot verify a certificate for the address " + host};
    }
  } else if (SSL_ctrl(session, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, // SNI
                      const_cast<char*>(host.c_str())) != 1 ||
             X509_VERIFY_PARAM_set1_host(verify, host.c_str(), host.size()) != 1) {
    return http_failure{failure_kind::invalid_request, "cannot send the host name " + host + " for TLS"};
  }

  auto& socket = stream.next_layer();
  if (auto connected = connect(call, socket, request.to, endpoints, deadline); !connected) {
    return connected.error();
  }
  failed = call.wait_for(
      [&](const std::function<void(error_code)>& done) {
        stream.async_handshake(asio::ssl::stream_base::client, [done](error_code outcome) { done(outcome); });
      },
      [&] {
        error_code ignored;
        socket.close(ignored);
      },
      deadline);
  if (failed) {
    auto refused = call.failure(failure_kind::tls_failed, "TLS with " + request.to.authority(), failed);
    if (const auto verdict = SSL_get_verify_result(session);
        refused.kind == failure_kind::tls_failed && verdict != X509_V_OK) {
      refused.message = "TLS with " + request.to.authority() +
                        ": the server's certificate was refused: " + X509_verify_cert_error_string(verdict);
    }
    return refused;
  }
  return request_response(call, stream, socket, request);
}

} // namespace

std::string url::authority() const {
  const auto bracketed = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return port == (tls ? "443" : "80") ? bracketed : bracketed + ":" + port;
}

std::optional<url> parse_url(std::string_view text) {
  url parsed;
  std::string_view rest;
  if (text.substr(0, 8) == "https://") {
    parsed.tls = true;
    rest = text.substr(8);
  } else if (text.substr(0, 7) == "http://") {
    rest = text.substr(7);
  } else {
    return std::nullopt;
  }
  const auto path_at = rest.find_first_of("/?");
  const auto authority = rest.substr(0, path_at);
  parsed.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (parsed.target.front() == '?') {
    parsed.target.insert(0, "/");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    parsed.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return std::nullopt;
    }
    port = after.empty() ? after : after.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    parsed.host = std::string(authority.substr(0, colon));
    port = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon + 1);
  }
  const bool host_is_plain = std::all_of(parsed.host.begin(), parsed.host.end(), [](char each) {
    return std::isalnum(static_cast<unsigned char>(each)) != 0 || each == '.' || each == '-' || each == ':' ||
           each == '_';
  });
  if (parsed.host.empty() || !host_is_plain || (!port.empty() && !is_port(port)) ||
      (port.empty() && authority.back() == ':')) {
    return std::nullopt;
  }
  parsed.port = port.empty() ? (parsed.tls ? "443" : "80") : std::string(port);
  return parsed;
}

std::optional<std::string> http_response::header(std::string_view name) const {
  for (const auto& [each, value] : headers) {
    if (equal_ignoring_case(each, name)) {
      return value;
    }
  }
  return std::nullopt;
}

std::string_view to_string(failure_kind kind) noexcept {
  switch (kind) {
  case failure_kind::resolve_failed: return "resolve_failed";
  case failure_kind::connect_failed: return "connect_failed";
  case failure_kind::tls_failed: return "tls_failed";
  case failure_kind::timeout: return "timeout";
  case failure_kind::io_failed: return "io_failed";
  case failure_kind::address_refused: return "address_refused";
  case failure_kind::cancelled: return "cancelled";
  case failure_kind::invalid_request: return "invalid_request";
  }
  return "";
}

http_result<http_response> send(const http_request& request, const client_options& options,
                                const std::function<bool()>& stop) {
  exchange call(options, stop);
  const auto deadline = steady::now() + options.connect_timeout;
  auto endpoints = resolve(call, request.to, deadline);
  if (!endpoints) {
    return endpoints.error();
  }
  return request.to.tls ? send_tls(call, request, endpoints.value(), deadline)
                        : send_plain(call, request, endpoints.value(), deadline);
}

} // namespace folio_net
