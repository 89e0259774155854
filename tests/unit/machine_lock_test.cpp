// The machine lock against a second process (fork), a killed holder and
// hand-made lock states.
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "machine_lock.hpp"
#include "temp_dir.hpp"

using namespace pcs;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

LockRequest request(std::string session = "1a2b3c4d", SyncRole role = SyncRole::Source, std::string peer = "beta") {
  return LockRequest{"alpha", std::move(session), role, std::move(peer)};
}

// A child process that takes the lock as beta's target helper and holds it
// until killed.
pid_t spawn_holder(const std::filesystem::path& data_dir) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    char ok = 'n';
    try {
      auto r = MachineLock::try_acquire(data_dir, LockRequest{"alpha", "cafe0001", SyncRole::Target, "gamma"});
      if (std::holds_alternative<MachineLock>(r)) {
        ok = 'y';
        (void)!::write(fds[1], &ok, 1);
        for (;;) ::pause();
      }
    } catch (...) {
    }
    (void)!::write(fds[1], &ok, 1);
    ::_exit(1);
  }
  ::close(fds[1]);
  char ok = 0;
  REQUIRE(::read(fds[0], &ok, 1) == 1);
  ::close(fds[0]);
  REQUIRE(ok == 'y');
  return pid;
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

// A pid that no longer names a process: a reaped child's.
pid_t dead_pid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

}  // namespace

TEST_CASE("machine lock: acquire creates the file 0600 and records the holder") {
  TempDir dir;
  auto data = dir / "share/pc-switcher";
  auto r = MachineLock::try_acquire(data, request());
  REQUIRE(std::holds_alternative<MachineLock>(r));
  auto& lock = std::get<MachineLock>(r);
  CHECK(lock.path() == data / "sync.lock");
  CHECK_FALSE(lock.taken_over());
  struct stat st {};
  REQUIRE(::stat(lock.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto recorded = parse_lock_holder(slurp(lock.path()));
  REQUIRE(recorded);
  CHECK(recorded->host == "alpha");
  CHECK(recorded->session_id == "1a2b3c4d");
  CHECK(recorded->pid == ::getpid());
  CHECK(recorded->role == SyncRole::Source);
  CHECK(recorded->peer == "beta");
  CHECK(recorded->started.size() == 20);
  CHECK(recorded->started.back() == 'Z');
  CHECK(recorded->started == lock.holder().started);
}

TEST_CASE("machine lock: release clears the file, keeps it, and frees the lock") {
  TempDir dir;
  auto path = MachineLock::path_in(dir.path());
  {
    auto r = MachineLock::try_acquire(dir.path(), request());
    REQUIRE(std::holds_alternative<MachineLock>(r));
  }
  CHECK(std::filesystem::exists(path));
  CHECK(slurp(path).empty());
  auto again = MachineLock::try_acquire(dir.path(), request("feed0002"));
  REQUIRE(std::holds_alternative<MachineLock>(again));
  CHECK_FALSE(std::get<MachineLock>(again).taken_over());  // a clean release leaves nothing to report
  std::get<MachineLock>(again).release();
  std::get<MachineLock>(again).release();  // idempotent
  CHECK(slurp(path).empty());
}

TEST_CASE("machine lock: a second acquirer in the same process is busy") {
  TempDir dir;
  auto first = MachineLock::try_acquire(dir.path(), request());
  REQUIRE(std::holds_alternative<MachineLock>(first));
  auto second = MachineLock::try_acquire(dir.path(), request("0000beef"));
  REQUIRE(std::holds_alternative<LockBusy>(second));
  const auto& busy = std::get<LockBusy>(second);
  REQUIRE(busy.holder);
  CHECK(busy.holder->session_id == "1a2b3c4d");
  CHECK(busy.pid_alive);
  // The holder's record is untouched by the failed attempt.
  CHECK(parse_lock_holder(slurp(busy.path))->session_id == "1a2b3c4d");
}

TEST_CASE("machine lock: another process holds it, and its death frees it") {
  TempDir dir;
  pid_t holder = spawn_holder(dir.path());

  auto r = MachineLock::try_acquire(dir.path(), request());
  REQUIRE(std::holds_alternative<LockBusy>(r));
  const auto busy = std::get<LockBusy>(r);
  REQUIRE(busy.holder);
  CHECK(busy.holder->pid == holder);
  CHECK(busy.holder->role == SyncRole::Target);
  CHECK(busy.holder->peer == "gamma");
  CHECK(busy.pid_alive);
  const std::string msg = busy.message();
  CHECK_THAT(msg, Catch::Contains("This machine (alpha) is already in a sync"));
  CHECK_THAT(msg, Catch::Contains("target of session cafe0001 from gamma"));
  CHECK_THAT(msg, Catch::Contains("pid " + std::to_string(holder) + " since " + busy.holder->started));
  CHECK_THAT(msg, Catch::Contains("Wait for that sync to finish"));
  CHECK_THAT(msg, Catch::Contains("Do not delete"));

  // A crash (SIGKILL) leaves the record behind but not the lock.
  kill_and_reap(holder);
  REQUIRE(parse_lock_holder(slurp(busy.path)));
  auto taken = MachineLock::try_acquire(dir.path(), request());
  REQUIRE(std::holds_alternative<MachineLock>(taken));
  const auto& lock = std::get<MachineLock>(taken);
  REQUIRE(lock.taken_over());
  CHECK(lock.taken_over()->pid == holder);
  CHECK(lock.taken_over()->session_id == "cafe0001");
  auto now = parse_lock_holder(slurp(lock.path()));
  REQUIRE(now);
  CHECK(now->pid == ::getpid());
  CHECK(now->session_id == "1a2b3c4d");
  CHECK(now->role == SyncRole::Source);
}

TEST_CASE("machine lock: a stale file with unreadable content is taken over") {
  TempDir dir;
  std::ofstream(MachineLock::path_in(dir.path())) << "source:alpha:deadbeef:pid=12";  // the reference's format
  auto r = MachineLock::try_acquire(dir.path(), request());
  REQUIRE(std::holds_alternative<MachineLock>(r));
  CHECK_FALSE(std::get<MachineLock>(r).taken_over());
  CHECK(parse_lock_holder(slurp(std::get<MachineLock>(r).path()))->session_id == "1a2b3c4d");
}

TEST_CASE("machine lock: held, but the recorded pid is gone") {
  TempDir dir;
  auto path = MachineLock::path_in(dir.path());
  pid_t gone = dead_pid();
  LockHolder h{"alpha", "abad1dea", gone, SyncRole::Source, "beta", "2025-01-31T12:00:00Z"};
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);  // e.g. a leftover child that inherited it
  std::string text = lock_holder_to_json(h);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));

  auto r = MachineLock::try_acquire(dir.path(), request());
  ::close(fd);
  REQUIRE(std::holds_alternative<LockBusy>(r));
  const auto& busy = std::get<LockBusy>(r);
  CHECK_FALSE(busy.pid_alive);
  const std::string msg = busy.message();
  CHECK_THAT(msg, Catch::Contains("source of session abad1dea to beta"));
  CHECK_THAT(msg, Catch::Contains("since 2025-01-31T12:00:00Z"));
  CHECK_THAT(msg, Catch::Contains("Process " + std::to_string(gone) + " is gone"));
  CHECK_THAT(msg, Catch::Contains("pgrep -af pc-switcher"));
  CHECK_THAT(msg, Catch::Contains(path.string()));
}

TEST_CASE("machine lock: held by a process that has not recorded itself") {
  TempDir dir;
  auto path = MachineLock::path_in(dir.path());
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  auto r = MachineLock::try_acquire(dir.path(), request());
  ::close(fd);
  REQUIRE(std::holds_alternative<LockBusy>(r));
  const auto& busy = std::get<LockBusy>(r);
  CHECK_FALSE(busy.holder);
  CHECK_FALSE(busy.pid_alive);
  CHECK_THAT(busy.message(), Catch::Contains("has not recorded itself"));
  CHECK_THAT(busy.message(), Catch::Contains("fuser -v " + path.string()));
}

TEST_CASE("machine lock: moving keeps one owner") {
  TempDir dir;
  auto r = MachineLock::try_acquire(dir.path(), request());
  REQUIRE(std::holds_alternative<MachineLock>(r));
  MachineLock moved = std::move(std::get<MachineLock>(r));
  std::get<MachineLock>(r).release();  // the moved-from lock owns nothing
  CHECK(std::holds_alternative<LockBusy>(MachineLock::try_acquire(dir.path(), request("2"))));

  TempDir other;
  auto r2 = MachineLock::try_acquire(other.path(), request("3"));
  REQUIRE(std::holds_alternative<MachineLock>(r2));
  moved = std::move(std::get<MachineLock>(r2));  // releases the first lock
  CHECK(std::holds_alternative<MachineLock>(MachineLock::try_acquire(dir.path(), request("4"))));
  CHECK(std::holds_alternative<LockBusy>(MachineLock::try_acquire(other.path(), request("5"))));
}

TEST_CASE("machine lock: holder JSON round-trip and rejects") {
  LockHolder h{"alpha", "1a2b3c4d", 4242, SyncRole::Target, "beta", "2025-01-31T12:00:00Z"};
  auto back = parse_lock_holder(lock_holder_to_json(h));
  REQUIRE(back);
  CHECK(back->host == "alpha");
  CHECK(back->pid == 4242);
  CHECK(back->role == SyncRole::Target);
  CHECK(back->peer == "beta");
  CHECK(back->started == h.started);
  CHECK_FALSE(parse_lock_holder(""));
  CHECK_FALSE(parse_lock_holder("{\"host\": \"alpha\""));
  CHECK_FALSE(parse_lock_holder(R"({"host":"a","session_id":"s","pid":1,"role":"both","peer":"b","started":"t"})"));
  CHECK_FALSE(parse_lock_holder(R"({"host":"a","session_id":"s","pid":"1","role":"source","peer":"b","started":"t"})"));
  CHECK_FALSE(parse_lock_holder(R"({"host":"a","session_id":"s","pid":1,"role":"source","started":"t"})"));
}

TEST_CASE("machine lock: an unusable data dir is an error naming the path") {
  TempDir dir;
  std::ofstream(dir / "file") << "x";
  CHECK_THROWS_WITH(MachineLock::try_acquire(dir / "file/sub", request()),
                    Catch::Contains((dir / "file/sub/sync.lock").string()));
}
