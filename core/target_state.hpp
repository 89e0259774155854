// What the session reads from and writes to the target through its executor:
// the target's own hostname and its sync history (the same file format as
// the source's, see sync_history.hpp).
#pragma once

#include <string>

#include "cancel_token.hpp"
#include "executor.hpp"
#include "sync_history.hpp"

namespace pcs {

// `uname -n` on the target. Throws std::runtime_error naming the target.
std::string target_hostname(MachineExecutor& target, const CancelToken& cancel);

// The target's sync history; a missing file is an empty history. Throws
// SyncHistoryError (unreadable, unparsable, newer version) naming the target's
// file, or std::runtime_error when the command could not run.
SyncHistory load_target_history(MachineExecutor& target, const CancelToken& cancel);

// Replaces the target's history file atomically (temporary file in the same
// directory, fsync, rename). Throws std::runtime_error naming the target.
void save_target_history(MachineExecutor& target, const SyncHistory& history, const CancelToken& cancel);

}  // namespace pcs
