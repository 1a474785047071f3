// One HTTP/1.1 exchange over TCP, or TLS with the peer's certificate verified: what the OpenAI-compatible agent sends
// to its model and what folio-server's webhooks send to their receivers. Boost.Beast and Asio stay in
// https_client.cpp, so including this header costs nothing. Every exchange opens its own connection.
#pragma once

#include "address_policy.hpp"

#include <boost/outcome/result.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace folio_net {

// An absolute http:// or https:// URL taken apart; the port is the scheme's default when the URL names none.
struct url {
  bool tls = false;
  std::string host; // without the brackets of an IPv6 literal
  std::string port;
  std::string target; // the path and query, "/" when the URL has none

  // host[:port] as the Host header spells it (the port only when it is not the scheme's default).
  [[nodiscard]] std::string authority() const;
};

// Parses "https://api.example.com/v1" (scheme, host, optional port, optional path); nullopt for anything else.
std::optional<url> parse_url(std::string_view text);

using header_list = std::vector<std::pair<std::string, std::string>>;

struct http_request {
  std::string method = "POST";
  url to;
  header_list headers; // Host, Content-Length and User-Agent are set by the client
  std::string body;
};

struct http_response {
  int status = 0;
  header_list headers;
  std::string body; // empty when client_options::read_body is false

  // The first header of that name (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

struct client_options {
  // Name resolution, TCP connection and TLS handshake together.
  std::chrono::milliseconds connect_timeout{10'000};
  // Sending the request and reading the whole response.
  std::chrono::milliseconds request_timeout{60'000};
  // The whole exchange, name resolution included, when one attempt has a budget of its own (a webhook's timeout);
  // it ends whichever of the two timeouts above would end later.
  std::optional<std::chrono::milliseconds> total_timeout;
  // PEM file of the certificate authorities to trust; empty: the system's store (OpenSSL's default paths).
  std::string ca_file;
  // With a ca_file: trust the system's store as well, so a private authority is added to the public ones rather than
  // replacing them (webhook receivers are mostly public, a few behind a company's own CA).
  bool system_store_with_ca_file = false;
  // False: the status line and headers are read and the body is left unread (its size no longer matters), for a
  // caller to whom only the status means something.
  bool read_body = true;
  std::size_t max_response_bytes = std::size_t{32} << 20U;
  std::string user_agent = "folio";
  // When set, only addresses it does not refuse are connected to: the host's resolved addresses are checked just
  // before the connection, and a host all of whose addresses are refused fails with address_refused.
  std::optional<address_policy> allowed_addresses;
};

// Why no response came back. Every kind but `cancelled` carries a message saying what happened at which step.
enum class failure_kind {
  resolve_failed,  // the host name did not resolve
  connect_failed,  // no TCP connection (refused, unreachable)
  tls_failed,      // handshake refused, including a certificate that does not verify for the host
  timeout,         // connect_timeout or request_timeout passed
  io_failed,       // the connection broke while sending or reading, or the response was not HTTP
  address_refused, // every address the host resolved to is one client_options::allowed_addresses refuses
  cancelled,       // the caller's stop predicate turned true
  invalid_request  // a CA file that cannot be read, a host that cannot be sent as SNI
};

std::string_view to_string(failure_kind kind) noexcept;

struct http_failure {
  failure_kind kind = failure_kind::io_failed;
  std::string message;
};

template <class T>
using http_result = boost::outcome_v2::result<T, http_failure, boost::outcome_v2::policy::terminate>;

// Sends one request and reads its response, whatever its status. `stop` is polled while the exchange waits (every
// few tens of milliseconds); once it answers true the connection is closed and the call fails `cancelled`.
http_result<http_response> send(const http_request& request, const client_options& options,
                                const std::function<bool()>& stop = {});

} // namespace folio_net
