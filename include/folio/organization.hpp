// Organizations own runs and API keys; their settings choose retention. Keys are stored only as hashes.
#pragma once

#include <folio/clock.hpp>
#include <folio/digest.hpp>
#include <folio/ids.hpp>
#include <folio/retention.hpp>

#include <optional>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

struct organization {
  org_id id;
  std::string name;
  retention_settings retention;
  // Signs webhooks (Standard Webhooks); never logged, never returned by the API after creation.
  std::string webhook_secret;
  timestamp created_at;
};

struct api_key {
  key_id id;
  org_id org;
  // SHA-256 of the secret the client sends; the secret itself is shown once at creation and never stored.
  std::string secret_hash;
  // The first characters of the secret, so people can tell keys apart in listings.
  std::string display_prefix;
  timestamp created_at;
  std::optional<timestamp> revoked_at;
};

inline std::string hash_api_key_secret(std::string_view secret) {
  return sha256_hex(secret);
}

FOLIO_END_NAMESPACE
