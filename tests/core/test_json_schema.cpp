// Tool arguments come from language models and are wrong in every way a JSON value can be: each case here is a
// mistake a model makes, and the message must say what to fix, where.
#include <folio/json_schema.hpp>

#include <catch2/catch.hpp>

namespace {

using nlohmann::json;

const json write_range_schema = json::parse(R"({
  "type": "object",
  "properties": {
    "sheet": {"type": "string", "minLength": 1, "maxLength": 31},
    "cell": {"type": "string"},
    "values": {"type": "array", "minItems": 1, "items": {"type": "array", "items": {"type": ["string", "number", "null"]}}},
    "width": {"type": "integer", "minimum": 1, "maximum": 255},
    "kind": {"enum": ["column", "bar", "line", "pie"]},
    "anchor": {"anyOf": [{"type": "string"}, {"type": "object", "required": ["row"], "properties": {"row": {"type": "integer"}}}]}
  },
  "required": ["sheet", "values"],
  "additionalProperties": false
})");

std::string problem(const json& arguments) {
  auto checked = folio::validate_json(write_range_schema, arguments);
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == folio::errc::tool_arguments_invalid);
  return checked.error().message;
}

std::string param(const json& arguments) {
  auto checked = folio::validate_json(write_range_schema, arguments);
  REQUIRE_FALSE(checked);
  return checked.error().param;
}

} // namespace

TEST_CASE("json schema accepts arguments that follow the schema") {
  CHECK(folio::validate_json(write_range_schema, json::parse(R"({"sheet": "Sales", "values": [["Q1", 1.5, null]]})")));
  CHECK(folio::validate_json(write_range_schema,
                             json::parse(R"({"sheet": "S", "values": [[1]], "width": 12.0, "kind": "pie",
                                             "anchor": {"row": 3}})")));
  CHECK(folio::validate_json(write_range_schema, json::parse(R"({"sheet": "S", "values": [[1]], "anchor": "B2"})")));
}

TEST_CASE("json schema names a missing required argument by its pointer") {
  CHECK(problem(json::parse(R"({"sheet": "Sales"})")) == "/values is required");
  CHECK(param(json::parse(R"({"sheet": "Sales"})")) == "/values");
}

TEST_CASE("json schema reports wrong types deep inside arrays") {
  CHECK(problem(json::parse(R"({"sheet": "S", "values": [[1], [true]]})")) ==
        "/values/1/0 must be string or number or null, not boolean");
  CHECK(problem(json::parse(R"({"sheet": 7, "values": [[1]]})")) == "/sheet must be string, not integer");
  CHECK(problem(json::parse(R"([1, 2])")) == "the arguments must be object, not array");
}

TEST_CASE("json schema refuses arguments the tool does not know, listing the known ones") {
  const auto message = problem(json::parse(R"({"sheet": "S", "values": [[1]], "colour": "red"})"));
  CHECK(message.starts_with("/colour is not a known argument (known: "));
  CHECK(message.find("values") != std::string::npos);
}

TEST_CASE("json schema checks bounds, lengths, counts and enumerations") {
  CHECK(problem(json::parse(R"({"sheet": "S", "values": [[1]], "width": 0})")) == "/width must be at least 1");
  CHECK(problem(json::parse(R"({"sheet": "S", "values": [[1]], "width": 2.5})")) ==
        "/width must be integer, not number");
  CHECK(problem(json::parse(R"({"sheet": "", "values": [[1]]})")) == "/sheet must have at least 1 characters");
  // 31 characters is Excel's limit on sheet names; "é" is one character in two bytes.
  CHECK(folio::validate_json(write_range_schema, json{{"sheet", std::string(15, 'a') + "ééééééééééééééé" + "b"},
                                                      {"values", json::array({json::array({1})})}}));
  CHECK(problem(json::parse(R"({"sheet": "S", "values": []})")) == "/values must have at least 1 items");
  CHECK(problem(json::parse(R"({"sheet": "S", "values": [[1]], "kind": "radar"})")) ==
        R"(/kind must be one of "column", "bar", "line", "pie", not "radar")");
}

TEST_CASE("json schema explains why no alternative of anyOf matched") {
  const auto message = problem(json::parse(R"({"sheet": "S", "values": [[1]], "anchor": {"column": 2}})"));
  CHECK(message.starts_with("/anchor matches none of its allowed forms"));
  CHECK(message.find("/anchor/row is required") != std::string::npos);
}

TEST_CASE("json schema escapes member names in pointers") {
  const json schema = json::parse(R"({"type": "object", "properties": {"a/b": {"type": "string"}}})");
  auto checked = folio::validate_json(schema, json::parse(R"({"a/b": 1})"));
  REQUIRE_FALSE(checked);
  CHECK(checked.error().param == "/a~1b");
}
