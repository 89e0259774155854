// The one SSH connection of a sync, driven by its own I/O thread.
//
// libssh sessions are not thread-safe, so every libssh call happens on the
// I/O thread; job threads talk to it through SshChannelState and a request
// queue. Each command is its own exec channel. Channels beyond what the server
// allows (sshd's MaxSessions, 10 by default) wait in the queue: when an open is
// refused while others are open, the limit is lowered to what is open and the
// request is retried. Keepalives detect a dead peer; a lost connection fails
// every channel in flight with a message naming the host.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ssh_channel_state.hpp"
#include "ssh_connect.hpp"

namespace pcs {

class SshConnection {
 public:
  // Takes a connected, authenticated session (ssh_connect). `label` names the
  // machine in every message, e.g. "target (desktop)".
  SshConnection(SshSessionPtr session, std::string label,
                std::chrono::seconds keepalive_interval = std::chrono::seconds(15), int keepalive_count_max = 3);
  ~SshConnection();
  SshConnection(const SshConnection&) = delete;
  SshConnection& operator=(const SshConnection&) = delete;

  const std::string& label() const { return label_; }

  // Queues an exec channel running `command` through the remote login shell.
  std::shared_ptr<SshChannelState> exec(std::string command);

  // Runs `task` on the I/O thread with the session in blocking mode (for SFTP)
  // and waits for it. Other channels pause meanwhile, so a task should be one
  // bounded step (one chunk) and be called repeatedly.
  bool run_blocking(const std::function<void(struct ssh_session_struct*)>& task);

  // Wakes the I/O thread after a job thread changed a channel's state
  // (queued stdin, closed stdin, abandoned it).
  void poke() { wake(); }

  // Empty while the connection is up; else why it is gone.
  std::string failure() const;

  // Channels open on the server right now, and the most allowed at once.
  int open_channels() const { return open_count_.load(); }
  int channel_limit() const { return limit_.load(); }

 private:
  struct Active;
  void loop();
  void wake();
  void fail_all(const std::string& why);

  SshSessionPtr session_;
  std::string label_;
  std::chrono::seconds keepalive_interval_;
  int keepalive_count_max_;

  mutable std::mutex mu_;
  std::deque<std::shared_ptr<SshChannelState>> queued_;
  std::deque<std::pair<std::function<void(struct ssh_session_struct*)>, std::shared_ptr<std::promise<void>>>> tasks_;
  std::string failure_;
  bool stopping_ = false;

  std::atomic<int> open_count_{0};
  // OpenSSH's default MaxSessions is 10; one is left for kill and keepalive
  // requests. Refusals lower it, waiting work probes it upward.
  std::atomic<int> limit_{9};
  int wake_fd_ = -1;
  std::thread thread_;
};

}  // namespace pcs
