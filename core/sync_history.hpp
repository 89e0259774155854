// The sync history kept on every machine: `<data_dir>/sync-history.json`, one
// entry per finished session (newest last), in either role.
//
//   {"version": 1,
//    "sessions": [{"session_id": "1a2b3c4d", "time": "2025-01-31T12:00:00Z",
//                  "role": "source", "peer": "laptop", "status": "completed",
//                  "dry_run": false}, ...]}
//
// Keys this version does not know (at the top level and in each session) are
// kept when the file is rewritten, so an older pc-switcher does not strip what
// a newer one added. A file with a higher "version" is refused: its meaning may
// have changed. A missing file is an empty history; a file that cannot be read
// or parsed is an error that names the file and says how to fix it — it is
// never silently replaced. Writes are atomic (temporary file in the same
// directory, fsync, rename, fsync of the directory).
//
// The target's history is read and written over SSH by the orchestrator, hence
// parse_sync_history/serialize_sync_history on strings.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pcs {

// The role a machine played in a sync session.
enum class SyncRole { Source, Target };
std::string_view to_string(SyncRole role);
std::optional<SyncRole> sync_role_from_string(std::string_view text);

// How a session ended (a running session is never recorded).
enum class SessionOutcome { Completed, Failed, Interrupted, Aborted };
std::string_view to_string(SessionOutcome outcome);
std::optional<SessionOutcome> session_outcome_from_string(std::string_view text);

// `t` as UTC ISO-8601 with second precision: "2025-01-31T12:00:00Z".
std::string utc_iso8601(std::chrono::system_clock::time_point t);

struct SyncHistoryEntry {
  std::string session_id;
  std::string time;  // UTC ISO-8601, when the session ended
  SyncRole role = SyncRole::Source;
  std::string peer;  // the other machine's hostname
  SessionOutcome status = SessionOutcome::Completed;
  bool dry_run = false;
  nlohmann::json extra = nlohmann::json::object();  // unknown keys, kept as read

  // A completed, real (not dry-run) session: the only kind the direction
  // check believes in.
  bool counts() const { return status == SessionOutcome::Completed && !dry_run; }
};

inline constexpr int kSyncHistoryVersion = 1;
inline constexpr std::size_t kSyncHistoryMaxSessions = 200;

struct SyncHistory {
  std::vector<SyncHistoryEntry> sessions;           // oldest first
  nlohmann::json extra = nlohmann::json::object();  // unknown top-level keys

  // Appends `entry` and drops the oldest entries beyond `cap`.
  void append(SyncHistoryEntry entry, std::size_t cap = kSyncHistoryMaxSessions);
  // The newest entry that counts(), or null.
  const SyncHistoryEntry* last_counted() const;
};

// A history that cannot be read, parsed or written; what() names the file (or
// the origin given to parse_sync_history) and says how to proceed.
class SyncHistoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `<data_dir>/sync-history.json`
std::filesystem::path sync_history_path(const std::filesystem::path& data_dir);

// Parses the file's text. `origin` names where it came from in errors, e.g.
// the path or "laptop:~/.local/share/pc-switcher/sync-history.json".
SyncHistory parse_sync_history(std::string_view text, const std::string& origin);
// The file's text (pretty-printed, ending with a newline).
std::string serialize_sync_history(const SyncHistory& history);

// Reads `file`; a missing file is an empty history.
SyncHistory load_sync_history(const std::filesystem::path& file);
// Replaces `file` atomically (its directory is created if missing, mode 0600).
// On failure the old file is left as it was and no temporary file remains.
void save_sync_history(const std::filesystem::path& file, const SyncHistory& history);

}  // namespace pcs
