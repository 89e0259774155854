// Lets local tools reach the target through the session's one SSH
// connection: rsync's `-e`, for one. The server listens on a Unix socket in a
// private directory (0700, this user's); `pc-switcher remote-shell SOCKET
// HOST COMMAND...` connects there, and each connection becomes an exec
// channel running COMMAND, with stdin, stdout, stderr and the exit status
// carried over (remote_shell_protocol.hpp). One connection, one
// authentication: the host key was verified when the session connected.
//
// When the local side goes away before the command ends (the tool was
// killed), the remote command's process group is killed too.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pcs {

class RemoteExecutor;
struct SshChannelState;

class RemoteShellServer {
 public:
  // Throws std::runtime_error when the socket cannot be set up.
  RemoteShellServer(RemoteExecutor& target, std::string executable);
  ~RemoteShellServer();  // closes the socket, ends every bridge, removes the directory
  RemoteShellServer(const RemoteShellServer&) = delete;
  RemoteShellServer& operator=(const RemoteShellServer&) = delete;

  // The program a local tool runs as its remote shell:
  // {executable, "remote-shell", socket path}.
  const std::vector<std::string>& command() const { return command_; }
  // Bridges served so far (for tests).
  int served() const { return served_.load(); }

 private:
  void accept_loop();
  void serve(int fd);

  RemoteExecutor& target_;
  std::filesystem::path dir_;
  std::filesystem::path socket_;
  std::vector<std::string> command_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::atomic<int> served_{0};
  std::mutex mu_;
  std::vector<std::thread> bridges_;
  std::vector<std::weak_ptr<SshChannelState>> active_;
  std::set<int> open_fds_;  // accepted, not yet closed
  std::thread acceptor_;
};

}  // namespace pcs
