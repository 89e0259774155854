// pcs::load_config_text / load_config_file: unknown and duplicate keys, enums,
// bounds, plugins' semantic checks, whole documents, and valid configs.
#include <catch2/catch.hpp>

#include "config_test_support.hpp"

using Catch::Contains;
using Catch::StartsWith;
using namespace config_test;

namespace {

// The dummy jobs' defaults include their test knobs (tests/plugins/dummy_job.hpp).
nlohmann::json with_knobs(nlohmann::json defaults) {
  defaults["cleanup_seconds"] = 0;
  defaults["validate_seconds"] = 0;
  defaults["validation_errors"] = false;
  return defaults;
}

}  // namespace

TEST_CASE("config: an unknown top-level section names the installed jobs", "[config][malformed][unknown]") {
  auto i = single_issue("logging: {}\nrsync:\n  delete: true\n");
  CHECK(i.line == 2);
  CHECK(i.column == 1);
  CHECK(i.path == "rsync");
  CHECK_THAT(i.message, StartsWith("unknown section 'rsync'") && Contains("not logging, connection or sync_jobs") &&
                            Contains(kInstalled));
}

TEST_CASE("config: an unknown key inside logging", "[config][malformed][unknown]") {
  auto i = single_issue("logging:\n  file: INFO\n  colour: true\n");
  CHECK(i.line == 3);
  CHECK(i.column == 3);  // at the key, not its value
  CHECK(i.path == "logging.colour");
  CHECK(i.message == "unknown key 'colour'; allowed keys here: file, keep_logs, tui");
}

TEST_CASE("config: connection keepalive settings are read, bounded and default to 15 s x 3", "[config]") {
  auto defaults = check("logging: {}\n");
  REQUIRE(defaults.ok());
  CHECK(defaults.config.keepalive_interval == std::chrono::seconds(15));
  CHECK(defaults.config.keepalive_count == 3);
  auto set = check("connection:\n  keepalive_interval: 2\n  keepalive_count: 4\n");
  REQUIRE(set.ok());
  CHECK(set.config.keepalive_interval == std::chrono::seconds(2));
  CHECK(set.config.keepalive_count == 4);
  auto zero = single_issue("connection:\n  keepalive_interval: 0\n");
  CHECK(zero.line == 2);
  CHECK(zero.path == "connection.keepalive_interval");
  auto unknown = single_issue("connection:\n  timeout: 5\n");
  CHECK(unknown.message == "unknown key 'timeout'; allowed keys here: keepalive_count, keepalive_interval");
}

TEST_CASE("config: an unknown key inside a job section", "[config][malformed][unknown]") {
  auto i = single_issue("dummy_success:\n  source_duration: 1\n  speed: 3\n");
  CHECK(i.line == 3);
  CHECK(i.column == 3);
  CHECK(i.path == "dummy_success.speed");
  CHECK(i.message ==
        "unknown key 'speed'; allowed keys here: cleanup_seconds, source_duration, target_duration, tick_seconds, "
        "validate_seconds, validation_errors, write_path, write_text");
}

TEST_CASE("config: several unknown keys are each reported", "[config][malformed][unknown]") {
  auto r = check("dummy_success:\n  aa: 1\n  bb: 2\nlogging:\n  cc: 3\nzzz: {}\nc_hello:\n  dd: x\n");
  INFO(listing(r));
  REQUIRE(r.issues.size() == 5u);
  const std::vector<std::pair<int, std::string>> expected{
      {2, "dummy_success.aa"}, {3, "dummy_success.bb"}, {5, "logging.cc"}, {6, "zzz"}, {8, "c_hello.dd"}};
  for (std::size_t k = 0; k < expected.size(); ++k) {
    CHECK(r.issues[k].line == expected[k].first);
    CHECK(r.issues[k].path == expected[k].second);
  }
  CHECK(r.issues[0].column == 3);
  CHECK(r.issues[3].column == 1);
  CHECK_THAT(r.issues[0].message, StartsWith("unknown key 'aa'"));
  CHECK_THAT(r.issues[1].message, StartsWith("unknown key 'bb'"));
  CHECK_THAT(r.issues[2].message, StartsWith("unknown key 'cc'") && Contains("file, keep_logs, tui"));
  CHECK_THAT(r.issues[3].message, StartsWith("unknown section 'zzz'"));
  CHECK(r.issues[4].message == "unknown key 'dd'; allowed keys here: greeting");
}

TEST_CASE("config: a job in sync_jobs that no plugin provides lists the installed jobs",
          "[config][malformed][unknown]") {
  auto r = check("sync_jobs:\n  dummy_success: true\n  rsync: true\n");
  INFO(listing(r));
  REQUIRE(r.issues.size() == 1u);
  const auto& i = r.issues.front();
  CHECK(i.line == 3);
  CHECK(i.column == 3);
  CHECK(i.path == "sync_jobs.rsync");
  CHECK(i.message == std::string("no installed plugin provides job 'rsync'; ") + kInstalled);
}

// ---------------------------------------------------------------- duplicate keys

TEST_CASE("config: a duplicate top-level key", "[config][malformed][duplicate]") {
  auto i = single_issue("logging: {}\nsync_jobs: {}\nlogging:\n  file: INFO\n");
  CHECK(i.line == 3);
  CHECK(i.column == 1);
  CHECK(i.path == "logging");
  CHECK(i.message == "duplicate key 'logging' (first at line 1); remove one of them");
}

TEST_CASE("config: a duplicate nested key", "[config][malformed][duplicate]") {
  auto r = check("sync_jobs:\n  dummy_success: true\n  dummy_fail: true\n  dummy_success: false\n");
  INFO(listing(r));
  REQUIRE(r.issues.size() == 1u);
  const auto& i = r.issues.front();
  CHECK(i.line == 4);
  CHECK(i.column == 3);
  CHECK(i.path == "sync_jobs.dummy_success");
  CHECK(i.message == "duplicate key 'dummy_success' (first at line 2); remove one of them");
}

TEST_CASE("config: a key written three times is reported twice, each naming the first",
          "[config][malformed][duplicate]") {
  auto r = check("c_hello: {}\nc_hello: {}\nc_hello: {}\n");
  INFO(listing(r));
  REQUIRE(r.issues.size() == 2u);
  CHECK(r.issues[0].line == 2);
  CHECK(r.issues[1].line == 3);
  for (const auto& i : r.issues) {
    CHECK(i.path == "c_hello");
    CHECK_THAT(i.message, Contains("first at line 1"));
  }
}

// ---------------------------------------------------------------- values out of range

TEST_CASE("config: a log level that does not exist lists the allowed levels", "[config][malformed][enum]") {
  SECTION("file") {
    auto i = single_issue("logging:\n  file: VERBOSE\n");
    CHECK(i.line == 2);
    CHECK(i.column == 9);
    CHECK(i.path == "logging.file");
    CHECK(i.message == "expected one of DEBUG, FULL, INFO, WARNING, ERROR, CRITICAL; found string \"VERBOSE\"");
  }
  SECTION("tui, case matters") {
    auto i = single_issue("logging:\n  tui: info\n");
    CHECK(i.line == 2);
    CHECK(i.column == 8);
    CHECK(i.path == "logging.tui");
    CHECK_THAT(i.message, StartsWith("expected one of DEBUG, FULL, INFO") && Contains("found string \"info\""));
  }
}

TEST_CASE("config: a negative duration", "[config][malformed][minimum]") {
  auto i = single_issue("dummy_success:\n  source_duration: -1\n");
  CHECK(i.line == 2);
  CHECK(i.column == 20);
  CHECK(i.path == "dummy_success.source_duration");
  CHECK_THAT(i.message, Contains("greater than or equal to 0") && Contains("found integer -1"));
}

TEST_CASE("config: keep_logs: 0", "[config][malformed][minimum]") {
  auto i = single_issue("logging:\n  file: INFO\n  keep_logs: 0\n");
  CHECK(i.line == 3);
  CHECK(i.column == 14);
  CHECK(i.path == "logging.keep_logs");
  CHECK_THAT(i.message, Contains("greater than or equal to 1") && Contains("found integer 0"));
}

TEST_CASE("config: tick_seconds: 0 breaks exclusiveMinimum", "[config][malformed][minimum]") {
  auto i = single_issue("dummy_fail:\n  tick_seconds: 0\n");
  CHECK(i.line == 2);
  CHECK(i.column == 17);
  CHECK(i.path == "dummy_fail.tick_seconds");
  CHECK_THAT(i.message, Contains("greater than 0") && !Contains("equal") && Contains("found integer 0"));
}

TEST_CASE("config: keep_logs too big for the host is an error, not a wrapped value", "[config][malformed][maximum]") {
  // 4294967297 would become 1 if narrowed to int.
  auto i = single_issue("logging:\n  keep_logs: 4294967297\n");
  CHECK(i.line == 2);
  CHECK(i.column == 14);
  CHECK(i.path == "logging.keep_logs");
  CHECK_THAT(i.message, Contains("less than or equal to 2147483647") && Contains("found integer 4294967297"));
}

// ---------------------------------------------------------------- plugins' own checks

TEST_CASE("config: dummy_fail's fail_at past the end of the job (plugin's semantic check)",
          "[config][malformed][semantic]") {
  auto i = single_issue("dummy_fail:\n  fail_at: 100\n");
  CHECK(i.line == 2);
  CHECK(i.column == 12);
  CHECK(i.path == "dummy_fail.fail_at");
  CHECK_THAT(i.message, StartsWith("fail_at is more than a minute past the end of the job") &&
                            Contains("at most source_duration + target_duration"));
}

TEST_CASE("config: dummy_fail's semantic check sees the configured durations and the defaults", "[config][semantic]") {
  CHECK(check("dummy_fail:\n  fail_at: 80\n").ok());  // 10 + 10 + 60: just allowed
  CHECK_FALSE(check("dummy_fail:\n  fail_at: 80.5\n").ok());
  CHECK(check("dummy_fail:\n  source_duration: 100\n  fail_at: 150\n").ok());
  auto r = check("dummy_fail:\n  source_duration: 1\n  target_duration: 1\n  fail_at: 63\n");
  INFO(listing(r));
  REQUIRE(r.issues.size() == 1u);
  CHECK(r.issues[0].line == 4);
  CHECK(r.issues[0].path == "dummy_fail.fail_at");
}

TEST_CASE("config: the semantic check runs only once the schema passed", "[config][semantic]") {
  auto i = single_issue("dummy_fail:\n  fail_at: 1000\n  bogus: 1\n");
  CHECK(i.line == 3);
  CHECK(i.path == "dummy_fail.bogus");
  CHECK_THAT(i.message, StartsWith("unknown key 'bogus'"));
}

TEST_CASE("config: c_hello rejects an empty greeting (plugin's semantic check)", "[config][malformed][semantic]") {
  SECTION("block style") {
    auto i = single_issue("c_hello:\n  greeting: \"\"\n");
    CHECK(i.line == 2);
    CHECK(i.column == 13);
    CHECK(i.path == "c_hello.greeting");
    CHECK_THAT(i.message, StartsWith("must not be empty"));
  }
  SECTION("flow style") {
    auto i = single_issue("logging: {}\nc_hello: {greeting: ''}\n");
    CHECK(i.line == 2);
    CHECK(i.column == 21);
    CHECK(i.path == "c_hello.greeting");
    CHECK_THAT(i.message, StartsWith("must not be empty"));
  }
}

// ---------------------------------------------------------------- document shape

TEST_CASE("config: a document that is a bare list", "[config][malformed][document]") {
  auto i = single_issue("- logging\n- sync_jobs\n");
  CHECK(i.line == 1);
  CHECK(i.column == 1);
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("the config must be a mapping of sections") && Contains("found a list"));
}

TEST_CASE("config: a document that is a bare scalar", "[config][malformed][document]") {
  auto i = single_issue("\n\nhello\n");
  CHECK(i.line == 3);
  CHECK(i.column == 1);
  CHECK(i.path == "");
  CHECK_THAT(i.message, StartsWith("the config must be a mapping of sections") && Contains("found string \"hello\""));
}

TEST_CASE("config: more than one YAML document", "[config][malformed][document]") {
  SECTION("alone") {
    auto i = single_issue("logging: {}\n---\nsync_jobs: {}\n");
    CHECK(i.line == 3);  // where the second document starts
    CHECK(i.column == 1);
    CHECK(i.path == "");
    CHECK(i.message == "more than one YAML document; keep only the first");
  }
  SECTION("the first document is still checked, the second is not") {
    auto r = check("logging:\n  file: LOUD\n---\nnot_a_section: 1\n");
    INFO(listing(r));
    REQUIRE(r.issues.size() == 2u);
    CHECK(r.issues[0].line == 2);
    CHECK(r.issues[0].path == "logging.file");
    CHECK(r.issues[1].line == 4);
    CHECK_THAT(r.issues[1].message, StartsWith("more than one YAML document"));
  }
}

// ---------------------------------------------------------------- all at once

TEST_CASE("config: every problem of a file is reported in one run, sorted by line", "[config][malformed]") {
  const std::string text =
      "dummy_success:\n"         // 1
      "  source_duration: -5\n"  // 2: minimum (found by the job section check, which runs last)
      "logging:\n"               // 3
      "  file: LOUD\n"           // 4: enum
      "sync_jobs:\n"             // 5
      "  nope: true\n"           // 6: no such job
      "  dummy_fail: true\n"     // 7
      "  dummy_fail: false\n"    // 8: duplicate key (found while parsing, first)
      "what: 1\n";               // 9: unknown section
  auto r = check(text);
  INFO(listing(r));
  REQUIRE(r.issues.size() == 5u);
  std::vector<int> lines;
  std::vector<std::string> paths;
  for (const auto& i : r.issues) {
    lines.push_back(i.line);
    paths.push_back(i.path);
    CHECK(i.file == "config.yaml");
  }
  CHECK(lines == std::vector<int>{2, 4, 6, 8, 9});
  CHECK(paths == std::vector<std::string>{"dummy_success.source_duration", "logging.file", "sync_jobs.nope",
                                          "sync_jobs.dummy_fail", "what"});
  CHECK_THAT(r.issues[0].message, Contains("greater than or equal to 0"));
  CHECK_THAT(r.issues[1].message, StartsWith("expected one of DEBUG"));
  CHECK_THAT(r.issues[2].message, StartsWith("no installed plugin provides job 'nope'"));
  CHECK_THAT(r.issues[3].message, StartsWith("duplicate key 'dummy_fail' (first at line 7)"));
  CHECK_THAT(r.issues[4].message, StartsWith("unknown section 'what'"));
}

TEST_CASE("config: problems on one line are sorted by column", "[config][malformed]") {
  auto r = check("sync_jobs: {dummy_success: yes, dummy_fail: no}\n");
  INFO(listing(r));
  REQUIRE(r.issues.size() == 2u);
  CHECK(r.issues[0].line == 1);
  CHECK(r.issues[1].line == 1);
  CHECK(r.issues[0].column == 28);
  CHECK(r.issues[1].column == 45);
  CHECK(r.issues[0].path == "sync_jobs.dummy_success");
  CHECK(r.issues[1].path == "sync_jobs.dummy_fail");
}

// ---------------------------------------------------------------- format and files

TEST_CASE("ConfigIssue::format is file:line:col: path: message", "[config][format]") {
  pcs::ConfigIssue issue{"config.yaml", 3, 9, "logging.file", "expected one of DEBUG, INFO"};
  CHECK(issue.format() == "config.yaml:3:9: logging.file: expected one of DEBUG, INFO");
  pcs::ConfigIssue whole{"/etc/x.yaml", 1, 1, "", "the config must be a mapping"};
  CHECK(whole.format() == "/etc/x.yaml:1:1: the config must be a mapping");

  auto i = single_issue("logging:\n  file: VERBOSE\n");
  CHECK(i.format() ==
        "config.yaml:2:9: logging.file: expected one of DEBUG, FULL, INFO, WARNING, ERROR, CRITICAL; found string "
        "\"VERBOSE\"");
}

TEST_CASE("a missing config file is one issue saying to run pc-switcher init", "[config][file]") {
  TempDir dir;
  const auto file = dir / "no-such-dir" / "config.yaml";
  auto r = pcs::load_config_file(file, plugins());
  INFO(listing(r));
  REQUIRE(r.issues.size() == 1u);
  const auto& i = r.issues.front();
  CHECK(i.file == file.string());
  CHECK(i.line == 1);
  CHECK(i.column == 1);
  CHECK(i.path == "");
  CHECK_THAT(i.message, Contains("does not exist") && Contains("`pc-switcher init`"));
}

TEST_CASE("load_config_file reports issues under the file's own name", "[config][file]") {
  TempDir dir;
  const auto file = dir / "config.yaml";
  {
    std::ofstream out(file);
    out << "sync_jobs:\n  dummy_fail: true\n  dummy_success: tru\n";
  }
  auto r = pcs::load_config_file(file, plugins());
  INFO(listing(r));
  REQUIRE(r.issues.size() == 1u);
  CHECK(r.issues[0].file == file.string());
  CHECK(r.issues[0].line == 3);
  CHECK(r.issues[0].path == "sync_jobs.dummy_success");
  CHECK(r.issues[0].format() ==
        file.string() + ":3:18: sync_jobs.dummy_success: expected a boolean, found string \"tru\"");

  {
    std::ofstream out(file, std::ios::trunc);
    out << "sync_jobs:\n  dummy_success: true\n";
  }
  auto good = pcs::load_config_file(file, plugins());
  INFO(listing(good));
  CHECK(good.ok());
  CHECK(good.config.sync_jobs == std::vector<std::pair<std::string, bool>>{{"dummy_success", true}});
}

// ---------------------------------------------------------------- valid configs

TEST_CASE("an empty config is valid and gets every default", "[config][valid]") {
  for (const std::string text : {"", "\n\n", "# only a comment\n", "---\n"}) {
    INFO("config: [" << text << "]");
    auto r = check(text);
    INFO(listing(r));
    REQUIRE(r.ok());
    CHECK(r.config.file_floor == PCS_LOG_DEBUG);
    CHECK(r.config.tui_floor == PCS_LOG_INFO);
    CHECK(r.config.keep_logs == 50);
    CHECK(r.config.sync_jobs.empty());
    REQUIRE(r.config.job_configs.size() == 3u);
    CHECK(r.config.job_configs.at("dummy_success") ==
          with_knobs({{"source_duration", 20}, {"target_duration", 20}, {"tick_seconds", 2}}));
    CHECK(r.config.job_configs.at("dummy_fail") ==
          with_knobs({{"source_duration", 10}, {"target_duration", 10}, {"tick_seconds", 2}, {"fail_at", 12}}));
    CHECK(r.config.job_configs.at("c_hello") == nlohmann::json{{"greeting", "hello"}});
  }
}

TEST_CASE("defaults fill only what a section leaves out", "[config][valid]") {
  auto r = check("dummy_success:\n  target_duration: 1.5\nc_hello:\n  greeting: hi\n");
  INFO(listing(r));
  REQUIRE(r.ok());
  const auto& ds = r.config.job_configs.at("dummy_success");
  CHECK(ds.at("source_duration") == 20);  // absent: default
  CHECK(ds.at("target_duration") == 1.5);
  CHECK(ds.at("tick_seconds") == 2);
  CHECK(r.config.job_configs.at("c_hello").at("greeting") == "hi");
}

TEST_CASE("logging values are read", "[config][valid]") {
  auto r = check("logging:\n  file: WARNING\n  tui: ERROR\n  keep_logs: 7\n");
  INFO(listing(r));
  REQUIRE(r.ok());
  CHECK(r.config.file_floor == PCS_LOG_WARNING);
  CHECK(r.config.tui_floor == PCS_LOG_ERROR);
  CHECK(r.config.keep_logs == 7);

  auto partial = check("logging:\n  tui: DEBUG\n");
  REQUIRE(partial.ok());
  CHECK(partial.config.file_floor == PCS_LOG_DEBUG);
  CHECK(partial.config.tui_floor == PCS_LOG_DEBUG);
  CHECK(partial.config.keep_logs == 50);

  auto largest = check("logging:\n  keep_logs: 2147483647\n");
  REQUIRE(largest.ok());
  CHECK(largest.config.keep_logs == 2147483647);
}

TEST_CASE("sync_jobs keep the order they are written in", "[config][valid]") {
  using Jobs = std::vector<std::pair<std::string, bool>>;
  auto r = check("sync_jobs:\n  dummy_fail: true\n  dummy_success: false\n");
  INFO(listing(r));
  REQUIRE(r.ok());
  CHECK(r.config.sync_jobs == Jobs{{"dummy_fail", true}, {"dummy_success", false}});

  // Neither alphabetical nor plugin order.
  auto other = check("sync_jobs:\n  dummy_success: true\n  c_hello: false\n  dummy_fail: true\n");
  REQUIRE(other.ok());
  CHECK(other.config.sync_jobs == Jobs{{"dummy_success", true}, {"c_hello", false}, {"dummy_fail", true}});

  auto flow = check("sync_jobs: {dummy_success: TRUE, dummy_fail: False}\n");
  REQUIRE(flow.ok());
  CHECK(flow.config.sync_jobs == Jobs{{"dummy_success", true}, {"dummy_fail", false}});
}

TEST_CASE("a job section with nothing under it counts as {}", "[config][valid]") {
  for (const std::string text :
       {"dummy_success:\nsync_jobs: {}\n", "dummy_success: ~\n", "dummy_success: {}\n", "dummy_success:"}) {
    INFO("config: [" << text << "]");
    auto r = check(text);
    INFO(listing(r));
    REQUIRE(r.ok());
    CHECK(r.config.job_configs.at("dummy_success") ==
          with_knobs({{"source_duration", 20}, {"target_duration", 20}, {"tick_seconds", 2}}));
  }
}

TEST_CASE("integers are accepted where numbers are expected, and quotes that close are fine", "[config][valid]") {
  auto r =
      check("dummy_success:\n  source_duration: 3\n  tick_seconds: 0.25\nc_hello:\n  greeting: 'it''s \"fine\"'\n");
  INFO(listing(r));
  REQUIRE(r.ok());
  CHECK(r.config.job_configs.at("dummy_success").at("source_duration") == 3);
  CHECK(r.config.job_configs.at("dummy_success").at("tick_seconds") == 0.25);
  CHECK(r.config.job_configs.at("c_hello").at("greeting") == "it's \"fine\"");
}
