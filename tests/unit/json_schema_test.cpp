// pcs::schema_problem, validate_against, apply_defaults, subschema_at,
// format_path and describe_value.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_schema.hpp"

using Catch::Contains;
using Catch::StartsWith;
using nlohmann::json;

namespace {

std::string listing(const std::vector<pcs::SchemaError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "  {" + pcs::format_path(e.path) + "} " + e.message + "\n";
  return out.empty() ? "  (no errors)\n" : out;
}

// A job-like schema with every kind of constraint the tests below need.
const json& folders_schema() {
  static const json schema = json::parse(R"({
    "type": "object",
    "properties": {
      "name": {"type": "string", "pattern": "^[a-z]+$"},
      "mode": {"enum": ["fast", "slow"]},
      "count": {"type": "integer", "minimum": 1},
      "either": {"type": ["string", "null"]},
      "folders": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {"path": {"type": "string"}, "deep": {"type": "boolean", "default": false}},
          "required": ["path"],
          "additionalProperties": false
        }
      }
    },
    "required": ["name"],
    "additionalProperties": false
  })");
  return schema;
}

// Defaults through nested objects, array items and a $ref.
const json& defaults_schema() {
  static const json schema = json::parse(R"({
    "definitions": {
      "opts": {"type": "object", "default": {},
               "properties": {"level": {"default": 3}, "tag": {"type": "string"}}}
    },
    "type": "object",
    "properties": {
      "a": {"$ref": "#/definitions/opts"},
      "b": {"type": "object",
            "properties": {"c": {"default": "x"},
                           "n": {"type": "object", "default": {}, "properties": {"m": {"default": [1]}}}}},
      "list": {"type": "array", "items": {"type": "object", "properties": {"k": {"default": true}}}},
      "s": {"type": "string", "default": "hi"}
    }
  })");
  return schema;
}

}  // namespace

// ---------------------------------------------------------------- schema_problem

TEST_CASE("schema_problem accepts valid draft-07 schemas", "[json_schema][schema_problem]") {
  CHECK_FALSE(pcs::schema_problem(json::object()).has_value());
  CHECK_FALSE(pcs::schema_problem(json{{"type", "object"}}).has_value());
  CHECK_FALSE(pcs::schema_problem(folders_schema()).has_value());
  CHECK_FALSE(pcs::schema_problem(defaults_schema()).has_value());
  CHECK_FALSE(pcs::schema_problem(json::parse(R"({"type": ["string", "null"], "pattern": "^a(b|c)*$"})")).has_value());
  // Property names that happen to be keywords are names, not keywords.
  CHECK_FALSE(pcs::schema_problem(json::parse(
                                      R"({"properties": {"pattern": {"type": "string"}, "default": {"pattern": "^a"}},
                                          "default": {"pattern": "(["}})"))
                  .has_value());
}

TEST_CASE("schema_problem rejects a schema that is not a JSON object", "[json_schema][schema_problem]") {
  for (const json& schema : {json(3), json::array(), json("object"), json(true), json(nullptr)}) {
    INFO(schema.dump());
    auto problem = pcs::schema_problem(schema);
    REQUIRE(problem.has_value());
    CHECK_THAT(*problem, Contains("must be a JSON object"));
  }
}

TEST_CASE("schema_problem rejects a bad \"type\" value", "[json_schema][schema_problem]") {
  auto misspelt = pcs::schema_problem(json{{"type", "strng"}});
  REQUIRE(misspelt.has_value());
  CHECK_THAT(*misspelt, StartsWith("at type:") && Contains("\"strng\""));

  auto not_a_name = pcs::schema_problem(json::parse(R"({"type": ["string", 4]})"));
  REQUIRE(not_a_name.has_value());
  CHECK_THAT(*not_a_name, StartsWith("at type:"));

  auto nested = pcs::schema_problem(json::parse(R"({"properties": {"a": {"type": "text"}}})"));
  REQUIRE(nested.has_value());
  CHECK_THAT(*nested, StartsWith("at properties.a.type:") && Contains("\"text\""));
}

TEST_CASE("schema_problem rejects \"properties\": 3", "[json_schema][schema_problem]") {
  auto problem = pcs::schema_problem(json{{"type", "object"}, {"properties", 3}});
  REQUIRE(problem.has_value());
  CHECK(*problem == "at properties: expected an object, found integer 3");
}

TEST_CASE("schema_problem rejects \"required\": \"x\"", "[json_schema][schema_problem]") {
  auto problem = pcs::schema_problem(json{{"required", "x"}});
  REQUIRE(problem.has_value());
  CHECK(*problem == "at required: expected an array, found string \"x\"");
}

TEST_CASE("schema_problem rejects other malformed keywords", "[json_schema][schema_problem]") {
  auto minimum = pcs::schema_problem(json{{"minimum", "1"}});
  REQUIRE(minimum.has_value());
  CHECK(*minimum == "at minimum: expected a number, found string \"1\"");

  auto dangling = pcs::schema_problem(json::parse(R"({"properties": {"x": {"$ref": "#/definitions/nope"}}})"));
  REQUIRE(dangling.has_value());
  CHECK_THAT(*dangling, Contains("definitions"));
}

TEST_CASE("schema_problem rejects a regular expression std::regex cannot compile", "[json_schema][schema_problem]") {
  // valijson would throw std::regex_error while validating a config instead.
  auto pattern = pcs::schema_problem(json::parse(R"({"properties": {"name": {"type": "string", "pattern": "(["}}})"));
  REQUIRE(pattern.has_value());
  CHECK_THAT(*pattern,
             StartsWith("at properties.name.pattern:") && Contains("\"([\" is not a valid regular expression"));

  auto names = pcs::schema_problem(json::parse(R"({"properties": {"a": {"patternProperties": {"[": {}}}}})"));
  REQUIRE(names.has_value());
  CHECK_THAT(*names, StartsWith("at properties.a.patternProperties:") && Contains("\"[\" is not a valid"));

  auto in_items = pcs::schema_problem(json::parse(R"({"items": [{"pattern": "a"}, {"pattern": "a{2"}]})"));
  REQUIRE(in_items.has_value());
  CHECK_THAT(*in_items, StartsWith("at items[1].pattern:"));
}

// ---------------------------------------------------------------- validate_against

TEST_CASE("validate_against: a conforming instance has no errors", "[json_schema][validate]") {
  auto errors =
      pcs::validate_against(folders_schema(), json::parse(R"({"name": "abc", "mode": "fast", "count": 2, "either": null,
                                        "folders": [{"path": "/x"}, {"path": "/y", "deep": true}]})"));
  INFO(listing(errors));
  CHECK(errors.empty());
}

TEST_CASE("validate_against: type errors say expected and found", "[json_schema][validate]") {
  auto errors = pcs::validate_against(folders_schema(), json{{"name", 3}});
  INFO(listing(errors));
  REQUIRE(errors.size() == 1u);
  CHECK(errors[0].path == pcs::KeyPath{"name"});
  CHECK(errors[0].message == "expected a string, found integer 3");

  auto several = pcs::validate_against(folders_schema(), json{{"name", "a"}, {"either", 3}});
  INFO(listing(several));
  REQUIRE(several.size() == 1u);
  CHECK(several[0].path == pcs::KeyPath{"either"});
  CHECK(several[0].message == "expected a string or a null, found integer 3");

  auto root = pcs::validate_against(folders_schema(), json::array({1}));
  INFO(listing(root));
  REQUIRE(root.size() == 1u);
  CHECK(root[0].path.empty());
  CHECK(root[0].message == "expected an object, found a list");
}

TEST_CASE("validate_against: a mapping where a list is expected", "[json_schema][validate]") {
  auto errors = pcs::validate_against(folders_schema(), json::parse(R"({"name": "a", "folders": {"path": "/x"}})"));
  INFO(listing(errors));
  REQUIRE(errors.size() == 1u);
  CHECK(errors[0].path == pcs::KeyPath{"folders"});
  CHECK(errors[0].message == "expected an array, found a mapping");
}

TEST_CASE("validate_against: enum errors list the choices and what was found", "[json_schema][validate]") {
  auto errors = pcs::validate_against(folders_schema(), json{{"name", "a"}, {"mode", "medium"}});
  INFO(listing(errors));
  REQUIRE(errors.size() == 1u);
  CHECK(errors[0].path == pcs::KeyPath{"mode"});
  CHECK(errors[0].message == "expected one of fast, slow; found string \"medium\"");

  auto mixed = pcs::validate_against(json::parse(R"({"enum": [1, "two", null]})"), 5);
  INFO(listing(mixed));
  REQUIRE(mixed.size() == 1u);
  CHECK(mixed[0].message == "expected one of 1, two, null; found integer 5");
}

TEST_CASE("validate_against: pattern errors show the pattern and what was found", "[json_schema][validate]") {
  auto errors = pcs::validate_against(folders_schema(), json{{"name", "ABC"}});
  INFO(listing(errors));
  REQUIRE(errors.size() == 1u);
  CHECK(errors[0].path == pcs::KeyPath{"name"});
  CHECK(errors[0].message == "expected a string matching \"^[a-z]+$\", found string \"ABC\"");
}

TEST_CASE("validate_against: other constraints keep valijson's text and add what was found",
          "[json_schema][validate]") {
  auto minimum = pcs::validate_against(folders_schema(), json{{"name", "a"}, {"count", 0}});
  INFO(listing(minimum));
  REQUIRE(minimum.size() == 1u);
  CHECK(minimum[0].path == pcs::KeyPath{"count"});
  CHECK_THAT(minimum[0].message,
             StartsWith("expected number greater than or equal to 1") && Contains("(found integer 0)"));

  auto required = pcs::validate_against(folders_schema(), json::object());
  INFO(listing(required));
  REQUIRE(required.size() == 1u);
  CHECK(required[0].path.empty());
  CHECK_THAT(required[0].message, Contains("missing required property 'name'"));
}

TEST_CASE("validate_against: each unknown key is reported with its own path", "[json_schema][validate]") {
  auto errors = pcs::validate_against(folders_schema(), json{{"name", "a"}, {"x", 1}, {"y", 2}});
  INFO(listing(errors));
  REQUIRE(errors.size() == 2u);
  CHECK(errors[0].path == pcs::KeyPath{"x"});
  CHECK(errors[1].path == pcs::KeyPath{"y"});
  CHECK(errors[0].message == "unknown key 'x'; allowed keys here: count, either, folders, mode, name");
  CHECK(errors[1].message == "unknown key 'y'; allowed keys here: count, either, folders, mode, name");
}

TEST_CASE("validate_against: errors inside array items have indexed paths", "[json_schema][validate]") {
  auto errors = pcs::validate_against(
      folders_schema(), json::parse(R"({"name": "a", "folders": [{"path": 3}, {"path": "p", "z": 1}, {}]})"));
  INFO(listing(errors));
  REQUIRE(errors.size() == 3u);
  std::vector<std::string> paths;
  for (const auto& e : errors) paths.push_back(pcs::format_path(e.path));
  CHECK_THAT(paths, Catch::UnorderedEquals(std::vector<std::string>{"folders[0].path", "folders[1].z", "folders[2]"}));
  for (const auto& e : errors) {
    const std::string p = pcs::format_path(e.path);
    if (p == "folders[0].path") {
      CHECK(e.path == pcs::KeyPath{"folders", "[0]", "path"});
      CHECK(e.message == "expected a string, found integer 3");
    } else if (p == "folders[1].z") {
      CHECK(e.message == "unknown key 'z'; allowed keys here: deep, path");
    } else {
      CHECK_THAT(e.message, Contains("missing required property 'path'"));
    }
  }
}

TEST_CASE("validate_against follows $ref for messages", "[json_schema][validate]") {
  auto schema = json::parse(R"({"definitions": {"word": {"type": "string", "pattern": "^w"}},
                                "properties": {"x": {"$ref": "#/definitions/word"}}})");
  auto type = pcs::validate_against(schema, json{{"x", 1}});
  INFO(listing(type));
  REQUIRE(type.size() == 1u);
  CHECK(type[0].path == pcs::KeyPath{"x"});
  CHECK(type[0].message == "expected a string, found integer 1");

  auto pattern = pcs::validate_against(schema, json{{"x", "nope"}});
  INFO(listing(pattern));
  REQUIRE(pattern.size() == 1u);
  CHECK(pattern[0].message == "expected a string matching \"^w\", found string \"nope\"");
}

// ---------------------------------------------------------------- format_path / describe_value

TEST_CASE("format_path joins keys with dots and appends indices", "[json_schema][format_path]") {
  CHECK(pcs::format_path({}) == "");
  CHECK(pcs::format_path({"logging"}) == "logging");
  CHECK(pcs::format_path({"logging", "file"}) == "logging.file");
  CHECK(pcs::format_path({"folders", "[0]", "path"}) == "folders[0].path");
  CHECK(pcs::format_path({"[2]", "a"}) == "[2].a");
  CHECK(pcs::format_path({"a", "[1]", "[2]"}) == "a[1][2]");
}

TEST_CASE("describe_value names the type and shows the value", "[json_schema][describe_value]") {
  CHECK(pcs::describe_value("yes") == "string \"yes\"");
  CHECK(pcs::describe_value(3) == "integer 3");
  CHECK(pcs::describe_value(-3) == "integer -3");
  CHECK(pcs::describe_value(2.5) == "number 2.5");
  CHECK(pcs::describe_value(true) == "boolean true");
  CHECK(pcs::describe_value(nullptr) == "null (an empty value)");
  CHECK(pcs::describe_value(json::array({1, 2})) == "a list");
  CHECK(pcs::describe_value(json::object()) == "a mapping");
  const std::string long_text = pcs::describe_value(std::string(100, 'a'));
  CHECK(long_text == "string \"" + std::string(56, 'a') + "...");
}

// ---------------------------------------------------------------- apply_defaults

TEST_CASE("apply_defaults fills absent members, recursing into defaults it adds", "[json_schema][defaults]") {
  json instance = json::object();
  pcs::apply_defaults(defaults_schema(), instance);
  // "a" comes from the $ref'd definition's default {}, then its own member defaults;
  // "b" has no default, so nothing under it is created.
  CHECK(instance == json::parse(R"({"a": {"level": 3}, "s": "hi"})"));
}

TEST_CASE("apply_defaults recurses into present nested objects", "[json_schema][defaults]") {
  json instance = json::parse(R"({"b": {}})");
  pcs::apply_defaults(defaults_schema(), instance);
  CHECK(instance.at("b") == json::parse(R"({"c": "x", "n": {"m": [1]}})"));
}

TEST_CASE("apply_defaults never overwrites values that are there", "[json_schema][defaults]") {
  json instance = json::parse(R"({"a": {"level": 7, "tag": "t"}, "b": {"c": null}, "s": "given"})");
  pcs::apply_defaults(defaults_schema(), instance);
  CHECK(instance == json::parse(R"({"a": {"level": 7, "tag": "t"}, "b": {"c": null, "n": {"m": [1]}}, "s": "given"})"));
}

TEST_CASE("apply_defaults fills every array item that is an object", "[json_schema][defaults]") {
  json instance = json::parse(R"({"list": [{}, {"k": false}, 3]})");
  pcs::apply_defaults(defaults_schema(), instance);
  CHECK(instance.at("list") == json::parse(R"([{"k": true}, {"k": false}, 3])"));
}

TEST_CASE("apply_defaults leaves a value of the wrong type alone", "[json_schema][defaults]") {
  json text = "not an object";
  pcs::apply_defaults(defaults_schema(), text);
  CHECK(text == "not an object");

  json wrong_member = json::parse(R"({"a": "text"})");
  pcs::apply_defaults(defaults_schema(), wrong_member);
  CHECK(wrong_member == json::parse(R"({"a": "text", "s": "hi"})"));
}

// ---------------------------------------------------------------- subschema_at

TEST_CASE("subschema_at follows properties, items and $ref", "[json_schema][subschema_at]") {
  const json& root = defaults_schema();
  CHECK(pcs::subschema_at(root, {}) == &root);
  CHECK(pcs::subschema_at(root, {"a"}) == &root.at("definitions").at("opts"));  // $ref resolved
  CHECK(pcs::subschema_at(root, {"a", "level"}) == &root.at("definitions").at("opts").at("properties").at("level"));
  CHECK(pcs::subschema_at(root, {"b", "n", "m"}) ==
        &root.at("properties").at("b").at("properties").at("n").at("properties").at("m"));
  const json& item = root.at("properties").at("list").at("items");
  CHECK(pcs::subschema_at(root, {"list", "[0]"}) == &item);
  CHECK(pcs::subschema_at(root, {"list", "[4]", "k"}) == &item.at("properties").at("k"));
}

TEST_CASE("subschema_at returns nullptr where no schema applies", "[json_schema][subschema_at]") {
  const json& root = defaults_schema();
  CHECK(pcs::subschema_at(root, {"nope"}) == nullptr);
  CHECK(pcs::subschema_at(root, {"s", "deeper"}) == nullptr);
  CHECK(pcs::subschema_at(root, {"b", "[0]"}) == nullptr);
  CHECK(pcs::subschema_at(json::parse(R"({"$ref": "#/definitions/missing"})"), {}) == nullptr);
}

TEST_CASE("subschema_at: properties, then patternProperties, then additionalProperties",
          "[json_schema][subschema_at]") {
  const json root = json::parse(R"({"properties": {"x_fixed": {"type": "boolean"}},
                                    "patternProperties": {"^x_": {"type": "integer"}},
                                    "additionalProperties": {"type": "string"}})");
  CHECK(pcs::subschema_at(root, {"x_fixed"}) == &root.at("properties").at("x_fixed"));
  CHECK(pcs::subschema_at(root, {"x_other"}) == &root.at("patternProperties").at("^x_"));
  CHECK(pcs::subschema_at(root, {"other"}) == &root.at("additionalProperties"));

  const json closed = json::parse(R"({"properties": {"a": {}}, "additionalProperties": false})");
  CHECK(pcs::subschema_at(closed, {"b"}) == nullptr);
}

TEST_CASE("subschema_at: tuple items and additionalItems", "[json_schema][subschema_at]") {
  const json root = json::parse(R"({"items": [{"type": "string"}, {"type": "integer"}],
                                    "additionalItems": {"type": "boolean"}})");
  CHECK(pcs::subschema_at(root, {"[0]"}) == &root.at("items").at(0));
  CHECK(pcs::subschema_at(root, {"[1]"}) == &root.at("items").at(1));
  CHECK(pcs::subschema_at(root, {"[5]"}) == &root.at("additionalItems"));

  const json no_extra = json::parse(R"({"items": [{"type": "string"}]})");
  CHECK(pcs::subschema_at(no_extra, {"[1]"}) == nullptr);
}
