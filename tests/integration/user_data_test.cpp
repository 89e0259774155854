// The user_data job in whole sessions: real rsync between the sandbox
// machines, through the session's SSH connection.
#include "session_support.hpp"

using namespace session_test;

namespace {

const std::string kDir = "/srv/pcs-data";

const std::vector<std::string> kFlags = {"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync",
                                         "--allow-out-of-order"};

ProcessOutput sync_data(std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), kFlags.begin(), kFlags.end());
  return sync(flags);
}

ProcessOutput root_sh(const std::string& machine, const std::string& script) {
  return in(machine, {"/bin/sh", "-c", script}, true);
}

// Everything rsync should keep, one NUL-terminated record per name (names
// may hold newlines): type, mode, owner, size, mtime, link count, symlink
// target, content hash, ACLs and user xattrs.
std::string manifest(const std::string& machine) {
  auto r = root_sh(
      machine, "cd " + kDir +
                   " && find . -path ./.local -prune -o -print0 | LC_ALL=C sort -z | "
                   "xargs -0 stat --printf '%n|%F|%a|%u:%g|%s|%Y|%h|%N\\0' && "
                   "find . -path ./.local -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum -z && "
                   "find . -path ./.local -prune -o -print0 | LC_ALL=C sort -z | xargs -0 getfacl -p 2>/dev/null && "
                   "find . -path ./.local -prune -o -print0 | LC_ALL=C sort -z | xargs -0 getfattr -d -m user. "
                   "2>/dev/null; true");
  return r.out;
}

// A tree with every kind of name and metadata rsync must carry byte-exact.
void make_tree(const std::string& machine) {
  auto r =
      root_sh(machine,
              "set -e; rm -rf " + kDir + "; mkdir -p " + kDir + "/sub/deeper; cd " + kDir +
                  "; printf plain > plain.txt"
                  "; printf space > 'with space'; printf nl > \"$(printf 'new\\nline')\""
                  "; printf q > \"it's \\\"quoted\\\"\"; printf d > '$(touch pwned)'; printf dash > ./-rf"
                  "; printf bytes > \"$(printf 'caf\\351')\""
                  "; long=$(printf 'x%.0s' $(seq 1 200)); mkdir -p \"$long/$long\"; printf deep > \"$long/$long/$long\""
                  "; printf linked > sub/a; ln sub/a sub/b; ln -s ../plain.txt sub/link"
                  "; truncate -s 20M sparse.img; printf tail >> sparse.img"
                  "; printf secret > sub/mode600; chmod 600 sub/mode600; chown 1234:4321 sub/mode600"
                  "; touch -d '2001-02-03 04:05:06' sub/deeper; printf x > acl.txt; setfacl -m u:1234:r acl.txt"
                  "; setfattr -n user.pcs -v kept acl.txt"
                  "; mkdir -p .local/share/pc-switcher; printf source-state > .local/share/pc-switcher/state");
  REQUIRE(r.exit_code == 0);
}

void configure_data(const std::string& extra = "") {
  configure(
      "sync_jobs:\n  user_data: true\n"
      "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n  keep_recent: 1\n"
      "user_data:\n  folders:\n    - path: " +
      kDir + "\n" + extra);
}

}  // namespace

TEST_CASE("user_data mirrors names and metadata byte-exact, then only changes, and deletes what the source lacks",
          "[user_data]") {
  reset_machines();
  make_tree("laptop");
  REQUIRE(root_sh("desktop", "rm -rf " + kDir + " && mkdir -p " + kDir +
                                 "/.local/share/pc-switcher && printf target-state > " + kDir +
                                 "/.local/share/pc-switcher/state && printf old > " + kDir + "/only-on-target")
              .exit_code == 0);
  configure_data("  max_delete: 1000\n");
  auto first = sync_data();
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(manifest("desktop") == manifest("laptop"));
  CHECK(root_sh("desktop", "test -e " + kDir + "/only-on-target").exit_code != 0);
  CHECK(root_sh("desktop", "cat " + kDir + "/.local/share/pc-switcher/state").out == "target-state");
  CHECK(root_sh("desktop", "ls " + kDir + "/pwned /home/pcsuser/pwned /root/pwned 2>/dev/null").out.empty());
  CHECK(root_sh("desktop", "stat -c %h " + kDir + "/sub/b").out == "2\n");                     // hard link kept
  CHECK(std::stoi(root_sh("desktop", "du -k " + kDir + "/sparse.img | cut -f1").out) < 1024);  // still sparse
  CHECK(first.out.find("1 deletion(s)") != std::string::npos);

  REQUIRE(root_sh("laptop", "cd " + kDir + " && printf changed > plain.txt && rm 'with space'").exit_code == 0);
  auto second = sync_data();
  INFO(second.out);
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find(kDir + ": 1 file(s) transferred") != std::string::npos);
  CHECK(second.out.find("1 deletion(s)") != std::string::npos);
  CHECK(manifest("desktop") == manifest("laptop"));
}

TEST_CASE("user_data filter files at both levels; pc-switcher's state cannot be included again", "[user_data]") {
  reset_machines();
  make_tree("laptop");
  REQUIRE(root_sh("desktop", "rm -rf " + kDir).exit_code == 0);
  write_file("laptop", "/home/pcsuser/.config/pc-switcher/test.filter", "- *.tmp\n+ .local/***\n");  // as the user
  REQUIRE(root_sh("laptop",
                  "cd " + kDir +
                      " && printf x > junk.tmp && printf '%s\\n' '- private' > sub/.pcswitcher-filter"
                      " && printf p > sub/private && printf p > private")
              .exit_code == 0);
  configure_data("      filter_file: test.filter\n");  // relative: in ~/.config/pc-switcher
  auto r = sync_data();
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(root_sh("desktop", "test -e " + kDir + "/junk.tmp").exit_code != 0);     // filter_file
  CHECK(root_sh("desktop", "test -e " + kDir + "/sub/private").exit_code != 0);  // .pcswitcher-filter
  CHECK(root_sh("desktop", "test -e " + kDir + "/private").exit_code == 0);      // only below sub/
  CHECK(root_sh("desktop", "test -e " + kDir + "/sub/.pcswitcher-filter").exit_code == 0);
  CHECK(root_sh("desktop", "test -e " + kDir + "/.local/share/pc-switcher").exit_code != 0);  // '+ .local/***' lost
}

TEST_CASE("user_data refuses an empty source and stops at max_delete; a dry run lists deletions and changes nothing",
          "[user_data]") {
  reset_machines();
  REQUIRE(root_sh("laptop", "rm -rf " + kDir + " && mkdir -p " + kDir).exit_code == 0);
  REQUIRE(root_sh("desktop", "rm -rf " + kDir + " && mkdir -p " + kDir + " && cd " + kDir +
                                 " && for i in $(seq 1 30); do printf x > f$i; done")
              .exit_code == 0);
  configure_data();
  auto empty = sync_data();
  CHECK(empty.exit_code == 1);
  CHECK(empty.out.find("refusing to mirror " + kDir + ": it is empty on the source") != std::string::npos);
  CHECK(root_sh("desktop", "ls " + kDir + " | wc -l").out == "30\n");

  REQUIRE(root_sh("laptop", "printf keep > " + kDir + "/f1").exit_code == 0);
  auto dry = sync_data({"--dry-run"});
  INFO(dry.out);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("would delete " + kDir + "/f17") != std::string::npos);
  CHECK(dry.out.find("29 deletion(s)") != std::string::npos);
  CHECK(root_sh("desktop", "ls " + kDir + " | wc -l").out == "30\n");

  configure_data("  max_delete: 5\n");
  auto stopped = sync_data();
  INFO(stopped.out);
  CHECK(stopped.exit_code == 1);
  CHECK(stopped.out.find("stopped before deleting 24 more file(s) in " + kDir) != std::string::npos);
  CHECK(root_sh("desktop", "ls " + kDir + " | wc -l").out == "25\n");  // 5 deleted, no more

  // Synced once from its filesystem; then another filesystem is mounted there.
  configure_data("  max_delete: 100\n");
  REQUIRE(sync_data().exit_code == 0);
  REQUIRE(root_sh("laptop", "mount -t tmpfs other-disk " + kDir + " && printf x > " + kDir + "/stray").exit_code == 0);
  auto moved = sync_data();
  root_sh("laptop", "umount " + kDir);
  INFO(moved.out);
  CHECK(moved.exit_code == 1);
  CHECK(moved.out.find("refusing to mirror " + kDir + ": it is on another filesystem than at the last sync") !=
        std::string::npos);
  CHECK(root_sh("desktop", "test -e " + kDir + "/f1 && ! test -e " + kDir + "/stray").exit_code == 0);
}

TEST_CASE(
    "user_data: Ctrl+C mid-transfer ends rsync on both machines, leaves no temporary file, and a re-run "
    "completes",
    "[user_data][interrupt]") {
  reset_machines();
  REQUIRE(root_sh("laptop", "rm -rf " + kDir + " && mkdir -p " + kDir + " && cd " + kDir +
                                " && for i in 1 2 3 4; do head -c 100M /dev/urandom > big$i; done")
              .exit_code == 0);
  REQUIRE(root_sh("desktop", "rm -rf " + kDir).exit_code == 0);
  configure_data();
  BackgroundSync run(kFlags);
  // Mid-transfer: rsync's temporary file is there on the target.
  bool transferring = false;
  for (int i = 0; i < 400 && !transferring; ++i) {
    transferring = !root_sh("desktop", "find " + kDir + " -name '.big*' 2>/dev/null").out.empty();
    if (!transferring) std::this_thread::sleep_for(25ms);
  }
  REQUIRE(transferring);
  run.signal("INT");
  const auto stopped = std::chrono::steady_clock::now();
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 130);
  CHECK(std::chrono::steady_clock::now() - stopped < 6s);
  // rsync (run as root on both machines) goes with the session: measured from the Ctrl+C.
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() - stopped < 5s) {
    gone = in("laptop", {"pgrep", "-x", "rsync"}).out.empty() && in("desktop", {"pgrep", "-x", "rsync"}).out.empty();
    if (!gone) std::this_thread::sleep_for(50ms);
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stopped);
  WARN("rsync gone on both machines " << took.count() << " ms after Ctrl+C");
  CHECK(gone);
  CHECK(took < 2s);
  CHECK(root_sh("desktop", "find " + kDir + " -name '.big*'").out.empty());  // rsync's temporary files
  auto again = sync_data();
  INFO(again.out);
  REQUIRE(again.exit_code == 0);
  CHECK(manifest("desktop") == manifest("laptop"));
  REQUIRE(root_sh("laptop", "rm -rf " + kDir).exit_code == 0);
  REQUIRE(root_sh("desktop", "rm -rf " + kDir).exit_code == 0);
}
