// The btrfs_snapshots system job in whole sessions, on the sandbox machines'
// real btrfs (a loop image: top level at /mnt/btrfs, @home at /home, @ at
// /mnt/btrfs-root).
#include "session_support.hpp"

using namespace session_test;

namespace {

const std::string kSnapshots = "/mnt/btrfs/.snapshots/pc-switcher";

std::vector<std::string> session_folders(const std::string& machine) {
  std::vector<std::string> out;
  std::istringstream lines(in(machine, {"ls", "-1", kSnapshots}).out);
  for (std::string l; std::getline(lines, l);) out.push_back(l);
  return out;
}

ProcessOutput sync_with_snapshots(std::vector<std::string> flags) {
  flags.insert(flags.begin(), {"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync", "--allow-out-of-order"});
  return sync(flags);
}

void wait_for_next_second() {
  const auto now = std::chrono::system_clock::now();
  std::this_thread::sleep_until(std::chrono::floor<std::chrono::seconds>(now) + std::chrono::seconds(1));
}

std::string session_id_of(const ProcessOutput& r) {
  const auto at = r.out.find("session_id=");
  return at == std::string::npos ? "" : r.out.substr(at + 11, 8);
}

}  // namespace

TEST_CASE("pre and post snapshots exist on both machines, read-only; retention keeps the newest", "[btrfs]") {
  reset_machines();
  reset_snapshots();
  configure("sync_jobs:\n  c_hello: true\nbtrfs_snapshots:\n  snapshot_dir: " + kSnapshots + "\n  keep_recent: 2\n");
  auto first = sync_with_snapshots({});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  for (const char* m : {"laptop", "desktop"}) {
    const auto folders = session_folders(m);
    REQUIRE(folders.size() == 1);
    CHECK(folders[0].substr(17) == session_id_of(first));
    for (const char* snap : {"pre-@", "pre-@home", "post-@", "post-@home"}) {
      const std::string path = kSnapshots + "/" + folders[0] + "/" + snap;
      CHECK(in(m, {"btrfs", "property", "get", "-ts", path, "ro"}, true).out == "ro=true\n");
    }
  }
  // Folder names carry the time to the second, and a session here takes less;
  // two real sessions are never that close (each holds both locks).
  wait_for_next_second();
  const auto second = sync_with_snapshots({});
  wait_for_next_second();
  const auto third = sync_with_snapshots({});
  REQUIRE(second.exit_code == 0);
  REQUIRE(third.exit_code == 0);
  for (const char* m : {"laptop", "desktop"}) {
    const auto folders = session_folders(m);
    REQUIRE(folders.size() == 2);  // keep_recent: the first session's snapshots are gone
    CHECK(folders[0].substr(17) == session_id_of(second));
    CHECK(folders[1].substr(17) == session_id_of(third));
  }
  CHECK(third.out.find("Retention: removed the snapshots of session") != std::string::npos);
}

TEST_CASE("a failed sync still gets post snapshots, and retention keeps everything", "[btrfs]") {
  reset_machines();
  reset_snapshots();
  configure(
      "sync_jobs:\n  dummy_fail: true\ndummy_fail:\n  source_duration: 1\n  target_duration: 1\n"
      "  tick_seconds: 0.2\n  fail_at: 0.1\nbtrfs_snapshots:\n  snapshot_dir: " +
      kSnapshots + "\n  keep_recent: 1\n");
  CHECK(sync_with_snapshots({}).exit_code == 1);
  auto r = sync_with_snapshots({});
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("Retention skipped: the sync did not succeed") != std::string::npos);
  for (const char* m : {"laptop", "desktop"}) {
    const auto folders = session_folders(m);
    REQUIRE(folders.size() == 2);
    CHECK(in(m, {"test", "-d", kSnapshots + "/" + folders[1] + "/post-@home"}).exit_code == 0);
  }
}

TEST_CASE("a dry run creates no snapshot and no directory anywhere", "[btrfs]") {
  reset_machines();
  reset_snapshots();
  configure("sync_jobs:\n  c_hello: true\nbtrfs_snapshots:\n  snapshot_dir: " + kSnapshots + "\n");
  auto r = sync_with_snapshots({"--dry-run"});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Dry run: would snapshot @home (/home) read-only to " + kSnapshots) != std::string::npos);
  for (const char* m : {"laptop", "desktop"}) CHECK(in(m, {"test", "-e", "/mnt/btrfs/.snapshots"}).exit_code != 0);
}

TEST_CASE("validation names the machine and the fix, and creates nothing", "[btrfs]") {
  reset_machines();
  reset_snapshots();
  SECTION("a subvolume that is not mounted") {
    configure("sync_jobs:\n  c_hello: true\nbtrfs_snapshots:\n  subvolumes: ['@', '@nope']\n  snapshot_dir: " +
              kSnapshots + "\n");
    auto r = sync_with_snapshots({});
    INFO(r.out);
    CHECK(r.exit_code == 1);
    for (const char* m : {"source", "target"})
      CHECK(r.out.find(fmt::format("ERROR [btrfs_snapshots] ({0}) subvolume @nope is not mounted on the {0} (no "
                                   "btrfs mount of subvol=/@nope in /proc/self/mountinfo): mount it, or remove it "
                                   "from btrfs_snapshots.subvolumes",
                                   m)) != std::string::npos);
  }
  SECTION("a snapshot directory on another filesystem") {
    configure("sync_jobs:\n  c_hello: true\nbtrfs_snapshots:\n  snapshot_dir: /var/tmp/pcs-snapshots\n");
    auto r = sync_with_snapshots({});
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("ERROR [btrfs_snapshots] (target) snapshot_dir /var/tmp/pcs-snapshots on the target is on "
                     "overlay (/), not on the btrfs filesystem of @") != std::string::npos);
    CHECK(in("desktop", {"test", "-e", "/var/tmp/pcs-snapshots"}).exit_code != 0);
  }
  for (const char* m : {"laptop", "desktop"}) CHECK(in(m, {"test", "-e", "/mnt/btrfs/.snapshots"}).exit_code != 0);
  CHECK(read_file("desktop", kStateDir + "/sync-history.json").empty());
}
