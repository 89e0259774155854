// The executors behind the host-services table: one for the source (this
// machine) and one for the target (over SSH). Jobs reach them only through
// plugin.h; this interface is the host's own (named MachineExecutor and
// MachineProcess so that it never clashes with the SDK's pcs::Executor and
// pcs::Process in a file that uses both).
//
// Every call blocks the calling (job) thread. A call whose CancelToken is
// cancelled returns PCS_ERR_CANCELLED promptly, after the process it ran —
// with its whole process group — has been signalled (SIGTERM, then SIGKILL).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <pcswitcher/plugin.h>

#include "cancel_token.hpp"

namespace pcs {

// An owned copy of a pcs_command.
struct CommandSpec {
  std::vector<std::string> argv;         // argv form, or
  std::string shell;                     // shell form (/bin/sh -c) when argv is empty
  std::vector<std::string> env;          // "NAME=value", added to the environment
  std::string cwd;                       // empty: the user's home directory
  std::chrono::milliseconds timeout{0};  // 0: none
  bool sudo = false;
  bool login_shell = false;
  bool withhold_output = false;
  std::string mutates;
  std::string stdin_data;  // written to stdin, which is then closed (run only)

  static CommandSpec from(const pcs_command& c);
  static CommandSpec argv_form(std::vector<std::string> argv) {
    CommandSpec c;
    c.argv = std::move(argv);
    return c;
  }
  static CommandSpec shell_form(std::string shell) {
    CommandSpec c;
    c.shell = std::move(shell);
    return c;
  }
  // For logs: the argv joined with shell quoting, or the shell string.
  std::string display() const;
};

struct ExecResult {
  pcs_status status = PCS_OK;  // PCS_OK when the command ran to its end
  int exit_code = -1;          // -1 when killed by a signal or never ran
  int signal = 0;
  std::string out;
  std::string err;
  std::string error;  // when status != PCS_OK: why, naming the machine
  std::chrono::milliseconds duration{0};
  bool success() const { return status == PCS_OK && exit_code == 0 && signal == 0; }
};

// One output event of a background process.
struct OutputEvent {
  int stream = PCS_STREAM_STDOUT;
  std::string data;
};

// A started process. Used from one thread at a time (terminate from any).
// Destroying it terminates the process group if it still runs.
class MachineProcess {
 public:
  virtual ~MachineProcess() = default;
  // Next chunk (mode PCS_READ_CHUNK) or line (PCS_READ_LINE) from stdout or
  // stderr. PCS_OK, PCS_END_OF_STREAM once both are at their end, PCS_ERR_TIMEOUT
  // (timeout < 0: no limit), PCS_ERR_CANCELLED, or an error status.
  virtual pcs_status read(int mode, std::chrono::milliseconds timeout, OutputEvent& event) = 0;
  // Writes all of `data` to the process's stdin (blocks while the pipe is full).
  virtual pcs_status write(const char* data, std::size_t size) = 0;
  virtual void close_stdin() = 0;
  // Waits for the end; output not yet read is collected into the result.
  virtual pcs_status wait(std::chrono::milliseconds timeout, ExecResult& result) = 0;
  // SIGTERM to the process group, SIGKILL after `grace`. Returns at once. Thread-safe.
  virtual void terminate(std::chrono::milliseconds grace) = 0;
};

class MachineExecutor {
 public:
  virtual ~MachineExecutor() = default;
  // Starts a command in the background. nullptr on failure, with `error` set.
  virtual std::unique_ptr<MachineProcess> start(const CommandSpec& command, const CancelToken& cancel,
                                                std::string& error) = 0;
  // Runs a command to its end: start, feed stdin_data, collect output, wait.
  virtual ExecResult run(const CommandSpec& command, const CancelToken& cancel);
  // Ends every process this executor started that still runs.
  virtual void terminate_all(std::chrono::milliseconds grace) = 0;
  // "source (laptop)", "target (desktop)": used in every error message.
  virtual std::string label() const = 0;
};

}  // namespace pcs
