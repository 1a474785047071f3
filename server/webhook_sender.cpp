#include "webhook_sender.hpp"

#include <folio/version.hpp>

#include <openssl/err.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <exception>
#include <optional>

namespace folio_server {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

// Answers larger than this are not read: a receiver's answer body means nothing to the sender.
constexpr std::uint64_t max_answer_bytes = std::uint64_t{64} * 1024;

http::request<http::string_body> make_request(const folio::webhook_endpoint& endpoint,
                                              const std::vector<std::pair<std::string, std::string>>& headers,
                                              const std::string& body) {
  http::request<http::string_body> request{http::verb::post, endpoint.target, 11};
  const bool default_port = endpoint.port == (endpoint.tls ? 443 : 80);
  const bool literal_v6 = endpoint.host.find(':') != std::string::npos;
  const std::string host = literal_v6 ? "[" + endpoint.host + "]" : endpoint.host;
  request.set(http::field::host, default_port ? host : host + ":" + std::to_string(endpoint.port));
  request.set(http::field::user_agent, "folio/" FOLIO_VERSION_STRING " (webhooks)");
  request.set(http::field::content_type, "application/json");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  request.body() = body;
  request.prepare_payload();
  return request;
}

template <class Stream>
asio::awaitable<int> send_and_read_status(Stream& stream, const http::request<http::string_body>& request) {
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_answer_bytes);
  co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
  co_return static_cast<int>(parser.get().result_int());
}

} // namespace

webhook_sender::webhook_sender(std::chrono::milliseconds timeout, std::string ca_file)
    : timeout_(timeout), ca_file_(std::move(ca_file)) {}

post_outcome webhook_sender::post(const folio::webhook_endpoint& endpoint,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body) const {
  asio::io_context context;
  post_outcome outcome;
  const auto request = make_request(endpoint, headers, body);
  std::optional<asio::ssl::context> tls;
  if (endpoint.tls) {
    tls.emplace(asio::ssl::context::tls_client);
    tls->set_default_verify_paths();
    if (!ca_file_.empty()) {
      tls->load_verify_file(ca_file_);
    }
    tls->set_verify_mode(asio::ssl::verify_peer);
  }
  auto attempt = [&]() -> asio::awaitable<void> {
    tcp::resolver resolver(context);
    const auto found =
        co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), asio::use_awaitable);
    if (!endpoint.tls) {
      beast::tcp_stream stream(context);
      stream.expires_after(timeout_);
      co_await stream.async_connect(found, asio::use_awaitable);
      outcome.status = co_await send_and_read_status(stream, request);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(context, *tls);
    // SSL_set_tlsext_host_name is a macro with a C cast; SSL_ctrl is what it calls (SNI). OpenSSL copies the name.
    if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(endpoint.host.c_str())) != 1) { // NOLINT(cppcoreguidelines-pro-type-const-cast)
      throw beast::system_error(
          beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
    beast::get_lowest_layer(stream).expires_after(timeout_);
    co_await beast::get_lowest_layer(stream).async_connect(found, asio::use_awaitable);
    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    outcome.status = co_await send_and_read_status(stream, request);
  };
  asio::co_spawn(context, attempt(), [&](const std::exception_ptr& failure) {
    if (!failure) {
      return;
    }
    try {
      std::rethrow_exception(failure);
    } catch (const beast::system_error& error) {
      outcome.status = 0;
      outcome.error = error.code() == beast::error::timeout ? "timed out" : error.code().message();
    } catch (const std::exception& error) {
      outcome.status = 0;
      outcome.error = error.what();
    }
  });
  context.run();
  if (outcome.status != 0 && outcome.error.empty()) {
    outcome.error = "HTTP " + std::to_string(outcome.status);
  }
  return outcome;
}

} // namespace folio_server
