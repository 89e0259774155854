// startup_perftest: median wall time of `pc-switcher plugins` with a directory of
// plugins, measured beside `/bin/true` and `pc-switcher --version` in the same run.
//
//   startup_perftest PC_SWITCHER PLUGIN_DIR [--runs N] [--warmup N] [--expect N] [--goal-ms MS]
//
// The three commands run interleaved (rotating order), stdout and stderr to
// /dev/null, with PCSWITCHER_PLUGIN_PATH set to an empty value so that only
// PLUGIN_DIR (and the compiled-in default directory, which must add nothing)
// is searched. Before timing, `pc-switcher plugins --json` must list exactly
// --expect plugins, all from PLUGIN_DIR, else the exit status is 1. The goal
// (plugins at most --goal-ms above /bin/true, medians) is reported, not enforced.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

// The SDK's small JSON parser: enough to read `plugins --json`, and quick to compile.
#include <pcswitcher/json.hpp>

#include "bench_common.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Sample {
  double wall_ms;
  double cpu_ms;  // user + system time of the child
};

// The environment of the children: ours, but PCSWITCHER_PLUGIN_PATH empty.
std::vector<std::string> child_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "PCSWITCHER_PLUGIN_PATH=", 23) != 0) env.emplace_back(*e);
  env.emplace_back("PCSWITCHER_PLUGIN_PATH=");
  return env;
}

struct Stats {
  double median, p10, p90, cpu_median;
};

Stats stats_of(const std::vector<Sample>& samples) {
  std::vector<double> wall, cpu;
  for (const auto& s : samples) wall.push_back(s.wall_ms), cpu.push_back(s.cpu_ms);
  return {bench::percentile(wall, 50), bench::percentile(wall, 10), bench::percentile(wall, 90),
          bench::percentile(cpu, 50)};
}

// `pc-switcher plugins --json` must list exactly `expect` plugins, all in `dir`.
bool verify_plugins(const std::string& host, const std::string& dir, int expect, const std::vector<std::string>& env) {
  bench::Timed r = bench::run_timed({host, "plugins", "--json", "--plugin-dir", dir}, &env, true);
  if (!r.ok) {
    std::fprintf(stderr, "startup_perftest: %s\n", r.error.c_str());
    return false;
  }
  pcs::Json doc;
  try {
    doc = pcs::Json::parse(r.out);
    if (!doc["plugins"].is_array() || !doc["skipped"].is_array()) throw pcs::JsonError("no plugins/skipped arrays");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "startup_perftest: `pc-switcher plugins --json` printed no plugin list: %s\n", e.what());
    return false;
  }
  bool ok = true;
  const auto& plugins = doc["plugins"].as_array();
  for (const auto& s : doc["skipped"].as_array()) {
    std::fprintf(stderr, "startup_perftest: skipped: %s: %s\n", s.value<std::string>("path", "?").c_str(),
                 s.value<std::string>("reason", "?").c_str());
    ok = false;
  }
  std::error_code ec;
  const fs::path want_dir = fs::canonical(dir, ec);
  std::set<std::string> names;
  for (const auto& p : plugins) {
    const std::string name = p.value<std::string>("name", "");
    const fs::path path = p.value<std::string>("path", "");
    names.insert(name);
    if (fs::canonical(path, ec).parent_path() != want_dir) {
      std::fprintf(stderr,
                   "startup_perftest: plugin '%s' comes from %s, not from %s (another plugin directory "
                   "interferes)\n",
                   name.c_str(), path.c_str(), dir.c_str());
      ok = false;
    }
  }
  if (plugins.size() != static_cast<std::size_t>(expect) || names.size() != plugins.size()) {
    std::fprintf(stderr,
                 "startup_perftest: `pc-switcher plugins --json --plugin-dir %s` lists %zu plugins "
                 "(%zu distinct names), expected %d\n",
                 dir.c_str(), plugins.size(), names.size(), expect);
    ok = false;
  }
  return ok;
}

void usage() {
  std::fprintf(stderr,
               "usage: startup_perftest PC_SWITCHER PLUGIN_DIR [--runs N] [--warmup N] [--expect N] [--goal-ms MS]\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> positional;
  int runs = 200, warmup = 10, expect = 50;
  double goal_ms = 15.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--runs" || a == "--warmup" || a == "--expect" || a == "--goal-ms") && i + 1 < argc) {
      const char* v = argv[++i];
      if (a == "--runs")
        runs = std::atoi(v);
      else if (a == "--warmup")
        warmup = std::atoi(v);
      else if (a == "--expect")
        expect = std::atoi(v);
      else
        goal_ms = std::atof(v);
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      usage();
      return 2;
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2 || runs < 1 || warmup < 0) {
    usage();
    return 2;
  }
  const std::string host = fs::absolute(positional[0]).string();
  const std::string dir = positional[1];
  const auto env = child_environment();

  if (!verify_plugins(host, dir, expect, env)) return 1;
  std::printf("pc-switcher plugins --json lists %d plugins, all from %s\n", expect, dir.c_str());

  struct Case {
    std::string label;
    std::vector<std::string> argv;
    std::vector<Sample> samples;
  };
  std::vector<Case> cases = {
      {"/bin/true", {"/bin/true"}, {}},
      {"pc-switcher --version", {host, "--version"}, {}},
      {"pc-switcher plugins (" + std::to_string(expect) + " plugins)", {host, "plugins", "--plugin-dir", dir}, {}},
  };
  for (int i = 0; i < warmup + runs; ++i) {
    for (std::size_t k = 0; k < cases.size(); ++k) {
      Case& c = cases[(k + static_cast<std::size_t>(i)) % cases.size()];  // rotate the order
      bench::Timed r = bench::run_timed(c.argv, &env, false);
      if (!r.ok) {
        std::fprintf(stderr, "startup_perftest: %s\n", r.error.c_str());
        return 1;
      }
      if (i >= warmup) c.samples.push_back({r.wall_ms, r.cpu_ms});
    }
  }

  std::printf("%d runs of each, interleaved, after %d warm-up runs\n\n", runs, warmup);
  std::printf("%-36s %9s %9s %9s %12s\n", "command (wall ms)", "median", "p10", "p90", "cpu median");
  std::vector<Stats> s;
  for (const auto& c : cases) {
    s.push_back(stats_of(c.samples));
    std::printf("%-36s %9.2f %9.2f %9.2f %12.2f\n", c.label.c_str(), s.back().median, s.back().p10, s.back().p90,
                s.back().cpu_median);
  }
  const double version_over_true = s[1].median - s[0].median;
  const double plugins_over_true = s[2].median - s[0].median;
  const double plugins_over_version = s[2].median - s[1].median;
  std::printf("\ndifference of medians:\n");
  std::printf("  pc-switcher --version - /bin/true     %8.2f ms  (host start-up)\n", version_over_true);
  std::printf("  pc-switcher plugins   - --version     %8.2f ms  (loading %d plugins, %.3f ms each)\n",
              plugins_over_version, expect, plugins_over_version / expect);
  std::printf("  pc-switcher plugins   - /bin/true     %8.2f ms\n", plugins_over_true);
  std::printf("\ngoal: pc-switcher plugins with %d plugins at most %.1f ms above /bin/true: %s (%.2f ms)\n", expect,
              goal_ms, plugins_over_true <= goal_ms ? "PASS" : "FAIL", plugins_over_true);
  return 0;
}
