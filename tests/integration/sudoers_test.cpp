// `pc-switcher sudoers` in the sandbox: pcsuser's NOPASSWD: ALL rule on both
// machines is replaced by exactly what the command prints, and a whole sync
// with btrfs_snapshots and user_data (a tree under /srv with a root-owned
// file) still succeeds. The original rule comes back even when the test fails.
#include "session_support.hpp"

using namespace session_test;

namespace {

const std::string kRule = "/etc/sudoers.d/pcs-sandbox";
const std::string kSaved = "/root/pcs-sandbox.sudoers.saved";
const std::string kDir = "/srv/pcs-sudoers";

ProcessOutput root_sh(const std::string& machine, const std::string& script) {
  return in(machine, {"/bin/sh", "-c", script}, true);
}

// Puts the saved rule back on both machines, whatever happened.
struct RestoreSudoers {
  ~RestoreSudoers() {
    for (const char* m : {"laptop", "desktop"})
      root_sh(m, "[ -f " + kSaved + " ] && install -m 0440 -o root -g root " + kSaved + " " + kRule + " && rm -f " +
                     kSaved + " && rm -f /etc/sudoers.d/pc-switcher; true");
  }
};

std::string sudoers_for(const std::string& machine) {
  auto r = in("laptop", {"env", "PCSWITCHER_PLUGIN_PATH=" PCS_TEST_PLUGIN_DIR, PCS_BINARY, "sudoers", "--config",
                         kConfig, "--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--machine", machine});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("a whole sync runs with only the sudoers rules `pc-switcher sudoers` prints", "[sudoers]") {
  reset_machines();
  reset_snapshots();
  REQUIRE(root_sh("laptop", "set -e; rm -rf " + kDir + "; mkdir -p " + kDir + "/sub; printf mine > " + kDir +
                                "/user.txt; printf root-only > " + kDir + "/sub/secret; chmod 600 " + kDir +
                                "/sub/secret; chown 0:0 " + kDir + "/sub/secret")
              .exit_code == 0);
  REQUIRE(root_sh("desktop", "rm -rf " + kDir + " && mkdir -p " + kDir).exit_code == 0);
  configure(
      "sync_jobs:\n  user_data: true\n"
      "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n  keep_recent: 1\n"
      "user_data:\n  folders:\n    - path: " +
      kDir + "\n");

  const std::string source_rules = sudoers_for("source");
  const std::string target_rules = sudoers_for("target");
  INFO("source:\n" << source_rules << "target:\n" << target_rules);
  CHECK(source_rules.find("NOPASSWD: ALL") == std::string::npos);
  CHECK(target_rules.find("NOPASSWD: ALL") == std::string::npos);
  CHECK_THAT(source_rules, Catch::Contains("/rsync") && Catch::Contains("/btrfs"));
  CHECK_THAT(target_rules, Catch::Contains("/rsync") && Catch::Contains("/kill"));

  RestoreSudoers restore;
  for (const auto& [m, rules] : {std::pair{"laptop", source_rules}, std::pair{"desktop", target_rules}}) {
    write_file(m, "/tmp/pcs-sudoers-test.rules", rules);
    auto installed = root_sh(m, "set -e; [ -f " + kSaved + " ] || cp -p " + kRule + " " + kSaved +
                                    "; visudo -cf /tmp/pcs-sudoers-test.rules; rm -f " + kRule +
                                    "; install -m 0440 -o root -g root /tmp/pcs-sudoers-test.rules "
                                    "/etc/sudoers.d/pc-switcher");
    INFO(installed.out << installed.err);
    REQUIRE(installed.exit_code == 0);
    // NOPASSWD: ALL is gone: a program nobody declared is refused now.
    CHECK(in(m, {"sudo", "-n", "id", "-u"}).exit_code != 0);
  }

  const auto began = std::chrono::steady_clock::now();
  auto r = sync({"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync", "--allow-out-of-order"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  WARN("sync under the printed rules took "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count() << " s");
  CHECK(root_sh("desktop", "cat " + kDir + "/sub/secret").out == "root-only");
  CHECK(root_sh("desktop", "stat -c %u:%a " + kDir + "/sub/secret").out == "0:600\n");
  CHECK(read_file("desktop", kDir + "/user.txt") == "mine");
  CHECK(root_sh("laptop", "ls /mnt/btrfs/.snapshots/pc-switcher/*/ | grep -c pre").out != "0\n");
}
