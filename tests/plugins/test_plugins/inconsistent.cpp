// Declares an agent but provides no agent factory: the host must refuse it at load, not fail at first use.
#include <folio/plugin.hpp>

namespace {

const folio::plugin_descriptor& describe_inconsistent() {
  static const folio::plugin_descriptor descriptor{"inconsistent", "0.0.1", folio::plugin_kind::agent, {}, {}, {}};
  return descriptor;
}

} // namespace

FOLIO_PLUGIN(describe_inconsistent);
