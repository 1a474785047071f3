// Organizations and API keys as an operator manages them: `folio-server keys …`, `orgs set …`, and the default
// organization the first start on an empty data directory creates.
#pragma once

#include <folio/clock.hpp>
#include <folio/organization.hpp>
#include <folio/retention.hpp>
#include <folio/store.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace folio_server {

inline constexpr std::string_view default_organization_name = "default";

struct created_key {
  folio::api_key key;
  // Shown once; only its hash is stored.
  std::string secret;
};

// Hex of `bytes` bytes from the kernel's random source.
std::string random_hex(std::size_t bytes);

// The organization named `name`, created with `retention` if there is none.
folio::result<folio::organization> find_or_create_organization(folio::store& metadata, std::string_view name,
                                                               const folio::retention_settings& retention,
                                                               const folio::clock& time_source);

// A new key of `org`: "folio_" and 48 hex characters.
folio::result<created_key> create_api_key(folio::store& metadata, const folio::org_id& org,
                                          const folio::clock& time_source);

} // namespace folio_server
