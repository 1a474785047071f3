// A process the crash test kills with SIGKILL at random moments: it drives the engine on the SQLite store and the
// file blob store in DIR. "submit RUNS TURNS" first submits RUNS runs of TURNS turns each (printing "accepted ID"
// once each submission is committed), then works; "work" only works. Either exits 0 once every task has ended.
#include "../engine/test_agent.hpp"

#include <folio/data_directory.hpp>
#include <folio/engine.hpp>

#include <iostream>
#include <string>
#include <thread>

namespace {

bool all_ended(folio::store& store, const folio::org_id& org, const folio::clock& clock) {
  folio::page_request<folio::run_id> request;
  request.limit = 100;
  while (true) {
    auto listed = store.list_runs(org, {}, request, clock.now());
    if (!listed) {
      return false;
    }
    for (const auto& held : listed.value().items) {
      if (held.queued_tasks + held.running_tasks > 0) {
        return false;
      }
    }
    if (!listed.value().next_cursor) {
      return true;
    }
    request.before = folio::run_id::parse(*listed.value().next_cursor).value();
  }
}

int fail_with(const std::string& message) {
  std::cerr << "crash_driver: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    return fail_with("usage: crash_driver DIR (submit RUNS TURNS | work)");
  }
  const std::filesystem::path directory = argv[1];
  const std::string mode = argv[2];
  folio::system_clock clock;
  auto opened = folio::open_data_directory(directory, clock);
  if (!opened) {
    return fail_with(opened.error().message);
  }
  auto& store = *opened.value().metadata;
  auto& blobs = *opened.value().blobs;
  folio::id_generator ids(clock);
  auto org = store.find_organization("crash");
  if (!org) {
    folio::organization created{ids.next<folio::org_id>(), "crash", {}, "whsec", clock.now()};
    if (!store.create_organization(created)) {
      return fail_with("cannot create the organization");
    }
    org = created;
  }

  auto agent = std::make_shared<folio_test::scripted_test_agent>();
  folio::engine_config config;
  config.workers = 2;
  config.lease = std::chrono::seconds{30};
  config.heartbeat_interval = std::chrono::milliseconds{200};
  config.poll_interval = std::chrono::milliseconds{10};
  config.worker_name = "crash-driver";
  config.default_agent = "test";
  folio::engine engine(
      store, blobs, clock, [agent](std::string_view) { return folio::result<std::shared_ptr<folio::agent>>(agent); },
      std::make_shared<folio_test::line_editor_factory>(), config);
  if (auto started = engine.start(); !started) {
    return fail_with(started.error().message);
  }

  if (mode == "submit" && argc == 5) {
    const int runs = std::stoi(argv[3]);
    const int turns = std::stoi(argv[4]);
    std::vector<folio::run_id> run_ids;
    for (int turn = 1; turn <= turns; ++turn) {
      for (int index = 0; index < runs; ++index) {
        folio::submission made;
        made.org = org.value().id;
        made.prompt = "slow 3 r" + std::to_string(index) + " t" + std::to_string(turn);
        made.fingerprint = made.prompt;
        if (turn > 1) {
          made.resume = run_ids[static_cast<std::size_t>(index)];
        }
        auto outcome = engine.submit(made);
        if (!outcome) {
          return fail_with("submission refused: " + outcome.error().message);
        }
        if (turn == 1) {
          run_ids.push_back(outcome.value().run_after.id);
        }
        std::cout << "accepted " << outcome.value().created.id.str() << std::endl;
        // Clients submit while earlier turns run, so a kill can land between a submission and its answer.
        std::this_thread::sleep_for(std::chrono::milliseconds{2});
      }
    }
  } else if (mode != "work") {
    return fail_with("unknown mode " + mode);
  }

  while (!all_ended(store, org.value().id, clock)) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  engine.stop(std::chrono::seconds{5});
  return 0;
}
