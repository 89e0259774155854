#include "snapshot_commands.hpp"

#include <chrono>
#include <cstdio>
#include <map>
#include <regex>

namespace btrfs_snapshots {
namespace {

using pcs::Host;
using pcs::LogLevel;

constexpr pcs_command_option kCleanupOptions[] = {
    {"older-than", "AGE",
     "delete the sessions older than AGE: 7d, 2w, 3mo (30-day months) or 1y; the keep_recent newest always stay "
     "(default: the retention rules of the config)"},
};
constexpr pcs_command_option kRollbackOptions[] = {
    {"subvolumes", "LIST", "roll back only these subvolumes (comma-separated; default: every configured one)"},
};
constexpr const char* kRollbackArguments[] = {"SESSION", nullptr};

constexpr pcs_command_info kSnapshots = {
    sizeof(pcs_command_info),
    "snapshots",
    "list the sessions' btrfs snapshots, with sizes where quotas allow",
    "Lists each session folder in btrfs_snapshots.snapshot_dir: its session id, time and snapshots. With btrfs\n"
    "quotas enabled (`sudo btrfs quota enable /`) it also shows the space only those snapshots hold.",
    nullptr,
    nullptr,
    0,
    PCS_COMMAND_HOSTS_ANY,
    0};
constexpr pcs_command_info kCleanup = {
    sizeof(pcs_command_info),
    "cleanup-snapshots",
    "delete old sessions' snapshots (retention, or --older-than)",
    "Without --older-than, applies the config's retention (keep_recent, max_age_days), as after a sync.\n"
    "--dry-run lists exactly the sessions that would be deleted.",
    nullptr,
    kCleanupOptions,
    1,
    PCS_COMMAND_HOSTS_ANY,
    PCS_COMMAND_DRY_RUN | PCS_COMMAND_EXCLUSIVE};
constexpr pcs_command_info kRollback = {
    sizeof(pcs_command_info),
    "rollback",
    "bring a machine's subvolumes back to a session's pre-sync snapshots",
    "Swaps subvolumes, the way snapper does: the current state is first kept as a read-only snapshot (a new\n"
    "session, so a rollback can itself be rolled back), the current subvolume is set aside under a new name,\n"
    "and a writable snapshot of the session's pre snapshot takes its name. Nothing is copied. The machine runs\n"
    "on the restored subvolumes after a remount (or a reboot, for /). --dry-run shows the plan.",
    kRollbackArguments,
    kRollbackOptions,
    1,
    PCS_COMMAND_HOSTS_ONE,
    PCS_COMMAND_DRY_RUN | PCS_COMMAND_CONFIRM | PCS_COMMAND_EXCLUSIVE};

constexpr const pcs_command_info* kCommands[] = {&kSnapshots, &kCleanup, &kRollback};

std::string machine_label(pcs::JobContext& ctx, Host h) {
  const std::string& name = h == Host::Source ? ctx.source_hostname : ctx.target_hostname;
  return std::string(host_name(h)) + " (" + name + ")";
}

std::string human_time(std::chrono::system_clock::time_point t) {
  const std::time_t s = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string human_bytes(std::uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

// Exclusive bytes per snapshot path suffix ("<folder>/<snapshot>"), from the
// quota groups; empty when quotas are off (the common case).
std::map<std::string, std::uint64_t> exclusive_sizes(pcs::JobContext& ctx, Host h, const std::string& dir) {
  std::map<std::string, std::uint64_t> out;
  auto qgroups = exec(ctx, h).run({"btrfs", "qgroup", "show", "--raw", "--", dir}, as_root());
  if (!qgroups.success()) return out;
  std::map<std::string, std::uint64_t> by_id;
  static const std::regex qgroup_line(R"(^0/(\d+)\s+(\d+)\s+(\d+))");
  for (const auto& line : lines_of(qgroups.stdout))
    if (std::smatch m; std::regex_search(line, m, qgroup_line)) by_id[m[1]] = std::stoull(m[3]);
  auto list = exec(ctx, h).run({"btrfs", "subvolume", "list", "-s", "--", dir}, as_root());
  if (!list.success()) return out;
  static const std::regex list_line(R"(^ID (\d+) .* path (.*)$)");
  for (const auto& line : lines_of(list.stdout)) {
    std::smatch m;
    if (!std::regex_search(line, m, list_line)) continue;
    const std::string path = m[2];
    const auto slash = path.rfind('/');
    const auto slash2 = slash == std::string::npos || slash == 0 ? std::string::npos : path.rfind('/', slash - 1);
    const std::string suffix = path.substr(slash2 == std::string::npos ? 0 : slash2 + 1);
    if (auto it = by_id.find(m[1]); it != by_id.end()) out[suffix] = it->second;
  }
  return out;
}

void list_snapshots_on(pcs::JobContext& ctx, Host h, const Settings& settings) {
  const std::string& dir = settings.snapshot_dir;
  const auto folders = list_session_folders(ctx, h, dir);
  ctx.log(h, LogLevel::Info, machine_label(ctx, h) + ": " + dir);
  if (folders.empty()) {
    ctx.log(h, LogLevel::Info, "  no pc-switcher snapshots");
    return;
  }
  const auto sizes = exclusive_sizes(ctx, h, dir);
  ctx.log(h, LogLevel::Info,
          sizes.empty() ? "  SESSION   TIME (UTC)           SNAPSHOTS"
                        : "  SESSION   TIME (UTC)           EXCLUSIVE   SNAPSHOTS");
  for (const auto& name : folders) {
    const auto folder = *parse_session_folder(name);
    std::string snaps;
    std::uint64_t total = 0;
    for (const auto& s : list_snapshots(ctx, h, dir + "/" + name)) {
      snaps += (snaps.empty() ? "" : " ") + s;
      if (auto it = sizes.find(name + "/" + s); it != sizes.end()) total += it->second;
    }
    char line[512];
    if (sizes.empty())
      std::snprintf(line, sizeof line, "  %s  %s  %s", folder.session_id.c_str(), human_time(folder.time).c_str(),
                    snaps.c_str());
    else
      std::snprintf(line, sizeof line, "  %s  %s  %10s  %s", folder.session_id.c_str(), human_time(folder.time).c_str(),
                    human_bytes(total).c_str(), snaps.c_str());
    ctx.log(h, LogLevel::Info, line);
  }
  if (sizes.empty()) ctx.log(h, LogLevel::Info, "  (sizes need btrfs quotas: `sudo btrfs quota enable " + dir + "`)");
}

void cleanup_on(pcs::JobContext& ctx, Host h, const Settings& settings, const pcs::CommandArgs& args) {
  const std::string& dir = settings.snapshot_dir;
  const auto folders = list_session_folders(ctx, h, dir);
  std::vector<std::string> victims;
  std::string rule;
  if (auto age = args.value("older-than")) {
    std::string error;
    const auto hours = parse_age(*age, error);
    if (!hours) throw std::runtime_error(error);
    victims = older_than_victims(folders, settings.keep_recent, *hours, std::chrono::system_clock::now());
    rule = "older than " + *age + ", keeping the " + std::to_string(settings.keep_recent) + " newest";
  } else {
    victims =
        retention_victims(folders, settings.keep_recent, settings.max_age_days, std::chrono::system_clock::now(), "");
    rule = "keep_recent " + std::to_string(settings.keep_recent) +
           (settings.max_age_days ? ", max_age_days " + std::to_string(*settings.max_age_days) : "");
  }
  ctx.log(h, LogLevel::Info,
          machine_label(ctx, h) + ": " + std::to_string(folders.size()) + " session(s) in " + dir + "; " + rule);
  if (victims.empty()) {
    ctx.log(h, LogLevel::Info, "  nothing to delete");
    return;
  }
  for (const auto& victim : victims) {
    ctx.check_cancelled();
    const std::string folder = dir + "/" + victim;
    std::string snaps;
    for (const auto& s : list_snapshots(ctx, h, folder)) snaps += " " + s;
    if (ctx.dry_run) {
      ctx.log(h, LogLevel::Info, "  would delete " + folder + ":" + snaps);
      continue;
    }
    if (delete_session_folder(ctx, h, folder))
      ctx.log(h, LogLevel::Info, "  deleted " + folder + ":" + snaps);
    else
      ctx.log(h, LogLevel::Warning, "kept " + folder + ": it holds more than pc-switcher's snapshots");
  }
  if (ctx.dry_run) ctx.log(h, LogLevel::Info, "  dry run: nothing was deleted");
}

std::vector<Host> machines(const pcs::CommandArgs& args) {
  std::vector<Host> out;
  if (args.on_source) out.push_back(Host::Source);
  if (args.on_target) out.push_back(Host::Target);
  return out;
}

}  // namespace

std::span<const pcs_command_info* const> snapshot_commands() { return kCommands; }

void run_snapshot_command(pcs::JobContext& ctx, const Settings& settings, const std::string& command,
                          const pcs::CommandArgs& args) {
  for (Host h : machines(args)) {
    if (command == "snapshots")
      list_snapshots_on(ctx, h, settings);
    else if (command == "cleanup-snapshots")
      cleanup_on(ctx, h, settings, args);
    else if (command == "rollback")
      rollback(ctx, h, settings, args);
    else
      throw std::logic_error("btrfs_snapshots has no command " + command);
  }
}

}  // namespace btrfs_snapshots
