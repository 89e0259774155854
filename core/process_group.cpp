#include "process_group.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <thread>

namespace pcs::local {
namespace asio = boost::asio;

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.release();
  }
  return *this;
}

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

// One thread for the whole program, serving every local executor: it sends
// the SIGKILLs that follow a grace period (the Process's owner thread may be
// busy elsewhere) and reaps children whose Process was destroyed first. It is
// never destroyed, so no handler can outlive it; it idles in epoll_wait.
class Reaper {
 public:
  static Reaper& get() {
    static Reaper* reaper = new Reaper;
    return *reaper;
  }

  void kill_at(std::shared_ptr<ChildGroup> group, ChildGroup::Clock::time_point at) {
    asio::post(io_, [this, group = std::move(group), at]() mutable {
      auto timer = std::make_shared<asio::steady_timer>(io_, at);
      timer->async_wait([timer, group = std::move(group)](const boost::system::error_code&) { group->kill_now(); });
    });
  }

  void adopt(std::shared_ptr<ChildGroup> group, int pidfd) {
    asio::post(io_, [this, group = std::move(group), pidfd] {
      std::shared_ptr<asio::posix::stream_descriptor> fd;
      try {
        fd = std::make_shared<asio::posix::stream_descriptor>(io_, pidfd);
      } catch (...) {
        ::close(pidfd);
        group->kill_now();  // cannot watch it: end it and wait (briefly) here
        group->reap(true);
        return;
      }
      fd->async_wait(asio::posix::descriptor_base::wait_read, [fd, group](const boost::system::error_code& ec) {
        if (ec) group->kill_now();
        group->reap(true);
      });
    });
  }

 private:
  Reaper() : guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace

void start_reaper() { Reaper::get(); }

void adopt_orphan(std::shared_ptr<ChildGroup> group, UniqueFd pidfd) {
  Reaper::get().adopt(std::move(group), pidfd.release());
}

void ChildGroup::terminate(std::chrono::milliseconds grace) {
  std::unique_lock lock(mu_);
  if (exit_.reaped) return;
  kill_requested_ = true;
  if (grace.count() <= 0) {
    ::kill(-pid_, SIGKILL);
    return;
  }
  if (!term_sent_) {
    term_sent_ = true;
    ::kill(-pid_, SIGTERM);
    ::kill(-pid_, SIGCONT);  // a stopped member could not act on SIGTERM
  }
  auto at = Clock::now() + grace;
  if (kill_at_ && *kill_at_ <= at) return;  // an earlier SIGKILL is already due
  kill_at_ = at;
  lock.unlock();
  Reaper::get().kill_at(shared_from_this(), at);
}

void ChildGroup::kill_now() {
  std::lock_guard lock(mu_);
  if (!exit_.reaped) {
    kill_requested_ = true;
    ::kill(-pid_, SIGKILL);
  }
}

bool ChildGroup::reap(bool block) {
  std::lock_guard lock(mu_);
  if (exit_.reaped) return true;
  if (!block) {
    siginfo_t info{};
    // WNOWAIT: look without reaping, so the group can still be signalled below.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0)
      return false;
  }
  if (kill_requested_) ::kill(-pid_, SIGKILL);  // members that survived SIGTERM
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, 0);
  while (r < 0 && errno == EINTR);
  exit_.reaped = true;
  exit_.known = r == pid_;
  exit_.status = status;
  exit_.at = Clock::now();
  return true;
}

ChildGroup::Exit ChildGroup::exit_info() const {
  std::lock_guard lock(mu_);
  return exit_;
}

void ChildGroup::set_waker(std::function<void()> waker) {
  std::lock_guard lock(waker_mu_);
  waker_ = std::move(waker);
}

void ChildGroup::wake() {
  std::lock_guard lock(waker_mu_);
  if (waker_) waker_();
}

void GroupRegistry::add(const std::shared_ptr<ChildGroup>& group) {
  std::lock_guard lock(mu_);
  std::erase_if(groups_, [](const auto& w) { return w.expired(); });
  groups_.push_back(group);
}

void GroupRegistry::remove(const ChildGroup* group) {
  std::lock_guard lock(mu_);
  std::erase_if(groups_, [group](const auto& w) {
    auto g = w.lock();
    return !g || g.get() == group;
  });
}

void GroupRegistry::terminate_all(std::chrono::milliseconds grace) {
  std::vector<std::shared_ptr<ChildGroup>> live;
  {
    std::lock_guard lock(mu_);
    for (const auto& w : groups_)
      if (auto g = w.lock()) live.push_back(std::move(g));
  }
  for (const auto& g : live) g->terminate(grace);
}

}  // namespace pcs::local
