// Each manager's part of the job: read both machines, then plan. Reads only;
// nothing here changes either machine.
#pragma once

#include <pcswitcher/job.hpp>

#include "plan.hpp"

namespace packages {

// apt on both machines: the manually installed set, holds, versions and
// repositories; apt's simulation of the plan's installs and removals.
ManagerPlan plan_apt(const pcs::JobContext& ctx, bool removals);

// snap: revision, channel, confinement flags and holds of every snap.
ManagerPlan plan_snap(const pcs::JobContext& ctx, bool removals);

// flatpak: refs and remotes per scope (user, system), masks.
ManagerPlan plan_flatpak(const pcs::JobContext& ctx, bool removals);

}  // namespace packages
