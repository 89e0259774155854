// The packages job's planning (apt, snap, flatpak: pure functions from the
// machines' states to a ManagerPlan), its decisions file, and the review and
// apply steps driven through a JobContext over the test kit's FakeHost.
#include <catch2/catch.hpp>

#include <pcswitcher/testkit.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "apt_plan.hpp"
#include "decisions.hpp"
#include "flatpak_plan.hpp"
#include "plan.hpp"
#include "review.hpp"
#include "snap_plan.hpp"

using Catch::Contains;
using packages::Action;
using packages::Group;
using packages::Item;
using packages::ManagerPlan;
using packages::Step;
using pcs::Host;
using pcs::LogLevel;
using pcs::testkit::FakeHost;
using pcs::testkit::RecordedCommand;
using Argv = std::vector<std::string>;

namespace {

// --- helpers -----------------------------------------------------------------

const Item* find_item(const ManagerPlan& p, const std::string& key) {
  for (const Item& i : p.items)
    if (i.key == key) return &i;
  return nullptr;
}

std::vector<std::string> keys(const ManagerPlan& p) {
  std::vector<std::string> out;
  for (const Item& i : p.items) out.push_back(i.key);
  return out;
}

std::vector<std::string> keys(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const Item& i : items) out.push_back(i.key);
  return out;
}

bool has_note(const ManagerPlan& p, const std::string& needle) {
  for (const auto& n : p.notes)
    if (n.text.find(needle) != std::string::npos) return true;
  return false;
}

std::string all_notes(const ManagerPlan& p) {
  std::string out;
  for (const auto& n : p.notes) out += "[" + n.manager + "] " + n.text + "\n";
  return out;
}

bool ends_with(const Argv& argv, const Argv& tail) {
  return argv.size() >= tail.size() && std::equal(tail.begin(), tail.end(), argv.end() - tail.size());
}

bool contains(const Argv& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

std::string joined(const Argv& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Every argv of the plan (items and prepare), for "never in any argv" checks.
std::vector<Argv> every_argv(const ManagerPlan& p) {
  std::vector<Argv> out;
  for (const Item& i : p.items)
    for (const Step& s : i.steps) out.push_back(s.argv);
  for (const Step& s : p.prepare) out.push_back(s.argv);
  return out;
}

// An `apt-get` step as the plan builds it: non-interactive, -y, through sudo.
void check_apt_get(const Step& s, const Argv& tail) {
  INFO(joined(s.argv));
  CHECK(s.sudo);
  CHECK(contains(s.argv, "apt-get"));
  CHECK(contains(s.argv, "-y"));
  CHECK(contains(s.argv, "DEBIAN_FRONTEND=noninteractive"));
  CHECK(ends_with(s.argv, tail));
}

// --- apt states --------------------------------------------------------------

const std::string kDebian = "http://deb.debian.org/debian";
const std::string kDebianOrigin = kDebian + " bookworm/main amd64 Packages";

packages::apt::State apt_machine(const std::string& hostname, const std::string& home) {
  packages::apt::State s;
  s.hostname = hostname;
  s.home = home;
  s.arch = "amd64";
  s.sources.push_back({"/etc/apt/sources.list.d/debian.sources", std::string(64, 'd'), {kDebian + "/"}, {}});
  return s;
}

// Installed at `version`; manual (apt-mark showmanual) and/or held.
void add(packages::apt::State& s, const std::string& name, const std::string& version, bool manual = true,
         bool held = false) {
  s.dpkg[name] = {version, true};
  if (manual) s.manual.insert(name);
  if (held) s.holds.insert(name);
}

// apt-cache policy of a package the source has from `origins`.
void source_policy(packages::apt::State& s, const std::string& name, const std::string& installed,
                   const std::string& candidate, std::vector<std::string> origins) {
  s.policy[name] = {installed, candidate, std::move(origins)};
}

// apt-cache policy of a package the target does not have: offered or not.
void target_policy(packages::apt::State& t, const std::string& name, const std::string& candidate) {
  t.policy[name] = {"", candidate, {}};
}

}  // namespace

// =============================================================================
// apt::plan

TEST_CASE("apt plan: a package missing on the target is installed", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");
  add(src, "sl", "5.02-1");
  source_policy(src, "sl", "5.02-1", "5.02-1", {kDebianOrigin});
  target_policy(dst, "sl", "5.02-1");

  const auto p = packages::apt::plan(src, dst, true);
  INFO(all_notes(p));
  REQUIRE(keys(p) == std::vector<std::string>{"apt:install:sl"});
  const Item& i = p.items[0];
  CHECK(i.manager == "apt");
  CHECK(i.action == Action::kInstall);
  CHECK(i.name == "sl");
  CHECK_THAT(i.reason, Contains("laptop") && Contains("desktop"));
  REQUIRE(i.steps.size() == 1);
  check_apt_get(i.steps[0], {"install", "--no-install-recommends", "sl"});
  CHECK(p.prepare.empty());
  CHECK(p.needs_prepare.empty());
  CHECK(p.notes.empty());
}

TEST_CASE("apt plan: a package held on the source is installed at its version and held", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");
  add(src, "htop", "3.2.2-2", true, true);
  source_policy(src, "htop", "3.2.2-2", "3.2.2-3", {kDebianOrigin});
  target_policy(dst, "htop", "3.2.2-3");

  const auto p = packages::apt::plan(src, dst, true);
  REQUIRE(keys(p) == std::vector<std::string>{"apt:install:htop"});
  const Item& i = p.items[0];
  CHECK_THAT(i.reason, Contains("held"));
  REQUIRE(i.steps.size() == 2);
  check_apt_get(i.steps[0], {"install", "--no-install-recommends", "htop=3.2.2-2"});
  CHECK(i.steps[1].argv == Argv{"apt-mark", "hold", "htop"});
  CHECK(i.steps[1].sudo);
}

TEST_CASE("apt plan: marks are changed, not packages installed or removed", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");
  add(src, "vim", "2:9.0.1378-2");         // manual on the source
  add(dst, "vim", "2:9.0.1378-2", false);  // automatic on the target
  add(src, "curl", "7.88.1-10", false);    // automatic on the source
  add(dst, "curl", "7.88.1-10");           // manual on the target

  const auto p = packages::apt::plan(src, dst, true);
  INFO(all_notes(p));
  REQUIRE(p.items.size() == 2);
  const Item* manual = find_item(p, "apt:mark-manual:vim");
  REQUIRE(manual != nullptr);
  CHECK(manual->action == Action::kChange);
  CHECK_THAT(manual->name, Contains("mark manual"));
  REQUIRE(manual->steps.size() == 1);
  CHECK(manual->steps[0].argv == Argv{"apt-mark", "manual", "vim"});
  CHECK(manual->steps[0].sudo);

  const Item* automatic = find_item(p, "apt:mark-auto:curl");
  REQUIRE(automatic != nullptr);
  CHECK(automatic->action == Action::kChange);
  CHECK_THAT(automatic->name, Contains("mark automatic"));
  REQUIRE(automatic->steps.size() == 1);
  CHECK(automatic->steps[0].argv == Argv{"apt-mark", "auto", "curl"});
  CHECK(automatic->steps[0].sudo);
  CHECK(p.notes.empty());
}

TEST_CASE("apt plan: packages only the target has are removed, or noted", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");
  add(dst, "cowsay", "3.03+dfsg2-8");
  add(dst, "figlet", "2.2.5-3", true, true);  // held there

  SECTION("removals on") {
    const auto p = packages::apt::plan(src, dst, true);
    REQUIRE(keys(p) == std::vector<std::string>{"apt:remove:cowsay", "apt:remove:figlet"});
    const Item& cowsay = *find_item(p, "apt:remove:cowsay");
    CHECK(cowsay.action == Action::kRemove);
    CHECK_THAT(cowsay.reason, Contains("desktop") && Contains("laptop"));
    REQUIRE(cowsay.steps.size() == 1);
    check_apt_get(cowsay.steps[0], {"remove", "cowsay"});

    const Item& figlet = *find_item(p, "apt:remove:figlet");
    REQUIRE(figlet.steps.size() == 2);
    CHECK(figlet.steps[0].argv == Argv{"apt-mark", "unhold", "figlet"});  // unhold first
    CHECK(figlet.steps[0].sudo);
    check_apt_get(figlet.steps[1], {"remove", "figlet"});
    CHECK(find_item(p, "apt:unhold:figlet") == nullptr);  // the removal covers it
  }
  SECTION("removals off: a note each, no item") {
    const auto p = packages::apt::plan(src, dst, false);
    CHECK(p.items.empty());
    INFO(all_notes(p));
    REQUIRE(p.notes.size() == 2);
    CHECK(has_note(p, "cowsay is only on desktop"));
    CHECK(has_note(p, "figlet is only on desktop"));
    CHECK(p.notes[0].manager == "apt");
  }
}

TEST_CASE("apt plan: versions float, except for held packages", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");

  SECTION("a version difference of a non-held package is only noted") {
    add(src, "git", "1:2.39.2-1.1");
    add(dst, "git", "1:2.39.1-1");
    const auto p = packages::apt::plan(src, dst, true);
    CHECK(p.items.empty());
    INFO(all_notes(p));
    REQUIRE(p.notes.size() == 1);
    CHECK_THAT(p.notes[0].text, Contains("git") && Contains("1:2.39.2-1.1") && Contains("1:2.39.1-1") &&
                                    Contains("versions may differ"));
  }
  SECTION("a held package at another version on the target gets the exact version") {
    add(src, "tmux", "3.3a-3", true, true);
    add(dst, "tmux", "3.2a-1", false);  // also automatic there: the install marks it
    const auto p = packages::apt::plan(src, dst, true);
    INFO(all_notes(p));
    REQUIRE(keys(p) == std::vector<std::string>{"apt:change:tmux"});
    const Item& i = p.items[0];
    CHECK(i.action == Action::kChange);
    CHECK_THAT(i.reason, Contains("3.3a-3") && Contains("3.2a-1"));
    REQUIRE(i.steps.size() == 2);
    check_apt_get(i.steps[0], {"install", "--no-install-recommends", "tmux=3.3a-3"});
    CHECK(i.steps[1].argv == Argv{"apt-mark", "hold", "tmux"});
    CHECK(p.notes.empty());  // not reported as a floating version as well
  }
  SECTION("held on the source at the target's version, not held there: hold it") {
    add(src, "tmux", "3.3a-3", true, true);
    add(dst, "tmux", "3.3a-3");
    const auto p = packages::apt::plan(src, dst, true);
    REQUIRE(keys(p) == std::vector<std::string>{"apt:hold:tmux"});
    REQUIRE(p.items[0].steps.size() == 1);
    CHECK(p.items[0].steps[0].argv == Argv{"apt-mark", "hold", "tmux"});
  }
  SECTION("held on the target only: unhold it") {
    add(src, "tmux", "3.3a-3");
    add(dst, "tmux", "3.3a-3", true, true);
    const auto p = packages::apt::plan(src, dst, true);
    REQUIRE(keys(p) == std::vector<std::string>{"apt:unhold:tmux"});
    CHECK(p.items[0].steps[0].argv == Argv{"apt-mark", "unhold", "tmux"});
  }
}

TEST_CASE("apt plan: a name that is not a package name never reaches a command", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");
  const std::vector<std::string> hostile = {"x; rm -rf /", "-o", "--allow-unauthenticated", "$(reboot)", "a b"};
  for (const auto& h : hostile) {
    add(src, h, "1.0");
    source_policy(src, h, "1.0", "1.0", {kDebianOrigin});
    target_policy(dst, h, "1.0");
  }
  add(dst, "-y", "1.0");         // on the target only: never removed
  add(dst, "z; reboot", "1.0");  // likewise
  add(src, "sl", "5.02-1");      // a real one beside them still works
  source_policy(src, "sl", "5.02-1", "5.02-1", {kDebianOrigin});
  target_policy(dst, "sl", "5.02-1");

  const auto p = packages::apt::plan(src, dst, true);
  INFO(all_notes(p));
  CHECK(keys(p) == std::vector<std::string>{"apt:install:sl"});
  for (const auto& argv : every_argv(p))
    for (const auto& word : argv) {
      INFO(joined(argv));
      CHECK(word.find("rm -rf") == std::string::npos);
      CHECK(word.find("reboot") == std::string::npos);
      CHECK(word.find("--allow-unauthenticated") == std::string::npos);
      CHECK(word != "a b");
    }
  // "-o" and "-y" are apt-get's own options in the one step there is, and
  // only as many times as the plan puts them there.
  REQUIRE(p.items.size() == 1);
  REQUIRE(p.items[0].steps.size() == 1);
  const Argv& argv = p.items[0].steps[0].argv;
  check_apt_get(p.items[0].steps[0], {"install", "--no-install-recommends", "sl"});
  CHECK(std::count(argv.begin(), argv.end(), "-o") == 3);
  CHECK(std::count(argv.begin(), argv.end(), "-y") == 1);
  for (const auto& h : hostile) CHECK(has_note(p, "'" + h + "' is not a package name"));
  for (const Item& i : p.items) CHECK(i.key.find("rm -rf") == std::string::npos);
}

TEST_CASE("apt plan: packages from no repository are only reported", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");

  SECTION("a bare .deb: no origin, candidate == installed") {
    add(src, "mytool", "1.4-1");
    source_policy(src, "mytool", "1.4-1", "1.4-1", {});
    target_policy(dst, "mytool", "");
    const auto p = packages::apt::plan(src, dst, true);
    CHECK(p.items.empty());
    INFO(all_notes(p));
    REQUIRE(p.notes.size() == 1);
    CHECK_THAT(p.notes[0].text, Contains("mytool") && Contains("from no repository"));
  }
  SECTION("a bare .deb: no origin, no candidate") {
    add(src, "mytool", "1.4-1");
    source_policy(src, "mytool", "1.4-1", "", {});
    const auto p = packages::apt::plan(src, dst, true);
    CHECK(p.items.empty());
    CHECK(has_note(p, "from no repository"));
  }
  SECTION("an outdated package (its repository offers a newer candidate) is not a .deb") {
    add(src, "firefox-esr", "115.5.0esr-1");
    source_policy(src, "firefox-esr", "115.5.0esr-1", "115.6.0esr-1", {});
    target_policy(dst, "firefox-esr", "115.6.0esr-1");
    const auto p = packages::apt::plan(src, dst, true);
    INFO(all_notes(p));
    CHECK_FALSE(has_note(p, "from no repository"));
    REQUIRE(keys(p) == std::vector<std::string>{"apt:install:firefox-esr"});
    check_apt_get(p.items[0].steps.at(0), {"install", "--no-install-recommends", "firefox-esr"});
  }
}

TEST_CASE("apt plan: a repository only the source has is copied before one apt-get update", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");
  const std::string vscode_list = "/etc/apt/sources.list.d/vscode.list";
  const std::string docker_sources = "/etc/apt/sources.list.d/docker.sources";
  const std::string ms_key = "/etc/apt/keyrings/packages.microsoft.gpg";
  const std::string docker_key = "/etc/apt/keyrings/docker.asc";
  const std::string unused_key = "/usr/share/keyrings/missing.gpg";
  src.sources.push_back(
      {vscode_list, std::string(64, 'a'), {"https://packages.microsoft.com/repos/code/"}, {ms_key, unused_key}});
  src.sources.push_back(
      {docker_sources, std::string(64, 'b'), {"https://download.docker.com/linux/debian"}, {docker_key}});
  src.sources.push_back({"/etc/apt/sources.list.d/other.list", std::string(64, 'c'), {"https://other.example/"}, {}});
  src.digests = {{ms_key, std::string(64, '1')}, {docker_key, std::string(64, '2')}, {unused_key, ""}};
  dst.digests = {{ms_key, ""}, {docker_key, std::string(64, '2')}, {unused_key, ""}};

  add(src, "code", "1.85.1-1702462158");
  source_policy(src, "code", "1.85.1-1702462158", "1.85.1-1702462158",
                {"https://packages.microsoft.com/repos/code stable/main amd64 Packages"});
  add(src, "docker-ce", "5:24.0.7-1~debian.12~bookworm");
  source_policy(src, "docker-ce", "5:24.0.7-1~debian.12~bookworm", "5:24.0.7-1~debian.12~bookworm",
                {"https://download.docker.com/linux/debian/ bookworm/stable amd64 Packages"});
  target_policy(dst, "docker-ce", "");  // apt knows the name there but offers nothing
  add(src, "sl", "5.02-1");             // offered on the target: needs nothing
  source_policy(src, "sl", "5.02-1", "5.02-1", {kDebianOrigin});
  target_policy(dst, "sl", "5.02-1");

  const auto p = packages::apt::plan(src, dst, true);
  INFO(all_notes(p));
  REQUIRE(p.items.size() == 3);
  CHECK(p.notes.empty());
  CHECK(p.needs_prepare == std::vector<std::string>{"apt:install:code", "apt:install:docker-ce"});
  const Item* code = find_item(p, "apt:install:code");
  REQUIRE(code != nullptr);
  CHECK_THAT(code->reason, Contains(vscode_list) && Contains("laptop"));
  check_apt_get(code->steps.at(0), {"install", "--no-install-recommends", "code"});
  CHECK_THAT(find_item(p, "apt:install:docker-ce")->reason, Contains(docker_sources));

  // Copies: each file as a send to a staging path under the TARGET's home,
  // then `sudo install -o root -g root -m 0644 STAGED PATH`.
  std::vector<std::string> installed;
  for (std::size_t k = 0; k < p.prepare.size(); ++k) {
    const Step& s = p.prepare[k];
    if (s.argv.at(0) != packages::kSendStep) continue;
    INFO(joined(s.argv));
    REQUIRE(s.argv.size() == 3);
    CHECK_FALSE(s.sudo);
    CHECK_THAT(s.argv[2], Catch::StartsWith("/home/t/"));
    REQUIRE(k + 1 < p.prepare.size());
    const Step& inst = p.prepare[k + 1];
    INFO(joined(inst.argv));
    CHECK(inst.sudo);
    CHECK(inst.argv.at(0) == "install");
    CHECK(ends_with(inst.argv, {"-o", "root", "-g", "root", "-m", "0644", s.argv[2], s.argv[1]}));
    installed.push_back(s.argv[1]);
  }
  // The Microsoft keyring differs (missing on the target); docker's is the
  // same; a keyring the source does not have is not copied.
  CHECK(installed == std::vector<std::string>{vscode_list, ms_key, docker_sources});
  CHECK(p.prepare.size() == 2 * installed.size() + 1);

  int updates = 0;
  for (const Step& s : p.prepare)
    if (contains(s.argv, "update")) ++updates;
  CHECK(updates == 1);
  check_apt_get(p.prepare.back(), {"update"});
  for (const auto& argv : every_argv(p)) {
    CHECK_FALSE(contains(argv, docker_key));
    CHECK_FALSE(contains(argv, "/etc/apt/sources.list.d/other.list"));
  }
}

TEST_CASE("apt plan: a repository the target already names is not copied again", "[packages][apt][plan]") {
  auto src = apt_machine("laptop", "/home/s");
  auto dst = apt_machine("desktop", "/home/t");
  add(src, "zoom", "5.17.1");
  add(src, "code", "1.85.1");
  source_policy(src, "code", "1.85.1", "1.85.1",
                {"https://packages.microsoft.com/repos/code stable/main amd64 Packages"});
  source_policy(src, "zoom", "5.17.1", "5.17.1", {"https://zoom.example/linux stable/main amd64 Packages"});

  SECTION("no sources file names it: a note") {
    const auto p = packages::apt::plan(src, dst, true);
    CHECK(p.items.empty());
    CHECK(p.prepare.empty());
    CHECK(p.needs_prepare.empty());
    INFO(all_notes(p));
    CHECK(has_note(p, "zoom: no repository configured on desktop offers it"));
    CHECK(has_note(p, "code: no repository configured on desktop offers it"));
  }
  SECTION("the target names the repository (it still offers nothing): a note") {
    src.sources.push_back({"/etc/apt/sources.list.d/vscode.list",
                           std::string(64, 'a'),
                           {"https://packages.microsoft.com/repos/code"},
                           {}});
    dst.sources.push_back({"/etc/apt/sources.list.d/vscode.list",
                           std::string(64, 'a'),
                           {"https://packages.microsoft.com/repos/code/"},
                           {}});
    const auto p = packages::apt::plan(src, dst, true);
    CHECK(find_item(p, "apt:install:code") == nullptr);
    CHECK(p.prepare.empty());
    CHECK(has_note(p, "code: no repository"));
  }
}

// =============================================================================
// apt::parse_sources_dump

TEST_CASE("apt sources dump: one-line and deb822 files", "[packages][apt][sources]") {
  const std::string h1(64, '1'), h2(64, '2'), h3(64, '3');
  const std::string dump = "==> " + h1 + " /etc/apt/sources.list.d/x.list\n" +
                           "# deb https://commented.example/ bookworm main\n"
                           "   # deb [signed-by=/etc/apt/keyrings/commented.gpg] https://c2.example/ x main\n"
                           "deb [arch=amd64 signed-by=/etc/apt/keyrings/x.gpg] https://x.example/debian bookworm main\n"
                           "deb-src https://src.example/ bookworm main\n"
                           "deb http://deb.debian.org/debian bookworm main\n"
                           "\n"
                           "==> " +
                           h2 + " /etc/apt/sources.list.d/y.sources\n" +
                           "# URIs: https://commented.example/\n"
                           "# Signed-By: /etc/apt/keyrings/commented.gpg\n"
                           "Types: deb\n"
                           "URIs: https://y.example/apt https://y2.example/apt\n"
                           "Suites: stable\n"
                           "Components: main\n"
                           "Signed-By: /usr/share/keyrings/y.gpg\n"
                           "\n"
                           "==> " +
                           h3 + " /etc/apt/sources.list.d/z.sources\n" +
                           "Types: deb\n"
                           "URIs: https://z.example/\n"
                           "Suites: stable\n"
                           "Signed-By:\n"
                           " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                           " .\n"
                           " mQINBGRJmfABEADGbsNTu0aE0Yxj/+jAA3AD8qgWw9Ld7CFLzn6Rm6yTyAAcTWeJ\n"
                           " /usr/share/keyrings/not-a-path-line\n"
                           " -----END PGP PUBLIC KEY BLOCK-----\n"
                           "\n";
  const auto files = packages::apt::parse_sources_dump(dump);
  REQUIRE(files.size() == 3);

  CHECK(files[0].path == "/etc/apt/sources.list.d/x.list");
  CHECK(files[0].sha256 == h1);
  CHECK(files[0].uris == std::vector<std::string>{"https://x.example/debian", "http://deb.debian.org/debian"});
  CHECK(files[0].keyrings == std::vector<std::string>{"/etc/apt/keyrings/x.gpg"});

  CHECK(files[1].path == "/etc/apt/sources.list.d/y.sources");
  CHECK(files[1].sha256 == h2);
  CHECK(files[1].uris == std::vector<std::string>{"https://y.example/apt", "https://y2.example/apt"});
  CHECK(files[1].keyrings == std::vector<std::string>{"/usr/share/keyrings/y.gpg"});

  CHECK(files[2].path == "/etc/apt/sources.list.d/z.sources");
  CHECK(files[2].uris == std::vector<std::string>{"https://z.example/"});
  CHECK(files[2].keyrings.empty());  // an inline key is no keyring path
}

TEST_CASE("apt sources dump: an inline key on the Signed-By line is not a path", "[packages][apt][sources]") {
  const std::string dump = "==> " + std::string(64, 'e') + " /etc/apt/sources.list.d/e.sources\n" +
                           "URIs: https://e.example/\n"
                           "Signed-By: -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                           " mQINBGRJmfABEADGbsNTu0aE0Yxj\n"
                           " -----END PGP PUBLIC KEY BLOCK-----\n";
  const auto files = packages::apt::parse_sources_dump(dump);
  REQUIRE(files.size() == 1);
  CHECK(files[0].uris == std::vector<std::string>{"https://e.example/"});
  CHECK(files[0].keyrings.empty());
}

// Found by review: a tab after "deb" once threw or gave the suite as the URI.
TEST_CASE("apt sources dump: a one-line entry separated by tabs", "[packages][apt][sources]") {
  const std::string head = "==> " + std::string(64, 't') + " /etc/apt/sources.list.d/t.list\n";
  std::vector<packages::apt::SourceFile> files;
  SECTION("tabs only") {
    REQUIRE_NOTHROW(files = packages::apt::parse_sources_dump(head + "deb\thttps://t.example/\tbookworm\tmain\n"));
  }
  SECTION("a tab after deb, spaces after") {
    REQUIRE_NOTHROW(files = packages::apt::parse_sources_dump(head + "deb\thttps://t.example/ bookworm main\n"));
  }
  REQUIRE(files.size() == 1);
  CHECK(files[0].uris == std::vector<std::string>{"https://t.example/"});
}

// =============================================================================
// snap::plan

namespace {

packages::snap::Snap snap(const std::string& name, const std::string& revision, const std::string& tracking,
                          const std::string& notes = "") {
  packages::snap::Snap s;
  s.name = name;
  s.version = "1.0";
  s.revision = revision;
  s.tracking = tracking;
  s.publisher = "canonical";
  s.classic = notes.find("classic") != std::string::npos;
  s.devmode = notes.find("devmode") != std::string::npos;
  s.held = notes.find("held") != std::string::npos;
  s.disabled = notes.find("disabled") != std::string::npos;
  return s;
}

void check_snap_steps(const Item& i, const std::vector<Argv>& want) {
  std::vector<Argv> got;
  for (const Step& s : i.steps) {
    CHECK(s.sudo);
    got.push_back(s.argv);
  }
  CHECK(got == want);
}

}  // namespace

TEST_CASE("snap plan: missing snaps are installed at the revision, channel, confinement and hold",
          "[packages][snap][plan]") {
  packages::snap::State src{"laptop", {}}, dst{"desktop", {}};
  src.snaps = {snap("code", "150", "latest/stable", "classic,held"), snap("lxd", "24", "5.0/stable/…", "devmode"),
               snap("hello", "42", "latest/edge")};

  const auto p = packages::snap::plan(src, dst, true);
  INFO(all_notes(p));
  REQUIRE(keys(p) == std::vector<std::string>{"snap:install:code", "snap:install:hello", "snap:install:lxd"});
  check_snap_steps(*find_item(p, "snap:install:code"), {{"snap", "install", "--revision=150", "--classic", "code"},
                                                        {"snap", "switch", "--channel=latest/stable", "code"},
                                                        {"snap", "refresh", "--hold=forever", "code"}});
  check_snap_steps(*find_item(p, "snap:install:lxd"), {{"snap", "install", "--revision=24", "--devmode", "lxd"},
                                                       {"snap", "switch", "--channel=5.0/stable", "lxd"}});
  check_snap_steps(*find_item(p, "snap:install:hello"), {{"snap", "install", "--revision=42", "hello"},
                                                         {"snap", "switch", "--channel=latest/edge", "hello"}});
  CHECK(find_item(p, "snap:install:code")->action == Action::kInstall);
  CHECK_THAT(find_item(p, "snap:install:code")->reason, Contains("150") && Contains("laptop") && Contains("desktop"));
  for (const auto& argv : every_argv(p)) {
    CHECK_FALSE(contains(argv, "--hold"));  // holds every snap on the machine
    for (const auto& w : argv) CHECK(w.find("\xE2\x80\xA6") == std::string::npos);
  }
}

TEST_CASE("snap plan: differences of revision, channel and hold are changes", "[packages][snap][plan]") {
  packages::snap::State src{"laptop", {}}, dst{"desktop", {}};
  src.snaps = {snap("firefox", "3900", "latest/stable", "disabled"),
               snap("firefox", "4000", "latest/stable"),
               snap("core22", "1000", "latest/stable"),
               snap("hello", "42", "latest/stable", "held"),
               snap("vlc", "3777", "latest/stable"),
               snap("code", "151", "latest/stable", "classic")};
  dst.snaps = {snap("firefox", "4000", "latest/stable", "disabled"), snap("firefox", "3800", "latest/stable"),
               snap("core22", "1000", "latest/candidate"),           snap("hello", "42", "latest/stable"),
               snap("vlc", "3777", "latest/stable", "held"),         snap("code", "150", "latest/stable", "classic")};

  const auto p = packages::snap::plan(src, dst, true);
  INFO(all_notes(p));
  CHECK(keys(p) == std::vector<std::string>{"snap:revision:code:151", "snap:channel:core22:latest/stable",
                                            "snap:revision:firefox:4000", "snap:hold:hello", "snap:unhold:vlc"});
  for (const Item& i : p.items) CHECK(i.action == Action::kChange);
  check_snap_steps(*find_item(p, "snap:revision:firefox:4000"), {{"snap", "refresh", "--revision=4000", "firefox"}});
  check_snap_steps(*find_item(p, "snap:revision:code:151"),
                   {{"snap", "refresh", "--revision=151", "--classic", "code"}});
  check_snap_steps(*find_item(p, "snap:channel:core22:latest/stable"),
                   {{"snap", "switch", "--channel=latest/stable", "core22"}});
  check_snap_steps(*find_item(p, "snap:hold:hello"), {{"snap", "refresh", "--hold=forever", "hello"}});
  check_snap_steps(*find_item(p, "snap:unhold:vlc"), {{"snap", "refresh", "--unhold", "vlc"}});
  CHECK_THAT(find_item(p, "snap:channel:core22:latest/stable")->reason, Contains("latest/candidate"));
}

TEST_CASE("snap plan: disabled revisions are ignored", "[packages][snap][plan]") {
  packages::snap::State src{"laptop", {}}, dst{"desktop", {}};
  src.snaps = {snap("firefox", "3700", "latest/stable", "disabled"), snap("firefox", "4000", "latest/stable"),
               snap("gimp", "400", "latest/stable", "disabled")};  // only a disabled one: not active
  dst.snaps = {snap("firefox", "3900", "latest/stable", "disabled"), snap("firefox", "4000", "latest/stable"),
               snap("gimp", "400", "latest/stable", "disabled")};
  const auto p = packages::snap::plan(src, dst, true);
  CHECK(p.items.empty());
  CHECK(p.notes.empty());
}

TEST_CASE("snap plan: extra snaps are removed, sideloaded ones noted", "[packages][snap][plan]") {
  packages::snap::State src{"laptop", {}}, dst{"desktop", {}};
  src.snaps = {snap("mytool", "x1", "")};
  dst.snaps = {snap("spotify", "70", "latest/stable")};

  SECTION("removals on") {
    const auto p = packages::snap::plan(src, dst, true);
    REQUIRE(keys(p) == std::vector<std::string>{"snap:remove:spotify"});
    CHECK(p.items[0].action == Action::kRemove);
    check_snap_steps(p.items[0], {{"snap", "remove", "spotify"}});
    REQUIRE(p.notes.size() == 1);
    CHECK_THAT(p.notes[0].text, Contains("mytool") && Contains("sideloaded"));
  }
  SECTION("removals off") {
    const auto p = packages::snap::plan(src, dst, false);
    CHECK(p.items.empty());
    CHECK(has_note(p, "spotify is only on desktop"));
    CHECK(has_note(p, "sideloaded"));
  }
}

// =============================================================================
// flatpak::plan

namespace {

using packages::flatpak::Scope;

packages::flatpak::Ref ref(const std::string& id, const std::string& origin, Scope scope) {
  return {id, "1.0", origin, scope, id + "/x86_64/stable"};
}

const std::string kFlathub = "https://dl.flathub.org/repo/";

}  // namespace

TEST_CASE("flatpak plan: missing refs, each with its remote (--if-not-exists), per scope",
          "[packages][flatpak][plan]") {
  packages::flatpak::State src, dst;
  src.hostname = "laptop";
  dst.hostname = "desktop";
  src.refs = {ref("org.gnome.Maps", "flathub", Scope::kUser), ref("org.gnome.Weather", "flathub", Scope::kUser),
              ref("org.videolan.VLC", "flathub", Scope::kSystem)};
  src.remotes[Scope::kUser] = {{"flathub", kFlathub}};
  src.remotes[Scope::kSystem] = {{"flathub", kFlathub}};
  dst.remotes[Scope::kSystem] = {{"flathub", kFlathub}};  // the user scope has no remote yet

  const auto p = packages::flatpak::plan(src, dst, true);
  INFO(all_notes(p));
  CHECK(p.notes.empty());
  REQUIRE(keys(p) == std::vector<std::string>{"flatpak:install:user:org.gnome.Maps/x86_64/stable",
                                              "flatpak:install:user:org.gnome.Weather/x86_64/stable",
                                              "flatpak:install:system:org.videolan.VLC/x86_64/stable"});
  const Item& maps = p.items[0];
  CHECK(maps.action == Action::kInstall);
  CHECK(maps.name == "org.gnome.Maps/x86_64/stable (user)");
  REQUIRE(maps.steps.size() == 2);
  CHECK(maps.steps[0].argv == Argv{"flatpak", "--user", "remote-add", "--if-not-exists", "--", "flathub", kFlathub});
  CHECK(maps.steps[1].argv == Argv{"flatpak", "--user", "install", "--noninteractive", "-y", "--", "flathub",
                                   "org.gnome.Maps/x86_64/stable"});
  CHECK_FALSE(maps.steps[0].sudo);
  CHECK_FALSE(maps.steps[1].sudo);

  const Item& weather = p.items[1];
  REQUIRE(weather.steps.size() == 2);  // its own remote-add: the first ref's item may be skipped
  CHECK(weather.steps[0].argv == maps.steps[0].argv);
  CHECK(weather.steps[1].argv == Argv{"flatpak", "--user", "install", "--noninteractive", "-y", "--", "flathub",
                                      "org.gnome.Weather/x86_64/stable"});
  CHECK_FALSE(weather.steps[1].sudo);

  const Item& vlc = p.items[2];
  REQUIRE(vlc.steps.size() == 1);  // the system scope has the remote
  CHECK(vlc.steps[0].argv == Argv{"flatpak", "--system", "install", "--noninteractive", "-y", "--", "flathub",
                                  "org.videolan.VLC/x86_64/stable"});
  CHECK(vlc.steps[0].sudo);

  int remote_adds = 0;
  for (const auto& argv : every_argv(p)) remote_adds += contains(argv, "remote-add") ? 1 : 0;
  CHECK(remote_adds == 2);  // one per user-scope ref; none for the system scope, which has it
}

TEST_CASE("flatpak plan: a system-scope remote missing on the target is added through sudo",
          "[packages][flatpak][plan]") {
  packages::flatpak::State src, dst;
  src.hostname = "laptop";
  dst.hostname = "desktop";
  src.refs = {ref("org.videolan.VLC", "flathub", Scope::kSystem)};
  src.remotes[Scope::kSystem] = {{"flathub", kFlathub}};
  dst.remotes[Scope::kUser] = {{"flathub", kFlathub}};  // the other scope does not count
  const auto p = packages::flatpak::plan(src, dst, true);
  REQUIRE(p.items.size() == 1);
  REQUIRE(p.items[0].steps.size() == 2);
  CHECK(p.items[0].steps[0].argv ==
        Argv{"flatpak", "--system", "remote-add", "--if-not-exists", "--", "flathub", kFlathub});
  CHECK(p.items[0].steps[0].sudo);
  CHECK(p.items[0].steps[1].sudo);
}

TEST_CASE("flatpak plan: remote URLs, masks and extra refs", "[packages][flatpak][plan]") {
  packages::flatpak::State src, dst;
  src.hostname = "laptop";
  dst.hostname = "desktop";
  src.remotes[Scope::kSystem] = {{"fedora", "oci+https://registry.fedoraproject.org"}, {"flathub", kFlathub}};
  dst.remotes[Scope::kSystem] = {{"fedora", "oci+https://registry.example.org"}, {"flathub", kFlathub}};
  src.masks[Scope::kUser] = {"org.gnome.Todo", "org.kept.Mask"};
  dst.masks[Scope::kUser] = {"org.old.App", "org.kept.Mask"};
  dst.refs = {ref("org.extra.App", "flathub", Scope::kSystem)};

  SECTION("removals on") {
    const auto p = packages::flatpak::plan(src, dst, true);
    INFO(all_notes(p));
    REQUIRE(keys(p) == std::vector<std::string>{"flatpak:remote-url:system:fedora", "flatpak:mask:user:org.gnome.Todo",
                                                "flatpak:unmask:user:org.old.App",
                                                "flatpak:remove:system:org.extra.App/x86_64/stable"});
    const Item& url = p.items[0];
    CHECK(url.action == Action::kChange);
    CHECK_THAT(url.reason, Contains("registry.fedoraproject.org") && Contains("registry.example.org"));
    REQUIRE(url.steps.size() == 1);
    CHECK(url.steps[0].argv ==
          Argv{"flatpak", "--system", "remote-modify", "--url=oci+https://registry.fedoraproject.org", "--", "fedora"});
    CHECK(url.steps[0].sudo);

    REQUIRE(p.items[1].steps.size() == 1);
    CHECK(p.items[1].action == Action::kChange);
    CHECK(p.items[1].steps[0].argv == Argv{"flatpak", "--user", "mask", "--", "org.gnome.Todo"});
    CHECK_FALSE(p.items[1].steps[0].sudo);
    REQUIRE(p.items[2].steps.size() == 1);
    CHECK(p.items[2].steps[0].argv == Argv{"flatpak", "--user", "mask", "--remove", "--", "org.old.App"});

    const Item& extra = p.items[3];
    CHECK(extra.action == Action::kRemove);
    REQUIRE(extra.steps.size() == 1);
    CHECK(extra.steps[0].argv ==
          Argv{"flatpak", "--system", "uninstall", "--noninteractive", "-y", "--", "org.extra.App/x86_64/stable"});
    CHECK(extra.steps[0].sudo);
  }
  SECTION("removals off") {
    const auto p = packages::flatpak::plan(src, dst, false);
    CHECK(find_item(p, "flatpak:remove:system:org.extra.App/x86_64/stable") == nullptr);
    CHECK(has_note(p, "org.extra.App/x86_64/stable (system) is only on desktop"));
  }
}

TEST_CASE("flatpak plan: a ref whose remote has no usable URL is only noted", "[packages][flatpak][plan]") {
  packages::flatpak::State src, dst;
  src.hostname = "laptop";
  dst.hostname = "desktop";
  src.refs = {ref("com.example.Tool", "local-repo", Scope::kUser), ref("com.example.Gone", "vanished", Scope::kUser),
              ref("com.example.Evil", "evil", Scope::kUser)};
  src.remotes[Scope::kUser] = {{"local-repo", ""}, {"evil", "https://x.example/ --foo"}};
  const auto p = packages::flatpak::plan(src, dst, true);
  INFO(all_notes(p));
  CHECK(p.items.empty());
  REQUIRE(p.notes.size() == 3);
  CHECK(has_note(p, "remote 'local-repo'"));
  CHECK(has_note(p, "remote 'vanished'"));
  CHECK(has_note(p, "remote 'evil'"));
}

// =============================================================================
// decisions file

TEST_CASE("decisions: parse valid and empty files", "[packages][decisions]") {
  const std::string where = "desktop:~/.config/pc-switcher/packages.decisions.yaml";
  CHECK(packages::parse_decisions("", where).empty());
  CHECK(packages::parse_decisions("# only a comment\n", where).empty());
  CHECK(packages::parse_decisions("never:\n", where).empty());
  CHECK(packages::parse_decisions("never:\n  - apt:install:sl\n  - 'snap:remove:spotify'\n", where) ==
        std::set<std::string>{"apt:install:sl", "snap:remove:spotify"});
  CHECK(packages::parse_decisions("never: [apt:remove:htop]\n", where) == std::set<std::string>{"apt:remove:htop"});
}

TEST_CASE("decisions: a file of another shape names the file and the line", "[packages][decisions]") {
  const std::string where = "desktop:~/x.yaml";
  struct Bad {
    const char* what;
    std::string text;
    std::string line;  // "where:N"
  };
  const std::vector<Bad> bad = {
      {"not YAML (indentation)", "never:\n  - apt:install:sl\n  - b\n bad: x\n", where + ":4"},
      {"not YAML (tab)", "never:\n  - apt:install:sl\n\t- b\n", where + ":3"},
      {"not YAML (flow)", "# c\nnever: [apt:install:sl\n", where + ":"},  // yaml-cpp: at the end
      {"unknown key", "# comment\nnever: []\nalways:\n  - apt:install:sl\n", where + ":3"},
      {"a mapping entry", "never:\n  - apt:install:sl\n  - apt: install\n", where + ":3"},
      {"a list entry", "never:\n  - [a, b]\n", where + ":2"},
      {"never not a list", "never: apt:install:sl\n", where + ":1"},
      {"a top-level list", "- apt:install:sl\n", where + ":1"},
  };
  for (const auto& b : bad) {
    INFO(b.what);
    try {
      packages::parse_decisions(b.text, where);
      FAIL("no exception for: " << b.text);
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK_THAT(msg, Catch::StartsWith(b.line));
      if (b.line.back() == ':') {
        // The line number follows the file name.
        REQUIRE(msg.size() > b.line.size());
        CHECK(std::isdigit(static_cast<unsigned char>(msg[b.line.size()])));
      }
    }
  }
}

// Found by review: a key that is not a scalar once gave yaml-cpp's own
// message, which does not name the file.
TEST_CASE("decisions: a key that is not a scalar names the file", "[packages][decisions]") {
  const std::string where = "desktop:~/x.yaml";
  for (const std::string text : {"# c\n[a, b]: x\n", "never:\n  - a\n? {x: 1}\n: y\n"}) {
    INFO(text);
    try {
      packages::parse_decisions(text, where);
      FAIL("no exception");
    } catch (const std::runtime_error& e) {
      CHECK_THAT(e.what(), Catch::StartsWith(where + ":"));
    }
  }
}

TEST_CASE("decisions: format round-trips through parse", "[packages][decisions]") {
  const std::set<std::string> never = {"apt:install:sl",
                                       "flatpak:install:user:org.gnome.Maps/x86_64/stable",
                                       "snap:channel:lxd:5.0/stable",
                                       "apt:remove:it's",
                                       "apt:x:#not-a-comment",
                                       "apt:y: colon space",
                                       "- dash"};
  const std::string text = packages::format_decisions(never, "desktop");
  CHECK_THAT(text, Contains("desktop"));
  CHECK(packages::parse_decisions(text, "f") == never);
  CHECK(packages::parse_decisions(packages::format_decisions({}, "desktop"), "f").empty());
}

// =============================================================================
// review()

namespace {

// A JobContext over a FakeHost whose ask() also records the default choice
// (FakeHost::questions() keeps the text and the choices only).
std::vector<int> g_default_choices;
decltype(pcs_host::ask) g_fake_ask = nullptr;

pcs_status spy_ask(const pcs_host* h, const pcs_question* q, int32_t* choice) {
  g_default_choices.push_back(q->default_choice);
  return g_fake_ask(h, q, choice);
}

const pcs_host* spied(pcs_host& table) {
  g_fake_ask = table.ask;
  g_default_choices.clear();
  table.ask = &spy_ask;
  return &table;
}

struct Session {
  FakeHost host;
  pcs_host table = *host.c_host();
  pcs::JobContext ctx{spied(table), pcs::Json::parse("{}")};
};

Item item(const std::string& manager, Action action, const std::string& name, std::vector<Step> steps = {}) {
  return {
      manager,         action, name, manager + ":" + packages::action_name(action) + ":" + name, "reason for " + name,
      std::move(steps)};
}

Group group(Action action, std::vector<Item> items, std::vector<std::string> collateral = {}) {
  return {"apt", action, std::move(items), std::move(collateral)};
}

const std::vector<std::string> kChoices = {"apply", "skip this time", "never on target-host (remember)"};

}  // namespace

TEST_CASE("review: the answer decides a group", "[packages][review]") {
  Session s;
  const std::vector<Group> groups = {
      group(Action::kInstall, {item("apt", Action::kInstall, "cowsay"), item("apt", Action::kInstall, "htop")})};

  SECTION("apply") {
    s.host.answers({0});
    const auto r = packages::review(s.ctx, groups, {}, {});
    CHECK(keys(r.approved) == std::vector<std::string>{"apt:install:cowsay", "apt:install:htop"});
    CHECK(r.never.empty());
    CHECK(r.unanswered.empty());
    const auto q = s.host.questions();
    REQUIRE(q.size() == 1);
    CHECK_THAT(q[0][0],
               Contains("apt install on target-host (2 items)") && Contains("cowsay") && Contains("reason for htop"));
    CHECK(std::vector<std::string>(q[0].begin() + 1, q[0].end()) == kChoices);
    CHECK(g_default_choices == std::vector<int>{0});  // installs: apply by default
  }
  SECTION("skip this time") {
    s.host.answers({1});
    const auto r = packages::review(s.ctx, groups, {}, {});
    CHECK(r.approved.empty());
    CHECK(r.never.empty());
    CHECK(r.unanswered.empty());
    CHECK(s.host.logged(LogLevel::Info, "apt install: skipped this time"));
  }
  SECTION("never on this machine") {
    s.host.answers({2});
    const auto r = packages::review(s.ctx, groups, {}, {});
    CHECK(r.approved.empty());
    CHECK(r.never == std::set<std::string>{"apt:install:cowsay", "apt:install:htop"});
    CHECK(r.unanswered.empty());
  }
  SECTION("no terminal") {
    const auto r = packages::review(s.ctx, groups, {}, {});
    CHECK(r.approved.empty());
    CHECK(r.never.empty());
    CHECK(r.unanswered == std::vector<std::string>{"apt install"});
    CHECK(s.host.questions().size() == 1);
  }
}

TEST_CASE("review: answers in advance apply installs, removals are still asked", "[packages][review]") {
  Session s;
  const std::vector<Group> groups = {group(Action::kInstall, {item("apt", Action::kInstall, "cowsay")}),
                                     group(Action::kChange, {item("apt", Action::kChange, "vim")}),
                                     group(Action::kRemove, {item("apt", Action::kRemove, "figlet")})};
  packages::ReviewSettings settings;
  settings.apply_installs = true;

  SECTION("the removal is approved at the terminal") {
    s.host.answers({0});
    const auto r = packages::review(s.ctx, groups, settings, {});
    CHECK(keys(r.approved) == std::vector<std::string>{"apt:install:cowsay", "apt:change:vim", "apt:remove:figlet"});
    const auto q = s.host.questions();
    REQUIRE(q.size() == 1);
    CHECK_THAT(q[0][0], Contains("apt remove") && Contains("figlet"));
    CHECK(std::vector<std::string>(q[0].begin() + 1, q[0].end()) == kChoices);
    CHECK(g_default_choices == std::vector<int>{1});  // removals: "skip this time" by default
  }
  SECTION("no terminal: installs and changes only") {
    const auto r = packages::review(s.ctx, groups, settings, {});
    CHECK(keys(r.approved) == std::vector<std::string>{"apt:install:cowsay", "apt:change:vim"});
    CHECK(r.unanswered == std::vector<std::string>{"apt remove"});
  }
  SECTION("removals answered in advance as well: nothing asked") {
    settings.apply_removals = true;
    const auto r = packages::review(s.ctx, groups, settings, {});
    CHECK(r.approved.size() == 3);
    CHECK(s.host.questions().empty());
  }
  SECTION("only removals answered in advance: installs are asked") {
    settings.apply_installs = false;
    settings.apply_removals = true;
    s.host.answers({1, 0});
    const auto r = packages::review(s.ctx, groups, settings, {});
    CHECK(keys(r.approved) == std::vector<std::string>{"apt:change:vim", "apt:remove:figlet"});
    CHECK(s.host.questions().size() == 2);
    CHECK(g_default_choices == std::vector<int>{0, 0});
  }
}

TEST_CASE("review: items answered \"never\" before are left out", "[packages][review]") {
  Session s;
  const std::vector<Group> groups = {
      group(Action::kInstall, {item("apt", Action::kInstall, "cowsay"), item("apt", Action::kInstall, "htop")}),
      group(Action::kRemove, {item("apt", Action::kRemove, "figlet")})};
  s.host.answers({0});
  const auto r = packages::review(s.ctx, groups, {}, {"apt:install:cowsay", "apt:remove:figlet"});
  CHECK(keys(r.approved) == std::vector<std::string>{"apt:install:htop"});
  const auto q = s.host.questions();
  REQUIRE(q.size() == 1);  // the removal group is empty now: not asked
  CHECK_THAT(q[0][0], Contains("(1 item)") && Contains("htop") && !Contains("cowsay"));
  CHECK(s.host.logged(LogLevel::Info, "cowsay: left as it is on target-host"));
  CHECK(s.host.logged(LogLevel::Info, "figlet: left as it is on target-host"));
  CHECK(r.unanswered.empty());
}

TEST_CASE("review: collateral removals are asked about even when answered in advance", "[packages][review]") {
  Session s;
  const std::vector<Group> groups = {
      group(Action::kRemove, {item("apt", Action::kRemove, "figlet")}, {"gnome-shell", "gdm3"})};
  packages::ReviewSettings settings;
  settings.apply_removals = true;

  SECTION("apply anyway") {
    s.host.answers({0});
    const auto r = packages::review(s.ctx, groups, settings, {});
    CHECK(keys(r.approved) == std::vector<std::string>{"apt:remove:figlet"});
    const auto q = s.host.questions();
    REQUIRE(q.size() == 1);
    CHECK_THAT(q[0][0], Contains("gnome-shell, gdm3"));
    CHECK(std::vector<std::string>(q[0].begin() + 1, q[0].end()) ==
          std::vector<std::string>{"apply anyway", "skip this group"});
    CHECK(g_default_choices == std::vector<int>{1});
  }
  SECTION("skip this group") {
    s.host.answers({1});
    const auto r = packages::review(s.ctx, groups, settings, {});
    CHECK(r.approved.empty());
    CHECK(r.unanswered.empty());
    CHECK(s.host.logged(LogLevel::Warning, "not applied; it would also remove gnome-shell, gdm3"));
  }
  SECTION("no terminal: not applied") {
    const auto r = packages::review(s.ctx, groups, settings, {});
    CHECK(r.approved.empty());
    CHECK(r.unanswered == std::vector<std::string>{"apt remove"});
    CHECK(s.host.logged(LogLevel::Warning, "no terminal"));
  }
  SECTION("asked twice when not answered in advance") {
    settings.apply_removals = false;
    s.host.answers({0, 0});
    const auto r = packages::review(s.ctx, groups, settings, {});
    CHECK(keys(r.approved) == std::vector<std::string>{"apt:remove:figlet"});
    CHECK(s.host.questions().size() == 2);
    CHECK(g_default_choices == std::vector<int>{1, 1});
  }
}

// =============================================================================
// apply()

namespace {

struct Ran {
  Argv argv;
  bool sudo;
};

std::vector<Ran> target_commands(const FakeHost& host) {
  std::vector<Ran> out;
  for (const RecordedCommand& c : host.commands())
    if (c.host == Host::Target) out.push_back({c.argv, (c.flags & PCS_COMMAND_SUDO) != 0});
  return out;
}

std::vector<std::string> texts(const std::vector<Ran>& ran) {
  std::vector<std::string> out;
  for (const auto& r : ran) out.push_back(joined(r.argv));
  return out;
}

bool ends_in(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// A plan with sl (offered), htop (held) and code (its repository copied first).
ManagerPlan sample_apt_plan() {
  auto src = apt_machine("source-host", "/home/s");
  auto dst = apt_machine("target-host", "/home/t");
  src.sources.push_back(
      {"/etc/apt/sources.list.d/vscode.list", std::string(64, 'a'), {"https://packages.microsoft.com/repos/code"}, {}});
  add(src, "sl", "5.02-1");
  source_policy(src, "sl", "5.02-1", "5.02-1", {kDebianOrigin});
  target_policy(dst, "sl", "5.02-1");
  add(src, "htop", "3.2.2-2", true, true);
  source_policy(src, "htop", "3.2.2-2", "3.2.2-2", {kDebianOrigin});
  target_policy(dst, "htop", "3.2.2-2");
  add(src, "code", "1.85.1");
  source_policy(src, "code", "1.85.1", "1.85.1",
                {"https://packages.microsoft.com/repos/code stable/main amd64 Packages"});
  return packages::apt::plan(src, dst, true);
}

std::vector<Item> pick(const ManagerPlan& p, const std::vector<std::string>& wanted) {
  std::vector<Item> out;
  for (const auto& k : wanted) {
    const Item* i = find_item(p, k);
    REQUIRE(i != nullptr);
    out.push_back(*i);
  }
  return out;
}

}  // namespace

TEST_CASE("apply: steps run in order on the target, with sudo where marked", "[packages][apply]") {
  const ManagerPlan plan = sample_apt_plan();
  REQUIRE(plan.needs_prepare == std::vector<std::string>{"apt:install:code"});
  Session s;
  s.host.set_default({0});
  std::vector<std::string> seen;
  const auto out = packages::apply(s.ctx, plan, pick(plan, {"apt:install:sl", "apt:install:htop"}),
                                   [&](const Item& i) { seen.push_back(i.key); });
  CHECK(out.done == 2);
  CHECK(out.failures.empty());
  CHECK(seen == std::vector<std::string>{"apt:install:sl", "apt:install:htop"});

  const auto ran = target_commands(s.host);
  INFO(joined(texts(ran)));
  REQUIRE(ran.size() == 3);  // no prepare: nothing approved needs it
  CHECK(ends_with(ran[0].argv, {"install", "--no-install-recommends", "sl"}));
  CHECK(ran[0].sudo);
  CHECK(ends_with(ran[1].argv, {"install", "--no-install-recommends", "htop=3.2.2-2"}));
  CHECK(ran[1].sudo);
  CHECK(ran[2].argv == Argv{"apt-mark", "hold", "htop"});
  CHECK(ran[2].sudo);
  for (const auto& c : s.host.commands()) CHECK_FALSE(c.mutates.empty());
  CHECK(s.host.transfers().empty());
  CHECK(s.host.logged(LogLevel::Info, "apt install sl: done"));
}

TEST_CASE("apply: user-scope flatpak steps run without sudo", "[packages][apply]") {
  packages::flatpak::State src, dst;
  src.hostname = "source-host";
  dst.hostname = "target-host";
  src.refs = {ref("org.gnome.Maps", "flathub", Scope::kUser)};
  src.remotes[Scope::kUser] = {{"flathub", kFlathub}};
  const auto plan = packages::flatpak::plan(src, dst, true);
  Session s;
  s.host.set_default({0});
  const auto out = packages::apply(s.ctx, plan, plan.items, nullptr);
  CHECK(out.done == 1);
  const auto ran = target_commands(s.host);
  REQUIRE(ran.size() == 2);
  CHECK(joined(ran[0].argv) == "flatpak --user remote-add --if-not-exists -- flathub " + kFlathub);
  CHECK(joined(ran[1].argv) == "flatpak --user install --noninteractive -y -- flathub org.gnome.Maps/x86_64/stable");
  CHECK_FALSE(ran[0].sudo);
  CHECK_FALSE(ran[1].sudo);
}

TEST_CASE("apply: a failing item is reported and the next one still runs", "[packages][apply]") {
  const ManagerPlan plan = sample_apt_plan();
  Session s;
  s.host.set_default({0});
  s.host.on(Host::Target,
            [](const RecordedCommand& c) { return ends_in(c.text(), "install --no-install-recommends sl"); },
            {100, "", "E: Unable to locate package sl\n"});
  const auto out = packages::apply(s.ctx, plan, pick(plan, {"apt:install:sl", "apt:install:htop"}), nullptr);
  CHECK(out.done == 1);
  REQUIRE(out.failures.size() == 1);
  CHECK_THAT(out.failures[0], Catch::StartsWith("apt install sl: ") && Contains("exited 100") &&
                                  Contains("E: Unable to locate package sl"));
  const auto ran = texts(target_commands(s.host));
  REQUIRE(ran.size() == 3);
  CHECK(ends_in(ran[1], "htop=3.2.2-2"));
  CHECK(ran[2] == "apt-mark hold htop");
  CHECK(s.host.logged(LogLevel::Error, "apt install sl failed"));
  CHECK(s.host.logged(LogLevel::Info, "apt install htop 3.2.2-2: done"));
}

TEST_CASE("apply: a failing step ends its item", "[packages][apply]") {
  const ManagerPlan plan = sample_apt_plan();
  Session s;
  s.host.set_default({0});
  s.host.on(Host::Target, [](const RecordedCommand& c) { return ends_in(c.text(), "htop=3.2.2-2"); },
            {100, "some output\n", ""});
  const auto out = packages::apply(s.ctx, plan, pick(plan, {"apt:install:htop"}), nullptr);
  CHECK(out.done == 0);
  REQUIRE(out.failures.size() == 1);
  CHECK_THAT(out.failures[0], Contains("some output"));  // stdout when stderr is empty
  const auto ran = texts(target_commands(s.host));
  CHECK(ran.size() == 1);  // the hold did not run
}

TEST_CASE("apply: the repositories are set up first, once, when an approved item needs them", "[packages][apply]") {
  const ManagerPlan plan = sample_apt_plan();
  REQUIRE_FALSE(plan.prepare.empty());
  const std::string staged = plan.prepare.at(0).argv.at(2);
  Session s;
  s.host.set_default({0});

  SECTION("prepared") {
    const auto out = packages::apply(s.ctx, plan, pick(plan, {"apt:install:code", "apt:install:sl"}), nullptr);
    CHECK(out.done == 2);
    CHECK(out.failures.empty());
    const auto ran = target_commands(s.host);
    const auto t = texts(ran);
    INFO(joined(t));
    REQUIRE(ran.size() == 5);
    CHECK(ran[0].argv == Argv{"mkdir", "-p", "--", staged.substr(0, staged.find_last_of('/'))});
    CHECK_FALSE(ran[0].sudo);
    CHECK(ran[1].argv == Argv{"install", "-D", "-o", "root", "-g", "root", "-m", "0644", staged,
                              "/etc/apt/sources.list.d/vscode.list"});
    CHECK(ran[1].sudo);
    CHECK(ends_with(ran[2].argv, {"update"}));
    CHECK(ends_with(ran[3].argv, {"install", "--no-install-recommends", "code"}));
    CHECK(ends_with(ran[4].argv, {"install", "--no-install-recommends", "sl"}));
    const auto sent = s.host.transfers();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].send);
    CHECK(sent[0].source_path == "/etc/apt/sources.list.d/vscode.list");
    CHECK(sent[0].target_path == staged);
  }
  SECTION("a failing prepare step fails the items that need it, not the others") {
    s.host.on(Host::Target, [](const RecordedCommand& c) { return !c.argv.empty() && c.argv[0] == "install"; },
              {1, "", "install: cannot create regular file\n"});
    const auto out = packages::apply(s.ctx, plan, pick(plan, {"apt:install:code", "apt:install:sl"}), nullptr);
    CHECK(out.done == 1);
    REQUIRE(out.failures.size() == 1);
    CHECK_THAT(out.failures[0], Catch::StartsWith("apt install code: its repository could not be set up") &&
                                    Contains("cannot create regular file"));
    const auto t = texts(target_commands(s.host));
    INFO(joined(t));
    REQUIRE(t.size() == 3);  // mkdir, install (failed), then sl only
    CHECK(ends_in(t[2], "install --no-install-recommends sl"));
    for (const auto& c : t) CHECK_FALSE(ends_in(c, " update"));
    CHECK(s.host.logged(LogLevel::Error, "apt repositories: "));
  }
}

// Found by review: the remote was once added only by the first ref's item,
// so a ref whose sibling was left out was installed without its remote.
TEST_CASE("flatpak: a ref whose remote-adding sibling was answered \"never\" still gets its remote",
          "[packages][flatpak][apply]") {
  packages::flatpak::State src, dst;
  src.hostname = "source-host";
  dst.hostname = "target-host";
  src.refs = {ref("org.gnome.Maps", "flathub", Scope::kUser), ref("org.gnome.Weather", "flathub", Scope::kUser)};
  src.remotes[Scope::kUser] = {{"flathub", kFlathub}};
  const auto plan = packages::flatpak::plan(src, dst, true);
  Session s;
  s.host.set_default({0});
  s.host.answers({0});
  const auto r =
      packages::review(s.ctx, packages::group_items(plan), {}, {"flatpak:install:user:org.gnome.Maps/x86_64/stable"});
  REQUIRE(keys(r.approved) == std::vector<std::string>{"flatpak:install:user:org.gnome.Weather/x86_64/stable"});
  packages::apply(s.ctx, plan, r.approved, nullptr);
  const auto t = texts(target_commands(s.host));
  INFO(joined(t));
  CHECK(std::find(t.begin(), t.end(), "flatpak --user remote-add --if-not-exists -- flathub " + kFlathub) != t.end());
}

TEST_CASE("flatpak plan: a remote is added with the keys the source trusts for it", "[packages][flatpak][plan]") {
  packages::flatpak::State src, dst;
  src.hostname = "laptop";
  dst.hostname = "desktop";
  dst.home = "/home/u";
  src.refs = {ref("org.gnome.Maps", "flathub", Scope::kUser)};
  src.remotes[Scope::kUser] = {{"flathub", kFlathub}};
  src.keyrings[{Scope::kUser, "flathub"}] = "/home/me/.local/share/flatpak/repo/flathub.trustedkeys.gpg";
  const auto p = packages::flatpak::plan(src, dst, true);
  REQUIRE(p.items.size() == 1);
  const auto& steps = p.items[0].steps;
  REQUIRE(steps.size() == 3);
  CHECK(steps[0].argv == Argv{packages::kSendStep, "/home/me/.local/share/flatpak/repo/flathub.trustedkeys.gpg",
                              "/home/u/.cache/pc-switcher/flatpak-staging/user-flathub.gpg"});
  CHECK(steps[1].argv == Argv{"flatpak", "--user", "remote-add", "--if-not-exists",
                              "--gpg-import=/home/u/.cache/pc-switcher/flatpak-staging/user-flathub.gpg", "--",
                              "flathub", kFlathub});
  CHECK(p.items[0].reason.find("without a key") == std::string::npos);
  CHECK(packages::flatpak::keyring_path(Scope::kSystem, "/home/u", "flathub") ==
        "/var/lib/flatpak/repo/flathub.trustedkeys.gpg");
  CHECK_FALSE(packages::flatpak::valid_remote_name("../etc"));
}
