// The live terminal view of a sync session, for when stdout is a TTY.
//
// Log lines (and, as in TextSink, the end of each job and connection changes)
// scroll away above a small area that is redrawn in place at the bottom of
// the terminal (the cargo/pip style):
//
//   10:15:30 INFO [user_data] copied 3 folders
//   Step 6/9 — user_data
//   user_data (home)  [########............]  40%  400 of 1000  0:12  ETA 0:18  docs/a.txt
//   docker            [      ####          ]  0:03
//   warnings: 2  errors: 0
//
// The area is built from a LiveState (the events applied so far) by a pure
// renderer, so what it shows is testable without a terminal or a clock. The
// LiveView sink owns the terminal: it prints log lines at each flush, redraws
// the area at most every `refresh`, and erases it when suspended (while the
// host asks the user something) and at finish() (before the summary).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "event_bus.hpp"

namespace pcs {

// One progress bar: a job's own (track "") or one of its tracks. Values are
// sticky: an update that leaves a field out keeps the last one shown, so a
// heartbeat only keeps the bar alive.
struct LiveBar {
  std::string job;
  std::string track;
  std::uint32_t fields = 0;  // PCS_PROGRESS_PERCENT/CURRENT/TOTAL/ITEM seen so far
  std::int32_t percent = 0;
  std::int64_t current = 0;
  std::int64_t total = 0;
  std::string item;
  EventTime started{};  // first event of the bar: elapsed counts from here
  EventTime updated{};  // last event with a percent or a current
  // Where each measure was first seen (or last went back): the base of the
  // rate that the ETA is worked out from.
  EventTime base_current_time{};
  std::int64_t base_current = -1;
  EventTime base_percent_time{};
  std::int32_t base_percent = -1;
  bool placeholder = false;  // the job is running but has reported no progress yet
};

// What the live area shows, built by applying events in order.
struct LiveState {
  std::string step;
  std::string step_detail;      // "6/9" style numbering, may be empty
  std::vector<LiveBar> bars;    // grouped by job, in order of first appearance
  std::set<std::string> ended;  // jobs whose late progress is ignored
  std::uint64_t warnings = 0;   // LogEvents at WARNING
  std::uint64_t errors = 0;     // LogEvents at ERROR or above

  void apply(const Event& event);
};

struct RenderContext {
  EventTime now;  // for elapsed, ETA and the indeterminate bar's motion
  int width = 80;
  int height = 24;
  bool color = false;
};

// The lines of the live area, top to bottom, without newlines: at most
// height - 1 of them, each at most `width` columns.
std::vector<std::string> render_live_area(const LiveState& state, const RenderContext& ctx);

// Columns `text` takes: UTF-8 code points outside ANSI escape sequences.
std::size_t display_width(std::string_view text);
// `text` cut to `width` columns, never inside a code point or an escape
// sequence; a cut line that used escapes ends with a colour reset.
std::string fit_to_width(std::string_view text, std::size_t width);

struct LiveViewOptions {
  pcs_log_level floor = PCS_LOG_INFO;  // log lines below it are not printed (still counted)
  bool color = false;                  // see use_color()
  std::chrono::milliseconds refresh{100};
  int width = 0;                     // 0: ask the terminal at each redraw (80 when it cannot say)
  int height = 0;                    // 0: ask the terminal at each redraw (24 when it cannot say)
  std::function<EventTime()> clock;  // empty: system_clock::now
};

class LiveView : public EventSink {
 public:
  // `out` is not owned and must outlive the view; it should be a terminal.
  LiveView(std::FILE* out, LiveViewOptions options);
  ~LiveView() override;  // finish()
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  // On the bus's dispatcher thread.
  void deliver(const Event& event) override;
  void flush() override;

  // Any thread. Redraws when `refresh` has passed since the last redraw, so
  // elapsed times and indeterminate bars move while no events arrive.
  void tick();
  // Any thread. Prints the log lines received so far, erases the area and
  // writes nothing more until resume(); log lines are kept until then.
  // Nests: the view comes back at the last resume().
  void suspend();
  void resume();
  // Any thread, after the bus was flushed: prints the remaining log lines and
  // erases the area for good. Later log lines are printed plainly (still held
  // back while suspended). Idempotent.
  void finish();

  LiveState state() const;

 private:
  EventTime now() const;
  void update_locked(bool force);
  void write_frame(std::vector<std::string> area);
  void queue_line(std::string line);

  std::FILE* out_;
  LiveViewOptions options_;
  mutable std::mutex mu_;
  LiveState state_;
  std::vector<std::string> lines_;   // log lines not yet printed
  std::uint64_t lines_dropped_ = 0;  // beyond the buffer while suspended
  std::vector<std::string> area_;    // the area on screen now (empty: none)
  std::chrono::steady_clock::time_point last_render_{};
  bool rendered_ = false;
  int suspended_ = 0;
  bool finished_ = false;
};

}  // namespace pcs
