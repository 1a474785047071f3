// The plugin ABI: what a shared library exports so that a folio host can load it. A plugin exports two symbols:
// the ABI version it was built for, as a plain integer, and a function returning its descriptor. The host reads the
// integer first and touches nothing else when it differs, because the descriptor's layout is only known for the
// host's own ABI version (the pattern of OBS's obs_module_ver and GStreamer's GST_PLUGIN_DEFINE).
//
// A plugin is one translation unit (or more) compiled with -fvisibility=hidden that ends with
//
//   const folio::plugin_descriptor& describe_my_plugin() {
//     static const folio::plugin_descriptor descriptor{...};
//     return descriptor;
//   }
//   FOLIO_PLUGIN(describe_my_plugin);
#pragma once

#include <folio/agent.hpp>
#include <folio/converter.hpp>
#include <folio/detail/boost_dll.hpp>
#include <folio/editor.hpp>
#include <folio/errors.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

FOLIO_BEGIN_NAMESPACE

// Bumped whenever plugin_descriptor, or anything a plugin and the host exchange (agent, converter, editor,
// editor_factory and the types their functions take and return), changes layout or meaning: a plugin built for
// another version would misread the host's objects, so the host refuses it instead. The version cannot see the C++
// standard library's own ABI (std::string, std::function cross the boundary): plugins are built with the host's
// toolchain and standard library.
// 2: errc gained the HTTP, readiness and model-endpoint codes, which renumbered the codes after them.
inline constexpr std::uint32_t plugin_abi_version = 2;

// The exported names. FOLIO_PLUGIN spells the same names as identifiers, so the two must change together.
inline constexpr std::string_view plugin_abi_symbol = "folio_plugin_abi_version";
inline constexpr std::string_view plugin_descriptor_symbol = "folio_plugin_descriptor";

// What a plugin offers, as flags: one library may offer several kinds under its one name.
enum class plugin_kind : std::uint32_t {
  none = 0,
  agent = 1U << 0U,
  converter = 1U << 1U,
  editor = 1U << 2U,
};

constexpr plugin_kind operator|(plugin_kind lhs, plugin_kind rhs) noexcept {
  return static_cast<plugin_kind>(static_cast<std::uint32_t>(lhs) | static_cast<std::uint32_t>(rhs));
}

constexpr bool offers(plugin_kind kinds, plugin_kind kind) noexcept {
  return kind != plugin_kind::none &&
         (static_cast<std::uint32_t>(kinds) & static_cast<std::uint32_t>(kind)) == static_cast<std::uint32_t>(kind);
}

// The name of a single kind ("agent"); flags combining several kinds have no single name.
constexpr std::string_view to_string(plugin_kind kind) noexcept {
  switch (kind) {
  case plugin_kind::none: return "none";
  case plugin_kind::agent: return "agent";
  case plugin_kind::converter: return "converter";
  case plugin_kind::editor: return "editor";
  }
  return "";
}

// Makes one object of a kind from the JSON config the host was given for it (an empty object when none was).
template <class Product>
using plugin_factory = std::function<result<std::unique_ptr<Product>>(const nlohmann::json& config)>;

// A plugin's description of itself. `kinds` and the factories must agree: a factory is set exactly for each kind
// the plugin offers. The host checks this when it loads the plugin.
struct plugin_descriptor {
  std::string name;    // the name hosts select it by ("scripted", "libreoffice"): unique among loaded plugins
  std::string version; // the plugin's own version, for logs and listings
  plugin_kind kinds = plugin_kind::none;
  plugin_factory<agent> make_agent;
  plugin_factory<converter> make_converter;
  plugin_factory<editor_factory> make_editor_factory;
};

FOLIO_END_NAMESPACE

// Exports a plugin's two entry points. The argument names a function `const folio::plugin_descriptor& f()` that
// returns a descriptor living as long as the library (a function-local static). Use once per plugin, at global
// scope, followed by a semicolon (the macro ends with a declaration that takes it). The exported functions are
// fixed-signature wrappers, so their types are exactly those the host imports, whatever the user's function is
// declared with (noexcept or not).
#define FOLIO_PLUGIN(describe_function)                                                                                \
  namespace {                                                                                                          \
  ::std::uint32_t folio_plugin_built_abi_version() {                                                                   \
    return ::folio::plugin_abi_version;                                                                                \
  }                                                                                                                    \
  const ::folio::plugin_descriptor& folio_plugin_describe() {                                                          \
    return describe_function();                                                                                        \
  }                                                                                                                    \
  }                                                                                                                    \
  BOOST_DLL_ALIAS(folio_plugin_built_abi_version, folio_plugin_abi_version)                                            \
  BOOST_DLL_ALIAS(folio_plugin_describe, folio_plugin_descriptor)                                                      \
  static_assert(true, "FOLIO_PLUGIN(f) is followed by a semicolon")
