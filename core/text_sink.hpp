// Plain terminal output, for when stdout is not a TTY (or as the fallback of
// the live UI): one timestamped line per event.
//
//   10:15:30 INFO [packages] (target) installed nginx count=3 path="/a b"
//
// Log events below the floor (config `logging.tui`) are left out. Progress is
// shown at most once per `progress_interval` per job (by event time); updates
// in between are coalesced away, the newest one being shown at the next slot.
// Steps, job states and connection changes are shown as INFO lines (a failed
// job as ERROR, a lost connection as WARNING). Times are local. Lines are
// coloured by level only when `color` is set (see use_color()).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "event_bus.hpp"

namespace pcs {

// True when `fd` is a terminal and NO_COLOR is unset or empty (no-color.org).
bool use_color(int fd);

struct TextSinkOptions {
  pcs_log_level floor = PCS_LOG_INFO;
  bool color = false;
  std::chrono::milliseconds progress_interval{1000};
};

// The line for a log event (no newline), colour codes included when asked.
std::string text_line(const LogEvent& event, bool color);

class TextSink : public EventSink {
 public:
  // `out` is not owned and must outlive the sink.
  TextSink(std::FILE* out, TextSinkOptions options);

  void deliver(const Event& event) override;
  void flush() override;

 private:
  void write(std::string line);
  void progress(const ProgressEvent& p);

  std::FILE* out_;
  TextSinkOptions options_;
  std::unordered_map<std::string, EventTime> last_progress_;  // per job: when last shown
};

}  // namespace pcs
