// `pc-switcher logs` run as a user runs it, with XDG_DATA_HOME in a temporary
// directory holding the session logs.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "run_process.hpp"
#include "session_log_support.hpp"

using namespace logtest;
namespace fs = std::filesystem;

namespace {

struct LogsCli {
  TempDir home;
  fs::path logs() const { return home / "data/pc-switcher/logs"; }
  std::vector<std::string> env() const {
    return {"HOME=" + home.path().string(), "XDG_DATA_HOME=" + (home / "data").string(), "NO_COLOR="};
  }
  ProcessOutput run(std::vector<std::string> args) const {
    args.insert(args.begin(), {PCS_HOST_BINARY, "logs"});
    return run_process(args, env());
  }
};

// `pc-switcher logs ARGS` started in the background, stdout and stderr to files.
class Background {
 public:
  Background(const LogsCli& cli, std::vector<std::string> args) {
    args.insert(args.begin(), {PCS_HOST_BINARY, "logs"});
    const auto env = cli.env();
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(out_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open((dir_ / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0), ::dup2(out, 1), ::dup2(err, 2);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0 && exit_code_ == -2) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  fs::path out_path() const { return dir_ / "out"; }
  std::string out() const { return slurp(out_path()); }
  std::string err() const { return slurp(dir_ / "err"); }
  // True once stdout holds `text` (false after `limit`).
  bool wait_for_output(const std::string& text, std::chrono::milliseconds limit = 10s) const {
    for (auto end = steady_clock::now() + limit; steady_clock::now() < end; std::this_thread::sleep_for(20ms))
      if (out().find(text) != std::string::npos) return true;
    return false;
  }
  // The exit code, or -2 when it is still running after `limit` (then killed).
  int wait(std::chrono::milliseconds limit = 10s) {
    for (auto end = steady_clock::now() + limit; steady_clock::now() < end; std::this_thread::sleep_for(20ms)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return -2;
  }
  void signal(int sig) const { ::kill(pid_, sig); }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int exit_code_ = -2;
};

}  // namespace

TEST_CASE("logs without any session says so and succeeds") {
  LogsCli cli;
  for (std::vector<std::string> args : {std::vector<std::string>{}, {"--last"}, {"--follow"}}) {
    auto r = cli.run(args);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("no sessions yet"));
  }
  CHECK(cli.run({"--json"}).out == "[]\n");
  CHECK_FALSE(fs::exists(cli.logs()));  // looking does not create the directory
  auto help = cli.run({"--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("Usage: pc-switcher logs") && Catch::Contains("--follow"));
}

TEST_CASE("logs lists sessions newest first") {
  LogsCli cli;
  write_finished_session(cli.logs(), "aaaa1111", kT0);
  write_finished_session(cli.logs(), "bbbb2222", kT0 + 1h, "failed", 1);
  write_session(cli.logs(), "cccc3333", kT0 + 2h, {start_line(kT0 + 2h, "cccc3333", "laptop2", true)});
  auto r = cli.run({});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("TIME") && Catch::Contains("SESSION") && Catch::Contains("STATUS"));
  const auto c = r.out.find("cccc3333"), b = r.out.find("bbbb2222"), a = r.out.find("aaaa1111");
  REQUIRE(a != std::string::npos);
  CHECK((c < b && b < a));
  CHECK_THAT(r.out, Catch::Contains("running (dry run)") && Catch::Contains("failed") && Catch::Contains("completed") &&
                        Catch::Contains("laptop2") &&
                        Catch::Contains(pcs::log_file_path(cli.logs(), "aaaa1111", kT0).string()));

  auto one = cli.run({"--limit", "1"});
  CHECK_THAT(one.out, Catch::Contains("cccc3333") && !Catch::Contains("bbbb2222") && Catch::Contains("not shown"));

  auto j = cli.run({"--json"});
  REQUIRE(j.exit_code == 0);
  auto doc = nlohmann::json::parse(j.out);
  REQUIRE(doc.size() == 3);
  CHECK(doc[0]["session_id"] == "cccc3333");
  CHECK(doc[0]["status"] == "running");
  CHECK(doc[0]["dry_run"] == true);
  CHECK(doc[1]["exit_code"] == 1);
  CHECK(doc[2]["time"] == "2026-11-29T10:15:30.123+00:00");
}

TEST_CASE("logs SESSION replays a session as text, filtered by level and job") {
  LogsCli cli;
  write_finished_session(cli.logs(), "aaaa1111", kT0);
  write_finished_session(cli.logs(), "bbbb2222", kT0 + 1h);

  auto r = cli.run({"aaaa"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("INFO session started session_id=aaaa1111") &&
                        Catch::Contains("INFO [packages] (target) installed nginx count=3") &&
                        Catch::Contains("WARNING [docker] (source) image skipped image=\"a b\"") &&
                        Catch::Contains("session finished status=completed exit_code=0"));
  CHECK_THAT(r.out, !Catch::Contains("apt says hello") && !Catch::Contains("\x1b["));

  CHECK_THAT(cli.run({"aaaa1111", "--level", "debug"}).out, Catch::Contains("DEBUG [packages] (target) apt says"));
  auto warn = cli.run({"aaaa1111", "--level", "Warning"});
  CHECK_THAT(warn.out, Catch::Contains("image skipped") && Catch::Contains("target disk almost full") &&
                           !Catch::Contains("installed nginx"));

  auto jobs = cli.run({"--last", "--job", "docker,host"});
  REQUIRE(jobs.exit_code == 0);
  CHECK_THAT(jobs.out, Catch::Contains("session_id=bbbb2222") && Catch::Contains("image skipped") &&
                           !Catch::Contains("installed nginx"));
  auto one_job = cli.run({"--last", "--job", "packages", "--job", "nope"});
  CHECK_THAT(one_job.out, Catch::Contains("installed nginx") && !Catch::Contains("session started"));

  auto json = cli.run({"--last", "--json", "--level", "WARNING"});
  REQUIRE(json.exit_code == 0);
  std::vector<std::string> lines;
  std::istringstream in(json.out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 2);
  CHECK(nlohmann::json::parse(lines[0])["message"] == "image skipped");
  CHECK(nlohmann::json::parse(lines[1])["level"] == "ERROR");
}

TEST_CASE("logs reports a malformed line with file:line and carries on") {
  LogsCli cli;
  const auto file = write_session(cli.logs(), "aaaa1111", kT0,
                                  {start_line(kT0, "aaaa1111", "desktop"), "{oops", finish_line(kT0, "completed", 0)});
  auto r = cli.run({"--last"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains(file.string() + ":2: not JSON") && Catch::Contains("line skipped"));
  CHECK_THAT(r.out, Catch::Contains("session started") && Catch::Contains("session finished"));
}

TEST_CASE("logs: unknown or ambiguous ids exit 1, usage mistakes exit 2") {
  LogsCli cli;
  write_finished_session(cli.logs(), "abcd1111", kT0);
  write_finished_session(cli.logs(), "abce2222", kT0 + 1h);
  auto unknown = cli.run({"ffff"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("no session 'ffff'") && Catch::Contains("run `pc-switcher logs`"));
  auto ambiguous = cli.run({"abc"});
  CHECK(ambiguous.exit_code == 1);
  CHECK_THAT(ambiguous.err, Catch::Contains("abcd1111") && Catch::Contains("abce2222"));

  auto level = cli.run({"--last", "--level", "LOUD"});
  CHECK(level.exit_code == 2);
  CHECK_THAT(level.err, Catch::Contains("'LOUD'") && Catch::Contains("DEBUG, FULL, INFO, WARNING, ERROR, CRITICAL"));
  for (std::vector<std::string> bad : {std::vector<std::string>{"--last", "abcd"},
                                       {"--level", "INFO"},
                                       {"--job", "x"},
                                       {"--last", "--limit", "3"},
                                       {"--limit", "-4"},
                                       {"--limit", "many"},
                                       {"abcd", "abce"},
                                       {"--bogus"}}) {
    auto r = cli.run(bad);
    INFO(bad[0] << " " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("pc-switcher --help"));
  }
}

TEST_CASE("logs --follow prints lines as they are appended and stops at the finish line") {
  LogsCli cli;
  write_finished_session(cli.logs(), "aaaa1111", kT0);
  const auto file = write_session(cli.logs(), "bbbb2222", kT0 + 1h, {start_line(kT0 + 1h, "bbbb2222", "desktop")});
  Background follow(cli, {"--follow"});
  REQUIRE(follow.wait_for_output("session_id=bbbb2222"));

  std::atomic<bool> seen_first{false};
  std::thread writer([&] {
    append(file, line(kT0 + 1h, PCS_LOG_INFO, "packages", "first appended") + "\n");
    // Only go on once it was printed: proves the lines come while the session runs.
    seen_first = follow.wait_for_output("first appended");
    const std::string split = line(kT0 + 1h, PCS_LOG_WARNING, "docker", "written in two parts");
    append(file, split.substr(0, 30));
    std::this_thread::sleep_for(500ms);
    append(file, split.substr(30) + "\n" + line(kT0 + 1h, PCS_LOG_DEBUG, "docker", "below the floor") + "\n");
    append(file, finish_line(kT0 + 2h, "completed", 0) + "\n");
  });
  const int code = follow.wait();
  writer.join();
  INFO(follow.err());
  CHECK(seen_first);
  CHECK(code == 0);
  const std::string out = follow.out();
  CHECK_THAT(out, Catch::Contains("[docker] written in two parts") && Catch::Contains("status=completed") &&
                      !Catch::Contains("below the floor") && !Catch::Contains("aaaa1111"));
  CHECK(follow.err().empty());

  // A finished session is replayed at once.
  Background done(cli, {"--follow", "aaaa"});
  CHECK(done.wait() == 0);
  CHECK_THAT(done.out(), Catch::Contains("session finished"));
}

TEST_CASE("logs --follow: Ctrl+C exits 130; a newer session ends the wait") {
  LogsCli cli;
  write_session(cli.logs(), "bbbb2222", kT0, {start_line(kT0, "bbbb2222", "desktop")});
  {
    Background follow(cli, {"--follow", "bbbb"});
    REQUIRE(follow.wait_for_output("session started"));
    follow.signal(SIGINT);
    CHECK(follow.wait() == 130);
  }
  Background follow(cli, {"--follow", "--json"});
  REQUIRE(follow.wait_for_output("bbbb2222"));
  // The followed session never wrote its last line and another one started:
  // it crashed, so following stops (within the ~5 s between checks).
  write_session(cli.logs(), "cccc3333", kT0 + 1h, {start_line(kT0 + 1h, "cccc3333", "desktop")});
  CHECK(follow.wait(15s) == 0);
  CHECK_THAT(follow.err(), Catch::Contains("stopped without a `session finished` line") && Catch::Contains("cccc3333"));
}
