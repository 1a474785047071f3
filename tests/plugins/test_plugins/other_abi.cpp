// A plugin built against a future folio whose plugin ABI is one higher and whose descriptor has another layout.
// The host must read the version and stop: the descriptor function aborts, so a host that calls it dies.
#include <folio/plugin.hpp>

#include <cstdlib>

namespace {

struct future_descriptor {
  std::uint64_t layout_tag;
  const char* name;
};

std::uint32_t future_abi_version() {
  return folio::plugin_abi_version + 1;
}

const future_descriptor& describe_future() {
  std::abort();
}

} // namespace

BOOST_DLL_ALIAS(future_abi_version, folio_plugin_abi_version)
BOOST_DLL_ALIAS(describe_future, folio_plugin_descriptor)
