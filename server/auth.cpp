#include "auth.hpp"

#include <string>

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
  auto key = metadata.find_api_key(folio::hash_api_key_secret(secret));
  if (!key) {
    if (key.error().code == folio::errc::not_found) {
      return folio::fail(folio::errc::unauthenticated, "this API key is not valid (unknown or revoked)",
                         "Authorization");
    }
    return key.error();
  }
  auto org = metadata.get_organization(key.value().org);
  if (!org) {
    return folio::fail(folio::errc::unauthenticated, "this API key's organization no longer exists", "Authorization");
  }
  return org;
}

} // namespace folio_server
