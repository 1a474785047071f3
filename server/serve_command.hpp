// `folio-server serve`: the HTTP API on Pistache until SIGTERM or SIGINT, then a graceful stop (exit 0).
#pragma once

#include "admin_commands.hpp"

#include <span>
#include <string_view>

namespace folio_server {

int run_serve_command(std::span<const std::string_view> arguments, usage_printer usage);

} // namespace folio_server
