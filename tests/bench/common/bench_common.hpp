// What every benchmark under tests/bench needs: run a program and time it
// (wall and CPU), and percentiles of the samples.
#pragma once

#include <string>
#include <vector>

namespace bench {

struct Timed {
  bool ok = false;     // exited with status 0
  double wall_ms = 0;  // from spawn to reaped
  double cpu_ms = 0;   // user + system time of the child
  std::string out;     // stdout, when captured
  std::string error;   // why it failed (with its stderr, when that went to a file)
};

// Runs argv (PATH searched) with `env` (nullptr: ours); stdin from /dev/null;
// stdout to /dev/null or captured; stderr to `stderr_path` (empty: /dev/null).
Timed run_timed(const std::vector<std::string>& argv, const std::vector<std::string>* env = nullptr,
                bool capture = false, const std::string& stderr_path = "");

// Percentile by linear interpolation between closest ranks (sorts a copy).
double percentile(std::vector<double> samples, double p);
inline double median(const std::vector<double>& samples) { return percentile(samples, 50); }

std::string joined(const std::vector<std::string>& argv);

// The argv that runs `argv` inside sandbox machine `machine` (tests/sandbox/
// sandbox.sh at `script`), as its user or as root.
std::vector<std::string> in_sandbox(const std::string& script, const std::string& machine,
                                    const std::vector<std::string>& argv, bool root = false);

// `ssh desktop` as a person would type it inside the sandbox's laptop: the
// user's ssh config, key and known_hosts (a baseline for the benchmarks).
extern const char* const kSandboxSshDesktop;

}  // namespace bench
