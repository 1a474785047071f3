#include "built_plugin_dir.hpp"

namespace folio_server {

std::filesystem::path built_plugin_dir() {
  return FOLIO_BUILT_PLUGIN_DIR;
}

} // namespace folio_server
