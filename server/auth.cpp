#include "auth.hpp"

#include <string>
#include <utility>

namespace folio_server {

folio::result<folio::organization> authenticate(folio::store& metadata, std::optional<std::string_view> authorization) {
  constexpr std::string_view scheme = "Bearer ";
  if (!authorization) {
    return folio::fail(folio::errc::unauthenticated, "send an API key: Authorization: Bearer <key>", "Authorization");
  }
  auto secret = *authorization;
  if (secret.size() <= scheme.size() || secret.substr(0, scheme.size()) != scheme) {
    return folio::fail(folio::errc::unauthenticated, "the Authorization header must be 'Bearer <key>'",
                       "Authorization");
  }
  secret.remove_prefix(scheme.size());
  while (!secret.empty() && secret.front() == ' ') {
    secret.remove_prefix(1);
  }
  auto holder = metadata.find_api_key_holder(folio::hash_api_key_secret(secret));
  if (!holder) {
    if (holder.error().code != folio::errc::not_found) {
      return holder.error();
    }
    return folio::fail(folio::errc::unauthenticated,
                       holder.error().param == "org_id" ? "this API key's organization no longer exists"
                                                        : "this API key is not valid (unknown or revoked)",
                       "Authorization");
  }
  return std::move(holder).value().owner;
}

} // namespace folio_server
