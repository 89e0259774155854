// packages: the target gets the source's installed software — apt's manually
// installed set (with holds, marks and the repositories they come from),
// snaps (revision, channel, confinement, holds) and flatpaks (refs, remotes
// and masks per scope). Plan first (reads only), then the person reviews each
// group, then the approved items are applied one by one; one failing item
// does not stop the others, and a failure of this job does not halt the
// session (failure_isolated). Runs before user_data in the default config
// (plugins are listed by name), so that synced settings land on top of
// freshly installed software.
#include <pcswitcher/job.hpp>

#include <set>
#include <span>
#include <string>
#include <vector>

#include "decisions.hpp"
#include "managers.hpp"
#include "probe.hpp"
#include "review.hpp"

namespace {

using packages::Probe;
using pcs::Host;
using pcs::LogLevel;

struct Manager {
  const char* name;
  const char* tool;  // on the PATH when the manager is there
  packages::ManagerPlan (*plan)(const pcs::JobContext&, bool removals);
};

const Manager kManagers[] = {
    {"apt", "apt-mark", &packages::plan_apt},
    {"snap", "snap", &packages::plan_snap},
    {"flatpak", "flatpak", &packages::plan_flatpak},
};

// The decisions file, read and written relative to the target user's $HOME
// (its name travels as an argument, never inside the script).
const char* kReadDecisions = "f=\"$HOME/$1\"; [ ! -e \"$f\" ] || cat -- \"$f\"";
const char* kWriteDecisions =
    "f=\"$HOME/$1\"; mkdir -p -- \"${f%/*}\" && cat > \"$f.tmp\" && mv -f -- \"$f.tmp\" \"$f\"";

}  // namespace

class PackagesJob : public pcs::SyncJob {
 public:
  // Root on the target only: apt-get (through env, for DEBIAN_FRONTEND),
  // apt-mark, install (repository files), snap, flatpak (system scope), sh
  // (the dpkg lock check) and true (the passwordless-sudo check).
  static pcs::SudoPrograms sudo_programs() {
    return {{}, {"env", "apt-mark", "install", "snap", "flatpak", "sh", "true"}, {}};
  }

  static constexpr const char* name = "packages";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description =
      "Installs on the target the software installed on the source: apt, snap and flatpak";
  static constexpr bool failure_isolated = true;
  static constexpr const char* CONFIG_SCHEMA = R"j({
    "type": "object",
    "properties": {
      "managers": {"type": "array", "items": {"enum": ["apt", "snap", "flatpak"]}, "uniqueItems": true,
                   "default": ["apt", "snap", "flatpak"],
                   "description": "Package managers to sync; one absent on both machines is skipped"},
      "removals": {"enum": ["ask", "never", "apply"], "default": "ask",
                   "description": "Software only the target has: ask at the review, never remove it, or remove it"}
    },
    "additionalProperties": false
  })j";

  static std::span<const pcs_command_option> sync_options() {
    static const pcs_command_option options[] = {
        {"apply-package-installs", nullptr, "packages job: apply installs and changes without asking"},
        {"apply-package-removals", nullptr, "packages job: apply removals without asking"},
    };
    return options;
  }

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    std::vector<pcs::ValidationError> errors;
    const Probe on_source(ctx, Host::Source), on_target(ctx, Host::Target);
    active_.clear();
    for (const Manager& m : kManagers) {
      if (!enabled(ctx, m.name)) continue;
      const bool here = on_source.has(m.tool), there = on_target.has(m.tool);
      if (here && there) {
        active_.push_back(&m);
      } else if (here || there) {
        const std::string& with = here ? ctx.source_hostname : ctx.target_hostname;
        const std::string& without = here ? ctx.target_hostname : ctx.source_hostname;
        errors.push_back({here ? Host::Target : Host::Source,
                          std::string(m.name) + " is on " + with + " but not on " + without + " (no `" + m.tool +
                              "`): install it on " + without + ", or remove " + m.name + " from packages.managers"});
      }
    }
    const bool root_needed =
        std::any_of(active_.begin(), active_.end(), [](const Manager* m) { return std::string(m->name) != "flatpak"; });
    pcs::RunOptions root;
    root.sudo = true;
    if (root_needed && !ctx.dry_run && ctx.target.run({"true"}, root).exit_code != 0)
      errors.push_back({Host::Target, "packages needs passwordless sudo on " + ctx.target_hostname +
                                          " to install and remove software (`sudo -n true` failed there)"});
    if (manager_active("apt") && !ctx.dry_run && dpkg_locked(ctx))
      errors.push_back({Host::Target, "the dpkg lock on " + ctx.target_hostname +
                                          " is held: another apt or dpkg is running there (e.g. unattended-upgrades). "
                                          "Wait for it to finish, then sync again"});
    try {
      never_ = read_decisions(ctx);
    } catch (const std::exception& e) {
      errors.push_back({Host::Target, e.what()});
    }
    return errors;
  }

  void execute(pcs::JobContext& ctx) override {
    for (const Manager& m : kManagers)
      if (enabled(ctx, m.name) && !manager_active(m.name))
        _log(ctx, Host::Source, LogLevel::Info,
             std::string(m.name) + ": not on either machine; skipped (no `" + m.tool + "`)");
    const std::string removals = ctx.config["removals"].as_string();

    std::vector<packages::ManagerPlan> plans;
    std::vector<packages::Group> groups;
    std::vector<packages::Note> notes;
    std::set<std::string> keys;
    for (const Manager* m : active_) {
      _report_progress(ctx, {.item = std::string("reading ") + m->name});
      plans.push_back(m->plan(ctx, removals != "never"));
      for (auto& g : packages::group_items(plans.back())) groups.push_back(std::move(g));
      notes.insert(notes.end(), plans.back().notes.begin(), plans.back().notes.end());
      for (const auto& i : plans.back().items) keys.insert(i.key);
    }
    packages::log_plan(ctx, groups, notes);
    if (ctx.dry_run) {
      _log(ctx, Host::Source, LogLevel::Info, "dry run: the plan above was not applied");
      return;
    }

    packages::ReviewSettings settings;
    settings.apply_installs = ctx.sync_option("apply-package-installs").has_value();
    settings.apply_removals = removals == "apply" || ctx.sync_option("apply-package-removals").has_value();
    const packages::Review answers = packages::review(ctx, groups, settings, never_);

    // Remember new "never" answers; forget those whose item is gone.
    std::set<std::string> never;
    for (const auto& k : never_)
      if (keys.count(k) != 0) never.insert(k);
    never.insert(answers.never.begin(), answers.never.end());
    if (never != never_) write_decisions(ctx, never);

    int done = 0;
    std::vector<std::string> failures;
    const auto total = static_cast<std::int64_t>(answers.approved.size());
    for (const auto& plan : plans) {
      std::vector<packages::Item> mine;
      for (const auto& i : answers.approved)
        if (i.manager == plan.manager) mine.push_back(i);
      if (mine.empty()) continue;
      const auto result = packages::apply(ctx, plan, mine, [&](const packages::Item& i) {
        _report_progress(ctx, {.current = done + static_cast<std::int64_t>(failures.size()),
                               .total = total,
                               .item = i.manager + " " + packages::action_name(i.action) + " " + i.name});
      });
      done += result.done;
      failures.insert(failures.end(), result.failures.begin(), result.failures.end());
    }
    if (!failures.empty()) {
      std::string list;
      for (const auto& f : failures) list += "\n  " + f;
      throw std::runtime_error(std::to_string(failures.size()) + " of " + std::to_string(total) +
                               " package changes failed on " + ctx.target_hostname + " (" + std::to_string(done) +
                               " applied):" + list);
    }
    if (done == 0 && !answers.unanswered.empty()) {
      std::string titles;
      for (const auto& t : answers.unanswered) titles += (titles.empty() ? "" : ", ") + t;
      throw pcs::JobSkipped("nothing changed: no terminal to review " + titles +
                            " (the plan is in the log). Answer in advance with --apply-package-installs and "
                            "--apply-package-removals");
    }
    _log(ctx, Host::Target, LogLevel::Info,
         groups.empty() ? "software already matches " + ctx.source_hostname
                        : std::to_string(done) + " package change(s) applied on " + ctx.target_hostname);
  }

 private:
  static bool enabled(const pcs::JobContext& ctx, const std::string& manager) {
    for (const auto& m : ctx.config["managers"].as_array())
      if (m.as_string() == manager) return true;
    return false;
  }

  bool manager_active(const std::string& manager) const {
    return std::any_of(active_.begin(), active_.end(), [&](const Manager* m) { return manager == m->name; });
  }

  // fuser exits 0 when a process has the lock open. Without fuser (psmisc)
  // apt itself waits for the lock (DPkg::Lock::Timeout) and fails per item.
  static bool dpkg_locked(const pcs::JobContext& ctx) {
    pcs::RunOptions o;
    o.sudo = true;
    const auto r = ctx.target.run({"sh", "-c",
                                   "command -v fuser >/dev/null || exit 2; "
                                   "fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock >/dev/null 2>&1"},
                                  o);
    return r.exit_code == 0;
  }

  static std::set<std::string> read_decisions(const pcs::JobContext& ctx) {
    const auto r = ctx.target.run({"sh", "-c", kReadDecisions, "sh", packages::kDecisionsFile});
    const std::string where = ctx.target_hostname + ":~/" + packages::kDecisionsFile;
    if (!r.success()) throw std::runtime_error("cannot read " + where + ": " + packages::trimmed(r.stderr));
    return packages::parse_decisions(r.stdout, where);
  }

  static void write_decisions(const pcs::JobContext& ctx, const std::set<std::string>& never) {
    pcs::RunOptions o;
    o.stdin_data = packages::format_decisions(never, ctx.target_hostname);
    o.mutates = "record the review's \"never\" answers in ~/" + std::string(packages::kDecisionsFile);
    const auto r = ctx.target.run({"sh", "-c", kWriteDecisions, "sh", packages::kDecisionsFile}, o);
    if (!r.success())
      throw std::runtime_error("cannot write ~/" + std::string(packages::kDecisionsFile) + " on " +
                               ctx.target_hostname + ": " + packages::trimmed(r.stderr));
  }

  std::vector<const Manager*> active_;
  std::set<std::string> never_;
};

PCS_EXPORT_JOB(PackagesJob)
