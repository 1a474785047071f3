// `folio-server convert`: one file through the converter plugins and the core's export routes, as an export of the
// API makes it, for people and scripts.
#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace folio_server {

// The exit codes of `folio-server convert`: scripts tell a bad command line from a conversion that failed.
enum class convert_exit : int { converted = 0, failed = 1, usage = 2 };

void print_convert_usage(std::ostream& out);

// Runs the command with the arguments that follow "convert"; messages go to stdout (the result) and stderr (errors,
// as "error: <code>: <message>").
convert_exit run_convert_command(std::span<const std::string_view> arguments);

} // namespace folio_server
