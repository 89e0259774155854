// The install_on_target system job in whole sessions on the sandbox machines.
#include "session_support.hpp"

using namespace session_test;

namespace {

const std::string kUserCopy = "/home/pcsuser/.local/bin/pc-switcher";

ProcessOutput sync_with_system_jobs() {
  return sync({"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync", "--allow-out-of-order"});
}

void remove_target_install() {
  REQUIRE(in("desktop", {"rm", "-rf", kUserCopy, "/home/pcsuser/.local/lib/pc-switcher"}).exit_code == 0);
}

}  // namespace

TEST_CASE("a target without pc-switcher gets this build pushed, and the sync goes on", "[install]") {
  reset_machines();
  reset_snapshots();
  remove_target_install();
  configure("sync_jobs:\n  c_hello: true\nbtrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n");
  auto r = sync_with_system_jobs();
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("Installed into ~/.local on the target and checked: pc-switcher 0.1.0") != std::string::npos);
  CHECK(r.out.find("c_hello") != std::string::npos);

  const auto here = in("laptop", {PCS_BINARY, "--version"}).out;
  CHECK(in("desktop", {kUserCopy, "--version"}).out == here);
  const auto plugins = nlohmann::json::parse(in("desktop", {kUserCopy, "plugins", "--json"}).out);
  std::set<std::string> names;
  for (const auto& p : plugins["plugins"]) names.insert(p["name"].get<std::string>());
  for (const char* n : {"btrfs_snapshots", "disk_space_monitor", "install_on_target", "c_hello"}) {
    INFO(n);
    CHECK(names.count(n) == 1);
  }
  CHECK(in("desktop", {"sh", "-c", "ls -a /home/pcsuser/.local/lib/pc-switcher | grep -c incoming"}).out == "0\n");

  auto again = sync_with_system_jobs();
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("nothing to install") != std::string::npos);
}

TEST_CASE("a target with a newer pc-switcher is refused before anything changes", "[install]") {
  reset_machines();
  reset_snapshots();
  remove_target_install();
  write_file("desktop", kUserCopy, "#!/bin/sh\necho 'pc-switcher 99.0.0 (plugin ABI 1.0)'\n");
  REQUIRE(in("desktop", {"chmod", "755", kUserCopy}).exit_code == 0);
  configure("sync_jobs:\n  c_hello: true\nbtrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n");
  auto r = sync_with_system_jobs();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("the target (desktop) runs pc-switcher 99.0.0 (" + kUserCopy +
                   "), newer than this machine's 0.1.0: update pc-switcher here first") != std::string::npos);
  CHECK(in("desktop", {"test", "-e", "/mnt/btrfs/.snapshots/pc-switcher"}).exit_code != 0);  // nothing changed
  CHECK(read_file("desktop", kUserCopy).find("99.0.0") != std::string::npos);
  remove_target_install();
}
