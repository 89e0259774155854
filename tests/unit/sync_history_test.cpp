// The sync history file: format, forward compatibility, errors, atomic writes.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "sync_history.hpp"
#include "temp_dir.hpp"

using namespace pcs;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

SyncHistoryEntry entry(std::string id, SyncRole role, std::string peer,
                       SessionOutcome status = SessionOutcome::Completed, bool dry_run = false) {
  SyncHistoryEntry e;
  e.session_id = std::move(id);
  e.time = "2025-01-31T12:00:00Z";
  e.role = role;
  e.peer = std::move(peer);
  e.status = status;
  e.dry_run = dry_run;
  return e;
}

int count_temp_files(const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir))
    if (f.path().filename().string().find(".tmp-") != std::string::npos) ++n;
  return n;
}

std::string error_of(const std::string& text) {
  try {
    parse_sync_history(text, "/data/sync-history.json");
  } catch (const SyncHistoryError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("sync history: serialize and parse round-trip every field") {
  SyncHistory h;
  h.append(entry("aaaa0001", SyncRole::Source, "desktop"));
  h.append(entry("aaaa0002", SyncRole::Target, "laptop", SessionOutcome::Failed));
  h.append(entry("aaaa0003", SyncRole::Source, "desktop", SessionOutcome::Interrupted, true));
  h.append(entry("aaaa0004", SyncRole::Target, "desktop", SessionOutcome::Aborted));
  std::string text = serialize_sync_history(h);
  auto doc = nlohmann::json::parse(text);
  CHECK(doc["version"] == 1);
  CHECK(doc["sessions"][1]["status"] == "failed");
  CHECK(doc["sessions"][2]["dry_run"] == true);

  SyncHistory back = parse_sync_history(text, "x");
  REQUIRE(back.sessions.size() == 4);
  CHECK(back.sessions[0].session_id == "aaaa0001");
  CHECK(back.sessions[0].role == SyncRole::Source);
  CHECK(back.sessions[1].role == SyncRole::Target);
  CHECK(back.sessions[1].peer == "laptop");
  CHECK(back.sessions[1].status == SessionOutcome::Failed);
  CHECK(back.sessions[2].status == SessionOutcome::Interrupted);
  CHECK(back.sessions[2].dry_run);
  CHECK(back.sessions[3].status == SessionOutcome::Aborted);
  CHECK(back.sessions[3].time == "2025-01-31T12:00:00Z");
  CHECK(serialize_sync_history(back) == text);
}

TEST_CASE("sync history: unknown keys survive a rewrite") {
  TempDir dir;
  auto file = sync_history_path(dir.path());
  spit(file, R"({"version": 1, "machine_id": "m-1", "sessions": [
    {"session_id": "s1", "time": "2025-01-01T00:00:00Z", "role": "target", "peer": "pc",
     "status": "completed", "dry_run": false, "bytes": 42, "jobs": {"apt": "success"}}]})");
  SyncHistory h = load_sync_history(file);
  h.append(entry("s2", SyncRole::Source, "pc"));
  save_sync_history(file, h);
  auto doc = nlohmann::json::parse(slurp(file));
  CHECK(doc["machine_id"] == "m-1");
  CHECK(doc["sessions"][0]["bytes"] == 42);
  CHECK(doc["sessions"][0]["jobs"]["apt"] == "success");
  CHECK(doc["sessions"][1]["session_id"] == "s2");
  CHECK_FALSE(doc["sessions"][1].contains("bytes"));
}

TEST_CASE("sync history: dry_run defaults to false") {
  auto h = parse_sync_history(
      R"({"version":1,"sessions":[{"session_id":"s","time":"t","role":"source","peer":"p","status":"completed"}]})",
      "x");
  REQUIRE(h.sessions.size() == 1);
  CHECK_FALSE(h.sessions[0].dry_run);
  CHECK(h.sessions[0].counts());
}

TEST_CASE("sync history: a missing file is an empty history") {
  TempDir dir;
  CHECK(load_sync_history(dir / "nope/sync-history.json").sessions.empty());
}

TEST_CASE("sync history: a corrupt file is an error naming the file and the fix, and is left alone") {
  TempDir dir;
  auto file = sync_history_path(dir.path());
  spit(file, "{\"version\": 1, \"sessions\": [");
  std::string what;
  try {
    load_sync_history(file);
  } catch (const SyncHistoryError& e) {
    what = e.what();
  }
  CHECK_THAT(what, Catch::Contains(file.string()));
  CHECK_THAT(what, Catch::Contains("not JSON"));
  CHECK_THAT(what, Catch::Contains("mv " + file.string() + " " + file.string() + ".bad"));
  CHECK_THAT(what, Catch::Contains("first sync"));
  CHECK(slurp(file) == "{\"version\": 1, \"sessions\": [");
}

TEST_CASE("sync history: structural errors are reported") {
  CHECK_THAT(error_of("[]"), Catch::Contains("not a JSON object"));
  CHECK_THAT(error_of(R"({"sessions": []})"), Catch::Contains("no integer \"version\""));
  CHECK_THAT(error_of(R"({"version": 0, "sessions": []})"), Catch::Contains("unknown version 0"));
  CHECK_THAT(error_of(R"({"version": 1})"), Catch::Contains("no \"sessions\" array"));
  CHECK_THAT(error_of(R"({"version": 1, "sessions": [3]})"), Catch::Contains("session #1 is not an object"));
  CHECK_THAT(
      error_of(R"({"version":1,"sessions":[{"session_id":"s","time":"t","role":"source","status":"completed"}]})"),
      Catch::Contains("session #1 has no string \"peer\""));
  CHECK_THAT(
      error_of(
          R"({"version":1,"sessions":[{"session_id":"s","time":"t","role":"both","peer":"p","status":"completed"}]})"),
      Catch::Contains("unknown role \"both\""));
  CHECK_THAT(
      error_of(R"({"version":1,"sessions":[{"session_id":"s","time":"t","role":"source","peer":"p","status":"ok"}]})"),
      Catch::Contains("unknown status \"ok\""));
  CHECK_THAT(error_of(R"({"version":1,"sessions":[{"session_id":"s","time":"t","role":"source","peer":"p",)"
                      R"("status":"failed","dry_run":"no"}]})"),
             Catch::Contains("non-boolean \"dry_run\""));
  CHECK_THAT(error_of(R"({"version": 1, "sessions": []})"), Catch::Equals(""));
  // A number beyond a double is nlohmann's out_of_range, not a parse_error (found by fuzz_sync_history).
  CHECK_THAT(error_of(R"({"version": 1, "sessions": [], "x": 1E400})"), Catch::Contains("not JSON"));
}

TEST_CASE("sync history: a newer version is refused with an update hint") {
  std::string what = error_of(R"({"version": 2, "sessions": []})");
  CHECK_THAT(what, Catch::Contains("version 2"));
  CHECK_THAT(what, Catch::Contains("newer pc-switcher"));
  CHECK_THAT(what, Catch::Contains("/data/sync-history.json"));
}

TEST_CASE("sync history: append keeps the newest entries up to the cap") {
  SyncHistory h;
  for (int i = 1; i <= 205; ++i) h.append(entry("s" + std::to_string(i), SyncRole::Source, "pc"));
  REQUIRE(h.sessions.size() == kSyncHistoryMaxSessions);
  CHECK(h.sessions.front().session_id == "s6");
  CHECK(h.sessions.back().session_id == "s205");
  h.append(entry("x", SyncRole::Source, "pc"), 3);
  REQUIRE(h.sessions.size() == 3);
  CHECK(h.sessions.back().session_id == "x");
}

TEST_CASE("sync history: last_counted skips failed and dry-run sessions") {
  SyncHistory h;
  CHECK(h.last_counted() == nullptr);
  h.append(entry("ok", SyncRole::Source, "pc"));
  h.append(entry("dry", SyncRole::Target, "pc", SessionOutcome::Completed, true));
  h.append(entry("bad", SyncRole::Target, "pc", SessionOutcome::Failed));
  h.append(entry("int", SyncRole::Target, "pc", SessionOutcome::Interrupted));
  h.append(entry("abo", SyncRole::Target, "pc", SessionOutcome::Aborted));
  REQUIRE(h.last_counted() != nullptr);
  CHECK(h.last_counted()->session_id == "ok");
}

TEST_CASE("sync history: save creates the directory, writes 0600 and leaves no temporary file") {
  TempDir dir;
  auto file = dir / "a/b/sync-history.json";
  SyncHistory h;
  h.append(entry("s1", SyncRole::Target, "desktop"));
  save_sync_history(file, h);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(count_temp_files(file.parent_path()) == 0);
  CHECK(load_sync_history(file).sessions.at(0).peer == "desktop");
}

TEST_CASE("sync history: a failed write leaves the old file intact") {
  TempDir dir;
  auto file = sync_history_path(dir.path());
  SyncHistory old;
  old.append(entry("old", SyncRole::Source, "pc"));
  save_sync_history(file, old);
  const std::string before = slurp(file);

  SyncHistory big;
  for (int i = 0; i < 200; ++i) big.append(entry("new" + std::to_string(i), SyncRole::Target, "pc"));

  SECTION("the disk is full (file size limit) while writing the temporary file") {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      rlimit lim{1024, 1024};
      ::setrlimit(RLIMIT_FSIZE, &lim);
      try {
        save_sync_history(file, big);
      } catch (const SyncHistoryError& e) {
        ::_exit(std::string(e.what()).find("previous file is unchanged") != std::string::npos ? 0 : 2);
      }
      ::_exit(1);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  SECTION("the rename fails") {
    auto blocked = dir / "blocked.json";
    std::filesystem::create_directories(blocked / "inside");
    CHECK_THROWS_AS(save_sync_history(blocked, big), SyncHistoryError);
    CHECK(std::filesystem::is_directory(blocked / "inside"));
  }
  CHECK(slurp(file) == before);
  CHECK(count_temp_files(dir.path()) == 0);
}

TEST_CASE("sync history: utc_iso8601") {
  CHECK(utc_iso8601(std::chrono::system_clock::time_point{}) == "1970-01-01T00:00:00Z");
  CHECK(utc_iso8601(std::chrono::system_clock::time_point{std::chrono::seconds(1738324800)}) == "2025-01-31T12:00:00Z");
}
