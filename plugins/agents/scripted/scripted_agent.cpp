// The "scripted" agent: the embedded default. No network and no randomness: it turns the prompts of its grammar
// (prompt_grammar.hpp, README.md) into editor tool calls (builders.hpp) and remembers everything it made, so a later
// turn needs no inspection of the document. Config: none.
#include "builders.hpp"
#include "prompt_grammar.hpp"
#include "turn_context.hpp"

#include <folio/plugin.hpp>

namespace folio_scripted {
namespace {

using nlohmann::json;

class scripted_agent final : public folio::agent {
public:
  folio::result<folio::turn_output> run_turn(const folio::turn_input& input, folio::turn_services& services) override {
    auto requests = parse_prompt(input.format, input.prompt);
    if (!requests) {
      return requests.error();
    }
    turn_context turn(services, input.state.memory.is_object() ? input.state.memory : json::object());
    auto& memory = turn.memory();
    // Memory is the point: a turn on a document the agent built reads no outline. An outside edit (an upload) or a
    // document the agent never saw is inspected once, and memory rebuilt from what is there.
    const bool knows_document = memory.contains("objects") && memory["objects"].is_object();
    if (input.document_changed_externally || (!knows_document && input.turn_index > 1)) {
      auto outline = turn.outline();
      if (!outline) {
        return outline.error();
      }
      reconcile(input.format, memory, outline.value());
    }

    std::string summary;
    const auto total = requests.value().size();
    for (std::size_t index = 0; index < total; ++index) {
      auto done = build(input.format, turn, requests.value()[index]);
      if (!done) {
        return done.error();
      }
      summary += (summary.empty() ? "" : "; ") + done.value();
      turn.progress(static_cast<int>((index + 1) * 100 / total));
    }

    folio::turn_output output;
    output.state.memory = memory;
    output.state.conversation = input.state.conversation.is_array() ? input.state.conversation : json::array();
    output.state.conversation.push_back({{"role", "user"}, {"content", input.prompt}});
    output.state.conversation.push_back({{"role", "assistant"}, {"content", summary}});
    output.credits_used = turn.credits();
    output.summary = summary;
    return output;
  }

private:
  static folio::result<std::string> build(folio::document_format format, turn_context& turn, const request& wanted) {
    switch (format) {
    case folio::document_format::excel: return build_spreadsheet(turn, wanted);
    case folio::document_format::word: return build_text(turn, wanted);
    case folio::document_format::powerpoint: return build_presentation(turn, wanted);
    }
    return folio::fail(folio::errc::internal, "unknown document format");
  }

  static void reconcile(folio::document_format format, json& memory, const json& outline) {
    switch (format) {
    case folio::document_format::excel: reconcile_spreadsheet(memory, outline); return;
    case folio::document_format::word: reconcile_text(memory, outline); return;
    case folio::document_format::powerpoint: reconcile_presentation(memory, outline); return;
    }
  }
};

folio::result<std::unique_ptr<folio::agent>> make_agent(const json& config) {
  if (!config.is_object() || !config.empty()) {
    return folio::fail(folio::errc::invalid_argument, "the scripted agent takes no configuration");
  }
  return std::make_unique<scripted_agent>();
}

const folio::plugin_descriptor& describe_scripted() {
  static const folio::plugin_descriptor descriptor{
      "scripted", "1.0.0", folio::plugin_kind::agent, make_agent, {}, {},
  };
  return descriptor;
}

} // namespace

std::int64_t sample_figure(std::string_view seed, std::int64_t low, std::int64_t high) {
  // FNV-1a: the same label gives the same figure on every machine and every run.
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char each : seed) {
    hash = (hash ^ static_cast<unsigned char>(each)) * 1099511628211ULL;
  }
  const auto span = static_cast<std::uint64_t>(high - low + 1);
  // Round figures read like a plan, not like noise.
  return (low + static_cast<std::int64_t>(hash % span)) / 100 * 100;
}

std::string slug(std::string_view text) {
  std::string made;
  for (const char each : text) {
    if (std::isalnum(static_cast<unsigned char>(each)) != 0) {
      made += static_cast<char>(std::tolower(static_cast<unsigned char>(each)));
    } else if (!made.empty() && made.back() != '_') {
      made += '_';
    }
  }
  while (!made.empty() && made.back() == '_') {
    made.pop_back();
  }
  return made.empty() ? "item" : made;
}

} // namespace folio_scripted

FOLIO_PLUGIN(folio_scripted::describe_scripted);
