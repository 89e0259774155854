#include "remote_shell_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "remote_executor.hpp"
#include "remote_shell_protocol.hpp"
#include "ssh_channel_state.hpp"

namespace pcs {
namespace {

constexpr std::size_t kMaxCommand = 1024 * 1024;
constexpr std::size_t kMaxQueuedStdin = 4 * 1024 * 1024;

bool read_exact(int fd, char* p, std::size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_all(int fd, const std::string& data) {
  const char* p = data.data();
  std::size_t n = data.size();
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

RemoteShellServer::RemoteShellServer(RemoteExecutor& target, std::string executable) : target_(target) {
  char tmpl[] = "/tmp/pc-switcher-rsh.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr)
    throw std::runtime_error(fmt::format("cannot create a private directory in /tmp: {}", std::strerror(errno)));
  dir_ = tmpl;  // mkdtemp makes it 0700
  socket_ = dir_ / "socket";
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0 || ::pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw std::runtime_error(fmt::format("cannot listen on {}: {}", socket_.string(), why));
  }
  command_ = {std::move(executable), "remote-shell", socket_.string()};
  acceptor_ = std::thread([this] { accept_loop(); });
}

RemoteShellServer::~RemoteShellServer() {
  stopping_ = true;
  [[maybe_unused]] auto n = ::write(stop_pipe_[1], "x", 1);
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mu_);
    // Unblocks every bridge thread (a read of a header that never comes, a
    // write to a bridge that does not read); each then kills its command.
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    for (const auto& weak : active_) {
      if (auto state = weak.lock()) {
        std::lock_guard state_lock(state->mu);
        state->abandon = true;
        state->changed.notify_all();
      }
    }
  }
  target_.connection().poke();
  for (auto& t : bridges_) t.join();
  ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void RemoteShellServer::accept_loop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EINTR && errno != ECONNABORTED) ::poll(nullptr, 0, 100);  // e.g. out of fds: do not spin
      continue;
    }
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_fds_.insert(fd);
    bridges_.emplace_back([this, fd] { serve(fd); });
  }
}

void RemoteShellServer::serve(int fd) {
  using namespace remote_shell;
  ++served_;
  char len_bytes[4];
  std::string command;
  if (!read_exact(fd, len_bytes, 4) || read_u32(len_bytes) > kMaxCommand) {
    ::close(fd);
    return;
  }
  command.resize(read_u32(len_bytes));
  if (!read_exact(fd, command.data(), command.size()) || stopping_) {
    ::close(fd);
    return;
  }
  // The marker gives the process group to kill if the local side goes away.
  std::shared_ptr<SshChannelState> state;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    state = target_.connection().exec(std::string(kPrintPgidMarker) + "exec " + command);
    active_.push_back(state);
  }

  // stdin: socket → channel, until EOF.
  std::thread reader([this, fd, state] {
    char buf[64 * 1024];
    for (;;) {
      ssize_t r = ::read(fd, buf, sizeof buf);
      if (r < 0 && errno == EINTR) continue;
      std::unique_lock lock(state->mu);
      if (r <= 0) {
        state->close_stdin = true;
        lock.unlock();
        target_.connection().poke();
        return;
      }
      state->changed.wait(lock, [&] { return state->in.size() < kMaxQueuedStdin || state->done || state->abandon; });
      if (state->done || state->abandon) return;
      state->in.append(buf, static_cast<std::size_t>(r));
      lock.unlock();
      target_.connection().poke();
    }
  });

  // stdout, stderr and the end: channel → socket.
  long pgid = 0;
  std::string head;
  bool marker_seen = false, bridge_gone = false, finished = false;
  int exit_status = 255;
  for (;;) {
    std::string out, err;
    bool done;
    {
      std::unique_lock lock(state->mu);
      state->changed.wait(lock,
                          [&] { return !state->out.empty() || !state->err.empty() || state->done || state->abandon; });
      out.swap(state->out);
      err.swap(state->err);
      done = state->done || state->abandon;
      finished = state->done && !state->abandon;
      if (done) {
        if (!state->exit_signal.empty()) {
          const int signal = ssh_signal_number(state->exit_signal);
          exit_status = signal == 255 ? 255 : 128 + signal;
        } else if (state->have_exit_status && state->exit_status >= 0)
          exit_status = state->exit_status;
        else if (!state->failure.empty())
          err += "pc-switcher: " + state->failure + "\n";
      }
    }
    target_.connection().poke();  // room freed
    if (!marker_seen) {           // the first stderr line, possibly in pieces
      head += err;
      err.clear();
      const auto nl = head.find('\n');
      if (nl != std::string::npos) {
        if (head.rfind(kPgidMarker, 0) == 0) {
          pgid = std::atol(head.c_str() + kPgidMarker.size());
          head.erase(0, nl + 1);
        }
        marker_seen = true;
      }
      if (marker_seen || done) err.swap(head);
    }
    if ((!out.empty() && !write_all(fd, frame(kStdout, out))) ||
        (!err.empty() && !write_all(fd, frame(kStderr, err)))) {
      bridge_gone = true;
      break;
    }
    if (done) break;
  }
  if (bridge_gone || !finished) {  // the local side went, or the server stops: end the command
    {
      std::lock_guard lock(state->mu);
      state->abandon = true;
      state->changed.notify_all();
    }
    target_.connection().poke();
    if (pgid > 0) target_.kill_group(pgid, command.rfind("sudo ", 0) == 0, std::chrono::milliseconds(500));
  } else {
    write_all(fd, frame(kExit, u32(static_cast<std::uint32_t>(exit_status))));
  }
  ::shutdown(fd, SHUT_RDWR);  // ends the reader
  {
    std::lock_guard lock(state->mu);
    state->changed.notify_all();
  }
  reader.join();
  std::lock_guard lock(mu_);
  open_fds_.erase(fd);
  ::close(fd);
}

}  // namespace pcs
