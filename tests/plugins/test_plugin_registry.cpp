#include "plugin_test_host.hpp"

#include <folio/plugin_registry.hpp>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

using Catch::Matchers::Contains;

namespace {

class summary_agent final : public folio::agent {
public:
  explicit summary_agent(std::string summary) : summary_(std::move(summary)) {}
  folio::result<folio::turn_output> run_turn(const folio::turn_input&, folio::turn_services&) override {
    folio::turn_output output;
    output.summary = summary_;
    return output;
  }

private:
  std::string summary_;
};

folio::plugin_factory<folio::agent> summary_factory(std::string summary) {
  return [summary = std::move(summary)](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::agent>> {
    return std::make_unique<summary_agent>(summary);
  };
}

std::string summary_of(folio::agent& agent) {
  folio_test::recording_editor document;
  folio_test::test_services services(document);
  return agent.run_turn(folio_test::prompt("hello"), services).value().summary;
}

// A directory under the system's temporary directory, removed with everything in it at the end of the test.
class scratch_directory {
public:
  scratch_directory()
      : path_(std::filesystem::temp_directory_path() /
              ("folio_plugin_tests_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()))) {
    std::filesystem::create_directories(path_);
  }
  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;
  ~scratch_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  std::filesystem::path add(const std::filesystem::path& source, const std::string& name) const {
    auto target = path_ / name;
    std::filesystem::copy_file(source, target);
    return target;
  }
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace

TEST_CASE("makes objects from injected plugin factories without a shared library", "[plugin]") {
  folio::plugin_registry registry;
  REQUIRE(registry.add_agent("scripted", summary_factory("scripted ran")));
  auto made = registry.make_agent("scripted");
  REQUIRE(made);
  CHECK(summary_of(*made.value()) == "scripted ran");
  CHECK(registry.agent_names() == std::vector<std::string>{"scripted"});
  CHECK(registry.converter_names().empty());
  CHECK(registry.plugins().empty());
}

TEST_CASE("refuses a second injected plugin factory of the same kind and name", "[plugin]") {
  folio::plugin_registry registry;
  REQUIRE(registry.add_agent("scripted", summary_factory("first")));
  const auto second = registry.add_agent("scripted", summary_factory("second"));
  REQUIRE_FALSE(second);
  CHECK(second.error().code == folio::errc::plugin_duplicate_name);
  CHECK(second.error().message == "cannot register the agent 'scripted': that name is already registered by the host");
  CHECK(summary_of(*registry.make_agent("scripted").value()) == "first");

  SECTION("names are per kind") {
    CHECK(registry.add_converter("scripted",
                                 [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::converter>> {
                                   return folio::fail(folio::errc::unsupported_conversion, "converts nothing");
                                 }));
  }
}

TEST_CASE("refuses an injected plugin factory without a name or a function", "[plugin]") {
  folio::plugin_registry registry;
  CHECK(registry.add_agent("", summary_factory("x")).error().code == folio::errc::invalid_argument);
  CHECK(registry.add_agent("nothing", {}).error().code == folio::errc::invalid_argument);
}

TEST_CASE("lists the known names when a plugin name is not found", "[plugin]") {
  folio::plugin_registry registry;
  const auto none = registry.make_agent("openai");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == folio::errc::plugin_not_found);
  CHECK(none.error().message == "no agent named 'openai'; none is registered");

  REQUIRE(registry.add_agent("scripted", summary_factory("s")));
  REQUIRE(registry.load(folio_test::good_plugin));
  const auto unknown = registry.make_agent("openai");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == folio::errc::plugin_not_found);
  CHECK(unknown.error().param == "name");
  CHECK(unknown.error().message == "no agent named 'openai'; known: good, scripted");
  CHECK(registry.make_editor_factory("libreoffice").error().message ==
        "no editor factory named 'libreoffice'; known: good");
}

TEST_CASE("registers every kind a loaded plugin offers under its name", "[plugin]") {
  folio::plugin_registry registry;
  const auto name = registry.load(folio_test::good_plugin);
  REQUIRE(name);
  CHECK(name.value() == "good");
  CHECK(registry.agent_names() == std::vector<std::string>{"good"});
  CHECK(registry.converter_names() == std::vector<std::string>{"good"});
  CHECK(registry.editor_factory_names() == std::vector<std::string>{"good"});
  const auto plugins = registry.plugins();
  REQUIRE(plugins.size() == 1);
  CHECK(plugins[0].name == "good");
  CHECK(plugins[0].version == "1.2.3");
  CHECK(plugins[0].file == folio_test::good_plugin);

  auto converter = registry.make_converter("good");
  REQUIRE(converter);
  CHECK(converter.value()->convert({"abc", {"txt", "txt"}}).value().bytes == "ABC");
}

TEST_CASE("refuses a plugin whose name is taken, with a message naming both files", "[plugin]") {
  folio::plugin_registry registry;
  REQUIRE(registry.load(folio_test::good_plugin));
  const auto duplicate = registry.load(folio_test::duplicate_plugin);
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().code == folio::errc::plugin_duplicate_name);
  CHECK(duplicate.error().message == "cannot register plugin 'good' from '" + folio_test::duplicate_plugin.string() +
                                         "': a plugin of that name is already loaded from '" +
                                         folio_test::good_plugin.string() + "'");
  // The first registration is untouched, and the refused library is not kept loaded.
  CHECK(summary_of(*registry.make_agent("good", {{"cell", "D4"}}).value()) == "wrote 'hello' to D4");
  CHECK(registry.plugins().size() == 1);
  CHECK_FALSE(folio_test::library_is_mapped(folio_test::duplicate_plugin));

  SECTION("also when the name was injected by the host") {
    folio::plugin_registry injected;
    REQUIRE(injected.add_agent("good", summary_factory("host's own")));
    const auto refused = injected.load(folio_test::good_plugin);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == folio::errc::plugin_duplicate_name);
    CHECK(refused.error().message == "cannot register plugin 'good' from '" + folio_test::good_plugin.string() +
                                         "': the agent name 'good' is already registered by the host");
    CHECK(injected.converter_names().empty());
  }
}

TEST_CASE("lets plugin objects outlive the registry that made them", "[plugin]") {
  std::unique_ptr<folio::agent> agent;
  std::unique_ptr<folio::editor_factory> factory;
  {
    folio::plugin_registry registry;
    REQUIRE(registry.load(folio_test::good_plugin));
    agent = std::move(registry.make_agent("good", {{"cell", "E5"}})).value();
    factory = std::move(registry.make_editor_factory("good")).value();
  }
  REQUIRE(folio_test::library_is_mapped(folio_test::good_plugin));
  auto document = std::move(factory->open(folio::document_format::excel, {})).value();
  factory.reset();
  folio_test::test_services services(*document);
  REQUIRE(agent->run_turn(folio_test::prompt("survived"), services));
  CHECK(document->save().value() == R"({"E5":"survived"})");
  agent.reset();
  document.reset();
  CHECK_FALSE(folio_test::library_is_mapped(folio_test::good_plugin));
}

TEST_CASE("turns exceptions from plugins and injected factories into plugin_error values", "[plugin]") {
  folio::plugin_registry registry;
  REQUIRE(registry.load(folio_test::throwing_factory_plugin));
  const auto from_plugin = registry.make_agent("throwing_factory");
  REQUIRE_FALSE(from_plugin);
  CHECK(from_plugin.error().code == folio::errc::plugin_error);
  CHECK_THAT(from_plugin.error().message,
             Contains("plugin 'throwing_factory' threw from make_agent: bad agent config"));

  REQUIRE(registry.add_agent("careless", [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::agent>> {
    throw std::runtime_error("no memory for an agent");
  }));
  const auto injected = registry.make_agent("careless");
  REQUIRE_FALSE(injected);
  CHECK(injected.error().code == folio::errc::plugin_error);
  CHECK_THAT(injected.error().message, Contains("no memory for an agent"));

  REQUIRE(registry.add_agent("empty", [](const nlohmann::json&) -> folio::result<std::unique_ptr<folio::agent>> {
    return std::unique_ptr<folio::agent>{};
  }));
  CHECK(registry.make_agent("empty").error().code == folio::errc::plugin_error);
}

TEST_CASE("loads every plugin file of a directory and collects the failures", "[plugin]") {
  const scratch_directory directory;
  // File names fix the order: the good plugin loads before the impostor that takes its name.
  const auto good = directory.add(folio_test::good_plugin, "libfolio_plugin_a_good.so");
  const auto impostor = directory.add(folio_test::duplicate_plugin, "libfolio_plugin_b_impostor.so");
  const auto future = directory.add(folio_test::other_abi_plugin, "folio_plugin_c_future.so");
  const auto stranger = directory.add(folio_test::not_a_plugin, "libfolio_plugin_d_stranger.so");
  directory.add(folio_test::throwing_plugin, "folio_plugin_e_throwing.so");
  // Not plugin file names: a loader that tried them would report a duplicate or a load failure.
  directory.add(folio_test::good_plugin, "libgood.so");
  directory.add(folio_test::not_a_plugin, "libfolio_plugin_f_versioned.so.1");
  std::filesystem::create_directory(directory.path() / "libfolio_plugin_g_directory.so");

  folio::plugin_registry registry;
  const auto report = registry.load_directory(directory.path());
  REQUIRE(report);
  CHECK(report.value().loaded == std::vector<std::string>{"throwing", "good"});
  std::map<std::filesystem::path, folio::error> failures;
  for (const auto& failure : report.value().failures) {
    failures.emplace(failure.file, failure.failure);
  }
  REQUIRE(failures.size() == 3);
  CHECK(failures.at(impostor).code == folio::errc::plugin_duplicate_name);
  CHECK_THAT(failures.at(impostor).message, Contains(good.string()));
  CHECK(failures.at(future).code == folio::errc::plugin_abi_mismatch);
  CHECK_THAT(failures.at(future).message, Contains(future.string()));
  CHECK(failures.at(stranger).code == folio::errc::plugin_load_failed);
  CHECK_THAT(failures.at(stranger).message, Contains(stranger.string()));

  CHECK(registry.agent_names() == std::vector<std::string>{"good", "throwing"});
  CHECK(summary_of(*registry.make_agent("good").value()) == "wrote 'hello' to A1");
}

TEST_CASE("fails to load a plugin directory that cannot be read", "[plugin]") {
  folio::plugin_registry registry;
  const auto report = registry.load_directory("/nonexistent/folio/plugins");
  REQUIRE_FALSE(report);
  CHECK(report.error().code == folio::errc::plugin_load_failed);
  CHECK(report.error().param == "directory");
  CHECK_THAT(report.error().message, Contains("'/nonexistent/folio/plugins'"));
}

TEST_CASE("serves plugin lookups from many threads at once", "[plugin]") {
  folio::plugin_registry registry;
  REQUIRE(registry.load(folio_test::good_plugin));
  REQUIRE(registry.add_agent("scripted", summary_factory("scripted ran")));

  constexpr int reader_count = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  readers.reserve(reader_count);
  for (int reader = 0; reader < reader_count; ++reader) {
    readers.emplace_back([&registry, &failures, reader] {
      for (int round = 0; round < 50; ++round) {
        const auto cell = "R" + std::to_string(reader) + "C" + std::to_string(round);
        auto agent = registry.make_agent("good", {{"cell", cell}});
        auto converter = registry.make_converter("good");
        auto scripted = registry.make_agent("scripted");
        if (!agent || !converter || !scripted || registry.agent_names().size() != 2) {
          ++failures;
          continue;
        }
        folio_test::recording_editor document;
        folio_test::test_services services(document);
        const auto turn = agent.value()->run_turn(folio_test::prompt("x"), services);
        const auto converted = converter.value()->convert({"abc", {"txt", "txt"}});
        if (!turn || turn.value().summary != "wrote 'x' to " + cell || !converted || converted.value().bytes != "ABC" ||
            summary_of(*scripted.value()) != "scripted ran") {
          ++failures;
        }
      }
    });
  }
  for (auto& reader : readers) {
    reader.join();
  }
  CHECK(failures == 0);
}
