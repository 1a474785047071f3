#include "webhook_sender.hpp"

#include <folio/version.hpp>

namespace folio_server {

webhook_sender::webhook_sender(std::chrono::milliseconds timeout, std::string ca_file,
                               folio_net::address_policy addresses) {
  // Redirects are never followed: a 3xx is the receiver's answer like any other status.
  options_.allowed_addresses = std::move(addresses);
  options_.connect_timeout = timeout;
  options_.request_timeout = timeout;
  options_.total_timeout = timeout;
  options_.ca_file = std::move(ca_file);
  options_.system_store_with_ca_file = true;
  // A receiver's answer body means nothing to the sender: only its status is read.
  options_.read_body = false;
  options_.user_agent = "folio/" FOLIO_VERSION_STRING " (webhooks)";
}

post_outcome webhook_sender::post(const folio::webhook_endpoint& endpoint,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body) const {
  folio_net::http_request request;
  request.method = "POST";
  request.to = {endpoint.tls, endpoint.host, std::to_string(endpoint.port), endpoint.target};
  request.headers.emplace_back("Content-Type", "application/json");
  request.headers.insert(request.headers.end(), headers.begin(), headers.end());
  request.body = body;
  auto answer = folio_net::send(request, options_);
  if (!answer) {
    return {0, std::move(answer.error().message)};
  }
  const auto status = answer.value().status;
  return {status, "HTTP " + std::to_string(status)};
}

} // namespace folio_server
