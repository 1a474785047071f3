// `folio-server convert IN --to FMT [--page N] [--width PX] [--sheet NAME] -o OUT`: the converter plugins are loaded
// from a directory with the plugin registry, as the server loads them, and the core's export routes pick the steps,
// so a file converts here exactly as an export of the API converts it.
#include "convert_command.hpp"

#include "built_plugin_dir.hpp"

#include <folio/conversion_route.hpp>
#include <folio/errors.hpp>
#include <folio/plugin_registry.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace folio_server {
namespace {

namespace fs = std::filesystem;

struct convert_arguments {
  fs::path input;
  fs::path output;
  std::string target;
  nlohmann::json options = nlohmann::json::object();
  std::optional<fs::path> plugins;
  bool help = false;
};

std::string lower_case(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char letter) { return static_cast<char>(std::tolower(letter)); });
  return lowered;
}

std::optional<int> whole_number(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, failure] = std::from_chars(text.data(), end, value);
  if (failure != std::errc() || stop != end) {
    return std::nullopt;
  }
  return value;
}

// A bad command line is reported as invalid_argument; the caller turns it into the usage exit.
folio::result<convert_arguments> parse(std::span<const std::string_view> arguments) {
  convert_arguments parsed;
  std::optional<std::string> to;
  std::optional<std::string> output;
  std::vector<std::string_view> seen;
  for (std::size_t index = 0; index < arguments.size(); ++index) {
    const auto argument = arguments[index];
    if (argument == "--help" || argument == "-h") {
      parsed.help = true;
      return parsed;
    }
    const bool takes_value = argument == "--to" || argument == "--page" || argument == "--width" ||
                             argument == "--sheet" || argument == "-o" || argument == "--plugins";
    if (!takes_value) {
      if (argument.starts_with("-") && argument.size() > 1) {
        return folio::fail(folio::errc::invalid_argument, "unknown option " + std::string(argument));
      }
      if (!parsed.input.empty()) {
        return folio::fail(folio::errc::invalid_argument, "one input file only: '" + parsed.input.string() + "' and '" +
                                                              std::string(argument) + "' were given");
      }
      parsed.input = std::string(argument);
      continue;
    }
    if (index + 1 == arguments.size()) {
      return folio::fail(folio::errc::invalid_argument, std::string(argument) + " needs a value");
    }
    if (std::find(seen.begin(), seen.end(), argument) != seen.end()) {
      return folio::fail(folio::errc::invalid_argument, std::string(argument) + " is given twice");
    }
    seen.push_back(argument);
    const auto value = arguments[++index];
    if (argument == "--page" || argument == "--width") {
      const auto number = whole_number(value);
      if (!number) {
        return folio::fail(folio::errc::invalid_argument,
                           std::string(argument) + " takes a whole number, not '" + std::string(value) + "'");
      }
      parsed.options[std::string(argument.substr(2))] = *number;
    } else if (argument == "--sheet") {
      parsed.options["sheet"] = std::string(value);
    } else if (argument == "--to") {
      to = lower_case(value);
    } else if (argument == "-o") {
      output = std::string(value);
    } else {
      parsed.plugins = fs::path(std::string(value));
    }
  }
  if (parsed.input.empty()) {
    return folio::fail(folio::errc::invalid_argument, "the input file is missing");
  }
  if (!to) {
    return folio::fail(folio::errc::invalid_argument, "--to FMT is missing");
  }
  if (!output) {
    return folio::fail(folio::errc::invalid_argument, "-o OUT is missing");
  }
  parsed.target = *to;
  parsed.output = *output;
  return parsed;
}

// The plugins of the build this binary belongs to, unless FOLIO_PLUGINS names others.
fs::path default_plugin_directory() {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): read before any plugin starts a thread
  if (const char* named = std::getenv("FOLIO_PLUGINS"); named != nullptr && *named != '\0') {
    return named;
  }
  return built_plugin_dir();
}

// One file needs one office; the plugins' own defaults suit a server (an office per core).
nlohmann::json converter_config(std::string_view name) {
  if (name == "libreoffice") {
    return {{"processes", 1}};
  }
  return nlohmann::json::object();
}

convert_exit failed(const folio::error& failure) {
  std::cerr << "error: " << folio::to_string(failure.code) << ": " << failure.message << "\n";
  return convert_exit::failed;
}

folio::result<std::string> read_file(const fs::path& path) {
  std::error_code failure;
  const auto size = fs::file_size(path, failure);
  if (failure) {
    return folio::fail(folio::errc::not_found, "cannot read '" + path.string() + "': " + failure.message(), "file");
  }
  std::ifstream file(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!file.read(bytes.data(), static_cast<std::streamsize>(size))) {
    return folio::fail(folio::errc::not_found, "cannot read '" + path.string() + "'", "file");
  }
  return bytes;
}

folio::result<void> write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) {
    return folio::fail(folio::errc::storage_error, "cannot write '" + path.string() + "'", "output");
  }
  return folio::success();
}

} // namespace

void print_convert_usage(std::ostream& out) {
  std::string allowed;
  for (const std::string_view source : {"xlsx", "docx", "pptx"}) {
    std::string targets;
    for (const auto target : folio::allowed_targets(source)) {
      targets += (targets.empty() ? "" : ", ") + std::string(target);
    }
    allowed += "  " + std::string(source) + " to " + targets + "\n";
  }
  out << "usage: folio-server convert IN --to FMT [--page N] [--width PX] [--sheet NAME] -o OUT [--plugins DIR]\n"
         "\n"
         "Converts one document as an export of the API does. The source format is IN's extension:\n"
      << allowed
      << "\n"
         "  --to FMT       the target format\n"
         "  --page N       png: the page or slide, from 1 (default 1)\n"
         "  --width PX     png: the width in pixels, 16 to 8192 (default 1280)\n"
         "  --sheet NAME   csv: the sheet to export (default the first)\n"
         "  -o OUT         where to write the result\n"
         "  --plugins DIR  the converter plugins to load (default: $FOLIO_PLUGINS, else "
      << built_plugin_dir().string()
      << ")\n"
         "\n"
         "Exit status: 0 converted; 1 the conversion failed, with \"error: <code>: <message>\" on stderr;\n"
         "2 a bad command line.\n";
}

convert_exit run_convert_command(std::span<const std::string_view> arguments) {
  auto parsed = parse(arguments);
  if (!parsed) {
    std::cerr << "folio-server convert: " << parsed.error().message << "\n\n";
    print_convert_usage(std::cerr);
    return convert_exit::usage;
  }
  const auto& command = parsed.value();
  if (command.help) {
    print_convert_usage(std::cout);
    return convert_exit::converted;
  }
  const auto extension = command.input.extension().string(); // ".xlsx", or empty
  const auto source = lower_case(extension.empty() ? extension : extension.substr(1));
  if (source.empty()) {
    std::cerr << "folio-server convert: cannot tell the format of '" << command.input.string()
              << "': its name has no extension (.xlsx, .docx or .pptx)\n";
    return convert_exit::usage;
  }
  const folio::conversion_pair pair{source, command.target};
  // Refused before anything is loaded or read: a pair API.md does not allow never starts an office.
  if (auto allowed = folio::check_allowed_conversion(pair); !allowed) {
    return failed(allowed.error());
  }
  auto bytes = read_file(command.input);
  if (!bytes) {
    return failed(bytes.error());
  }

  const auto directory = command.plugins.value_or(default_plugin_directory());
  folio::plugin_registry registry;
  auto loaded = registry.load_directory(directory);
  if (!loaded) {
    return failed(loaded.error());
  }
  for (const auto& [file, failure] : loaded.value().failures) {
    std::cerr << "warning: plugin '" << file.string() << "' not loaded: " << failure.message << "\n";
  }
  std::vector<std::shared_ptr<folio::converter>> converters;
  std::string not_made;
  for (const auto& name : registry.converter_names()) {
    auto made = registry.make_converter(name, converter_config(name));
    if (made) {
      converters.emplace_back(std::move(made).value());
    } else {
      not_made += "; the " + name + " converter did not start: " + made.error().message;
    }
  }
  const folio::conversion_router router(std::move(converters));
  auto route = router.route(pair);
  if (!route) {
    auto failure = route.error();
    failure.message += " (plugins from " + directory.string() + not_made + ")";
    return failed(failure);
  }
  const folio::conversion_request request{bytes.value(), pair, command.options};
  auto converted = route.value().run(request.bytes, request.options, request.deadline);
  if (!converted) {
    return failed(converted.error());
  }
  if (auto written = write_file(command.output, converted.value().bytes); !written) {
    return failed(written.error());
  }
  std::cout << command.output.string() << ": " << command.target << ", " << converted.value().bytes.size() << " bytes";
  if (const auto pages = converted.value().page_count) {
    std::cout << "; the document has " << *pages << (*pages == 1 ? " page" : " pages");
  }
  std::cout << "\n";
  return convert_exit::converted;
}

} // namespace folio_server
