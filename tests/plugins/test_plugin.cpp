#include <folio/plugin.hpp>

#include <catch2/catch.hpp>

TEST_CASE("combines plugin kinds as flags", "[plugin]") {
  const auto kinds = folio::plugin_kind::agent | folio::plugin_kind::editor;
  CHECK(folio::offers(kinds, folio::plugin_kind::agent));
  CHECK(folio::offers(kinds, folio::plugin_kind::editor));
  CHECK_FALSE(folio::offers(kinds, folio::plugin_kind::converter));
  CHECK_FALSE(folio::offers(kinds, folio::plugin_kind::none));
  CHECK(folio::offers(kinds, kinds));
  CHECK(folio::to_string(folio::plugin_kind::converter) == "converter");
}

TEST_CASE("names the exported plugin symbols as FOLIO_PLUGIN spells them", "[plugin]") {
  CHECK(folio::plugin_abi_symbol == "folio_plugin_abi_version");
  CHECK(folio::plugin_descriptor_symbol == "folio_plugin_descriptor");
  STATIC_REQUIRE(folio::plugin_abi_version == 2);
}
