#include "live_view.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "redact.hpp"
#include "text_sink.hpp"
#include "utf8.hpp"

namespace pcs {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::size_t kBarWidth = 20;
constexpr std::size_t kBlock = 4;             // the moving block of an indeterminate bar
constexpr std::int64_t kStepMs = 100;         // the block moves one column per step
constexpr std::size_t kMaxLabel = 30;         // wider job/track labels are cut
constexpr std::size_t kMaxBuffered = 10'000;  // log lines kept while suspended
constexpr std::uint32_t kValueFields =
    PCS_PROGRESS_PERCENT | PCS_PROGRESS_CURRENT | PCS_PROGRESS_TOTAL | PCS_PROGRESS_ITEM;

const char* const kReset = "\x1b[0m";

bool has_ended(JobState s) {
  return s == JobState::Succeeded || s == JobState::Failed || s == JobState::Skipped || s == JobState::Cancelled;
}

// Text from a plugin must not move the cursor or restyle the terminal, or the
// area's line count goes wrong: C0/C1 controls and DEL become '?' (tab a
// space), except newlines and tabs in `multiline` text (a log line).
std::string printable(std::string_view s, bool multiline = false) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    if (multiline && (c == '\n' || c == '\t')) {
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += ' ';
    } else if (c < 0x20 || c == 0x7f) {
      out += '?';
    } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {  // U+0080..U+009F
      out += '?';
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  make_valid_utf8(out);
  return has_url_credentials(out) ? redact_credentials(out) : out;
}

LogEvent printable(const LogEvent& e) {
  LogEvent out = e;
  out.job = printable(e.job);
  out.message = printable(e.message, true);
  for (LogExtra& x : out.extras) {
    x.key = printable(x.key);
    x.value = printable(x.value, true);
  }
  return out;
}

LiveBar& bar_for(LiveState& st, const std::string& job, const std::string& track, EventTime t) {
  auto it =
      std::find_if(st.bars.begin(), st.bars.end(), [&](const LiveBar& b) { return b.job == job && b.track == track; });
  if (it != st.bars.end()) return *it;
  // After the job's other bars, so that a job's tracks stay together.
  auto last = std::find_if(st.bars.rbegin(), st.bars.rend(), [&](const LiveBar& b) { return b.job == job; });
  LiveBar b;
  b.job = job;
  b.track = track;
  b.started = b.updated = t;
  return *st.bars.insert(last == st.bars.rend() ? st.bars.end() : last.base(), std::move(b));
}

void apply_progress(LiveState& st, const ProgressEvent& p) {
  const std::string job = printable(p.job), track = printable(p.track);
  if (st.ended.count(job) != 0) return;  // late update of a job that is done
  // A job's first track takes the place of its "running" placeholder.
  auto held =
      std::find_if(st.bars.begin(), st.bars.end(), [&](const LiveBar& b) { return b.job == job && b.placeholder; });
  if (held != st.bars.end() && !track.empty()) held->track = track, held->started = p.time;
  LiveBar& b = bar_for(st, job, track, p.time);
  b.placeholder = false;
  b.fields |= p.fields & kValueFields;
  if (p.fields & PCS_PROGRESS_PERCENT) {
    const std::int32_t pct = std::clamp(p.percent, 0, 100);
    // A count that goes back starts a new phase: measure the rate afresh.
    if (b.base_percent < 0 || pct < b.percent) b.base_percent = pct, b.base_percent_time = p.time;
    b.percent = pct;
  }
  if (p.fields & PCS_PROGRESS_CURRENT) {
    if (b.base_current < 0 || p.current < b.current) b.base_current = p.current, b.base_current_time = p.time;
    b.current = p.current;
  }
  if (p.fields & PCS_PROGRESS_TOTAL) b.total = p.total;
  if (p.fields & PCS_PROGRESS_ITEM) b.item = printable(p.item);
  if (p.fields & (PCS_PROGRESS_PERCENT | PCS_PROGRESS_CURRENT)) b.updated = p.time;
}

void apply_job_state(LiveState& st, const JobStateEvent& j) {
  const std::string job = printable(j.job);
  if (has_ended(j.state)) {
    std::erase_if(st.bars, [&](const LiveBar& b) { return b.job == job; });
    st.ended.insert(job);
  } else if (j.state == JobState::Running) {
    st.ended.erase(job);
    const bool shown = std::any_of(st.bars.begin(), st.bars.end(), [&](const LiveBar& b) { return b.job == job; });
    if (!shown) bar_for(st, job, "", j.time).placeholder = true;
  }
}

std::string span(seconds s) {
  const long long t = std::max<long long>(0, s.count());
  char buf[32];
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", t / 3600, t / 60 % 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", t / 60, t % 60);
  return buf;
}

std::optional<double> fraction(const LiveBar& b) {
  if (b.fields & PCS_PROGRESS_PERCENT) return b.percent / 100.0;
  if ((b.fields & PCS_PROGRESS_CURRENT) && (b.fields & PCS_PROGRESS_TOTAL) && b.total > 0)
    return std::clamp(static_cast<double>(b.current) / static_cast<double>(b.total), 0.0, 1.0);
  return std::nullopt;
}

// From the rate since the bar's first measure, counted down from the last.
std::optional<seconds> eta(const LiveBar& b, EventTime now) {
  double done = 0, left = 0;
  EventTime since;
  if ((b.fields & PCS_PROGRESS_CURRENT) && (b.fields & PCS_PROGRESS_TOTAL) && b.total > 0) {
    done = static_cast<double>(b.current - b.base_current), left = static_cast<double>(b.total - b.current);
    since = b.base_current_time;
  } else if (b.fields & PCS_PROGRESS_PERCENT) {
    done = b.percent - b.base_percent, left = 100 - b.percent, since = b.base_percent_time;
  } else {
    return std::nullopt;
  }
  const double taken = duration_cast<milliseconds>(b.updated - since).count() / 1000.0;
  if (done <= 0 || left <= 0 || taken <= 0) return std::nullopt;
  const double waited = duration_cast<milliseconds>(now - b.updated).count() / 1000.0;
  return seconds(static_cast<long long>(std::ceil(std::max(0.0, left * taken / done - waited))));
}

std::string graphic(std::optional<double> f, EventTime now, bool color) {
  std::string out = "[";
  if (f) {
    const auto filled = static_cast<std::size_t>(std::lround(*f * kBarWidth));
    out += (color ? "\x1b[32m" : "") + std::string(filled, '#') + (color ? kReset : "");
    out += std::string(kBarWidth - filled, '.');
  } else {
    // A block bouncing from end to end, placed by the wall clock so that it
    // moves at the same pace however often the area is redrawn.
    const std::int64_t travel = kBarWidth - kBlock;
    const std::int64_t step = duration_cast<milliseconds>(now.time_since_epoch()).count() / kStepMs % (2 * travel);
    const auto pos = static_cast<std::size_t>(step <= travel ? step : 2 * travel - step);
    out += std::string(pos, ' ') + (color ? "\x1b[36m" : "") + std::string(kBlock, '#') + (color ? kReset : "");
    out += std::string(kBarWidth - kBlock - pos, ' ');
  }
  return out + "]";
}

std::string label(const LiveBar& b) { return b.track.empty() ? b.job : b.job + " (" + b.track + ")"; }

std::string bar_line(const LiveBar& b, std::size_t label_width, const RenderContext& ctx) {
  std::string name = fit_to_width(label(b), label_width);
  std::string line = name + std::string(label_width - display_width(name), ' ') + "  ";
  const std::optional<double> f = fraction(b);
  line += graphic(f, ctx.now, ctx.color);
  if (f) {
    char pct[8];
    std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(std::lround(*f * 100)));
    line += std::string("  ") + pct;
  }
  if (b.fields & PCS_PROGRESS_CURRENT) {
    line += "  " + std::to_string(b.current);
    if (b.fields & PCS_PROGRESS_TOTAL) line += " of " + std::to_string(b.total);
  }
  line += "  " + span(duration_cast<seconds>(ctx.now - b.started));
  if (auto left = eta(b, ctx.now)) line += "  ETA " + span(*left);
  if (!b.item.empty()) line += "  " + b.item;
  return line;
}

std::string counters(const LiveState& st, bool color) {
  auto part = [&](const char* name, std::uint64_t n, const char* c) {
    std::string s = std::string(name) + ": " + std::to_string(n);
    return color && n > 0 ? c + s + kReset : s;
  };
  return part("warnings", st.warnings, "\x1b[33m") + "  " + part("errors", st.errors, "\x1b[31m");
}

// Where the escape sequence starting at s[i] (an ESC) ends: CSI up to its
// final byte, OSC up to BEL or ST, otherwise ESC and one byte.
std::size_t escape_end(std::string_view s, std::size_t i) {
  if (i + 1 >= s.size()) return s.size();
  if (s[i + 1] == '[') {
    for (std::size_t j = i + 2; j < s.size(); ++j)
      if (s[j] >= 0x40 && s[j] <= 0x7e) return j + 1;
    return s.size();
  }
  if (s[i + 1] == ']') {
    for (std::size_t j = i + 2; j < s.size(); ++j) {
      if (s[j] == '\a') return j + 1;
      if (s[j] == '\x1b' && j + 1 < s.size() && s[j + 1] == '\\') return j + 2;
    }
    return s.size();
  }
  return i + 2;
}

bool starts_code_point(char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }

}  // namespace

void LiveState::apply(const Event& event) {
  if (const auto* log = std::get_if<LogEvent>(&event)) {
    if (log->level >= PCS_LOG_ERROR)
      ++errors;
    else if (log->level >= PCS_LOG_WARNING)
      ++warnings;
  } else if (const auto* p = std::get_if<ProgressEvent>(&event)) {
    apply_progress(*this, *p);
  } else if (const auto* s = std::get_if<StepEvent>(&event)) {
    step = printable(s->step);
    step_detail = printable(s->detail);
  } else if (const auto* j = std::get_if<JobStateEvent>(&event)) {
    apply_job_state(*this, *j);
  }
}

std::size_t display_width(std::string_view text) {
  std::size_t cols = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\x1b') {
      i = escape_end(text, i);
    } else {
      cols += starts_code_point(text[i]) ? 1 : 0;
      ++i;
    }
  }
  return cols;
}

std::string fit_to_width(std::string_view text, std::size_t width) {
  std::string out;
  std::size_t cols = 0;
  bool escapes = false;
  for (std::size_t i = 0; i < text.size();) {
    const bool escape = text[i] == '\x1b';
    const std::size_t end = escape ? escape_end(text, i) : i + 1;
    escapes = escapes || escape;
    if (!escape && starts_code_point(text[i]) && cols++ == width) return escapes ? out + kReset : out;
    out.append(text.substr(i, end - i));
    i = end;
  }
  return out;
}

std::vector<std::string> render_live_area(const LiveState& state, const RenderContext& ctx) {
  const std::size_t budget = ctx.height > 1 ? static_cast<std::size_t>(ctx.height - 1) : 0;
  std::vector<std::string> lines;
  if (!state.step.empty()) {
    std::string step = state.step_detail.empty() ? state.step : "Step " + state.step_detail + " — " + state.step;
    lines.push_back(ctx.color ? "\x1b[1m" + step + kReset : step);
  }
  const bool counted = state.warnings > 0 || state.errors > 0;
  const std::size_t fixed = lines.size() + (counted ? 1 : 0);
  const std::size_t room = budget > fixed ? budget - fixed : 0;
  // Too many bars for the terminal: the first ones, then how many are hidden.
  std::size_t shown = state.bars.size();
  if (shown > room) shown = room > 0 ? room - 1 : 0;
  std::size_t label_width = 0;
  for (std::size_t i = 0; i < shown; ++i)
    label_width = std::max(label_width, std::min(kMaxLabel, display_width(label(state.bars[i]))));
  for (std::size_t i = 0; i < shown; ++i) lines.push_back(bar_line(state.bars[i], label_width, ctx));
  if (shown < state.bars.size() && room > 0)
    lines.push_back("… and " + std::to_string(state.bars.size() - shown) + " more");
  if (counted) lines.push_back(counters(state, ctx.color));
  if (lines.size() > budget) lines.resize(budget);
  const std::size_t width = ctx.width > 0 ? static_cast<std::size_t>(ctx.width) : 0;
  for (std::string& line : lines) line = fit_to_width(line, width);
  return lines;
}

LiveView::LiveView(std::FILE* out, LiveViewOptions options) : out_(out), options_(std::move(options)) {}

LiveView::~LiveView() {
  try {
    finish();
  } catch (...) {  // nothing sensible to do about a terminal that fails at exit
  }
}

EventTime LiveView::now() const { return options_.clock ? options_.clock() : std::chrono::system_clock::now(); }

void LiveView::queue_line(std::string line) {
  if (suspended_ > 0 && lines_.size() >= kMaxBuffered)
    ++lines_dropped_;
  else
    lines_.push_back(std::move(line));
}

void LiveView::deliver(const Event& event) {
  std::lock_guard lock(mu_);
  state_.apply(event);
  // What a plain TextSink would print, but steps, progress and job states:
  // the area shows those, and the session logs each job's outcome itself.
  std::optional<LogEvent> line;
  auto note = [&](EventTime t, pcs_log_level level, const std::string& job, std::string what, const std::string& why) {
    line = LogEvent{t, level, job, Machine::None, std::move(what) + (why.empty() ? "" : ": " + why), {}};
  };
  if (const auto* log = std::get_if<LogEvent>(&event)) {
    line = *log;
  } else if (const auto* c = std::get_if<ConnectionEvent>(&event)) {
    note(c->time, c->state == ConnectionState::Lost ? PCS_LOG_WARNING : PCS_LOG_INFO, "",
         "connection to " + c->target + " " + connection_state_name(c->state), c->detail);
  }
  if (line && line->level >= options_.floor) queue_line(text_line(printable(*line), options_.color));
}

void LiveView::flush() { tick(); }

void LiveView::tick() {
  std::lock_guard lock(mu_);
  update_locked(false);
}

void LiveView::suspend() {
  std::lock_guard lock(mu_);
  if (suspended_++ == 0) write_frame({});
}

void LiveView::resume() {
  std::lock_guard lock(mu_);
  if (suspended_ == 0 || --suspended_ > 0) return;
  update_locked(true);
}

void LiveView::finish() {
  std::lock_guard lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (suspended_ == 0) write_frame({});  // else the area is gone already; the lines wait for resume()
}

LiveState LiveView::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

void LiveView::update_locked(bool force) {
  if (suspended_ > 0) return;
  if (finished_) {
    if (!lines_.empty() || lines_dropped_ > 0) write_frame({});
    return;
  }
  const auto t = std::chrono::steady_clock::now();
  if (force || !rendered_ || t - last_render_ >= options_.refresh) {
    RenderContext ctx{now(), options_.width, options_.height, options_.color};
    winsize ws{};
    const int fd = ::fileno(out_);
    const bool sized = fd >= 0 && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0;
    if (ctx.width <= 0) ctx.width = sized ? ws.ws_col : 80;
    if (ctx.height <= 0) ctx.height = sized ? ws.ws_row : 24;
    std::vector<std::string> area = render_live_area(state_, ctx);
    last_render_ = t;
    rendered_ = true;
    if (area != area_ || !lines_.empty() || lines_dropped_ > 0) write_frame(std::move(area));
  } else if (!lines_.empty() || lines_dropped_ > 0) {
    // Log lines go out now; the area comes back as it was until its next redraw.
    write_frame(area_);
  }
}

void LiveView::write_frame(std::vector<std::string> area) {
  std::string out;
  // The cursor rests at the start of the line below the area.
  if (!area_.empty()) out += "\r\x1b[" + std::to_string(area_.size()) + "A\x1b[J";
  if (lines_dropped_ > 0)
    lines_.push_back("(" + std::to_string(std::exchange(lines_dropped_, 0)) +
                     " more log lines while the view was paused: see the log file)");
  for (const std::string& line : lines_) out.append(line).append("\n");
  lines_.clear();
  for (const std::string& line : area) out.append(line).append("\n");
  area_ = std::move(area);
  std::fwrite(out.data(), 1, out.size(), out_);
  std::fflush(out_);
}

}  // namespace pcs
