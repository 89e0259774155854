// Whole sessions hosting plugins that break the job contract
// (tests/plugins/misbehaving_plugin.c, sdk_throwing_job.hpp): the host
// survives each, ends the session as it should, names the plugin and what it
// did, keeps its memory bounded and its terminal output readable, and the
// next sync starts cleanly after a crash or a kill.
#include <regex>

#include "session_support.hpp"
#include "utf8.hpp"

using namespace session_test;

namespace {

const std::string kReportFile = "/tmp/pcs-session-test-report.json";

std::vector<std::string> mb_argv(const std::vector<std::string>& flags, bool measure = false) {
  std::vector<std::string> argv{"env", "PCSWITCHER_PLUGIN_PATH=" PCS_TEST_PLUGIN_DIR};
  // GNU time: the host's peak resident memory, on stderr after it exits.
  if (measure) argv.insert(argv.end(), {"/usr/bin/time", "-f", "pcs-max-rss-kib=%M"});
  argv.insert(argv.end(), {PCS_BINARY, "sync", "desktop", "--config", kConfig, "--plugin-dir",
                           PCS_MISBEHAVING_SESSION_PLUGIN_DIR, "--report", kReportFile});
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

ProcessOutput mb_sync(const std::vector<std::string>& flags, bool measure = false) {
  return in("laptop", mb_argv(flags, measure));
}

// A session on a thread of its own, whose pid a test can signal.
struct Running {
  ProcessOutput result;
  std::thread thread;
  explicit Running(const std::vector<std::string>& flags) {
    const std::string line = "echo $$ > " + kPidFile + "; exec " + pcs::shell_join(mb_argv(flags));
    thread = std::thread([this, line] { result = in("laptop", {"/bin/sh", "-c", line}); });
    for (int i = 0; i < 100 && pid().empty(); ++i) std::this_thread::sleep_for(20ms);
  }
  ~Running() {
    if (thread.joinable()) thread.join();
  }
  std::string pid() const {
    std::string p = read_file("laptop", kPidFile);
    while (!p.empty() && p.back() == '\n') p.pop_back();
    return p;
  }
  void signal(const char* sig) { in("laptop", {"kill", std::string("-") + sig, pid()}); }
  ProcessOutput& wait() {
    thread.join();
    return result;
  }
};

nlohmann::json report() { return nlohmann::json::parse(read_file("laptop", kReportFile)); }

std::string jobs_of(const nlohmann::json& r) {
  std::string out;
  for (const auto& j : r["jobs"]) out += j["job"].get<std::string>() + "=" + j["outcome"].get<std::string>() + " ";
  return out;
}

std::string log_text() { return sh("laptop", "cat " + kStateDir + "/logs/sync-*.log").out; }

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// Every line of the session log is a JSON object in well-formed UTF-8.
void require_valid_log(const std::string& log) {
  std::istringstream lines(log);
  std::string line;
  std::size_t n = 0, bad = 0;
  while (std::getline(lines, line)) {
    ++n;
    if (!pcs::valid_utf8(line) || !nlohmann::json::accept(line)) ++bad;
  }
  CHECK(n > 0);
  CHECK(bad == 0);
}

void next_sync_succeeds() {
  configure("sync_jobs:\n  c_hello: true\n");
  auto r = mb_sync({"--allow-first-sync", "--allow-out-of-order"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  require_clean();
}

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

TEST_CASE("garbage strings, an unknown status and threads of a plugin's own: the session goes on, naming each",
          "[session][misbehaving]") {
  reset_machines();
  configure(
      "sync_jobs:\n  mb_bad_strings: true\n  c_hello: true\n  mb_unknown_status: true\n  mb_rogue_threads: true\n"
      "  dummy_success: true\n" +
      kQuickSuccess);
  auto r = mb_sync({"--allow-first-sync"});
  INFO(r.out << r.err);
  // Failures of these jobs are isolated: every job runs, the session fails.
  CHECK(r.exit_code == 1);
  CHECK(jobs_of(report()) ==
        "mb_bad_strings=failed c_hello=success mb_unknown_status=failed mb_rogue_threads=success "
        "dummy_success=success ");
  // Invalid UTF-8 is replaced on the terminal, in the log and in the report.
  CHECK(pcs::valid_utf8(r.out));
  CHECK(contains(r.out, "bad " + kReplacement + " " + kReplacement + kReplacement + " utf8 " + kReplacement + "( end"));
  CHECK(contains(r.out, "CRITICAL [mb_bad_strings] failed after"));
  CHECK(contains(r.out, "CRITICAL [mb_unknown_status] failed after"));
  CHECK(contains(r.out, "an unknown status 42 (a plugin bug)"));
  CHECK(pcs::valid_utf8(read_file("laptop", kReportFile)));
  const std::string log = log_text();
  require_valid_log(log);
  // The rogue threads called host services after execute returned, until destroy joined them.
  const std::regex rogue(R"(rogue thread [0-2] stopped in destroy: \d+ calls, [1-9]\d* after execute returned)");
  CHECK(std::regex_search(log, rogue));
  CHECK(contains(log, R"("job":"mb_rogue_threads","host":"source","message":"rogue thread 1 call 1")"));
  require_clean();
}

TEST_CASE("a plugin writing to stdout and stderr: each line is a WARNING naming it, the terminal stays readable",
          "[session][misbehaving]") {
  reset_machines();
  configure("sync_jobs:\n  mb_writes_stdio: true\n  c_hello: true\n");
  auto r = mb_sync({"--allow-first-sync"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(jobs_of(report()) == "mb_writes_stdio=success c_hello=success ");
  const std::string caught = "WARNING [mb_writes_stdio] the plugin wrote to ";
  CHECK(contains(r.out, caught + "stdout instead of logging: printf to stdout from the plugin\n"));
  CHECK(contains(r.out, caught + "stderr instead of logging: fprintf to stderr from the plugin\n"));
  // Escape sequences and invalid bytes neutralised.
  CHECK(contains(r.out, caught + "stdout instead of logging: raw write on fd 1: ?[2J?[H clear screen, " + kReplacement +
                            kReplacement + " bytes\n"));
  // A last line without its newline is handed over when the job's call ends.
  CHECK(contains(r.out, caught + "stderr instead of logging: raw write on fd 2 without a newline\n"));
  CHECK(!contains(r.out, "[c_hello] the plugin wrote"));
  CHECK(pcs::valid_utf8(r.out));
  CHECK(!contains(r.out, "\x1b"));
  CHECK(!contains(r.err, "from the plugin"));
  require_clean();
}

TEST_CASE("100 MiB of log and a million progress updates: bounded memory, the session completes",
          "[session][misbehaving]") {
  reset_machines();
  configure("sync_jobs:\n  mb_log_flood: true\n  mb_progress_flood: true\n  c_hello: true\n");
  const auto begin = std::chrono::steady_clock::now();
  auto r = mb_sync({"--allow-first-sync"}, true);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  INFO(r.out.substr(0, 20000) << r.err);
  CHECK(r.exit_code == 0);
  CHECK(jobs_of(report()) == "mb_log_flood=success mb_progress_flood=success c_hello=success ");
  std::smatch m;
  REQUIRE(std::regex_search(r.err, m, std::regex(R"(pcs-max-rss-kib=(\d+))")));
  const long rss_mib = std::stol(m[1]) / 1024;
  std::smatch logged, progress;
  CHECK(std::regex_search(r.out, logged, std::regex(R"(logged 102400 records of 1 KiB in (\d+) ms)")));
  CHECK(std::regex_search(r.out, progress, std::regex(R"(sent 1000000 progress updates in (\d+) ms)")));
  const std::string log_size = sh("laptop", "du -m " + kStateDir + "/logs/sync-*.log | cut -f1").out;
  WARN("max RSS " << rss_mib << " MiB; session " << seconds << " s; " << logged.str() << "; " << progress.str()
                  << "; log file " << log_size << " MiB");
#if defined(__SANITIZE_ADDRESS__)
  CHECK(rss_mib < 300);  // ASan's shadow memory and quarantine
#else
  CHECK(rss_mib < 80);
#endif
  require_clean();
}

TEST_CASE("a plugin ignoring cancellation and calling on: the host moves on after 5 s, naming it",
          "[session][misbehaving]") {
  reset_machines();
  configure("sync_jobs:\n  mb_keeps_calling: true\n  c_hello: true\n");
  Running run({"--allow-first-sync"});
  REQUIRE(log_shows(R"("job":"mb_keeps_calling","host":"target","message":"ran sleep 1")"));
  const auto sent = std::chrono::steady_clock::now();
  run.signal("INT");
  auto& r = run.wait();
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  INFO(r.out << r.err);
  WARN("exit after " << waited << " s");
  CHECK(r.exit_code == 130);  // not a crash while the plugin calls on during the teardown
  CHECK(waited >= 5);
  CHECK(waited < 9);
  CHECK(contains(r.out, "Job mb_keeps_calling (" PCS_MISBEHAVING_SESSION_PLUGIN_DIR
                        "/mb_keeps_calling.so) did not stop within 5 s of being cancelled"));
  // Once cancelled, each host call it makes returns at once: PCS_ERR_CANCELLED (4).
  CHECK(contains(r.out, "cancelled, but going on: call"));
  CHECK(contains(r.out, "run returned 4, start_process 4"));
  CHECK(jobs_of(report()) == "mb_keeps_calling=cancelled c_hello=not run ");
  require_clean();
  next_sync_succeeds();
}

TEST_CASE("an SDK job throwing or misreading its config fails with the exception's message", "[session][misbehaving]") {
  reset_machines();
  configure("sync_jobs:\n  mb_sdk_throws: true\n  c_hello: true\nmb_sdk_throws:\n  throw_in: validate\n");
  auto r = mb_sync({"--allow-first-sync"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "ERROR [mb_sdk_throws] its checks could not run: mb_sdk_throws threw on purpose in validate"));
  CHECK(contains(r.out, "nothing was changed on either machine"));

  configure("sync_jobs:\n  mb_sdk_throws: true\n  c_hello: true\nmb_sdk_throws:\n  throw_in: execute\n");
  r = mb_sync({"--allow-first-sync"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "CRITICAL [mb_sdk_throws] failed after"));
  CHECK(contains(r.out, "mb_sdk_throws threw on purpose in execute"));
  CHECK(jobs_of(report()) == "mb_sdk_throws=failed c_hello=success ");

  // Its schema declares "count" an integer; the job reads it as text.
  configure("sync_jobs:\n  mb_sdk_throws: true\nmb_sdk_throws:\n  read_count_as_text: true\n");
  r = mb_sync({"--allow-first-sync", "--allow-out-of-order"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "CRITICAL [mb_sdk_throws] failed after"));
  CHECK(contains(r.out, "JSON value is not a string"));
  require_clean();
}

TEST_CASE("a plugin crashing mid-job: the next sync takes over both locks and starts cleanly",
          "[session][misbehaving][crash]") {
  for (const std::string how : {"segv", "abort"}) {
    INFO("how: " << how);
    reset_machines();
    configure("sync_jobs:\n  mb_crashes: true\n  c_hello: true\nmb_crashes:\n  how: " + how + "\n");
    auto r = mb_sync({"--allow-first-sync"});
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
#if !defined(__SANITIZE_ADDRESS__)
    CHECK(r.exit_code != 1);  // died of the signal (under ASan, its SEGV handler reports and exits 1)
#endif
    CHECK(contains(log_text(), "started sleep 300 on the target"));
    // The job's process on the target ended with the connection; so did the target's lock holder.
    CHECK(leftovers("desktop") == "");
    CHECK(lock_free("desktop"));
    next_sync_succeeds();
    const std::string log = sh("laptop", "cat $(ls -t " + kStateDir + "/logs/sync-*.log | head -1)").out;
    CHECK(contains(log,
                   "ended without releasing this machine's lock (it crashed or was killed); its lock was taken over"));
  }
}

TEST_CASE("pc-switcher killed (SIGKILL) mid-job: nothing of the session is left on the target, the next sync works",
          "[session][misbehaving][crash]") {
  reset_machines();
  configure("sync_jobs:\n  mb_crashes: true\nmb_crashes:\n  how: wait\n");
  Running run({"--allow-first-sync"});
  REQUIRE(log_shows("waiting to be cancelled"));
  REQUIRE(sh("desktop", "pgrep -u pcsuser -x sleep").exit_code == 0);
  run.signal("KILL");
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code != 0);
  CHECK(leftovers("laptop") == "");
  CHECK(leftovers("desktop") == "");
  next_sync_succeeds();
  const std::string log = sh("laptop", "cat $(ls -t " + kStateDir + "/logs/sync-*.log | head -1)").out;
  CHECK(contains(log, "its lock was taken over"));
}
