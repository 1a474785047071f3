// The agent's conversation across turns, kept within a token budget. The run's agent state holds the recent turns
// verbatim (state.conversation: the chat messages, tool calls and tool answers included) and one line per older
// turn (state.memory.summary). Before a turn is sent, the oldest verbatim turns are condensed into summary lines
// until the messages fit the budget; the lines themselves are kept to a quarter of it. Everything here is
// deterministic: the same state and budget condense the same way.
#pragma once

#include <folio/document_format.hpp>
#include <folio/run.hpp>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace folio_openai {

// Tokens as the budget counts them: a quarter of the bytes of the compact JSON (a tokenizer-free estimate that
// reads English and JSON within a factor of about 1.5 of real tokenizers).
std::size_t estimate_tokens(const nlohmann::json& value);

// `text` cut to at most `bytes` bytes, never inside a UTF-8 sequence; "…" marks a cut.
std::string shorten(std::string_view text, std::size_t bytes);

struct conversation {
  nlohmann::json messages = nlohmann::json::array(); // verbatim turns, oldest first; each starts with a user message
  nlohmann::json summary = nlohmann::json::array();  // one line per condensed turn, oldest first
  std::int64_t condensed_turns = 0;                  // turns ever condensed (numbers the lines)
  std::int64_t omitted_turns = 0;                    // condensed lines later dropped to keep the summary bounded
  // The document's outline as the last turn left it (state.memory.outline), to tell the next turn what a person
  // changed meanwhile; null before the first turn saved one.
  nlohmann::json outline;

  static conversation from_state(const folio::agent_state& state);
  [[nodiscard]] folio::agent_state to_state() const;

  // The system message: what the agent is for, and the summary of older turns.
  [[nodiscard]] nlohmann::json system_message(folio::document_format format) const;

  // Condenses the oldest turns until system message, verbatim turns and `incoming` fit `budget_tokens`, then drops
  // the oldest summary lines beyond a quarter of the budget. The turn being played is never condensed.
  void fit(folio::document_format format, const nlohmann::json& incoming, std::size_t budget_tokens);
};

// The line a turn is condensed to: what was asked, which tools were called (with the start of their arguments, and
// whether they failed) and what the model answered.
std::string condense_turn(std::int64_t number, const nlohmann::json& turn);

} // namespace folio_openai
