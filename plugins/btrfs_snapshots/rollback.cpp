// `pc-switcher rollback SESSION`: one machine's subvolumes back to that
// session's pre snapshots, by swapping subvolumes in the filesystem's top
// level (the way snapper does); nothing is copied.
//
// For each subvolume S (paths in the top level T of its filesystem):
//   1. keep:     read-only snapshot of T/S        → <dir>/<new session>/pre-S
//   2. aside:    rename T/S                       → T/S.pcs-replaced-<new session>
//   3. restore:  writable snapshot of <dir>/<SESSION>/pre-S → T/S
//   4. only when the snapshot dir lies inside S: the snapshots (each one a
//      subvolume, which may change parents) move from the set-aside tree into
//      the restored one, so they stay at their paths after the remount.
// The mounts keep showing the set-aside subvolume until S is mounted again
// (remount, or reboot for /), which the plan says. A step that fails undoes
// the steps before it for that subvolume.
#include <algorithm>
#include <chrono>
#include <sstream>

#include "fstab.hpp"
#include "snapshot_commands.hpp"

namespace btrfs_snapshots {
namespace {

using pcs::Host;
using pcs::LogLevel;

struct SubvolumePlan {
  std::string subvolume;
  const Mount* mount = nullptr;
  std::string restore_from;  // "pre-S" in the session folder
  FstabVerdict fstab;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Runs a root command; throws naming the step, the host and stderr.
void must(pcs::JobContext& ctx, Host h, const std::vector<std::string>& argv, const std::string& what) {
  auto r = exec(ctx, h).run(argv, as_root(what));
  if (!r.success())
    throw std::runtime_error("cannot " + what + " on the " + host_name(h) + ": " + first_line(r.stderr));
}

// The top level of the filesystem, mounted for as long as this lives: an
// existing mount of subvolid 5, or one made in a fresh temporary directory.
class TopLevel {
 public:
  TopLevel(pcs::JobContext& ctx, Host h, const MachineLayout& layout, const Mount& any_mount, bool dry_run)
      : ctx_(ctx), h_(h) {
    if (const Mount* top = find_top_level_mount(layout.mounts, any_mount.device)) {
      path_ = top->mount_point;
      return;
    }
    description_ = "the top level of " + any_mount.source + " (mounted for the rollback at a temporary directory)";
    if (dry_run) {
      path_ = "<temporary mount of " + any_mount.source + " subvolid=5>";
      return;
    }
    auto dir = exec(ctx, h).run({"mktemp", "-d", "/tmp/pc-switcher-top.XXXXXX"}, as_root("create a mount point"));
    if (!dir.success())
      throw std::runtime_error("cannot create a temporary directory on the " + std::string(host_name(h)));
    path_ = first_line(dir.stdout);
    must(ctx, h, {"mount", "-t", "btrfs", "-o", "subvolid=5", "--", any_mount.source, path_},
         "mount the top level of " + any_mount.source + " at " + path_);
    temporary_ = true;
  }
  ~TopLevel() {
    if (!temporary_) return;
    try {  // a cancelled or lost connection throws here; a destructor must not
      exec(ctx_, h_).run({"umount", "--", path_}, as_root("unmount " + path_));
      exec(ctx_, h_).run({"rmdir", "--", path_}, as_root("remove " + path_));
    } catch (...) {
    }
  }
  TopLevel(const TopLevel&) = delete;
  TopLevel& operator=(const TopLevel&) = delete;

  const std::string& path() const { return path_; }
  std::string describe() const { return description_.empty() ? "the top level at " + path_ : description_; }

 private:
  pcs::JobContext& ctx_;
  Host h_;
  std::string path_;
  std::string description_;
  bool temporary_ = false;
};

bool is_subvolume(pcs::JobContext& ctx, Host h, const std::string& path) {
  auto r = exec(ctx, h).run({"stat", "-c", "%i", "--", path});
  return r.success() && first_line(r.stdout) == "256";  // every subvolume's root inode
}

// Step 4: the snapshots in the set-aside tree move into the restored one.
// The restored tree also holds, as empty directories, the snapshots that
// existed when its pre snapshot was taken; those of sessions deleted since
// are removed, so that retention never meets them.
int move_snapshots(pcs::JobContext& ctx, Host h, const std::string& old_dir, const std::string& new_dir) {
  const auto current = list_session_folders(ctx, h, old_dir);
  for (const auto& folder : list_session_folders(ctx, h, new_dir)) {
    if (std::find(current.begin(), current.end(), folder) != current.end()) continue;
    for (const auto& entry : list_snapshots(ctx, h, new_dir + "/" + folder))
      exec(ctx, h).run({"rmdir", "--", new_dir + "/" + folder + "/" + entry}, as_root("remove a leftover placeholder"));
    exec(ctx, h).run({"rmdir", "--", new_dir + "/" + folder}, as_root("remove a leftover session folder"));
  }
  int moved = 0;
  for (const auto& folder : list_session_folders(ctx, h, old_dir)) {
    must(ctx, h, {"mkdir", "-p", "--", new_dir + "/" + folder}, "create " + new_dir + "/" + folder);
    for (const auto& snap : list_snapshots(ctx, h, old_dir + "/" + folder)) {
      const std::string from = old_dir + "/" + folder + "/" + snap, to = new_dir + "/" + folder + "/" + snap;
      if (!is_subvolume(ctx, h, from)) continue;
      // A snapshot taken while S held it shows up in the restored tree as an empty directory.
      exec(ctx, h).run({"rmdir", "--", to}, as_root("remove the empty placeholder " + to));
      // A read-only subvolume cannot change parents: writable for the move only.
      must(ctx, h, {"btrfs", "property", "set", "-ts", from, "ro", "false"}, "make " + from + " writable to move it");
      auto mv = exec(ctx, h).run({"mv", "-T", "--", from, to}, as_root("move snapshot " + from + " to " + to));
      const std::string now_at = mv.success() ? to : from;
      must(ctx, h, {"btrfs", "property", "set", "-ts", now_at, "ro", "true"}, "make " + now_at + " read-only again");
      if (!mv.success())
        throw std::runtime_error("cannot move snapshot " + from + " to " + to + " on the " + host_name(h) + ": " +
                                 first_line(mv.stderr));
      ++moved;
    }
  }
  return moved;
}

}  // namespace

void rollback(pcs::JobContext& ctx, Host h, const Settings& settings, const pcs::CommandArgs& args) {
  const std::string where = host_name(h);
  const std::string machine = where + " (" + (h == Host::Source ? ctx.source_hostname : ctx.target_hostname) + ")";
  const std::string& dir = settings.snapshot_dir;
  const std::string session = args.arguments.at(0);
  const auto folder = find_session(list_session_folders(ctx, h, dir), session);
  if (!folder)
    throw std::runtime_error("no session " + session + " in " + dir + " on the " + where +
                             ": `pc-switcher snapshots` lists the sessions there");
  const std::string session_dir = dir + "/" + folder->name;
  const auto present = list_snapshots(ctx, h, session_dir);
  auto has = [&](const std::string& name) { return std::find(present.begin(), present.end(), name) != present.end(); };

  MachineLayout layout = read_layout(ctx, h, settings);
  auto fstab = exec(ctx, h).run({"cat", "/etc/fstab"});
  const bool explicit_list = args.has("subvolumes");
  std::vector<SubvolumePlan> plans;
  for (const auto& sub : explicit_list ? split_commas(*args.value("subvolumes")) : settings.subvolumes) {
    const std::string pre = snapshot_name("pre", sub);
    if (!has(pre)) {
      if (explicit_list)
        throw std::runtime_error("session " + session + " has no snapshot of " + sub + " on the " + where + " (" +
                                 session_dir + " holds: " + (present.empty() ? "nothing" : present.front() + " ...") +
                                 ")");
      ctx.log(h, LogLevel::Warning, "session " + session + " has no snapshot of " + sub + "; it is left as it is");
      continue;
    }
    const Mount* m = find_subvolume_mount(layout.mounts, sub);
    if (m == nullptr)
      throw std::runtime_error("subvolume " + sub + " is not mounted on the " + where +
                               ": mount it (or name the others with --subvolumes)");
    SubvolumePlan p{sub, m, session_dir + "/" + pre,
                    check_fstab(fstab.success() ? fstab.stdout : "", m->mount_point, sub)};
    if (!p.fstab.remount_picks_restored) throw std::runtime_error("on the " + where + ": " + p.fstab.reason);
    plans.push_back(std::move(p));
  }
  if (plans.empty()) throw std::runtime_error("session " + session + " has no snapshot to roll back on the " + where);
  for (const auto& p : plans)
    if (layout.snapshot_dir_mount == nullptr || layout.snapshot_dir_mount->device != p.mount->device)
      throw std::runtime_error("snapshot_dir " + dir + " is not on the filesystem of " + p.subvolume + " on the " +
                               where + "; nothing was changed");
  // Other subvolumes nested in one we swap would stay behind in the set-aside
  // tree (only the snapshots are carried over): refuse before changing anything.
  const std::string dir_fs = path_in_filesystem(*layout.snapshot_dir_mount, dir);
  for (const auto& p : plans) {
    auto nested = exec(ctx, h).run({"btrfs", "subvolume", "list", "-o", "--", p.mount->mount_point}, as_root());
    std::istringstream lines(nested.stdout);
    for (std::string line; std::getline(lines, line);) {
      const auto at = line.find(" path ");
      if (at == std::string::npos) continue;
      std::string path = "/" + line.substr(at + 6);
      if (path.rfind("/<FS_TREE>/", 0) == 0) path = path.substr(10);
      if (path_within(path, dir_fs)) continue;  // pc-switcher's snapshots: carried over
      throw std::runtime_error("subvolume " + p.subvolume + " on the " + where + " holds another subvolume, " + path +
                               ", which a rollback would leave behind in the set-aside tree; nothing was changed");
    }
  }

  const std::string keep_id = ctx.session_id;
  const std::string keep_folder = session_folder(std::chrono::system_clock::now(), keep_id);
  const std::string dir_in_fs = path_in_filesystem(*layout.snapshot_dir_mount, dir);
  TopLevel top(ctx, h, layout, *plans.front().mount, ctx.dry_run);
  const std::string T = top.path();

  ctx.log(h, LogLevel::Info,
          "Rollback of the " + machine + " to its state before session " + folder->session_id + " (" +
              folder->name.substr(0, 15) + " UTC), through " + top.describe() + ":");
  int step = 0;
  for (const auto& p : plans) {
    const std::string S = p.subvolume;
    ctx.log(h, LogLevel::Info, "  " + S + " (mounted at " + p.mount->mount_point + "):");
    ctx.log(h, LogLevel::Info,
            "    " + std::to_string(++step) + ". keep the current state: read-only snapshot " + T + "/" + S + " -> " +
                T + dir_in_fs + "/" + keep_folder + "/pre-" + S);
    ctx.log(h, LogLevel::Info,
            "    " + std::to_string(++step) + ". set it aside: " + T + "/" + S + " -> " + T + "/" + S +
                ".pcs-replaced-" + keep_id);
    ctx.log(
        h, LogLevel::Info,
        "    " + std::to_string(++step) + ". restore: writable snapshot of " + p.restore_from + " -> " + T + "/" + S);
    if (path_within(dir_in_fs, "/" + S))
      ctx.log(h, LogLevel::Info,
              "    " + std::to_string(++step) + ". the snapshots in " + dir + " (inside " + S +
                  ") move into the restored " + S);
  }
  if (ctx.dry_run) {
    ctx.log(h, LogLevel::Info, "Dry run: nothing was changed.");
    return;
  }
  if (!args.assume_yes) {
    auto answer = ctx.ask("Roll back " + std::to_string(plans.size()) + " subvolume(s) on the " + machine + "?",
                          {"yes, roll back", "no"}, 1);
    if (!answer)
      throw std::runtime_error("not confirmed (no terminal to ask): run again with --yes; nothing was changed");
    if (*answer != 0) throw std::runtime_error("not confirmed; nothing was changed");
  }

  const std::string keep_dir = T + dir_in_fs + "/" + keep_folder;
  must(ctx, h, {"mkdir", "-p", "--", keep_dir}, "create " + keep_dir);
  for (const auto& p : plans) {
    ctx.check_cancelled();
    const std::string S = p.subvolume, live = T + "/" + S, aside = T + "/" + S + ".pcs-replaced-" + keep_id;
    // Once S is set aside, the snapshots inside it are reached through `aside`.
    const bool dir_inside = path_within(dir_in_fs, "/" + S);
    const std::string dir_after = dir_inside ? aside + dir_in_fs.substr(1 + S.size()) : T + dir_in_fs;
    const std::string restore_from = dir_after + "/" + folder->name + "/" + snapshot_name("pre", S);
    must(ctx, h, {"btrfs", "subvolume", "snapshot", "-r", "--", live, keep_dir + "/" + snapshot_name("pre", S)},
         "keep the current state of " + S);
    // Steps 2 and 3 as one script that a Ctrl+C or a dropped connection cannot
    // split: S is never left missing. Paths are arguments, never script text.
    auto swapped = exec(ctx, h).run({"sh", "-c",
                                     "trap '' HUP INT TERM PIPE; mv -T -- \"$1\" \"$2\" || exit 3; "
                                     "btrfs subvolume snapshot -- \"$3\" \"$1\" >&2 && exit 0; "
                                     "mv -T -- \"$2\" \"$1\" && exit 4; exit 5",
                                     "swap", live, aside, restore_from},
                                    as_root("swap " + S + " for the restored one"));
    if (swapped.exit_code != 0) {
      const std::string state = swapped.exit_code == 3   ? S + " was not changed"
                                : swapped.exit_code == 4 ? S + " was put back as it was"
                                                         : S + " is set aside as " + aside +
                                                               " and could not be put back: rename it to " + live;
      throw std::runtime_error("cannot restore " + S + " from " + restore_from + " on the " + where + ": " +
                               first_line(swapped.stderr) + "; " + state);
    }
    if (dir_inside) {
      const int moved = move_snapshots(ctx, h, dir_after, T + dir_in_fs);
      ctx.log(h, LogLevel::Info, "  moved " + std::to_string(moved) + " snapshot(s) into the restored " + S);
    }
    ctx.log(h, LogLevel::Info, "  " + S + " restored from session " + folder->session_id);
  }
  ctx.log(h, LogLevel::Info, "Done. To run on the restored subvolumes:");
  for (const auto& p : plans) {
    if (p.mount->mount_point == "/")
      ctx.log(h, LogLevel::Info, "  " + p.subvolume + " is / : reboot the " + where);
    else
      ctx.log(h, LogLevel::Info,
              "  " + p.subvolume + ": sudo umount " + p.mount->mount_point + " && sudo mount " + p.mount->mount_point +
                  " (or reboot; " + p.fstab.reason + ")");
  }
  ctx.log(h, LogLevel::Info,
          "Until then the mounts show the set-aside subvolumes (*.pcs-replaced-" + keep_id +
              " in the top level); once the machine runs on the restored ones, delete them with "
              "`sudo btrfs subvolume delete`.");
  ctx.log(h, LogLevel::Info,
          "The state before this rollback is kept as session " + keep_id + ": `pc-switcher rollback " + keep_id +
              "` undoes it.");
}

}  // namespace btrfs_snapshots
