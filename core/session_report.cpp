#include "session_report.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "log_file_sink.hpp"
#include "log_level.hpp"
#include "utf8.hpp"

namespace pcs {
namespace {

const char* outcome_word(JobState s) {
  switch (s) {
    case JobState::Succeeded:
      return "success";
    case JobState::Failed:
      return "failed";
    case JobState::Skipped:
      return "skipped";
    case JobState::Cancelled:
      return "cancelled";
    default:
      return "not run";
  }
}

const char* color_of(JobState s) {
  switch (s) {
    case JobState::Succeeded:
      return "\x1b[32m";
    case JobState::Failed:
      return "\x1b[31m";
    case JobState::Skipped:
    case JobState::Cancelled:
      return "\x1b[33m";
    default:
      return "\x1b[2m";
  }
}

std::string seconds(std::chrono::milliseconds d) { return fmt::format("{:.1f} s", d.count() / 1000.0); }

std::string paint(const std::string& text, const char* code, bool color) {
  return color ? std::string(code) + text + "\x1b[0m" : text;
}

}  // namespace

int SessionReport::exit_code() const {
  switch (status) {
    case SessionOutcome::Completed:
      return kExitSuccess;
    case SessionOutcome::Interrupted:
      return kExitInterrupted;
    default:
      return kExitFailure;
  }
}

// A job's text for the terminal: no invalid UTF-8, no control characters
// (but newlines) that could move the cursor or recolour what follows.
static std::string shown(std::string s) {
  make_valid_utf8(s);
  replace_control_characters(s);
  return s;
}

std::string format_summary(const SessionReport& r, bool color) {
  std::string out;
  const std::string headline =
      fmt::format("Sync {} {} → {} {}{}", r.session_id, r.source, r.target_host.empty() ? r.target : r.target_host,
                  to_string(r.status), r.dry_run ? " (dry run: nothing was changed)" : "");
  const char* head_color = r.status == SessionOutcome::Completed ? "\x1b[1;32m" : "\x1b[1;31m";
  out += paint(headline, head_color, color) + "\n";
  if (!r.reason.empty()) out += "  " + shown(r.reason) + "\n";
  std::size_t width = 3;
  for (const auto& j : r.jobs) width = std::max(width, j.job.size());
  for (const auto& j : r.jobs) {
    std::string line = fmt::format("  {:<{}}  {:<9}  {:>8}", j.job, width, outcome_word(j.state),
                                   j.state == JobState::Pending ? "" : seconds(j.duration));
    out += paint(line, color_of(j.state), color);
    if (!j.reason.empty()) out += "  " + shown(j.reason);
    out += "\n";
  }
  if (r.warnings + r.errors > 0) {
    out += fmt::format("  {} warning{}, {} error{}:\n", r.warnings, r.warnings == 1 ? "" : "s", r.errors,
                       r.errors == 1 ? "" : "s");
    constexpr std::size_t kShown = 10;
    const std::size_t from = r.messages.size() > kShown ? r.messages.size() - kShown : 0;
    if (from > 0) out += fmt::format("    ({} earlier ones in the log)\n", from);
    for (std::size_t i = from; i < r.messages.size(); ++i) {
      const auto& m = r.messages[i];
      out += paint(fmt::format("    {} {}{}", log_level_name(m.level), m.job.empty() ? "" : "[" + m.job + "] ",
                               shown(m.message)),
                   m.level >= PCS_LOG_ERROR ? "\x1b[31m" : "\x1b[33m", color) +
             "\n";
    }
  }
  const auto total = std::chrono::duration_cast<std::chrono::milliseconds>(r.finished - r.started);
  out += fmt::format("  took {}", seconds(total));
  if (!r.log_file.empty()) out += "; log: " + r.log_file.string();
  out += "\n";
  return out;
}

nlohmann::ordered_json report_to_json(const SessionReport& r) {
  nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
  for (const auto& j : r.jobs) {
    jobs.push_back({{"job", j.job},
                    {"kind", j.kind == PCS_JOB_SYSTEM       ? "system"
                             : j.kind == PCS_JOB_BACKGROUND ? "background"
                                                            : "sync"},
                    {"outcome", outcome_word(j.state)},
                    {"duration_s", j.duration.count() / 1000.0},
                    {"reason", j.reason}});
  }
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const auto& m : r.messages)
    messages.push_back({{"level", log_level_name(m.level)}, {"job", m.job}, {"message", m.message}});
  return nlohmann::ordered_json{{"version", 1},
                                {"session_id", r.session_id},
                                {"source", r.source},
                                {"target", r.target},
                                {"target_hostname", r.target_host},
                                {"dry_run", r.dry_run},
                                {"started", format_utc_time(r.started)},
                                {"finished", format_utc_time(r.finished)},
                                {"status", std::string(to_string(r.status))},
                                {"reason", r.reason},
                                {"exit_code", r.exit_code()},
                                {"jobs", jobs},
                                {"warnings", r.warnings},
                                {"errors", r.errors},
                                {"messages", messages},
                                {"log_file", r.log_file.string()}};
}

void write_report_file(const std::filesystem::path& file, const SessionReport& report) {
  const std::string text =
      report_to_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  std::filesystem::path tmp = file;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(fmt::format("cannot write the report {}: {}", file.string(), std::strerror(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const int err = done == text.size() && ::fsync(fd) == 0 ? 0 : (errno ? errno : EIO);
  ::close(fd);
  if (err != 0 || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const int e = err ? err : errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write the report {}: {}", file.string(), std::strerror(e)));
  }
}

void ReportCollector::deliver(const Event& event) {
  const auto* log = std::get_if<LogEvent>(&event);
  if (log == nullptr || log->level < PCS_LOG_WARNING) return;
  std::lock_guard lock(mu_);
  if (log->level >= PCS_LOG_ERROR)
    ++errors_;
  else
    ++warnings_;
  if (messages_.size() < kMaxMessages) messages_.push_back({log->level, log->job, log->message});
}

void ReportCollector::fill(SessionReport& report) const {
  std::lock_guard lock(mu_);
  report.messages = messages_;
  report.warnings = warnings_;
  report.errors = errors_;
}

}  // namespace pcs
