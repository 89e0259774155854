// The target machine's executor: every command is an exec channel on the
// sync's one SSH connection (SshConnection), files move over SFTP on it.
//
// Each command runs as `printf 'pcs-pgid %d\n' $$ >&2; exec ARGV` through
// the remote user's login shell. sshd makes every session's process a
// process-group leader, so that first stderr line (removed before anyone
// sees it) tells us the process group to signal on cancel or timeout.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "executor.hpp"
#include "ssh_connection.hpp"

namespace pcs {

// The line a remote command runs: argv quoted for the remote shell, cwd, env,
// sudo and the process-group marker. Exposed for tests.
std::string remote_command_line(const CommandSpec& command);

// Every remote command first prints "pcs-pgid N" on stderr (its process
// group, for kill_group); this is that marker's text.
inline constexpr std::string_view kPgidMarker = "pcs-pgid ";
// The shell text that prints it; a remote command line starts with it.
inline constexpr const char* kPrintPgidMarker = "printf 'pcs-pgid %d\\n' $$ >&2; ";

// Shell text that starts, beside a remote command, a watcher that ends the
// command's process group when the SSH connection is gone: sshd signals
// nothing when a session without a terminal loses its client, so a command
// of a pc-switcher that crashed or was killed would run on. The watcher
// checks every second that sshd's session process (the shell's parent)
// still runs, and ends itself when the command ends. Part of every line
// remote_command_line() makes.
std::string connection_watcher(bool sudo);

// The signal number of an SSH exit-signal name ("TERM" → 15); 255 when unknown.
int ssh_signal_number(const std::string& name);

class RemoteExecutor : public MachineExecutor {
 public:
  explicit RemoteExecutor(std::shared_ptr<SshConnection> connection);
  ~RemoteExecutor() override;

  std::unique_ptr<MachineProcess> start(const CommandSpec& command, const CancelToken& cancel,
                                        std::string& error) override;
  void terminate_all(std::chrono::milliseconds grace) override;
  std::string label() const override { return connection_->label(); }

  // Copies a local file to `remote_path` (via a temporary name, then renamed).
  pcs_status send_file(const std::string& local_path, const std::string& remote_path, uint32_t flags,
                       const CancelToken& cancel, std::string& error);
  // Copies `remote_path` to a local file (via a temporary name, then renamed).
  pcs_status get_file(const std::string& remote_path, const std::string& local_path, uint32_t flags,
                      const CancelToken& cancel, std::string& error);

  // Signals a remote process group (used by Process::terminate). Returns at once.
  void kill_group(long pgid, bool sudo, std::chrono::milliseconds grace);
  // Waits (at most `timeout`) until every kill_group so far has run to its
  // end. The destructor calls it; call it before closing the connection.
  void wait_for_kills(std::chrono::milliseconds timeout);

  SshConnection& connection() { return *connection_; }

 private:
  class RemoteProcess;
  std::shared_ptr<SshConnection> connection_;
  std::mutex mu_;
  std::vector<RemoteProcess*> live_;
  std::vector<std::shared_ptr<SshChannelState>> kills_;  // kill_group channels not known to be done
};

}  // namespace pcs
