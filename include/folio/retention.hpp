// Retention: a run expires a set time after its last task, and its bytes are purged a set time after that.
// Pure functions of (last activity, the organization's settings, now), so they are tested at their boundaries.
#pragma once

#include <folio/clock.hpp>

#include <chrono>

FOLIO_BEGIN_NAMESPACE

struct retention_settings {
  duration retention = std::chrono::days{30};
  duration purge_after = std::chrono::days{30};
};

enum class retention_state { active, expired, purgeable };

struct retention_policy {
  // The instant a run whose last task ended at `last_activity` stops being resumable.
  static timestamp expires_at(timestamp last_activity, const retention_settings& settings) {
    return last_activity + settings.retention;
  }

  static timestamp purge_at(timestamp last_activity, const retention_settings& settings) {
    return expires_at(last_activity, settings) + settings.purge_after;
  }

  // A run with an unfinished task is in use and never expires under it. Boundaries are inclusive: at exactly
  // expires_at the run is expired, at exactly purge_at it is purgeable.
  static retention_state evaluate(timestamp last_activity, const retention_settings& settings, timestamp now,
                                  bool has_unfinished_task = false) {
    if (has_unfinished_task || now < expires_at(last_activity, settings)) {
      return retention_state::active;
    }
    return now < purge_at(last_activity, settings) ? retention_state::expired : retention_state::purgeable;
  }
};

FOLIO_END_NAMESPACE
