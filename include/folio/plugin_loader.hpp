// Loads one plugin library and makes its objects safe to hold. Two rules from Boost.DLL's lifetime tutorial and its
// "missuses" page hold for everything here: an object a plugin made keeps the library loaded for as long as it lives
// (its destructor and every virtual function are code inside the library), and nothing the plugin throws crosses into
// the host (each call is made under try/catch and an exception becomes errc::plugin_error).
#pragma once

#include <folio/agent.hpp>
#include <folio/converter.hpp>
#include <folio/detail/boost_dll.hpp>
#include <folio/editor.hpp>
#include <folio/errors.hpp>
#include <folio/plugin.hpp>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

FOLIO_BEGIN_NAMESPACE

namespace detail {

// Shared by the loaded plugin and every object it made; the library is unloaded when the last of them is gone.
using plugin_library = std::shared_ptr<const boost::dll::shared_library>;

// Runs plugin code and turns anything it throws into an error naming the plugin. The message is copied inside the
// catch block, while the library that may own the exception's type and its what() text is certainly loaded.
template <class Call>
auto call_plugin(const std::string& plugin_name, std::string_view operation, Call&& call) -> decltype(call()) {
  try {
    return std::forward<Call>(call)();
  } catch (const std::exception& thrown) {
    return fail(errc::plugin_error,
                "plugin '" + plugin_name + "' threw from " + std::string(operation) + ": " + thrown.what());
  } catch (...) {
    return fail(errc::plugin_error, "plugin '" + plugin_name + "' threw from " + std::string(operation) +
                                        " something that is not a std::exception");
  }
}

// Boost.DLL reports "…failed (dlerror system message: <reason>): <errno text>"; the reason is what a person needs.
inline std::string dlerror_reason(std::string_view boost_message) {
  constexpr std::string_view marker = "dlerror system message: ";
  const auto start = boost_message.find(marker);
  const auto end = boost_message.rfind(')');
  if (start == std::string_view::npos || end == std::string_view::npos || end < start + marker.size()) {
    return std::string(boost_message);
  }
  return std::string(boost_message.substr(start + marker.size(), end - start - marker.size()));
}

class plugin_editor final : public editor {
public:
  plugin_editor(plugin_library library, std::string plugin_name, std::unique_ptr<editor> inner, nlohmann::json catalog)
      : library_(std::move(library)), plugin_name_(std::move(plugin_name)), inner_(std::move(inner)),
        catalog_(std::move(catalog)) {}

  [[nodiscard]] nlohmann::json tool_catalog() const override { return catalog_; }

  result<nlohmann::json> call_tool(std::string_view name, const nlohmann::json& arguments) override {
    return call_plugin(plugin_name_, "editor::call_tool", [&] { return inner_->call_tool(name, arguments); });
  }

  result<nlohmann::json> outline() override {
    return call_plugin(plugin_name_, "editor::outline", [&] { return inner_->outline(); });
  }

  result<std::string> save() override {
    return call_plugin(plugin_name_, "editor::save", [&] { return inner_->save(); });
  }

private:
  // Declared first, so destroyed last: inner_'s destructor is code inside the library.
  plugin_library library_;
  std::string plugin_name_;
  std::unique_ptr<editor> inner_;
  // tool_catalog() has no error channel, so the catalog is read once, when the document is opened, where a failure
  // can still be reported; an open document's tools do not change.
  nlohmann::json catalog_;
};

inline result<std::unique_ptr<editor>> adopt_editor(const plugin_library& library, const std::string& plugin_name,
                                                    std::unique_ptr<editor> made) {
  if (!made) {
    return fail(errc::plugin_error, "plugin '" + plugin_name + "' opened no editor and reported no error");
  }
  auto catalog = call_plugin(plugin_name, "editor::tool_catalog",
                             [&]() -> result<nlohmann::json> { return made->tool_catalog(); });
  if (!catalog) {
    return catalog.error();
  }
  return std::make_unique<plugin_editor>(library, plugin_name, std::move(made), std::move(catalog).value());
}

class plugin_agent final : public agent {
public:
  plugin_agent(plugin_library library, std::string plugin_name, std::unique_ptr<agent> inner)
      : library_(std::move(library)), plugin_name_(std::move(plugin_name)), inner_(std::move(inner)) {}

  result<turn_output> run_turn(const turn_input& input, turn_services& services) override {
    return call_plugin(plugin_name_, "agent::run_turn", [&] { return inner_->run_turn(input, services); });
  }

private:
  // Declared first, so destroyed last: inner_'s destructor is code inside the library.
  plugin_library library_;
  std::string plugin_name_;
  std::unique_ptr<agent> inner_;
};

class plugin_converter final : public converter {
public:
  plugin_converter(plugin_library library, std::string plugin_name, std::unique_ptr<converter> inner,
                   std::vector<conversion_pair> pairs, std::string version)
      : library_(std::move(library)), plugin_name_(std::move(plugin_name)), inner_(std::move(inner)),
        pairs_(std::move(pairs)), version_(std::move(version)) {}

  [[nodiscard]] std::vector<conversion_pair> pairs() const override { return pairs_; }
  [[nodiscard]] std::string version() const override { return version_; }

  result<conversion_output> convert(const conversion_request& request) override {
    return call_plugin(plugin_name_, "converter::convert", [&] { return inner_->convert(request); });
  }

private:
  // Declared first, so destroyed last: inner_'s destructor is code inside the library.
  plugin_library library_;
  std::string plugin_name_;
  std::unique_ptr<converter> inner_;
  // pairs() and version() have no error channel; they describe the converter, so they are read once, when it is
  // made, where a failure can still be reported.
  std::vector<conversion_pair> pairs_;
  std::string version_;
};

class plugin_editor_factory final : public editor_factory {
public:
  plugin_editor_factory(plugin_library library, std::string plugin_name, std::unique_ptr<editor_factory> inner)
      : library_(std::move(library)), plugin_name_(std::move(plugin_name)), inner_(std::move(inner)) {}

  result<std::unique_ptr<editor>> open(document_format format, std::string_view bytes) override {
    auto opened = call_plugin(plugin_name_, "editor_factory::open", [&] { return inner_->open(format, bytes); });
    if (!opened) {
      return opened.error();
    }
    return adopt_editor(library_, plugin_name_, std::move(opened).value());
  }

private:
  // Declared first, so destroyed last: inner_'s destructor is code inside the library.
  plugin_library library_;
  std::string plugin_name_;
  std::unique_ptr<editor_factory> inner_;
};

inline result<std::unique_ptr<agent>> adopt(const plugin_library& library, const std::string& plugin_name,
                                            std::unique_ptr<agent> made) {
  if (!made) {
    return fail(errc::plugin_error, "plugin '" + plugin_name + "' made no agent and reported no error");
  }
  return std::make_unique<plugin_agent>(library, plugin_name, std::move(made));
}

inline result<std::unique_ptr<converter>> adopt(const plugin_library& library, const std::string& plugin_name,
                                                std::unique_ptr<converter> made) {
  if (!made) {
    return fail(errc::plugin_error, "plugin '" + plugin_name + "' made no converter and reported no error");
  }
  auto pairs = call_plugin(plugin_name, "converter::pairs",
                           [&]() -> result<std::vector<conversion_pair>> { return made->pairs(); });
  if (!pairs) {
    return pairs.error();
  }
  auto version =
      call_plugin(plugin_name, "converter::version", [&]() -> result<std::string> { return made->version(); });
  if (!version) {
    return version.error();
  }
  return std::make_unique<plugin_converter>(library, plugin_name, std::move(made), std::move(pairs).value(),
                                            std::move(version).value());
}

inline result<std::unique_ptr<editor_factory>> adopt(const plugin_library& library, const std::string& plugin_name,
                                                     std::unique_ptr<editor_factory> made) {
  if (!made) {
    return fail(errc::plugin_error, "plugin '" + plugin_name + "' made no editor factory and reported no error");
  }
  return std::make_unique<plugin_editor_factory>(library, plugin_name, std::move(made));
}

// Calls one of the descriptor's factories and wraps what it makes.
template <class Product>
result<std::unique_ptr<Product>> make_through(const plugin_library& library, const std::string& plugin_name,
                                              const plugin_factory<Product>& factory, std::string_view kind_name,
                                              const nlohmann::json& config) {
  if (!factory) {
    return fail(errc::plugin_not_found, "plugin '" + plugin_name + "' offers no " + std::string(kind_name));
  }
  auto made = call_plugin(plugin_name, "make_" + std::string(kind_name), [&] { return factory(config); });
  if (!made) {
    return made.error();
  }
  return adopt(library, plugin_name, std::move(made).value());
}

// A descriptor whose kinds and factories disagree would fail later, at the first lookup; refuse it at load instead.
inline result<void> check_descriptor(const plugin_descriptor& descriptor, const std::string& shown_file) {
  if (descriptor.name.empty()) {
    return fail(errc::plugin_load_failed, "plugin '" + shown_file + "' has an empty name", "file");
  }
  const auto agrees = [&](plugin_kind kind, bool has_factory) { return offers(descriptor.kinds, kind) == has_factory; };
  if (!agrees(plugin_kind::agent, static_cast<bool>(descriptor.make_agent)) ||
      !agrees(plugin_kind::converter, static_cast<bool>(descriptor.make_converter)) ||
      !agrees(plugin_kind::editor, static_cast<bool>(descriptor.make_editor_factory))) {
    return fail(errc::plugin_load_failed,
                "plugin '" + descriptor.name + "' in '" + shown_file +
                    "' is inconsistent: it must set a factory exactly for each kind it declares",
                "file");
  }
  if (descriptor.kinds == plugin_kind::none) {
    return fail(errc::plugin_load_failed,
                "plugin '" + descriptor.name + "' in '" + shown_file + "' offers no agent, converter or editor",
                "file");
  }
  return success();
}

} // namespace detail

class loaded_plugin;
inline result<loaded_plugin> load_plugin(const std::filesystem::path& file);

// One loaded plugin library. Copies share the library; it stays loaded while any copy, or any object made through
// one, lives. Making objects is safe from many threads when the plugin's factories are.
class loaded_plugin {
public:
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const std::string& version() const noexcept { return version_; }
  [[nodiscard]] plugin_kind kinds() const noexcept { return kinds_; }
  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }

  // plugin_not_found when the plugin does not offer the kind; plugin_error when its code throws.
  [[nodiscard]] result<std::unique_ptr<agent>>
  make_agent(const nlohmann::json& config = nlohmann::json::object()) const {
    return detail::make_through(library_, name_, descriptor_->make_agent, "agent", config);
  }
  [[nodiscard]] result<std::unique_ptr<converter>>
  make_converter(const nlohmann::json& config = nlohmann::json::object()) const {
    return detail::make_through(library_, name_, descriptor_->make_converter, "converter", config);
  }
  [[nodiscard]] result<std::unique_ptr<editor_factory>>
  make_editor_factory(const nlohmann::json& config = nlohmann::json::object()) const {
    return detail::make_through(library_, name_, descriptor_->make_editor_factory, "editor_factory", config);
  }

private:
  friend result<loaded_plugin> load_plugin(const std::filesystem::path& file);

  loaded_plugin(detail::plugin_library library, const plugin_descriptor& descriptor, std::filesystem::path file)
      : library_(std::move(library)), descriptor_(&descriptor), file_(std::move(file)), name_(descriptor.name),
        version_(descriptor.version), kinds_(descriptor.kinds) {}

  detail::plugin_library library_;
  // Static storage inside the library, valid while library_ is loaded. Never copied out: its std::function
  // members hold code pointers into the library.
  const plugin_descriptor* descriptor_;
  std::filesystem::path file_;
  std::string name_;
  std::string version_;
  plugin_kind kinds_;
};

// Loads a plugin: plugin_load_failed when the file cannot be loaded or does not export the folio symbols (the
// message names the file and the loader's reason), plugin_abi_mismatch when it was built for another ABI version
// (nothing but the version symbol is touched then), plugin_error when its descriptor function throws.
inline result<loaded_plugin> load_plugin(const std::filesystem::path& file) {
  const std::string shown = file.string();
  detail::plugin_library library;
  try {
    // rtld_now: an unresolved symbol in the plugin fails here, as an error value, not later as an abort.
    library = std::make_shared<boost::dll::shared_library>(file, boost::dll::load_mode::rtld_now);
  } catch (const std::exception& failure) {
    return fail(errc::plugin_load_failed,
                "cannot load plugin '" + shown + "': " + detail::dlerror_reason(failure.what()), "file");
  }

  const auto missing_symbol = [&](std::string_view symbol, const std::exception& failure) {
    return fail(errc::plugin_load_failed,
                "'" + shown + "' is not a folio plugin: it does not export " + std::string(symbol) + " (" +
                    detail::dlerror_reason(failure.what()) + ")",
                "file");
  };

  std::uint32_t (*abi_version_of)() = nullptr;
  try {
    abi_version_of = &library->get_alias<std::uint32_t()>(std::string(plugin_abi_symbol));
  } catch (const std::exception& failure) {
    return missing_symbol(plugin_abi_symbol, failure);
  }
  auto built_for = detail::call_plugin(shown, std::string(plugin_abi_symbol),
                                       [&]() -> result<std::uint32_t> { return abi_version_of(); });
  if (!built_for) {
    return built_for.error();
  }
  if (const auto plugin_abi = built_for.value(); plugin_abi != plugin_abi_version) {
    return fail(errc::plugin_abi_mismatch,
                "cannot load plugin '" + shown + "': it was built for folio plugin ABI " + std::to_string(plugin_abi) +
                    " but this host speaks plugin ABI " + std::to_string(plugin_abi_version) +
                    "; rebuild the plugin against this version of folio",
                "file");
  }

  const plugin_descriptor& (*describe)() = nullptr;
  try {
    describe = &library->get_alias<const plugin_descriptor&()>(std::string(plugin_descriptor_symbol));
  } catch (const std::exception& failure) {
    return missing_symbol(plugin_descriptor_symbol, failure);
  }
  auto descriptor = detail::call_plugin(shown, std::string(plugin_descriptor_symbol),
                                        [&]() -> result<const plugin_descriptor*> { return &describe(); });
  if (!descriptor) {
    return descriptor.error();
  }
  if (auto valid = detail::check_descriptor(*descriptor.value(), shown); !valid) {
    return valid.error();
  }
  return loaded_plugin(std::move(library), *descriptor.value(), file);
}

FOLIO_END_NAMESPACE
