// The session log file: one JSON object per line, written by the event bus's
// dispatcher thread (so a slow disk never slows a job).
//
//   {"time":"2026-11-29T10:15:30.123+00:00","level":"INFO","job":"packages",
//    "host":"target","message":"installed nginx","count":3}
//
// Only LogEvents at or above the floor (config `logging.file`) are written
// (and those marked always_in_file).
// `host` is left out for messages about neither machine. Extras follow as
// their own keys (JSON extras as JSON values; one that is not valid JSON is
// written as a string); an extra named like a fixed field gets an "extra_"
// prefix. URL credentials are redacted in the message and every extra.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "event_bus.hpp"

namespace pcs {

// "2026-11-29T10:15:30.123+00:00"
std::string format_utc_time(EventTime time);

// The JSON line for `event`, without the newline. Strings are written as
// nlohmann::json's dump() writes them (UTF-8 as is, invalid bytes replaced
// by U+FFFD, control characters escaped), JSON extras as it re-dumps them.
std::string log_json_line(const LogEvent& event);

// data_dir()/logs, created (mode 0700) if missing.
std::filesystem::path logs_dir();

// dir/sync-<UTC YYYYmmddTHHMMSSZ>-<session id>.log (nothing is created).
std::filesystem::path log_file_path(const std::filesystem::path& dir, std::string_view session_id, EventTime started);

// Deletes all but the `keep` newest sync-*.log files in `dir` (newest by the
// UTC time in the name). Returns the files deleted. keep < 1 counts as 1.
std::vector<std::filesystem::path> prune_logs(const std::filesystem::path& dir, int keep);

class LogFileSink : public EventSink {
 public:
  // Opens `file` for appending (created with mode 0600). Throws std::runtime_error.
  LogFileSink(const std::filesystem::path& file, pcs_log_level floor);
  ~LogFileSink() override;
  LogFileSink(const LogFileSink&) = delete;
  LogFileSink& operator=(const LogFileSink&) = delete;

  void deliver(const Event& event) override;
  void flush() override;

  const std::filesystem::path& path() const { return path_; }
  // Set once a write failed (disk full...); later events are still tried.
  const std::string& error() const { return error_; }

 private:
  std::filesystem::path path_;
  pcs_log_level floor_;
  std::FILE* file_ = nullptr;
  std::string line_;  // a buffer, reused: its size is its room, not a line's length
  // Lines mostly come within the same second: its text is kept.
  std::int64_t time_second_ = 0;
  std::string time_text_;  // "2026-11-29T10:15:30"; empty: none yet
  std::string error_;
};

}  // namespace pcs
