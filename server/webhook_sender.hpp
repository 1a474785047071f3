// POSTs one webhook message over HTTP or HTTPS with Boost.Beast, within a deadline. The OpenAI agent plugin has its
// own Beast client for its endpoint; this one is the server's, small and blocking: the webhook dispatcher's own
// threads call it, never a Pistache I/O thread.
#pragma once

#include <folio/webhook.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace folio_server {

struct post_outcome {
  // The endpoint's HTTP status; 0 when there was no answer (refused, unreachable, timed out, TLS failure).
  int status = 0;
  // Why there was no answer, or the status line's reason; never the request's headers (they hold the signature).
  std::string error;
};

class webhook_sender {
public:
  // `ca_file`: certificates trusted for https endpoints besides the system's (a private CA); empty for none.
  webhook_sender(std::chrono::milliseconds timeout, std::string ca_file);

  [[nodiscard]] post_outcome post(const folio::webhook_endpoint& endpoint,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  const std::string& body) const;

private:
  std::chrono::milliseconds timeout_;
  std::string ca_file_;
};

} // namespace folio_server
