// The source machine's executor: runs commands on this machine.
//
// Each command runs in its own process group (so terminating it reaches its
// children too), with stdin, stdout and stderr on pipes and every other file
// descriptor closed. A command that cannot run ends as it would in a shell,
// and as it does on the target: exit 127 when the program is not found, 126
// when it is not executable or the working directory is missing, with the
// reason on stderr. start() returns nullptr (and run() PCS_ERR_IO, with a
// message naming the command and this machine's label) only when no process
// can be made at all (bad environment entry, out of resources, cancelled).
//
// Writing to a process that closed its stdin or exited is PCS_ERR_IO: SIGPIPE
// is blocked on the writing thread during write() and a SIGPIPE it raised is
// consumed; the process-wide SIGPIPE disposition is left alone. Children start
// with default signal dispositions and an empty signal mask.
//
// Details: local_process.hpp (the I/O), process_group.hpp (signalling,
// reaping, and the one background thread that sends late SIGKILLs and reaps
// children whose Process was destroyed first).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "executor.hpp"

namespace pcs {

namespace local {
class GroupRegistry;
}

class LocalExecutor : public MachineExecutor {
 public:
  // `label` names this machine in every message, e.g. "source (laptop)".
  explicit LocalExecutor(std::string label);
  ~LocalExecutor() override;

  std::unique_ptr<MachineProcess> start(const CommandSpec& command, const CancelToken& cancel, std::string& error) override;
  void terminate_all(std::chrono::milliseconds grace) override;
  std::string label() const override { return label_; }

 private:
  std::string label_;
  std::string home_;
  std::shared_ptr<local::GroupRegistry> registry_;
};

// The argv start() runs for `command`: the argv itself or /bin/sh -c SHELL,
// behind `sudo -n --` (and `env NAME=value...`, since sudo resets the
// environment) for sudo commands. Without sudo, `env` is added to the
// inherited environment instead.
std::vector<std::string> local_command_argv(const CommandSpec& command);

}  // namespace pcs
