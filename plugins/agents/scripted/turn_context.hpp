// What one turn of the scripted agent works with: the editor's tools (every call counted, cancellation checked
// before each), the memory it keeps between turns, and the figures its cost model charges for.
#pragma once

#include <folio/agent.hpp>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace folio_scripted {

// Credits measure the agent's own work: one for the turn itself (reading its memory and the prompt, writing its
// account), one per tool call, one per started KiB of the document it reads through the outline. Opening and saving
// the document are the engine's, the same whichever agent plays the turn, so they are not the agent's to charge.
// Deterministic: the same prompt on the same state costs the same.
inline constexpr std::int64_t credits_per_turn = 1;
inline constexpr std::int64_t credits_per_tool_call = 1;
inline constexpr std::size_t outline_bytes_per_credit = 1024;

class turn_context {
public:
  turn_context(folio::turn_services& services, nlohmann::json memory)
      : services_(services), memory_(std::move(memory)) {}

  // errc::cancelled, without calling, once the task is being cancelled: the engine then keeps the document as it was.
  folio::result<nlohmann::json> call(std::string_view tool, const nlohmann::json& arguments) {
    if (services_.cancel_requested()) {
      return folio::fail(folio::errc::cancelled, "the task was cancelled");
    }
    ++tool_calls_;
    return services_.document().call_tool(tool, arguments);
  }

  folio::result<nlohmann::json> outline() {
    if (services_.cancel_requested()) {
      return folio::fail(folio::errc::cancelled, "the task was cancelled");
    }
    auto inspected = services_.document().outline();
    if (inspected) {
      ++outlines_;
      outline_bytes_ += inspected.value().dump().size();
    }
    return inspected;
  }

  void progress(int percent) { services_.report_progress(percent); }

  nlohmann::json& memory() { return memory_; }

  [[nodiscard]] int tool_calls() const { return tool_calls_; }
  [[nodiscard]] int outlines() const { return outlines_; }

  [[nodiscard]] std::int64_t credits() const {
    const auto outline_credits =
        static_cast<std::int64_t>((outline_bytes_ + outline_bytes_per_credit - 1) / outline_bytes_per_credit);
    return credits_per_turn + credits_per_tool_call * tool_calls_ + outline_credits;
  }

private:
  folio::turn_services& services_;
  nlohmann::json memory_;
  int tool_calls_ = 0;
  int outlines_ = 0;
  std::size_t outline_bytes_ = 0;
};

} // namespace folio_scripted
