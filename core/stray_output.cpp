#include "stray_output.hpp"

#include <fcntl.h>
#include <poll.h>
#include <algorithm>
#include <cerrno>
#include <utility>
#include <unistd.h>

namespace pcs {
namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

StrayOutput::StrayOutput(OnLine on_line) : on_line_(std::move(on_line)) {
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  const int out_copy = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  const int err_copy = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  std::FILE* out = out_copy >= 0 ? ::fdopen(out_copy, "w") : nullptr;
  if (out == nullptr || err_copy < 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    if (out != nullptr)
      std::fclose(out);
    else if (out_copy >= 0)
      ::close(out_copy);
    if (err_copy >= 0) ::close(err_copy);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], wake_[0], wake_[1]})
      if (fd >= 0) ::close(fd);
    wake_[0] = wake_[1] = -1;
    return;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  // dup2 leaves 1 and 2 inheritable, as they were.
  ::dup2(out_pipe[1], STDOUT_FILENO);
  ::dup2(err_pipe[1], STDERR_FILENO);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  read_fds_[0] = out_pipe[0];
  read_fds_[1] = err_pipe[0];
  out_ = out;
  err_fd_ = err_copy;
  reader_ = std::thread([this] { read_loop(); });
}

StrayOutput::~StrayOutput() { stop(); }

void StrayOutput::drain() {
  if (!active()) return;
  std::unique_lock lock(drain_mu_);
  if (!reader_.joinable() || stopping_.load()) return;
  const std::uint64_t ticket = ++drain_asked_;
  const char wake = 'd';
  ssize_t ignored = ::write(wake_[1], &wake, 1);
  static_cast<void>(ignored);
  drained_.wait_for(lock, std::chrono::seconds(2), [&] { return drain_done_ >= ticket; });
}

void StrayOutput::stop() {
  if (!active() || !reader_.joinable()) return;
  stopping_.store(true);
  std::fflush(stdout);
  std::fflush(stderr);
  // Descriptors 1 and 2 back: the pipes' last write ends are gone, unless a
  // child process holds one (the reader then stops at the wake-up).
  ::dup2(::fileno(out_), STDOUT_FILENO);
  ::dup2(err_fd_, STDERR_FILENO);
  const char bye = 'x';
  ssize_t ignored = ::write(wake_[1], &bye, 1);
  static_cast<void>(ignored);
  reader_.join();
  close_fd(read_fds_[0]);
  close_fd(read_fds_[1]);
  close_fd(wake_[0]);
  close_fd(wake_[1]);
}

void StrayOutput::read_loop() {
  std::string pending[2];
  auto hand_over = [&](int i, std::string line) {
    if (lines_.fetch_add(1) >= kMaxLines) {
      dropped_.fetch_add(1);
      return;
    }
    try {
      on_line_(i + 1, line);
    } catch (...) {
      dropped_.fetch_add(1);
    }
  };
  auto take = [&](int i, const char* data, std::size_t n) {
    std::string& p = pending[i];
    for (std::size_t k = 0; k < n; ++k) {
      if (data[k] == '\n') {
        hand_over(i, std::move(p));
        p.clear();
      } else if (p.size() < kMaxLine) {
        p += data[k];
      } else {
        hand_over(i, std::move(p));
        p.assign(1, data[k]);
      }
    }
  };
  bool open[2] = {true, true};
  // Asked to drain or finish: whatever is in the pipes now, then the partial
  // lines; a drain is then acknowledged, a finish ends the loop.
  bool emptying = false;
  std::uint64_t emptying_for = 0;
  char buf[16384];
  auto flush_partial = [&] {
    for (int i = 0; i < 2; ++i)
      if (!pending[i].empty()) {
        hand_over(i, std::move(pending[i]));
        pending[i].clear();
      }
  };
  while (open[0] || open[1]) {
    pollfd fds[3] = {{read_fds_[0], POLLIN, 0}, {read_fds_[1], POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (!open[0]) fds[0].fd = -1;
    if (!open[1]) fds[1].fd = -1;
    if (emptying) fds[2].fd = -1;
    const int ready = ::poll(fds, 3, emptying ? 0 : -1);
    if (ready < 0) continue;
    if (ready == 0) {  // emptied
      flush_partial();
      if (stopping_.load()) break;
      {
        std::lock_guard lock(drain_mu_);
        drain_done_ = std::max(drain_done_, emptying_for);
      }
      drained_.notify_all();
      emptying = false;
      continue;
    }
    if (fds[2].revents != 0) {
      char wake[64];
      ssize_t ignored = ::read(wake_[0], wake, sizeof wake);
      static_cast<void>(ignored);
      emptying = true;
      // The drains asked so far wrote their output before asking: it is in
      // the pipes now, and emptying them hands it over.
      std::lock_guard lock(drain_mu_);
      emptying_for = drain_asked_;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents == 0) continue;
      const ssize_t n = ::read(read_fds_[i], buf, sizeof buf);
      if (n > 0)
        take(i, buf, static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        open[i] = false;
    }
  }
  flush_partial();
  {
    std::lock_guard lock(drain_mu_);
    drain_done_ = drain_asked_;
  }
  drained_.notify_all();
}

}  // namespace pcs
