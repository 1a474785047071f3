// The engine on the in-memory store with a test agent: order, cancellation, crashes, shutdown, events, retention.
#include "test_agent.hpp"

#include <folio/engine.hpp>
#include <folio/memory_store.hpp>

#include <catch2/catch.hpp>
#include <map>
#include <numeric>
#include <set>

using namespace std::chrono_literals;

namespace {

folio::engine_config fast_config(std::size_t workers = 2, std::string name = "local") {
  folio::engine_config config;
  config.workers = workers;
  config.lease = 2s;
  config.heartbeat_interval = 50ms;
  config.poll_interval = 20ms;
  config.sweep_interval = 1h;
  config.worker_name = std::move(name);
  return config;
}

// Everything an engine needs, on one store that outlives any single engine (as a database outlives a process).
struct bench {
  const folio::clock& clock;
  folio::memory_store store;
  folio::memory_blob_store blobs;
  std::shared_ptr<folio_test::scripted_test_agent> agent = std::make_shared<folio_test::scripted_test_agent>();
  std::shared_ptr<folio_test::line_editor_factory> editors = std::make_shared<folio_test::line_editor_factory>();
  folio::id_generator ids{clock, 7};
  folio::org_id org = ids.next<folio::org_id>();

  explicit bench(const folio::clock& time_source, folio::store_limits limits = {})
      : clock(time_source), store(time_source, limits) {
    REQUIRE(store.create_organization({org, "acme", {}, "whsec", clock.now()}));
  }

  folio::agent_source make_agents() {
    return [held = agent](std::string_view name) -> folio::result<std::shared_ptr<folio::agent>> {
      if (name != "test") {
        return folio::fail(folio::errc::plugin_not_found, "no agent " + std::string(name));
      }
      return std::shared_ptr<folio::agent>(held);
    };
  }

  std::unique_ptr<folio::engine> make_engine(folio::engine_config config = fast_config()) {
    config.default_agent = "test";
    return std::make_unique<folio::engine>(store, blobs, clock, make_agents(), editors, config);
  }

  folio::submission request(std::string prompt, std::optional<folio::run_id> resume = std::nullopt) const {
    folio::submission made;
    made.org = org;
    made.prompt = std::move(prompt);
    made.resume = std::move(resume);
    made.fingerprint = made.prompt;
    return made;
  }

  std::string document(const folio::run_id& id) {
    const auto held = store.get_run(org, id, clock.now()).value();
    return held.document_hash.empty() ? std::string() : blobs.get(held.document_hash).value();
  }
};

folio::submit_outcome submit_ok(folio::engine& engine, const folio::submission& made) {
  auto outcome = engine.submit(made);
  REQUIRE(outcome);
  return outcome.value();
}

folio::task wait_ok(folio::engine& engine, const folio::org_id& org, const folio::task_id& id,
                    folio::duration timeout = 10s) {
  auto ended = engine.wait(org, id, timeout);
  REQUIRE(ended);
  return ended.value();
}

} // namespace

TEST_CASE("engine runs a submitted task and lands its document", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto created = submit_ok(*engine, b.request("append Q3 revenue"));
  const auto ended = wait_ok(*engine, b.org, created.created.id);
  CHECK(ended.status == folio::task_status::completed);
  CHECK(ended.progress == 100);
  CHECK(ended.credits_used == 11);
  CHECK(b.document(created.run_after.id) == "Q3 revenue\n");
  const auto held = b.store.get_run(b.org, created.run_after.id, clock.now()).value();
  CHECK(held.status == folio::run_status::completed);
  CHECK(held.state.memory.at("lines") == 1);
}

TEST_CASE("engine resumes a run from its saved state and last document", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto first = submit_ok(*engine, b.request("append Q3 sales"));
  wait_ok(*engine, b.org, first.created.id);
  const auto second = submit_ok(*engine, b.request("append FY26 forecast", first.run_after.id));
  const auto ended = wait_ok(*engine, b.org, second.created.id);
  CHECK(ended.status == folio::task_status::completed);
  CHECK(ended.turn_index == 2);
  CHECK(b.document(first.run_after.id) == "Q3 sales\nFY26 forecast\n");
  const auto held = b.store.get_run(b.org, first.run_after.id, clock.now()).value();
  CHECK(held.state.memory.at("lines") == 2);
  CHECK(held.state.conversation.size() == 2);
  CHECK(held.credits_used == 11 + 12);
}

TEST_CASE("engine fails a task whose agent fails and keeps the document", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto first = submit_ok(*engine, b.request("append kept"));
  wait_ok(*engine, b.org, first.created.id);
  const auto failing = submit_ok(*engine, b.request("fail please", first.run_after.id));
  const auto ended = wait_ok(*engine, b.org, failing.created.id);
  CHECK(ended.status == folio::task_status::failed);
  REQUIRE(ended.failure);
  CHECK(ended.failure->code == folio::errc::prompt_not_understood);
  CHECK(b.document(first.run_after.id) == "kept\n");

  auto unknown_agent = b.request("append x");
  unknown_agent.agent = "nobody";
  const auto orphan = submit_ok(*engine, unknown_agent);
  const auto orphan_end = wait_ok(*engine, b.org, orphan.created.id);
  CHECK(orphan_end.status == folio::task_status::failed);
  CHECK(orphan_end.failure->code == folio::errc::plugin_not_found);
}

TEST_CASE("engine cancels a queued task before it ever runs", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto blocking = submit_ok(*engine, b.request("wait for cancel"));
  const auto queued = submit_ok(*engine, b.request("append never", blocking.run_after.id));
  const auto cancelled = engine->cancel(b.org, queued.created.id);
  REQUIRE(cancelled);
  CHECK(cancelled.value().status == folio::task_status::cancelled);
  REQUIRE(engine->cancel(b.org, blocking.created.id));
  CHECK(wait_ok(*engine, b.org, blocking.created.id).status == folio::task_status::cancelled);
  for (const auto& turn : b.agent->played()) {
    CHECK(turn.task != queued.created.id.str());
  }
  CHECK(b.document(blocking.run_after.id).empty());
  CHECK(engine->cancel(b.org, queued.created.id).value().status == folio::task_status::cancelled);
}

TEST_CASE("engine stops a running task at the agent's next check and leaves the document as it was", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto first = submit_ok(*engine, b.request("append before"));
  wait_ok(*engine, b.org, first.created.id);
  const auto running = submit_ok(*engine, b.request("wait for cancel", first.run_after.id));
  while (b.store.load_task(running.created.id).value().status != folio::task_status::running) {
    std::this_thread::sleep_for(2ms);
  }
  REQUIRE(engine->cancel(b.org, running.created.id));
  const auto ended = wait_ok(*engine, b.org, running.created.id);
  CHECK(ended.status == folio::task_status::cancelled);
  CHECK(ended.progress == 100);
  CHECK(b.document(first.run_after.id) == "before\n");
  CHECK(b.store.get_run(b.org, first.run_after.id, clock.now()).value().versions == 1);

  auto finished = engine->cancel(b.org, first.created.id);
  CHECK(finished.error() == folio::errc::task_finished);
}

TEST_CASE("engine streams each change once, in order, and resumes after a sequence", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  const auto created = submit_ok(*engine, b.request("slow 10 report"));
  std::mutex seen_mutex;
  std::vector<folio::task_change> seen;
  auto following = engine->follow(b.org, created.created.id, 0, [&](const folio::task_change& change) {
    const std::lock_guard lock(seen_mutex);
    seen.push_back(change);
  });
  REQUIRE(following);
  REQUIRE(engine->start());
  wait_ok(*engine, b.org, created.created.id);
  following.value().reset();

  const std::lock_guard lock(seen_mutex);
  REQUIRE(seen.size() >= 5);
  for (std::size_t index = 0; index < seen.size(); ++index) {
    CHECK(seen[index].sequence == index + 1);
    if (index > 0) {
      CHECK(seen[index].snapshot.progress >= seen[index - 1].snapshot.progress);
    }
  }
  CHECK(seen.front().snapshot.status == folio::task_status::queued);
  CHECK(seen.back().snapshot.status == folio::task_status::completed);
  CHECK(seen.back().snapshot.progress == 100);

  // A reconnect with Last-Event-ID 3 gets exactly what came after it.
  std::vector<std::uint64_t> replayed;
  auto again = engine->follow(b.org, created.created.id, 3,
                              [&](const folio::task_change& change) { replayed.push_back(change.sequence); });
  REQUIRE(again);
  REQUIRE(replayed.size() == seen.size() - 3);
  CHECK(replayed.front() == 4);
  CHECK(engine->follow(b.ids.next<folio::org_id>(), created.created.id, 0, [](const folio::task_change&) {}).error() ==
        folio::errc::not_found);
}

TEST_CASE("engine shows the agent's phase once it has lasted a moment, though the agent reports nothing", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto config = fast_config();
  config.phase_report_delay = 20ms;
  auto engine = b.make_engine(config);
  REQUIRE(engine->start());
  const auto created = submit_ok(*engine, b.request("quiet 80 report"));
  auto seen = b.store.load_task(created.created.id).value();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (seen.phase != folio::task_phase::agent_turn && !folio::is_terminal(seen.status) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
    seen = b.store.load_task(created.created.id).value();
  }
  CHECK(seen.status == folio::task_status::running);
  CHECK(seen.phase == folio::task_phase::agent_turn);
  CHECK(seen.progress == 10);
  CHECK(wait_ok(*engine, b.org, created.created.id).status == folio::task_status::completed);
}

TEST_CASE("engine records no phase of a turn too quick to be seen", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto config = fast_config();
  config.phase_report_delay = 1h;
  auto engine = b.make_engine(config);
  REQUIRE(engine->start());
  const auto created = submit_ok(*engine, b.request("append quick"));
  CHECK(wait_ok(*engine, b.org, created.created.id).status == folio::task_status::completed);
  const auto changes = b.store.list_task_events(b.org, created.created.id, 0).value();
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].snapshot.phase == folio::task_phase::queued);
  CHECK(changes[1].snapshot.phase == folio::task_phase::loading_state);
  CHECK(changes[2].snapshot.phase == folio::task_phase::done);
}

TEST_CASE("engine answers a sync wait with the running task when its limit passes", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto created = submit_ok(*engine, b.request("wait for cancel"));
  const auto waited = wait_ok(*engine, b.org, created.created.id, 100ms);
  CHECK_FALSE(folio::is_terminal(waited.status));
  REQUIRE(engine->cancel(b.org, created.created.id));
  CHECK(wait_ok(*engine, b.org, created.created.id).status == folio::task_status::cancelled);
}

TEST_CASE("engine takes back at start the tasks it held when it died", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  const auto created = b.store
                           .submit(b.request("append recovered"),
                                   {b.ids.next<folio::run_id>(), b.ids.next<folio::task_id>()}, clock.now())
                           .value();
  // A previous life of this engine claimed the task under a long lease, then was killed.
  REQUIRE(b.store.claim_next("local", clock.now(), 1h).value());
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto ended = wait_ok(*engine, b.org, created.created.id);
  CHECK(ended.status == folio::task_status::completed);
  CHECK(ended.attempts == 2);
  CHECK(ended.credits_used == 11);
  CHECK(b.document(created.run_after.id) == "recovered\n");
  CHECK(b.agent->played().size() == 1);
}

TEST_CASE("engine gives running turns back on shutdown and the next engine finishes them once", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  folio::task_id interrupted;
  folio::run_id run;
  {
    auto engine = b.make_engine();
    REQUIRE(engine->start());
    const auto created = submit_ok(*engine, b.request("slow 400 long report"));
    interrupted = created.created.id;
    run = created.run_after.id;
    while (b.store.load_task(interrupted).value().status != folio::task_status::running) {
      std::this_thread::sleep_for(2ms);
    }
    engine->stop(0ms);
    CHECK(engine->submit(b.request("append late")).error() == folio::errc::shutting_down);
  }
  const auto released = b.store.load_task(interrupted).value();
  CHECK(released.status == folio::task_status::queued);
  CHECK(b.document(run).empty());

  auto next_life = b.make_engine();
  REQUIRE(next_life->start());
  const auto ended = wait_ok(*next_life, b.org, interrupted, 30s);
  CHECK(ended.status == folio::task_status::completed);
  CHECK(ended.credits_used == 11);
  CHECK(b.store.get_run(b.org, run, clock.now()).value().credits_used == 11);
  CHECK(b.document(run) == "long report\n");
}

TEST_CASE("engine lets running turns finish within the shutdown grace", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto created = submit_ok(*engine, b.request("slow 20 graceful"));
  while (b.store.load_task(created.created.id).value().status != folio::task_status::running) {
    std::this_thread::sleep_for(2ms);
  }
  engine->stop(10s);
  CHECK(b.store.load_task(created.created.id).value().status == folio::task_status::completed);
}

TEST_CASE("engine tells the agent when the document was replaced outside it", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto first = submit_ok(*engine, b.request("append generated"));
  wait_ok(*engine, b.org, first.created.id);
  REQUIRE(engine->upload(b.org, first.run_after.id, "edited by hand\n"));
  const auto second = submit_ok(*engine, b.request("append more", first.run_after.id));
  wait_ok(*engine, b.org, second.created.id);
  const auto turns = b.agent->played();
  REQUIRE(turns.size() == 2);
  CHECK_FALSE(turns[0].saw_external_change);
  CHECK(turns[1].saw_external_change);
  CHECK(b.document(first.run_after.id) == "edited by hand\nmore\n");

  REQUIRE(engine->upload(b.org, first.run_after.id, "corrupt bytes"));
  const auto third = submit_ok(*engine, b.request("append x", first.run_after.id));
  const auto unreadable = wait_ok(*engine, b.org, third.created.id);
  CHECK(unreadable.status == folio::task_status::failed);
  CHECK(unreadable.failure->code == folio::errc::document_unreadable);
}

TEST_CASE("engine sweep expires runs, purges them and collects their blobs", "[engine]") {
  folio::manual_clock clock;
  bench b(clock);
  REQUIRE(b.store.set_retention(b.org, {std::chrono::seconds{2}, std::chrono::seconds{2}}));
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto kept = submit_ok(*engine, b.request("append shared"));
  wait_ok(*engine, b.org, kept.created.id);
  const auto hash = b.store.get_run(b.org, kept.run_after.id, clock.now()).value().document_hash;
  REQUIRE(b.blobs.contains(hash).value());

  clock.advance(2s);
  auto first = engine->sweep();
  REQUIRE(first);
  CHECK(first.value().runs_expired == 1);
  CHECK(first.value().blobs_removed == 0);
  CHECK(b.blobs.contains(hash).value());
  clock.advance(2s);
  auto second = engine->sweep();
  REQUIRE(second);
  CHECK(second.value().blobs_removed == 1);
  CHECK_FALSE(b.blobs.contains(hash).value());
  auto third = engine->sweep();
  REQUIRE(third);
  CHECK(third.value().runs_expired == 0);
  CHECK(third.value().blobs_removed == 0);
  CHECK(engine->submit(b.request("append more", kept.run_after.id)).error() == folio::errc::run_expired);
}

TEST_CASE("engine deletes a run's bytes at once", "[engine]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine();
  REQUIRE(engine->start());
  const auto created = submit_ok(*engine, b.request("append secret"));
  wait_ok(*engine, b.org, created.created.id);
  const auto hash = b.store.get_run(b.org, created.run_after.id, clock.now()).value().document_hash;
  REQUIRE(engine->delete_run(b.org, created.run_after.id));
  CHECK_FALSE(b.blobs.contains(hash).value());
  CHECK(b.store.get_run(b.org, created.run_after.id, clock.now()).value().status == folio::run_status::expired);
}

TEST_CASE("engine executes thousands of tasks over hundreds of runs exactly once in per-run order",
          "[engine][stress]") {
  folio::system_clock clock;
  bench b(clock);
  auto engine = b.make_engine(fast_config(4));
  REQUIRE(engine->start());
  constexpr int runs = 200;
  constexpr int turns_per_run = 10;
  std::vector<folio::run_id> run_ids;
  std::vector<folio::task_id> last_tasks;
  for (int index = 0; index < runs; ++index) {
    run_ids.push_back(submit_ok(*engine, b.request("append r" + std::to_string(index) + " t1")).run_after.id);
  }
  // Later turns arrive interleaved across runs, while earlier ones are already running.
  for (int turn = 2; turn <= turns_per_run; ++turn) {
    for (std::size_t index = 0; index < run_ids.size(); ++index) {
      const auto outcome = submit_ok(
          *engine, b.request("append r" + std::to_string(index) + " t" + std::to_string(turn), run_ids[index]));
      if (turn == turns_per_run) {
        last_tasks.push_back(outcome.created.id);
      }
    }
  }
  for (const auto& id : last_tasks) {
    CHECK(wait_ok(*engine, b.org, id, 120s).status == folio::task_status::completed);
  }

  std::map<std::string, std::vector<int>> order_by_run;
  std::set<std::string> tasks_played;
  for (const auto& turn : b.agent->played()) {
    order_by_run[turn.run].push_back(turn.turn_index);
    CHECK(tasks_played.insert(turn.task).second);
  }
  CHECK(tasks_played.size() == static_cast<std::size_t>(runs * turns_per_run));
  std::vector<int> expected(turns_per_run);
  std::iota(expected.begin(), expected.end(), 1);
  for (const auto& id : run_ids) {
    CHECK(order_by_run[id.str()] == expected);
    const auto held = b.store.get_run(b.org, id, clock.now()).value();
    CHECK(held.versions == static_cast<std::uint32_t>(turns_per_run));
    CHECK(held.state.memory.at("lines") == turns_per_run);
  }
  CHECK(b.agent->max_concurrent() > 1);
}

TEST_CASE("engine collects blobs nothing references once they are old enough", "[engine]") {
  folio::manual_clock clock;
  bench b(clock);
  folio::memory_blob_store blobs(clock);
  folio::engine engine(b.store, blobs, clock, b.make_agents(), b.editors, fast_config());
  const auto orphan = blobs.put("bytes of a turn that crashed before committing").value();
  const auto kept = blobs.put("bytes of a committed version").value();
  b.store.submit(b.request("x"), {b.ids.next<folio::run_id>(), b.ids.next<folio::task_id>()}, clock.now()).value();
  const auto claimed = b.store.claim_next("w", clock.now(), 30s).value();
  REQUIRE(claimed);
  REQUIRE(b.store.commit_turn({claimed->work.id, claimed->work.lease->token, kept, {}, 1}, clock.now()));

  CHECK(engine.collect_unreferenced_blobs(1h).value() == 0);
  clock.advance(2h);
  CHECK(engine.collect_unreferenced_blobs(1h).value() == 1);
  CHECK_FALSE(blobs.contains(orphan).value());
  CHECK(blobs.contains(kept).value());
}
