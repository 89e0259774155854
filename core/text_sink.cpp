#include "text_sink.hpp"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string_view>

#include "log_level.hpp"
#include "redact.hpp"
#include "utf8.hpp"

namespace pcs {
namespace {

// "HH:MM:SS" of `time`. Lines mostly come within the same second, so the
// last second's text is kept (per thread: sinks run on the bus's dispatcher).
void append_clock_time(std::string& out, EventTime time) {
  thread_local std::time_t cached = 0;
  thread_local char text[16] = "";
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  if (text[0] == '\0' || t != cached) {
    std::tm tm{};
    ::localtime_r(&t, &tm);
    if (std::strftime(text, sizeof text, "%H:%M:%S", &tm) == 0) text[0] = '\0';
    cached = t;
  }
  out += text;
}

std::string clock_time(EventTime time) {
  std::string out;
  append_clock_time(out, time);
  return out;
}

const char* level_color(pcs_log_level level) {
  if (level >= PCS_LOG_CRITICAL) return "\x1b[1;31m";
  if (level >= PCS_LOG_ERROR) return "\x1b[31m";
  if (level >= PCS_LOG_WARNING) return "\x1b[33m";
  if (level >= PCS_LOG_INFO) return nullptr;
  return "\x1b[2m";
}

std::string colored(std::string line, pcs_log_level level, bool color) {
  const char* c = color ? level_color(level) : nullptr;
  return c ? c + std::move(line) + "\x1b[0m" : line;
}

std::string safe(const std::string& s) { return has_url_credentials(s) ? redact_credentials(s) : s; }

void append_safe(std::string& out, const std::string& s) {
  if (has_url_credentials(s))
    out += redact_credentials(s);
  else
    out += s;
}

// A value as key=value shows it: bare when it is one word, else quoted.
void append_shown_value(std::string& out, const LogExtra& x) {
  std::string redacted;
  std::string_view v = x.value;
  if (has_url_credentials(x.value)) v = redacted = redact_credentials(x.value);
  if (x.is_json) {
    out += v;
    return;
  }
  bool bare = !v.empty();
  for (char c : v)
    if (c == ' ' || c == '"' || c == '\\' || c == '=' || c == '\t' || c == '\n') bare = false;
  if (bare) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string job_part(const std::string& job) { return job.empty() ? std::string() : " [" + job + "]"; }

}  // namespace

bool use_color(int fd) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  return ::isatty(fd) == 1;
}

std::string text_line(const LogEvent& e, bool color) {
  // Built in one buffer: this runs for every log line the terminal shows.
  std::size_t size = 48 + e.job.size() + e.message.size();
  for (const LogExtra& x : e.extras) size += 4 + x.key.size() + x.value.size();
  std::string line;
  line.reserve(size);
  const char* c = color ? level_color(e.level) : nullptr;
  if (c) line += c;
  append_clock_time(line, e.time);
  line += ' ';
  line += log_level_name(e.level);
  if (!e.job.empty()) {
    line += " [";
    line += e.job;
    line += ']';
  }
  if (e.machine != Machine::None) {
    line += " (";
    line += machine_name(e.machine);
    line += ')';
  }
  line += ' ';
  append_safe(line, e.message);
  for (const LogExtra& x : e.extras) {
    line += ' ';
    line += x.key;
    line += '=';
    append_shown_value(line, x);
  }
  if (c) line += "\x1b[0m";
  return line;
}

TextSink::TextSink(std::FILE* out, TextSinkOptions options) : out_(out), options_(options) {}

void TextSink::write(std::string line) {
  make_valid_utf8(line);  // a plugin's bytes never reach the terminal as they are
  if (!options_.color) replace_control_characters(line);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fputc('\n', out_);
}

void TextSink::progress(const ProgressEvent& p) {
  if (options_.floor > PCS_LOG_INFO) return;
  auto [it, fresh] = last_progress_.try_emplace(p.job, p.time);
  if (!fresh) {
    if (p.time - it->second < options_.progress_interval) return;
    it->second = p.time;
  }
  std::string line = clock_time(p.time) + " PROGRESS" + job_part(p.job);
  if (p.fields & PCS_PROGRESS_TRACK) line += " (" + p.track + ")";
  if (p.fields & PCS_PROGRESS_PERCENT) line += " " + std::to_string(p.percent) + "%";
  if (p.fields & PCS_PROGRESS_CURRENT) {
    line += " " + std::to_string(p.current);
    if (p.fields & PCS_PROGRESS_TOTAL) line += "/" + std::to_string(p.total);
  }
  if (p.fields & PCS_PROGRESS_ITEM) line += " " + safe(p.item);
  if (p.fields & PCS_PROGRESS_HEARTBEAT) line += " (working)";
  write(line);
}

void TextSink::deliver(const Event& event) {
  if (const auto* log = std::get_if<LogEvent>(&event)) {
    if (log->level >= options_.floor) {
      std::string line = text_line(*log, options_.color);
      // A plugin's bytes never reach the terminal as they are. (With colour
      // the line holds escape sequences of its own.)
      make_valid_utf8(line);
      if (!options_.color) replace_control_characters(line);
      line += '\n';  // one write, not two
      std::fwrite(line.data(), 1, line.size(), out_);
    }
  } else if (const auto* p = std::get_if<ProgressEvent>(&event)) {
    progress(*p);
  } else if (const auto* s = std::get_if<StepEvent>(&event)) {
    if (options_.floor <= PCS_LOG_INFO)
      write(clock_time(s->time) + " STEP " + (s->detail.empty() ? "" : safe(s->detail) + " — ") + safe(s->step));
  } else if (const auto* j = std::get_if<JobStateEvent>(&event)) {
    // A job's outcome is logged by the session itself (with its duration);
    // only the states before it are shown here.
    const bool ended =
        j->state != JobState::Pending && j->state != JobState::Validating && j->state != JobState::Running;
    const pcs_log_level level = j->state == JobState::Failed ? PCS_LOG_ERROR : PCS_LOG_INFO;
    if (!ended && level >= options_.floor)
      write(colored(clock_time(j->time) + " JOB" + job_part(j->job) + " " + job_state_name(j->state) +
                        (j->message.empty() ? "" : ": " + safe(j->message)),
                    level, options_.color));
  } else if (const auto* c = std::get_if<ConnectionEvent>(&event)) {
    const pcs_log_level level = c->state == ConnectionState::Lost ? PCS_LOG_WARNING : PCS_LOG_INFO;
    if (level >= options_.floor)
      write(colored(clock_time(c->time) + " CONNECTION " + safe(c->target) + " " + connection_state_name(c->state) +
                        (c->detail.empty() ? "" : ": " + safe(c->detail)),
                    level, options_.color));
  }
}

void TextSink::flush() { std::fflush(out_); }

}  // namespace pcs
