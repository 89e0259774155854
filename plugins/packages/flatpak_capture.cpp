// flatpak: refs, remotes and masks per scope on both machines, then the plan.
#include <future>
#include <map>
#include <utility>

#include "flatpak_plan.hpp"
#include "managers.hpp"
#include "probe.hpp"

namespace packages {
namespace {

flatpak::State capture(const Probe& probe) {
  flatpak::State s;
  s.hostname = probe.hostname();
  s.home = trimmed(probe.read({"sh", "-c", "printf '%s\\n' \"$HOME\""}));
  s.refs =
      probe.parsed({"flatpak", "list", "--columns=application,version,origin,installation,ref"}, flatpak::parse_list);
  for (flatpak::Scope scope : {flatpak::Scope::kUser, flatpak::Scope::kSystem}) {
    s.remotes[scope] =
        probe.parsed({"flatpak", "remotes", flatpak::scope_flag(scope), "--columns=name,url"}, flatpak::parse_remotes);
    s.masks[scope] = probe.parsed({"flatpak", "mask", flatpak::scope_flag(scope)}, flatpak::parse_masks);
  }
  // Which remotes have a trusted-keys file (names travel as arguments).
  std::vector<std::string> argv{"sh", "-c", "for f in \"$@\"; do [ -r \"$f\" ] && printf '%s\\n' \"$f\"; done; exit 0",
                                "sh"};
  std::map<std::string, std::pair<flatpak::Scope, std::string>> wanted;
  for (const auto& [scope, remotes] : s.remotes)
    for (const auto& r : remotes)
      if (flatpak::valid_remote_name(r.name)) {
        const std::string path = flatpak::keyring_path(scope, s.home, r.name);
        wanted[path] = {scope, r.name};
        argv.push_back(path);
      }
  if (!wanted.empty()) {
    const std::string found = probe.read(argv);
    std::size_t start = 0;
    while (start < found.size()) {
      auto nl = found.find('\n', start);
      if (nl == std::string::npos) nl = found.size();
      const auto it = wanted.find(found.substr(start, nl - start));
      if (it != wanted.end()) s.keyrings[it->second] = it->first;
      start = nl + 1;
    }
  }
  return s;
}

}  // namespace

ManagerPlan plan_flatpak(const pcs::JobContext& ctx, bool removals) {
  const Probe on_source(ctx, pcs::Host::Source), on_target(ctx, pcs::Host::Target);
  auto target = std::async(std::launch::async, [&] { return capture(on_target); });
  const flatpak::State source = capture(on_source);
  return flatpak::plan(source, target.get(), removals);
}

}  // namespace packages
