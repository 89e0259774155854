// Reading back the session log files that LogFileSink writes (see
// log_file_sink.hpp for the line format), for `pc-switcher logs`.
//
// A session's first line is the host line `session started` (extras
// session_id, source, target, dry_run, version) and its last line the host
// line `session finished` (extras status, exit_code, duration_s).
//
// Status of a session, from its file alone (the lock is not consulted):
//   - the last line is `session finished`: its `status` extra (completed,
//     failed, interrupted, aborted; any other value is shown as written);
//   - else, when the file is the newest session file in the directory:
//     "running" (a session holds the machine lock while it writes, so only
//     the newest can still be written);
//   - else "unfinished": the session ended without its last line (crashed or
//     killed).
// "Newest" is name order, which is start-time order (the names start with a
// fixed-width UTC time), the same order prune_logs() keeps.
//
// Listing reads only each file's first line and its last 64 KiB, so it costs
// the same for a 1 GB DEBUG log as for a small one; warning and error counts
// are therefore not part of the listing (they would need a full read).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "event_bus.hpp"

namespace pcs {

// One log line parsed back into an event. Keys other than time, level, job,
// host and message become extras, in file order: strings as plain text,
// anything else as JSON text (is_json). A missing `job` is "" (the host), a
// missing `host` Machine::None.
// Returns nothing for a malformed line and says why in `error`.
std::optional<LogEvent> parse_log_line(std::string_view line, std::string* error = nullptr);

// "2026-11-29T10:15:30.123+00:00" (also "Z", other offsets, no or more
// fraction digits). Nothing when it is not such a time.
std::optional<EventTime> parse_log_time(std::string_view text);

// The extra named `key`, or nullptr.
const LogExtra* find_extra(const LogEvent& event, std::string_view key);

// The host's `session started` / `session finished` lines.
bool is_session_start(const LogEvent& event);
bool is_session_finish(const LogEvent& event);

struct SessionInfo {
  std::filesystem::path file;
  std::string id;        // from the file name (for another name: the name without "sync-" and ".log")
  EventTime started{};   // first line's time, else the time in the file name
  std::string source;    // from `session started`; "" when that line is missing
  std::string target;    // ditto
  std::string version;   // ditto
  bool dry_run = false;  // ditto
  bool has_start = false;
  // completed/failed/interrupted/aborted (from `session finished`), running
  // or unfinished: see the rule at the top of this file.
  std::string status;
  std::optional<int> exit_code;      // from `session finished`
  std::optional<double> duration_s;  // ditto
};

// data_dir()/logs; unlike logs_dir() it is not created.
std::filesystem::path session_logs_dir();

// The id in "sync-<YYYYmmddTHHMMSSZ>-<id>.log", or "" for another name.
std::string session_id_from_file_name(const std::filesystem::path& file);

// The sessions in `dir`, newest first; at most `limit` of them (0: all).
// A missing directory has none. Unreadable files are listed with what their
// name says and status "unfinished" (or "running" when newest).
std::vector<SessionInfo> list_sessions(const std::filesystem::path& dir, std::size_t limit = 0);

// No session, or several, match an id given by the user.
class SessionLookupError : public std::runtime_error {
 public:
  SessionLookupError(const std::string& what, std::vector<std::string> candidates)
      : std::runtime_error(what), candidates_(std::move(candidates)) {}
  // The matching ids when ambiguous; empty when none matched.
  const std::vector<std::string>& candidates() const { return candidates_; }

 private:
  std::vector<std::string> candidates_;
};

// The session whose id is `query`, else the only one whose id starts with
// it. Throws SessionLookupError when none or several match.
SessionInfo find_session(const std::filesystem::path& dir, std::string_view query);

// A well-formed line: its number (from 1), its text and what it says.
struct LogLine {
  std::size_t number = 0;
  std::string_view text;
  const LogEvent& event;
};
// Return false to stop reading (the rest stays unread).
using LogLineHandler = std::function<bool(const LogLine&)>;
// "<file>:<line>: <why>; line skipped"
using LogErrorHandler = std::function<void(const std::string&)>;

// Reads a log file line by line as it grows: each read() handles the whole
// lines appended since the last one. A line still being written (no newline
// yet) waits for the next read(), unless `at_end` says the file is complete.
// Empty lines are ignored.
class LogReader {
 public:
  // Throws std::runtime_error naming the file when it cannot be opened.
  explicit LogReader(const std::filesystem::path& file);
  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  // Returns false when a handler asked to stop.
  bool read(const LogLineHandler& on_line, const LogErrorHandler& on_error, bool at_end = false);

  const std::filesystem::path& path() const { return path_; }

 private:
  bool handle(std::string_view text, const LogLineHandler& on_line, const LogErrorHandler& on_error);

  std::filesystem::path path_;
  int fd_ = -1;
  std::string pending_;  // bytes after the last newline read so far
  std::size_t line_no_ = 0;
};

}  // namespace pcs
