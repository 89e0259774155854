#include "interrupts.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "session_report.hpp"

namespace pcs::cli {
namespace {

// SIGUSR1 only ends the watcher (sent to itself by the destructor).
sigset_t watched() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

std::atomic<int> message_fd{STDERR_FILENO};

void say(const char* text) {
  ssize_t ignored = ::write(message_fd.load(), text, std::strlen(text));
  static_cast<void>(ignored);
}

}  // namespace

void set_interrupt_message_fd(int fd) { message_fd.store(fd); }

InterruptWatcher::InterruptWatcher(std::function<void()> on_first) {
  const sigset_t set = watched();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  thread_ = std::thread([set, on_first = std::move(on_first)] {
    int count = 0;
    while (true) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGUSR1) return;
      if (++count == 1) {
        say("\npc-switcher: cleaning up — press Ctrl+C again to force\n");
        on_first();
      } else {
        // Show the cursor again (the live view hides it) and leave at once.
        say("\x1b[?25h\npc-switcher: forced exit\n");
        ::_exit(kExitInterrupted);
      }
    }
  });
}

InterruptWatcher::~InterruptWatcher() {
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

}  // namespace pcs::cli
