#include "local_process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <limits>

namespace pcs::local {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// SIGPIPE is blocked on the writing thread while write() runs (every write to
// the pipe happens on that thread, inside write()), and a SIGPIPE it raised is
// consumed before the old mask comes back. So EPIPE becomes PCS_ERR_IO and
// the process-wide disposition of SIGPIPE is never touched.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    ::sigemptyset(&set_);
    ::sigaddset(&set_, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &set_, &old_);
    sigset_t pending;
    ::sigpending(&pending);
    was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    sigset_t pending;
    ::sigpending(&pending);
    if (!was_pending_ && ::sigismember(&pending, SIGPIPE) == 1) {
      timespec zero{};
      while (::sigtimedwait(&set_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t set_, old_;
  bool was_pending_ = false;
};

// A descriptor for `fd`, which it takes over only once that succeeded.
asio::posix::stream_descriptor adopt(asio::io_context& io, UniqueFd& fd) {
  asio::posix::stream_descriptor sd(io, fd.get());
  fd.release();
  return sd;
}

}  // namespace

LocalProcess::Stream::Stream(asio::io_context& io, UniqueFd fd, int id_) : sd(adopt(io, fd)), id(id_) {}

std::string LocalProcess::Stream::take_all() {
  std::string all = head == 0 ? std::move(buf) : buf.substr(head);
  base += head + all.size();
  buf.clear();
  head = 0;
  arrivals.clear();
  return all;
}

LocalProcess::LocalProcess(std::shared_ptr<ChildGroup> group, std::shared_ptr<GroupRegistry> registry, ChildFds fds,
                           std::string label, std::string display, std::chrono::milliseconds timeout,
                           CancelToken cancel, Clock::time_point started)
    : group_(std::move(group)),
      registry_(std::move(registry)),
      label_(std::move(label)),
      display_(std::move(display)),
      timeout_(timeout),
      cancel_(std::move(cancel)),
      started_(started),
      guard_(asio::make_work_guard(io_)),
      out_(io_, std::move(fds.out), PCS_STREAM_STDOUT),
      err_(io_, std::move(fds.err), PCS_STREAM_STDERR),
      in_(adopt(io_, fds.in)),
      pidfd_(adopt(io_, fds.pidfd)) {
  if (timeout_.count() > 0) deadline_ = started_ + timeout_;
  group_->set_waker([this] { asio::post(io_, [] {}); });
  cancel_registration_ = cancel_.on_cancel([g = group_] {
    g->terminate(kCancelGrace);
    g->wake();
  });
}

LocalProcess::~LocalProcess() {
  cancel_registration_.reset();
  group_->set_waker(nullptr);
  registry_->remove(group_.get());
  try {
    if (!group_->reap(false)) {  // still running: end it; the reaper collects it
      group_->terminate(kTimeoutGrace);
      adopt_orphan(group_, UniqueFd(pidfd_.release()));
    }
  } catch (...) {
    group_->terminate(std::chrono::milliseconds(0));
    group_->reap(true);
  }
}

std::string LocalProcess::what(const std::string& problem) const { return label_ + ": `" + display_ + "` " + problem; }

template <class Done>
LocalProcess::Pumped LocalProcess::pump(Done done, std::optional<Clock::time_point> until) {
  for (;;) {
    if (cancel_.cancelled()) {
      group_->terminate(kCancelGrace);
      return Pumped::cancelled;
    }
    if (done()) return Pumped::done;
    auto now = Clock::now();
    if (deadline_ && !timed_out_ && !exited_at_ && now >= *deadline_) {
      timed_out_ = true;
      group_->terminate(kTimeoutGrace);
      return Pumped::command_timeout;
    }
    bool drained = out_.eof && err_.eof && !in_.is_open();
    if (exited_at_ && !drained && now >= *exited_at_ + kDrainAfterExit) {
      // A background child still holds the pipes: the command's output is complete.
      end_stream(out_);
      end_stream(err_);
      error_code ec;
      in_.close(ec);
      continue;
    }
    if (until && now >= *until) {  // out of time: still take in what is ready right now
      for (int round = 0; round < 64 && !done(); ++round) {
        arm();
        if (io_.poll() == 0) break;
      }
      return done() ? Pumped::done : Pumped::call_timeout;
    }
    arm();
    std::optional<Clock::time_point> next = until;
    auto sooner = [&](Clock::time_point t) {
      if (!next || t < *next) next = t;
    };
    if (deadline_ && !timed_out_ && !exited_at_) sooner(*deadline_);
    if (exited_at_ && !drained) sooner(*exited_at_ + kDrainAfterExit);
    if (next)
      io_.run_one_until(*next);
    else
      io_.run_one();
  }
}

void LocalProcess::arm() {
  for (Stream* s : {&out_, &err_}) {
    if (s->eof || s->pending) continue;
    s->pending = true;
    s->sd.async_read_some(asio::buffer(s->tmp), [this, s](const error_code& ec, std::size_t n) {
      s->pending = false;
      if (n > 0) on_data(*s, n);
      if (ec && ec != asio::error::operation_aborted) end_stream(*s);  // EOF or a read error
    });
  }
  if (!exited_at_ && !exit_wait_pending_) {
    exit_wait_pending_ = true;
    pidfd_.async_wait(asio::posix::descriptor_base::wait_read, [this](const error_code& ec) {
      exit_wait_pending_ = false;
      if (!ec) on_exit_signalled();
    });
  }
  if (wdata_ && !wpending_ && !werror_ && wdone_ < wsize_ && in_.is_open()) {
    wpending_ = true;
    in_.async_write_some(asio::buffer(wdata_ + wdone_, wsize_ - wdone_), [this](const error_code& ec, std::size_t n) {
      wpending_ = false;
      wdone_ += n;
      if (ec) werror_ = ec;
    });
  }
}

void LocalProcess::on_data(Stream& s, std::size_t n) {
  if (s.head > 0) {  // compact before growing
    s.base += s.head;
    s.buf.erase(0, s.head);
    s.head = 0;
  }
  s.buf.append(s.tmp.data(), n);
  s.arrivals.emplace_back(s.base + s.buf.size(), ++sequence_);
}

void LocalProcess::end_stream(Stream& s) {
  error_code ec;
  s.sd.close(ec);
  s.eof = true;
}

void LocalProcess::on_exit_signalled() {
  group_->reap(true);  // the pidfd is readable: the leader has exited, this does not block
  exited_at_ = Clock::now();
}

bool LocalProcess::has_event(const Stream& s, int mode) const {
  std::size_t n = s.avail();
  if (n == 0) return false;
  if (mode == PCS_READ_CHUNK || s.eof || n > kMaxLine) return true;
  return std::memchr(s.buf.data() + s.head, '\n', n) != nullptr;
}

std::uint64_t LocalProcess::oldest(const Stream& s) const {
  return s.arrivals.empty() ? std::numeric_limits<std::uint64_t>::max() : s.arrivals.front().second;
}

LocalProcess::Stream* LocalProcess::pick(int mode) {
  Stream* best = nullptr;
  for (Stream* s : {&out_, &err_})
    if (has_event(*s, mode) && (!best || oldest(*s) < oldest(*best))) best = s;
  return best;
}

std::string LocalProcess::take(Stream& s, int mode) {
  const char* p = s.buf.data() + s.head;
  std::size_t n = s.avail(), used;
  std::string data;
  if (mode == PCS_READ_CHUNK) {
    used = std::min(n, kMaxChunk);
    data.assign(p, used);
  } else if (auto nl = static_cast<const char*>(std::memchr(p, '\n', std::min(n, kMaxLine + 1)))) {
    data.assign(p, nl);
    used = data.size() + 1;
  } else {
    used = std::min(n, kMaxLine);
    data.assign(p, used);
  }
  s.head += used;
  while (!s.arrivals.empty() && s.arrivals.front().first <= s.base + s.head) s.arrivals.pop_front();
  if (s.avail() == 0) {
    s.base += s.buf.size();
    s.buf.clear();
    s.head = 0;
  }
  return data;
}

pcs_status LocalProcess::read(int mode, std::chrono::milliseconds timeout, OutputEvent& event) {
  if (mode != PCS_READ_CHUNK && mode != PCS_READ_LINE) return PCS_ERR_INVALID_ARGUMENT;
  try {
    std::optional<Clock::time_point> until;
    if (timeout.count() >= 0) until = Clock::now() + timeout;
    switch (pump([&] { return pick(mode) || (out_.ended() && err_.ended()); }, until)) {
      case Pumped::cancelled:
        return PCS_ERR_CANCELLED;
      case Pumped::call_timeout:
      case Pumped::command_timeout:
        return PCS_ERR_TIMEOUT;
      case Pumped::done:
        break;
    }
    Stream* s = pick(mode);
    if (!s) return PCS_END_OF_STREAM;
    event.stream = s->id;
    event.data = take(*s, mode);
    return PCS_OK;
  } catch (...) {
    return PCS_ERR_INTERNAL;
  }
}

pcs_status LocalProcess::write(const char* data, std::size_t size) {
  if (cancel_.cancelled()) return PCS_ERR_CANCELLED;
  if (!in_.is_open()) return PCS_ERR_IO;
  if (size == 0) return PCS_OK;
  try {
    SigpipeBlock no_sigpipe;
    wdata_ = data;
    wsize_ = size;
    wdone_ = 0;
    werror_ = {};
    auto r = pump([&] { return wdone_ == wsize_ || werror_ || (!wpending_ && !in_.is_open()); }, std::nullopt);
    wdata_ = nullptr;
    if (wpending_) {  // interrupted (cancel, timeout): the process is being ended anyway
      error_code ec;
      in_.close(ec);
    }
    if (r == Pumped::cancelled) return PCS_ERR_CANCELLED;
    if (r != Pumped::done) return PCS_ERR_TIMEOUT;
    return wdone_ == wsize_ ? PCS_OK : PCS_ERR_IO;
  } catch (...) {
    wdata_ = nullptr;
    error_code ec;
    in_.close(ec);
    return PCS_ERR_INTERNAL;
  }
}

void LocalProcess::close_stdin() {
  error_code ec;
  in_.close(ec);
}

pcs_status LocalProcess::wait(std::chrono::milliseconds timeout, ExecResult& result) {
  try {
    std::optional<Clock::time_point> until;
    if (timeout.count() >= 0) until = Clock::now() + timeout;
    auto finished = [&] { return exited_at_.has_value() && out_.eof && err_.eof; };
    auto r = pump(finished, until);
    if (r == Pumped::command_timeout)  // collect the group just told to end (SIGKILL follows the grace)
      r = pump(finished, Clock::now() + kTimeoutGrace + std::chrono::seconds(2));
    result.exit_code = -1;
    result.signal = 0;
    if (r == Pumped::call_timeout && !timed_out_) {  // still running: output stays for later
      result.status = PCS_ERR_TIMEOUT;
      result.error = what("still runs after waiting " + std::to_string(timeout.count()) + " ms");
      result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
      return result.status;
    }
    result.out = out_.take_all();
    result.err = err_.take_all();
    auto exit = group_->exit_info();
    if (exit.reaped && exit.known) {
      if (WIFEXITED(exit.status)) result.exit_code = WEXITSTATUS(exit.status);
      if (WIFSIGNALED(exit.status)) result.signal = WTERMSIG(exit.status);
    }
    result.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>((exit.reaped ? exit.at : Clock::now()) - started_);
    result.error.clear();
    if (r == Pumped::cancelled) {
      result.status = PCS_ERR_CANCELLED;
      result.error = what("was cancelled");
    } else if (timed_out_) {
      result.status = PCS_ERR_TIMEOUT;
      result.error =
          what("timed out after " + std::to_string(timeout_.count()) + " ms; its process group was terminated");
    } else if (exit.reaped && !exit.known) {
      result.status = PCS_ERR_IO;
      result.error = what("ended, but its exit status could not be collected");
    } else {
      result.status = PCS_OK;
    }
    return result.status;
  } catch (const std::exception& e) {
    result.status = PCS_ERR_INTERNAL;
    result.error = what(std::string("could not be waited for: ") + e.what());
    return result.status;
  }
}

void LocalProcess::terminate(std::chrono::milliseconds grace) { group_->terminate(grace); }

}  // namespace pcs::local
