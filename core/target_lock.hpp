// The target's machine lock, held for the session by a process on the target
// whose life is tied to the SSH connection.
//
// The remote process takes a non-blocking flock on the same file the source's
// MachineLock uses (`<data dir>/sync.lock`, so a machine is in one sync at a
// time whichever role it plays), records the holder in it and then waits for
// its stdin to close. The answer is the lock call's own result, reported on
// its first output line ("locked", or "busy" followed by the holder's record)
// — never a guess from timing. When the source releases, closes the
// connection or dies, the channel closes, the process ends and the kernel
// drops the lock.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "cancel_token.hpp"
#include "executor.hpp"
#include "machine_lock.hpp"

namespace pcs {

// The target is in another sync.
struct TargetLockBusy {
  std::string target;                // the target's hostname
  std::optional<LockHolder> holder;  // as recorded in its lock file
  std::string message() const;       // who holds it and how to proceed
};

class TargetLock {
 public:
  // Takes the lock on the machine `executor` reaches. `request.host` is the
  // target's hostname, `request.peer` the source's. Throws std::runtime_error
  // naming the target when the lock cannot be tried (no `flock` there, the
  // data directory cannot be created, the connection failed).
  static std::variant<TargetLock, TargetLockBusy> try_acquire(MachineExecutor& executor, const LockRequest& request,
                                                              const CancelToken& cancel);

  TargetLock(TargetLock&&) noexcept = default;
  TargetLock& operator=(TargetLock&&) noexcept = default;
  ~TargetLock() { release(); }

  // Clears the holder record and ends the remote process (waits at most
  // `grace`, then kills it; the kernel then drops the lock). Idempotent.
  void release(std::chrono::milliseconds grace = std::chrono::seconds(3)) noexcept;

  // What a previous holder left in the file when it ended without releasing.
  const std::optional<LockHolder>& taken_over() const { return taken_over_; }

 private:
  explicit TargetLock(std::unique_ptr<MachineProcess> process) : process_(std::move(process)) {}
  std::unique_ptr<MachineProcess> process_;
  std::optional<LockHolder> taken_over_;
};

// The script the target runs (exposed for tests): `holder_format` is the
// holder's JSON with `%d` where the pid goes, for printf.
std::string target_lock_script(const std::string& holder_format);

}  // namespace pcs
