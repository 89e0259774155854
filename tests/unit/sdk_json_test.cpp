// pcs::Json, the SDK's small JSON reader.
#include <catch2/catch.hpp>

#include <pcswitcher/json.hpp>

using pcs::Json;

TEST_CASE("Json parses every kind of value") {
  Json j = Json::parse(R"({"a": 1, "b": -2.5, "c": "x", "d": [true, false, null], "e": {"f": "g"}})");
  CHECK(j["a"].as_int() == 1);
  CHECK(j["b"].as_double() == -2.5);
  CHECK(j["c"].as_string() == "x");
  CHECK(j["d"].size() == 3);
  CHECK(j["d"][0].as_bool());
  CHECK(j["d"][2].is_null());
  CHECK(j["e"]["f"].as_string() == "g");
  CHECK(j["missing"].is_null());
  CHECK(j["d"][99].is_null());
  CHECK(j.value("a", 0) == 1);
  CHECK(j.value("missing", 7) == 7);
  CHECK(j.value("c", std::string("?")) == "x");
  CHECK(j.as_object().front().first == "a");  // key order kept
}

TEST_CASE("Json strings: escapes and unicode round-trip") {
  Json j = Json::parse(R"(["tab\tnl\nq\"bs\\", "\u00e9\u20ac", "\ud83d\ude00", "\/"])");
  CHECK(j[0].as_string() == "tab\tnl\nq\"bs\\");
  CHECK(j[1].as_string() == "\xc3\xa9\xe2\x82\xac");
  CHECK(j[2].as_string() == "\xf0\x9f\x98\x80");
  CHECK(j[3].as_string() == "/");
  CHECK(Json::parse(j.dump()).dump() == j.dump());
  CHECK(Json(std::string("a\x01")).dump() == "\"a\\u0001\"");
}

TEST_CASE("Json rejects malformed text with the offset") {
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01x", "{} extra", "[\"\\q\"]", "\"\x01\""}) {
    INFO(bad);
    CHECK_THROWS_AS(Json::parse(bad), pcs::JsonError);
  }
  CHECK_THROWS_WITH(Json::parse("[1, @]"), Catch::Contains("offset 4"));
  std::string deep(300, '[');
  CHECK_THROWS_WITH(Json::parse(deep), Catch::Contains("deeper"));
}

TEST_CASE("Json type errors are exceptions, not crashes") {
  Json j = Json::parse(R"({"n": "text", "f": 2.5, "i": 3.0})");
  CHECK_THROWS_AS(j["n"].as_int(), pcs::JsonError);
  CHECK_THROWS_AS(j["f"].as_int(), pcs::JsonError);
  CHECK(j["i"].as_int() == 3);
  CHECK_THROWS_AS(j["n"].as_array(), pcs::JsonError);
  CHECK(Json(int64_t{1} << 40).dump() == "1099511627776");
}
