// The disk_space_monitor background job in whole sessions: the sandbox
// machines' /home is a 1 GiB btrfs image that a test can fill.
#include "session_support.hpp"

using namespace session_test;

namespace {

const std::string kFill = "/home/pcsuser/pcs-fill";

ProcessOutput sync_with_system_jobs(std::vector<std::string> flags) {
  flags.insert(flags.begin(), {"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync", "--allow-out-of-order"});
  return sync(flags);
}

// Leaves about 40 MiB of /home free (whatever else the image holds, e.g. the
// pc-switcher that install_on_target pushed). btrfs shows new allocations in
// statfs (df) only once they are committed: sync.
bool fill_desktop() {
  return in("desktop", {"/bin/sh", "-c",
                        "avail=$(df --output=avail -B1M /home | tail -n 1); "
                        "fallocate -l $((avail - 40))M \"$1\" && sync -f \"$1\"",
                        "sh", kFill})
             .exit_code == 0;
}

// Frees the filled space again: the file, and the snapshots that saw it.
struct Unfill {
  Unfill() { reset_snapshots(); }
  ~Unfill() {
    in("desktop", {"rm", "-f", kFill});
    reset_snapshots();
  }
};

const std::string kSystemJobs =
    "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n  keep_recent: 1\n"
    "disk_space_monitor:\n  check_interval: 5\n";

}  // namespace

TEST_CASE("a disk filling up while a job runs stops the session within check_interval + 2 s", "[disk]") {
  reset_machines();
  Unfill unfill;
  configure(
      "sync_jobs:\n  dummy_success: true\n  c_hello: true\n"
      "dummy_success:\n  source_duration: 0.2\n  target_duration: 60\n  tick_seconds: 0.5\n"
      "  write_path: /home/pcsuser/synced\n" +
      kSystemJobs);
  BackgroundSync run({"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync", "--allow-out-of-order", "--report",
                      "/tmp/pcs-session-test-report.json"});
  REQUIRE(log_shows("tick 2"));
  REQUIRE(fill_desktop());
  const auto filled = std::chrono::steady_clock::now();
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(std::chrono::steady_clock::now() - filled < 7s);
  CHECK(r.out.find("CRITICAL [disk_space_monitor] (target) the target is running out of space: /home has") !=
        std::string::npos);
  auto report = nlohmann::json::parse(read_file("laptop", "/tmp/pcs-session-test-report.json"));
  CHECK(report["reason"] == "background job disk_space_monitor failed");
  auto outcome = [&](const std::string& job) {
    for (const auto& j : report["jobs"])
      if (j["job"] == job) return j["outcome"].get<std::string>();
    return std::string("(not in the report)");
  };
  CHECK(outcome("dummy_success") == "cancelled");
  CHECK(outcome("c_hello") == "not run");
  require_clean();
}

TEST_CASE("not enough space to start: a validation error naming the machine, nothing changed", "[disk]") {
  reset_machines();
  Unfill unfill;
  configure("sync_jobs:\n  dummy_success: true\ndummy_success:\n  write_path: /home/pcsuser/synced/deeper\n" +
            kSystemJobs);
  REQUIRE(fill_desktop());
  auto r = sync_with_system_jobs({});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("ERROR [disk_space_monitor] (target) not enough free space on the target: /home has") !=
        std::string::npos);
  CHECK(r.out.find("below preflight_minimum 20%: free some space there, or lower "
                   "disk_space_monitor.preflight_minimum") != std::string::npos);
  CHECK(r.out.find("(source) not enough free space") == std::string::npos);
  CHECK(in("desktop", {"test", "-e", "/mnt/btrfs/.snapshots/pc-switcher"}, true).exit_code != 0);
  require_clean();
}

TEST_CASE("a low-space warning is given once per crossing, not at every check", "[disk]") {
  reset_machines();
  reset_snapshots();
  configure(
      "sync_jobs:\n  dummy_success: true\ndummy_success:\n  source_duration: 11\n  target_duration: 0.2\n"
      "  tick_seconds: 1\n  write_path: /home/pcsuser/synced\n" +
      kSystemJobs + "  warning_threshold: '100%'\n");
  auto r = sync_with_system_jobs({});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  std::size_t count = 0;
  for (auto at = r.out.find("(target) Free space is getting low: /home "); at != std::string::npos;
       at = r.out.find("(target) Free space is getting low: /home ", at + 1))
    ++count;
  CHECK(count == 1);  // three checks in 11 s, one warning
}
