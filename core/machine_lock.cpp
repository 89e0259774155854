#include "machine_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace pcs {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what, int err) {
  throw std::runtime_error(fmt::format("machine lock {}: {}: {}", path.string(), what, std::strerror(err)));
}

// The whole content of `fd` (up to 64 KiB, which is far more than a holder).
std::string read_fd(int fd) {
  std::string text;
  char buf[4096];
  off_t offset = 0;
  while (text.size() < 65536) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    offset += n;
  }
  return text;
}

bool write_holder(int fd, const LockHolder& holder) {
  const std::string text = lock_holder_to_json(holder) + "\n";
  if (::ftruncate(fd, 0) != 0) return false;
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return ::fdatasync(fd) == 0;
}

// A running (not zombie) process on this machine.
bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'Z';
}

}  // namespace

std::string lock_holder_to_json(const LockHolder& h) {
  return json{{"host", h.host},
              {"session_id", h.session_id},
              {"pid", static_cast<long long>(h.pid)},
              {"role", std::string(to_string(h.role))},
              {"peer", h.peer},
              {"started", h.started}}
      .dump();
}

std::optional<LockHolder> parse_lock_holder(std::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return std::nullopt;
  auto str = [&](const char* key) -> std::optional<std::string> {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto host = str("host"), session = str("session_id"), role = str("role"), peer = str("peer"), since = str("started");
  auto pid = doc.find("pid");
  if (!host || !session || !role || !peer || !since || pid == doc.end() || !pid->is_number_integer())
    return std::nullopt;
  auto r = sync_role_from_string(*role);
  if (!r) return std::nullopt;
  return LockHolder{*host, *session, static_cast<pid_t>(pid->get<long long>()), *r, *peer, *since};
}

std::string LockBusy::message() const {
  const std::string p = path.string();
  const std::string keep = fmt::format("Do not delete {}: that does not release the lock.", p);
  if (!holder) {
    return fmt::format(
        "This machine is already in a sync: {0} is locked by a process that has not recorded itself yet (it may "
        "have just started). Wait for it to finish and try again, or find it with `fuser -v {0}`. {1}",
        p, keep);
  }
  const LockHolder& h = *holder;
  std::string who = fmt::format(
      "This machine ({}) is already in a sync: it is the {} of session {} {} {}, held by pc-switcher pid {} since {}.",
      h.host, to_string(h.role), h.session_id, h.role == SyncRole::Source ? "to" : "from", h.peer, h.pid, h.started);
  if (pid_alive) return fmt::format("{} Wait for that sync to finish, then try again. {}", who, keep);
  return fmt::format(
      "{0} Process {1} is gone, yet the lock is still held, so a process it started still runs: look for leftover "
      "pc-switcher processes (`pgrep -af pc-switcher`, `fuser -v {2}`), end them, then try again. {3}",
      who, h.pid, p, keep);
}

std::filesystem::path MachineLock::path_in(const std::filesystem::path& data_dir) { return data_dir / "sync.lock"; }

std::variant<MachineLock, LockBusy> MachineLock::try_acquire(const std::filesystem::path& data_dir,
                                                             const LockRequest& request) {
  const auto path = path_in(data_dir);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) fail(path, "cannot create " + data_dir.string(), ec.value());
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) fail(path, "cannot open", errno);

  int rc;
  while ((rc = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (rc != 0) {
    int err = errno;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      fail(path, "cannot lock", err);
    }
    LockBusy busy{path, std::nullopt, false};
    // The holder writes right after locking: give a fresh one a moment.
    for (int attempt = 0; attempt < 5 && !busy.holder; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      busy.holder = parse_lock_holder(read_fd(fd));
    }
    ::close(fd);
    busy.pid_alive = busy.holder && process_alive(busy.holder->pid);
    return busy;
  }

  std::optional<LockHolder> previous = parse_lock_holder(read_fd(fd));
  LockHolder holder{request.host, request.session_id, ::getpid(),
                    request.role, request.peer,       utc_iso8601(std::chrono::system_clock::now())};
  (void)::fchmod(fd, 0600);  // best effort for a file made by an older version
  if (!write_holder(fd, holder)) {
    int err = errno;
    ::close(fd);
    fail(path, "cannot record the holder", err);
  }
  return MachineLock(fd, path, std::move(holder), std::move(previous));
}

MachineLock::MachineLock(MachineLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      holder_(std::move(other.holder_)),
      taken_over_(std::move(other.taken_over_)) {}

MachineLock& MachineLock::operator=(MachineLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    holder_ = std::move(other.holder_);
    taken_over_ = std::move(other.taken_over_);
  }
  return *this;
}

void MachineLock::release() noexcept {
  if (fd_ < 0) return;
  // Clear before unlocking, so a next holder's record is never wiped.
  (void)::ftruncate(fd_, 0);
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace pcs
