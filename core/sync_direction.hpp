// The sync-direction check: from the sync histories of both machines, is
// pushing this machine's state onto the target the expected next step, or
// would it overwrite something the user probably still wants?
//
// Only sessions that counts() (completed, not dry-run) are evidence: a failed
// or dry-run session never moved the "current state" anywhere. Hostnames are
// compared ASCII case-insensitively. Clocks of the two machines are never
// compared; the order of sessions is taken from each history's own order.
//
// Rules, first match wins (S = this source, T = the target, "T's last" = the
// newest counted session in T's history, "S's last" likewise):
//
//  1. FirstSync — T's history has no counted session at all: T has never
//     completed a sync with any machine, so everything the enabled jobs cover
//     on T is replaced. (Having synced with other machines but never with S is
//     not a first sync: T's state is pc-switcher-managed; rule 2 covers it.)
//  2. TargetSyncedWithThirdMachine — T's last peer is not S: T last received
//     from C (its state is C's, plus what was done on T since) or last pushed
//     to C (C and maybe others moved on since S last had the current state).
//  3. PushingTwice — T's last session was receiving from S: T has not been a
//     source since S pushed to it, so whatever was done on T since then is
//     lost. This is the target-side view of "pushing twice".
//  4. PushingTwice — T's last session was pushing to S, but S's last session
//     was pushing to T and T's history has no record of that session: the
//     histories disagree (T's record was lost or T was rolled back), so S may
//     be pushing again over work done on T. If T's history does list S's last
//     push, T did sync back afterwards (S's record of that was lost) → Ok.
//  5. Ok — T last pushed to S (clean S→T / T→S alternation).
//
// Compared with the reference (ADR-015), which looks at T's last peer (W2) and
// at S's own last entry only (W3): its W3 misses S→T, C→S, S→T (S's last entry
// is "received from C", yet T's work since the first S→T is overwritten) —
// rule 3 catches it from T's history; it counts failed sessions (history is
// written even when a session FAILED); and it treats an unreadable target
// history as a first sync (here an unreadable history is an error raised when
// loading it). Kept from the reference, knowingly: a rotation T→C, C→S, S→T is
// reported by rule 2, because without comparing the two machines' clocks the
// histories of S and T cannot tell it from C→S, T→C, S→T; answer it with
// --allow-out-of-order.
#pragma once

#include <string>
#include <string_view>

#include "sync_history.hpp"

namespace pcs {

enum class DirectionVerdict { Ok, FirstSync, TargetSyncedWithThirdMachine, PushingTwice };

struct DirectionCheck {
  DirectionVerdict verdict = DirectionVerdict::Ok;
  // For anything but Ok: what would be overwritten, and which flag answers
  // the question in advance.
  std::string message;
};

DirectionCheck check_sync_direction(const std::string& source_host, const std::string& target_host,
                                    const SyncHistory& source_history, const SyncHistory& target_history);

// Whether the user must still be asked: FirstSync unless --allow-first-sync,
// the other two unless --allow-out-of-order. Without a terminal a true answer
// means the session stops with the check's message.
bool needs_confirmation(const DirectionCheck& check, bool allow_first_sync, bool allow_out_of_order);

// The command-line flag that answers `verdict` in advance ("" for Ok).
std::string_view answering_flag(DirectionVerdict verdict);

}  // namespace pcs
