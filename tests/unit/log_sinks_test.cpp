// The log file sink (JSON lines, floor, redaction, paths, retention), the
// plain text sink and the bridge from a job's host services to the bus.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "job_events.hpp"
#include "local_executor.hpp"
#include "log_file_sink.hpp"
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
