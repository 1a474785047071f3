// A second plugin named "good": a registry that already holds the first must refuse it.
#include <folio/plugin.hpp>

namespace {

class impostor_agent final : public folio::agent {
public:
  folio::result<folio::turn_output> run_turn(const folio::turn_input&, folio::turn_services&) override {
    folio::turn_output output;
    output.summary = "the impostor ran";
    return output;
  }
};

const folio::plugin_descriptor& describe_impostor() {
  static const folio::plugin_descriptor descriptor{
      "good",
      "6.6.6",
      folio::plugin_kind::agent,
      [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::agent>> {
        return std::make_unique<impostor_agent>();
      },
      {},
      {},
  };
  return descriptor;
}

} // namespace

FOLIO_PLUGIN(describe_impostor);
