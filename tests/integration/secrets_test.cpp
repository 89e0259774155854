// Logs, the terminal and the report never hold secrets: output a job
// withheld, tokens in a command's environment, credentials in URLs (in a
// message, a field, a command line). tests/plugins/secretive_job.c runs each.
#include "session_support.hpp"

using namespace session_test;

TEST_CASE("no secret reaches the terminal, the log file, `logs` or the report", "[session][security]") {
  reset_machines();
  configure("sync_jobs:\n  secretive: true\n");
  const std::string report = "/tmp/pcs-session-test-report.json";
  auto r = sync({"--plugin-dir", PCS_SECRETS_PLUGIN_DIR, "--allow-first-sync", "--report", report});
  const std::string terminal = r.out + r.err;
  INFO(terminal);
  CHECK(r.exit_code == 1);  // the job fails on purpose, after every secret passed through
  CHECK(terminal.find("the secret store refused the key") != std::string::npos);

  const std::string log_file = sh("laptop", "cat " + kStateDir + "/logs/sync-*.log").out;
  const std::string replay =
      in("laptop", {PCS_BINARY, "logs", "--last", "--level", "DEBUG", "--plugin-dir", PCS_SECRETS_PLUGIN_DIR}).out;
  const std::string replay_json =
      in("laptop", {PCS_BINARY, "logs", "--last", "--json", "--level", "DEBUG", "--plugin-dir", PCS_SECRETS_PLUGIN_DIR})
          .out;
  const std::string summary = read_file("laptop", report);
  // The job really logged and ran all of it: the redacted forms are there.
  CHECK(log_file.find("https://***@git.example.org/repo.git") != std::string::npos);
  CHECK(log_file.find("***@git.example.org/x.git") != std::string::npos);
  CHECK(log_file.find("***@github.com/o/r.git") != std::string::npos);
  CHECK(log_file.find("test -n") != std::string::npos);  // the env command's trace
  for (const char* secret : {"withheld-stdout-Q7", "withheld-stderr-Q8", "env-token-Q9", "url-field-Q10",
                             "url-message-Q11", "url-argv-Q12", "failing-secret-Q13"}) {
    INFO(secret);
    CHECK(terminal.find(secret) == std::string::npos);
    CHECK(log_file.find(secret) == std::string::npos);
    CHECK(replay.find(secret) == std::string::npos);
    CHECK(replay_json.find(secret) == std::string::npos);
    CHECK(summary.find(secret) == std::string::npos);
  }
  require_clean();
}
