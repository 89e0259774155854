// The outcome of a sync session: each job's result, the session's status, the
// warnings and errors of the run. Printed as the summary at the end and, with
// `--report FILE`, written as JSON.
#pragma once

#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <pcswitcher/plugin.h>

#include "event_bus.hpp"
#include "sync_history.hpp"

namespace pcs {

struct JobOutcome {
  std::string job;
  pcs_job_kind kind = PCS_JOB_SYNC;
  JobState state = JobState::Pending;  // Succeeded, Failed, Skipped, Cancelled; Pending = never started
  std::chrono::milliseconds duration{0};
  std::string reason;  // why it failed, was skipped or cancelled
};

struct ReportedMessage {
  pcs_log_level level = PCS_LOG_WARNING;
  std::string job;  // "" for the host
  std::string message;
};

// Exit codes of `pc-switcher sync`.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitInterrupted = 130;

struct SessionReport {
  std::string session_id;
  std::string source;       // the source's hostname
  std::string target;       // what the user typed
  std::string target_host;  // the target's own hostname, once known
  bool dry_run = false;
  EventTime started{};
  EventTime finished{};
  SessionOutcome status = SessionOutcome::Completed;
  std::string reason;  // why the session did not complete
  std::vector<JobOutcome> jobs;
  std::vector<ReportedMessage> messages;  // WARNING and above, in order (capped)
  std::size_t warnings = 0;
  std::size_t errors = 0;  // ERROR and CRITICAL
  std::filesystem::path log_file;

  int exit_code() const;
};

// The summary for the terminal (several lines, ending with a newline).
std::string format_summary(const SessionReport& report, bool color);

nlohmann::ordered_json report_to_json(const SessionReport& report);

// Writes report_to_json atomically to `file`. Throws std::runtime_error naming it.
void write_report_file(const std::filesystem::path& file, const SessionReport& report);

// Collects WARNING-and-above LogEvents into a report (a sink on the session's bus).
class ReportCollector : public EventSink {
 public:
  static constexpr std::size_t kMaxMessages = 200;
  void deliver(const Event& event) override;
  // Copies what was collected into `report` (call after the bus was flushed).
  void fill(SessionReport& report) const;

 private:
  mutable std::mutex mu_;
  std::vector<ReportedMessage> messages_;
  std::size_t warnings_ = 0;
  std::size_t errors_ = 0;
};

}  // namespace pcs
