// Where this build put its plugins: the default plugin directory of `serve` and `convert`, so a build runs without
// being installed. Only built_plugin_dir.cpp is compiled with the (absolute, per-checkout) path, so every other unit
// of the server compiles identically in any checkout and ccache shares them.
#pragma once

#include <filesystem>

namespace folio_server {

[[nodiscard]] std::filesystem::path built_plugin_dir();

} // namespace folio_server
