// The packages job in whole sessions between the sandbox machines, each with
// its own root filesystem (an overlay of this machine's): real apt installs
// and removals of a small package from Debian's archive, marks and holds read
// back with apt-mark. snap and flatpak cannot run here: scripted stand-ins on
// the machines' PATH print recorded outputs and log the changes asked of them.
#include <map>

#include "session_support.hpp"

using namespace session_test;

namespace {

// A small package with no dependencies, in Debian 12's main archive.
const std::string kPkg = "sl";
const std::string kDecisions = "/home/pcsuser/.config/pc-switcher/packages.decisions.yaml";

const std::vector<std::string> kFlags = {"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync",
                                         "--allow-out-of-order"};

ProcessOutput sync_packages(std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), kFlags.begin(), kFlags.end());
  return sync(flags);
}

ProcessOutput root_sh(const std::string& machine, const std::string& script) {
  return in(machine, {"/bin/sh", "-c", script}, true);
}

void configure_packages(const std::string& extra = "", const std::string& managers = "[apt]") {
  configure(
      "sync_jobs:\n  packages: true\n  c_hello: true\n"
      "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n  keep_recent: 1\n"
      "packages:\n  managers: " +
      managers + "\n" + extra);
}

bool installed(const std::string& machine, const std::string& pkg) {
  return in(machine,
            {"sh", "-c", "dpkg-query -W -f='${db:Status-Abbrev}' \"$1\" 2>/dev/null | grep -q '^.i'", "sh", pkg})
             .exit_code == 0;
}

std::string listed(const std::string& machine, const std::string& what) { return in(machine, {"apt-mark", what}).out; }

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

void apt_get(const std::string& machine, const std::string& args) {
  auto r = root_sh(machine, "DEBIAN_FRONTEND=noninteractive apt-get -y -q " + args + " >/dev/null 2>&1");
  REQUIRE(r.exit_code == 0);
}

// Neither machine has the test package, nothing is held, no decisions, no stand-ins.
void reset_packages() {
  reset_machines();
  for (const char* m : {"laptop", "desktop"}) {
    root_sh(m, "apt-mark unhold " + kPkg +
                   " >/dev/null 2>&1; rm -f /usr/local/bin/snap /usr/local/bin/flatpak "
                   "/usr/local/bin/apt-mark; rm -rf /etc/pcs-fake /tmp/pcs-fake* /home/pcsuser/.local/share/flatpak "
                   "/home/pcsuser/.cache/pc-switcher/*-staging; rm -f " +
                   kDecisions);
    if (installed(m, kPkg)) apt_get(m, "remove " + kPkg);
  }
}

}  // namespace

TEST_CASE("apt: the source's package is installed on the target when the installs are applied; marks and holds follow",
          "[packages]") {
  reset_packages();
  apt_get("laptop", "install --no-install-recommends " + kPkg);
  REQUIRE(root_sh("laptop", "apt-mark hold " + kPkg).exit_code == 0);
  configure_packages();

  // No terminal and nothing answered in advance: the plan is logged, nothing changes.
  auto unanswered = sync_packages();
  INFO(unanswered.out << unanswered.err);
  CHECK(unanswered.exit_code == 0);
  CHECK(unanswered.out.find("install sl 5.02-1+b1 — installed on laptop (5.02-1+b1, held), not on desktop") !=
        std::string::npos);
  CHECK(unanswered.out.find("packages            skipped") != std::string::npos);
  CHECK_FALSE(installed("desktop", kPkg));

  // A dry run with the answer given still changes nothing.
  auto dry = sync_packages({"--dry-run", "--apply-package-installs"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("dry run: the plan above was not applied") != std::string::npos);
  CHECK_FALSE(installed("desktop", kPkg));

  auto applied = sync_packages({"--apply-package-installs"});
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 0);
  CHECK(installed("desktop", kPkg));
  CHECK(has_line(listed("desktop", "showmanual"), kPkg));  // a manual package stays manual
  CHECK(has_line(listed("desktop", "showhold"), kPkg));    // and held

  // A mark that differs is changed, not re-installed: sl becomes automatic on laptop.
  REQUIRE(root_sh("laptop", "apt-mark auto " + kPkg + " && apt-mark unhold " + kPkg).exit_code == 0);
  auto marks = sync_packages({"--apply-package-installs"});
  INFO(marks.out << marks.err);
  CHECK(marks.exit_code == 0);
  CHECK(marks.out.find("sl (mark automatic) — installed on both; automatic on laptop, manual on desktop") !=
        std::string::npos);
  CHECK(marks.out.find("sl (unhold) — held on desktop, not on laptop") != std::string::npos);
  CHECK_FALSE(has_line(listed("desktop", "showmanual"), kPkg));
  CHECK_FALSE(has_line(listed("desktop", "showhold"), kPkg));

  // Equal sets: nothing to do.
  auto again = sync_packages();
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("software already matches laptop") != std::string::npos);
}

TEST_CASE("apt: a package only the target has is removed only when asked; 'removals: never' keeps it", "[packages]") {
  reset_packages();
  apt_get("desktop", "install --no-install-recommends " + kPkg);

  configure_packages("  removals: never\n");
  auto never = sync_packages({"--apply-package-removals"});
  INFO(never.out << never.err);
  CHECK(never.exit_code == 0);
  CHECK(never.out.find("sl is only on desktop; kept (removals: never)") != std::string::npos);
  CHECK(installed("desktop", kPkg));

  configure_packages();
  auto installs_only = sync_packages({"--apply-package-installs"});  // removals are still asked: no terminal
  INFO(installs_only.out << installs_only.err);
  CHECK(installs_only.exit_code == 0);
  CHECK(installs_only.out.find("remove sl — installed on desktop, not on laptop") != std::string::npos);
  CHECK(installed("desktop", kPkg));

  auto removed = sync_packages({"--apply-package-removals"});
  INFO(removed.out << removed.err);
  CHECK(removed.exit_code == 0);
  CHECK(removed.out.find("apt remove sl: done") != std::string::npos);
  CHECK_FALSE(installed("desktop", kPkg));
  CHECK_FALSE(has_line(listed("desktop", "showmanual"), kPkg));
}

TEST_CASE("apt: the dpkg lock held on the target is a validation error; nothing changes", "[packages]") {
  reset_packages();
  apt_get("laptop", "install --no-install-recommends " + kPkg);
  configure_packages();
  auto holder = in("desktop", {"sh", "-c", "sudo -n sh -c 'exec 3>/var/lib/dpkg/lock-frontend; sleep 8' & echo $!"});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = sync_packages({"--apply-package-installs"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("the dpkg lock on desktop is held: another apt or dpkg is running there") != std::string::npos);
  CHECK(r.out.find("nothing was changed on either machine") != std::string::npos);
  CHECK_FALSE(installed("desktop", kPkg));
  root_sh("desktop", "fuser -k /var/lib/dpkg/lock-frontend >/dev/null 2>&1; true");
}

TEST_CASE("a read that does not answer fails the job naming the command; later jobs still run", "[packages]") {
  reset_packages();
  configure_packages();
  // An apt-mark that answers nothing, first on the target's PATH.
  REQUIRE(root_sh("desktop",
                  "printf '#!/bin/sh\\necho \"E: the cache is broken\" >&2\\nexit 100\\n' > "
                  "/usr/local/bin/apt-mark && chmod 755 /usr/local/bin/apt-mark")
              .exit_code == 0);
  auto r = sync_packages({"--apply-package-installs"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("on desktop did not answer (exit 100): E: the cache is broken") != std::string::npos);
  CHECK(r.out.find("apt-mark -o Dir::Cache::pkgcache=") != std::string::npos);
  CHECK(r.out.find("c_hello             success") != std::string::npos);  // failure_isolated
  root_sh("desktop", "rm -f /usr/local/bin/apt-mark");
}

TEST_CASE("a manager on one machine only is a validation error naming both", "[packages]") {
  reset_packages();
  REQUIRE(root_sh("laptop", "printf '#!/bin/sh\\nexit 0\\n' > /usr/local/bin/snap && chmod 755 /usr/local/bin/snap")
              .exit_code == 0);
  configure_packages("", "[apt, snap]");
  auto r = sync_packages();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("snap is on laptop but not on desktop (no `snap`): install it on desktop, or remove snap from "
                   "packages.managers") != std::string::npos);
  root_sh("laptop", "rm -f /usr/local/bin/snap");
}

namespace {

// Stand-ins for snap and flatpak: reads print what /etc/pcs-fake holds for
// this machine; every other command line is appended to a log.
const std::string kFakeSnap =
    "#!/bin/sh\n"
    "case \"$*\" in\n"
    "  'list --all') cat /etc/pcs-fake/snap-list.txt ;;\n"
    "  *) printf '%s\\n' \"$*\" >> /tmp/pcs-fake-snap.log ;;\n"
    "esac\n";
const std::string kFakeFlatpak =
    "#!/bin/sh\n"
    "case \"$*\" in\n"
    "  'list --columns=application,version,origin,installation,ref') cat /etc/pcs-fake/flatpak-list.txt ;;\n"
    "  'remotes --user --columns=name,url') cat /etc/pcs-fake/remotes-user.txt ;;\n"
    "  'remotes --system --columns=name,url') cat /etc/pcs-fake/remotes-system.txt ;;\n"
    "  'mask --user') cat /etc/pcs-fake/mask-user.txt ;;\n"
    "  'mask --system') : ;;\n"
    "  *) printf '%s %s\\n' \"$(id -un)\" \"$*\" >> /tmp/pcs-fake-flatpak.log ;;\n"
    "esac\n";

void install_fakes(const std::string& machine, const std::map<std::string, std::string>& files) {
  std::string script =
      "set -e; mkdir -p /etc/pcs-fake; touch /tmp/pcs-fake-snap.log /tmp/pcs-fake-flatpak.log; "
      "chmod 666 /tmp/pcs-fake-*.log; cat > /usr/local/bin/snap <<'EOF1'\n" +
      kFakeSnap + "EOF1\ncat > /usr/local/bin/flatpak <<'EOF2'\n" + kFakeFlatpak +
      "EOF2\nchmod 755 /usr/local/bin/snap /usr/local/bin/flatpak\n";
  for (const auto& [name, text] : files) script += "cat > /etc/pcs-fake/" + name + " <<'EOF3'\n" + text + "EOF3\n";
  auto r = root_sh(machine, script);
  REQUIRE(r.exit_code == 0);
}

const std::string kSnapHeader = "Name      Version   Rev    Tracking       Publisher   Notes\n";

}  // namespace

TEST_CASE("snap and flatpak: the target converges to the source's revisions, channels, holds, refs, remotes and masks",
          "[packages]") {
  reset_packages();
  install_fakes("laptop",
                {{"snap-list.txt", kSnapHeader + "core22    20231123  1033   latest/stable  canonical✓  base\n"
                                                 "firefox   118.0.1   3179   latest/beta    mozilla✓    held\n"
                                                 "firefox   117.0     3100   latest/stable  mozilla✓    disabled\n"
                                                 "code      1.85      150    latest/stable  vscode✓     classic\n"
                                                 "hello     2.10      x1     -              -           -\n"},
                 {"flatpak-list.txt",
                  "org.gnome.Maps\t45.0\tflathub\tuser\torg.gnome.Maps/x86_64/stable\n"
                  "org.gnome.Platform\t\tflathub\tsystem\torg.gnome.Platform/x86_64/45\n"},
                 {"remotes-user.txt", "flathub\thttps://dl.flathub.org/repo/\n"},
                 {"remotes-system.txt", "flathub\thttps://dl.flathub.org/repo/\n"},
                 {"mask-user.txt", "Masked patterns:\n  com.spotify.Client\n"}});
  install_fakes("desktop",
                {{"snap-list.txt", kSnapHeader + "core22    20231123  1033   latest/stable  canonical✓  base\n"
                                                 "firefox   117.0     3100   latest/stable  mozilla✓    -\n"
                                                 "lxd       5.0.2     24322  5.0/stable     canonical✓  -\n"},
                 {"flatpak-list.txt",
                  "org.gnome.Platform\t\tflathub\tsystem\torg.gnome.Platform/x86_64/45\n"
                  "org.example.Old\t1.0\tflathub\tsystem\torg.example.Old/x86_64/stable\n"},
                 {"remotes-user.txt", ""},
                 {"remotes-system.txt", "flathub\thttps://dl.flathub.org/repo/\n"},
                 {"mask-user.txt", ""}});
  // The keys laptop trusts for its user-scope flathub (what `remote-add --gpg-import` gets on desktop).
  write_file("laptop", "/home/pcsuser/.local/share/flatpak/repo/flathub.trustedkeys.gpg", "flathub-key-bytes");
  configure_packages("", "[snap, flatpak]");
  auto r = sync_packages({"--apply-package-installs", "--apply-package-removals"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("hello (revision x1) is sideloaded on laptop, from no store") != std::string::npos);

  const std::string snap_log = in("desktop", {"cat", "/tmp/pcs-fake-snap.log"}).out;
  INFO(snap_log);
  CHECK(has_line(snap_log, "install --revision=150 --classic code"));
  CHECK(has_line(snap_log, "switch --channel=latest/stable code"));
  CHECK(has_line(snap_log, "refresh --revision=3179 firefox"));
  CHECK(has_line(snap_log, "switch --channel=latest/beta firefox"));
  CHECK(has_line(snap_log, "refresh --hold=forever firefox"));
  CHECK(has_line(snap_log, "remove lxd"));
  CHECK(snap_log.find("core22") == std::string::npos);  // equal: untouched
  CHECK(snap_log.find("hello") == std::string::npos);   // sideloaded: only reported
  CHECK(!has_line(snap_log, "refresh --hold"));         // never the global hold

  const std::string flatpak_log = in("desktop", {"cat", "/tmp/pcs-fake-flatpak.log"}).out;
  INFO(flatpak_log);
  // User scope as the user, in order: the remote first, then the ref; system scope through sudo.
  const std::string staged = "/home/pcsuser/.cache/pc-switcher/flatpak-staging/user-flathub.gpg";
  CHECK(read_file("desktop", staged) == "flathub-key-bytes");
  CHECK(flatpak_log.find("pcsuser --user remote-add --if-not-exists --gpg-import=" + staged +
                         " -- flathub https://dl.flathub.org/repo/\n"
                         "pcsuser --user install --noninteractive -y -- flathub org.gnome.Maps/x86_64/stable") !=
        std::string::npos);
  CHECK(has_line(flatpak_log, "pcsuser --user mask -- com.spotify.Client"));
  CHECK(has_line(flatpak_log, "root --system uninstall --noninteractive -y -- org.example.Old/x86_64/stable"));
  CHECK(flatpak_log.find("org.gnome.Platform") == std::string::npos);
  CHECK(in("laptop", {"cat", "/tmp/pcs-fake-snap.log", "/tmp/pcs-fake-flatpak.log"}).out.empty());  // source untouched
}

TEST_CASE("the target's decisions file: 'never' items are left alone, stale ones dropped, a broken file refused",
          "[packages]") {
  reset_packages();
  apt_get("laptop", "install --no-install-recommends " + kPkg);
  configure_packages();
  write_file("desktop", kDecisions, "# mine\nnever:\n  - apt:install:sl\n  - apt:install:long-gone\n");
  auto r = sync_packages({"--apply-package-installs"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("sl: left as it is on desktop (\"never\" in its decisions file)") != std::string::npos);
  CHECK_FALSE(installed("desktop", kPkg));
  const std::string kept = read_file("desktop", kDecisions);
  CHECK(kept.find("'apt:install:sl'") != std::string::npos);
  CHECK(kept.find("long-gone") == std::string::npos);  // its item is gone from the plan

  write_file("desktop", kDecisions, "never:\n  - apt:install:sl\n  oops: [\n");
  auto broken = sync_packages({"--apply-package-installs"});
  INFO(broken.out << broken.err);
  CHECK(broken.exit_code == 1);
  CHECK(broken.out.find("desktop:~/.config/pc-switcher/packages.decisions.yaml:") != std::string::npos);
  CHECK(broken.out.find("nothing was changed on either machine") != std::string::npos);
  CHECK_FALSE(installed("desktop", kPkg));
  CHECK(read_file("desktop", kDecisions).find("oops") != std::string::npos);  // left for the person to fix
  root_sh("desktop", "rm -f " + kDecisions);
}
