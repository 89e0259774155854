// session_perftest: what a whole `pc-switcher sync` costs beyond its jobs. A
// session with one no-op job (c_hello: one `echo` on each machine) runs inside
// the sandbox's laptop against desktop, beside a bare connect + one command
// (`ssh desktop true`, OpenSSH, fresh connection) in the same run. Both go
// through `sandbox.sh exec laptop`, whose own cost (`true`) is measured and
// subtracted. From each session's log: connect → summary.
//
//   session_perftest [--runs N]      (sandbox up; build/host/pc-switcher built)
//
// Exit status 1 only when a run failed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace {

const std::string kScript = PCS_SANDBOX_SCRIPT;
const std::string kConfig = "/tmp/pcs-session-bench.yaml";
const std::string kLogs = "/home/pcsuser/.local/share/pc-switcher/logs";

std::vector<std::string> in_laptop(std::vector<std::string> argv) {
  std::vector<std::string> full{"/bin/bash", kScript, "exec", "laptop"};
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

// Seconds of the day of "2026-11-29T13:08:39.123+00:00" (sessions here never cross midnight twice).
double seconds_of(const std::string& stamp) {
  const auto t = stamp.find('T');
  if (t == std::string::npos || stamp.size() < t + 13) return -1;
  return std::atoi(stamp.substr(t + 1, 2).c_str()) * 3600.0 + std::atoi(stamp.substr(t + 4, 2).c_str()) * 60.0 +
         std::atof(stamp.substr(t + 7, 6).c_str());
}

// The "time" of the first line of `log` that contains `needle`.
double time_of(const std::string& log, const std::string& needle) {
  const auto at = log.find(needle);
  if (at == std::string::npos) return -1;
  const auto line = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
  const auto t = log.find("\"time\":\"", line);
  return t == std::string::npos ? -1 : seconds_of(log.substr(t + 8, 29));
}

void report(const char* what, const std::vector<double>& ms) {
  std::printf("  %-58s median %7.1f ms  p90 %7.1f ms\n", what, bench::median(ms), bench::percentile(ms, 90));
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 10;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[++i]);

  const std::string config = "logging:\n  file: DEBUG\nsync_jobs:\n  c_hello: true\n";
  if (!bench::run_timed(in_laptop({"/bin/sh", "-c", "printf %s \"$1\" > " + kConfig, "sh", config})).ok) {
    std::fprintf(stderr, "cannot write the config inside laptop: is the sandbox up?\n");
    return 1;
  }
  const std::vector<std::string> session =
      in_laptop({"env", "PCSWITCHER_PLUGIN_PATH=" PCS_TEST_PLUGIN_DIR, PCS_BINARY, "sync", "desktop", "--config",
                 kConfig, "--allow-first-sync", "--allow-out-of-order"});
  const std::vector<std::string> bare = in_laptop({"ssh", "desktop", "true"});
  const std::vector<std::string> nothing = in_laptop({"true"});

  std::vector<double> t_session, t_bare, t_nothing, t_connect_to_end;
  for (int i = 0; i < runs + 1; ++i) {  // the first round warms caches and is not counted
    auto n = bench::run_timed(nothing);
    auto b = bench::run_timed(bare);
    auto s = bench::run_timed(session);
    if (!n.ok || !b.ok || !s.ok) {
      std::fprintf(stderr, "a run failed: %s%s%s\n", n.error.c_str(), b.error.c_str(), s.error.c_str());
      return 1;
    }
    auto log = bench::run_timed(in_laptop({"/bin/sh", "-c", "cat \"$(ls " + kLogs + "/sync-*.log | tail -1)\""}),
                                nullptr, true);
    const double from = time_of(log.out, ": connect\""), to = time_of(log.out, "\"session finished\"");
    if (i == 0) continue;
    t_nothing.push_back(n.wall_ms);
    t_bare.push_back(b.wall_ms - n.wall_ms);
    t_session.push_back(s.wall_ms - n.wall_ms);
    if (from >= 0 && to >= from) t_connect_to_end.push_back((to - from) * 1000);
  }
  std::printf("session_perftest: %d runs each, inside the sandbox's laptop, target desktop\n", runs);
  report("`sandbox.sh exec laptop true` (subtracted below)", t_nothing);
  report("bare: `ssh desktop true` (connect + one command)", t_bare);
  report("session: `pc-switcher sync desktop`, c_hello only", t_session);
  if (!t_connect_to_end.empty()) report("  of it, connect -> summary (from the session log)", t_connect_to_end);
  std::printf("  ratio session / bare: %.2fx\n", bench::median(t_session) / bench::median(t_bare));
  return 0;
}
