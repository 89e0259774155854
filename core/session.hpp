// One `pc-switcher sync TARGET` session, from the source lock to the summary.
//
//   config + plugins → log file → source lock → connect → target lock →
//   sync-direction check → create jobs, validate() on both machines →
//   system jobs, then sync jobs in `sync_jobs` order, background jobs beside
//   them → record history → report
//
// Cleanup always runs, whatever happened: background jobs stopped, processes
// on both machines ended, target lock released, connection closed, source
// lock released. Nothing on either machine is changed before every job's
// validate() passed; a dry run changes nothing at all (no history, no job
// changes; the locks are taken and released as usual, so a dry run never
// looks at a machine in the middle of another sync).
//
// Threads: run() on the caller's (main) thread; each job call on a thread of
// its own (JobRun); interrupt() from any thread (the signal handler's).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config.hpp"
#include "event_bus.hpp"
#include "job_run.hpp"
#include "plugin_loader.hpp"
#include "session_report.hpp"
#include "ssh_connect.hpp"

namespace pcs {

struct SessionOptions {
  std::string target;                              // as typed: ssh alias, host or user@host
  std::filesystem::path config_file;               // the config to use
  std::vector<std::filesystem::path> plugin_path;  // where to look for plugins, in order
  bool dry_run = false;
  bool yes = false;  // answer every question with its default
  bool allow_first_sync = false;
  bool allow_out_of_order = false;
  bool accept_new_host_key = false;
  std::vector<std::string> only;                 // sync jobs to run (empty: all enabled)
  std::vector<std::string> skip;                 // sync jobs not to run
  std::chrono::milliseconds cancel_grace{5000};  // per job, after cancel
  SshOptions ssh;                                // destination is set from `target`; other fields as given
  // Options plugins added to `sync` (ext/sync_options.h): job → option → value.
  std::map<std::string, std::map<std::string, std::string>> sync_options;
  // Called once the config was read (e.g. to apply `logging.tui` to the terminal).
  std::function<void(const Config&)> on_config;
  // Called when a job's execute (or after-sync step) has ended, before the
  // session stops naming it as the running job (running_job()): pc-switcher
  // sync hands over what the plugin printed by then (StrayOutput::drain).
  std::function<void()> on_job_end;
};

// Asks the person at the terminal; returns the chosen index, or -1 when there
// is no terminal. Called on any thread, one question at a time.
using AskFunction =
    std::function<int(const std::string& job, const std::string& text, const std::vector<std::string>& choices)>;

class Session {
 public:
  // `bus` receives every event of the session; it must outlive the session.
  Session(SessionOptions options, EventBus& bus, AskFunction ask);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs the whole session. Never throws.
  SessionReport run();

  // The first Ctrl+C: cancel what runs, clean up, end as interrupted.
  // Thread-safe; later calls do nothing.
  void interrupt();
  bool interrupted() const { return interrupted_.load(); }

  // Jobs that did not return within the grace period after cancel: their
  // threads still run, so the process should end without static destructors.
  std::vector<std::string> abandoned_jobs() const;

  // The sync or system job whose execute (or after-sync step) runs now; ""
  // between jobs. For output a plugin printed instead of logging. Thread-safe.
  std::string running_job() const;

 private:
  struct Live;  // the connection, executors, locks and jobs of a running session
  class Stop;   // thrown inside run() to end the session with a status

  void log(pcs_log_level level, const std::string& message, std::vector<LogExtra> extras = {},
           bool always_in_file = false);
  void step(const std::string& name);
  void job_state(const std::string& job, JobState state, const std::string& message = {});
  void set_running_job(const std::string& name);

  void load_config();
  void select_jobs();
  void open_log_file();
  void lock_source();
  void connect();
  void lock_target();
  void check_direction();
  void create_jobs();
  void validate_jobs();
  void collect_write_paths(const std::vector<JobRun*>& jobs);
  void run_jobs();
  void run_after_sync(std::string& halted_by);
  JobOutcome& outcome_of_job(const std::string& name);
  void record_history();
  void stop_all_jobs();
  void cleanup();

  // Waits for `job`'s current call, watching for interrupts; on interrupt
  // cancels it and waits the grace period. True when the call returned.
  bool wait_job(JobRun& job, const std::function<bool()>& stop_early = {});
  bool wait_cancelled(JobRun& job);
  std::string describe_first_sync();
  int ask(const std::string& job, const std::string& text, const std::vector<std::string>& choices, int default_choice);
  void throw_if_interrupted();

  SessionOptions options_;
  EventBus& bus_;
  AskFunction ask_;
  std::shared_ptr<class ReportCollector> collector_;
  SessionReport report_;
  Config config_;
  PluginSet plugins_;
  std::unique_ptr<Live> live_;
  int step_number_ = 0;
  int step_count_ = 0;

  std::atomic<bool> interrupted_{false};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::string step_name_;  // the step running now (for the failure line)
  std::vector<std::string> abandoned_;
  std::string running_job_;  // under mu_
};

// 8 random lowercase hex characters.
std::string new_session_id();

// gethostname(), or "localhost".
std::string this_hostname();

}  // namespace pcs
