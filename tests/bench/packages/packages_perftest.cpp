// packages_perftest: a no-change package sync beside the reads it rests on,
// in the same run, alternating, between the sandbox machines (each with this
// machine's whole installed set, so the two sets are equal).
//
// pc-switcher: `sync desktop --only packages` (the whole session: locks,
// validation, snapshots, install check) and, from --report, the packages job
// alone (plan both machines, find nothing to do).
// Baselines, as a person would type them, on both machines at once (the job
// reads both): here directly, on desktop over ssh —
//   apt-mark showmanual; apt-mark showhold; dpkg-query -W ...;
//   apt-cache policy $(apt-mark showmanual)
// once as typed (apt rebuilds its cache in memory for each command when the
// user cannot write it) and once with the per-user cache the job uses.
//
//   packages_perftest [--runs R]   (sandbox up; built)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_common.hpp"

namespace {

const std::string kScript = PCS_SANDBOX_SCRIPT;
const std::string kConfig = "/tmp/pcs-packages-bench.yaml";
const std::string kReport = "/tmp/pcs-packages-bench.json";
const std::string kSsh = bench::kSandboxSshDesktop;

std::vector<std::string> in(const std::string& machine, const std::vector<std::string>& argv, bool root = false) {
  return bench::in_sandbox(kScript, machine, argv, root);
}

// The reads, as one shell line; `opts` goes after each apt command's name.
// Without `policy`, only what a plan with nothing missing needs.
std::string reads(const std::string& opts, bool policy = true) {
  std::string r = "apt-mark" + opts + " showmanual >/dev/null && apt-mark" + opts +
                  " showhold >/dev/null && dpkg-query -W "
                  "-f='${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n' >/dev/null";
  if (policy) r += " && apt-cache" + opts + " policy $(apt-mark" + opts + " showmanual) >/dev/null";
  return r;
}

// Both machines at once: here, and desktop over ssh.
std::vector<std::string> both(const std::string& script) {
  std::string quoted = "'";
  for (char c : script) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  return in("laptop", {"/bin/sh", "-c",
                       "export LC_ALL=C; (" + script + ") & a=$!; " + kSsh + " " + quoted + " || exit 1; wait $a"});
}

void report(const char* what, const std::vector<double>& ms) {
  std::printf("  %-52s median %7.0f ms  (min %.0f, max %.0f)\n", what, bench::median(ms), bench::percentile(ms, 0),
              bench::percentile(ms, 100));
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
  const std::string config =
      "sync_jobs:\n  packages: true\n"
      "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n  keep_recent: 1\n"
      "packages:\n  managers: [apt]\n";
  auto prep = bench::run_timed(in("laptop", {"/bin/sh", "-c", "printf %s \"$1\" > " + kConfig, "sh", config}));
  // Equal sets: no decisions, nothing the tests left installed on one machine only.
  for (const char* m : {"laptop", "desktop"})
    bench::run_timed(in(m,
                        {"/bin/sh", "-c",
                         "rm -f /home/pcsuser/.config/pc-switcher/packages.decisions.yaml; "
                         "dpkg-query -W sl >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "
                         "sl >/dev/null 2>&1; true"},
                        true));
  if (!prep.ok) {
    std::fprintf(stderr, "cannot write the config inside laptop: is the sandbox up?\n");
    return 1;
  }
  const auto count =
      bench::run_timed(in("laptop", {"sh", "-c", "apt-mark showmanual | wc -l; dpkg-query -W | wc -l"}), nullptr, true);

  const std::vector<std::string> pcs =
      in("laptop", {"env", "PCSWITCHER_PLUGIN_PATH=" PCS_BUNDLED_PLUGIN_DIR, PCS_BINARY, "sync", "desktop", "--config",
                    kConfig, "--only", "packages", "--allow-first-sync", "--allow-out-of-order", "--report", kReport});
  const std::string cache =
      " -o Dir::Cache::pkgcache=$HOME/.cache/pc-switcher/apt/pkgcache.bin"
      " -o Dir::Cache::srcpkgcache=$HOME/.cache/pc-switcher/apt/srcpkgcache.bin";
  const auto typed = both(reads(""));
  const auto cached = both(reads(cache));
  const auto no_policy = both(reads(cache, false));
  auto job_from_report = [] {
    auto r = bench::run_timed(in("laptop", {"cat", kReport}), nullptr, true);
    try {
      const auto report = nlohmann::json::parse(r.out);
      for (const auto& j : report["jobs"])
        if (j["job"] == "packages") {
          if (j["outcome"] != "success") return -1.0;
          return j["duration_s"].get<double>() * 1000.0;
        }
    } catch (const std::exception&) {
    }
    return -1.0;
  };

  // One untimed round first: the job's cache is built, the page cache warm.
  for (const auto* argv : {&pcs, &typed, &cached, &no_policy})
    if (!bench::run_timed(*argv, nullptr, false, "/tmp/pcs-packages-bench.err").ok) {
      std::fprintf(stderr, "failed: %s\n", bench::joined(*argv).c_str());
      return 1;
    }
  std::vector<double> session_ms, job_ms, typed_ms, cached_ms, no_policy_ms;
  for (int i = 0; i < runs; ++i) {
    const std::vector<const std::vector<std::string>*> order =
        i % 2 == 0 ? std::vector{&pcs, &typed, &cached, &no_policy} : std::vector{&no_policy, &cached, &typed, &pcs};
    for (const auto* argv : order) {
      auto t = bench::run_timed(*argv, nullptr, false, "/tmp/pcs-packages-bench.err");
      if (!t.ok) {
        std::fprintf(stderr, "failed: %s\n%s\n", bench::joined(*argv).c_str(), t.error.c_str());
        return 1;
      }
      if (argv == &pcs) {
        session_ms.push_back(t.wall_ms);
        const double j = job_from_report();
        if (j < 0) {
          std::fprintf(stderr, "the packages job did not succeed: the sets are not equal? see %s\n", kReport.c_str());
          return 1;
        }
        job_ms.push_back(j);
      }
      if (argv == &typed) typed_ms.push_back(t.wall_ms);
      if (argv == &cached) cached_ms.push_back(t.wall_ms);
      if (argv == &no_policy) no_policy_ms.push_back(t.wall_ms);
    }
  }
  std::string counts = count.out;
  for (auto& c : counts)
    if (c == '\n') c = ' ';
  std::printf("packages (apt), no-change sync; manual / installed packages on each machine: %s; %d runs\n",
              counts.c_str(), runs);
  report("reads on both machines, as typed (no writable cache)", typed_ms);
  report("reads on both machines, with the job's per-user cache", cached_ms);
  report("the same without apt-cache policy (a no-change plan's reads)", no_policy_ms);
  report("pc-switcher sync --only packages (session)", session_ms);
  report("  of which the packages job (plan, nothing to do)", job_ms);
  const double job = bench::median(job_ms);
  std::printf("  ratio job/reads as typed %.2fx   job/reads with cache %.2fx   session/reads with cache %.2fx\n",
              job / bench::median(typed_ms), job / bench::median(cached_ms),
              bench::median(session_ms) / bench::median(cached_ms));
  std::printf("  ratio job/reads without policy %.2fx\n", job / bench::median(no_policy_ms));
  std::printf("  goal: job <= 1.5x the reads and under 3 s: %s\n",
              job <= 1.5 * bench::median(cached_ms) && job < 3000 ? "met" : "NOT met");
  return 0;
}
