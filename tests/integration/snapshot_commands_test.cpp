// btrfs_snapshots' commands (snapshots, cleanup-snapshots, rollback) run by
// the real binary on the sandbox machines' real btrfs.
#include "session_support.hpp"

using namespace session_test;

namespace {

const std::string kTopSnapshots = "/mnt/btrfs/.snapshots/pc-switcher";
// Inside subvolume @ (mounted at /mnt/btrfs-root): a rollback of @ must carry
// the snapshots over into the restored @.
const std::string kInsideRoot = "/mnt/btrfs-root/.snapshots/pc-switcher";

ProcessOutput pc_switcher(std::vector<std::string> args) {
  std::vector<std::string> argv{"env", "PCSWITCHER_PLUGIN_PATH=" PCS_TEST_PLUGIN_DIR, PCS_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--config", kConfig, "--plugin-dir", PCS_BUNDLED_PLUGIN_DIR});
  return in("laptop", argv);
}

std::string session_id_of(const ProcessOutput& r) {
  const auto at = r.out.find("session_id=");
  return at == std::string::npos ? "" : r.out.substr(at + 11, 8);
}

// Deletes the snapshots inside @ and any subvolume a rollback set aside, and
// mounts @ and @home again (a rollback leaves them showing the set-aside ones).
void reset_rollback_state(const std::string& machine) {
  auto r = in(machine,
              {"/bin/sh", "-c",
               "dev=$(findmnt -rn -o SOURCE /mnt/btrfs); o=user_subvol_rm_allowed; "
               "umount -l /home; mount -t btrfs -o subvol=/@home,$o \"$dev\" /home; "
               "umount -l /mnt/btrfs-root; mount -t btrfs -o subvol=/@,$o \"$dev\" /mnt/btrfs-root; "
               "for s in " +
                   kInsideRoot +
                   "/*/* /mnt/btrfs/*.pcs-replaced-*/.snapshots/pc-switcher/*/* /mnt/btrfs/*.pcs-replaced-*; do "
                   "[ -e \"$s\" ] && btrfs subvolume delete \"$s\" >/dev/null; done; "
                   "rm -rf /mnt/btrfs-root/.snapshots; btrfs filesystem sync /mnt/btrfs; btrfs subvolume sync /mnt/btrfs; true"},
              true);
  REQUIRE(r.exit_code == 0);
}

void remount_home_and_root(const std::string& machine) {
  auto r = in(machine,
              {"/bin/sh", "-c",
               "dev=$(findmnt -rn -o SOURCE /mnt/btrfs); o=user_subvol_rm_allowed; "
               "umount -l /home && mount -t btrfs -o subvol=/@home,$o \"$dev\" /home && "
               "umount -l /mnt/btrfs-root && mount -t btrfs -o subvol=/@,$o \"$dev\" /mnt/btrfs-root"},
              true);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("snapshots lists both machines' sessions; cleanup-snapshots deletes exactly what --dry-run listed",
          "[btrfs][commands]") {
  reset_machines();
  reset_snapshots();
  reset_rollback_state("desktop");
  configure("sync_jobs:\n  c_hello: true\nbtrfs_snapshots:\n  snapshot_dir: " + kTopSnapshots + "\n  keep_recent: 1\n");
  auto synced = sync({"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync", "--allow-out-of-order"});
  REQUIRE(synced.exit_code == 0);
  const std::string id = session_id_of(synced);
  // Two old sessions on the laptop, as a sync of 2020 and 2023 would have left them.
  for (const char* old : {"20200101T000000Z-0000000a", "20230101T000000Z-0000000b"}) {
    const std::string dir = kTopSnapshots + "/" + old;
    REQUIRE(in("laptop", {"mkdir", "-p", dir}, true).exit_code == 0);
    REQUIRE(in("laptop", {"btrfs", "-q", "subvolume", "snapshot", "-r", "/home", dir + "/pre-@home"}, true).exit_code ==
            0);
  }

  auto listed = pc_switcher({"snapshots", "desktop"});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out.find("source (laptop): " + kTopSnapshots) != std::string::npos);
  CHECK(listed.out.find("target (desktop): " + kTopSnapshots) != std::string::npos);
  CHECK(listed.out.find("0000000a  2020-01-01 00:00:00  pre-@home") != std::string::npos);
  CHECK(listed.out.find(id + "  ") != std::string::npos);
  CHECK(listed.out.find("post-@home") != std::string::npos);
  CHECK(listed.out.find("sizes need btrfs quotas") != std::string::npos);
  // With quotas on, the space only each session's snapshots hold.
  REQUIRE(in("laptop", {"/bin/sh", "-c", "btrfs quota enable /mnt/btrfs && btrfs quota rescan -w /mnt/btrfs >/dev/null"},
             true)
              .exit_code == 0);
  auto sized = pc_switcher({"snapshots"});
  in("laptop", {"btrfs", "quota", "disable", "/mnt/btrfs"}, true);
  INFO(sized.out << sized.err);
  CHECK(sized.out.find("SESSION   TIME (UTC)           EXCLUSIVE   SNAPSHOTS") != std::string::npos);
  CHECK((sized.out.find(" KiB  ") != std::string::npos || sized.out.find(" B  ") != std::string::npos ||
         sized.out.find(" MiB  ") != std::string::npos));
  auto only_target = pc_switcher({"snapshots", "--host", "target", "desktop"});
  CHECK(only_target.out.find("source (laptop)") == std::string::npos);
  CHECK(only_target.out.find("0000000a") == std::string::npos);

  auto misread = pc_switcher({"cleanup-snapshots", "--older-than", "1m"});
  CHECK(misread.exit_code == 1);
  CHECK(misread.err.find("write 1mo for months") != std::string::npos);

  auto plan = pc_switcher({"cleanup-snapshots", "--older-than", "5y", "--dry-run"});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  CHECK(plan.out.find("would delete " + kTopSnapshots + "/20200101T000000Z-0000000a: pre-@home") != std::string::npos);
  CHECK(plan.out.find("0000000b") == std::string::npos);  // younger than 5 years
  CHECK(plan.out.find("dry run: nothing was deleted") != std::string::npos);
  CHECK(in("laptop", {"test", "-d", kTopSnapshots + "/20200101T000000Z-0000000a/pre-@home"}).exit_code == 0);

  auto cleaned = pc_switcher({"cleanup-snapshots", "--older-than", "5y"});
  REQUIRE(cleaned.exit_code == 0);
  CHECK(cleaned.out.find("deleted " + kTopSnapshots + "/20200101T000000Z-0000000a") != std::string::npos);
  CHECK(in("laptop", {"test", "-e", kTopSnapshots + "/20200101T000000Z-0000000a"}).exit_code != 0);
  CHECK(in("laptop", {"test", "-d", kTopSnapshots + "/20230101T000000Z-0000000b/pre-@home"}).exit_code == 0);

  // Without --older-than: the config's retention (keep_recent 1 keeps only the sync's session).
  auto retention = pc_switcher({"cleanup-snapshots"});
  REQUIRE(retention.exit_code == 0);
  CHECK(in("laptop", {"test", "-e", kTopSnapshots + "/20230101T000000Z-0000000b"}).exit_code != 0);
  CHECK(pc_switcher({"snapshots"}).out.find(id) != std::string::npos);
}

TEST_CASE("rollback brings back a file a sync changed, keeps the snapshots, and can itself be undone",
          "[btrfs][commands][rollback]") {
  reset_machines();
  reset_snapshots();
  reset_rollback_state("desktop");
  const std::string notes = "/home/pcsuser/notes.txt";
  write_file("desktop", notes, "before the sync");
  configure(
      "sync_jobs:\n  dummy_success: true\n"
      "dummy_success:\n  source_duration: 0.1\n  target_duration: 0.1\n  tick_seconds: 0.1\n"
      "  write_path: " +
      notes +
      "\n  write_text: written by the sync\n"
      "btrfs_snapshots:\n  snapshot_dir: " +
      kInsideRoot + "\n");
  auto synced = sync({"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync", "--allow-out-of-order"});
  INFO(synced.out << synced.err);
  REQUIRE(synced.exit_code == 0);
  REQUIRE(read_file("desktop", notes) == "written by the sync");
  const std::string id = session_id_of(synced);

  auto plan = pc_switcher({"rollback", id, "--host", "target", "desktop", "--dry-run"});
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  CHECK(plan.out.find("keep the current state") != std::string::npos);
  CHECK(plan.out.find("set it aside: /mnt/btrfs/@home -> /mnt/btrfs/@home.pcs-replaced-") != std::string::npos);
  CHECK(plan.out.find("move into the restored @") != std::string::npos);
  CHECK(plan.out.find("Dry run: nothing was changed.") != std::string::npos);
  CHECK(in("desktop", {"sh", "-c", "ls -d /mnt/btrfs/*.pcs-replaced-* 2>/dev/null"}).out.empty());

  auto unconfirmed = pc_switcher({"rollback", id, "--host", "target", "desktop"});
  CHECK(unconfirmed.exit_code == 1);
  CHECK(unconfirmed.err.find("run again with --yes") != std::string::npos);
  CHECK(in("desktop", {"sh", "-c", "ls -d /mnt/btrfs/*.pcs-replaced-* 2>/dev/null"}).out.empty());

  auto missing = pc_switcher({"rollback", "deadbeef", "--host", "target", "desktop", "--yes"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("no session deadbeef in " + kInsideRoot + " on the target") != std::string::npos);

  auto done = pc_switcher({"rollback", id, "--host", "target", "desktop", "--yes"});
  INFO(done.out << done.err);
  REQUIRE(done.exit_code == 0);
  CHECK(done.out.find("sudo umount /home && sudo mount /home") != std::string::npos);
  const auto undo_at = done.out.find("`pc-switcher rollback ");
  REQUIRE(undo_at != std::string::npos);
  const std::string undo_id = done.out.substr(undo_at + 22, 8);
  CHECK(read_file("desktop", notes) == "written by the sync");  // until /home is mounted again

  remount_home_and_root("desktop");
  CHECK(read_file("desktop", notes) == "before the sync");
  // The snapshots moved into the restored @: the sync's and the one the rollback kept.
  auto listed = pc_switcher({"snapshots", "--host", "target", "desktop"});
  INFO(listed.out);
  CHECK(listed.out.find(id + "  ") != std::string::npos);
  CHECK(listed.out.find(undo_id + "  ") != std::string::npos);
  CHECK(sh("desktop", "stat -c %i " + kInsideRoot + "/*-" + id + "/pre-@home").out == "256\n");  // a subvolume

  auto undone = pc_switcher({"rollback", undo_id, "--host", "target", "desktop", "--yes"});
  INFO(undone.out << undone.err);
  REQUIRE(undone.exit_code == 0);
  remount_home_and_root("desktop");
  CHECK(read_file("desktop", notes) == "written by the sync");
  reset_rollback_state("desktop");
}
