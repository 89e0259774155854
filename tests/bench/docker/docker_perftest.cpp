// docker_perftest: an image (one incompressible layer of N MB over the
// sandbox's base image) moved to desktop by the docker job, beside what a
// person would type — `sudo podman save IMAGE | ssh desktop sudo podman load`
// — in the same run, alternating; the image is removed from desktop before
// each run. pc-switcher's figures: the whole session (`sync --only docker`:
// locks, validation, snapshots, install check, both engines read) and the
// docker job alone (from --report).
//
//   docker_perftest [--megabytes N] [--runs R]   (sandbox up; built; default 500 MB, 3 runs)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_common.hpp"

namespace {

const std::string kScript = PCS_SANDBOX_SCRIPT;
const std::string kConfig = "/tmp/pcs-docker-bench.yaml";
const std::string kReport = "/tmp/pcs-docker-bench.json";
const std::string kImage = "localhost/pcs-bench:1";
const std::string kSsh = bench::kSandboxSshDesktop;

std::vector<std::string> in(const std::string& machine, const std::vector<std::string>& argv, bool root = false) {
  return bench::in_sandbox(kScript, machine, argv, root);
}

bool run(const std::vector<std::string>& argv) {
  auto r = bench::run_timed(argv, nullptr, false, "/tmp/pcs-docker-bench.err");
  if (!r.ok) std::fprintf(stderr, "failed: %s\n%s\n", bench::joined(argv).c_str(), r.error.c_str());
  return r.ok;
}

void report(const char* what, const std::vector<double>& ms, double mb) {
  const double m = bench::median(ms);
  std::printf("  %-46s median %7.0f ms  %6.1f MB/s  (min %.0f, max %.0f)\n", what, m, mb / (m / 1000.0),
              bench::percentile(ms, 0), bench::percentile(ms, 100));
}

}  // namespace

int main(int argc, char** argv) {
  long megabytes = 500;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--megabytes") == 0) megabytes = std::atol(argv[i + 1]);
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
  }
  if (!run({"/bin/bash", PCS_PODMAN_SETUP, "laptop", "desktop"})) {
    std::fprintf(stderr, "cannot set podman up in the sandbox: is it up?\n");
    return 1;
  }
  // Only the bench image on laptop, nothing but the base image on desktop.
  for (const char* m : {"laptop", "desktop"})
    run(in(m, {"/bin/sh", "-c", "podman rm -af -t 0 >/dev/null; podman rmi -f " + kImage + " >/dev/null 2>&1; true"},
           true));
  const std::string build = "podman build --network none -t " + kImage + " -f - /tmp >/dev/null <<'EOF'\n" +
                            "FROM localhost/pcs-base:1\nRUN head -c " + std::to_string(megabytes * 1000000) +
                            " /dev/urandom > /data/blob\nEOF";
  if (!run(in("laptop", {"/bin/sh", "-c", build}, true))) return 1;
  const std::string config =
      "sync_jobs:\n  docker: true\n"
      "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n  keep_recent: 1\n"
      "docker:\n  engine_command: sudo podman\n  images:\n    include: [\"localhost/pcs-bench:*\"]\n"
      "  volumes: []\n  containers: false\n";
  if (!run(in("laptop", {"/bin/sh", "-c", "printf %s \"$1\" > " + kConfig, "sh", config}))) return 1;
  const auto size = bench::run_timed(
      in("laptop", {"podman", "image", "inspect", "--format", "{{.Size}}", kImage}, true), nullptr, true);
  const double mb = std::atof(size.out.c_str()) / 1e6;

  const auto pcs =
      in("laptop", {"env", "PCSWITCHER_PLUGIN_PATH=" PCS_BUNDLED_PLUGIN_DIR, PCS_BINARY, "sync", "desktop", "--config",
                    kConfig, "--only", "docker", "--allow-first-sync", "--allow-out-of-order", "--report", kReport});
  const auto raw = in(
      "laptop", {"/bin/sh", "-c", "sudo -n podman save " + kImage + " | " + kSsh + " sudo -n podman load >/dev/null"});
  const auto clear = in("desktop", {"podman", "rmi", "-f", kImage}, true);
  auto job_ms = [] {
    auto r = bench::run_timed(in("laptop", {"cat", kReport}), nullptr, true);
    try {
      const auto report = nlohmann::json::parse(r.out);
      for (const auto& j : report["jobs"])
        if (j["job"] == "docker" && j["outcome"] == "success") return j["duration_s"].get<double>() * 1000.0;
    } catch (const std::exception&) {
    }
    return -1.0;
  };
  std::vector<double> session_ms, docker_ms, raw_ms;
  for (int i = 0; i < runs; ++i)
    for (int order = 0; order < 2; ++order) {
      const bool pcs_turn = (order == 0) == (i % 2 == 0);
      run(clear);
      auto t = bench::run_timed(pcs_turn ? pcs : raw, nullptr, false, "/tmp/pcs-docker-bench.err");
      if (!t.ok) {
        std::fprintf(stderr, "%s failed: %s\n", pcs_turn ? "pc-switcher" : "save | ssh load", t.error.c_str());
        return 1;
      }
      if (!pcs_turn) {
        raw_ms.push_back(t.wall_ms);
        continue;
      }
      session_ms.push_back(t.wall_ms);
      const double j = job_ms();
      if (j < 0) {
        std::fprintf(stderr, "the docker job did not succeed; see %s inside laptop\n", kReport.c_str());
        return 1;
      }
      docker_ms.push_back(j);
    }
  std::printf("docker (podman): an image of %.0f MB moved to desktop, %d runs each, alternating\n", mb, runs);
  report("podman save | ssh desktop podman load", raw_ms, mb);
  report("pc-switcher sync --only docker (session)", session_ms, mb);
  report("  of which the docker job", docker_ms, mb);
  std::printf("  ratio job/raw %.3fx   session/raw %.3fx   (goal: <= 1.05x)\n",
              bench::median(docker_ms) / bench::median(raw_ms), bench::median(session_ms) / bench::median(raw_ms));
  run(clear);
  run(in("laptop", {"podman", "rmi", "-f", kImage}, true));
  return 0;
}
