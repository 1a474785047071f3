// folio-server: `serve` hosts the HTTP API of API.md (serve_command.cpp); `keys` and `orgs` manage organizations and
// API keys in a data directory (admin_commands.cpp); `convert` converts one file through the converter plugins
// (convert_command.hpp).
#include "admin_commands.hpp"
#include "config.hpp"
#include "convert_command.hpp"
#include "serve_command.hpp"

#include <algorithm>
#include <iostream>
#include <ostream>
#include <span>
#include <string_view>
#include <vector>

namespace {

void print_usage(std::ostream& out) {
  out << "usage: folio-server serve [--listen ADDR:PORT] [--data-dir DIR] [--plugins DIR] [--config FILE] [OPTION…]\n"
         "       folio-server keys create --org NAME [--data-dir DIR]\n"
         "       folio-server keys list [--data-dir DIR]\n"
         "       folio-server keys revoke KEY_ID [--data-dir DIR]\n"
         "       folio-server orgs set NAME [--retention DUR] [--purge-after DUR] [--data-dir DIR]\n"
         "       folio-server convert IN --to FMT [--page N] [--width PX] [--sheet NAME] -o OUT\n"
         "Durations are a whole number and a unit: 30s, 15m, 12h, 30d. Every option can also be set with its\n"
         "FOLIO_* environment variable or in the --config JSON file:\n";
  folio_server::print_config_options(out);
}

} // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> arguments(argv, argv + argc);
  const auto command = arguments.size() > 1 ? arguments[1] : std::string_view();
  const auto rest = std::span(arguments).subspan(std::min<std::size_t>(2, arguments.size()));
  if (command == "serve") {
    return folio_server::run_serve_command(rest, print_usage);
  }
  if (command == "keys") {
    return folio_server::run_keys_command(rest, print_usage);
  }
  if (command == "orgs") {
    return folio_server::run_orgs_command(rest, print_usage);
  }
  if (command == "convert") {
    return static_cast<int>(folio_server::run_convert_command(rest));
  }
  if (command == "--help" || command == "-h" || command == "help") {
    print_usage(std::cout);
    return 0;
  }
  print_usage(std::cerr);
  return 2;
}
