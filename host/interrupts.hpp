// Ctrl+C and SIGTERM for `pc-switcher sync`: the first one asks for an orderly
// stop, the second ends the process at once with exit code 130.
//
// Construct it before any other thread exists: it blocks SIGINT and SIGTERM in
// the calling thread (every thread started later inherits the mask) and waits
// for them on a thread of its own, so no job thread is ever interrupted by a
// signal and no async-signal-safety rules constrain the first handler.
#pragma once

#include <functional>
#include <signal.h>
#include <thread>

namespace pcs::cli {

// Where the watcher's own messages go: stderr (2) unless set (pc-switcher
// sync points it at a copy of stderr while plugins' output is caught).
void set_interrupt_message_fd(int fd);

class InterruptWatcher {
 public:
  // `on_first` runs on the watcher's thread.
  explicit InterruptWatcher(std::function<void()> on_first);
  ~InterruptWatcher();  // stops watching and restores the signal mask
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

 private:
  sigset_t old_mask_{};
  std::thread thread_;
};

}  // namespace pcs::cli
