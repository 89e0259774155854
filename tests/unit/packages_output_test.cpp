// The packages job's reading of apt, dpkg, snap and flatpak output, on
// fixtures captured from real machines (tests/unit/fixtures/packages).
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../../plugins/packages/apt_output.hpp"
#include "../../plugins/packages/flatpak_output.hpp"
#include "../../plugins/packages/snap_output.hpp"

namespace {

std::string fixture(const std::string& name) {
  const std::string path = std::string(PCS_PACKAGES_FIXTURES) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

using Catch::Contains;

}  // namespace

// ---------------------------------------------------------------------------
// apt and dpkg: the apt-*.txt fixtures were captured on a Debian 12 amd64
// machine (apt 2.6.1) with LC_ALL=C; the inline shapes marked "here" come from
// the same machine, the others are cited where they appear.

TEST_CASE("apt-mark showmanual and showhold", "[packages][apt]") {
  const auto manual = packages::apt::parse_names(fixture("apt-showmanual.txt"));
  CHECK(manual.size() == 146);
  CHECK(manual.front() == "acl");
  CHECK(manual.back() == "zstd");
  CHECK(contains(manual, "rsync"));
  CHECK(packages::apt::parse_names(fixture("apt-showhold.txt")).empty());

  CHECK(packages::apt::parse_names("  foo \n\n\tbar:i386\n") == std::vector<std::string>{"foo", "bar:i386"});
  REQUIRE_THROWS_WITH(packages::apt::parse_names("foo\nE: Could not open lock file\n"),
                      Contains("line 2") && Contains("E: Could not open lock file"));
}

TEST_CASE("dpkg-query names, versions and the installed flag", "[packages][apt]") {
  const auto out = fixture("apt-dpkg-query.txt");
  const auto pkgs = packages::apt::parse_dpkg_query(out, "amd64");
  CHECK(pkgs.size() == 905);
  REQUIRE(pkgs.count("acl") == 1);
  CHECK(pkgs.at("acl").installed);
  CHECK(pkgs.at("acl").version == "2.3.1-3");
  REQUIRE(pkgs.count("adduser") == 1);  // Architecture: all
  CHECK(pkgs.at("adduser").version == "3.134");
  CHECK(pkgs.at("rsync").version == "3.5.0+ds1-0+deb12u1");
  CHECK(std::none_of(pkgs.begin(), pkgs.end(), [](const auto& p) { return p.first.find(':') != std::string::npos; }));

  // Read as if the machine were arm64: amd64 packages are foreign, "all" ones are not.
  const auto foreign = packages::apt::parse_dpkg_query(out, "arm64");
  CHECK(foreign.count("acl:amd64") == 1);
  CHECK(foreign.count("acl") == 0);
  CHECK(foreign.count("adduser") == 1);

  // Other statuses; "un" with no architecture or version is what
  // `dpkg-query -W ... '*'` prints here for packages dpkg only knows of.
  const auto mixed = packages::apt::parse_dpkg_query(
      "libc6\ti386\t2.36-9+deb12u14\tii \n"
      "held\tamd64\t1.0\thi \n"
      "gone\tamd64\t2.0\trc \n"
      "unpacked\tamd64\t3.0\tiU \n"
      "aide\t\t\tun \n",
      "amd64");
  CHECK(mixed.at("libc6:i386").installed);
  CHECK(mixed.at("held").installed);
  CHECK_FALSE(mixed.at("gone").installed);
  CHECK(mixed.at("gone").version == "2.0");
  CHECK_FALSE(mixed.at("unpacked").installed);
  CHECK_FALSE(mixed.at("aide").installed);
  CHECK(mixed.at("aide").version.empty());

  // A not-installed leftover does not hide the installed entry of the same name.
  const auto twice = packages::apt::parse_dpkg_query("foo\t\t\tun \nfoo\tamd64\t1.0\tii \n", "amd64");
  CHECK(twice.at("foo").installed);
  CHECK(twice.at("foo").version == "1.0");

  REQUIRE_THROWS_WITH(packages::apt::parse_dpkg_query("acl\tamd64\t2.3.1-3\tii \nbroken\tamd64 1.0\tii \n", "amd64"),
                      Contains("line 2") && Contains("broken\tamd64 1.0"));
  REQUIRE_THROWS_WITH(packages::apt::parse_dpkg_query("acl\tamd64\t2.3.1-3\tinstalled\n", "amd64"),
                      Contains("acl\tamd64\t2.3.1-3\tinstalled"));
  REQUIRE_THROWS_WITH(packages::apt::parse_dpkg_query("foo\tamd64\t1\tii \nfoo\tall\t1\tii \n", "amd64"),
                      Contains("foo\tall\t1\tii "));
}

TEST_CASE("apt-cache policy on 20 manual packages and sl", "[packages][apt]") {
  const auto policy = packages::apt::parse_policy(fixture("apt-policy.txt"));
  CHECK(policy.size() == 21);

  REQUIRE(policy.count("apt-transport-https") == 1);
  const auto& https = policy.at("apt-transport-https");
  CHECK(https.installed == "2.6.1");
  CHECK(https.candidate == "2.6.2");
  // The candidate comes from bookworm-security; the installed one does not.
  CHECK(https.origins == std::vector<std::string>{"http://deb.debian.org/debian bookworm/main amd64 Packages"});
  CHECK(https.from_repository());

  const auto& certs = policy.at("ca-certificates");
  CHECK(certs.origins == std::vector<std::string>{"http://deb.debian.org/debian bookworm/main amd64 Packages",
                                                  "http://deb.debian.org/debian bookworm-updates/main amd64 Packages"});

  // curl's installed version is no longer in any repository: dpkg's status only.
  const auto& curl = policy.at("curl");
  CHECK(curl.installed == "7.88.1-10+deb12u14");
  CHECK(curl.candidate == "7.88.1-10+deb12u15");
  CHECK(curl.origins.empty());
  CHECK_FALSE(curl.from_repository());

  REQUIRE(policy.count("sl") == 1);
  CHECK(policy.at("sl").installed.empty());
  CHECK(policy.at("sl").candidate == "5.02-1+b1");
  CHECK(policy.at("sl").origins.empty());
  CHECK(policy.at("attr").installed == "1:2.5.1-4");
}

TEST_CASE("apt-cache policy: other real shapes", "[packages][apt]") {
  // `apt-cache policy` with no argument, here: the global listing only.
  CHECK(packages::apt::parse_policy("Package files:\n"
                                    " 100 /var/lib/dpkg/status\n"
                                    "     release a=now\n"
                                    " 500 http://deb.debian.org/debian bookworm/main amd64 Packages\n"
                                    "     release v=12.15,o=Debian,a=oldstable,n=bookworm,l=Debian,c=main,b=amd64\n"
                                    "     origin deb.debian.org\n"
                                    "Pinned packages:\n"
                                    "     sl -> 5.02-1+b1 with priority 990\n")
            .empty());

  // A virtual package, here: no versions at all.
  const auto mta = packages::apt::parse_policy(
      "mail-transport-agent:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n");
  REQUIRE(mta.count("mail-transport-agent") == 1);
  CHECK(mta.at("mail-transport-agent").candidate.empty());

  // A phased update (Ubuntu 22.04, unix.stackexchange.com/questions/713372), a
  // foreign-architecture name as apt's FullName(true) prints it, old apt's
  // "Package pin:" (cmdline/apt-cache.cc before apt 1.1), a pin priority >= 1000.
  const auto more = packages::apt::parse_policy(
      "apt:\n"
      "  Installed: 2.4.6\n"
      "  Candidate: 2.4.7\n"
      "  Version table:\n"
      "     2.4.7 500 (phased 20%)\n"
      "        500 http://archive.ubuntu.com/ubuntu jammy-updates/main amd64 Packages\n"
      " *** 2.4.6 100\n"
      "        100 /var/lib/dpkg/status\n"
      "     2.4.5 500\n"
      "        500 http://archive.ubuntu.com/ubuntu jammy/main amd64 Packages\n"
      "libc6:i386:\n"
      "  Installed: 2.36-9+deb12u14\n"
      "  Candidate: 2.36-9+deb12u14\n"
      "  Package pin: 2.36-9+deb12u14\n"
      "  Version table:\n"
      " *** 2.36-9+deb12u14 1001\n"
      "       1001 http://deb.debian.org/debian bookworm/main i386 Packages\n"
      "        100 /var/lib/dpkg/status\n");
  CHECK(more.at("apt").installed == "2.4.6");
  CHECK(more.at("apt").candidate == "2.4.7");
  CHECK(more.at("apt").origins.empty());
  CHECK(more.at("libc6:i386").origins ==
        std::vector<std::string>{"http://deb.debian.org/debian bookworm/main i386 Packages"});

  const std::string head = "acl:\n  Installed: 2.3.1-3\n  Candidate: 2.3.1-3\n  Version table:\n";
  // German apt without LC_ALL=C.
  REQUIRE_THROWS_WITH(packages::apt::parse_policy("acl:\n  Installiert: 2.3.1-3\n"),
                      Contains("line 2") && Contains("Installiert"));
  REQUIRE_THROWS_WITH(packages::apt::parse_policy(head + "        500 http://deb.debian.org/debian x\n"),
                      Contains("line 5"));
  REQUIRE_THROWS_WITH(packages::apt::parse_policy(head + " *** 2.3.1-3 500\n   something else\n"),
                      Contains("   something else"));
  REQUIRE_THROWS_WITH(packages::apt::parse_policy(head + " *** 2.3.1-2 500\n"), Contains(" *** 2.3.1-2 500"));
  REQUIRE_THROWS_WITH(packages::apt::parse_policy("acl:\n  Installed: 2.3.1-3\n"), Contains("acl:"));
  REQUIRE_THROWS_WITH(packages::apt::parse_policy("N: Unable to locate package foo\n"),
                      Contains("N: Unable to locate package foo"));
}

TEST_CASE("apt-get -s simulations", "[packages][apt]") {
  using packages::apt::Simulated;
  const auto install = packages::apt::parse_simulation(fixture("apt-sim-install-sl.txt"));
  REQUIRE(install.size() == 1);
  CHECK(install[0].action == Simulated::kInstall);
  CHECK(install[0].name == "sl");
  CHECK(install[0].version == "5.02-1+b1");

  const auto rsync = packages::apt::parse_simulation(fixture("apt-sim-remove-rsync.txt"));
  REQUIRE(rsync.size() == 1);
  CHECK(rsync[0].action == Simulated::kRemove);
  CHECK(rsync[0].name == "rsync");
  CHECK(rsync[0].version == "3.5.0+ds1-0+deb12u1");

  const auto collateral = packages::apt::parse_simulation(fixture("apt-sim-remove-collateral.txt"));
  REQUIRE(collateral.size() == 4);
  std::vector<std::string> names;
  for (const auto& s : collateral) {
    CHECK(s.action == Simulated::kRemove);
    names.push_back(s.name);
  }
  CHECK(names == std::vector<std::string>{"libboost-dev", "libboost-program-options-dev",
                                          "libboost-program-options1.74-dev", "libboost1.74-dev"});
  CHECK(collateral[2].version == "1.74.0+ds1-21");

  CHECK(packages::apt::parse_simulation(fixture("apt-sim-missing.txt")).empty());

  // Upgrades, a second origin, a trailing broken list, purge: here.
  const auto more = packages::apt::parse_simulation(
      "Inst libgcrypt20-dev [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security "
      "[amd64]) []\n"
      "Inst ca-certificates [20230311+deb12u1] (20250419~deb12u2 Debian-Security:12/oldstable-security [all])\n"
      "Conf ca-certificates (20250419~deb12u2 Debian-Security:12/oldstable-security [all])\n"
      "Purg rsync [3.5.0+ds1-0+deb12u1]\n"
      "Purg leftover\n"
      "Remv libfoo1:i386 [1.0] [libbar1:i386 ]\n");
  REQUIRE(more.size() == 5);
  CHECK(more[0].name == "libgcrypt20-dev");
  CHECK(more[0].version == "1.10.1-3+deb12u1");
  CHECK(more[1].version == "20250419~deb12u2");
  CHECK(more[2].action == Simulated::kPurge);
  CHECK(more[2].version == "3.5.0+ds1-0+deb12u1");
  CHECK(more[3].action == Simulated::kPurge);
  CHECK(more[3].version.empty());
  CHECK(more[4].name == "libfoo1:i386");
  CHECK(more[4].version == "1.0");

  REQUIRE_THROWS_WITH(packages::apt::parse_simulation("Inst sl\n"), Contains("line 1") && Contains("Inst sl"));
  REQUIRE_THROWS_WITH(packages::apt::parse_simulation("Conf x (1 a [all])\nRemv \n"), Contains("line 2"));
}

// ---------------------------------------------------------------------------
// snap list --all. snapd is not installable here; snap-list-all.txt is
// assembled, line by line, from outputs recorded on real machines and aligned
// the way snap's tabwriter(5, 3, 2, ' ') does:
//  - core20/core22 (base), the two lxd revisions (one disabled), snapd (snapd):
//    github.com/canonical/lxd pull request #12857 (`snap list --all`, 2024);
//  - checkbox (classic,held), checkbox22 (held): canonical/checkbox,
//    docs/how-to/freeze-checkbox-version.rst (snapd >= 2.58 prints "held");
//  - amazon-ssm-agent (classic, tracking "latest/stable/…"), the sideloads
//    aws-iot-greengrass-v2 (x7) and gg-config (x1, devmode), both with tracking
//    and publisher "-": a greengrass snap guide's `snap list`.
// The header, the "-" placeholders, the Notes words and the badges ("✓" on a
// UTF-8 terminal, "**"/"*" otherwise) are those of snapd's
// cmd/snap/cmd_list.go, notes.go and color.go.

TEST_CASE("snap list --all", "[packages][snap]") {
  const auto snaps = packages::snap::parse_list(fixture("snap-list-all.txt"));
  REQUIRE(snaps.size() == 10);

  const auto& ssm = snaps[0];
  CHECK(ssm.name == "amazon-ssm-agent");
  CHECK(ssm.version == "3.0.1124.0");
  CHECK(ssm.revision == "4046");
  CHECK(ssm.tracking == "latest/stable/…");
  CHECK(ssm.publisher == "aws");
  CHECK(ssm.classic);
  CHECK_FALSE(ssm.sideloaded());

  const auto& greengrass = snaps[1];
  CHECK(greengrass.revision == "x7");
  CHECK(greengrass.sideloaded());
  CHECK(greengrass.tracking.empty());
  CHECK(greengrass.publisher.empty());
  CHECK_FALSE((greengrass.classic || greengrass.devmode || greengrass.held || greengrass.disabled));

  const auto& checkbox = snaps[2];
  CHECK(checkbox.name == "checkbox");
  CHECK(checkbox.tracking == "22.04/stable");
  CHECK(checkbox.publisher == "ce-certification-qa");
  CHECK(checkbox.classic);
  CHECK(checkbox.held);
  CHECK_FALSE(checkbox.disabled);
  CHECK(snaps[3].held);
  CHECK_FALSE(snaps[3].classic);

  CHECK(snaps[4].name == "core20");
  CHECK(snaps[4].publisher == "canonical");
  CHECK_FALSE(snaps[4].disabled);

  const auto& gg = snaps[6];
  CHECK(gg.name == "gg-config");
  CHECK(gg.revision == "x1");
  CHECK(gg.sideloaded());
  CHECK(gg.devmode);
  CHECK(gg.tracking.empty());

  CHECK(snaps[7].name == "lxd");
  CHECK(snaps[7].revision == "26985");
  CHECK(snaps[7].disabled);
  CHECK(snaps[7].tracking == "latest/edge");
  CHECK(snaps[8].name == "lxd");
  CHECK(snaps[8].revision == "27004");
  CHECK_FALSE(snaps[8].disabled);
  CHECK(snaps[9].name == "snapd");
  CHECK(snaps[9].version == "2.61.1");
}

TEST_CASE("snap list: other shapes and errors", "[packages][snap]") {
  CHECK(packages::snap::parse_list("").empty());
  CHECK(packages::snap::parse_list("No snaps are installed yet. Try 'snap install hello-world'.\n").empty());

  // Off a terminal (how the job runs it) the badges are ASCII; the notes of
  // snapd's cmd_list_test.go TestListWithNotes (try, devmode, jailmode).
  const auto notty = packages::snap::parse_list(
      "Name   Version  Rev  Tracking       Publisher     Notes\n"
      "cf1    6        2    latest/stable  bar*          jailmode\n"
      "dm1    5        1    -              -             devmode\n"
      "foo    4.2      17   -              bar           try\n"
      "lxd    5.21.1   28460  5.21/stable  canonical**   disabled,devmode,held\n");
  REQUIRE(notty.size() == 4);
  CHECK(notty[0].jailmode);
  CHECK(notty[0].publisher == "bar");
  CHECK(notty[1].devmode);
  CHECK(notty[2].publisher == "bar");
  CHECK_FALSE((notty[2].classic || notty[2].devmode || notty[2].jailmode));
  CHECK(notty[3].publisher == "canonical");
  CHECK((notty[3].disabled && notty[3].devmode && notty[3].held));

  const std::string header = "Name  Version  Rev  Tracking  Publisher  Notes\n";
  // A translated header, and no header at all.
  REQUIRE_THROWS_WITH(packages::snap::parse_list("Name  Version  Rev  Suivi  Éditeur  Notes\n"),
                      Contains("line 1") && Contains("Suivi"));
  REQUIRE_THROWS_WITH(packages::snap::parse_list("core22  20240408  1380  latest/stable  canonical**  base\n"),
                      Contains("core22  20240408"));
  // snapd writes "-" for a missing tracking or publisher, not for a missing
  // version: that row has 5 fields.
  const std::string no_version = "broken  x3  -  -  broken\n";
  REQUIRE_THROWS_WITH(packages::snap::parse_list(header + "hello  2.10  38  beta  canonical**  -\n" + no_version),
                      Contains("line 3") && Contains("broken  x3"));
  REQUIRE_THROWS_WITH(packages::snap::parse_list(header + "hello  2.10  r38  beta  canonical**  -\n"), Contains("r38"));
  REQUIRE_THROWS_WITH(packages::snap::parse_list(header + "hello  2.10  38  beta  canonical**  -  extra\n"),
                      Contains("extra"));
}

// ---------------------------------------------------------------------------
// flatpak. flatpak is not installable here. Off a terminal its table printer
// (flatpak/flatpak app/flatpak-table-printer.c) writes no header and one
// tab-separated row per ref, so the fixtures are the rows of listings recorded
// on real machines, written in that form:
//  - user installation: Discord, Flatseal, FreeTube ("0.21.3 Beta": a version
//    with a space), org.freedesktop.Platform 23.08 ("freedesktop-sdk-23.08.23"):
//    github.com/vinifmor/bauh issue #374;
//  - system installation: dconf Editor, Pinta, Steam: github.com/fastfetch-cli
//    /fastfetch issue #1856;
//  - runtimes without a version (Compat.i386, ffmpeg-full) and GL.default:
//    github.com/lwbt/docs-steamdeck-note flatpak_list.md (`flatpak list
//    --columns=application,name,version`);
//  - the installation column as flatpak_dir_get_name() writes it ("user",
//    "system", "system (ID)"), the ref column as flatpak_decomposed_get_pref()
//    ("ID/ARCH/BRANCH") in app/flatpak-builtins-list.c;
//  - remotes: flathub's https://dl.flathub.org/repo/ and Fedora's OCI remote
//    (flatpak issue #3147); the url column is "-" when there is none
//    (app/flatpak-builtins-remote-list.c);
//  - masks: the "No masked patterns" / "Masked patterns:" + "  %s" lines of
//    app/flatpak-builtins-mask.c with patterns from flatpak-docs
//    tips-and-tricks.rst ("org.example.brokenapp//beta") and users' scripts.

TEST_CASE("flatpak list", "[packages][flatpak]") {
  using packages::flatpak::Scope;
  const auto refs = packages::flatpak::parse_list(fixture("flatpak-list.txt"));
  REQUIRE(refs.size() == 10);
  const auto users = std::count_if(refs.begin(), refs.end(), [](const auto& r) { return r.scope == Scope::kUser; });
  CHECK(users == 4);

  CHECK(refs[0].application == "ca.desrt.dconf-editor");
  CHECK(refs[0].version == "45.0.1");
  CHECK(refs[0].origin == "flathub");
  CHECK(refs[0].scope == Scope::kSystem);
  CHECK(refs[0].ref == "ca.desrt.dconf-editor/x86_64/stable");

  CHECK(refs[1].application == "com.discordapp.Discord");
  CHECK(refs[1].scope == Scope::kUser);
  CHECK(refs[5].version == "0.21.3 Beta");
  CHECK(refs[6].ref == "org.freedesktop.Platform/x86_64/23.08");
  CHECK(refs[6].version == "freedesktop-sdk-23.08.23");

  const auto& compat = refs[7];
  CHECK(compat.application == "org.freedesktop.Platform.Compat.i386");
  CHECK(compat.version.empty());
  CHECK(compat.origin == "flathub");
  CHECK(compat.scope == Scope::kSystem);
  CHECK(compat.ref == "org.freedesktop.Platform.Compat.i386/x86_64/22.08");
  CHECK(refs[9].version.empty());

  CHECK(packages::flatpak::parse_list("").empty());
  CHECK(packages::flatpak::parse_list("\n").empty());
  // A custom installation (flatpak-docs tips-and-tricks.rst's "extra").
  const auto extra = packages::flatpak::parse_list(
      "org.inkscape.Inkscape\t1.2.2\tflathub\tsystem (extra)\torg.inkscape.Inkscape/x86_64/stable\n");
  REQUIRE(extra.size() == 1);
  CHECK(extra[0].scope == Scope::kSystem);

  const std::string good = "com.discordapp.Discord\t0.0.71\tflathub\tuser\tcom.discordapp.Discord/x86_64/stable\n";
  REQUIRE_THROWS_WITH(packages::flatpak::parse_list(good + "org.x.App\tflathub\tuser\torg.x.App/x86_64/stable\n"),
                      Contains("line 2") && Contains("org.x.App\tflathub"));
  // With a header, as a terminal would show (and a fancy-output override would print).
  REQUIRE_THROWS_WITH(packages::flatpak::parse_list("Application ID  Version  Origin  Installation  Ref\n" + good),
                      Contains("line 1"));
  REQUIRE_THROWS_WITH(packages::flatpak::parse_list("org.x.App\t1\tflathub\tSystem\torg.x.App/x86_64/stable\n"),
                      Contains("System"));
  REQUIRE_THROWS_WITH(packages::flatpak::parse_list("org.x.App\t1\tflathub\tuser\tapp/org.x.App/x86_64/stable\n"),
                      Contains("app/org.x.App"));
  REQUIRE_THROWS_WITH(packages::flatpak::parse_list("org.x.App\t1\tflathub\tuser\torg.x.App/x86_64\n"),
                      Contains("org.x.App/x86_64"));
}

TEST_CASE("flatpak remotes", "[packages][flatpak]") {
  const auto system = packages::flatpak::parse_remotes(fixture("flatpak-remotes-system.txt"));
  REQUIRE(system.size() == 2);
  CHECK(system[0].name == "fedora");
  CHECK(system[0].url == "oci+https://registry.fedoraproject.org");
  CHECK(system[1].name == "flathub");
  CHECK(system[1].url == "https://dl.flathub.org/repo/");
  const auto user = packages::flatpak::parse_remotes(fixture("flatpak-remotes-user.txt"));
  REQUIRE(user.size() == 1);
  CHECK(user[0].url == "https://dl.flathub.org/repo/");
  CHECK(packages::flatpak::parse_remotes("").empty());

  // No URL ("-"), and an empty one whose tab the printer stripped.
  const auto bare = packages::flatpak::parse_remotes("org.gnome.Builder-origin\t-\nempty-origin\n");
  REQUIRE(bare.size() == 2);
  CHECK(bare[0].name == "org.gnome.Builder-origin");
  CHECK(bare[0].url.empty());
  CHECK(bare[1].name == "empty-origin");
  CHECK(bare[1].url.empty());

  REQUIRE_THROWS_WITH(packages::flatpak::parse_remotes("flathub\thttps://dl.flathub.org/repo/\tsystem\n"),
                      Contains("line 1") && Contains("\tsystem"));
}

TEST_CASE("flatpak mask", "[packages][flatpak]") {
  const auto user = packages::flatpak::parse_masks(fixture("flatpak-mask-user.txt"));
  CHECK(user == std::vector<std::string>{"com.spotify.Client", "org.freedesktop.Platform.GL.nvidia*",
                                         "org.example.brokenapp//beta"});
  CHECK(packages::flatpak::parse_masks(fixture("flatpak-mask-system.txt")).empty());
  CHECK(packages::flatpak::parse_masks("").empty());

  REQUIRE_THROWS_WITH(packages::flatpak::parse_masks("Masked patterns:\n  a\nerror: something\n"),
                      Contains("line 3") && Contains("error: something"));
  REQUIRE_THROWS_WITH(packages::flatpak::parse_masks("  com.spotify.Client\n"), Contains("com.spotify.Client"));
  REQUIRE_THROWS_WITH(packages::flatpak::parse_masks("Motifs masqués :\n  a\n"), Contains("Motifs"));
}
