#include "agent_config.hpp"

#include <cstdlib>
#include <optional>
#include <set>
#include <string_view>

namespace folio_openai {
namespace {

using nlohmann::json;

folio::error invalid(const std::string& key, const std::string& why) {
  return folio::fail(folio::errc::invalid_argument, "openai agent config: " + key + " " + why, key);
}

// An integer key within [low, high], or its default when absent.
folio::result<std::int64_t> integer(const json& config, const std::string& key, std::int64_t fallback, std::int64_t low,
                                    std::int64_t high) {
  if (!config.contains(key)) {
    return fallback;
  }
  const auto& value = config[key];
  if (!value.is_number_integer() || value.get<std::int64_t>() < low || value.get<std::int64_t>() > high) {
    return invalid(key, "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
  }
  return value.get<std::int64_t>();
}

folio::result<std::string> text(const json& config, const std::string& key, bool required) {
  if (!config.contains(key)) {
    if (required) {
      return invalid(key, "is required");
    }
    return std::string();
  }
  if (!config[key].is_string() || config[key].get<std::string>().empty()) {
    return invalid(key, "must be a non-empty string");
  }
  return config[key].get<std::string>();
}

} // namespace

folio::result<agent_config> parse_config(const json& config) {
  static const std::set<std::string, std::less<>> known{
      "base_url",
      "model",
      "api_key_env",
      "temperature",
      "connect_timeout_ms",
      "request_timeout_ms",
      "ca_file",
      "max_tool_rounds",
      "tokens_per_credit",
      "context_budget_tokens",
      "max_tool_result_bytes",
      "max_retries",
      "retry_initial_ms",
      "retry_max_ms",
      "max_retry_after_ms",
  };
  if (!config.is_object()) {
    return folio::fail(folio::errc::invalid_argument, "openai agent config must be a JSON object");
  }
  for (const auto& [key, value] : config.items()) {
    if (known.find(key) == known.end()) {
      return invalid(key, "is not a setting of the openai agent");
    }
  }

  agent_config made;
  auto base_url = text(config, "base_url", true);
  if (!base_url) {
    return base_url.error();
  }
  std::string_view base = base_url.value();
  while (!base.empty() && base.back() == '/') {
    base.remove_suffix(1);
  }
  auto endpoint = folio_net::parse_url(std::string(base) + "/chat/completions");
  if (!endpoint || endpoint->target.find('?') != std::string::npos) {
    return invalid("base_url", "must be an http:// or https:// URL such as https://api.openai.com/v1");
  }
  made.endpoint = *endpoint;

  auto model = text(config, "model", true);
  if (!model) {
    return model.error();
  }
  made.model = model.value();

  auto key_variable = text(config, "api_key_env", false);
  if (!key_variable) {
    return key_variable.error();
  }
  if (!key_variable.value().empty()) {
    const char* key = std::getenv(key_variable.value().c_str()); // NOLINT(concurrency-mt-unsafe): read once, here
    if (key == nullptr || *key == '\0') {
      return invalid("api_key_env", "names the environment variable " + key_variable.value() + ", which is not set");
    }
    made.api_key = key;
  }

  if (config.contains("temperature")) {
    const auto& value = config["temperature"];
    if (!value.is_number() || value.get<double>() < 0.0 || value.get<double>() > 2.0) {
      return invalid("temperature", "must be a number from 0 to 2");
    }
    made.temperature = value.get<double>();
  }

  auto ca_file = text(config, "ca_file", false);
  if (!ca_file) {
    return ca_file.error();
  }
  made.http.ca_file = ca_file.value();
  made.http.user_agent = "folio-openai-agent";

  constexpr std::int64_t hour_ms = 3'600'000;
  constexpr std::int64_t many = 1'000'000'000;
  // The first bad key is reported; the others keep their defaults until then.
  std::optional<folio::error> problem;
  const auto take = [&](const char* key, std::int64_t fallback, std::int64_t low, std::int64_t high) {
    if (problem) {
      return fallback;
    }
    auto value = integer(config, key, fallback, low, high);
    if (!value) {
      problem = value.error();
      return fallback;
    }
    return value.value();
  };
  using std::chrono::milliseconds;
  made.http.connect_timeout = milliseconds{take("connect_timeout_ms", 10'000, 1, hour_ms)};
  made.http.request_timeout = milliseconds{take("request_timeout_ms", 120'000, 1, hour_ms)};
  made.max_tool_rounds = static_cast<int>(take("max_tool_rounds", made.max_tool_rounds, 1, 1000));
  made.tokens_per_credit = take("tokens_per_credit", made.tokens_per_credit, 1, many);
  made.context_budget_tokens = static_cast<std::size_t>(
      take("context_budget_tokens", static_cast<std::int64_t>(made.context_budget_tokens), 256, many));
  made.max_tool_result_bytes = static_cast<std::size_t>(
      take("max_tool_result_bytes", static_cast<std::int64_t>(made.max_tool_result_bytes), 256, many));
  made.retries.max_retries = static_cast<int>(take("max_retries", made.retries.max_retries, 0, 20));
  made.retries.first_wait = milliseconds{take("retry_initial_ms", made.retries.first_wait.count(), 0, hour_ms)};
  made.retries.longest_wait = milliseconds{take("retry_max_ms", made.retries.longest_wait.count(), 0, hour_ms)};
  made.retries.longest_retry_after =
      milliseconds{take("max_retry_after_ms", made.retries.longest_retry_after.count(), 0, hour_ms)};
  if (problem) {
    return *problem;
  }
  return made;
}

} // namespace folio_openai
