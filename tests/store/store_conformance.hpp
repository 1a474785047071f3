// The store conformance suite: what every implementation of folio::store must do, written once. A store's test file
// defines FOLIO_STORE_FIXTURES as its fixture type(s) and includes this header. A fixture has a public
// `folio::manual_clock clock` and `folio::store& open(folio::store_limits)`, which gives a new, empty store.
#pragma once

#include <folio/ids.hpp>
#include <folio/store.hpp>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifndef FOLIO_STORE_FIXTURES
#error "define FOLIO_STORE_FIXTURES as the store fixture type(s) before including store_conformance.hpp"
#endif

namespace folio_conformance {

using namespace std::chrono_literals;

// An organization with helpers to submit and drive tasks, on a store opened by a fixture.
template <class Fixture>
struct world {
  Fixture fixture;
  folio::store& store;
  folio::id_generator ids{fixture.clock, 42};
  folio::org_id org;

  explicit world(folio::store_limits limits = {}) : store(fixture.open(limits)) { org = add_org("acme"); }

  folio::org_id add_org(const std::string& name, folio::retention_settings retention = {}) {
    folio::organization created{ids.template next<folio::org_id>(), name, retention, "whsec", fixture.clock.now()};
    REQUIRE(store.create_organization(created));
    return created.id;
  }

  // A key of the organization, stored by the hash of `secret`.
  folio::api_key add_key(const std::string& secret) {
    const folio::api_key created{ids.template next<folio::key_id>(),
                                 org,
                                 folio::hash_api_key_secret(secret),
                                 secret.substr(0, 6),
                                 fixture.clock.now(),
                                 std::nullopt};
    REQUIRE(store.create_api_key(created));
    return created;
  }

  folio::submission request(std::string prompt, folio::document_format format = folio::document_format::excel) {
    folio::submission made;
    made.org = org;
    made.format = format;
    made.prompt = std::move(prompt);
    made.fingerprint = made.prompt;
    return made;
  }

  folio::result<folio::submit_outcome> submit(const folio::submission& made) {
    fixture.clock.advance(1ms);
    return store.submit(made, {ids.template next<folio::run_id>(), ids.template next<folio::task_id>()},
                        fixture.clock.now());
  }

  folio::submit_outcome create(const std::string& prompt,
                               folio::document_format format = folio::document_format::excel) {
    auto outcome = submit(request(prompt, format));
    REQUIRE(outcome);
    return outcome.value();
  }

  folio::submit_outcome resume(const folio::run_id& id, const std::string& prompt) {
    auto made = request(prompt);
    made.resume = id;
    auto outcome = submit(made);
    REQUIRE(outcome);
    return outcome.value();
  }

  std::optional<folio::claimed_turn> claim(const std::string& worker = "w1", folio::duration lease = 30s) {
    auto claimed = store.claim_next(worker, fixture.clock.now(), lease);
    REQUIRE(claimed);
    return claimed.value();
  }

  folio::task_change commit(const folio::claimed_turn& claimed, const std::string& hash, std::int64_t credits = 10) {
    folio::turn_commit landed{claimed.work.id, claimed.work.lease->token, hash, {}, credits};
    landed.state.memory = {{"turn", claimed.work.turn_index}};
    fixture.clock.advance(5ms);
    auto change = store.commit_turn(landed, fixture.clock.now());
    REQUIRE(change);
    return change.value();
  }

  folio::run get_run(const folio::run_id& id) {
    auto found = store.get_run(org, id, fixture.clock.now());
    REQUIRE(found);
    return found.value();
  }

  folio::task get_task(const folio::task_id& id) {
    auto found = store.get_task(org, id);
    REQUIRE(found);
    return found.value();
  }
};

inline const std::string hash_a(64, 'a');
inline const std::string hash_b(64, 'b');

} // namespace folio_conformance

using namespace std::chrono_literals; // NOLINT(google-global-names-in-headers): a test-only header, read as a .cpp

TEMPLATE_TEST_CASE("store creates a run and its first task from a submission", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  auto made = w.request("Create a Q3 sales report");
  made.metadata = {{"customer", "42"}};
  const auto outcome = w.submit(made);
  REQUIRE(outcome);
  const auto& created = outcome.value();
  CHECK_FALSE(created.replayed);
  CHECK(created.created.status == folio::task_status::queued);
  CHECK(created.created.phase == folio::task_phase::queued);
  CHECK(created.created.turn_index == 1);
  CHECK(created.created.progress == 0);

  const auto held = w.get_run(created.run_after.id);
  CHECK(held.status == folio::run_status::queued);
  CHECK(held.first_prompt == "Create a Q3 sales report");
  CHECK(held.file_name == "workbook.xlsx");
  CHECK(held.metadata.at("customer") == "42");
  CHECK(held.turns == 1);
  CHECK(held.document_hash.empty());
  const auto stored = w.get_task(created.created.id);
  CHECK(stored.run == held.id);
  CHECK(stored.prompt == "Create a Q3 sales report");
}

TEMPLATE_TEST_CASE("store appends resumed tasks with increasing turn index", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto first = w.create("Create a Q3 sales report");
  const auto second = w.resume(first.run_after.id, "Now add a forecast tab for FY26");
  const auto third = w.resume(first.run_after.id, "Rename sheet Forecast to FY26");
  CHECK(second.created.turn_index == 2);
  CHECK(third.created.turn_index == 3);
  CHECK(second.created.run == first.run_after.id);
  CHECK(w.get_run(first.run_after.id).turns == 3);
  CHECK(w.get_run(first.run_after.id).first_prompt == "Create a Q3 sales report");
}

TEMPLATE_TEST_CASE("store refuses bad resumes and changes nothing", "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto first = w.create("Create a Q3 sales report");
  const auto other_org = w.add_org("globex");

  auto unknown = w.request("more");
  unknown.resume = w.ids.template next<folio::run_id>();
  CHECK(w.submit(unknown).error() == folio::errc::not_found);

  auto foreign = w.request("more");
  foreign.org = other_org;
  foreign.resume = first.run_after.id;
  CHECK(w.submit(foreign).error() == folio::errc::not_found);

  auto wrong_format = w.request("more", folio::document_format::word);
  wrong_format.resume = first.run_after.id;
  CHECK(w.submit(wrong_format).error() == folio::errc::format_mismatch);

  auto empty = w.request("");
  CHECK(w.submit(empty).error() == folio::errc::prompt_missing);

  CHECK(w.get_run(first.run_after.id).turns == 1);
  auto tasks = w.store.list_tasks(w.org, first.run_after.id, {});
  REQUIRE(tasks);
  CHECK(tasks.value().items.size() == 1);
}

TEMPLATE_TEST_CASE("store replays an idempotent submission and refuses a reused key", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  auto made = w.request("Create a Q3 sales report");
  made.idempotency_key = "order-7";
  const auto first = w.submit(made);
  REQUIRE(first);
  const auto again = w.submit(made);
  REQUIRE(again);
  CHECK(again.value().replayed);
  CHECK(again.value().created.id == first.value().created.id);
  CHECK(again.value().run_after.id == first.value().run_after.id);

  auto changed = made;
  changed.prompt = "Create a Q4 sales report";
  changed.fingerprint = changed.prompt;
  CHECK(w.submit(changed).error() == folio::errc::idempotency_key_reused);

  auto listed = w.store.list_runs(w.org, {}, {}, w.fixture.clock.now());
  REQUIRE(listed);
  CHECK(listed.value().items.size() == 1);

  // After the 24-hour window the key is free again.
  w.fixture.clock.advance(std::chrono::hours{25});
  const auto later = w.submit(changed);
  REQUIRE(later);
  CHECK_FALSE(later.value().replayed);
}

TEMPLATE_TEST_CASE("store refuses submissions past the queue limit", "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio::store_limits limits;
  limits.max_queued_tasks = 3;
  folio_conformance::world<TestType> w(limits);
  for (int index = 0; index < 3; ++index) {
    w.create("report " + std::to_string(index));
  }
  CHECK(w.submit(w.request("one too many")).error() == folio::errc::queue_full);
  auto listed = w.store.list_runs(w.org, {}, {}, w.fixture.clock.now());
  REQUIRE(listed);
  CHECK(listed.value().items.size() == 3);
  // A claimed task leaves the queue, making room.
  REQUIRE(w.claim());
  CHECK(w.submit(w.request("now it fits")));
}

TEMPLATE_TEST_CASE("store hands out one run's tasks one at a time in submission order", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto first = w.create("turn 1");
  const auto second = w.resume(first.run_after.id, "turn 2");
  const auto third = w.resume(first.run_after.id, "turn 3");

  const auto claimed = w.claim();
  REQUIRE(claimed);
  CHECK(claimed->work.id == first.created.id);
  CHECK(claimed->work.status == folio::task_status::running);
  CHECK(claimed->work.lease->worker == "w1");
  CHECK_FALSE(w.claim("w2")); // the run is busy: its next task waits
  CHECK(w.get_run(first.run_after.id).status == folio::run_status::running);

  w.commit(*claimed, folio_conformance::hash_a);
  const auto next = w.claim("w2");
  REQUIRE(next);
  CHECK(next->work.id == second.created.id);
  CHECK(next->from.document_hash == folio_conformance::hash_a);
  CHECK(next->from.state.memory.at("turn") == 1);
  w.commit(*next, folio_conformance::hash_b);
  const auto last = w.claim();
  REQUIRE(last);
  CHECK(last->work.id == third.created.id);
}

TEMPLATE_TEST_CASE("store hands out different runs' tasks in parallel, oldest first", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto first = w.create("run one");
  const auto second = w.create("run two");
  const auto a = w.claim("w1");
  const auto b = w.claim("w2");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->work.id == first.created.id);
  CHECK(b->work.id == second.created.id);
  CHECK_FALSE(w.claim("w3"));
}

TEMPLATE_TEST_CASE("store refuses writes from a worker that lost its lease", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("Create a Q3 sales report");
  const auto stale = w.claim("w1", 1s);
  REQUIRE(stale);
  w.fixture.clock.advance(2s);
  auto recovered = w.store.recover_expired_leases(w.fixture.clock.now());
  REQUIRE(recovered);
  REQUIRE(recovered.value().size() == 1);
  CHECK(recovered.value()[0].snapshot.status == folio::task_status::queued);
  const auto fresh = w.claim("w2");
  REQUIRE(fresh);
  CHECK(fresh->work.attempts == 2);

  const auto token = stale->work.lease->token;
  const auto now = w.fixture.clock.now();
  CHECK(w.store.heartbeat(created.created.id, token, now, 30s).error() == folio::errc::lease_lost);
  CHECK(w.store.report_progress(created.created.id, token, folio::task_phase::agent_turn, 50, now).error() ==
        folio::errc::lease_lost);
  folio::turn_commit late;
  late.task = created.created.id;
  late.lease_token = token;
  late.document_hash = folio_conformance::hash_a;
  late.credits = 5;
  CHECK(w.store.commit_turn(late, now).error() == folio::errc::lease_lost);
  CHECK(w.store.finish_turn(created.created.id, token, folio::task_event::fail, std::nullopt, now).error() ==
        folio::errc::lease_lost);

  w.commit(*fresh, folio_conformance::hash_b, 7);
  const auto held = w.get_run(created.run_after.id);
  CHECK(held.document_hash == folio_conformance::hash_b);
  CHECK(held.credits_used == 7);
}

TEMPLATE_TEST_CASE("store lands a committed turn in one step", "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("Create a Q3 sales report");
  const auto claimed = w.claim();
  REQUIRE(claimed);
  const auto now = w.fixture.clock.now();
  auto progressed =
      w.store.report_progress(claimed->work.id, claimed->work.lease->token, folio::task_phase::agent_turn, 40, now);
  REQUIRE(progressed);
  REQUIRE(progressed.value());
  CHECK(progressed.value()->snapshot.progress == 40);
  // The same figure again is no change, and a lower one is not shown.
  auto same =
      w.store.report_progress(claimed->work.id, claimed->work.lease->token, folio::task_phase::agent_turn, 30, now);
  REQUIRE(same);
  CHECK_FALSE(same.value());

  const auto landed = w.commit(*claimed, folio_conformance::hash_a, 84);
  CHECK(landed.snapshot.status == folio::task_status::completed);
  CHECK(landed.snapshot.progress == 100);
  CHECK(landed.snapshot.phase == folio::task_phase::done);
  CHECK(landed.snapshot.credits_used == 84);
  CHECK(landed.snapshot.duration_ms().value_or(-1) >= 5);

  const auto held = w.get_run(created.run_after.id);
  CHECK(held.status == folio::run_status::completed);
  CHECK(held.document_hash == folio_conformance::hash_a);
  CHECK(held.state.memory.at("turn") == 1);
  CHECK(held.credits_used == 84);
  CHECK(held.duration_ms == landed.snapshot.duration_ms().value());
  CHECK(held.versions == 1);
  auto versions = w.store.list_versions(w.org, created.run_after.id);
  REQUIRE(versions);
  REQUIRE(versions.value().size() == 1);
  CHECK(versions.value()[0].hash == folio_conformance::hash_a);
  CHECK(versions.value()[0].written_by == created.created.id);
}

TEMPLATE_TEST_CASE("store lands a turn and hands its worker the next task in one step", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto first = w.create("turn 1");
  const auto second = w.resume(first.run_after.id, "turn 2");
  const auto other = w.create("other run");
  const auto claimed = w.claim("w1");
  const auto parallel = w.claim("w2");
  REQUIRE(claimed);
  REQUIRE(parallel);
  CHECK(parallel->work.id == other.created.id);

  folio::turn_commit landed{claimed->work.id, claimed->work.lease->token, folio_conformance::hash_a, {}, 12};
  landed.state.memory = {{"turn", 1}};
  w.fixture.clock.advance(5ms);
  auto handed = w.store.commit_turn_and_claim_next(landed, "w1", w.fixture.clock.now(), 30s);
  REQUIRE(handed);
  CHECK(handed.value().landed.snapshot.id == first.created.id);
  CHECK(handed.value().landed.snapshot.status == folio::task_status::completed);
  CHECK(handed.value().landed.snapshot.credits_used == 12);
  // The run's next turn was waiting for this one: it is handed out at once, starting from what just landed.
  const auto& next = handed.value().next;
  REQUIRE(next);
  CHECK(next->work.id == second.created.id);
  CHECK(next->work.status == folio::task_status::running);
  CHECK(next->work.lease->worker == "w1");
  CHECK(next->from.document_hash == folio_conformance::hash_a);
  CHECK(next->from.state.memory.at("turn") == 1);
  CHECK(next->change.snapshot.status == folio::task_status::running);
  CHECK(w.get_task(first.created.id).status == folio::task_status::completed);
  CHECK(w.get_task(second.created.id).status == folio::task_status::running);
  CHECK(w.get_run(first.run_after.id).credits_used == 12);

  // Nothing left to claim: the turn lands all the same.
  auto alone = w.store.commit_turn_and_claim_next(
      {other.created.id, parallel->work.lease->token, folio_conformance::hash_b, {}, 3}, "w2", w.fixture.clock.now(),
      30s);
  REQUIRE(alone);
  CHECK_FALSE(alone.value().next);
  CHECK(w.get_run(other.run_after.id).status == folio::run_status::completed);
}

TEMPLATE_TEST_CASE("store claims nothing with a commit it refuses", "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto first = w.create("turn 1");
  const auto stale = w.claim("w1", 1s);
  REQUIRE(stale);
  const auto waiting = w.create("waiting run");
  w.fixture.clock.advance(2s);
  REQUIRE(w.store.recover_expired_leases(w.fixture.clock.now()));

  folio::turn_commit late{first.created.id, stale->work.lease->token, folio_conformance::hash_a, {}, 5};
  CHECK(w.store.commit_turn_and_claim_next(late, "w1", w.fixture.clock.now(), 30s).error() == folio::errc::lease_lost);
  CHECK(w.get_task(first.created.id).status == folio::task_status::queued);
  CHECK(w.get_task(waiting.created.id).status == folio::task_status::queued);
  CHECK(w.get_run(first.run_after.id).credits_used == 0);
}

TEMPLATE_TEST_CASE("store keeps the run as it was when a turn fails or stops on a cancel", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("Create a Q3 sales report");
  w.commit(*w.claim(), folio_conformance::hash_a, 10);
  const auto before = w.get_run(created.run_after.id);

  const auto failing = w.resume(created.run_after.id, "break it");
  const auto claimed_failing = w.claim();
  REQUIRE(claimed_failing);
  auto failed = w.store.finish_turn(failing.created.id, claimed_failing->work.lease->token, folio::task_event::fail,
                                    folio::error{folio::errc::prompt_not_understood, "no"}, w.fixture.clock.now());
  REQUIRE(failed);
  CHECK(failed.value().snapshot.status == folio::task_status::failed);
  CHECK(failed.value().snapshot.failure->code == folio::errc::prompt_not_understood);
  auto after_fail = w.get_run(created.run_after.id);
  CHECK(after_fail.status == folio::run_status::failed);
  CHECK(after_fail.document_hash == before.document_hash);
  CHECK(after_fail.state == before.state);
  CHECK(after_fail.credits_used == before.credits_used);
  CHECK(after_fail.versions == before.versions);

  const auto cancelling = w.resume(created.run_after.id, "stop me");
  const auto claimed_cancelling = w.claim();
  REQUIRE(claimed_cancelling);
  auto stopped = w.store.finish_turn(cancelling.created.id, claimed_cancelling->work.lease->token,
                                     folio::task_event::stop_cancelled, std::nullopt, w.fixture.clock.now());
  REQUIRE(stopped);
  CHECK(stopped.value().snapshot.status == folio::task_status::cancelled);
  auto after_cancel = w.get_run(created.run_after.id);
  CHECK(after_cancel.status == folio::run_status::cancelled);
  CHECK(after_cancel.document_hash == before.document_hash);
  CHECK(after_cancel.versions == before.versions);
}

TEMPLATE_TEST_CASE("store cancels queued tasks at once and flags running ones", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto running = w.create("long report");
  const auto queued = w.resume(running.run_after.id, "then this");
  const auto claimed = w.claim();
  REQUIRE(claimed);

  auto cancelled = w.store.request_cancel(w.org, queued.created.id, w.fixture.clock.now());
  REQUIRE(cancelled);
  CHECK(cancelled.value().first.status == folio::task_status::cancelled);
  CHECK(cancelled.value().first.progress == 100);
  REQUIRE(cancelled.value().second);

  auto flagged = w.store.request_cancel(w.org, running.created.id, w.fixture.clock.now());
  REQUIRE(flagged);
  CHECK(flagged.value().first.status == folio::task_status::running);
  CHECK(flagged.value().first.cancel_requested);
  CHECK_FALSE(flagged.value().second);
  auto beat = w.store.heartbeat(running.created.id, claimed->work.lease->token, w.fixture.clock.now(), 30s);
  REQUIRE(beat);
  CHECK(beat.value().cancel_requested);

  // The cancelled task never runs, even once the run is free.
  w.commit(*claimed, folio_conformance::hash_a);
  CHECK_FALSE(w.claim());
  CHECK(w.get_task(queued.created.id).status == folio::task_status::cancelled);
  CHECK(w.get_run(running.run_after.id).status == folio::run_status::cancelled);
}

TEMPLATE_TEST_CASE("store answers a cancel of a finished task as a conflict and of a cancelled one as is",
                   "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto done = w.create("report");
  w.commit(*w.claim(), folio_conformance::hash_a);
  CHECK(w.store.request_cancel(w.org, done.created.id, w.fixture.clock.now()).error() == folio::errc::task_finished);

  const auto other = w.create("another");
  REQUIRE(w.store.request_cancel(w.org, other.created.id, w.fixture.clock.now()));
  auto again = w.store.request_cancel(w.org, other.created.id, w.fixture.clock.now());
  REQUIRE(again);
  CHECK(again.value().first.status == folio::task_status::cancelled);
  CHECK_FALSE(again.value().second);
}

TEMPLATE_TEST_CASE("store fails a task whose workers keep dying", "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio::store_limits limits;
  limits.max_attempts = 2;
  folio_conformance::world<TestType> w(limits);
  const auto created = w.create("crashy");
  for (int attempt = 1; attempt <= 2; ++attempt) {
    REQUIRE(w.claim("w", 1s));
    w.fixture.clock.advance(2s);
    REQUIRE(w.store.recover_expired_leases(w.fixture.clock.now()));
  }
  const auto ended = w.get_task(created.created.id);
  CHECK(ended.status == folio::task_status::failed);
  CHECK(ended.failure->code == folio::errc::lease_lost);
  CHECK(ended.credits_used.value_or(-1) == 0);
  CHECK_FALSE(w.claim());
}

TEMPLATE_TEST_CASE("store gives a restarted worker's tasks back at once", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("report");
  REQUIRE(w.claim("node-a", 30s));
  auto untouched = w.store.recover_expired_leases(w.fixture.clock.now(), "node-b");
  REQUIRE(untouched);
  CHECK(untouched.value().empty());
  auto recovered = w.store.recover_expired_leases(w.fixture.clock.now(), "node-a");
  REQUIRE(recovered);
  REQUIRE(recovered.value().size() == 1);
  CHECK(w.get_task(created.created.id).status == folio::task_status::queued);
}

TEMPLATE_TEST_CASE("store ends a running task cancelled when its lease ends after a cancel request",
                   "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("report");
  REQUIRE(w.claim("w", 1s));
  REQUIRE(w.store.request_cancel(w.org, created.created.id, w.fixture.clock.now()));
  w.fixture.clock.advance(2s);
  REQUIRE(w.store.recover_expired_leases(w.fixture.clock.now()));
  CHECK(w.get_task(created.created.id).status == folio::task_status::cancelled);
  CHECK_FALSE(w.claim());
}

TEMPLATE_TEST_CASE("store numbers each task change once, in order", "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("report");
  const auto claimed = w.claim();
  REQUIRE(claimed);
  const auto token = claimed->work.lease->token;
  REQUIRE(w.store.report_progress(created.created.id, token, folio::task_phase::agent_turn, 20, w.fixture.clock.now()));
  REQUIRE(w.store.report_progress(created.created.id, token, folio::task_phase::saving, 90, w.fixture.clock.now()));
  w.commit(*claimed, folio_conformance::hash_a);

  auto events = w.store.list_task_events(w.org, created.created.id, 0);
  REQUIRE(events);
  const auto& all = events.value();
  REQUIRE(all.size() == 5);
  std::set<std::string> event_ids;
  for (std::size_t index = 0; index < all.size(); ++index) {
    CHECK(all[index].sequence == index + 1);
    event_ids.insert(all[index].id.str());
  }
  CHECK(event_ids.size() == all.size());
  CHECK(all[0].snapshot.status == folio::task_status::queued);
  CHECK(all[1].snapshot.status == folio::task_status::running);
  CHECK(all[2].snapshot.progress == 20);
  CHECK(all[3].snapshot.phase == folio::task_phase::saving);
  CHECK(all[4].snapshot.status == folio::task_status::completed);
  for (std::size_t index = 1; index < all.size(); ++index) {
    CHECK(all[index].snapshot.progress >= all[index - 1].snapshot.progress);
  }

  auto after_three = w.store.list_task_events(w.org, created.created.id, 3);
  REQUIRE(after_three);
  REQUIRE(after_three.value().size() == 2);
  CHECK(after_three.value()[0].sequence == 4);
}

TEMPLATE_TEST_CASE("store lists runs newest first with filters and stable cursors", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  std::vector<folio::run_id> excel_runs;
  for (int index = 0; index < 25; ++index) {
    const auto format = index % 5 == 0 ? folio::document_format::word : folio::document_format::excel;
    const auto created = w.create("run " + std::to_string(index), format);
    if (format == folio::document_format::excel) {
      excel_runs.push_back(created.run_after.id);
    }
  }
  std::reverse(excel_runs.begin(), excel_runs.end());

  folio::run_filter only_excel;
  only_excel.format = folio::document_format::excel;
  std::vector<folio::run_id> seen;
  folio::page_request<folio::run_id> request;
  request.limit = 7;
  int pages = 0;
  while (true) {
    auto listed = w.store.list_runs(w.org, only_excel, request, w.fixture.clock.now());
    REQUIRE(listed);
    ++pages;
    for (const auto& item : listed.value().items) {
      CHECK(item.format == folio::document_format::excel);
      seen.push_back(item.id);
    }
    // New runs arriving meanwhile never shift the pages being read.
    w.create("arrives while paging");
    if (!listed.value().next_cursor) {
      break;
    }
    CHECK(*listed.value().next_cursor == listed.value().items.back().id.str());
    request.before = folio::run_id::parse(*listed.value().next_cursor).value();
  }
  CHECK(pages == 3);
  CHECK(seen == excel_runs);

  folio::run_filter only_completed;
  only_completed.status = folio::run_status::completed;
  auto none = w.store.list_runs(w.org, only_completed, {}, w.fixture.clock.now());
  REQUIRE(none);
  CHECK(none.value().items.empty());
  CHECK_FALSE(none.value().next_cursor);
  w.commit(*w.claim(), folio_conformance::hash_a);
  auto one = w.store.list_runs(w.org, only_completed, {}, w.fixture.clock.now());
  REQUIRE(one);
  REQUIRE(one.value().items.size() == 1);
  CHECK(one.value().items[0].status == folio::run_status::completed);
}

TEMPLATE_TEST_CASE("store lists a run's turn history newest first", "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("turn 1");
  for (int turn = 2; turn <= 5; ++turn) {
    w.resume(created.run_after.id, "turn " + std::to_string(turn));
  }
  folio::page_request<folio::task_id> request;
  request.limit = 3;
  auto first_page = w.store.list_tasks(w.org, created.run_after.id, request);
  REQUIRE(first_page);
  REQUIRE(first_page.value().items.size() == 3);
  CHECK(first_page.value().items[0].turn_index == 5);
  CHECK(first_page.value().items[2].turn_index == 3);
  REQUIRE(first_page.value().next_cursor);
  request.before = folio::task_id::parse(*first_page.value().next_cursor).value();
  auto second_page = w.store.list_tasks(w.org, created.run_after.id, request);
  REQUIRE(second_page);
  REQUIRE(second_page.value().items.size() == 2);
  CHECK(second_page.value().items[1].turn_index == 1);
  CHECK_FALSE(second_page.value().next_cursor);
}

TEMPLATE_TEST_CASE("store shows an organization nothing of another's", "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("ours");
  const auto other = w.add_org("globex");
  const auto now = w.fixture.clock.now();
  CHECK(w.store.get_run(other, created.run_after.id, now).error() == folio::errc::not_found);
  CHECK(w.store.get_task(other, created.created.id).error() == folio::errc::not_found);
  CHECK(w.store.list_tasks(other, created.run_after.id, {}).error() == folio::errc::not_found);
  CHECK(w.store.list_task_events(other, created.created.id, 0).error() == folio::errc::not_found);
  CHECK(w.store.list_versions(other, created.run_after.id).error() == folio::errc::not_found);
  CHECK(w.store.request_cancel(other, created.created.id, now).error() == folio::errc::not_found);
  CHECK(w.store.upload_document(other, created.run_after.id, folio_conformance::hash_a, now).error() ==
        folio::errc::not_found);
  CHECK(w.store.delete_run(other, created.run_after.id, now).error() == folio::errc::not_found);
  auto listed = w.store.list_runs(other, {}, {}, now);
  REQUIRE(listed);
  CHECK(listed.value().items.empty());
  CHECK(w.get_task(created.created.id).status == folio::task_status::queued);
}

TEMPLATE_TEST_CASE("store expires runs after their retention and purges their bytes later", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto short_lived = w.add_org("short", {std::chrono::seconds{2}, std::chrono::seconds{3}});
  auto made = w.request("report");
  made.org = short_lived;
  const auto outcome = w.submit(made);
  REQUIRE(outcome);
  const auto id = outcome.value().run_after.id;
  w.commit(*w.claim(), folio_conformance::hash_a);
  const auto ended_at = w.fixture.clock.now();

  w.fixture.clock.set(ended_at + 1999ms);
  CHECK(w.store.get_run(short_lived, id, w.fixture.clock.now()).value().status == folio::run_status::completed);
  w.fixture.clock.set(ended_at + 2000ms);
  // Expired at read time already, before any sweep.
  CHECK(w.store.get_run(short_lived, id, w.fixture.clock.now()).value().status == folio::run_status::expired);
  auto resumed = w.request("more");
  resumed.org = short_lived;
  resumed.resume = id;
  CHECK(w.submit(resumed).error() == folio::errc::run_expired);

  auto expired = w.store.expire_due_runs(w.fixture.clock.now(), 100);
  REQUIRE(expired);
  CHECK(expired.value() == std::vector<folio::run_id>{id});
  CHECK(w.store.expire_due_runs(w.fixture.clock.now(), 100).value().empty());
  folio::run_filter only_expired;
  only_expired.status = folio::run_status::expired;
  CHECK(w.store.list_runs(short_lived, only_expired, {}, w.fixture.clock.now()).value().items.size() == 1);

  w.fixture.clock.set(ended_at + 4999ms);
  CHECK(w.store.purge_due_runs(w.fixture.clock.now(), 100).value().empty());
  w.fixture.clock.set(ended_at + 5000ms);
  auto released = w.store.purge_due_runs(w.fixture.clock.now(), 100);
  REQUIRE(released);
  CHECK(released.value() == std::vector<std::string>{folio_conformance::hash_a});
  CHECK_FALSE(w.store.is_blob_referenced(folio_conformance::hash_a).value());
  CHECK(w.store.purge_due_runs(w.fixture.clock.now(), 100).value().empty());
  const auto gone = w.store.get_run(short_lived, id, w.fixture.clock.now()).value();
  CHECK(gone.status == folio::run_status::expired);
  CHECK(gone.document_hash.empty());
}

TEMPLATE_TEST_CASE("store keeps a blob that another run still references", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto first = w.create("one");
  w.commit(*w.claim(), folio_conformance::hash_a);
  w.create("two");
  w.commit(*w.claim(), folio_conformance::hash_a);
  auto released = w.store.delete_run(w.org, first.run_after.id, w.fixture.clock.now());
  REQUIRE(released);
  CHECK(released.value().empty());
  CHECK(w.store.is_blob_referenced(folio_conformance::hash_a).value());
}

TEMPLATE_TEST_CASE("store moves run expiry when an organization's retention changes", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("report");
  w.commit(*w.claim(), folio_conformance::hash_a);
  const auto ended_at = w.fixture.clock.now();
  REQUIRE(w.store.set_retention(w.org, {std::chrono::hours{1}, std::chrono::hours{1}}));
  CHECK(w.store.get_organization(w.org).value().retention.retention == std::chrono::hours{1});
  w.fixture.clock.set(ended_at + std::chrono::hours{1});
  CHECK(w.get_run(created.run_after.id).status == folio::run_status::expired);
}

TEMPLATE_TEST_CASE("store keeps an uploaded document as a new version the agent is told about", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("report");
  const auto claimed = w.claim();
  CHECK(
      w.store.upload_document(w.org, created.run_after.id, folio_conformance::hash_b, w.fixture.clock.now()).error() ==
      folio::errc::run_busy);
  w.commit(*claimed, folio_conformance::hash_a);
  auto uploaded =
      w.store.upload_document(w.org, created.run_after.id, folio_conformance::hash_b, w.fixture.clock.now());
  REQUIRE(uploaded);
  CHECK(uploaded.value().document_hash == folio_conformance::hash_b);
  CHECK(uploaded.value().document_changed_externally);
  CHECK(uploaded.value().versions == 2);
  auto versions = w.store.list_versions(w.org, created.run_after.id).value();
  REQUIRE(versions.size() == 2);
  CHECK_FALSE(versions[1].written_by);

  w.resume(created.run_after.id, "continue");
  const auto next = w.claim();
  REQUIRE(next);
  CHECK(next->from.document_changed_externally);
  CHECK(next->from.document_hash == folio_conformance::hash_b);
  w.commit(*next, folio_conformance::hash_a);
  CHECK_FALSE(w.get_run(created.run_after.id).document_changed_externally);
}

TEMPLATE_TEST_CASE("store deletes a run's bytes now and keeps it listed as expired", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("report");
  w.commit(*w.claim(), folio_conformance::hash_a);
  auto released = w.store.delete_run(w.org, created.run_after.id, w.fixture.clock.now());
  REQUIRE(released);
  CHECK(released.value() == std::vector<std::string>{folio_conformance::hash_a});
  const auto gone = w.get_run(created.run_after.id);
  CHECK(gone.status == folio::run_status::expired);
  CHECK(gone.document_hash.empty());
  CHECK(w.store.list_versions(w.org, created.run_after.id).value().empty());
  CHECK(w.store.delete_run(w.org, created.run_after.id, w.fixture.clock.now()).value().empty());
  auto listed = w.store.list_runs(w.org, {}, {}, w.fixture.clock.now());
  REQUIRE(listed);
  CHECK(listed.value().items.size() == 1);
}

TEMPLATE_TEST_CASE("store finds API keys by hash until they are revoked", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto key = w.add_key("sk_secret");
  auto found = w.store.find_api_key(folio::hash_api_key_secret("sk_secret"));
  REQUIRE(found);
  CHECK(found.value().org == w.org);
  CHECK(w.store.find_api_key(folio::hash_api_key_secret("sk_other")).error() == folio::errc::not_found);
  CHECK(w.store.list_api_keys(w.org).value().size() == 1);
  REQUIRE(w.store.revoke_api_key(key.id, w.fixture.clock.now()));
  CHECK(w.store.find_api_key(folio::hash_api_key_secret("sk_secret")).error() == folio::errc::not_found);
  CHECK(w.store.find_organization("acme").value().id == w.org);
  CHECK(w.store.find_organization("nobody").error() == folio::errc::not_found);
}

TEMPLATE_TEST_CASE("store's data version moves with every commit and only then", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto version = [&w] {
    auto answered = w.store.data_version();
    REQUIRE(answered);
    return answered.value();
  };
  const auto key = w.add_key("sk_secret");
  const auto start = version();
  const auto first = w.create("Create a Q3 sales report");
  CHECK(w.store.get_task(w.org, first.created.id));
  CHECK(w.store.find_api_key_holder(folio::hash_api_key_secret("sk_secret")));
  CHECK(w.store.list_runs(w.org, {}, {}, w.fixture.clock.now()));
  const auto submitted = version();
  CHECK(submitted > start);
  CHECK(version() == submitted);
  const auto claimed = w.claim();
  REQUIRE(claimed);
  const auto after_claim = version();
  CHECK(after_claim > submitted);
  w.commit(*claimed, folio_conformance::hash_a);
  const auto after_commit = version();
  CHECK(after_commit > after_claim);
  REQUIRE(w.store.revoke_api_key(key.id, w.fixture.clock.now()));
  const auto after_revoke = version();
  CHECK(after_revoke > after_commit);
  const auto refused = w.store.revoke_api_key(w.ids.template next<folio::key_id>(), w.fixture.clock.now());
  CHECK_FALSE(refused);
  CHECK(version() == after_revoke);
}

TEMPLATE_TEST_CASE("store keeps export cache entries until their document is purged", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("report");
  w.commit(*w.claim(), folio_conformance::hash_a);
  const folio::export_key key{folio_conformance::hash_a, "pdf", R"({"page":1})", "lo-7.4"};
  const std::string pdf_hash(64, 'c');
  REQUIRE(w.store.put_export({key, pdf_hash, "application/pdf", 3, w.fixture.clock.now()}));
  auto found = w.store.find_export(key.digest());
  REQUIRE(found);
  REQUIRE(found.value());
  CHECK(found.value()->output_hash == pdf_hash);
  CHECK(found.value()->page_count == 3);
  CHECK(found.value()->key.options == R"({"page":1})");
  CHECK(w.store.is_blob_referenced(pdf_hash).value());
  auto other_version = key;
  other_version.converter_version = "lo-7.5";
  CHECK_FALSE(w.store.find_export(other_version.digest()).value());

  auto released = w.store.delete_run(w.org, created.run_after.id, w.fixture.clock.now());
  REQUIRE(released);
  std::set<std::string> gone(released.value().begin(), released.value().end());
  CHECK(gone == std::set<std::string>{folio_conformance::hash_a, pdf_hash});
  CHECK_FALSE(w.store.find_export(key.digest()).value());
  CHECK_FALSE(w.store.is_blob_referenced(pdf_hash).value());
}

TEMPLATE_TEST_CASE("store serves concurrent callers as if one after another", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  constexpr int runs = 12;
  constexpr int turns = 5;
  std::vector<folio::run_id> run_ids;
  for (int index = 0; index < runs; ++index) {
    run_ids.push_back(w.create("turn 1").run_after.id);
  }
  // Catch's assertions are for the test's own thread: the others count what went wrong.
  std::atomic<int> unexpected{0};
  const auto expect = [&](bool held) {
    if (!held) {
      ++unexpected;
    }
  };
  std::mutex landed_mutex;
  std::map<std::string, int> landings_by_task;
  std::atomic<int> landed{0};
  std::atomic<bool> submitting{true};
  const auto now = [&] { return w.fixture.clock.now(); };

  // Resumes every run turn by turn, with a refused submission in between that must change nothing.
  std::thread submitter([&] {
    for (int turn = 2; turn <= turns; ++turn) {
      for (const auto& id : run_ids) {
        auto made = w.request("turn " + std::to_string(turn));
        made.resume = id;
        expect(
            w.store.submit(made, {w.ids.template next<folio::run_id>(), w.ids.template next<folio::task_id>()}, now())
                .has_value());
        auto unknown = w.request("nowhere");
        unknown.resume = w.ids.template next<folio::run_id>();
        auto refused = w.store.submit(
            unknown, {w.ids.template next<folio::run_id>(), w.ids.template next<folio::task_id>()}, now());
        expect(!refused && refused.error() == folio::errc::not_found);
      }
    }
    submitting = false;
  });
  // Workers land each turn they hold, after a stale write that must be refused, and go on with the task handed over.
  // A turn starts from its run with every earlier turn landed and nothing else running.
  const auto work = [&](const std::string& worker) {
    while (submitting || landed < runs * turns) {
      auto claimed = w.store.claim_next(worker, now(), 30s);
      expect(claimed.has_value());
      auto held = claimed ? claimed.value() : std::nullopt;
      while (held) {
        expect(held->from.versions == static_cast<std::uint32_t>(held->work.turn_index - 1));
        expect(held->from.running_tasks == 1);
        const auto stale =
            w.store.commit_turn({held->work.id, held->work.lease->token + 1, folio_conformance::hash_b, {}, 1}, now());
        expect(!stale && stale.error() == folio::errc::lease_lost);
        auto handed = w.store.commit_turn_and_claim_next(
            {held->work.id, held->work.lease->token, folio_conformance::hash_a, {}, 2}, worker, now(), 30s);
        expect(handed.has_value());
        if (!handed) {
          break;
        }
        {
          const std::lock_guard lock(landed_mutex);
          ++landings_by_task[held->work.id.str()];
        }
        ++landed;
        held = std::move(handed.value().next);
      }
      std::this_thread::yield();
    }
  };
  std::thread first_worker(work, "w1");
  std::thread second_worker(work, "w2");
  // A reader meanwhile sees each commit whole: a run's credits always match its versions.
  std::thread reader([&] {
    while (landed < runs * turns) {
      for (const auto& id : run_ids) {
        auto held = w.store.get_run(w.org, id, now());
        expect(held && held.value().credits_used == 2 * static_cast<std::int64_t>(held.value().versions));
      }
    }
  });
  submitter.join();
  first_worker.join();
  second_worker.join();
  reader.join();

  CHECK(unexpected == 0);
  CHECK(landings_by_task.size() == static_cast<std::size_t>(runs * turns));
  for (const auto& [task, count] : landings_by_task) {
    CHECK(count == 1);
  }
  for (const auto& id : run_ids) {
    const auto held = w.get_run(id);
    CHECK(held.versions == static_cast<std::uint32_t>(turns));
    CHECK(held.credits_used == 2 * turns);
    CHECK(held.status == folio::run_status::completed);
    auto history = w.store.list_tasks(w.org, id, folio::page_request<folio::task_id>{});
    REQUIRE(history);
    CHECK(history.value().items.size() == static_cast<std::size_t>(turns));
    for (const auto& done : history.value().items) {
      auto changes = w.store.list_task_events(w.org, done.id, 0);
      REQUIRE(changes);
      REQUIRE(changes.value().size() == 3);
      for (std::size_t index = 0; index < changes.value().size(); ++index) {
        CHECK(changes.value()[index].sequence == index + 1);
      }
      CHECK(changes.value().back().snapshot.status == folio::task_status::completed);
    }
  }
  CHECK_FALSE(w.claim());
}

TEMPLATE_TEST_CASE("store writes a webhook delivery with the end of each task that asked for one",
                   "[store][conformance][webhook]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const std::string url = "http://127.0.0.1:9/hooks";
  auto asked = w.request("Create a Q3 sales report");
  asked.webhook_url = url;
  const auto completed = w.submit(asked).value();
  auto then_fail = w.request("then fail");
  then_fail.webhook_url = url;
  then_fail.resume = completed.run_after.id;
  const auto failed = w.submit(then_fail).value();
  auto then_cancel = then_fail;
  then_cancel.prompt = "then cancel";
  const auto cancelled = w.submit(then_cancel).value();
  const auto silent = w.create("no webhook asked for");

  const auto deliveries_of = [&](const folio::task_id& id) {
    auto found = w.store.list_webhook_deliveries(w.org, id);
    REQUIRE(found);
    return found.value();
  };
  // Nothing is announced before a task ends.
  const auto first = w.claim();
  REQUIRE(first);
  CHECK(deliveries_of(completed.created.id).empty());

  const auto landed = w.commit(*first, folio_conformance::hash_a);
  const auto second = w.claim();
  REQUIRE(second);
  const auto ended = w.store.finish_turn(second->work.id, second->work.lease->token, folio::task_event::fail,
                                         folio::error{folio::errc::prompt_not_understood, "no"}, w.fixture.clock.now());
  REQUIRE(ended);
  REQUIRE(w.store.request_cancel(w.org, cancelled.created.id, w.fixture.clock.now()));
  const auto silent_claim = w.claim();
  REQUIRE(silent_claim);
  w.commit(*silent_claim, folio_conformance::hash_b);

  const auto on_completion = deliveries_of(completed.created.id);
  REQUIRE(on_completion.size() == 1);
  CHECK(on_completion[0].id == landed.id);
  CHECK(on_completion[0].event_type == "task.completed");
  CHECK(on_completion[0].url == url);
  CHECK(on_completion[0].org == w.org);
  CHECK(on_completion[0].attempts == 0);
  CHECK(on_completion[0].next_attempt_at == landed.snapshot.finished_at);
  CHECK_FALSE(on_completion[0].delivered_at);

  const auto on_failure = deliveries_of(failed.created.id);
  REQUIRE(on_failure.size() == 1);
  CHECK(on_failure[0].id == ended.value().id);
  CHECK(on_failure[0].event_type == "task.failed");
  const auto on_cancel = deliveries_of(cancelled.created.id);
  REQUIRE(on_cancel.size() == 1);
  CHECK(on_cancel[0].event_type == "task.cancelled");
  CHECK(deliveries_of(silent.created.id).empty());
  CHECK(w.store.gauges().value().pending_webhooks == 3);

  // Another organization sees none of them.
  const auto other = w.add_org("globex");
  CHECK(w.store.list_webhook_deliveries(other, completed.created.id).error() == folio::errc::not_found);
}

TEMPLATE_TEST_CASE("store hands a due webhook delivery to one sender at a time, and again when its lease ends",
                   "[store][conformance][webhook]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  auto asked = w.request("Create a Q3 sales report");
  asked.webhook_url = "http://127.0.0.1:9/hooks";
  const auto created = w.submit(asked).value();
  const auto claimed = w.claim();
  REQUIRE(claimed);
  const auto landed = w.commit(*claimed, folio_conformance::hash_a);

  auto taken = w.store.claim_webhook_deliveries(w.fixture.clock.now(), 30s, 10);
  REQUIRE(taken);
  REQUIRE(taken.value().size() == 1);
  CHECK(taken.value()[0].id == landed.id);
  CHECK(taken.value()[0].attempts == 1);
  CHECK(taken.value()[0].task == created.created.id);
  // Held by the first sender: nobody else gets it, until its lease ends (a sender that died mid-attempt).
  CHECK(w.store.claim_webhook_deliveries(w.fixture.clock.now(), 30s, 10).value().empty());
  w.fixture.clock.advance(30s);
  auto again = w.store.claim_webhook_deliveries(w.fixture.clock.now(), 30s, 10);
  REQUIRE(again);
  REQUIRE(again.value().size() == 1);
  CHECK(again.value()[0].attempts == 2);

  REQUIRE(w.store.record_webhook_attempt(landed.id, {true, std::nullopt, ""}, w.fixture.clock.now()));
  const auto done = w.store.list_webhook_deliveries(w.org, created.created.id).value();
  REQUIRE(done.size() == 1);
  CHECK(done[0].delivered_at == w.fixture.clock.now());
  CHECK_FALSE(done[0].next_attempt_at);
  w.fixture.clock.advance(1h);
  CHECK(w.store.claim_webhook_deliveries(w.fixture.clock.now(), 30s, 10).value().empty());
  CHECK(w.store.gauges().value().pending_webhooks == 0);
  // The other attempt's late report changes nothing.
  REQUIRE(w.store.record_webhook_attempt(landed.id, {false, std::nullopt, "HTTP 500"}, w.fixture.clock.now()));
  const auto still = w.store.list_webhook_deliveries(w.org, created.created.id).value();
  CHECK(still[0].delivered_at == done[0].delivered_at);
  CHECK_FALSE(still[0].abandoned_at);
  CHECK(w.store
            .record_webhook_attempt(w.ids.template next<folio::event_id>(), {true, std::nullopt, ""},
                                    w.fixture.clock.now())
            .error() == folio::errc::not_found);
}

TEMPLATE_TEST_CASE("store retries a failed webhook delivery when told, and gives it up when told",
                   "[store][conformance][webhook]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  std::vector<folio::task_id> tasks;
  for (const auto* prompt : {"first", "second", "third"}) {
    auto asked = w.request(prompt);
    asked.webhook_url = "http://127.0.0.1:9/hooks";
    tasks.push_back(w.submit(asked).value().created.id);
    const auto claimed = w.claim();
    REQUIRE(claimed);
    w.commit(*claimed, folio_conformance::hash_a);
  }
  // At most `max` at once, the longest due first.
  auto taken = w.store.claim_webhook_deliveries(w.fixture.clock.now(), 30s, 2);
  REQUIRE(taken);
  REQUIRE(taken.value().size() == 2);
  CHECK(taken.value()[0].task == tasks[0]);
  CHECK(taken.value()[1].task == tasks[1]);

  const auto now = w.fixture.clock.now();
  REQUIRE(w.store.record_webhook_attempt(taken.value()[0].id, {false, now + 5s, "HTTP 500"}, now));
  REQUIRE(w.store.record_webhook_attempt(taken.value()[1].id, {false, std::nullopt, "connection refused"}, now));
  const auto third = w.store.claim_webhook_deliveries(now, 30s, 10).value();
  REQUIRE(third.size() == 1);
  CHECK(third[0].task == tasks[2]);
  REQUIRE(w.store.record_webhook_attempt(third[0].id, {true, std::nullopt, ""}, now));

  w.fixture.clock.advance(4s);
  CHECK(w.store.claim_webhook_deliveries(w.fixture.clock.now(), 30s, 10).value().empty());
  w.fixture.clock.advance(1s);
  const auto retried = w.store.claim_webhook_deliveries(w.fixture.clock.now(), 30s, 10).value();
  REQUIRE(retried.size() == 1);
  CHECK(retried[0].task == tasks[0]);
  CHECK(retried[0].attempts == 2);
  CHECK(retried[0].last_error == "HTTP 500");

  const auto given_up = w.store.list_webhook_deliveries(w.org, tasks[1]).value();
  REQUIRE(given_up.size() == 1);
  CHECK(given_up[0].abandoned_at == now);
  CHECK(given_up[0].last_error == "connection refused");
  CHECK_FALSE(given_up[0].next_attempt_at);
  CHECK(w.store.gauges().value().pending_webhooks == 1);
}

TEMPLATE_TEST_CASE("store counts queued and running tasks for a metrics scrape", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  CHECK(w.store.gauges().value().queued_tasks == 0);
  const auto first = w.create("first");
  w.resume(first.run_after.id, "second");
  w.create("other run");
  const auto claimed = w.claim();
  REQUIRE(claimed);
  auto counted = w.store.gauges();
  REQUIRE(counted);
  CHECK(counted.value().queued_tasks == 2);
  CHECK(counted.value().running_tasks == 1);
  w.commit(*claimed, folio_conformance::hash_a);
  counted = w.store.gauges();
  CHECK(counted.value().queued_tasks == 2);
  CHECK(counted.value().running_tasks == 0);
}

TEMPLATE_TEST_CASE("store loads a run by id alone, for a capability link", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("Create a Q3 sales report");
  auto loaded = w.store.load_run(created.run_after.id, w.fixture.clock.now());
  REQUIRE(loaded);
  CHECK(loaded.value().org == w.org);
  CHECK(loaded.value().first_prompt == "Create a Q3 sales report");
  CHECK(loaded.value().status == folio::run_status::queued);
  CHECK(w.store.load_run(w.ids.template next<folio::run_id>(), w.fixture.clock.now()).error() ==
        folio::errc::not_found);
}

TEMPLATE_TEST_CASE("store reads a run's summary: the run without its agent state, scoped to its organization",
                   "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  auto made = w.request("Create a Q3 sales report");
  made.metadata = {{"customer", "42"}};
  const auto outcome = w.submit(made);
  REQUIRE(outcome);
  const auto run = outcome.value().run_after.id;
  const auto claimed = w.claim();
  REQUIRE(claimed);
  w.commit(*claimed, folio_conformance::hash_a, 84);

  const auto full = w.get_run(run);
  REQUIRE(full.state.memory.at("turn") == 1);
  auto summary = w.store.get_run_summary(w.org, run, w.fixture.clock.now());
  REQUIRE(summary);
  CHECK(summary.value().state == folio::agent_state{});
  // Everything else is the run as get_run reads it.
  const auto& shown = summary.value();
  CHECK(shown.id == full.id);
  CHECK(shown.org == full.org);
  CHECK(shown.format == full.format);
  CHECK(shown.file_name == full.file_name);
  CHECK(shown.first_prompt == full.first_prompt);
  CHECK(shown.created_at == full.created_at);
  CHECK(shown.updated_at == full.updated_at);
  CHECK(shown.expires_at == full.expires_at);
  CHECK(shown.turns == full.turns);
  CHECK(shown.versions == full.versions);
  CHECK(shown.credits_used == 84);
  CHECK(shown.duration_ms == full.duration_ms);
  CHECK(shown.status == folio::run_status::completed);
  CHECK(shown.document_hash == folio_conformance::hash_a);
  CHECK(shown.metadata.at("customer") == "42");

  const auto other_org = w.add_org("globex");
  CHECK(w.store.get_run_summary(other_org, run, w.fixture.clock.now()).error() == folio::errc::not_found);
  CHECK(w.store.get_run_summary(w.org, w.ids.template next<folio::run_id>(), w.fixture.clock.now()).error() ==
        folio::errc::not_found);
}

TEMPLATE_TEST_CASE("store reads a task with its run and the version it wrote, scoped to its organization",
                   "[store][conformance]", FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto created = w.create("Create a Q3 sales report");
  const auto run = created.run_after.id;
  const auto queued = w.store.get_task_with_document(w.org, created.created.id, w.fixture.clock.now());
  REQUIRE(queued);
  CHECK(queued.value().subject.status == folio::task_status::queued);
  CHECK(queued.value().owner.id == run);
  CHECK_FALSE(queued.value().document_hash);

  w.commit(*w.claim(), folio_conformance::hash_a, 84);
  REQUIRE(w.store.upload_document(w.org, run, folio_conformance::hash_b, w.fixture.clock.now()));
  const auto second = w.resume(run, "Now add a forecast tab");
  w.commit(*w.claim(), std::string(64, 'c'));

  const auto first = w.store.get_task_with_document(w.org, created.created.id, w.fixture.clock.now());
  REQUIRE(first);
  CHECK(first.value().subject.status == folio::task_status::completed);
  CHECK(first.value().subject.credits_used == 84);
  // Each task's own version, not the run's latest nor the uploaded one.
  CHECK(first.value().document_hash == folio_conformance::hash_a);
  CHECK(first.value().owner.file_name == w.get_run(run).file_name);
  CHECK(first.value().owner.versions == 3);
  CHECK(first.value().owner.state == folio::agent_state{});
  CHECK(w.store.get_task_with_document(w.org, second.created.id, w.fixture.clock.now()).value().document_hash ==
        std::string(64, 'c'));

  const auto other_org = w.add_org("globex");
  CHECK(w.store.get_task_with_document(other_org, created.created.id, w.fixture.clock.now()).error() ==
        folio::errc::not_found);
  CHECK(w.store.get_task_with_document(w.org, w.ids.template next<folio::task_id>(), w.fixture.clock.now()).error() ==
        folio::errc::not_found);
  // A deleted run's tasks stay readable; their version is gone with the bytes, and the run shows expired.
  REQUIRE(w.store.delete_run(w.org, run, w.fixture.clock.now()));
  const auto deleted = w.store.get_task_with_document(w.org, created.created.id, w.fixture.clock.now());
  REQUIRE(deleted);
  CHECK_FALSE(deleted.value().document_hash);
  CHECK(deleted.value().owner.status == folio::run_status::expired);
}

TEMPLATE_TEST_CASE("store finds an API key with its organization until the key is revoked", "[store][conformance]",
                   FOLIO_STORE_FIXTURES) {
  folio_conformance::world<TestType> w;
  const auto key = w.add_key("sk_secret");
  REQUIRE(w.store.set_retention(w.org, {std::chrono::hours{48}, std::chrono::hours{1}}));
  auto found = w.store.find_api_key_holder(folio::hash_api_key_secret("sk_secret"));
  REQUIRE(found);
  CHECK(found.value().key.id == key.id);
  CHECK(found.value().owner.id == w.org);
  CHECK(found.value().owner.name == "acme");
  CHECK(found.value().owner.retention.retention == std::chrono::hours{48});
  CHECK(w.store.find_api_key_holder(folio::hash_api_key_secret("sk_other")).error() == folio::errc::not_found);
  REQUIRE(w.store.revoke_api_key(key.id, w.fixture.clock.now()));
  CHECK(w.store.find_api_key_holder(folio::hash_api_key_secret("sk_secret")).error() == folio::errc::not_found);
}
