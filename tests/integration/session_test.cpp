// Whole sessions against the sandbox: outcomes, validation, locks and the
// sync-direction check. (Interrupts and a lost connection: session_stop_test.cpp.)
#include "session_support.hpp"

using namespace session_test;

namespace {

std::string jobs_of(const nlohmann::json& report) {
  std::string out;
  for (const auto& j : report["jobs"]) out += j["job"].get<std::string>() + "=" + j["outcome"].get<std::string>() + " ";
  return out;
}

nlohmann::json report() { return nlohmann::json::parse(read_file("laptop", "/tmp/pcs-session-test-report.json")); }

const std::vector<std::string> kReport{"--report", "/tmp/pcs-session-test-report.json"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("a session runs every enabled job and records the sync on both machines", "[session]") {
  reset_machines();
  configure("sync_jobs:\n  dummy_success: true\n  c_hello: true\n" + kQuickSuccess);
  auto r = sync(with({"--allow-first-sync"}, kReport));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("completed") != std::string::npos);
  CHECK(r.out.find("STEP 6/8 — dummy_success") != std::string::npos);
  CHECK(jobs_of(report()) == "dummy_success=success c_hello=success ");
  CHECK(report()["status"] == "completed");

  const auto mine = history("laptop")["sessions"], theirs = history("desktop")["sessions"];
  REQUIRE(mine.size() == 1);
  REQUIRE(theirs.size() == 1);
  CHECK(mine[0]["role"] == "source");
  CHECK(mine[0]["peer"] == "desktop");
  CHECK(theirs[0]["role"] == "target");
  CHECK(theirs[0]["peer"] == "laptop");
  CHECK(theirs[0]["session_id"] == report()["session_id"]);

  // The log file: JSON lines from "session started" to "session finished".
  auto log = sh("laptop", "cat " + kStateDir + "/logs/sync-*.log").out;
  CHECK(log.find("\"message\":\"session started\"") < log.find("\"message\":\"session finished\""));
  CHECK(log.find("\"level\":\"DEBUG\",\"job\":\"dummy_success\",\"host\":\"target\",\"message\":\"started ") !=
        std::string::npos);  // executor calls are traced
  require_clean();
}

TEST_CASE("a job reads the sync options its plugin added; an option of a job that does not run is named", "[session]") {
  reset_machines();
  configure("sync_jobs:\n  dummy_success: true\n" + kQuickSuccess);
  auto r = sync({"--allow-first-sync", "--dummy-note", "it's $(here) `now`"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("dummy-note: it's $(here) `now`") != std::string::npos);

  configure("sync_jobs:\n  dummy_success: false\n  c_hello: true\n");
  r = sync({"--allow-out-of-order", "--dummy-note", "x"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--dummy-note has no effect: job dummy_success does not run in this session") != std::string::npos);
  require_clean();
}

TEST_CASE("a job failing mid-way halts the session; later jobs do not run", "[session]") {
  reset_machines();
  configure("sync_jobs:\n  dummy_fail: true\n  dummy_success: true\n" + kQuickSuccess +
            "dummy_fail:\n  source_duration: 5\n  target_duration: 1\n  tick_seconds: 0.2\n  fail_at: 0.5\n");
  auto r = sync(with({"--allow-first-sync"}, kReport));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(jobs_of(report()) == "dummy_fail=failed dummy_success=not run ");
  CHECK(report()["reason"] == "dummy_fail failed");
  CHECK(r.out.find("failing on purpose") != std::string::npos);
  CHECK(r.out.find("Starting source phase duration=0.4") == std::string::npos);
  // The failed session is recorded as such (and so does not count for the direction check).
  CHECK(history("desktop")["sessions"][0]["status"] == "failed");
  require_clean();
}

TEST_CASE("a failing background job cancels the running sync job and halts the session", "[session]") {
  reset_machines();
  configure(
      "sync_jobs:\n  dummy_success: true\n  c_hello: true\n"
      "dummy_success:\n  source_duration: 30\n  target_duration: 1\n  tick_seconds: 0.5\n"
      "dummy_background:\n  fail_after: 1\n");
  const auto begin = std::chrono::steady_clock::now();
  auto r = sync(with({"--allow-first-sync"}, kReport), true);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(std::chrono::steady_clock::now() - begin < 10s);
  CHECK(jobs_of(report()) == "dummy_success=cancelled c_hello=not run dummy_background=failed ");
  CHECK(report()["reason"] == "background job dummy_background failed");
  require_clean();  // also the background job's `sleep 1000` on the target
}

TEST_CASE("validation problems of two jobs on both machines are reported together, nothing changed", "[session]") {
  reset_machines();
  configure(
      "sync_jobs:\n  dummy_success: true\n  dummy_fail: true\n"
      "dummy_success:\n  validation_errors: true\ndummy_fail:\n  validation_errors: true\n");
  auto r = sync({"--allow-first-sync"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  for (const char* job : {"dummy_success", "dummy_fail"})
    for (const char* machine : {"source", "target"})
      CHECK(r.out.find(fmt::format("ERROR [{}] ({}) dummy problem on the {}", job, machine, machine)) !=
            std::string::npos);
  CHECK(r.out.find("validation found 4 problems in dummy_fail, dummy_success (2 jobs); nothing was changed") !=
        std::string::npos);
  CHECK(r.out.find("Starting source phase") == std::string::npos);
  CHECK(read_file("desktop", kStateDir + "/sync-history.json").empty());
  CHECK(read_file("laptop", kStateDir + "/sync-history.json").empty());
  require_clean();
}

TEST_CASE("a machine already in a sync is refused, as source and as target", "[session]") {
  reset_machines();
  configure("sync_jobs:\n  c_hello: true\n");
  // Another session's lock, as pc-switcher records it, held for 20 s.
  const std::string hold =
      "mkdir -p " + kStateDir + " && cd " + kStateDir +
      " && exec 9<>sync.lock && flock -n 9 && printf '%s\\n' '{\"host\":\"HOST\",\"session_id\":\"deadbeef\","
      "\"pid\":'$$',\"role\":\"source\",\"peer\":\"elsewhere\",\"started\":\"2026-01-01T00:00:00Z\"}' > sync.lock "
      "&& exec sleep 20";
  for (const std::string machine : {"laptop", "desktop"}) {
    SECTION(machine + " locked") {
      std::string script = hold;
      script.replace(script.find("HOST"), 4, machine);
      std::thread holder([&] { sh(machine, script); });
      for (int i = 0; i < 100 && lock_free(machine); ++i) std::this_thread::sleep_for(20ms);
      auto r = sync({"--allow-first-sync"});
      sh(machine, "pkill -u pcsuser -x sleep");
      holder.join();
      INFO(r.out << r.err);
      CHECK(r.exit_code == 1);
      CHECK(r.out.find(machine == "laptop" ? "This machine (laptop) is already in a sync"
                                           : "desktop is already in a sync") != std::string::npos);
      CHECK(r.out.find("session deadbeef to elsewhere") != std::string::npos);
      CHECK(r.out.find("aborted") != std::string::npos);
      require_clean();
    }
  }
}

TEST_CASE("the sync-direction check stops unless its flag answers it", "[session]") {
  reset_machines();
  configure("sync_jobs:\n  c_hello: true\n");
  SECTION("first sync") {
    auto r = sync({});
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("First sync to desktop") != std::string::npos);
    CHECK(r.out.find("There is no terminal to ask on") != std::string::npos);
    CHECK(read_file("desktop", kStateDir + "/sync-history.json").empty());
    CHECK(sync({"--allow-first-sync"}).exit_code == 0);
  }
  SECTION("the target last synced with a third machine") {
    write_file("desktop", kStateDir + "/sync-history.json",
               R"({"version":1,"sessions":[{"session_id":"0badc0de","time":"2026-01-01T00:00:00Z",)"
               R"("role":"target","peer":"thirdbox","status":"completed","dry_run":false}]})");
    auto r = sync({"--allow-first-sync"});
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("desktop last received a sync from thirdbox") != std::string::npos);
    CHECK(sync({"--allow-out-of-order"}).exit_code == 0);
  }
  SECTION("pushing twice without syncing back") {
    REQUIRE(sync({"--allow-first-sync"}).exit_code == 0);
    auto r = sync({});
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("--allow-out-of-order") != std::string::npos);
    CHECK(history("desktop")["sessions"].size() == 1);
    CHECK(sync({"--allow-out-of-order"}).exit_code == 0);
    CHECK(history("desktop")["sessions"].size() == 2);
  }
  SECTION("a dry run warns, goes ahead and records nothing") {
    auto r = sync({"--dry-run"});
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("dry run: nothing was changed") != std::string::npos);
    CHECK(read_file("desktop", kStateDir + "/sync-history.json").empty());
    CHECK(read_file("laptop", kStateDir + "/sync-history.json").empty());
  }
  require_clean();
}

TEST_CASE("--only and --skip choose sync jobs; naming a job that is not enabled is an error", "[session]") {
  reset_machines();
  configure("sync_jobs:\n  dummy_success: true\n  c_hello: true\n  dummy_fail: false\n" + kQuickSuccess);
  auto r = sync(with({"--allow-first-sync", "--only", "c_hello"}, kReport));
  CHECK(r.exit_code == 0);
  CHECK(jobs_of(report()) == "c_hello=success ");
  r = sync(with({"--allow-out-of-order", "--skip", "c_hello"}, kReport));
  CHECK(r.exit_code == 0);
  CHECK(jobs_of(report()) == "dummy_success=success ");
  r = sync({"--allow-out-of-order", "--only", "dummy_fail"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("--only dummy_fail: not an enabled sync job") != std::string::npos);
  require_clean();
}
