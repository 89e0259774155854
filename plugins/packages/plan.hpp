// What the packages job would change on the target, before anyone agreed to
// it: per manager, items to install, remove or change, each with its reason
// and the commands that apply it. Plain values, built by pure functions from
// what the machines reported, so planning is tested without any machine.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace packages {

enum class Action { kInstall, kRemove, kChange };

inline const char* action_name(Action a) {
  switch (a) {
    case Action::kInstall:
      return "install";
    case Action::kRemove:
      return "remove";
    case Action::kChange:
      return "change";
  }
  return "?";
}

// A step whose argv is {kSendStep, SOURCE_PATH, TARGET_PATH} copies a file
// from the source over the session's connection instead of running anything.
inline constexpr const char* kSendStep = "pcs:send-file";

// One command on the target, argv-form (never read by a shell).
struct Step {
  std::vector<std::string> argv;
  bool sudo = false;
};

struct Item {
  std::string manager;  // "apt", "snap", "flatpak"
  Action action = Action::kInstall;
  std::string name;    // what the person reads: "sl", "org.gnome.Maps (user)"
  std::string key;     // stable id for decisions: "apt:install:sl"
  std::string reason;  // "installed on laptop, not on desktop"
  std::vector<Step> steps;
};

// Found but never changed by the job: a package from no repository, a
// version that differs where versions may float.
struct Note {
  std::string manager;
  std::string text;
};

// The items of one manager and action, reviewed together.
struct Group {
  std::string manager;
  Action action = Action::kInstall;
  std::vector<Item> items;
  // What apt's simulation says applying the group would also remove among the
  // target's manually installed packages (asked about explicitly).
  std::vector<std::string> collateral;
  std::string title() const { return manager + " " + action_name(action); }
};

struct ManagerPlan {
  std::string manager;
  std::vector<Item> items;
  std::vector<Note> notes;
  // Steps run once before the manager's approved items, only when at least
  // one of `needs_prepare` is approved (apt: copy sources, then one update).
  std::vector<Step> prepare;
  std::vector<std::string> needs_prepare;  // item keys
  // Per action: the target's manually installed packages apt's simulation
  // says applying every item of that action would also remove.
  std::map<Action, std::vector<std::string>> collateral;
};

// Splits a manager's items into groups in a fixed order: install, change, remove.
inline std::vector<Group> group_items(const ManagerPlan& plan) {
  std::vector<Group> groups;
  for (Action a : {Action::kInstall, Action::kChange, Action::kRemove}) {
    Group g{plan.manager, a, {}, {}};
    if (auto c = plan.collateral.find(a); c != plan.collateral.end()) g.collateral = c->second;
    for (const Item& i : plan.items)
      if (i.action == a) g.items.push_back(i);
    if (!g.items.empty()) groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace packages
