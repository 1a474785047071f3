// `folio-server keys create --org NAME | list | revoke KEY_ID` and `folio-server orgs set NAME --retention DUR
// --purge-after DUR`, on the data directory of the server options (--data-dir or FOLIO_DATA_DIR). They may run while
// the server runs: SQLite serialises the writers.
#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace folio_server {

using usage_printer = void (*)(std::ostream&);

// Exit codes: 0 done, 1 failed (the message says why), 2 bad command line.
int run_keys_command(std::span<const std::string_view> arguments, usage_printer usage);
int run_orgs_command(std::span<const std::string_view> arguments, usage_printer usage);

} // namespace folio_server
