// The commands btrfs_snapshots adds to pc-switcher (ext/commands.h):
//
//   pc-switcher snapshots [--host source|target|both] [TARGET]
//   pc-switcher cleanup-snapshots [--older-than AGE] [--dry-run] [--host ...] [TARGET]
//   pc-switcher rollback SESSION [--subvolumes LIST] [--dry-run] [--yes] [--host source|target] [TARGET]
#pragma once

#include <pcswitcher/job.hpp>

#include <span>
#include <string>

#include "machine.hpp"

namespace btrfs_snapshots {

std::span<const pcs_command_info* const> snapshot_commands();

void run_snapshot_command(pcs::JobContext& ctx, const Settings& settings, const std::string& command,
                          const pcs::CommandArgs& args);

// One machine's rollback to a session's pre snapshots (rollback.cpp).
void rollback(pcs::JobContext& ctx, pcs::Host h, const Settings& settings, const pcs::CommandArgs& args);

}  // namespace btrfs_snapshots
