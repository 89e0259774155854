#include "sync_direction.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace pcs {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_host(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

const SyncHistoryEntry* last_counted_with(const SyncHistory& h, const std::string& peer) {
  for (auto it = h.sessions.rbegin(); it != h.sessions.rend(); ++it) {
    if (it->counts() && same_host(it->peer, peer)) return &*it;
  }
  return nullptr;
}

bool lists_session(const SyncHistory& h, const std::string& session_id) {
  return std::any_of(h.sessions.begin(), h.sessions.end(),
                     [&](const SyncHistoryEntry& e) { return e.counts() && e.session_id == session_id; });
}

std::string ask(DirectionVerdict v) {
  return fmt::format("Confirm to continue, or pass {} to answer yes in advance.", answering_flag(v));
}

DirectionCheck first_sync(const std::string& s, const std::string& t, const SyncHistory& source_history) {
  std::string note;
  if (const auto* seen = last_counted_with(source_history, t)) {
    note = fmt::format(" (although {}'s history records a sync with it on {}: {}'s history was removed or reset)", s,
                       seen->time, t);
  }
  return {DirectionVerdict::FirstSync,
          fmt::format("First sync to {1}: {1} has no record of a completed sync with any machine{2}. Everything the "
                      "enabled sync jobs cover on {1} (files, settings, packages) will be overwritten with {0}'s "
                      "state; what exists only on {1} is lost, apart from the pre-sync snapshot. {3}",
                      s, t, note, ask(DirectionVerdict::FirstSync))};
}

DirectionCheck third_machine(const std::string& s, const std::string& t, const SyncHistoryEntry& last) {
  const std::string& c = last.peer;
  std::string what;
  if (last.role == SyncRole::Target) {
    what = fmt::format(
        "{1} last received a sync from {2} ({3}), not from {0}: what {1} holds now is {2}'s state plus anything done "
        "on {1} since. Syncing overwrites it with {0}'s state; changes made on {2} that never reached {0} will be gone "
        "from {1} (they remain on {2}). To keep them, sync {2} -> {0} first.",
        s, t, c, last.time);
  } else {
    what = fmt::format(
        "{1} last synced to {2} ({3}), not with {0}: {0} may lack the changes made on {1} and {2} since {0} last had "
        "the current state. Syncing overwrites {1} with {0}'s older state (the changes remain on {2}). To take them "
        "along, sync {2} -> {0} first.",
        s, t, c, last.time);
  }
  return {DirectionVerdict::TargetSyncedWithThirdMachine,
          what + " " + ask(DirectionVerdict::TargetSyncedWithThirdMachine)};
}

}  // namespace

DirectionCheck check_sync_direction(const std::string& source_host, const std::string& target_host,
                                    const SyncHistory& source_history, const SyncHistory& target_history) {
  const std::string& s = source_host;
  const std::string& t = target_host;
  const SyncHistoryEntry* t_last = target_history.last_counted();
  if (!t_last) return first_sync(s, t, source_history);                  // rule 1
  if (!same_host(t_last->peer, s)) return third_machine(s, t, *t_last);  // rule 2
  if (t_last->role == SyncRole::Target) {                                // rule 3
    return {DirectionVerdict::PushingTwice,
            fmt::format("{0} already pushed to {1} ({2}) and {1} has not been synced back since: anything done on {1} "
                        "after that sync will be overwritten with {0}'s state. If you worked on {1}, sync {1} -> {0} "
                        "first. {3}",
                        s, t, t_last->time, ask(DirectionVerdict::PushingTwice))};
  }
  const SyncHistoryEntry* s_last = source_history.last_counted();  // rule 4
  if (s_last && s_last->role == SyncRole::Source && same_host(s_last->peer, t) &&
      !lists_session(target_history, s_last->session_id)) {
    return {DirectionVerdict::PushingTwice,
            fmt::format("{0}'s history says it last pushed to {1} ({2}, session {3}), but {1}'s history has no record "
                        "of that session ({1}'s history was lost, or {1} was rolled back to before it): anything done "
                        "on {1} since may be overwritten with {0}'s state. {4}",
                        s, t, s_last->time, s_last->session_id, ask(DirectionVerdict::PushingTwice))};
  }
  return {};  // rule 5
}

bool needs_confirmation(const DirectionCheck& check, bool allow_first_sync, bool allow_out_of_order) {
  switch (check.verdict) {
    case DirectionVerdict::Ok:
      return false;
    case DirectionVerdict::FirstSync:
      return !allow_first_sync;
    case DirectionVerdict::TargetSyncedWithThirdMachine:
    case DirectionVerdict::PushingTwice:
      return !allow_out_of_order;
  }
  return true;
}

std::string_view answering_flag(DirectionVerdict verdict) {
  switch (verdict) {
    case DirectionVerdict::Ok:
      return "";
    case DirectionVerdict::FirstSync:
      return "--allow-first-sync";
    case DirectionVerdict::TargetSyncedWithThirdMachine:
    case DirectionVerdict::PushingTwice:
      return "--allow-out-of-order";
  }
  return "";
}

}  // namespace pcs
