// Reading session logs back: line parsing, malformed lines, the growing-file
// reader, the session list (order, status rules) and id lookup.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "session_log.hpp"
#include "session_log_support.hpp"
#include "temp_dir.hpp"
#include "text_sink.hpp"

using namespace logtest;
namespace fs = std::filesystem;

namespace {

struct Collected {
  std::vector<std::string> messages;
  std::vector<std::size_t> numbers;
  std::vector<std::string> errors;
  pcs::LogLineHandler on_line() {
    return [this](const pcs::LogLine& l) {
      messages.push_back(l.event.message);
      numbers.push_back(l.number);
      return true;
    };
  }
  pcs::LogErrorHandler on_error() {
    return [this](const std::string& e) { errors.push_back(e); };
  }
};

}  // namespace

TEST_CASE("a written line parses back to the same event") {
  const pcs::LogEvent in{kT0,
                         PCS_LOG_WARNING,
                         "packages",
                         pcs::Machine::Target,
                         "installed nginx",
                         {{"count", "3", true}, {"path", "/a b"}, {"list", "[1,\"x\"]", true}, {"ok", "true", true}}};
  std::string error;
  const auto out = pcs::parse_log_line(pcs::log_json_line(in), &error);
  REQUIRE(out);
  CHECK(error.empty());
  CHECK(out->time == in.time);
  CHECK(out->level == PCS_LOG_WARNING);
  CHECK(out->job == "packages");
  CHECK(out->machine == pcs::Machine::Target);
  CHECK(out->message == "installed nginx");
  REQUIRE(out->extras.size() == 4);
  CHECK(out->extras[0].key == "count");
  CHECK(out->extras[0].value == "3");
  CHECK(out->extras[0].is_json);
  CHECK(out->extras[1].value == "/a b");
  CHECK_FALSE(out->extras[1].is_json);
  CHECK(out->extras[2].value == R"([1,"x"])");
  CHECK(pcs::text_line(*out, false) == pcs::text_line(in, false));
  CHECK(pcs::text_line(*out, true) == pcs::text_line(in, true));  // coloured: WARNING is yellow
  CHECK(pcs::find_extra(*out, "path")->value == "/a b");
  CHECK(pcs::find_extra(*out, "nope") == nullptr);

  // The host's own lines: no job key needed, no host key = neither machine.
  auto host = pcs::parse_log_line(R"({"time":"2026-11-29T10:15:30Z","level":"ERROR","message":"m"})");
  REQUIRE(host);
  CHECK(host->job.empty());
  CHECK(host->machine == pcs::Machine::None);
  CHECK(host->extras.empty());
}

TEST_CASE("log times: offsets, fractions and nonsense") {
  using namespace std::chrono;
  const auto base = sys_days{year{2026} / 11 / 29} + 10h + 15min + 30s;
  CHECK(pcs::parse_log_time("2026-11-29T10:15:30.123+00:00") == base + 123ms);
  CHECK(pcs::parse_log_time("2026-11-29T10:15:30Z") == base);
  CHECK(pcs::parse_log_time("2026-11-29T10:15:30.5Z") == base + 500ms);
  CHECK(pcs::parse_log_time("2026-11-29T11:15:30.000+01:00") == base);
  CHECK(pcs::parse_log_time("2026-11-29T08:45:30-01:30") == base);
  for (const char* bad :
       {"", "yesterday", "2026-11-29", "2026-11-29T10:15:30", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-29T24:00:00Z", "2026-11-29T10:15:30+0100", "2026-11-29T10:15:30Zjunk", "+026-11-29T10:15:30Z",
        // Outside what EventTime holds (signed overflow, found by fuzz_session_log).
        "1013-11-29T10:15:33.000+00:00", "1677-01-01T00:00:00Z", "2262-12-31T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    INFO(bad);
    CHECK_FALSE(pcs::parse_log_time(bad));
  }
}

TEST_CASE("malformed lines are refused with the reason") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"level":"INFO","message":"m"})", R"("time")"},
      {R"({"time":"soon","level":"INFO","message":"m"})", R"("time")"},
      {R"({"time":"2026-11-29T10:15:30Z","level":"LOUD","message":"m"})", "DEBUG, FULL, INFO"},
      {R"({"time":"2026-11-29T10:15:30Z","level":"info","message":"m"})", R"("level")"},
      {R"({"time":"2026-11-29T10:15:30Z","level":"INFO"})", R"("message")"},
      {R"({"time":"2026-11-29T10:15:30Z","level":"INFO","message":"m","job":3})", R"("job")"},
      {R"({"time":"2026-11-29T10:15:30Z","level":"INFO","message":"m","host":"moon"})", R"("host")"},
      {R"({"time":"2026-11-29T10:15:30Z","level":"INFO","message":"m")", "not JSON"},
  };
  for (const auto& [text, why] : cases) {
    INFO(text);
    std::string error;
    CHECK_FALSE(pcs::parse_log_line(text, &error));
    CHECK_THAT(error, Catch::Contains(why));
  }
  CHECK_FALSE(pcs::parse_log_line("{"));  // no error out-parameter: still no crash
}

TEST_CASE("LogReader: malformed lines are reported with file:line and skipped") {
  TempDir dir;
  const auto file = write_session(dir.path(), "abc", kT0,
                                  {start_line(kT0, "abc", "desktop"), "garbage", "", "  ",
                                   line(kT0, PCS_LOG_INFO, "j", "after garbage"), R"({"time":1})"});
  pcs::LogReader reader(file);
  Collected c;
  CHECK(reader.read(c.on_line(), c.on_error(), true));
  CHECK(c.messages == std::vector<std::string>{"session started", "after garbage"});
  CHECK(c.numbers == std::vector<std::size_t>{1, 5});
  REQUIRE(c.errors.size() == 2);
  CHECK_THAT(c.errors[0], Catch::StartsWith(file.string() + ":2: not JSON") && Catch::EndsWith("; line skipped"));
  CHECK_THAT(c.errors[1], Catch::StartsWith(file.string() + ":6: \"time\""));
  CHECK_THROWS_WITH(pcs::LogReader(dir / "missing.log"), Catch::Contains("missing.log") && Catch::Contains("No such"));
}

TEST_CASE("LogReader: a half-written line waits for its newline") {
  TempDir dir;
  const auto file = write_session(dir.path(), "abc", kT0, {start_line(kT0, "abc", "desktop")});
  pcs::LogReader reader(file);
  Collected c;
  reader.read(c.on_line(), c.on_error());
  CHECK(c.messages.size() == 1);

  const std::string next = line(kT0 + 1s, PCS_LOG_INFO, "j", "split across writes");
  append(file, next.substr(0, 20));
  reader.read(c.on_line(), c.on_error());
  CHECK(c.messages.size() == 1);
  CHECK(c.errors.empty());
  append(file, next.substr(20) + "\n" + line(kT0 + 2s, PCS_LOG_INFO, "j", "third"));
  reader.read(c.on_line(), c.on_error());
  CHECK(c.messages == std::vector<std::string>{"session started", "split across writes"});
  // The file is complete: its last line counts without a newline.
  reader.read(c.on_line(), c.on_error(), true);
  CHECK(c.messages.back() == "third");
  CHECK(c.errors.empty());

  // A handler can stop the reading.
  pcs::LogReader again(file);
  int seen = 0;
  CHECK_FALSE(again.read([&](const pcs::LogLine&) { return ++seen < 2; }, nullptr, true));
  CHECK(seen == 2);
}

TEST_CASE("sessions are listed newest first with their status") {
  TempDir tmp;
  const fs::path dir = tmp / "logs";
  CHECK(pcs::list_sessions(dir).empty());  // no directory yet
  write_finished_session(dir, "aaaa1111", kT0, "completed", 0);
  write_finished_session(dir, "bbbb2222", kT0 + 1h, "failed", 1);
  // Crashed: started, never finished, and a newer session exists.
  write_session(dir, "cccc3333", kT0 + 2h, {start_line(kT0 + 2h, "cccc3333", "desk2", true)});
  write_session(dir, "dddd4444", kT0 + 3h,
                {start_line(kT0 + 3h, "dddd4444", "pcsuser@desktop"), line(kT0 + 3h, PCS_LOG_INFO, "j", "busy")});
  std::ofstream(dir / "notes.txt") << "not a log\n";

  const auto all = pcs::list_sessions(dir);
  REQUIRE(all.size() == 4);
  CHECK(all[0].id == "dddd4444");
  CHECK(all[0].status == "running");
  CHECK(all[0].target == "pcsuser@desktop");
  CHECK(all[0].source == "laptop");
  CHECK(all[0].version == "0.1.0");
  CHECK(all[0].started == kT0 + 3h);
  CHECK_FALSE(all[0].exit_code);
  CHECK(all[1].id == "cccc3333");
  CHECK(all[1].status == "unfinished");
  CHECK(all[1].dry_run);
  CHECK(all[2].status == "failed");
  CHECK(all[2].exit_code == 1);
  CHECK(all[2].duration_s == 12.5);
  CHECK(all[3].id == "aaaa1111");
  CHECK(all[3].status == "completed");
  CHECK(all[3].exit_code == 0);
  CHECK(all[3].file == pcs::log_file_path(dir, "aaaa1111", kT0));
  CHECK(all[3].started == kT0);  // ms from the first line, not just the seconds of the name

  const auto two = pcs::list_sessions(dir, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[1].id == "cccc3333");

  // Once the running one writes its last line, it is finished.
  append(all[0].file, finish_line(kT0 + 4h, "interrupted", 130) + "\n");
  CHECK(pcs::list_sessions(dir, 1)[0].status == "interrupted");
}

TEST_CASE("a session file without its first line, or a big one, is still listed") {
  TempDir tmp;
  const fs::path dir = tmp / "logs";
  // Old file, garbage first line, no finish: name gives id and time.
  write_session(dir, "old0", kT0, {"garbage"});
  // Empty newest file: a session that has just opened its log.
  write_session(dir, "new0", kT0 + 2h, {});
  // Much more than the 64 KiB the listing reads from each end.
  std::vector<std::string> lines{start_line(kT0 + 1h, "big0", "desktop")};
  for (int i = 0; i < 3000; ++i)
    lines.push_back(line(kT0 + 1h, PCS_LOG_DEBUG, "j", "line " + std::to_string(i), pcs::Machine::Target));
  lines.push_back(finish_line(kT0 + 2h, "aborted", 3));
  write_session(dir, "big0", kT0 + 1h, lines);
  REQUIRE(fs::file_size(pcs::log_file_path(dir, "big0", kT0 + 1h)) > 200'000);

  const auto all = pcs::list_sessions(dir);
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == "new0");
  CHECK(all[0].status == "running");
  CHECK(all[1].status == "aborted");
  CHECK(all[1].exit_code == 3);
  CHECK(all[2].id == "old0");
  CHECK_FALSE(all[2].has_start);
  CHECK(all[2].target.empty());
  CHECK(all[2].started == std::chrono::floor<std::chrono::seconds>(kT0));
  CHECK(all[2].status == "unfinished");
}

TEST_CASE("a session is found by its id or a unique prefix") {
  TempDir tmp;
  const fs::path dir = tmp / "logs";
  write_finished_session(dir, "abc", kT0);
  write_finished_session(dir, "abcd1234", kT0 + 1h);
  write_finished_session(dir, "abce9999", kT0 + 2h);
  write_finished_session(dir, "f00dcafe", kT0 + 3h);

  CHECK(pcs::find_session(dir, "f00d").id == "f00dcafe");
  CHECK(pcs::find_session(dir, "abc").id == "abc");  // exact beats being a prefix of others
  CHECK(pcs::find_session(dir, "abcd").id == "abcd1234");
  CHECK(pcs::find_session(dir, "f00dcafe").status == "completed");

  try {
    pcs::find_session(dir, "abc9");
    FAIL("no exception");
  } catch (const pcs::SessionLookupError& e) {
    CHECK(e.candidates().empty());
    CHECK_THAT(e.what(), Catch::Contains("no session 'abc9'"));
  }
  try {
    pcs::find_session(dir, "ab");
    FAIL("no exception");
  } catch (const pcs::SessionLookupError& e) {
    CHECK(e.candidates() == std::vector<std::string>{"abce9999", "abcd1234", "abc"});
    CHECK_THAT(e.what(), Catch::Contains("matches 3 sessions") && Catch::Contains("give more of the id"));
  }
  CHECK_THROWS_AS(pcs::find_session(dir, ""), pcs::SessionLookupError);
  CHECK_THROWS_AS(pcs::find_session(tmp / "nothing", "abc"), pcs::SessionLookupError);
}

TEST_CASE("session ids come from the file names") {
  CHECK(pcs::session_id_from_file_name("/x/sync-20261129T101530Z-1a2b3c4d.log") == "1a2b3c4d");
  CHECK(pcs::session_id_from_file_name("sync-20261129T101530Z-a-b.log") == "a-b");
  CHECK(pcs::session_id_from_file_name("sync-20261129T101530Z-.log").empty());
  CHECK(pcs::session_id_from_file_name("sync-something.log").empty());
  CHECK(pcs::session_id_from_file_name("other-20261129T101530Z-1a2b.log").empty());
}
