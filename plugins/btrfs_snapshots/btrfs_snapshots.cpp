// btrfs_snapshots: read-only snapshots of the configured subvolumes on both
// machines before the first sync job (execute) and after the last one
// (after_sync, ext/after_sync.h), then retention. Every command is argv-form;
// the root-only ones run through `sudo -n`.
#include <pcswitcher/job.hpp>

#include <chrono>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine.hpp"
#include "snapshot_commands.hpp"

using namespace btrfs_snapshots;
using pcs::Host;
using pcs::LogLevel;

class BtrfsSnapshots : public pcs::SystemJob {
 public:
  // Root on both machines: snapshots (btrfs), their folders (mkdir, rmdir);
  // rollback and the other commands also mount the top level and move
  // subvolumes (mktemp, mount, umount, mv, sh for the uninterruptible swap).
  static pcs::SudoPrograms sudo_programs() {
    return {{"btrfs", "mkdir", "rmdir"}, {"btrfs", "mkdir", "rmdir"}, {"mktemp", "mount", "umount", "mv", "sh"}};
  }

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
      for (auto& p : read_layout(ctx, h, Settings::of(ctx.config)).problems) errors.push_back({h, std::move(p)});
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
    folder_ = session_folder(std::chrono::system_clock::now(), ctx.session_id);
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

  static std::span<const pcs_command_info* const> commands() { return snapshot_commands(); }

  void run_command(pcs::JobContext& ctx, const std::string& command, const pcs::CommandArgs& args) {
    run_snapshot_command(ctx, Settings::of(ctx.config), command, args);
  }

 private:
  void snapshot_both(pcs::JobContext& ctx, const std::string& phase) {
    const Settings settings = Settings::of(ctx.config);
    const std::string dest = settings.snapshot_dir + "/" + folder_;
    int done = 0;
    const int total = 2 * static_cast<int>(settings.subvolumes.size());
    for (Host h : {Host::Source, Host::Target}) {
      ctx.check_cancelled();
      MachineLayout l = read_layout(ctx, h, settings);
      if (!l.problems.empty()) throw std::runtime_error(l.problems.front());
      if (ctx.dry_run) {
        for (const auto& [sub, mount] : l.subvolumes)
          _log(ctx, h, LogLevel::Info,
               "Dry run: would snapshot " + sub + " (" + mount->mount_point + ") read-only to " + dest + "/" +
                   snapshot_name(phase, sub));
        continue;
      }
      auto mk = exec(ctx, h).run({"mkdir", "-p", "--", dest}, as_root("create " + dest));
      if (!mk.success())
        throw std::runtime_error("cannot create " + dest + " on the " + host_name(h) + ": " + first_line(mk.stderr));
      for (const auto& [sub, mount] : l.subvolumes) {
        const std::string target = dest + "/" + snapshot_name(phase, sub);
        _report_progress(ctx, {.current = done, .total = total, .item = std::string(host_name(h)) + " " + sub});
        auto r = exec(ctx, h).run({"btrfs", "subvolume", "snapshot", "-r", "--", mount->mount_point, target},
                                  as_root("snapshot " + sub + " to " + target));
        if (!r.success())
          throw std::runtime_error("cannot snapshot " + sub + " (" + mount->mount_point + ") on the " + host_name(h) +
                                   ": " + first_line(r.stderr));
        _log(ctx, h, LogLevel::Full, "Snapshot " + target, {{"subvolume", sub}, {"phase", phase}});
        ++done;
      }
      _log(ctx, h, LogLevel::Info, std::to_string(l.subvolumes.size()) + " " + phase + "-sync snapshot(s) in " + dest);
    }
    _report_progress(ctx, {.current = total, .total = total});
  }

  void retention(pcs::JobContext& ctx, Host h) {
    const Settings settings = Settings::of(ctx.config);
    const auto folders = list_session_folders(ctx, h, settings.snapshot_dir);
    for (const auto& victim : retention_victims(folders, settings.keep_recent, settings.max_age_days,
                                                std::chrono::system_clock::now(), ctx.session_id)) {
      ctx.check_cancelled();
      const std::string folder = settings.snapshot_dir + "/" + victim;
      if (delete_session_folder(ctx, h, folder))
        _log(ctx, h, LogLevel::Info, "Retention: removed the snapshots of session " + victim);
      else
        _log(ctx, h, LogLevel::Warning, "Kept " + folder + ": it holds more than pc-switcher's snapshots");
    }
  }

  std::string folder_;
};

PCS_EXPORT_JOB(BtrfsSnapshots)
