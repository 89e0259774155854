// A process started by the LocalExecutor (internal to core; holds Asio types).
//
// Each process owns an io_context with its stdin/stdout/stderr pipes and its
// pidfd. The blocking calls run that io_context on the calling thread
// (run_one / run_one_until) until their condition holds or a deadline passes;
// a cancellation posts a no-op onto it to wake the thread. Output is always
// read while the thread waits, so a chatty process never blocks on a full pipe.
#pragma once

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "executor.hpp"
#include "process_group.hpp"

namespace pcs::local {

inline constexpr std::size_t kMaxLine = std::size_t{1} << 20;    // longer lines come in pieces
inline constexpr std::size_t kMaxChunk = std::size_t{64} << 10;  // PCS_READ_CHUNK
inline constexpr std::chrono::milliseconds kCancelGrace{500};    // SIGTERM -> SIGKILL on cancel
inline constexpr std::chrono::milliseconds kTimeoutGrace{1000};  // ... on a command timeout / release
// How long the pipes may stay open after the process exited (a background
// child holding them) before its output is considered complete.
inline constexpr std::chrono::milliseconds kDrainAfterExit{500};

struct ChildFds {
  UniqueFd in, out, err, pidfd;
};

class LocalProcess final : public MachineProcess {
 public:
  using Clock = std::chrono::steady_clock;
  LocalProcess(std::shared_ptr<ChildGroup> group, std::shared_ptr<GroupRegistry> registry, ChildFds fds,
               std::string label, std::string display, std::chrono::milliseconds timeout, CancelToken cancel,
               Clock::time_point started);
  ~LocalProcess() override;

  pcs_status read(int mode, std::chrono::milliseconds timeout, OutputEvent& event) override;
  pcs_status write(const char* data, std::size_t size) override;
  void close_stdin() override;
  pcs_status wait(std::chrono::milliseconds timeout, ExecResult& result) override;
  void terminate(std::chrono::milliseconds grace) override;

 private:
  struct Stream {
    Stream(boost::asio::io_context& io, UniqueFd fd, int id);
    boost::asio::posix::stream_descriptor sd;
    int id;
    std::string buf;
    std::size_t head = 0;                                          // buf[head..] is unread
    std::uint64_t base = 0;                                        // stream offset of buf[0]
    std::deque<std::pair<std::uint64_t, std::uint64_t>> arrivals;  // (end offset, sequence)
    bool eof = false;
    bool pending = false;
    std::array<char, kMaxChunk> tmp{};
    std::size_t avail() const { return buf.size() - head; }
    bool ended() const { return eof && avail() == 0; }
    std::string take_all();
  };
  enum class Pumped { done, cancelled, call_timeout, command_timeout };

  template <class Done>
  Pumped pump(Done done, std::optional<Clock::time_point> until);
  void arm();
  void on_data(Stream& s, std::size_t n);
  void end_stream(Stream& s);
  void on_exit_signalled();
  bool has_event(const Stream& s, int mode) const;
  Stream* pick(int mode);
  std::string take(Stream& s, int mode);
  std::uint64_t oldest(const Stream& s) const;
  std::string what(const std::string& problem) const;

  std::shared_ptr<ChildGroup> group_;
  std::shared_ptr<GroupRegistry> registry_;
  std::string label_, display_;
  std::chrono::milliseconds timeout_;
  CancelToken cancel_;
  Clock::time_point started_;
  std::optional<Clock::time_point> deadline_;  // of the command's timeout
  std::optional<Clock::time_point> exited_at_;
  bool timed_out_ = false;
  bool exit_wait_pending_ = false;
  std::uint64_t sequence_ = 0;
  // the write in progress
  const char* wdata_ = nullptr;
  std::size_t wsize_ = 0, wdone_ = 0;
  bool wpending_ = false;
  boost::system::error_code werror_;

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  Stream out_, err_;
  boost::asio::posix::stream_descriptor in_, pidfd_;
  CancelToken::Registration cancel_registration_;
};

}  // namespace pcs::local
