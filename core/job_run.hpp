// One job of a session: its plugin instance and the thread its calls run on.
//
// The instance is created and destroyed on the calling (host main) thread;
// validate, execute and describe_first_sync each run on a thread of their own
// (the "job thread" of plugin.h), so the host can wait with a bound: a job
// that ignores cancellation is reported and left behind — its instance is
// then never destroyed, as plugin.h requires (destroy only after the call
// returned).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pcswitcher/ext/after_sync.h>

#include "event_bus.hpp"
#include "job_host.hpp"
#include "plugin_commands.hpp"
#include "plugin_loader.hpp"

namespace pcs {

struct MachineMessage {
  Machine machine = Machine::None;
  std::string message;
};

class JobRun {
 public:
  // Calls the plugin's create(). Check created() afterwards.
  JobRun(const PluginInfo& plugin, const nlohmann::json& config, JobServices services, SessionFacts facts);
  ~JobRun();  // destroy(), unless a call is still running; retires the host table
  JobRun(const JobRun&) = delete;
  JobRun& operator=(const JobRun&) = delete;

  const PluginInfo& plugin() const { return plugin_; }
  const std::string& name() const { return plugin_.name; }
  bool created() const { return created_; }
  // Why create() failed.
  const std::string& create_error() const { return create_error_; }

  // Each starts the call on a new thread; one call at a time.
  void start_validate();
  void start_execute();
  // False (and nothing started) when the plugin does not implement it.
  bool start_describe_first_sync();
  // The "pcs.ext.after_sync/1" extension (ext/after_sync.h); false when not offered.
  bool start_after_sync(pcs_sync_outcome outcome);
  bool has_after_sync() const { return after_sync_ != nullptr; }
  // list_write_paths; the paths arrive in reports(). False when not implemented.
  bool start_list_write_paths();
  // Command `name` of the plugin's "pcs.ext.commands/1" table `ext`, with a
  // copy of `line` kept for the call.
  void start_command(const pcs_ext_commands* ext, std::string name, CommandLine line);

  // Waits up to `timeout` for the current call; true once it has returned.
  bool wait_for(std::chrono::milliseconds timeout);
  bool running() const;
  bool started() const;

  // Of the last finished call.
  pcs_status status() const;
  // The job's set_error text, or what its status means.
  std::string message() const;
  // What validate / describe_first_sync reported.
  std::vector<MachineMessage> reports() const;
  // Of the last call, so far if it still runs.
  std::chrono::milliseconds duration() const;

  // Sets the cancel state (every executor call returns promptly, its
  // processes are killed) and calls the plugin's cancel hook. Thread-safe, once.
  void cancel();
  bool cancelled() const { return host_->cancel_token().cancelled(); }

 public:
  struct Call;  // one call's state, shared with its thread (job_run.cpp)

 private:
  void start(int which, pcs_sync_outcome outcome = PCS_SYNC_SUCCEEDED);

  const PluginInfo& plugin_;
  std::string config_json_;
  std::unique_ptr<JobHost> host_;
  void* instance_ = nullptr;
  const pcs_ext_after_sync* after_sync_ = nullptr;
  bool created_ = false;
  std::string create_error_;
  std::shared_ptr<Call> call_;
  std::once_flag cancel_once_;
};

// What a pcs_status means, for a message when the job gave none.
std::string describe_status(pcs_status status);

}  // namespace pcs
