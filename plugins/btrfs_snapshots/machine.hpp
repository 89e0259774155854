// What the job and its commands share about one machine: running commands
// there (root ones through `sudo -n`), its mount table, its session folders.
#pragma once

#include <pcswitcher/job.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mountinfo.hpp"
#include "snapshot_layout.hpp"

namespace btrfs_snapshots {

inline const char* host_name(pcs::Host h) { return h == pcs::Host::Source ? "source" : "target"; }

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

inline std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

inline pcs::RunOptions as_root(std::string mutates = {}) {
  pcs::RunOptions o;
  o.sudo = true;
  o.mutates = std::move(mutates);
  return o;
}

inline const pcs::Executor& exec(pcs::JobContext& ctx, pcs::Host h) {
  return h == pcs::Host::Source ? ctx.source : ctx.target;
}

// The job's config, read once.
struct Settings {
  std::vector<std::string> subvolumes;
  std::string snapshot_dir;  // no trailing '/'
  int keep_recent = 3;
  std::optional<int> max_age_days;

  static Settings of(const pcs::Json& config) {
    Settings s;
    for (const auto& v : config["subvolumes"].as_array()) s.subvolumes.push_back(v.as_string());
    s.snapshot_dir = config["snapshot_dir"].as_string();
    while (s.snapshot_dir.size() > 1 && s.snapshot_dir.back() == '/') s.snapshot_dir.pop_back();
    s.keep_recent = static_cast<int>(config["keep_recent"].as_int());
    if (config.contains("max_age_days")) s.max_age_days = static_cast<int>(config["max_age_days"].as_int());
    return s;
  }
};

// Where each configured subvolume is mounted on one machine.
struct MachineLayout {
  std::vector<Mount> mounts;                                     // the whole table
  std::vector<std::pair<std::string, const Mount*>> subvolumes;  // subvolume → its mount (into `mounts`)
  const Mount* snapshot_dir_mount = nullptr;
  std::vector<std::string> problems;  // each names the host and the fix

  const Mount* mount_of(const std::string& subvolume) const {
    for (const auto& [s, m] : subvolumes)
      if (s == subvolume) return m;
    return nullptr;
  }
};

// Reads the machine's mount table and checks the config against it.
inline MachineLayout read_layout(pcs::JobContext& ctx, pcs::Host h, const Settings& settings) {
  MachineLayout out;
  const std::string where = host_name(h);
  auto r = exec(ctx, h).run({"cat", "/proc/self/mountinfo"});
  if (!r.success()) {
    out.problems.push_back("cannot read /proc/self/mountinfo on the " + where + ": " + first_line(r.stderr));
    return out;
  }
  out.mounts = parse_mountinfo(r.stdout);
  const std::string& dir = settings.snapshot_dir;
  out.snapshot_dir_mount = mount_of_path(out.mounts, dir);
  const Mount* dir_mount = out.snapshot_dir_mount;
  for (const auto& sub : settings.subvolumes) {
    const Mount* m = find_subvolume_mount(out.mounts, sub);
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
    out.subvolumes.emplace_back(sub, m);
  }
  return out;
}

// The session folders in the snapshot dir (none when it does not exist yet).
inline std::vector<std::string> list_session_folders(pcs::JobContext& ctx, pcs::Host h, const std::string& dir) {
  auto test = exec(ctx, h).run({"test", "-d", dir});
  if (!test.success()) return {};
  auto ls = exec(ctx, h).run({"ls", "-1", "--", dir});
  if (!ls.success())
    throw std::runtime_error("cannot list " + dir + " on the " + host_name(h) + ": " + first_line(ls.stderr));
  std::vector<std::string> out;
  for (auto& name : lines_of(ls.stdout))
    if (parse_session_folder(name)) out.push_back(std::move(name));
  return out;
}

// The snapshots ("pre-@home", ...) in one session folder.
inline std::vector<std::string> list_snapshots(pcs::JobContext& ctx, pcs::Host h, const std::string& folder) {
  auto ls = exec(ctx, h).run({"ls", "-1", "--", folder});
  if (!ls.success())
    throw std::runtime_error("cannot list " + folder + " on the " + host_name(h) + ": " + first_line(ls.stderr));
  return lines_of(ls.stdout);
}

// Deletes pc-switcher's snapshots in `folder`, then the folder. Returns false
// (and leaves it) when the folder holds anything else.
inline bool delete_session_folder(pcs::JobContext& ctx, pcs::Host h, const std::string& folder) {
  for (const auto& entry : list_snapshots(ctx, h, folder)) {
    if (entry.rfind("pre-", 0) != 0 && entry.rfind("post-", 0) != 0) continue;
    ctx.check_cancelled();
    // An empty directory where a snapshot was (left by a rollback): just remove it.
    auto inode = exec(ctx, h).run({"stat", "-c", "%i", "--", folder + "/" + entry});
    if (inode.success() && first_line(inode.stdout) != "256") {
      exec(ctx, h).run({"rmdir", "--", folder + "/" + entry}, as_root("remove " + folder + "/" + entry));
      continue;
    }
    auto del = exec(ctx, h).run({"btrfs", "subvolume", "delete", "--", folder + "/" + entry},
                                as_root("delete snapshot " + folder + "/" + entry));
    if (!del.success())
      throw std::runtime_error("cannot delete " + folder + "/" + entry + " on the " + host_name(h) + ": " +
                               first_line(del.stderr));
  }
  return exec(ctx, h).run({"rmdir", "--", folder}, as_root("remove " + folder)).success();
}

}  // namespace btrfs_snapshots
