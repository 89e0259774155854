// Session log files for the session_log and `pc-switcher logs` tests, written
// with the real writer (log_json_line) so the tests read what a session writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "log_file_sink.hpp"

namespace logtest {

using namespace std::chrono;
using namespace std::chrono_literals;

inline const pcs::EventTime kT0 = sys_days{year{2026} / 11 / 29} + 10h + 15min + 30s + 123ms;

inline std::string line(pcs::EventTime t, pcs_log_level level, std::string job, std::string message,
                        pcs::Machine m = pcs::Machine::None, std::vector<pcs::LogExtra> extras = {}) {
  return pcs::log_json_line(pcs::LogEvent{t, level, std::move(job), m, std::move(message), std::move(extras)});
}

inline std::string start_line(pcs::EventTime t, const std::string& id, const std::string& target,
                              bool dry_run = false) {
  return line(t, PCS_LOG_INFO, "", "session started", pcs::Machine::None,
              {{"session_id", id},
               {"source", "laptop"},
               {"target", target},
               {"dry_run", dry_run ? "true" : "false", true},
               {"version", "0.1.0"}});
}

inline std::string finish_line(pcs::EventTime t, const std::string& status, int exit_code) {
  return line(t, PCS_LOG_INFO, "", "session finished", pcs::Machine::None,
              {{"status", status}, {"exit_code", std::to_string(exit_code), true}, {"duration_s", "12.5", true}});
}

// Writes dir/sync-<t>-<id>.log with `lines`, one per line. Returns its path.
inline std::filesystem::path write_session(const std::filesystem::path& dir, const std::string& id, pcs::EventTime t,
                                           const std::vector<std::string>& lines) {
  std::filesystem::create_directories(dir);
  const auto path = pcs::log_file_path(dir, id, t);
  std::ofstream out(path, std::ios::binary);
  for (const auto& l : lines) out << l << '\n';
  return path;
}

inline void append(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::app) << text << std::flush;
}

// A whole session: started, a few job lines at each level, finished.
inline std::filesystem::path write_finished_session(const std::filesystem::path& dir, const std::string& id,
                                                    pcs::EventTime t, const std::string& status = "completed",
                                                    int exit_code = 0) {
  return write_session(
      dir, id, t,
      {start_line(t, id, "desktop"), line(t + 1s, PCS_LOG_DEBUG, "packages", "apt says hello", pcs::Machine::Target),
       line(t + 2s, PCS_LOG_INFO, "packages", "installed nginx", pcs::Machine::Target, {{"count", "3", true}}),
       line(t + 3s, PCS_LOG_WARNING, "docker", "image skipped", pcs::Machine::Source, {{"image", "a b"}}),
       line(t + 4s, PCS_LOG_ERROR, "", "target disk almost full"), finish_line(t + 5s, status, exit_code)});
}

}  // namespace logtest
