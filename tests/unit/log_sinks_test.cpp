// The log file sink (JSON lines, floor, redaction, paths, retention), the
// plain text sink and the bridge from a job's host services to the bus.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "job_events.hpp"
#include "local_executor.hpp"
#include "log_file_sink.hpp"
#include "log_level.hpp"
#include "redact.hpp"
#include "temp_dir.hpp"
#include "text_sink.hpp"

namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

const pcs::EventTime kTime = sys_days{year{2026} / 11 / 29} + 10h + 15min + 30s + 123ms;

pcs::LogEvent event(pcs_log_level level, std::string message, std::vector<pcs::LogExtra> extras = {},
                    pcs::Machine m = pcs::Machine::Target) {
  return pcs::LogEvent{kTime, level, "packages", m, std::move(message), std::move(extras)};
}

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> lines_of(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::vector<std::string> out;
  std::string cur;
  for (int c; (c = std::fgetc(f)) != EOF;) {
    if (c == '\n')
      out.push_back(std::exchange(cur, {}));
    else
      cur += static_cast<char>(c);
  }
  return out;
}

class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~EnvVar() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// What log_json_line() wrote when it built an nlohmann::ordered_json per
// line: the format it must keep.
std::string reference_json_line(const pcs::LogEvent& e) {
  auto redacted = [](const std::string& s) { return pcs::has_url_credentials(s) ? pcs::redact_credentials(s) : s; };
  nlohmann::ordered_json j;
  j["time"] = pcs::format_utc_time(e.time);
  j["level"] = pcs::log_level_name(e.level);
  j["job"] = e.job;
  if (e.machine != pcs::Machine::None) j["host"] = pcs::machine_name(e.machine);
  j["message"] = redacted(e.message);
  for (const pcs::LogExtra& x : e.extras) {
    const bool fixed = x.key == "time" || x.key == "level" || x.key == "job" || x.key == "host" || x.key == "message";
    const std::string key = fixed ? "extra_" + x.key : x.key;
    if (x.is_json) {
      auto v = nlohmann::ordered_json::parse(redacted(x.value), nullptr, false);
      if (!v.is_discarded()) {
        j[key] = std::move(v);
        continue;
      }
    }
    j[key] = redacted(x.value);
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

TEST_CASE("URL credentials are redacted, other text is left alone") {
  CHECK(pcs::redact_credentials("clone https://me:s3cret@github.com/x.git, then ssh://tok@host:22/") ==
        "clone https://***@github.com/x.git, then ssh://***@host:22/");
  CHECK(pcs::redact_credentials("\"url\":\"http://u:p@h\"") == "\"url\":\"http://***@h\"");
  for (const char* same : {"user@host", "http://host/path@x", "a :// b@c", "://@x", "mailto:me@x", "plain"}) {
    CHECK(pcs::redact_credentials(same) == same);
    CHECK_FALSE(pcs::has_url_credentials(same));
  }
  CHECK(pcs::has_url_credentials("see https://a:b@c"));
}

TEST_CASE("log lines are JSON with time, level, job, host, message, then the extras") {
  CHECK(pcs::format_utc_time(kTime) == "2026-11-29T10:15:30.123+00:00");
  auto line = pcs::log_json_line(event(PCS_LOG_WARNING, "push to https://me:pw@example.com/r failed",
                                       {{"count", "3", true},
                                        {"paths", R"(["/a", "https://x:y@h/"])", true},
                                        {"note", "not json {", true},
                                        {"remote", "ftp://me:pw@h", false},
                                        {"message", "clash", false}}));
  CHECK(line.find('\n') == std::string::npos);
  auto j = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"time", "level", "job", "host", "message", "count", "paths", "note", "remote",
                                         "extra_message"});
  CHECK(j["time"] == "2026-11-29T10:15:30.123+00:00");
  CHECK(j["level"] == "WARNING");
  CHECK(j["job"] == "packages");
  CHECK(j["host"] == "target");
  CHECK(j["message"] == "push to https://***@example.com/r failed");
  CHECK(j["count"] == 3);
  CHECK(j["paths"] == nlohmann::json::array({"/a", "https://***@h/"}));
  CHECK(j["note"] == "not json {");
  CHECK(j["remote"] == "ftp://***@h");

  auto none = nlohmann::json::parse(pcs::log_json_line(event(PCS_LOG_INFO, "x", {}, pcs::Machine::None)));
  CHECK_FALSE(none.contains("host"));
}

TEST_CASE("log lines escape strings as nlohmann::json does: quotes, backslashes, controls, invalid UTF-8") {
  auto message_of = [](std::string text) {
    const auto line = pcs::log_json_line(event(PCS_LOG_INFO, std::move(text), {}, pcs::Machine::None));
    const auto at = line.find("\"message\":");
    REQUIRE(at != std::string::npos);
    return line.substr(at + 10, line.size() - at - 11);  // the JSON string, up to the closing brace
  };
  CHECK(message_of(R"(say "hi" \ bye)") == R"("say \"hi\" \\ bye")");
  CHECK(message_of("a\bb\fc\nd\re\tf") == R"("a\bb\fc\nd\re\tf")");
  CHECK(message_of(std::string("\x00\x01\x1f", 3)) == R"("\u0000\u0001\u001f")");
  CHECK(message_of("del \x7f, / as is") == "\"del \x7f, / as is\"");
  CHECK(message_of("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  const std::string fffd = "\xef\xbf\xbd";  // U+FFFD
  CHECK(message_of("bad \xff byte") == "\"bad " + fffd + " byte\"");
  CHECK(message_of("cut \xe2\x82") == "\"cut " + fffd + "\"");
  for (const char* bad :
       {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xc3(", "\xf8\x88\x80\x80\x80"})
    CHECK(message_of(std::string("x") + bad + "y") ==
          nlohmann::json(std::string("x") + bad + "y").dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  // Keys and values are escaped the same way.
  auto line = pcs::log_json_line(event(PCS_LOG_INFO, "m", {{"k\"\n", "v\\\x01\xff", false}}));
  CHECK(line.ends_with(R"(,"k\"\n":"v\\\u0001)" + fffd + "\"}"));
}

TEST_CASE("JSON extras are written as nlohmann re-dumps them; a repeated key keeps its first place") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"12", "12"},
      {"-7", "-7"},
      {"-0", "0"},
      {"007", "\"007\""},  // not JSON: the text, as a string
      {" 5 ", "5"},
      {"1.50", "1.5"},
      {"1e2", "100.0"},
      {"123456789012345678", "123456789012345678"},
      {"12345678901234567890", "12345678901234567890"},
      {"99999999999999999999999", "9.999999999999999e+22"},
      {"true", "true"},
      {"null", "null"},
      {"[1, 2]", "[1,2]"},
      {R"({"b": 1, "a": "https://u:p@h"})", R"({"b":1,"a":"https://***@h"})"},
      {R"("s")", R"("s")"},
      {"not json {", R"("not json {")"},
      {"", R"("")"},
  };
  for (const auto& [text, written] : cases) {
    INFO(text);
    const auto e = event(PCS_LOG_INFO, "m", {{"v", text, true}});
    const auto line = pcs::log_json_line(e);
    CHECK(line.ends_with(",\"v\":" + written + "}"));
    CHECK(line == reference_json_line(e));
  }
  const auto e =
      event(PCS_LOG_INFO, "m", {{"k", "1", true}, {"time", "t", false}, {"k", "2", true}, {"extra_time", "u", false}});
  CHECK(pcs::log_json_line(e).ends_with(R"("message":"m","k":2,"extra_time":"u"})"));
  CHECK(pcs::log_json_line(e) == reference_json_line(e));
}

TEST_CASE("log lines match the nlohmann-built reference for random events") {
  std::mt19937_64 rng(20261129);
  const std::vector<std::string> pieces = {"a",
                                           "path/x",
                                           " ",
                                           "=",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\t",
                                           std::string(1, '\0'),
                                           "\x1f",
                                           "\x7f",
                                           "\xc3\xa9",
                                           "\xff",
                                           "\xe2\x82",
                                           "\xed\xa0\x80",
                                           "https://u:p@h/",
                                           "://",
                                           "0",
                                           "-0",
                                           "12",
                                           "1.5",
                                           "true",
                                           "[1,",
                                           "{\"a\":1}",
                                           "time",
                                           "host",
                                           "extra_time"};
  auto text = [&](int most) {
    std::string s;
    for (int n = static_cast<int>(rng() % static_cast<unsigned>(most + 1)); n > 0; --n)
      s += pieces[rng() % pieces.size()];
    return s;
  };
  for (int i = 0; i < 20000; ++i) {
    pcs::LogEvent e;
    e.time = pcs::EventTime(nanoseconds(static_cast<std::int64_t>(rng() % 4'000'000'000'000'000'000ULL)));
    e.level = static_cast<pcs_log_level>(static_cast<int>(rng() % 7) * 10);
    e.job = text(2);
    e.machine = static_cast<pcs::Machine>(rng() % 3);
    e.message = text(4);
    for (int k = static_cast<int>(rng() % 4); k > 0; --k) e.extras.push_back({text(1), text(2), rng() % 2 == 0});
    INFO(i);
    REQUIRE(pcs::log_json_line(e) == reference_json_line(e));
  }
}

TEST_CASE("the log file sink's lines are log_json_line's, within a second and across seconds") {
  TempDir dir;
  const auto file = dir / "sync-times.log";
  std::vector<pcs::LogEvent> events;
  for (int ms : {0, 1, 999, 1000, 1001, 59999, 60000, 3600123})
    events.push_back(pcs::LogEvent{kTime - 123ms + milliseconds(ms), PCS_LOG_INFO, "j", pcs::Machine::None, "m", {}});
  {
    pcs::LogFileSink sink(file, PCS_LOG_DEBUG);
    for (const auto& e : events) sink.deliver(e);
  }
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == events.size());
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(lines[i] == reference_json_line(events[i]));
  CHECK(lines[2].starts_with(R"({"time":"2026-11-29T10:15:30.999+00:00")"));
  CHECK(lines[3].starts_with(R"({"time":"2026-11-29T10:15:31.000+00:00")"));
}

TEST_CASE("the log file sink writes events at or above its floor, through the bus") {
  TempDir dir;
  const auto file = dir / "sync-test.log";
  {
    pcs::EventBus bus({std::make_shared<pcs::LogFileSink>(file, PCS_LOG_FULL)});
    bus.publish(event(PCS_LOG_DEBUG, "hidden"));
    bus.publish(event(PCS_LOG_FULL, "full"));
    bus.publish(pcs::ProgressEvent{kTime, "packages", PCS_PROGRESS_PERCENT, 5, 0, 0, "", ""});
    bus.publish(event(PCS_LOG_ERROR, "bad\nnews"));
    bus.close();
  }
  auto lines = lines_of(file);
  REQUIRE(lines.size() == 2);
  CHECK(nlohmann::json::parse(lines[0])["message"] == "full");
  CHECK(nlohmann::json::parse(lines[1])["message"] == "bad\nnews");
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_THROWS_AS(pcs::LogFileSink(dir / "missing" / "x.log", PCS_LOG_INFO), std::runtime_error);
}

TEST_CASE("log files live under $XDG_DATA_HOME/pc-switcher/logs, named by UTC time and session") {
  TempDir dir;
  EnvVar xdg("XDG_DATA_HOME", dir.path().c_str());
  auto logs = pcs::logs_dir();
  CHECK(logs == dir.path() / "pc-switcher" / "logs");
  CHECK(std::filesystem::is_directory(logs));
  CHECK(std::filesystem::status(logs).permissions() == std::filesystem::perms::owner_all);
  CHECK(pcs::log_file_path(logs, "0123abcd", kTime) == logs / "sync-20261129T101530Z-0123abcd.log");
}

TEST_CASE("retention keeps the newest keep_logs sync logs and nothing else is touched") {
  TempDir dir;
  std::vector<std::filesystem::path> all;
  for (int i = 59; i >= 0; --i) {  // created newest first: mtime order must not matter
    all.push_back(pcs::log_file_path(dir.path(), "abcd" + std::to_string(1000 + i), kTime + hours(i)));
    std::ofstream(all.back()) << "{}\n";
  }
  std::ofstream(dir / "notes.txt") << "x";
  std::ofstream(dir / "sync-other.txt") << "x";
  auto removed = pcs::prune_logs(dir.path(), 50);
  CHECK(removed.size() == 10);
  for (int i = 0; i < 60; ++i) CHECK(std::filesystem::exists(all[static_cast<std::size_t>(i)]) == (i < 50));
  CHECK(std::filesystem::exists(dir / "notes.txt"));
  CHECK(std::filesystem::exists(dir / "sync-other.txt"));
  CHECK(pcs::prune_logs(dir.path(), 0).size() == 49);
  CHECK(std::filesystem::exists(all[0]));
}

TEST_CASE("the text sink prints one plain line per event at or above the tui floor") {
  std::FILE* out = std::tmpfile();
  REQUIRE(out != nullptr);
  pcs::TextSink sink(out, {PCS_LOG_INFO, false, 1000ms});
  sink.deliver(event(PCS_LOG_DEBUG, "hidden"));
  sink.deliver(event(PCS_LOG_INFO, "installed https://u:p@h",
                     {{"count", "3", true}, {"path", "/a b", false}, {"empty", "", false}}));
  sink.deliver(pcs::JobStateEvent{kTime, "packages", pcs::JobState::Failed, "boom"});  // the session logs outcomes
  sink.deliver(pcs::JobStateEvent{kTime, "packages", pcs::JobState::Running, ""});
  sink.deliver(pcs::StepEvent{kTime, "connect", "2/8"});
  sink.deliver(pcs::ConnectionEvent{kTime, pcs::ConnectionState::Lost, "desktop", ""});
  auto lines = lines_of(out);
  std::fclose(out);
  REQUIRE(lines.size() == 4);
  CHECK(std::regex_match(lines[0], std::regex(R"(\d\d:\d\d:\d\d INFO \[packages\] \(target\) installed )"
                                              R"(https://\*\*\*@h count=3 path="/a b" empty="")")));
  CHECK(std::regex_match(lines[1], std::regex(R"(\d\d:\d\d:\d\d JOB \[packages\] running)")));
  CHECK(std::regex_match(lines[2], std::regex(R"(\d\d:\d\d:\d\d STEP 2/8 — connect)")));
  CHECK(std::regex_match(lines[3], std::regex(R"(\d\d:\d\d:\d\d CONNECTION desktop lost)")));
}

TEST_CASE("the text sink quotes values that are not one word, and shows JSON values as they are") {
  const auto line = pcs::text_line(event(PCS_LOG_INFO, "m",
                                         {{"q", "say \"hi\"", false},
                                          {"b", "a\\b", false},
                                          {"eq", "a=b", false},
                                          {"url", "https://u:p@h/x", false},
                                          {"j", "{\"a\": 1}", true},
                                          {"n", "3", true}}),
                                   false);
  CHECK(line.ends_with(R"( m q="say \"hi\"" b="a\\b" eq="a=b" url=https://***@h/x j={"a": 1} n=3)"));
  const auto none = pcs::text_line(pcs::LogEvent{kTime, PCS_LOG_ERROR, "", pcs::Machine::None, "x", {}}, true);
  CHECK(std::regex_match(none, std::regex("\x1b\\[31m\\d\\d:\\d\\d:\\d\\d ERROR x\x1b\\[0m")));
}

TEST_CASE("the text sink colours by level only when asked; NO_COLOR and pipes turn colour off") {
  CHECK(pcs::text_line(event(PCS_LOG_WARNING, "w"), true).starts_with("\x1b[33m"));
  CHECK(pcs::text_line(event(PCS_LOG_WARNING, "w"), true).ends_with("\x1b[0m"));
  CHECK(pcs::text_line(event(PCS_LOG_ERROR, "e"), true).starts_with("\x1b[31m"));
  CHECK(pcs::text_line(event(PCS_LOG_INFO, "i"), true).find('\x1b') == std::string::npos);
  CHECK(pcs::text_line(event(PCS_LOG_ERROR, "e"), false).find('\x1b') == std::string::npos);
  std::FILE* f = std::tmpfile();
  CHECK_FALSE(pcs::use_color(fileno(f)));
  std::fclose(f);
  EnvVar no_color("NO_COLOR", "1");
  CHECK_FALSE(pcs::use_color(STDOUT_FILENO));  // whether or not stdout is a terminal
}

TEST_CASE("the text sink shows progress at most once per interval per job") {
  std::FILE* out = std::tmpfile();
  pcs::TextSink sink(out, {PCS_LOG_INFO, false, 1000ms});
  for (int i = 0; i <= 25; ++i) {  // every 100 ms for 2.5 s, two jobs
    const auto t = kTime + milliseconds(100 * i);
    sink.deliver(pcs::ProgressEvent{t, "a", PCS_PROGRESS_PERCENT | PCS_PROGRESS_ITEM, i * 4, 0, 0, "f", ""});
    sink.deliver(pcs::ProgressEvent{t, "b", PCS_PROGRESS_CURRENT | PCS_PROGRESS_TOTAL | PCS_PROGRESS_TRACK, 0, i, 25,
                                    "", "home"});
  }
  auto lines = lines_of(out);
  std::fclose(out);
  REQUIRE(lines.size() == 6);  // t = 0, 1 s, 2 s for each job
  CHECK(lines[0].ends_with(" PROGRESS [a] 0% f"));
  CHECK(lines[1].ends_with(" PROGRESS [b] (home) 0/25"));
  CHECK(lines[2].ends_with(" PROGRESS [a] 40% f"));
  CHECK(lines[5].ends_with(" PROGRESS [b] (home) 20/25"));
}

TEST_CASE("a log record published through the queue's bytes is what to_log_event makes") {
  struct Keep : pcs::EventSink {
    std::vector<pcs::Event> events;
    void deliver(const pcs::Event& e) override { events.push_back(e); }
  };
  auto keep = std::make_shared<Keep>();
  pcs::EventBus bus({keep});
  std::vector<pcs_log_field> many;
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i)
    keys.push_back("k" + std::to_string(i));  // more than publish_log_record's views on the stack
  for (const auto& k : keys) many.push_back({k.c_str(), "1", PCS_VALUE_JSON});
  pcs_log_field few[] = {
      {"a", "x", PCS_VALUE_STRING}, {"", "skipped", PCS_VALUE_STRING}, {"b", nullptr, PCS_VALUE_JSON}};
  const pcs_log_record records[] = {
      {sizeof(pcs_log_record), PCS_MACHINE_SOURCE, PCS_LOG_WARNING, "hello", few, 3},
      {sizeof(pcs_log_record), PCS_MACHINE_TARGET, PCS_LOG_ERROR, nullptr, nullptr, 0},
      {sizeof(pcs_log_record), 7, PCS_LOG_DEBUG, "many", many.data(), 20},  // an unknown machine: none
      {offsetof(pcs_log_record, message), PCS_MACHINE_TARGET, PCS_LOG_ERROR, "short struct", few, 3},
  };
  for (const auto& r : records) pcs::publish_log_record(bus, "job", r);
  bus.close();
  REQUIRE(keep->events.size() == std::size(records));
  for (std::size_t i = 0; i < std::size(records); ++i) {
    INFO(i);
    const auto& got = std::get<pcs::LogEvent>(keep->events[i]);
    const auto want = pcs::to_log_event("job", records[i]);
    CHECK((got.level == want.level && got.job == want.job && got.machine == want.machine));
    CHECK((got.message == want.message && got.always_in_file == want.always_in_file));
    REQUIRE(got.extras.size() == want.extras.size());
    for (std::size_t k = 0; k < got.extras.size(); ++k)
      CHECK((got.extras[k].key == want.extras[k].key && got.extras[k].value == want.extras[k].value &&
             got.extras[k].is_json == want.extras[k].is_json));
    CHECK(std::chrono::system_clock::now() - got.time < 60s);
  }
}

TEST_CASE("a job's progress goes through its slots: the latest update per track, as owned events") {
  struct Keep : pcs::EventSink {
    std::vector<pcs::Event> events;
    void deliver(const pcs::Event& e) override { events.push_back(e); }
  };
  auto keep = std::make_shared<Keep>();
  pcs::EventBus bus({keep});
  pcs::LocalExecutor source("source");
  pcs::JobServices services;
  services.source = &source;
  pcs::publish_job_events(services, bus);
  pcs::JobHost host("busy", services, pcs::SessionFacts{"0123abcd", "s", "t", "t", false});
  pcs::JobHost other("other", services, pcs::SessionFacts{"0123abcd", "s", "t", "t", false});
  const pcs_host* h = host.table();
  {
    std::string track = "home", item;
    for (int i = 0; i < 1000; ++i) {
      item = "file" + std::to_string(i);
      pcs_progress p{sizeof p,     PCS_PROGRESS_CURRENT | PCS_PROGRESS_ITEM | PCS_PROGRESS_TRACK, 0, i, 0, item.c_str(),
                     track.c_str()};
      h->progress(h, &p);
    }
    item.assign(item.size(), 'X');
    track.assign(track.size(), 'X');
    pcs_progress no_track{sizeof no_track, PCS_PROGRESS_PERCENT | PCS_PROGRESS_TRACK, 7, 0, 0, nullptr, nullptr};
    h->progress(h, &no_track);  // TRACK without a track: the job's own bar
    pcs_progress shorter{offsetof(pcs_progress, track), PCS_PROGRESS_PERCENT, 50, 0, 0, nullptr, nullptr};
    other.table()->progress(other.table(), &shorter);  // a short struct is malformed: an empty update
  }
  bus.close();
  std::map<std::pair<std::string, std::string>, pcs::ProgressEvent> last;
  for (const auto& e : keep->events) {
    const auto& p = std::get<pcs::ProgressEvent>(e);
    last[{p.job, p.track}] = p;
  }
  REQUIRE(last.size() == 3);
  const auto& home = last[{"busy", "home"}];
  CHECK((home.current == 999 && home.item == "file999"));
  CHECK(home.fields == (PCS_PROGRESS_CURRENT | PCS_PROGRESS_ITEM | PCS_PROGRESS_TRACK));
  const auto& own = last[{"busy", ""}];
  CHECK((own.fields == PCS_PROGRESS_PERCENT && own.percent == 7));
  const auto& malformed = last[{"other", ""}];
  CHECK((malformed.fields == 0 && malformed.percent == 0));
}

TEST_CASE("a job's log and progress calls arrive on the bus as owned events") {
  struct Keep : pcs::EventSink {
    std::vector<pcs::Event> events;
    void deliver(const pcs::Event& e) override { events.push_back(e); }
  };
  auto keep = std::make_shared<Keep>();
  pcs::EventBus bus({keep});
  pcs::LocalExecutor source("source");
  pcs::JobServices services;
  services.source = &source;
  pcs::publish_job_events(services, bus);
  pcs::JobHost host("talkative", services, pcs::SessionFacts{"0123abcd", "s", "t", "t", false});
  const pcs_host* h = host.table();
  {  // the plugin's strings live only for the call
    std::string key1 = "free_mb", v1 = "12", key2 = "mount", v2 = "/home", msg = "disk low";
    pcs_log_field fields[] = {{key1.c_str(), v1.c_str(), PCS_VALUE_JSON}, {key2.c_str(), v2.c_str(), PCS_VALUE_STRING}};
    pcs_log_record r{sizeof r, PCS_MACHINE_TARGET, PCS_LOG_WARNING, msg.c_str(), fields, 2};
    h->log(h, &r);
    std::string item = "file", track = "home";
    pcs_progress p{
        sizeof p,
        PCS_PROGRESS_PERCENT | PCS_PROGRESS_CURRENT | PCS_PROGRESS_TOTAL | PCS_PROGRESS_ITEM | PCS_PROGRESS_TRACK,
        50,
        5,
        10,
        item.c_str(),
        track.c_str()};
    h->progress(h, &p);
    pcs_progress bare{sizeof bare, PCS_PROGRESS_ITEM | PCS_PROGRESS_HEARTBEAT, 0, 0, 0, nullptr, nullptr};
    h->progress(h, &bare);  // ITEM without an item: the bit is cleared
    for (auto* s : {&key1, &v1, &key2, &v2, &msg, &item, &track}) s->assign(s->size(), 'X');
  }
  bus.close();
  REQUIRE(keep->events.size() == 3);
  const auto& log = std::get<pcs::LogEvent>(keep->events[0]);
  CHECK(log.job == "talkative");
  CHECK(log.level == PCS_LOG_WARNING);
  CHECK(log.machine == pcs::Machine::Target);
  CHECK(log.message == "disk low");
  REQUIRE(log.extras.size() == 2);
  CHECK((log.extras[0].key == "free_mb" && log.extras[0].value == "12" && log.extras[0].is_json));
  CHECK((log.extras[1].key == "mount" && log.extras[1].value == "/home" && !log.extras[1].is_json));
  CHECK(std::chrono::system_clock::now() - log.time < 60s);
  const auto& p = std::get<pcs::ProgressEvent>(keep->events[1]);
  CHECK(p.job == "talkative");
  CHECK(p.fields ==
        (PCS_PROGRESS_PERCENT | PCS_PROGRESS_CURRENT | PCS_PROGRESS_TOTAL | PCS_PROGRESS_ITEM | PCS_PROGRESS_TRACK));
  CHECK((p.percent == 50 && p.current == 5 && p.total == 10 && p.item == "file" && p.track == "home"));
  const auto& bare = std::get<pcs::ProgressEvent>(keep->events[2]);
  CHECK(bare.fields == PCS_PROGRESS_HEARTBEAT);
}
