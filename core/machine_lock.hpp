// The machine lock: a machine takes part in one sync at a time, as source or
// as target. It is a non-blocking exclusive flock on `<data_dir>/sync.lock`,
// taken by the source's pc-switcher and (over SSH) by the target's helper,
// with the holder recorded in the file as one JSON object:
//
//   {"host": "laptop", "session_id": "1a2b3c4d", "pid": 4242, "role": "source",
//    "peer": "desktop", "started": "2025-01-31T12:00:00Z"}
//
// `host` is the machine the lock file is on (the holder's pid is a pid there),
// `peer` the other machine of the session. The kernel drops the flock when the
// holder dies, so a file left behind by a crashed run is taken over at once;
// its content then only says which session ended without releasing.
// Release clears the content (the file stays: deleting it would let a second
// process lock a new file while the first still holds the old one).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <variant>

#include "sync_history.hpp"

namespace pcs {

struct LockHolder {
  std::string host;
  std::string session_id;
  pid_t pid = 0;
  SyncRole role = SyncRole::Source;
  std::string peer;
  std::string started;  // UTC ISO-8601
};

std::string lock_holder_to_json(const LockHolder& holder);
// Nothing for empty or unreadable content (e.g. a holder that has locked but
// not yet written, or a file from an unknown version).
std::optional<LockHolder> parse_lock_holder(std::string_view text);

// The lock is held by another process.
struct LockBusy {
  std::filesystem::path path;
  std::optional<LockHolder> holder;  // as read from the file
  // Whether holder->pid is a live process on this machine (false without a
  // holder). Held but not alive means a process that inherited the lock
  // (a leftover child) still runs.
  bool pid_alive = false;

  // Who holds it, since when, and how to proceed.
  std::string message() const;
};

// The session wanting the lock; the pid and start time are filled in.
struct LockRequest {
  std::string host;
  std::string session_id;
  SyncRole role = SyncRole::Source;
  std::string peer;
};

class MachineLock {
 public:
  // `<data_dir>/sync.lock`
  static std::filesystem::path path_in(const std::filesystem::path& data_dir);

  // Takes the lock without waiting. Creates data_dir (with parents) and the
  // file (0600) when missing. Throws std::runtime_error naming the path when
  // the file cannot be created, opened, locked or written.
  static std::variant<MachineLock, LockBusy> try_acquire(const std::filesystem::path& data_dir,
                                                         const LockRequest& request);

  MachineLock(MachineLock&& other) noexcept;
  MachineLock& operator=(MachineLock&& other) noexcept;
  MachineLock(const MachineLock&) = delete;
  MachineLock& operator=(const MachineLock&) = delete;
  ~MachineLock() { release(); }

  // Clears the file and unlocks; idempotent.
  void release() noexcept;

  const LockHolder& holder() const { return holder_; }
  const std::filesystem::path& path() const { return path_; }
  // What a previous holder left in the file when it ended without releasing
  // (it crashed or was killed), for a warning; nothing after a clean release.
  const std::optional<LockHolder>& taken_over() const { return taken_over_; }

 private:
  MachineLock(int fd, std::filesystem::path path, LockHolder holder, std::optional<LockHolder> taken_over)
      : fd_(fd), path_(std::move(path)), holder_(std::move(holder)), taken_over_(std::move(taken_over)) {}

  int fd_ = -1;
  std::filesystem::path path_;
  LockHolder holder_;
  std::optional<LockHolder> taken_over_;
};

}  // namespace pcs
