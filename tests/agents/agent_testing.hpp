// What the agent tests share: the real engine on a real SQLite data directory, the agents and the LibreOffice
// editors loaded as the server loads them, and a way to play turns and read back the run's document.
#pragma once

#include "libreoffice/editor_testing.hpp"
#include "temp_directory.hpp"

#include <folio/data_directory.hpp>
#include <folio/engine.hpp>
#include <folio/plugin_loader.hpp>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace folio_testing {

inline folio::loaded_plugin load_plugin_or_fail(const char* path) {
  auto loaded = folio::load_plugin(path);
  INFO(path << ": " << (loaded ? std::string() : loaded.error().message));
  REQUIRE(loaded);
  return std::move(loaded).value();
}

class agent_bench {
public:
  explicit agent_bench(const char* agent_plugin, nlohmann::json agent_config = nlohmann::json::object())
      : agent_plugin_(load_plugin_or_fail(agent_plugin)),
        office_plugin_(load_plugin_or_fail(FOLIO_LIBREOFFICE_PLUGIN)) {
    auto opened = folio::open_data_directory(directory_.path(), clock_);
    REQUIRE(opened);
    data_ = std::move(opened).value();
    auto made_agent = agent_plugin_.make_agent(agent_config);
    INFO((made_agent ? std::string() : made_agent.error().message));
    REQUIRE(made_agent);
    agent_ = std::shared_ptr<folio::agent>(std::move(made_agent).value());
    auto made_editors = office_plugin_.make_editor_factory({{"processes", 1}});
    REQUIRE(made_editors);
    editors_ = std::shared_ptr<folio::editor_factory>(std::move(made_editors).value());
    folio::id_generator ids(clock_);
    org_ = ids.next<folio::org_id>();
    REQUIRE(data_.metadata->create_organization({org_, "agents", {}, "whsec_test", clock_.now()}));
    folio::engine_config config;
    config.workers = 1;
    config.poll_interval = std::chrono::milliseconds{20};
    engine_ = std::make_unique<folio::engine>(
        *data_.metadata, *data_.blobs, clock_,
        [agent = agent_](std::string_view) { return folio::result<std::shared_ptr<folio::agent>>(agent); }, editors_,
        config);
    REQUIRE(engine_->start());
  }

  agent_bench(const agent_bench&) = delete;
  agent_bench& operator=(const agent_bench&) = delete;
  ~agent_bench() { engine_.reset(); }

  folio::submit_outcome submit(folio::document_format format, const std::string& prompt,
                               const std::optional<folio::run_id>& resume = std::nullopt) {
    folio::submission made;
    made.org = org_;
    made.format = format;
    made.prompt = prompt;
    made.fingerprint = prompt;
    made.resume = resume;
    auto outcome = engine_->submit(made);
    INFO(prompt << ": " << (outcome ? std::string() : outcome.error().message));
    REQUIRE(outcome);
    return std::move(outcome).value();
  }

  // Plays one turn to its end and returns the finished task, whatever its status.
  folio::task play(folio::document_format format, const std::string& prompt,
                   const std::optional<folio::run_id>& resume = std::nullopt) {
    const auto submitted = submit(format, prompt, resume);
    auto finished = engine_->wait(org_, submitted.created.id, std::chrono::minutes{3});
    REQUIRE(finished);
    return std::move(finished).value();
  }

  // Plays a turn that must complete and returns its run.
  folio::run complete(folio::document_format format, const std::string& prompt,
                      const std::optional<folio::run_id>& resume = std::nullopt) {
    const auto finished = play(format, prompt, resume);
    INFO(prompt << ": " << (finished.failure ? finished.failure->message : std::string()));
    REQUIRE(finished.status == folio::task_status::completed);
    return run(finished.run);
  }

  folio::run run(const folio::run_id& id) {
    auto found = data_.metadata->get_run(org_, id, clock_.now());
    REQUIRE(found);
    return std::move(found).value();
  }

  std::string document(const folio::run_id& id) {
    const auto current = run(id);
    REQUIRE_FALSE(current.document_hash.empty());
    auto bytes = data_.blobs->get(current.document_hash);
    REQUIRE(bytes);
    return std::move(bytes).value();
  }

  folio::engine& engine() { return *engine_; }
  folio::editor_factory& editors() { return *editors_; }
  folio::agent& agent() { return *agent_; }
  [[nodiscard]] const folio::org_id& org() const { return org_; }

private:
  folio_test::temp_directory directory_;
  folio::system_clock clock_;
  folio::loaded_plugin agent_plugin_;
  folio::loaded_plugin office_plugin_;
  folio::data_directory data_;
  std::shared_ptr<folio::agent> agent_;
  std::shared_ptr<folio::editor_factory> editors_;
  folio::org_id org_;
  std::unique_ptr<folio::engine> engine_;
};

} // namespace folio_testing
