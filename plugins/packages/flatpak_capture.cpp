// flatpak: refs, remotes and masks per scope on both machines, then the plan.
#include <future>

#include "flatpak_plan.hpp"
#include "managers.hpp"
#include "probe.hpp"

namespace packages {
namespace {

flatpak::State capture(const Probe& probe) {
  flatpak::State s;
  s.hostname = probe.hostname();
  s.refs =
      probe.parsed({"flatpak", "list", "--columns=application,version,origin,installation,ref"}, flatpak::parse_list);
  for (flatpak::Scope scope : {flatpak::Scope::kUser, flatpak::Scope::kSystem}) {
    s.remotes[scope] =
        probe.parsed({"flatpak", "remotes", flatpak::scope_flag(scope), "--columns=name,url"}, flatpak::parse_remotes);
    s.masks[scope] = probe.parsed({"flatpak", "mask", flatpak::scope_flag(scope)}, flatpak::parse_masks);
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
