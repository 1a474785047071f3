// Exports of a run's current document, in two parts so a server can answer a cached export at once and convert
// elsewhere: plan() checks everything without converting (the run, its output, the request, the route) and finds an
// export already made; produce() converts, once per cache key however many callers ask together.
#pragma once

#include <folio/blob_store.hpp>
#include <folio/clock.hpp>
#include <folio/conversion_route.hpp>
#include <folio/document_format.hpp>
#include <folio/errors.hpp>
#include <folio/export_cache.hpp>
#include <folio/export_request.hpp>
#include <folio/file_link.hpp>
#include <folio/ids.hpp>
#include <folio/run.hpp>
#include <folio/store.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

FOLIO_BEGIN_NAMESPACE

struct export_plan {
  run subject;
  export_request request;
  std::optional<conversion_route> route;
  export_key key;
  // Present when the export was already made: nothing is left to do.
  std::optional<export_entry> ready;

  // The name the export downloads under.
  [[nodiscard]] std::string file_name() const {
    return export_file_name(subject.file_name, request.target, request.options);
  }
};

struct export_counters {
  // Conversions run (successful or not) and exports answered from the cache.
  std::uint64_t conversions = 0;
  std::uint64_t cache_hits = 0;
  std::uint64_t failures = 0;
};

class run_exporter {
public:
  run_exporter(store& metadata, blob_store& blobs, const clock& time_source, conversion_router router,
               duration deadline = std::chrono::minutes{2})
      : store_(metadata), blobs_(blobs), clock_(time_source), router_(std::move(router)), deadline_(deadline),
        cache_(metadata, blobs, time_source) {}

  // Refused without converting: not_found (unknown or another organization's run), run_expired, no_output (no turn
  // has completed), invalid_argument (no target, an option the target does not take), unsupported_conversion (a pair
  // API.md does not allow, naming the allowed targets), plugin_not_found (no converter at hand makes it).
  result<export_plan> plan(const org_id& org, const run_id& id, std::string_view target,
                           const nlohmann::json& options) {
    // The summary: an export never needs the agent state, and a cache hit should not pay for reading it.
    auto found = store_.get_run_summary(org, id, clock_.now());
    if (!found) {
      return found.error();
    }
    return plan(std::move(found).value(), target, options);
  }

  // The same checks for a run already loaded (its owner checked by the caller, or a signed link naming it).
  result<export_plan> plan(run subject, std::string_view target, const nlohmann::json& options) {
    export_plan planned;
    planned.subject = std::move(subject);
    if (planned.subject.status == run_status::expired) {
      return fail(errc::run_expired, "the run has expired: its document and exports are gone", "run_id");
    }
    if (planned.subject.document_hash.empty()) {
      return fail(errc::no_output, "the run has no document yet: no turn has completed");
    }
    auto request = make_export_request(file_extension(planned.subject.format), target, options);
    if (!request) {
      return request.error();
    }
    planned.request = std::move(request).value();
    auto route = router_.route({planned.request.source, planned.request.target});
    if (!route) {
      return route.error();
    }
    planned.route = std::move(route).value();
    planned.key = planned.request.cache_key(planned.subject.document_hash, planned.route->version());
    auto cached = store_.find_export(planned.key.digest());
    if (!cached) {
      return cached.error();
    }
    if (cached.value()) {
      planned.ready = std::move(cached.value());
      ++cache_hits_;
    }
    return planned;
  }

  // The export of a plan: the ready one, or one conversion shared by every concurrent caller of the same key (all but
  // the one that converted are answered `cached`). Blocks for as long as the conversion takes (up to the deadline):
  // never call it on a thread that must stay responsive.
  result<export_cache::answer> produce(const export_plan& planned) {
    if (planned.ready) {
      return export_cache::answer{*planned.ready, true};
    }
    auto made = cache_.get_or_convert(planned.key, [&]() -> result<conversion_output> {
      ++conversions_;
      auto bytes = blobs_.get(planned.subject.document_hash);
      if (!bytes) {
        return bytes.error();
      }
      return planned.route->run(bytes.value(), planned.request.options, deadline_);
    });
    if (!made) {
      ++failures_;
      return made.error();
    }
    if (made.value().cached) {
      ++cache_hits_;
    }
    return made;
  }

  [[nodiscard]] export_counters counters() const { return {conversions_.load(), cache_hits_.load(), failures_.load()}; }

  [[nodiscard]] const conversion_router& router() const noexcept { return router_; }

private:
  store& store_;
  blob_store& blobs_;
  const clock& clock_;
  conversion_router router_;
  duration deadline_;
  export_cache cache_;
  std::atomic<std::uint64_t> conversions_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::atomic<std::uint64_t> failures_{0};
};

FOLIO_END_NAMESPACE
