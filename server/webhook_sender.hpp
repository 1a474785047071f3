// POSTs one webhook message over HTTP or HTTPS with folio::https_client (net/), within one deadline per attempt.
// Blocking: the webhook dispatcher's own threads call it, never a Pistache I/O thread.
#pragma once

#include "https_client.hpp"

#include <folio/webhook.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace folio_server {

struct post_outcome {
  // The endpoint's HTTP status; 0 when there was no answer (refused, unreachable, timed out, TLS failure).
  int status = 0;
  // Why there was no answer, or the status; never the request's headers (they hold the signature) nor the URL's path
  // and query (they may hold the receiver's token).
  std::string error;
};

class webhook_sender {
public:
  // `timeout`: the whole attempt, name resolution to the answer's status. `ca_file`: certificates trusted for https
  // endpoints besides the system's (a private CA); empty for none. `addresses`: where a POST may connect to.
  webhook_sender(std::chrono::milliseconds timeout, std::string ca_file, folio_net::address_policy addresses);

  [[nodiscard]] post_outcome post(const folio::webhook_endpoint& endpoint,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body) const;

private:
  folio_net::client_options options_;
};

} // namespace folio_server
