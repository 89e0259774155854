// snap: `snap list --all` on both machines, then the plan.
#include <future>

#include "managers.hpp"
#include "probe.hpp"
#include "snap_plan.hpp"

namespace packages {
namespace {

snap::State capture(const Probe& probe) {
  return {probe.hostname(), probe.parsed({"snap", "list", "--all"}, snap::parse_list)};
}

}  // namespace

ManagerPlan plan_snap(const pcs::JobContext& ctx, bool removals) {
  const Probe on_source(ctx, pcs::Host::Source), on_target(ctx, pcs::Host::Target);
  auto target = std::async(std::launch::async, [&] { return capture(on_target); });
  const snap::State source = capture(on_source);
  return snap::plan(source, target.get(), removals);
}

}  // namespace packages
