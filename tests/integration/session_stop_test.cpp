// Sessions that are stopped: Ctrl+C during validate, during a job and during
// cleanup, a second Ctrl+C, and the connection dropped mid-job. After each:
// the right exit code, nothing left running on either machine, both locks
// free, and the next sync succeeds.
#include "session_support.hpp"

using namespace session_test;

namespace {

void next_sync_succeeds(bool background_plugins = false) {
  auto r = sync({"--allow-first-sync", "--allow-out-of-order"}, background_plugins);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

}  // namespace

TEST_CASE("Ctrl+C during validate: exit 130, clean, next sync succeeds", "[session][interrupt]") {
  reset_machines();
  configure("sync_jobs:\n  dummy_success: true\n" + kQuickSuccess + "  validate_seconds: 30\n");
  BackgroundSync run({"--allow-first-sync"});
  REQUIRE(log_shows(": validate\""));
  std::this_thread::sleep_for(300ms);
  const auto sent = std::chrono::steady_clock::now();
  run.signal("INT");
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 130);
  CHECK(std::chrono::steady_clock::now() - sent < 5s);
  CHECK(r.err.find("cleaning up — press Ctrl+C again to force") != std::string::npos);
  CHECK(r.out.find("interrupted") != std::string::npos);
  CHECK(read_file("desktop", kStateDir + "/sync-history.json").empty());  // nothing had changed
  require_clean();
  configure("sync_jobs:\n  dummy_success: true\n" + kQuickSuccess);
  next_sync_succeeds();
}

TEST_CASE("Ctrl+C during a job: the job is cancelled on both machines, exit 130", "[session][interrupt]") {
  reset_machines();
  configure(
      "sync_jobs:\n  dummy_success: true\n  c_hello: true\n"
      "dummy_success:\n  source_duration: 0.2\n  target_duration: 30\n  tick_seconds: 0.5\n");
  BackgroundSync run({"--allow-first-sync", "--report", "/tmp/pcs-session-test-report.json"});
  REQUIRE(log_shows("tick 2"));  // the job's loop runs on the target
  const auto sent = std::chrono::steady_clock::now();
  run.signal("INT");
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 130);
  CHECK(std::chrono::steady_clock::now() - sent < 5s);
  auto report = nlohmann::json::parse(read_file("laptop", "/tmp/pcs-session-test-report.json"));
  CHECK(report["status"] == "interrupted");
  CHECK(report["jobs"][0]["outcome"] == "cancelled");
  CHECK(report["jobs"][1]["outcome"] == "not run");
  CHECK(history("desktop")["sessions"][0]["status"] == "interrupted");
  require_clean();
  configure("sync_jobs:\n  dummy_success: true\n" + kQuickSuccess);
  next_sync_succeeds();
}

TEST_CASE("Ctrl+C during cleanup still ends in exit 130 and a clean state", "[session][interrupt]") {
  reset_machines();
  // The background job takes 3 s to stop after the last sync job: that is the cleanup.
  configure("sync_jobs:\n  c_hello: true\ndummy_background:\n  stop_seconds: 3\n");
  BackgroundSync run({"--allow-first-sync"}, true);
  REQUIRE(log_shows("\"job\":\"c_hello\",\"message\":\"succeeded after"));
  std::this_thread::sleep_for(500ms);
  run.signal("INT");
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 130);
  require_clean();
  next_sync_succeeds(true);
}

TEST_CASE("a second Ctrl+C ends pc-switcher at once", "[session][interrupt]") {
  reset_machines();
  configure(
      "sync_jobs:\n  dummy_success: true\n"
      "dummy_success:\n  source_duration: 30\n  target_duration: 1\n  tick_seconds: 0.5\n"
      "  cleanup_seconds: 4\n");
  BackgroundSync run({"--allow-first-sync"});
  REQUIRE(log_shows("Source phase: 0.5"));
  run.signal("INT");
  REQUIRE(log_shows("termination requested"));
  const auto sent = std::chrono::steady_clock::now();
  run.signal("INT");
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 130);
  CHECK(std::chrono::steady_clock::now() - sent < 2s);  // not the job's 4 s of cleanup
  CHECK(r.err.find("forced exit") != std::string::npos);
  // The kernel released the source lock with the process, and the target's
  // lock holder ended with the connection.
  CHECK(lock_free("laptop"));
  for (int i = 0; i < 100 && !lock_free("desktop"); ++i) std::this_thread::sleep_for(50ms);
  CHECK(lock_free("desktop"));
  configure("sync_jobs:\n  dummy_success: true\n" + kQuickSuccess);
  next_sync_succeeds();
}

TEST_CASE("the connection dropped mid-job: exit 1 naming the job and target, locks released", "[session]") {
  reset_machines();
  configure(
      "sync_jobs:\n  dummy_success: true\n"
      "dummy_success:\n  source_duration: 0.2\n  target_duration: 30\n  tick_seconds: 0.5\n");
  BackgroundSync run({"--allow-first-sync"});
  REQUIRE(log_shows("tick 2"));
  // Every sshd process serving pcsuser on desktop: the session's connection.
  in("desktop", {"pkill", "-KILL", "-u", "pcsuser", "-x", "sshd"}, true);
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("CRITICAL [dummy_success] failed after") != std::string::npos);
  CHECK(r.out.find("target (desktop)") != std::string::npos);
  require_clean();
  configure("sync_jobs:\n  dummy_success: true\n" + kQuickSuccess);
  next_sync_succeeds();
}
