#include "review.hpp"

#include <algorithm>

#include "probe.hpp"

namespace packages {
namespace {

using pcs::Host;
using pcs::LogLevel;

constexpr std::size_t kListedItems = 25;

std::string listing(const std::vector<Item>& items) {
  std::string text;
  for (std::size_t i = 0; i < items.size() && i < kListedItems; ++i)
    text += "\n  " + items[i].name + " — " + items[i].reason;
  if (items.size() > kListedItems)
    text += "\n  … and " + std::to_string(items.size() - kListedItems) + " more (see the log)";
  return text;
}

bool removal(const Group& g) { return g.action == Action::kRemove; }

}  // namespace

void log_plan(const pcs::JobContext& ctx, const std::vector<Group>& groups, const std::vector<Note>& notes) {
  for (const Group& g : groups) {
    ctx.log(Host::Target, LogLevel::Info,
            "plan: " + g.title() + " on " + ctx.target_hostname + ": " + std::to_string(g.items.size()) + " item(s)",
            {{"manager", g.manager}, {"action", action_name(g.action)}});
    for (const Item& i : g.items)
      ctx.log(Host::Target, LogLevel::Info, std::string("  ") + action_name(g.action) + " " + i.name + " — " + i.reason,
              {{"item", i.key}});
    if (!g.collateral.empty()) {
      std::string names;
      for (const auto& c : g.collateral) names += (names.empty() ? "" : ", ") + c;
      ctx.log(Host::Target, LogLevel::Warning,
              "  apt says this would also remove, among " + ctx.target_hostname +
                  "'s manually installed packages: " + names);
    }
  }
  for (const Note& n : notes) ctx.log(Host::Target, LogLevel::Info, "note (" + n.manager + "): " + n.text);
}

Review review(const pcs::JobContext& ctx, const std::vector<Group>& groups, const ReviewSettings& settings,
              const std::set<std::string>& never_before) {
  Review out;
  for (const Group& whole : groups) {
    Group g = whole;
    g.items.erase(std::remove_if(g.items.begin(), g.items.end(),
                                 [&](const Item& i) {
                                   if (never_before.count(i.key) == 0) return false;
                                   ctx.log(Host::Target, LogLevel::Info,
                                           i.name + ": left as it is on " + ctx.target_hostname +
                                               " (\"never\" in its decisions file)",
                                           {{"item", i.key}});
                                   return true;
                                 }),
                  g.items.end());
    if (g.items.empty()) continue;
    const bool preanswered = removal(g) ? settings.apply_removals : settings.apply_installs;
    int answer = 0;  // apply
    if (!preanswered) {
      const std::string text = g.title() + " on " + ctx.target_hostname + " (" + std::to_string(g.items.size()) +
                               " item" + (g.items.size() == 1 ? "" : "s") + "):" + listing(g.items);
      auto chosen = ctx.ask(text, {"apply", "skip this time", "never on " + ctx.target_hostname + " (remember)"},
                            removal(g) ? 1 : 0);
      if (!chosen) {
        out.unanswered.push_back(g.title());
        continue;
      }
      answer = *chosen;
    }
    if (answer == 2) {
      for (const Item& i : g.items) out.never.insert(i.key);
      ctx.log(Host::Target, LogLevel::Info, g.title() + ": never on " + ctx.target_hostname + " (remembered)");
      continue;
    }
    if (answer != 0) {
      ctx.log(Host::Target, LogLevel::Info, g.title() + ": skipped this time");
      continue;
    }
    // Never let apt take a manually installed package along without asking,
    // whatever was answered in advance.
    if (!g.collateral.empty()) {
      std::string names;
      for (const auto& c : g.collateral) names += (names.empty() ? "" : ", ") + c;
      auto sure = ctx.ask(
          g.title() + " on " + ctx.target_hostname + " would also remove these manually installed packages: " + names,
          {"apply anyway", "skip this group"}, 1);
      if (!sure || *sure != 0) {
        ctx.log(Host::Target, LogLevel::Warning,
                g.title() + ": not applied; it would also remove " + names + " on " + ctx.target_hostname +
                    (sure ? "" : " and there is no terminal to ask"));
        if (!sure) out.unanswered.push_back(g.title());
        continue;
      }
    }
    out.approved.insert(out.approved.end(), g.items.begin(), g.items.end());
  }
  return out;
}

namespace {

// Runs one step on the target; returns "" or why it failed.
std::string run_step(const pcs::JobContext& ctx, const Step& step, const std::string& what) {
  if (!step.argv.empty() && step.argv[0] == kSendStep) {
    const std::string& to = step.argv.at(2);
    pcs::RunOptions mk;
    mk.mutates = "create the staging directory for " + what;
    auto r = ctx.target.run({"mkdir", "-p", "--", to.substr(0, to.find_last_of('/'))}, mk);
    if (!r.success()) return "cannot create the staging directory: " + trimmed(r.stderr);
    ctx.target.send_file(step.argv.at(1), to, PCS_TRANSFER_KEEP_MODE, "stage " + step.argv.at(1) + " for " + what);
    return "";
  }
  pcs::RunOptions o;
  o.sudo = step.sudo;
  o.env = {"LC_ALL=C"};
  o.mutates = what;
  const auto r = ctx.target.run(step.argv, o);
  if (r.success()) return "";
  std::string why = trimmed(r.stderr);
  if (why.empty()) why = trimmed(r.stdout);
  if (why.size() > 600) why = "…" + why.substr(why.size() - 600);
  return "`" + shown(step.argv) + "` exited " + std::to_string(r.exit_code) + ": " + why;
}

}  // namespace

Applied apply(const pcs::JobContext& ctx, const ManagerPlan& plan, const std::vector<Item>& approved,
              const std::function<void(const Item&)>& on_item) {
  Applied out;
  std::string prepare_failed;
  const bool needs_prepare = std::any_of(approved.begin(), approved.end(), [&](const Item& i) {
    return std::find(plan.needs_prepare.begin(), plan.needs_prepare.end(), i.key) != plan.needs_prepare.end();
  });
  if (needs_prepare)
    for (const Step& s : plan.prepare) {
      prepare_failed = run_step(ctx, s, plan.manager + " repositories for the approved packages");
      if (!prepare_failed.empty()) {
        ctx.log(Host::Target, LogLevel::Error, plan.manager + " repositories: " + prepare_failed);
        break;
      }
    }
  for (const Item& item : approved) {
    ctx.check_cancelled();
    if (on_item) on_item(item);
    std::string why;
    if (!prepare_failed.empty() &&
        std::find(plan.needs_prepare.begin(), plan.needs_prepare.end(), item.key) != plan.needs_prepare.end())
      why = "its repository could not be set up: " + prepare_failed;
    for (const Step& s : item.steps) {
      if (!why.empty()) break;
      why = run_step(ctx, s, item.manager + " " + action_name(item.action) + " " + item.name);
    }
    if (why.empty()) {
      ++out.done;
      ctx.log(Host::Target, LogLevel::Info, item.manager + " " + action_name(item.action) + " " + item.name + ": done",
              {{"item", item.key}});
    } else {
      out.failures.push_back(item.manager + " " + action_name(item.action) + " " + item.name + ": " + why);
      ctx.log(Host::Target, LogLevel::Error,
              item.manager + " " + action_name(item.action) + " " + item.name + " failed: " + why,
              {{"item", item.key}});
    }
  }
  return out;
}

}  // namespace packages
