#include "admin.hpp"

#include <folio/digest.hpp>
#include <folio/ids.hpp>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace folio_server {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  std::ifstream source("/dev/urandom", std::ios::binary);
  if (!source.read(reinterpret_cast<char*>(buffer.data()), // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
                   static_cast<std::streamsize>(buffer.size()))) {
    throw std::runtime_error("cannot read /dev/urandom");
  }
  return folio::detail::to_hex(buffer.data(), buffer.size());
}

folio::result<folio::organization> find_or_create_organization(folio::store& metadata, std::string_view name,
                                                               const folio::retention_settings& retention,
                                                               const folio::clock& time_source) {
  auto found = metadata.find_organization(name);
  if (found || found.error().code != folio::errc::not_found) {
    return found;
  }
  folio::id_generator ids(time_source);
  folio::organization created{ids.next<folio::org_id>(), std::string(name), retention, "whsec_" + random_hex(24),
                              time_source.now()};
  if (auto stored = metadata.create_organization(created); !stored) {
    return stored.error();
  }
  return created;
}

folio::result<created_key> create_api_key(folio::store& metadata, const folio::org_id& org,
                                          const folio::clock& time_source) {
  folio::id_generator ids(time_source);
  created_key made;
  made.secret = "folio_" + random_hex(24);
  made.key = folio::api_key{
      ids.next<folio::key_id>(), org,         folio::hash_api_key_secret(made.secret), made.secret.substr(0, 12),
      time_source.now(),         std::nullopt};
  if (auto stored = metadata.create_api_key(made.key); !stored) {
    return stored.error();
  }
  return made;
}

} // namespace folio_server
