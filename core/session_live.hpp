// Session internals shared by session.cpp and session_jobs.cpp.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cancel_token.hpp"
#include "local_executor.hpp"
#include "machine_lock.hpp"
#include "remote_executor.hpp"
#include "remote_shell_server.hpp"
#include "session.hpp"
#include "ssh_connection.hpp"
#include "target_lock.hpp"

namespace pcs {

// What a running session holds; released in reverse order by cleanup().
struct Session::Live {
  std::optional<MachineLock> source_lock;
  std::unique_ptr<LocalExecutor> source;
  std::shared_ptr<SshConnection> connection;
  std::unique_ptr<RemoteExecutor> target;
  std::optional<TargetLock> target_lock;
  // Local tools' way to the target through `connection` (ext/remote_shell.h).
  std::unique_ptr<RemoteShellServer> remote_shell;
  // The host's own commands (hostname, lock, history); never cancelled, so
  // that cleanup and the history still work after an interrupt.
  CancelToken host_cancel;

  std::vector<const PluginInfo*> job_plugins;         // system jobs, then sync jobs, in run order
  std::vector<const PluginInfo*> background_plugins;  // background jobs
  std::vector<std::unique_ptr<JobRun>> jobs;          // created from job_plugins
  std::vector<std::unique_ptr<JobRun>> background;
  bool changes_started = false;  // a job's execute() was called
  // What the jobs write to (list_write_paths), collected after validation.
  std::mutex paths_mu;
  std::vector<std::pair<pcs_machine, std::string>> write_paths;
  std::mutex ask_mu;  // one question at a time
};

// Ends run() with a status (thrown inside the session's steps).
class Session::Stop {
 public:
  SessionOutcome status;
  std::string reason;
};

}  // namespace pcs
