// The OpenAI-compatible agent's configuration: where the model is, how long to wait for it, how often to retry, how
// large a conversation may grow and what a token costs. README.md documents every key.
#pragma once

#include "https_client.hpp"

#include <folio/errors.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace folio_openai {

struct retry_policy {
  // Attempts after the first, for 429, 5xx and broken connections.
  int max_retries = 4;
  // The wait before the first retry; each later wait doubles, up to `longest_wait`.
  std::chrono::milliseconds first_wait{500};
  std::chrono::milliseconds longest_wait{8'000};
  // A Retry-After longer than this fails the turn at once instead of holding a worker.
  std::chrono::milliseconds longest_retry_after{60'000};
};

struct agent_config {
  folio_net::url endpoint; // {base_url}/chat/completions
  std::string model;
  // Read from the environment variable the config names, once, when the agent is made; never logged or stored.
  std::string api_key;
  std::optional<double> temperature;
  folio_net::client_options http;
  retry_policy retries;
  // Model answers with tool calls allowed in one turn; the answer after the last of them must be final.
  int max_tool_rounds = 16;
  std::int64_t tokens_per_credit = 1000;
  // Estimated tokens of the messages sent at the start of a turn: older turns are condensed to stay under it.
  std::size_t context_budget_tokens = 16'000;
  // A tool's answer longer than this is cut, so one outline cannot fill the conversation.
  std::size_t max_tool_result_bytes = 16'384;
};

// invalid_argument naming the offending key: unknown keys, wrong types, out-of-range values, a base_url that is not
// an http(s) URL, an api_key_env naming a variable that is not set.
folio::result<agent_config> parse_config(const nlohmann::json& config);

} // namespace folio_openai
