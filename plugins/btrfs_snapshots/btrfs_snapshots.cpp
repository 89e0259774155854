// btrfs_snapshots: read-only snapshots of the configured subvolumes on both
// machines before the first sync job (execute) and after the last one
// (after_sync, ext/after_sync.h), then retention. Every command is argv-form;
// the root-only ones run through `sudo -n`.
#include <pcswitcher/job.hpp>

#include <chrono>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mountinfo.hpp"
#include "snapshot_layout.hpp"

namespace {

using btrfs_snapshots::Mount;
using pcs::Host;
using pcs::LogLevel;

const char* host_name(Host h) { return h == Host::Source ? "source" : "target"; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

pcs::RunOptions as_root(std::string mutates = {}) {
  pcs::RunOptions o;
  o.sudo = true;
  o.mutates = std::move(mutates);
  return o;
}

// Where each configured subvolume is mounted on one machine.
struct MachineLayout {
  std::vector<std::pair<std::string, std::string>> mounts;  // subvolume → mount point
  std::vector<std::string> problems;
};

}  // namespace

class BtrfsSnapshots : public pcs::SystemJob {
 public:
  static constexpr const char* name = "btrfs_snapshots";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description =
      "Read-only btrfs snapshots of both machines before and after every sync, with retention";
  static constexpr const char* CONFIG_SCHEMA = R"j({
    "type": "object",
    "properties": {
      "subvolumes": {"type": "array", "minItems": 1, "uniqueItems": true, "default": ["@", "@home"],
                     "items": {"type": "string", "pattern": "^[^/.][^\\s]*$"},
                     "description": "Subvolumes to snapshot, as named in the filesystem (e.g. @home); each must be mounted"},
      "snapshot_dir": {"type": "string", "pattern": "^/", "default": "/.snapshots/pc-switcher",
                       "description": "Where snapshots go; on the same btrfs filesystem as the subvolumes"},
      "keep_recent": {"type": "integer", "minimum": 1, "default": 3,
                      "description": "Sessions whose snapshots are always kept (the newest)"},
      "max_age_days": {"type": "integer", "minimum": 1,
                       "description": "If set, older sessions are removed only once older than this"}
    },
    "additionalProperties": false
  })j";

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
  std::vector<pcs::ValidationError> errors;
  for (Host h : {Host::Source, Host::Target}) {
    for (auto& p : layout(ctx, h).problems) errors.push_back({h, std::move(p)});
    auto r = exec(ctx, h).run({"btrfs", "--version"}, as_root());
    if (!r.success())
      errors.push_back({h, "cannot run `sudo -n btrfs` on the " + std::string(host_name(h)) + " (" +
                               first_line(r.stderr) +
                               "): install btrfs-progs and let this user run btrfs, mkdir and rmdir as root "
                               "without a password (a NOPASSWD rule in /etc/sudoers.d/pc-switcher, edited with "
                               "`visudo -f`)"});
  }
  return errors;
}

void execute(pcs::JobContext& ctx) override {
  folder_ = btrfs_snapshots::session_folder(std::chrono::system_clock::now(), ctx.session_id);
  snapshot_both(ctx, "pre");
}

void after_sync(pcs::JobContext& ctx, bool sync_succeeded) {
  snapshot_both(ctx, "post");
  if (ctx.dry_run) return;
  if (!sync_succeeded) {
    _log(ctx, Host::Source, LogLevel::Info, "Retention skipped: the sync did not succeed, every snapshot is kept");
    return;
  }
  for (Host h : {Host::Source, Host::Target}) retention(ctx, h);
}

private:
static const pcs::Executor& exec(pcs::JobContext& ctx, Host h) { return h == Host::Source ? ctx.source : ctx.target; }

static std::vector<std::string> subvolumes(pcs::JobContext& ctx) {
  std::vector<std::string> out;
  for (const auto& v : ctx.config["subvolumes"].as_array()) out.push_back(v.as_string());
  return out;
}

static std::string snapshot_dir(pcs::JobContext& ctx) {
  std::string d = ctx.config["snapshot_dir"].as_string();
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  return d;
}

// Reads the machine's mount table; every problem says the host and the fix.
static MachineLayout layout(pcs::JobContext& ctx, Host h) {
  MachineLayout out;
  const std::string where = std::string(host_name(h));
  auto r = exec(ctx, h).run({"cat", "/proc/self/mountinfo"});
  if (!r.success()) {
    out.problems.push_back("cannot read /proc/self/mountinfo on the " + where + ": " + first_line(r.stderr));
    return out;
  }
  const auto mounts = btrfs_snapshots::parse_mountinfo(r.stdout);
  const std::string dir = snapshot_dir(ctx);
  const Mount* dir_mount = btrfs_snapshots::mount_of_path(mounts, dir);
  for (const auto& sub : subvolumes(ctx)) {
    const Mount* m = btrfs_snapshots::find_subvolume_mount(mounts, sub);
    if (m == nullptr) {
      out.problems.push_back("subvolume " + sub + " is not mounted on the " + where + " (no btrfs mount of subvol=/" +
                             sub + " in /proc/self/mountinfo): mount it, or remove it from btrfs_snapshots.subvolumes");
      continue;
    }
    if (dir_mount == nullptr || dir_mount->fstype != "btrfs" || dir_mount->device != m->device) {
      out.problems.push_back(
          "snapshot_dir " + dir + " on the " + where + " is on " +
          (dir_mount ? dir_mount->fstype + " (" + dir_mount->mount_point + ")" : std::string("no mount")) +
          ", not on the btrfs filesystem of " + sub + " (" + m->source + ", mounted at " + m->mount_point +
          "): set btrfs_snapshots.snapshot_dir to a directory on that filesystem");
      continue;
    }
    out.mounts.emplace_back(sub, m->mount_point);
  }
  return out;
}

void snapshot_both(pcs::JobContext& ctx, const std::string& phase) {
  const std::string dest = snapshot_dir(ctx) + "/" + folder_;
  int done = 0;
  const auto subs = subvolumes(ctx);
  const int total = 2 * static_cast<int>(subs.size());
  for (Host h : {Host::Source, Host::Target}) {
    ctx.check_cancelled();
    MachineLayout l = layout(ctx, h);
    if (!l.problems.empty()) throw std::runtime_error(l.problems.front());
    if (ctx.dry_run) {
      for (const auto& [sub, mount] : l.mounts)
        _log(ctx, h, LogLevel::Info,
             "Dry run: would snapshot " + sub + " (" + mount + ") read-only to " + dest + "/" +
                 btrfs_snapshots::snapshot_name(phase, sub));
      continue;
    }
    auto mk = exec(ctx, h).run({"mkdir", "-p", "--", dest}, as_root("create " + dest));
    if (!mk.success())
      throw std::runtime_error("cannot create " + dest + " on the " + host_name(h) + ": " + first_line(mk.stderr));
    for (const auto& [sub, mount] : l.mounts) {
      const std::string target = dest + "/" + btrfs_snapshots::snapshot_name(phase, sub);
      _report_progress(ctx, {.current = done, .total = total, .item = std::string(host_name(h)) + " " + sub});
      auto r = exec(ctx, h).run({"btrfs", "subvolume", "snapshot", "-r", "--", mount, target},
                                as_root("snapshot " + sub + " to " + target));
      if (!r.success())
        throw std::runtime_error("cannot snapshot " + sub + " (" + mount + ") on the " + host_name(h) + ": " +
                                 first_line(r.stderr));
      _log(ctx, h, LogLevel::Full, "Snapshot " + target, {{"subvolume", sub}, {"phase", phase}});
      ++done;
    }
    _log(ctx, h, LogLevel::Info, std::to_string(l.mounts.size()) + " " + phase + "-sync snapshot(s) in " + dest);
  }
  _report_progress(ctx, {.current = total, .total = total});
}

void retention(pcs::JobContext& ctx, Host h) {
  const std::string dir = snapshot_dir(ctx);
  auto ls = exec(ctx, h).run({"ls", "-1", "--", dir});
  if (!ls.success()) throw std::runtime_error("cannot list " + dir + " on the " + host_name(h) + ": " + ls.stderr);
  std::optional<int> max_age;
  if (ctx.config.contains("max_age_days")) max_age = static_cast<int>(ctx.config["max_age_days"].as_int());
  const int keep = static_cast<int>(ctx.config["keep_recent"].as_int());
  for (const auto& victim : btrfs_snapshots::retention_victims(lines_of(ls.stdout), keep, max_age,
                                                               std::chrono::system_clock::now(), ctx.session_id)) {
    ctx.check_cancelled();
    const std::string folder = dir + "/" + victim;
    auto inside = exec(ctx, h).run({"ls", "-1", "--", folder});
    for (const auto& entry : lines_of(inside.stdout)) {
      if (entry.rfind("pre-", 0) != 0 && entry.rfind("post-", 0) != 0) continue;
      auto del = exec(ctx, h).run({"btrfs", "subvolume", "delete", "--", folder + "/" + entry},
                                  as_root("delete snapshot " + folder + "/" + entry));
      if (!del.success())
        throw std::runtime_error("cannot delete " + folder + "/" + entry + " on the " + host_name(h) + ": " +
                                 first_line(del.stderr));
    }
    auto rm = exec(ctx, h).run({"rmdir", "--", folder}, as_root("remove " + folder));
    if (!rm.success())
      _log(ctx, h, LogLevel::Warning, "Kept " + folder + ": it holds more than pc-switcher's snapshots");
    else
      _log(ctx, h, LogLevel::Info, "Retention: removed the snapshots of session " + victim);
  }
}

std::string folder_;
}
;

PCS_EXPORT_JOB(BtrfsSnapshots)
