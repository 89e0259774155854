// Plan → review → apply. The person sees each group (a manager's installs,
// changes or removals) and answers apply, skip this time, or never on this
// machine (remembered in the target's decisions file). Flags answer in
// advance; without a terminal and without them nothing is changed.
#pragma once

#include <pcswitcher/job.hpp>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "plan.hpp"

namespace packages {

struct ReviewSettings {
  bool apply_installs = false;  // --apply-package-installs: installs and changes
  bool apply_removals = false;  // --apply-package-removals, or removals: apply
};

struct Review {
  std::vector<Item> approved;
  std::vector<std::string> unanswered;  // group titles nobody could answer (no terminal)
  std::set<std::string> never;          // item keys answered "never" now
};

// Asks about each group (or takes the settings' answer). Items whose key is
// in `never_before` are left out, with an INFO line.
Review review(const pcs::JobContext& ctx, const std::vector<Group>& groups, const ReviewSettings& settings,
              const std::set<std::string>& never_before);

struct Applied {
  int done = 0;
  std::vector<std::string> failures;  // "apt install sl: <why>"
};

// Runs the approved items of one manager on the target, each on its own: a
// failing item does not stop the others. `on_item` is called before each.
Applied apply(const pcs::JobContext& ctx, const ManagerPlan& plan, const std::vector<Item>& approved,
              const std::function<void(const Item&)>& on_item);

// The plan as log lines (INFO): every group with its items and reasons, then the notes.
void log_plan(const pcs::JobContext& ctx, const std::vector<Group>& groups, const std::vector<Note>& notes);

}  // namespace packages
