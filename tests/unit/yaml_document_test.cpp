// pcs::parse_yaml: YAML 1.2 core-schema scalars, marks, key order and problems.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "yaml_document.hpp"

using Catch::Contains;
using Catch::StartsWith;
using nlohmann::json;

namespace {

std::string listing(const pcs::YamlDocument& doc) {
  std::string out;
  for (const auto& p : doc.problems)
    out += "  " + std::to_string(p.mark.line) + ":" + std::to_string(p.mark.column) + " {" + pcs::format_path(p.path) +
           "} " + p.message + "\n";
  return out.empty() ? "  (no problems)\n" : out;
}

// The value of the single key in "key: <scalar>".
json scalar(const std::string& text) {
  pcs::YamlDocument doc = pcs::parse_yaml("v: " + text + "\n");
  INFO("v: " << text << "\n" << listing(doc));
  REQUIRE(doc.problems.empty());
  REQUIRE(doc.value.is_object());
  REQUIRE(doc.value.contains("v"));
  return doc.value.at("v");
}

void check_mark(const std::map<std::string, pcs::Mark>& marks, const std::string& path, int line, int column) {
  INFO("path: " << path);
  auto it = marks.find(path);
  REQUIRE(it != marks.end());
  CHECK(it->second.line == line);
  CHECK(it->second.column == column);
}

}  // namespace

// ---------------------------------------------------------------- scalars

TEST_CASE("parse_yaml: integers", "[yaml][scalars]") {
  for (const auto& [text, value] : std::vector<std::pair<std::string, long long>>{
           {"42", 42}, {"-7", -7}, {"+3", 3}, {"0", 0}, {"007", 7}, {"9007199254740993", 9007199254740993LL}}) {
    INFO(text);
    json v = scalar(text);
    CHECK(v.is_number_integer());
    CHECK(v.get<long long>() == value);
  }
}

TEST_CASE("parse_yaml: an integer too big for 64 bits stays a string", "[yaml][scalars]") {
  json v = scalar("99999999999999999999");
  CHECK(v == "99999999999999999999");
}

TEST_CASE("parse_yaml: floats", "[yaml][scalars]") {
  for (const auto& [text, value] : std::vector<std::pair<std::string, double>>{
           {"1.5", 1.5}, {"-0.5", -0.5}, {".5", 0.5}, {"1.", 1.0}, {"1e3", 1000.0}, {"2.5E-2", 0.025}}) {
    INFO(text);
    json v = scalar(text);
    CHECK(v.is_number_float());
    CHECK(v.get<double>() == Approx(value));
  }
}

TEST_CASE("parse_yaml: only true and false (in three spellings) are booleans", "[yaml][scalars]") {
  for (const std::string text : {"true", "True", "TRUE"}) {
    INFO(text);
    CHECK(scalar(text) == json(true));
  }
  for (const std::string text : {"false", "False", "FALSE"}) {
    INFO(text);
    CHECK(scalar(text) == json(false));
  }
  for (const std::string text : {"yes", "no", "Yes", "NO", "on", "off", "y", "n", "tRue"}) {
    INFO(text);
    json v = scalar(text);
    CHECK(v.is_string());
    CHECK(v == text);
  }
}

TEST_CASE("parse_yaml: null, ~ and nothing are null", "[yaml][scalars]") {
  for (const std::string text : {"null", "Null", "NULL", "~", ""}) {
    INFO("[" << text << "]");
    CHECK(scalar(text).is_null());
  }
  CHECK(scalar("nULL") == "nULL");
}

TEST_CASE("parse_yaml: quoted scalars are always strings", "[yaml][scalars]") {
  CHECK(scalar("\"42\"") == "42");
  CHECK(scalar("'3.5'") == "3.5");
  CHECK(scalar("\"true\"") == "true");
  CHECK(scalar("'null'") == "null");
  CHECK(scalar("\"~\"") == "~");
  CHECK(scalar("\"\"") == "");
  CHECK(scalar("''") == "");
  CHECK(scalar("'it''s'") == "it's");
  CHECK(scalar("\"a\\\"b\"") == "a\"b");
  CHECK(scalar("hello world") == "hello world");
}

TEST_CASE("parse_yaml: a whole document that is one scalar", "[yaml][scalars]") {
  CHECK(pcs::parse_yaml("12\n").value == 12);
  CHECK(pcs::parse_yaml("\"12\"\n").value == "12");
}

TEST_CASE("parse_yaml: an empty document is null with nothing recorded", "[yaml][scalars]") {
  for (const std::string text : {"", "\n", "# comment\n"}) {
    INFO("[" << text << "]");
    pcs::YamlDocument doc = pcs::parse_yaml(text);
    CHECK(doc.value.is_null());
    CHECK(doc.problems.empty());
    CHECK(doc.key_order.empty());
    CHECK(doc.mark_of({"anything"}).line == 1);
    CHECK(doc.mark_of({"anything"}).column == 1);
  }
}

// ---------------------------------------------------------------- marks

TEST_CASE("parse_yaml: marks are 1-based and point at values and keys", "[yaml][marks]") {
  const std::string text =
      "top: 1\n"            // 1
      "nested:\n"           // 2
      "  list:\n"           // 3
      "    - a\n"           // 4
      "    - {k: v}\n"      // 5
      "  flow: [10, 20]\n"  // 6
      "  quoted: \"x\"\n";  // 7
  pcs::YamlDocument doc = pcs::parse_yaml(text);
  INFO(listing(doc));
  REQUIRE(doc.problems.empty());
  CHECK(doc.value ==
        json::parse(R"({"top": 1, "nested": {"list": ["a", {"k": "v"}], "flow": [10, 20], "quoted": "x"}})"));

  check_mark(doc.marks, "", 1, 1);
  check_mark(doc.marks, "top", 1, 6);
  check_mark(doc.key_marks, "top", 1, 1);
  check_mark(doc.key_marks, "nested", 2, 1);
  check_mark(doc.marks, "nested", 3, 3);  // a block mapping starts at its first key
  check_mark(doc.key_marks, "nested.list", 3, 3);
  check_mark(doc.marks, "nested.list", 4, 5);
  check_mark(doc.marks, "nested.list[0]", 4, 7);
  check_mark(doc.marks, "nested.list[1]", 5, 7);
  check_mark(doc.key_marks, "nested.list[1].k", 5, 8);
  check_mark(doc.marks, "nested.list[1].k", 5, 11);
  check_mark(doc.marks, "nested.flow", 6, 9);
  check_mark(doc.marks, "nested.flow[0]", 6, 10);
  check_mark(doc.marks, "nested.flow[1]", 6, 14);
  check_mark(doc.marks, "nested.quoted", 7, 11);       // the opening quote
  CHECK(doc.key_marks.count("nested.list[0]") == 0u);  // list items have no key
}

TEST_CASE("parse_yaml: an empty value is marked at its key", "[yaml][marks]") {
  // yaml-cpp would give the position of whatever comes next.
  pcs::YamlDocument doc = pcs::parse_yaml("a: 1\nempty:\nafter: 2\nlast:");
  INFO(listing(doc));
  REQUIRE(doc.problems.empty());
  CHECK(doc.value.at("empty").is_null());
  CHECK(doc.value.at("last").is_null());
  check_mark(doc.marks, "empty", 2, 1);
  check_mark(doc.marks, "last", 4, 1);
  check_mark(doc.marks, "after", 3, 8);

  pcs::YamlDocument explicit_null = pcs::parse_yaml("a: ~\n");
  check_mark(explicit_null.marks, "a", 1, 4);
}

TEST_CASE("parse_yaml: mark_of falls back to the nearest ancestor that exists", "[yaml][marks]") {
  pcs::YamlDocument doc = pcs::parse_yaml("x:\n  y: 1\n  z:\n    w: 2\n");
  INFO(listing(doc));
  REQUIRE(doc.problems.empty());
  CHECK(doc.mark_of({"x", "z", "w"}).line == 4);
  CHECK(doc.mark_of({"x", "z", "nope", "deeper"}).line == 4);  // x.z's mapping starts at w
  CHECK(doc.mark_of({"x", "z", "nope", "deeper"}).column == 5);
  CHECK(doc.mark_of({"x", "nope"}).line == 2);
  CHECK(doc.mark_of({"nope"}).line == 1);
  CHECK(doc.mark_of({"nope"}).column == 1);
}

// ---------------------------------------------------------------- key order

TEST_CASE("parse_yaml: key_order keeps keys as written", "[yaml][order]") {
  pcs::YamlDocument doc =
      pcs::parse_yaml("zeta: 1\nalpha:\n  m: 1\n  b: 2\n  z: 3\nmid: [{q: 1, a: 2}]\nflow: {y: 1, x: 2}\n");
  INFO(listing(doc));
  REQUIRE(doc.problems.empty());
  CHECK(doc.key_order.at("") == std::vector<std::string>{"zeta", "alpha", "mid", "flow"});
  CHECK(doc.key_order.at("alpha") == std::vector<std::string>{"m", "b", "z"});
  CHECK(doc.key_order.at("mid[0]") == std::vector<std::string>{"q", "a"});
  CHECK(doc.key_order.at("flow") == std::vector<std::string>{"y", "x"});
  // The JSON value itself is sorted, which is why key_order exists.
  CHECK(doc.value.begin().key() == "alpha");
}

// ---------------------------------------------------------------- problems

TEST_CASE("parse_yaml: a duplicate key is a problem naming both lines; the first value wins", "[yaml][problems]") {
  pcs::YamlDocument doc = pcs::parse_yaml("x:\n  y: 1\n  z: 2\n  y: 3\nx: 4\n");
  INFO(listing(doc));
  REQUIRE(doc.problems.size() == 2u);

  const auto& nested = doc.problems[0];
  CHECK(nested.mark.line == 4);
  CHECK(nested.mark.column == 3);
  CHECK(nested.path == pcs::KeyPath{"x", "y"});
  CHECK(nested.message == "duplicate key 'y' (first at line 2); remove one of them");

  const auto& top = doc.problems[1];
  CHECK(top.mark.line == 5);
  CHECK(top.mark.column == 1);
  CHECK(top.path == pcs::KeyPath{"x"});
  CHECK(top.message == "duplicate key 'x' (first at line 1); remove one of them");

  CHECK(doc.value == json::parse(R"({"x": {"y": 1, "z": 2}})"));
  CHECK(doc.key_order.at("x") == std::vector<std::string>{"y", "z"});
  CHECK(doc.key_order.at("") == std::vector<std::string>{"x"});
  check_mark(doc.key_marks, "x.y", 2, 3);  // still the first one
}

TEST_CASE("parse_yaml: a syntax error is one problem at its position and no value", "[yaml][problems]") {
  pcs::YamlDocument doc = pcs::parse_yaml("a: 1\nb:\n  c: 1\n d: 2\n");
  INFO(listing(doc));
  REQUIRE(doc.problems.size() == 1u);
  CHECK(doc.problems[0].mark.line == 4);
  CHECK(doc.problems[0].mark.column == 2);
  CHECK(doc.problems[0].path.empty());
  CHECK_THAT(doc.problems[0].message, StartsWith("YAML syntax error: ") && Contains("end of map not found"));
  CHECK(doc.value.is_null());
}

TEST_CASE("parse_yaml: an unclosed quote is a syntax error at the quote", "[yaml][problems]") {
  SECTION("double quote, followed by more lines") {
    pcs::YamlDocument doc = pcs::parse_yaml("a: 1\nb: \"text\nc: 2\n");
    INFO(listing(doc));
    REQUIRE(doc.problems.size() == 1u);
    CHECK(doc.problems[0].mark.line == 2);
    CHECK(doc.problems[0].mark.column == 4);
    CHECK_THAT(doc.problems[0].message, StartsWith("YAML syntax error: ") && Contains("never closed"));
    CHECK(doc.value.is_null());
    CHECK(doc.marks.empty());
  }
  SECTION("an escaped quote does not close a double-quoted string") {
    pcs::YamlDocument doc = pcs::parse_yaml("a: \"x\\\"\n");
    INFO(listing(doc));
    REQUIRE(doc.problems.size() == 1u);
    CHECK(doc.problems[0].mark.line == 1);
    CHECK(doc.problems[0].mark.column == 4);
  }
  SECTION("single quote on a key") {
    pcs::YamlDocument doc = pcs::parse_yaml("a: 1\n'b: 2\n");
    INFO(listing(doc));
    REQUIRE(doc.problems.size() == 1u);
    CHECK(doc.problems[0].mark.line == 2);
    CHECK(doc.problems[0].mark.column == 1);
    CHECK_THAT(doc.problems[0].message, Contains("never closed"));
  }
  SECTION("after a byte order mark") {
    pcs::YamlDocument doc = pcs::parse_yaml(
        "\xEF\xBB\xBF"
        "a: 1\nb: 'x\n");
    INFO(listing(doc));
    REQUIRE(doc.problems.size() == 1u);
    CHECK(doc.problems[0].mark.line == 2);
    CHECK(doc.problems[0].mark.column == 4);
  }
  SECTION("closed quotes spanning lines or holding escapes are fine") {
    for (const std::string text : {"a: \"x\n  y\"\n", "a: 'it''s'\n", "a: \"q\\\"\"\n",
                                   "\xEF\xBB\xBF"
                                   "a: \"x\"\n"}) {
      INFO(text);
      pcs::YamlDocument doc = pcs::parse_yaml(text);
      INFO(listing(doc));
      CHECK(doc.problems.empty());
      CHECK(doc.value.at("a").is_string());
    }
  }
}

TEST_CASE("parse_yaml: more than one document is a problem; the first is kept", "[yaml][problems]") {
  pcs::YamlDocument doc = pcs::parse_yaml("a: 1\n---\nb: 2\n");
  INFO(listing(doc));
  REQUIRE(doc.problems.size() == 1u);
  CHECK(doc.problems[0].mark.line == 3);
  CHECK(doc.problems[0].message == "more than one YAML document; keep only the first");
  CHECK(doc.value == json{{"a", 1}});
}

TEST_CASE("parse_yaml: a key that is not a scalar is a problem", "[yaml][problems]") {
  pcs::YamlDocument doc = pcs::parse_yaml("ok: 1\n? [a, b]\n: 2\n");
  INFO(listing(doc));
  REQUIRE(doc.problems.size() == 1u);
  CHECK(doc.problems[0].mark.line == 2);
  CHECK(doc.problems[0].mark.column == 3);
  CHECK_THAT(doc.problems[0].message, Contains("a key must be a plain name"));
  CHECK(doc.value == json{{"ok", 1}});
}

TEST_CASE("parse_yaml: text that is not UTF-8 is one problem where it starts (found by fuzz_config)",
          "[yaml][problems]") {
  for (const std::string bad : {"a: b\nc: x\xfd\n", "a: b\nc: x\xc0\xaf\n", "a: b\nc: x\xed\xa0\x80\n",
                                "a: b\nc: x\xf4\x90\x80\x80\n", "a: b\nc: x\xe2\x82\n"}) {
    pcs::YamlDocument doc = pcs::parse_yaml(bad);
    INFO(listing(doc));
    REQUIRE(doc.problems.size() == 1u);
    CHECK(doc.problems[0].mark.line == 2);
    CHECK(doc.problems[0].mark.column == 5);
    CHECK_THAT(doc.problems[0].message, Contains("UTF-8"));
    CHECK(doc.value.is_null());
  }
  pcs::YamlDocument good = pcs::parse_yaml("a: \"h\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\"\n");
  CHECK(good.problems.empty());
  CHECK(good.value == json{{"a", "h\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"}});
}

TEST_CASE("parse_yaml: a NUL byte is a problem, not a hint to read UTF-32 (found by fuzz_config)", "[yaml][problems]") {
  pcs::YamlDocument doc = pcs::parse_yaml(std::string("l\0\0\0\0ogging:\n  file: LOUD\n", 25));
  INFO(listing(doc));
  REQUIRE(doc.problems.size() == 1u);
  CHECK(doc.problems[0].mark.line == 1);
  CHECK(doc.problems[0].mark.column == 2);
  CHECK(doc.value.is_null());
}

TEST_CASE("parse_yaml: a stray ',' at the top level is a syntax error, not a hang (found by fuzz_config)",
          "[yaml][problems]") {
  // yaml-cpp 0.7's LoadAll loops forever on these (yaml-cpp issue 1040).
  for (const std::string& bad : {std::string(","), std::string("# c\n,"), std::string("\"x\","),
                                 std::string(",oggingWARNINGe-WA RNNIG\nint+rval:  tu\nc_helle")}) {
    pcs::YamlDocument doc = pcs::parse_yaml(bad);
    INFO(bad << "\n" << listing(doc));
    REQUIRE(doc.problems.size() == 1u);
    CHECK_THAT(doc.problems[0].message, StartsWith("YAML syntax error"));
  }
  CHECK(pcs::parse_yaml("a: [1, 2]\nb: x,y\n").problems.empty());
}
