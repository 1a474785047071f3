// API keys: `Authorization: Bearer <key>` names an organization. Keys are looked up by their SHA-256, never stored or
// logged in clear.
#pragma once

#include <folio/organization.hpp>
#include <folio/store.hpp>

#include <optional>
#include <string_view>

namespace folio_server {

// The organization of the key in an Authorization header; unauthenticated (401) when the header is missing, is not
// a Bearer credential, or names no key that is still valid.
folio::result<folio::organization> authenticate(folio::store& metadata, std::optional<std::string_view> authorization);

} // namespace folio_server
