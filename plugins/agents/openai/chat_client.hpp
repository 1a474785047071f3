// One chat-completions call as the agent sees it: the request body in, the model's parsed answer out, with the
// retries, waits and error codes of README.md in between. The API key goes into the Authorization header and is
// removed from every message this file writes.
#pragma once

#include "agent_config.hpp"

#include <folio/errors.hpp>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace folio_openai {

// The body of a 200 answer that has choices[0].message as an object. Failures: agent_unauthorized (401, 403; not
// retried), agent_request_rejected (other 4xx), agent_unavailable (429, 5xx or broken connections still failing
// after the retries, or a Retry-After longer than allowed), agent_timeout (connect or request timeout; not retried),
// agent_tls_failed (handshake or certificate refused), agent_response_invalid (a 200 that is not such JSON),
// cancelled (`cancelled` turned true while waiting or retrying).
folio::result<nlohmann::json> complete_chat(const agent_config& config, const nlohmann::json& request,
                                            const std::function<bool()>& cancelled);

// `text` with every occurrence of `secret` replaced by "[redacted]" (nothing to replace when the secret is empty).
std::string redact(std::string text, std::string_view secret);

} // namespace folio_openai
