// Whole `pc-switcher sync` sessions inside the sandbox: the real binary runs
// in `laptop` as pcsuser and syncs to `desktop` over real SSH (the machines'
// own ~/.ssh/config and known_hosts). Setup and checks use `sandbox.sh exec`.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../unit/run_process.hpp"
#include "shell_quote.hpp"

namespace session_test {

using namespace std::chrono_literals;

inline const std::string kStateDir = "/home/pcsuser/.local/share/pc-switcher";
inline const std::string kConfig = "/tmp/pcs-session-test.yaml";
inline const std::string kPidFile = "/tmp/pcs-session-test.pid";

// Runs argv inside `machine` as pcsuser (or root).
inline ProcessOutput in(const std::string& machine, const std::vector<std::string>& argv, bool root = false) {
  std::vector<std::string> full{"/bin/bash", PCS_SANDBOX_SCRIPT, "exec"};
  if (root) full.push_back("--root");
  full.push_back(machine);
  full.insert(full.end(), argv.begin(), argv.end());
  return run_process(full);
}

// Runs a shell script inside `machine` as pcsuser.
inline ProcessOutput sh(const std::string& machine, const std::string& script) {
  return in(machine, {"/bin/sh", "-c", script});
}

inline void write_file(const std::string& machine, const std::string& path, const std::string& text) {
  auto r =
      in(machine, {"/bin/sh", "-c", "mkdir -p \"$(dirname \"$1\")\" && printf %s \"$2\" > \"$1\"", "sh", path, text});
  REQUIRE(r.exit_code == 0);
}

inline std::string read_file(const std::string& machine, const std::string& path) {
  return in(machine, {"cat", path}).out;
}

// Forgets every session: no history, logs or locks on either machine.
inline void reset_machines() {
  for (const char* m : {"laptop", "desktop"}) {
    auto r = sh(m, "pkill -u pcsuser -x pc-switcher; pkill -u pcsuser -x sleep; rm -rf " + kStateDir +
                       " /tmp/pcs-session-test*; true");
    REQUIRE(r.exit_code == 0);
  }
}

// Deletes every pc-switcher snapshot (and the directory) on both machines and
// waits until btrfs has given their space back: a snapshot keeps the space of
// what it saw, e.g. a file a test filled the disk with. The filesystem sync
// commits first: otherwise the cleaner waits for the next periodic commit (30 s).
inline void reset_snapshots() {
  const std::string dir = "/mnt/btrfs/.snapshots/pc-switcher";
  for (const char* m : {"laptop", "desktop"}) {
    auto r = in(m,
                {"/bin/sh", "-c",
                 "for s in " + dir +
                     "/*/*; do [ -e \"$s\" ] && btrfs subvolume delete \"$s\" >/dev/null; "
                     "done; rm -rf /mnt/btrfs/.snapshots; btrfs filesystem sync /mnt/btrfs; "
                     "btrfs subvolume sync /mnt/btrfs"},
                true);
    REQUIRE(r.exit_code == 0);
  }
}

// The pc-switcher command line inside laptop.
inline std::vector<std::string> sync_argv(const std::vector<std::string>& flags, bool background_plugins = false) {
  std::vector<std::string> argv{
      "env", "PCSWITCHER_PLUGIN_PATH=" PCS_TEST_PLUGIN_DIR, PCS_BINARY, "sync", "desktop", "--config", kConfig};
  if (background_plugins) argv.insert(argv.end(), {"--plugin-dir", PCS_BACKGROUND_PLUGIN_DIR});
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

inline ProcessOutput sync(const std::vector<std::string>& flags, bool background_plugins = false) {
  return in("laptop", sync_argv(flags, background_plugins));
}

// The same, exec'd by a shell that first records its pid, so that a test can
// signal it; runs on a thread of its own.
struct BackgroundSync {
  ProcessOutput result;
  std::thread thread;

  BackgroundSync(const std::vector<std::string>& flags, bool background_plugins = false) {
    const std::string line =
        "echo $$ > " + kPidFile + "; exec " + pcs::shell_join(sync_argv(flags, background_plugins));
    thread = std::thread([this, line] { result = in("laptop", {"/bin/sh", "-c", line}); });
    for (int i = 0; i < 100 && pid().empty(); ++i) std::this_thread::sleep_for(20ms);
  }
  ~BackgroundSync() {
    if (thread.joinable()) thread.join();
  }
  std::string pid() const {
    std::string p = read_file("laptop", kPidFile);
    while (!p.empty() && p.back() == '\n') p.pop_back();
    return p;
  }
  void signal(const char* sig) { in("laptop", {"kill", std::string("-") + sig, pid()}); }
  ProcessOutput& wait() {
    thread.join();
    return result;
  }
};

// Waits until `machine`'s newest session log contains `needle`.
inline bool log_shows(const std::string& needle, std::chrono::milliseconds timeout = 20s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    auto r = sh("laptop", "cat " + kStateDir + "/logs/sync-*.log 2>/dev/null");
    if (r.out.find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// pcsuser's processes on `machine` other than the checking ones and sshd.
inline std::string leftovers(const std::string& machine) {
  std::string found;
  for (int i = 0; i < 40; ++i) {  // processes being killed may take a moment to go
    found =
        sh(machine, "ps -u pcsuser -o pid=,args= | grep -v -e ' ps ' -e 'sshd' -e 'grep' -e '/bin/sh -c ps' || true")
            .out;
    if (found.empty()) break;
    std::this_thread::sleep_for(50ms);
  }
  return found;
}

// Whether `machine`'s sync lock can be taken right now.
inline bool lock_free(const std::string& machine) {
  return sh(machine, "f=" + kStateDir + "/sync.lock; [ ! -e $f ] || flock -n $f true").exit_code == 0;
}

inline nlohmann::json history(const std::string& machine) {
  const std::string text = read_file(machine, kStateDir + "/sync-history.json");
  return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
}

// The config for laptop: the sync_jobs block and the jobs' sections.
inline void configure(const std::string& yaml) { write_file("laptop", kConfig, "logging:\n  file: DEBUG\n" + yaml); }

inline const std::string kQuickSuccess =
    "dummy_success:\n  source_duration: 0.4\n  target_duration: 0.4\n  tick_seconds: 0.2\n";

// Checks that the session ended cleanly: nothing running, both locks free.
inline void require_clean() {
  CHECK(leftovers("laptop") == "");
  CHECK(leftovers("desktop") == "");
  CHECK(lock_free("laptop"));
  CHECK(lock_free("desktop"));
}

}  // namespace session_test
