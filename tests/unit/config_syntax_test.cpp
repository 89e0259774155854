// pcs::load_config_text / load_config_file against the test plugins
// (c_hello, dummy_fail, dummy_success): every malformed config must name the
// exact line, column, key path and what was expected. This file: YAML syntax
// and value types; config_test.cpp: the rest.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using Catch::Contains;
using Catch::StartsWith;
using namespace config_test;

TEST_CASE("the test plugins load", "[config]") {
  INFO("plugin dir: " << PCS_TEST_PLUGIN_DIR);
  REQUIRE(plugins().skipped.empty());
  REQUIRE(plugins().names() == std::vector<std::string>{"c_hello", "dummy_fail", "dummy_success"});
}

// ---------------------------------------------------------------- YAML syntax

TEST_CASE("config: unclosed flow mapping bracket is a syntax error at the end of input",
          "[config][malformed][syntax]") {
  auto i = single_issue("logging:\n  file: INFO\nsync_jobs: {dummy_success: true\n");
  CHECK(i.line == 4);  // yaml-cpp notices at the end of the input
  CHECK(i.column == 1);
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("YAML syntax error") && Contains("end of map flow not found"));
}

TEST_CASE("config: unclosed flow sequence bracket", "[config][malformed][syntax]") {
  auto i = single_issue("logging: {}\ndummy_success: [1, 2");
  CHECK(i.line == 2);
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("YAML syntax error") && Contains("end of sequence flow not found"));
}

TEST_CASE("config: a key indented less than its siblings", "[config][malformed][syntax]") {
  auto i = single_issue("logging:\n  file: INFO\n keep_logs: 3\n");
  CHECK(i.line == 3);
  CHECK(i.column == 2);
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("YAML syntax error") && Contains("end of map not found"));
}

TEST_CASE("config: a key indented more than its siblings", "[config][malformed][syntax]") {
  auto i = single_issue("sync_jobs:\n  dummy_success: true\n    dummy_fail: true\n");
  CHECK(i.line == 3);
  CHECK(i.column == 15);
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("YAML syntax error") && Contains("illegal map value"));
}

TEST_CASE("config: a tab used for indentation", "[config][malformed][syntax]") {
  SECTION("after a space-indented sibling") {
    auto i = single_issue("sync_jobs:\n  dummy_success: true\n\tdummy_fail: true\n");
    CHECK(i.line == 3);
    CHECK(i.column == 1);
    CHECK(i.path == "");
    CHECK_THAT(i.message, StartsWith("YAML syntax error") && Contains("illegal tab when looking for indentation"));
  }
  SECTION("as the only indentation") {
    auto i = single_issue("logging:\n\tfile: INFO\n");
    CHECK(i.line == 2);
    CHECK(i.column == 6);
    CHECK(i.path == "");
    CHECK_THAT(i.message, StartsWith("YAML syntax error"));
  }
}

TEST_CASE("config: an unterminated double quote does not swallow the rest of the file", "[config][malformed][syntax]") {
  // yaml-cpp 0.7 alone reads this as greeting "hi logging: file: INFO " and no error.
  auto i = single_issue("c_hello:\n  greeting: \"hi\nlogging:\n  file: INFO\n");
  CHECK(i.line == 2);
  CHECK(i.column == 13);  // the opening quote
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("YAML syntax error") && Contains("never closed"));
}

TEST_CASE("config: an unterminated single quote on a key", "[config][malformed][syntax]") {
  auto i = single_issue("sync_jobs: {}\n'logging:\n  file: INFO\n");
  CHECK(i.line == 2);
  CHECK(i.column == 1);
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("YAML syntax error") && Contains("never closed"));
}

TEST_CASE("config: an unterminated quote at the very end of the file", "[config][malformed][syntax]") {
  auto i = single_issue("logging:\n  file: \"INFO");
  CHECK(i.line == 2);
  CHECK(i.column == 14);
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("YAML syntax error") && Contains("EOF in scalar"));
}

TEST_CASE("config: a key that is a list", "[config][malformed][syntax]") {
  auto i = single_issue("? [a, b]\n: 1\n");
  CHECK(i.line == 1);
  CHECK(i.column == 3);
  CHECK(i.path == "");
  CHECK_THAT(i.message, Contains("a key must be a plain name"));
}

// ---------------------------------------------------------------- wrong types

TEST_CASE("config: 'yes' is not a boolean in sync_jobs (YAML 1.2 core rules)", "[config][malformed][types]") {
  auto i = single_issue("sync_jobs:\n  dummy_success: yes\n");
  CHECK(i.line == 2);
  CHECK(i.column == 18);
  CHECK(i.path == "sync_jobs.dummy_success");
  CHECK(i.message == "expected a boolean, found string \"yes\"");
}

TEST_CASE("config: on and No are not booleans either", "[config][malformed][types]") {
  auto r = check("sync_jobs:\n  dummy_success: on\n  dummy_fail: No\n");
  INFO(listing(r));
  REQUIRE(r.issues.size() == 2u);
  CHECK(r.issues[0].line == 2);
  CHECK(r.issues[0].path == "sync_jobs.dummy_success");
  CHECK(r.issues[0].message == "expected a boolean, found string \"on\"");
  CHECK(r.issues[1].line == 3);
  CHECK(r.issues[1].path == "sync_jobs.dummy_fail");
  CHECK(r.issues[1].message == "expected a boolean, found string \"No\"");
}

TEST_CASE("config: a quoted \"true\" is a string", "[config][malformed][types]") {
  auto i = single_issue("sync_jobs:\n  dummy_success: \"true\"\n");
  CHECK(i.line == 2);
  CHECK(i.column == 18);
  CHECK(i.path == "sync_jobs.dummy_success");
  CHECK(i.message == "expected a boolean, found string \"true\"");
}

TEST_CASE("config: a string where a number is expected", "[config][malformed][types]") {
  SECTION("quoted digits") {
    auto i = single_issue("dummy_success:\n  source_duration: \"5\"\n");
    CHECK(i.line == 2);
    CHECK(i.column == 20);
    CHECK(i.path == "dummy_success.source_duration");
    CHECK(i.message == "expected a number, found string \"5\"");
  }
  SECTION("a word") {
    auto i = single_issue("dummy_success:\n  target_duration: five\n");
    CHECK(i.line == 2);
    CHECK(i.column == 20);
    CHECK(i.path == "dummy_success.target_duration");
    CHECK(i.message == "expected a number, found string \"five\"");
  }
}

TEST_CASE("config: a number where a string is expected", "[config][malformed][types]") {
  auto i = single_issue("c_hello:\n  greeting: 3\n");
  CHECK(i.line == 2);
  CHECK(i.column == 13);
  CHECK(i.path == "c_hello.greeting");
  CHECK(i.message == "expected a string, found integer 3");
}

TEST_CASE("config: a fraction where an integer is expected", "[config][malformed][types]") {
  auto i = single_issue("logging:\n  keep_logs: 5.5\n");
  CHECK(i.line == 2);
  CHECK(i.column == 14);
  CHECK(i.path == "logging.keep_logs");
  CHECK(i.message == "expected an integer, found number 5.5");
}

TEST_CASE("config: a list where a mapping is expected", "[config][malformed][types]") {
  SECTION("logging") {
    auto i = single_issue("logging:\n  - file\n  - tui\n");
    CHECK(i.line == 2);
    CHECK(i.column == 3);
    CHECK(i.path == "logging");
    CHECK(i.message == "expected an object, found a list");
  }
  SECTION("sync_jobs written as a list of names") {
    auto i = single_issue("sync_jobs:\n  - dummy_success\n  - dummy_fail\n");
    CHECK(i.line == 2);
    CHECK(i.column == 3);
    CHECK(i.path == "sync_jobs");
    CHECK(i.message == "expected an object, found a list");
  }
  SECTION("a job section") {
    auto i = single_issue("dummy_success: [1, 2]\n");
    CHECK(i.line == 1);
    CHECK(i.column == 16);
    CHECK(i.path == "dummy_success");
    CHECK(i.message == "expected an object, found a list");
  }
}

TEST_CASE("config: a mapping where a scalar is expected", "[config][malformed][types]") {
  SECTION("a number") {
    auto i = single_issue("dummy_success:\n  source_duration:\n    seconds: 1\n");
    CHECK(i.line == 3);
    CHECK(i.column == 5);
    CHECK(i.path == "dummy_success.source_duration");
    CHECK(i.message == "expected a number, found a mapping");
  }
  SECTION("a boolean") {
    auto i = single_issue("sync_jobs:\n  dummy_fail: {enabled: true}\n");
    CHECK(i.line == 2);
    CHECK(i.column == 15);
    CHECK(i.path == "sync_jobs.dummy_fail");
    CHECK(i.message == "expected a boolean, found a mapping");
  }
}

TEST_CASE("config: a scalar where a job section's mapping is expected", "[config][malformed][types]") {
  auto i = single_issue("c_hello: true\n");
  CHECK(i.line == 1);
  CHECK(i.column == 10);
  CHECK(i.path == "c_hello");
  CHECK(i.message == "expected an object, found boolean true");
}

TEST_CASE("config: an empty logging section is reported at its key", "[config][malformed][types]") {
  // The empty value has no position of its own; the key's line is where to look.
  auto i = single_issue("logging:\nsync_jobs: {}\n");
  CHECK(i.line == 1);
  CHECK(i.column == 1);
  CHECK(i.path == "logging");
  CHECK(i.message == "expected an object, found null (an empty value)");
}

TEST_CASE("config: an empty sync_jobs section at the end of the file", "[config][malformed][types]") {
  auto i = single_issue("logging: {}\nsync_jobs:\n");
  CHECK(i.line == 2);
  CHECK(i.column == 1);
  CHECK(i.path == "sync_jobs");
  CHECK(i.message == "expected an object, found null (an empty value)");
}

TEST_CASE("config: a job listed in sync_jobs with no value", "[config][malformed][types]") {
  SECTION("followed by another job") {
    auto i = single_issue("sync_jobs:\n  dummy_success:\n  dummy_fail: true\n");
    CHECK(i.line == 2);
    CHECK(i.column == 3);
    CHECK(i.path == "sync_jobs.dummy_success");
    CHECK(i.message == "expected a boolean, found null (an empty value)");
  }
  SECTION("last in a file without a final newline") {
    auto i = single_issue("sync_jobs:\n  dummy_success:");
    CHECK(i.line == 2);
    CHECK(i.column == 3);
    CHECK(i.path == "sync_jobs.dummy_success");
  }
}

// ---------------------------------------------------------------- unknown keys

TEST_CASE("config: text that is not UTF-8 is one issue, not an exception (found by fuzz_config)",
          "[config][malformed][syntax]") {
  auto i = config_test::single_issue("logging:\n  file: \"IN\xfdO\"\n");
  CHECK(i.line == 2);
  CHECK(i.column == 12);
  CHECK_THAT(i.message, Contains("not UTF-8"));
}
