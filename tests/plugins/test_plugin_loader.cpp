#include "plugin_test_host.hpp"

#include <folio/plugin_loader.hpp>

#include <catch2/catch.hpp>
#include <string>

using Catch::Matchers::Contains;

TEST_CASE("loads a plugin and makes working objects from it", "[plugin]") {
  const auto plugin = folio::load_plugin(folio_test::good_plugin);
  REQUIRE(plugin);
  CHECK(plugin.value().name() == "good");
  CHECK(plugin.value().version() == "1.2.3");
  CHECK(plugin.value().file() == folio_test::good_plugin);
  CHECK(folio::offers(plugin.value().kinds(), folio::plugin_kind::agent | folio::plugin_kind::converter));

  SECTION("an agent edits only through the host's document tools, configured by the host") {
    auto made = plugin.value().make_agent({{"cell", "B2"}});
    REQUIRE(made);
    folio_test::recording_editor document;
    folio_test::test_services services(document);
    const auto turn = made.value()->run_turn(folio_test::prompt("revenue"), services);
    REQUIRE(turn);
    REQUIRE(document.calls.size() == 1);
    CHECK(document.calls[0] ==
          nlohmann::json{{"name", "set_cell"}, {"arguments", {{"cell", "B2"}, {"value", "revenue"}}}});
    CHECK(services.progress == std::vector<int>{10, 100});
    CHECK(turn.value().state.memory["cells"]["B2"] == "revenue");
    CHECK(turn.value().summary == "wrote 'revenue' to B2");
    CHECK(turn.value().credits_used == 1);
  }

  SECTION("an agent's own errors arrive unchanged") {
    auto made = plugin.value().make_agent();
    REQUIRE(made);
    folio_test::recording_editor document;
    folio_test::test_services services(document);
    services.cancel = true;
    const auto turn = made.value()->run_turn(folio_test::prompt("revenue"), services);
    REQUIRE_FALSE(turn);
    CHECK(turn.error().code == folio::errc::cancelled);
    CHECK(document.calls.empty());
  }

  SECTION("a converter converts its pair and refuses others") {
    auto made = plugin.value().make_converter();
    REQUIRE(made);
    CHECK(made.value()->pairs() == std::vector<folio::conversion_pair>{{"txt", "txt"}});
    CHECK(made.value()->version() == "upper-1");
    const auto converted = made.value()->convert({"Quarterly report", {"txt", "txt"}});
    REQUIRE(converted);
    CHECK(converted.value().bytes == "QUARTERLY REPORT");
    CHECK(converted.value().media_type == "text/plain");
    const auto refused = made.value()->convert({"x", {"txt", "pdf"}});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == folio::errc::unsupported_conversion);
  }

  SECTION("an editor factory opens editors that hold the document") {
    auto factory = plugin.value().make_editor_factory();
    REQUIRE(factory);
    auto opened = factory.value()->open(folio::document_format::excel, R"({"A1":"old"})");
    REQUIRE(opened);
    auto& document = *opened.value();
    CHECK(document.tool_catalog().at(0).at("name") == "set_cell");
    REQUIRE(document.call_tool("set_cell", {{"cell", "A2"}, {"value", "new"}}));
    CHECK(document.outline().value() == nlohmann::json{{"format", "excel"}, {"cells", {{"A1", "old"}, {"A2", "new"}}}});
    CHECK(document.save().value() == R"({"A1":"old","A2":"new"})");
    const auto unknown = document.call_tool("delete_everything", nlohmann::json::object());
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == folio::errc::tool_unknown);
    const auto unreadable = factory.value()->open(folio::document_format::excel, "not json");
    REQUIRE_FALSE(unreadable);
    CHECK(unreadable.error().code == folio::errc::document_unreadable);
  }

  SECTION("a kind the plugin does not offer is not found") {
    const auto impostor = folio::load_plugin(folio_test::duplicate_plugin);
    REQUIRE(impostor);
    const auto made = impostor.value().make_converter();
    REQUIRE_FALSE(made);
    CHECK(made.error().code == folio::errc::plugin_not_found);
    CHECK_THAT(made.error().message, Contains("offers no converter"));
  }
}

TEST_CASE("keeps a plugin's library loaded exactly as long as an object it made lives", "[plugin]") {
  REQUIRE_FALSE(folio_test::library_is_mapped(folio_test::good_plugin));
  std::unique_ptr<folio::agent> agent;
  std::unique_ptr<folio::converter> converter;
  std::unique_ptr<folio::editor> document;
  {
    auto plugin = folio::load_plugin(folio_test::good_plugin);
    REQUIRE(plugin);
    CHECK(folio_test::library_is_mapped(folio_test::good_plugin));
    agent = std::move(plugin.value().make_agent({{"cell", "C3"}})).value();
    converter = std::move(plugin.value().make_converter()).value();
    auto factory = std::move(plugin.value().make_editor_factory()).value();
    document = std::move(factory->open(folio::document_format::word, {})).value();
  }
  // The loader and the factory are gone; the objects still run plugin code, which must still be mapped.
  REQUIRE(folio_test::library_is_mapped(folio_test::good_plugin));

  folio_test::test_services services(*document);
  const auto turn = agent->run_turn(folio_test::prompt("after the loader"), services);
  REQUIRE(turn);
  CHECK(document->save().value() == R"({"C3":"after the loader"})");
  CHECK(converter->convert({"abc", {"txt", "txt"}}).value().bytes == "ABC");

  agent.reset();
  converter.reset();
  CHECK(folio_test::library_is_mapped(folio_test::good_plugin));
  document.reset();
  CHECK_FALSE(folio_test::library_is_mapped(folio_test::good_plugin));
}

TEST_CASE("refuses a plugin built for another ABI version before touching its descriptor", "[plugin]") {
  // The plugin's descriptor function aborts the process: this test only finishes if the host never calls it.
  const auto plugin = folio::load_plugin(folio_test::other_abi_plugin);
  REQUIRE_FALSE(plugin);
  CHECK(plugin.error().code == folio::errc::plugin_abi_mismatch);
  CHECK(plugin.error().param == "file");
  const auto& message = plugin.error().message;
  CHECK_THAT(message, Contains(folio_test::other_abi_plugin.string()));
  CHECK_THAT(message, Contains("built for folio plugin ABI " + std::to_string(folio::plugin_abi_version + 1)));
  CHECK_THAT(message, Contains("this host speaks plugin ABI " + std::to_string(folio::plugin_abi_version)));
  CHECK_FALSE(folio_test::library_is_mapped(folio_test::other_abi_plugin));
}

TEST_CASE("reports a missing plugin file as a load failure naming the file and the loader's reason", "[plugin]") {
  const auto missing = folio_test::good_plugin.parent_path() / "libfolio_plugin_does_not_exist.so";
  const auto plugin = folio::load_plugin(missing);
  REQUIRE_FALSE(plugin);
  CHECK(plugin.error().code == folio::errc::plugin_load_failed);
  CHECK_THAT(plugin.error().message, Contains("cannot load plugin '" + missing.string() + "'"));
  CHECK_THAT(plugin.error().message, Contains("No such file or directory"));
}

TEST_CASE("reports a library without the folio plugin symbols as a load failure", "[plugin]") {
  const auto plugin = folio::load_plugin(folio_test::not_a_plugin);
  REQUIRE_FALSE(plugin);
  CHECK(plugin.error().code == folio::errc::plugin_load_failed);
  const auto& message = plugin.error().message;
  CHECK_THAT(message, Contains("'" + folio_test::not_a_plugin.string() + "' is not a folio plugin"));
  CHECK_THAT(message, Contains("does not export folio_plugin_abi_version"));
  CHECK_THAT(message, Contains("undefined symbol: folio_plugin_abi_version"));
}

TEST_CASE("refuses a plugin whose kinds and factories disagree", "[plugin]") {
  const auto plugin = folio::load_plugin(folio_test::inconsistent_plugin);
  REQUIRE_FALSE(plugin);
  CHECK(plugin.error().code == folio::errc::plugin_load_failed);
  CHECK_THAT(plugin.error().message, Contains("plugin 'inconsistent'"));
  CHECK_THAT(plugin.error().message, Contains("factory exactly for each kind it declares"));
}

TEST_CASE("turns every exception thrown by plugin code into a plugin_error value", "[plugin]") {
  const auto plugin = folio::load_plugin(folio_test::throwing_plugin);
  REQUIRE(plugin);
  const auto expect_plugin_error = [](const auto& outcome, const std::string& operation, const std::string& what) {
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code == folio::errc::plugin_error);
    CHECK(outcome.error().message == "plugin 'throwing' threw from " + operation + what);
  };

  SECTION("from an agent's turn") {
    auto agent = std::move(plugin.value().make_agent()).value();
    folio_test::recording_editor document;
    folio_test::test_services services(document);
    expect_plugin_error(agent->run_turn(folio_test::prompt("go"), services), "agent::run_turn", ": the agent exploded");
  }

  SECTION("from a conversion") {
    auto converter = std::move(plugin.value().make_converter()).value();
    expect_plugin_error(converter->convert({"x", {"txt", "txt"}}), "converter::convert", ": the converter exploded");
  }

  SECTION("from an editor, whatever the plugin throws") {
    auto factory = std::move(plugin.value().make_editor_factory()).value();
    auto document = std::move(factory->open(folio::document_format::powerpoint, {})).value();
    expect_plugin_error(document->call_tool("set_cell", nlohmann::json::object()), "editor::call_tool",
                        ": a plugin-private error type");
    expect_plugin_error(document->outline(), "editor::outline", ": outline out of range");
    expect_plugin_error(document->save(), "editor::save", " something that is not a std::exception");
  }
}

TEST_CASE("turns an exception thrown by a plugin's factory into a plugin_error value", "[plugin]") {
  const auto plugin = folio::load_plugin(folio_test::throwing_factory_plugin);
  REQUIRE(plugin);

  const auto agent = plugin.value().make_agent({{"mode", "fast"}});
  REQUIRE_FALSE(agent);
  CHECK(agent.error().code == folio::errc::plugin_error);
  CHECK(agent.error().message ==
        R"(plugin 'throwing_factory' threw from make_agent: bad agent config: {"mode":"fast"})");

  const auto converter = plugin.value().make_converter();
  REQUIRE_FALSE(converter);
  CHECK(converter.error().code == folio::errc::plugin_error);
  CHECK_THAT(converter.error().message, Contains("plugin 'throwing_factory' threw from make_converter: "));
  CHECK_THAT(converter.error().message, Contains("required_key"));
}
