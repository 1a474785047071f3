#include "admin_commands.hpp"

#include "admin.hpp"
#include "config.hpp"

#include <folio/data_directory.hpp>
#include <folio/time_format.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace folio_server {
namespace {

const folio::system_clock& admin_clock() {
  static const folio::system_clock instance;
  return instance;
}

// The command's own options and positional words, taken out; what remains are server options (--data-dir …).
struct command_line {
  std::map<std::string, std::string, std::less<>> options;
  std::vector<std::string> words;
  std::vector<std::string_view> server_options;
};

std::optional<command_line> split(std::span<const std::string_view> arguments,
                                  std::initializer_list<std::string_view> own_options) {
  command_line split_line;
  for (std::size_t index = 0; index < arguments.size(); ++index) {
    const auto argument = arguments[index];
    const bool own = std::find(own_options.begin(), own_options.end(), argument) != own_options.end();
    if (argument.starts_with("--")) {
      if (index + 1 >= arguments.size()) {
        return std::nullopt;
      }
      if (own) {
        split_line.options[std::string(argument)] = arguments[++index];
      } else {
        split_line.server_options.push_back(argument);
        split_line.server_options.push_back(arguments[++index]);
      }
    } else {
      split_line.words.emplace_back(argument);
    }
  }
  return split_line;
}

int failed(const folio::error& failure) {
  std::cerr << "error: " << folio::to_string(failure.code) << ": " << failure.message << "\n";
  return 1;
}

folio::result<folio::data_directory> open_data(const command_line& line, server_config& config) {
  auto loaded = load_config(line.server_options);
  if (!loaded) {
    return loaded.error();
  }
  config = std::move(loaded).value();
  return folio::open_data_directory(config.data_dir, admin_clock());
}

folio::result<folio::duration> duration_option(const command_line& line, std::string_view name,
                                               folio::duration fallback) {
  const auto found = line.options.find(name);
  if (found == line.options.end()) {
    return fallback;
  }
  auto parsed = folio::parse_duration(found->second);
  if (!parsed) {
    return folio::fail(folio::errc::invalid_argument, std::string(name) + ": " + parsed.error().message);
  }
  return parsed;
}

int keys_create(const command_line& line, server_config& config) {
  const auto org_name = line.options.find("--org");
  if (org_name == line.options.end() || org_name->second.empty()) {
    return failed(folio::error{folio::errc::invalid_argument, "keys create needs --org NAME"});
  }
  auto data = open_data(line, config);
  if (!data) {
    return failed(data.error());
  }
  auto org = find_or_create_organization(*data.value().metadata, org_name->second,
                                         {config.retention, config.purge_after}, admin_clock());
  if (!org) {
    return failed(org.error());
  }
  auto made = create_api_key(*data.value().metadata, org.value().id, admin_clock());
  if (!made) {
    return failed(made.error());
  }
  std::cout << "key " << made.value().key.id.str() << " for organization '" << org.value().name << "' ("
            << org.value().id.str() << "):\n"
            << made.value().secret << "\n"
            << "Keep it now: it is stored only as a hash and cannot be shown again.\n";
  return 0;
}

int keys_list(const command_line& line, server_config& config) {
  auto data = open_data(line, config);
  if (!data) {
    return failed(data.error());
  }
  auto& metadata = *data.value().metadata;
  auto organizations = metadata.list_organizations();
  if (!organizations) {
    return failed(organizations.error());
  }
  std::cout << "KEY_ID\tORGANIZATION\tPREFIX\tCREATED\tSTATUS\n";
  for (const auto& org : organizations.value()) {
    auto keys = metadata.list_api_keys(org.id);
    if (!keys) {
      return failed(keys.error());
    }
    for (const auto& key : keys.value()) {
      std::cout << key.id.str() << "\t" << org.name << "\t" << key.display_prefix << "…\t"
                << folio::format_rfc3339(key.created_at) << "\t"
                << (key.revoked_at ? "revoked " + folio::format_rfc3339(*key.revoked_at) : std::string("active"))
                << "\n";
    }
  }
  return 0;
}

int keys_revoke(const command_line& line, server_config& config) {
  if (line.words.size() != 2) {
    return failed(folio::error{folio::errc::invalid_argument, "keys revoke needs one KEY_ID"});
  }
  auto id = folio::key_id::parse(line.words[1]);
  if (!id) {
    return failed(id.error());
  }
  auto data = open_data(line, config);
  if (!data) {
    return failed(data.error());
  }
  if (auto revoked = data.value().metadata->revoke_api_key(id.value(), admin_clock().now()); !revoked) {
    return failed(revoked.error());
  }
  std::cout << "revoked " << id.value().str() << "\n";
  return 0;
}

} // namespace

int run_keys_command(std::span<const std::string_view> arguments, usage_printer usage) {
  auto line = split(arguments, {"--org"});
  if (!line || line->words.empty()) {
    usage(std::cerr);
    return 2;
  }
  server_config config;
  const auto& action = line->words.front();
  if (action == "create" && line->words.size() == 1) {
    return keys_create(*line, config);
  }
  if (action == "list" && line->words.size() == 1) {
    return keys_list(*line, config);
  }
  if (action == "revoke") {
    return keys_revoke(*line, config);
  }
  usage(std::cerr);
  return 2;
}

int run_orgs_command(std::span<const std::string_view> arguments, usage_printer usage) {
  auto line = split(arguments, {"--retention", "--purge-after"});
  if (!line || line->words.size() != 2 || line->words.front() != "set") {
    usage(std::cerr);
    return 2;
  }
  server_config config;
  auto data = open_data(*line, config);
  if (!data) {
    return failed(data.error());
  }
  auto& metadata = *data.value().metadata;
  auto org =
      find_or_create_organization(metadata, line->words[1], {config.retention, config.purge_after}, admin_clock());
  if (!org) {
    return failed(org.error());
  }
  auto retention = duration_option(*line, "--retention", org.value().retention.retention);
  auto purge_after = duration_option(*line, "--purge-after", org.value().retention.purge_after);
  if (!retention || !purge_after) {
    return failed(!retention ? retention.error() : purge_after.error());
  }
  const folio::retention_settings settings{retention.value(), purge_after.value()};
  if (auto set = metadata.set_retention(org.value().id, settings); !set) {
    return failed(set.error());
  }
  std::cout << "organization '" << org.value().name << "' (" << org.value().id.str() << "): retention "
            << settings.retention.count() / 1000 << "s, purge after " << settings.purge_after.count() / 1000 << "s\n";
  return 0;
}

} // namespace folio_server
