// The pcs_host table one job instance gets: plugin.h's host services wired
// to the executors, the cancellation token and the log/progress sinks.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <pcswitcher/plugin.h>

#include "cancel_token.hpp"
#include "executor.hpp"
#include "sudo_programs.hpp"

namespace pcs {

class RemoteExecutor;

struct SessionFacts {
  std::string session_id;
  std::string source_hostname;
  std::string target_hostname;
  std::string target_address;
  bool dry_run = false;
};

// What the running pc-switcher is made of (ext/installation.h).
struct Installation {
  struct Plugin {
    std::string name, version, path;
  };
  std::string version;
  std::string executable;
  std::vector<Plugin> plugins;
};

struct JobServices {
  MachineExecutor* source = nullptr;  // required
  RemoteExecutor* target = nullptr;   // nullptr: target calls fail with PCS_ERR_UNSUPPORTED
  std::function<void(const std::string& job, const pcs_log_record&)> log;     // must not block
  std::function<void(const std::string& job, const pcs_progress&)> progress;  // must not block
  // Called after each command a job ran (run) or started (start_process,
  // with a result whose exit_code is -1): for the DEBUG trace. May be empty.
  std::function<void(const std::string& job, pcs_machine, const CommandSpec&, const ExecResult&)> trace;
  // The paths the session's jobs write to (ext/write_paths.h); empty: not offered.
  std::function<std::vector<std::pair<pcs_machine, std::string>>()> write_paths;
  // Offered as "pcs.host.ext.remote_shell/1" when not empty (RemoteShellServer::command).
  std::vector<std::string> remote_shell;
  // Offered as "pcs.host.ext.installation/1" when set.
  std::shared_ptr<const Installation> installation;
  // Returns the chosen index, or -1 when there is no terminal.
  std::function<int(const std::string& job, const pcs_question&)> ask;
  // The sync options given, by job (ext/sync_options.h); each job sees its own.
  std::map<std::string, std::map<std::string, std::string>> sync_options;
  // What the job may run as root (ext/sudo_programs.h); JobRun fills it from
  // the plugin when it is not set. Unset or not restricted: anything.
  std::optional<SudoAllowance> sudo;
};

class JobHost {
 public:
  JobHost(std::string job_name, JobServices services, SessionFacts facts);
  JobHost(const JobHost&) = delete;
  JobHost& operator=(const JobHost&) = delete;

  const pcs_host* table() const { return &host_; }
  const CancelToken& cancel_token() const { return cancel_; }
  void cancel() const { cancel_.cancel(); }
  // The message the job gave with its last non-OK status (set_error).
  std::string error() const;
  const std::string& job_name() const { return job_; }

  // Ends the table's use (plugin.h: host services are valid until destroy).
  // Cancels, then from now on log and progress do nothing and every other
  // service fails at once (PCS_ERR_CANCELLED), so a job left running after
  // its cancellation, or a thread the plugin started and did not stop, never
  // reaches the session's executors, event bus or terminal once they are
  // gone. Waits up to `wait` for the calls in progress (cancelled, they end
  // promptly); false when some are still running.
  bool retire(std::chrono::milliseconds wait);
  bool retired() const { return retired_.load(); }
  // Calls refused because the table was retired.
  std::uint64_t refused_calls() const { return refused_.load(std::memory_order_relaxed); }

 private:
  friend struct JobHostCalls;
  friend class HostInUse;
  std::string job_;
  JobServices services_;
  SessionFacts facts_;
  pcs_session_info session_{};
  pcs_host host_{};
  CancelToken cancel_;
  mutable std::mutex mu_;
  std::string error_;
  std::vector<const char*> remote_shell_argv_;  // into services_.remote_shell, NULL-terminated
  // Host calls in progress, and whether new ones are refused (retire()).
  std::atomic<int> in_flight_{0};
  std::atomic<bool> retired_{false};
  std::atomic<std::uint64_t> refused_{0};
};

// Streams producer's stdout into consumer's stdin (each on its executor),
// calling on_bytes at most every 100 ms. Fills both results.
pcs_status pipe_between(MachineExecutor& producer_exec, const CommandSpec& producer, MachineExecutor& consumer_exec,
                        const CommandSpec& consumer, const CancelToken& cancel,
                        const std::function<void(uint64_t)>& on_bytes, uint64_t& bytes, ExecResult& producer_result,
                        ExecResult& consumer_result);

}  // namespace pcs
