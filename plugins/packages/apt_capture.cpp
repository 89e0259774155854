// apt: what each machine has, read over the session (argv-form commands; a
// fixed script for the sources files), then the plan and apt's own
// simulation of it. Reads run as the login user with apt's package cache in
// ~/.cache/pc-switcher/apt: without a writable cache apt rebuilds it in
// memory for every command (measurements.md: 1.04 s instead of 0.35 s for
// `apt-mark showmanual`).
#include <future>
#include <set>

#include "apt_plan.hpp"
#include "managers.hpp"
#include "probe.hpp"

namespace packages {
namespace {

using apt::State;

std::vector<std::string> with_cache(const State& s, std::vector<std::string> argv) {
  const std::string dir = s.home + "/.cache/pc-switcher/apt/";
  argv.insert(argv.begin() + 1, {"-o", "Dir::Cache::pkgcache=" + dir + "pkgcache.bin", "-o",
                                 "Dir::Cache::srcpkgcache=" + dir + "srcpkgcache.bin"});
  return argv;
}

State capture(const Probe& probe) {
  State s;
  s.hostname = probe.hostname();
  const std::string head = probe.read(
      {"sh", "-c",
       "mkdir -p \"$HOME/.cache/pc-switcher/apt\" && printf '%s\\n' \"$HOME\" && dpkg --print-architecture"});
  const auto nl = head.find('\n');
  s.home = head.substr(0, nl);
  s.arch = trimmed(nl == std::string::npos ? "" : head.substr(nl + 1));
  for (const auto& n : probe.parsed(with_cache(s, {"apt-mark", "showmanual"}), apt::parse_names)) s.manual.insert(n);
  for (const auto& n : probe.parsed(with_cache(s, {"apt-mark", "showhold"}), apt::parse_names)) s.holds.insert(n);
  s.dpkg = probe.parsed({"dpkg-query", "-W", "-f=${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Abbrev}\\n"},
                        [&](const std::string& out) { return apt::parse_dpkg_query(out, s.arch); });
  s.sources = apt::parse_sources_dump(probe.read({"sh", "-c", apt::kSourcesScript}));
  return s;
}

void add_policy(const Probe& probe, State& s, const std::vector<std::string>& names) {
  if (names.empty()) return;
  std::vector<std::string> argv{"apt-cache", "policy"};
  argv.insert(argv.end(), names.begin(), names.end());
  s.policy = probe.parsed(with_cache(s, argv), apt::parse_policy);
}

// sha256 of each keyring; "" for one the machine does not have.
void add_digests(const Probe& probe, State& s, const std::vector<std::string>& paths) {
  if (paths.empty()) return;
  std::vector<std::string> argv{"sha256sum", "--"};
  argv.insert(argv.end(), paths.begin(), paths.end());
  const auto r = probe.run(argv, {1});  // 1: some file is missing
  for (const auto& p : paths) s.digests[p] = "";
  std::size_t start = 0;
  while (start < r.stdout.size()) {
    auto nl = r.stdout.find('\n', start);
    if (nl == std::string::npos) nl = r.stdout.size();
    const std::string line = r.stdout.substr(start, nl - start);
    start = nl + 1;
    if (line.size() > 66) s.digests[line.substr(66)] = line.substr(0, 64);
  }
}

// What apt-get -s says `args` would remove among `target`'s manual packages.
std::vector<std::string> collateral(const Probe& probe, const State& target, std::vector<std::string> args,
                                    const std::set<std::string>& meant) {
  std::vector<std::string> argv{"apt-get", "-s"};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = probe.run(with_cache(target, argv), {100});
  if (r.exit_code == 100)  // apt answered: these cannot be applied together
    return {"(apt cannot simulate this: " + trimmed(r.stderr) + ")"};
  std::vector<std::string> out;
  for (const auto& s : apt::parse_simulation(r.stdout))
    if ((s.action == apt::Simulated::kRemove || s.action == apt::Simulated::kPurge) && meant.count(s.name) == 0 &&
        target.manual.count(s.name) != 0)
      out.push_back(s.name);
  return out;
}

}  // namespace

ManagerPlan plan_apt(const pcs::JobContext& ctx, bool removals) {
  const Probe on_source(ctx, pcs::Host::Source), on_target(ctx, pcs::Host::Target);
  auto target_state = std::async(std::launch::async, [&] { return capture(on_target); });
  State source = capture(on_source);
  State target = target_state.get();

  std::vector<std::string> missing;
  for (const auto& n : source.manual)
    if (!target.installed(n) && apt::valid_package_name(n)) missing.push_back(n);
  if (!missing.empty()) {
    auto target_policy = std::async(std::launch::async, [&] { add_policy(on_target, target, missing); });
    add_policy(on_source, source, missing);
    target_policy.get();
    std::vector<std::string> keyrings;
    for (const auto& f : source.sources) keyrings.insert(keyrings.end(), f.keyrings.begin(), f.keyrings.end());
    auto target_digests = std::async(std::launch::async, [&] { add_digests(on_target, target, keyrings); });
    add_digests(on_source, source, keyrings);
    target_digests.get();
  }

  ManagerPlan plan = apt::plan(source, target, removals);
  // apt's own word on what the installs and removals would take with them.
  std::vector<std::string> installs{"install", "--no-install-recommends"}, removes{"remove"};
  std::set<std::string> installing, removing;
  for (const Item& i : plan.items) {
    if (i.action == Action::kInstall &&
        std::find(plan.needs_prepare.begin(), plan.needs_prepare.end(), i.key) == plan.needs_prepare.end()) {
      installs.push_back(i.steps.front().argv.back());
      installing.insert(i.name);
    }
    if (i.action == Action::kRemove) {
      removes.push_back(i.name);
      removing.insert(i.name);
    }
  }
  if (!installing.empty()) plan.collateral[Action::kInstall] = collateral(on_target, target, installs, installing);
  if (!removing.empty()) plan.collateral[Action::kRemove] = collateral(on_target, target, removes, removing);
  return plan;
}

}  // namespace packages
