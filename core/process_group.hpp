// The local executor's bookkeeping of a started child, shared by the Process
// that owns it, cancellation callbacks and one background "reaper" thread.
//
// The child leads its own process group, whose id is its pid. The group is only
// ever signalled while the leader is not yet reaped: a zombie leader keeps that
// id reserved, so a signal can never reach an unrelated process that reused it.
// Reaping happens exactly once, under the same mutex as every signal.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace pcs::local {

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

 private:
  int fd_ = -1;
};

class ChildGroup : public std::enable_shared_from_this<ChildGroup> {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ChildGroup(pid_t pid) : pid_(pid) {}
  ChildGroup(const ChildGroup&) = delete;
  ChildGroup& operator=(const ChildGroup&) = delete;

  pid_t pid() const { return pid_; }
  // SIGTERM (and SIGCONT) to the group now, SIGKILL once `grace` has passed
  // unless the leader has been reaped by then (grace <= 0: SIGKILL at once).
  // Returns at once; thread-safe. The reaper thread sends the late SIGKILL.
  void terminate(std::chrono::milliseconds grace);
  // SIGKILL to the group now if the leader is not reaped.
  void kill_now();
  // Reaps the leader once it has exited (block: waits for that). A group that
  // was asked to terminate first gets SIGKILL, so none of its members outlives
  // it. True once reaped.
  bool reap(bool block);

  struct Exit {
    bool reaped = false;
    bool known = false;  // false when the status could not be collected (ECHILD)
    int status = 0;      // as from waitpid
    Clock::time_point at;
  };
  Exit exit_info() const;

  // How a cancellation callback wakes the owner's event loop; cleared (nullptr)
  // by the owner before it goes away. wake() is a no-op without one.
  void set_waker(std::function<void()> waker);
  void wake();

 private:
  const pid_t pid_;
  mutable std::mutex mu_;
  Exit exit_;
  bool kill_requested_ = false;
  bool term_sent_ = false;
  std::optional<Clock::time_point> kill_at_;
  std::mutex waker_mu_;
  std::function<void()> waker_;
};

// The groups one executor started, tracked weakly (for terminate_all).
class GroupRegistry {
 public:
  void add(const std::shared_ptr<ChildGroup>& group);
  void remove(const ChildGroup* group);
  void terminate_all(std::chrono::milliseconds grace);

 private:
  std::mutex mu_;
  std::vector<std::weak_ptr<ChildGroup>> groups_;
};

// Makes sure the reaper thread runs (throws std::system_error if it cannot).
void start_reaper();
// Hands over a child whose Process is gone: the reaper thread reaps it as soon
// as `pidfd` (taken over) reports its exit. No zombie is left behind.
void adopt_orphan(std::shared_ptr<ChildGroup> group, UniqueFd pidfd);

}  // namespace pcs::local
