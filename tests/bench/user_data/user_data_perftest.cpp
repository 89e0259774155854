// user_data_perftest: `pc-switcher sync --only user_data` beside raw rsync,
// in the same run, alternating, on a generated tree (tree_gen) between the
// sandbox machines: the initial sync (target folder removed first) and a
// no-change re-sync. The baseline is what a person would type:
//   sudo rsync -aAXHS --numeric-ids --delete --protect-args <the same filters>
//        --rsync-path='sudo -n rsync' -e ssh SRC/ desktop:SRC/
// pc-switcher's figure is the whole session (locks, validation, the system
// jobs: snapshots, install check, disk monitor) and, separately, the user_data
// job alone (from --report). Peak RSS of pc-switcher (VmHWM) comes from one
// extra, untimed run.
//
//   user_data_perftest [--files N] [--bytes B] [--runs R]   (sandbox up; built)
//
// Defaults are the tree: 100,000 files, 2 GB. Exit 1 when a run failed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_common.hpp"

namespace {

const std::string kScript = PCS_SANDBOX_SCRIPT;
const std::string kDir = "/srv/pcs-bench";
const std::string kConfig = "/tmp/pcs-user-data-bench.yaml";
const std::string kReport = "/tmp/pcs-user-data-bench.json";

std::vector<std::string> in(const std::string& machine, const std::vector<std::string>& argv, bool root = false) {
  return bench::in_sandbox(kScript, machine, argv, root);
}

bool run(const std::vector<std::string>& argv) {
  auto r = bench::run_timed(argv, nullptr, false, "/tmp/pcs-user-data-bench.err");
  if (!r.ok) std::fprintf(stderr, "failed: %s\n%s\n", bench::joined(argv).c_str(), r.error.c_str());
  return r.ok;
}

void report(const char* what, const std::vector<double>& ms, double files, double bytes) {
  const double m = bench::median(ms);
  std::printf("  %-44s median %8.0f ms  %9.0f files/s  %7.1f MB/s\n", what, m, files / (m / 1000.0),
              bytes / 1e6 / (m / 1000.0));
}

}  // namespace

int main(int argc, char** argv) {
  long files = 100000;
  double bytes = 2e9;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--files") == 0) files = std::atol(argv[i + 1]);
    if (std::strcmp(argv[i], "--bytes") == 0) bytes = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
  }
  const std::string config =
      "sync_jobs:\n  user_data: true\n"
      "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n  keep_recent: 1\n"
      "user_data:\n  max_delete: 1000000\n  folders:\n    - path: " +
      kDir + "\n";
  if (!run(in("laptop", {"/bin/sh", "-c", "printf %s \"$1\" > " + kConfig, "sh", config})) ||
      !run(in("laptop", {"rm", "-rf", kDir}, true)) ||
      !run(in("laptop", {PCS_TREE_GEN, kDir, "--files", std::to_string(files), "--bytes", std::to_string(bytes)},
              true))) {
    std::fprintf(stderr, "cannot prepare the tree inside laptop: is the sandbox up?\n");
    return 1;
  }
  // Bytes on disk (sparse files count what they hold, as rsync --sparse moves it).
  const auto du = bench::run_timed(in("laptop", {"du", "-s", "--block-size=1", kDir}, true), nullptr, true);
  const double tree_bytes = std::atof(du.out.c_str());

  const std::vector<std::string> pcs =
      in("laptop", {"env", "PCSWITCHER_PLUGIN_PATH=" PCS_BUNDLED_PLUGIN_DIR, PCS_BINARY, "sync", "desktop", "--config",
                    kConfig, "--only", "user_data", "--allow-first-sync", "--allow-out-of-order", "--report", kReport});
  const std::vector<std::string> raw =
      in("laptop", {"sudo",
                    "-n",
                    "rsync",
                    "-aAXHS",
                    "--numeric-ids",
                    "--delete",
                    "--protect-args",
                    "--filter=- **/.local/share/pc-switcher/",
                    "--filter=- **/.config/pc-switcher/*.decisions.yaml",
                    "--filter=- .ssh/id_*",
                    "--filter=- .ssh/known_hosts",
                    "--filter=- .ssh/known_hosts.old",
                    "--filter=- .ssh/authorized_keys",
                    "--filter=- .config/tailscale/",
                    "--filter=+ .cache/pip/***",
                    "--filter=+ .cache/uv/***",
                    "--filter=- .cache/*",
                    "--filter=dir-merge /.pcswitcher-filter",
                    "--rsync-path=sudo -n rsync",
                    "--rsh=ssh -F /home/pcsuser/.ssh/config -i /home/pcsuser/.ssh/id_ed25519 -o "
                    "UserKnownHostsFile=/home/pcsuser/.ssh/known_hosts",
                    kDir + "/",
                    "desktop:" + kDir + "/"});
  const auto clear_target = in("desktop", {"rm", "-rf", kDir}, true);
  auto job_ms = [] {
    auto r = bench::run_timed(in("laptop", {"cat", kReport}), nullptr, true);
    try {
      const auto report = nlohmann::json::parse(r.out);
      for (const auto& j : report["jobs"])
        if (j["job"] == "user_data") return j["duration_s"].get<double>() * 1000.0;
    } catch (const std::exception&) {
    }
    return -1.0;
  };

  std::vector<double> init_pcs, init_job, init_raw, same_pcs, same_job, same_raw;
  for (int i = 0; i < runs; ++i) {
    for (int order = 0; order < 2; ++order) {
      const bool pcs_turn = (order == 0) == (i % 2 == 0);
      if (!run(clear_target)) return 1;
      auto t = bench::run_timed(pcs_turn ? pcs : raw, nullptr, false, "/tmp/pcs-user-data-bench.err");
      if (!t.ok) {
        std::fprintf(stderr, "initial sync failed (%s): %s\n", pcs_turn ? "pc-switcher" : "rsync", t.error.c_str());
        return 1;
      }
      (pcs_turn ? init_pcs : init_raw).push_back(t.wall_ms);
      if (pcs_turn) init_job.push_back(job_ms());
    }
    for (int order = 0; order < 2; ++order) {
      const bool pcs_turn = (order == 0) == (i % 2 == 0);
      auto t = bench::run_timed(pcs_turn ? pcs : raw, nullptr, false, "/tmp/pcs-user-data-bench.err");
      if (!t.ok) {
        std::fprintf(stderr, "re-sync failed (%s): %s\n", pcs_turn ? "pc-switcher" : "rsync", t.error.c_str());
        return 1;
      }
      (pcs_turn ? same_pcs : same_raw).push_back(t.wall_ms);
      if (pcs_turn) same_job.push_back(job_ms());
    }
  }
  // Peak RSS: one more no-change run, watched (not timed).
  const std::string watched =
      bench::joined({"env", "PCSWITCHER_PLUGIN_PATH=" PCS_BUNDLED_PLUGIN_DIR, PCS_BINARY, "sync", "desktop", "--config",
                     kConfig, "--only", "user_data", "--allow-first-sync", "--allow-out-of-order"});
  auto rss = bench::run_timed(
      in("laptop", {"/bin/sh", "-c",
                    watched + " >/dev/null 2>&1 & p=$!; hwm=0; while kill -0 $p 2>/dev/null; do "
                              "h=$(awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null); [ -n \"$h\" ] && hwm=$h; "
                              "sleep 0.05; done; echo $hwm"}),
      nullptr, true);

  std::printf("user_data: %ld files, %.0f MB, %d runs each, alternating\n", files, tree_bytes / 1e6, runs);
  std::printf("initial sync (target folder empty)\n");
  report("raw rsync over ssh", init_raw, files, tree_bytes);
  report("pc-switcher sync --only user_data (session)", init_pcs, files, tree_bytes);
  report("  of which the user_data job", init_job, files, tree_bytes);
  std::printf("  ratio session/raw %.3fx   job/raw %.3fx\n", bench::median(init_pcs) / bench::median(init_raw),
              bench::median(init_job) / bench::median(init_raw));
  std::printf("no-change re-sync\n");
  report("raw rsync over ssh", same_raw, files, tree_bytes);
  report("pc-switcher sync --only user_data (session)", same_pcs, files, tree_bytes);
  report("  of which the user_data job", same_job, files, tree_bytes);
  std::printf("  ratio session/raw %.3fx   job/raw %.3fx\n", bench::median(same_pcs) / bench::median(same_raw),
              bench::median(same_job) / bench::median(same_raw));
  std::printf("pc-switcher peak RSS (VmHWM, no-change run): %.1f MB\n", std::atof(rss.out.c_str()) / 1024.0);
  run(in("laptop", {"rm", "-rf", kDir}, true));
  run(clear_target);
  return 0;
}
