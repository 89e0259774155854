// What plugins write to this process's stdout and stderr, caught.
//
// Plugins run inside pc-switcher and share its descriptors 1 and 2: a byte a
// plugin writes there would land in the middle of the live view (or of the
// plain lines), as it is — escape sequences, invalid UTF-8 and all. While a
// StrayOutput exists, descriptors 1 and 2 are pipes: a thread reads them and
// hands each line (at most kMaxLine bytes) to `on_line`, and the host's own
// output goes to copies of the original descriptors (out(), err_fd()).
#pragma once

#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <functional>
#include <string>
#include <thread>

namespace pcs {

class StrayOutput {
 public:
  static constexpr std::size_t kMaxLine = 4096;
  // Lines handed over in all; beyond that they are counted (dropped()).
  static constexpr std::size_t kMaxLines = 10000;
  // `stream`: 1 for stdout, 2 for stderr. Called on the reader thread.
  using OnLine = std::function<void(int stream, const std::string& line)>;

  // Does nothing (active() false) when the pipes cannot be made.
  explicit StrayOutput(OnLine on_line);
  ~StrayOutput();  // stop()
  StrayOutput(const StrayOutput&) = delete;
  StrayOutput& operator=(const StrayOutput&) = delete;

  bool active() const { return out_ != nullptr; }
  // The original stdout (a stream of its own), or stdout when not active.
  std::FILE* out() const { return out_ ? out_ : stdout; }
  // The original stderr's descriptor (a copy), or 2 when not active.
  int err_fd() const { return err_fd_ >= 0 ? err_fd_ : 2; }
  // Lines not handed over (beyond kMaxLines).
  std::size_t dropped() const { return dropped_.load(); }

  // Hands over everything written so far, a last line without its newline
  // too, before it returns: output is attributed to the job that wrote it
  // when this is called as that job's call ends. Thread-safe.
  void drain();

  // Puts descriptors 1 and 2 back, hands over what is left in the pipes (a
  // last line without its newline too) and ends the reader. Idempotent.
  void stop();

 private:
  void read_loop();

  OnLine on_line_;
  std::FILE* out_ = nullptr;
  int err_fd_ = -1;
  int read_fds_[2] = {-1, -1};  // the pipes' read ends: stdout, stderr
  int wake_[2] = {-1, -1};      // a pipe that tells the reader to finish
  std::atomic<bool> stopping_{false};
  std::mutex drain_mu_;
  std::condition_variable drained_;
  std::uint64_t drain_asked_ = 0, drain_done_ = 0;  // under drain_mu_
  std::atomic<std::size_t> lines_{0};
  std::atomic<std::size_t> dropped_{0};
  std::thread reader_;
};

}  // namespace pcs
