// LocalExecutor against real processes (sh, printf, cat, head, seq, sleep).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "local_executor.hpp"
#include "process_probe.hpp"
#include "temp_dir.hpp"

using pcs::CommandSpec;

namespace {

const std::string kLabel = "source (testbox)";

constexpr auto argv_cmd = &CommandSpec::argv_form;
constexpr auto shell_cmd = &CommandSpec::shell_form;

pid_t first_number(const std::string& text) { return static_cast<pid_t>(std::atol(text.c_str())); }

}  // namespace

TEST_CASE("argv arrives byte-exact, without any shell") {
  pcs::LocalExecutor ex(kLabel);
  std::vector<std::string> args = {
      "a b", "it's \"quoted\"", "line1\nline2", "$(touch /tmp/pcs-injected)", "\xff\xfe\x80 not utf-8", "", "*",
      "-n",  "back\\slash"};
  auto argv = args;
  argv.insert(argv.begin(), {"printf", "%s\\0"});
  auto r = ex.run(argv_cmd(argv), pcs::CancelToken());
  REQUIRE(r.success());
  std::string expected;
  for (const auto& a : args) expected += a + '\0';
  CHECK(r.out == expected);
  CHECK(r.err.empty());
  CHECK_FALSE(std::filesystem::exists("/tmp/pcs-injected"));
}

TEST_CASE("shell form, exit codes, duration") {
  pcs::LocalExecutor ex(kLabel);
  auto r = ex.run(shell_cmd("echo $((6*7)); echo oops >&2; exit 3"), pcs::CancelToken());
  CHECK((r.status == PCS_OK && r.out == "42\n" && r.err == "oops\n" && r.exit_code == 3));
  CHECK_FALSE(r.success());
  for (int code : {0, 1, 255}) CHECK(ex.run(shell_cmd("exit " + std::to_string(code)), {}).exit_code == code);
  CHECK(ex.run(argv_cmd({"false"}), {}).exit_code == 1);
  CHECK(ex.run(argv_cmd({"true"}), {}).success());
  auto slow = ex.run(argv_cmd({"sleep", "0.2"}), {});
  CHECK((slow.duration >= 200ms && slow.duration < 5s));
}

TEST_CASE("env entries and cwd") {
  pcs::LocalExecutor ex(kLabel);
  TempDir dir;
  auto c = argv_cmd({"sh", "-c", "printf '%s|%s|%s|' \"$PCS_T1\" \"$PCS_T2\" \"${PATH:+inherited}\"; pwd -P"});
  c.env = {"PCS_T1=hello world", "PCS_T2=a=b", "PCS_T1=overridden"};
  c.cwd = dir.path().string();
  auto r = ex.run(c, {});
  REQUIRE(r.success());
  CHECK(r.out == "overridden|a=b|inherited|" + std::filesystem::canonical(dir.path()).string() + "\n");

  auto home = ex.run(argv_cmd({"pwd", "-P"}), {});  // empty cwd: the home directory
  CHECK(home.out == std::filesystem::canonical(std::getenv("HOME") ? std::getenv("HOME") : "/").string() + "\n");

  c.env = {"1BAD=x"};
  std::string error;
  CHECK(ex.start(c, {}, error) == nullptr);
  CHECK_THAT(error, Catch::Contains("1BAD=x") && Catch::Contains(kLabel));
}

TEST_CASE("stdin_data is fed through while output is read") {
  pcs::LocalExecutor ex(kLabel);
  auto c = argv_cmd({"cat"});
  for (int i = 0; i < 3 * 1024 * 1024; ++i) c.stdin_data += static_cast<char>((i * 31) % 251);  // with NULs
  auto r = ex.run(c, {});
  REQUIRE(r.success());
  CHECK(r.out.size() == c.stdin_data.size());
  CHECK((r.out == c.stdin_data));
}

TEST_CASE("large output on both streams arrives whole") {
  pcs::LocalExecutor ex(kLabel);
  auto r = ex.run(shell_cmd("seq 1 3000000; head -c 5000000 /dev/zero >&2; seq 1 10"), {});
  REQUIRE(r.success());
  std::string expected;
  for (int i = 1; i <= 3000000; ++i) expected += std::to_string(i) + '\n';
  for (int i = 1; i <= 10; ++i) expected += std::to_string(i) + '\n';
  CHECK(r.out.size() == expected.size());
  CHECK(r.out == expected);
  CHECK(r.err == std::string(5000000, '\0'));
}

TEST_CASE("a command that cannot run exits 127/126 with the reason, as a shell (and the target) would") {
  pcs::LocalExecutor ex(kLabel);
  auto r = ex.run(argv_cmd({"pcs-no-such-command-xyz", "arg"}), {});
  CHECK(r.status == PCS_OK);
  CHECK(r.exit_code == 127);
  CHECK(r.err == "pcs-no-such-command-xyz: command not found\n");
  CHECK_FALSE(r.success());

  TempDir dir;
  auto script = dir / "not-executable";
  std::ofstream(script) << "#!/bin/sh\necho hi\n";
  auto denied = ex.run(argv_cmd({script.string()}), {});
  CHECK(denied.exit_code == 126);
  CHECK_THAT(denied.err, Catch::Contains("Permission denied"));
  auto missing_path = ex.run(argv_cmd({(dir / "nope").string()}), {});
  CHECK(missing_path.exit_code == 127);
  CHECK_THAT(missing_path.err, Catch::Contains("No such file or directory"));

  std::filesystem::permissions(script, std::filesystem::perms::owner_all);  // now it runs
  CHECK(ex.run(argv_cmd({script.string()}), {}).out == "hi\n");
  std::ofstream(dir / "no-shebang") << "echo \"$0 $1\"\n";  // execvp runs these with /bin/sh
  std::filesystem::permissions(dir / "no-shebang", std::filesystem::perms::owner_all);
  auto path = "PATH=" + dir.path().string();
  auto no_shebang = argv_cmd({"no-shebang", "x"});
  no_shebang.env = {path};  // the PATH lookup uses the child's PATH
  CHECK(ex.run(no_shebang, {}).out == (dir / "no-shebang").string() + " x\n");

  auto c = argv_cmd({"true"});
  c.cwd = (dir / "missing").string();
  auto no_cwd = ex.run(c, {});
  CHECK(no_cwd.exit_code == 126);
  CHECK_THAT(no_cwd.err, Catch::Contains(c.cwd));
  // start() gives a process too, which ends the same way.
  std::string error;
  auto p = ex.start(argv_cmd({"pcs-no-such-command-xyz"}), {}, error);
  REQUIRE(p);
  pcs::ExecResult waited;
  p->close_stdin();
  p->wait(std::chrono::milliseconds(-1), waited);
  CHECK(waited.exit_code == 127);
  // The shell form is the shell's business: it reports 127 itself.
  CHECK(ex.run(shell_cmd("pcs-no-such-command-xyz"), {}).exit_code == 127);
}

TEST_CASE("a command killed by a signal is a failure") {
  pcs::LocalExecutor ex(kLabel);
  auto r = ex.run(shell_cmd("echo before; kill -9 $$; echo after"), {});
  CHECK((r.status == PCS_OK && r.signal == 9 && r.exit_code == -1 && r.out == "before\n"));
  CHECK_FALSE(r.success());
}

TEST_CASE("the child has its own process group, default signals and no inherited fds") {
  pcs::LocalExecutor ex(kLabel);
  int leaked = ::open("/dev/null", O_RDONLY);  // deliberately not CLOEXEC
  auto old = ::signal(SIGPIPE, SIG_IGN);
  auto r = ex.run(shell_cmd("echo $$; cut -d' ' -f5 /proc/$$/stat; grep SigIgn /proc/$$/status; ls /proc/$$/fd"), {});
  ::signal(SIGPIPE, old);
  ::close(leaked);
  REQUIRE(r.success());
  std::istringstream lines(r.out);
  std::string pid, pgrp, sigign, fd, fds;
  std::getline(lines, pid), std::getline(lines, pgrp), std::getline(lines, sigign);
  while (std::getline(lines, fd)) fds += fd + " ";
  CHECK(pid == pgrp);
  // Signals 1..31 (SIGPIPE above all) at their defaults; glibc's posix_spawn
  // leaves its two internal signals (32, 33) ignored, which nothing else uses.
  REQUIRE(sigign.starts_with("SigIgn:\t"));
  CHECK((std::stoull(sigign.substr(8), nullptr, 16) & 0x7fffffffULL) == 0);
  CHECK(fds == "0 1 2 ");
}

TEST_CASE("a timeout kills the whole process group, grandchildren included") {
  pcs::LocalExecutor ex(kLabel);
  TempDir dir;
  auto marker = dir / "marker";
  // The grandchild ignores SIGTERM: the SIGKILL that goes to the group when the
  // leader is collected ends it. (The SIGKILL after the grace: next test.)
  auto c = shell_cmd("echo $$; (trap '' TERM; sleep 3; touch '" + marker.string() + "') & sleep 30");
  c.timeout = 300ms;
  auto t0 = Clock::now();
  auto r = ex.run(c, {});
  CHECK((r.status == PCS_ERR_TIMEOUT && r.signal == SIGTERM && ms_since(t0) < 1000));
  CHECK_THAT(r.error, Catch::Contains(kLabel) && Catch::Contains("timed out") && Catch::Contains("sleep 30"));
  pid_t pgid = first_number(r.out);
  REQUIRE(pgid > 1);
  CHECK(eventually([&] { return !live_in_group(pgid); }, 500ms));
  CHECK_FALSE(our_zombie(pgid));
  std::this_thread::sleep_until(t0 + 3500ms);
  CHECK_FALSE(std::filesystem::exists(marker));

  auto quick = argv_cmd({"sh", "-c", "echo done"});
  quick.timeout = 5s;
  CHECK(ex.run(quick, {}).success());
}

TEST_CASE("cancellation from another thread ends the call and the group within a second") {
  pcs::LocalExecutor ex(kLabel);
  TempDir dir;
  auto pidfile = dir / "pid";
  auto c = shell_cmd("trap '' TERM; echo $$ > '" + pidfile.string() + "'; (sleep 30; :) & sleep 30");
  pcs::CancelToken cancel;
  Clock::time_point cancelled_at;
  std::thread canceller([&] {
    eventually(
        [&] {
          std::error_code ec;
          return std::filesystem::file_size(pidfile, ec) > 1 && !ec;
        },
        5s);
    cancelled_at = Clock::now();
    cancel.cancel();
  });
  auto r = ex.run(c, cancel);
  auto returned = Clock::now();
  canceller.join();
  CHECK(r.status == PCS_ERR_CANCELLED);
  CHECK_THAT(r.error, Catch::Contains(kLabel));
  CHECK(returned - cancelled_at < 1s);
  std::ifstream in(pidfile);
  pid_t pgid = 0;
  in >> pgid;
  REQUIRE(pgid > 1);
  CHECK(eventually([&] { return !live_in_group(pgid) && !our_zombie(pgid); }, 1s));

  std::string error;  // a cancelled token starts nothing
  CHECK(ex.start(argv_cmd({"true"}), cancel, error) == nullptr);
  CHECK(ex.run(argv_cmd({"true"}), cancel).status == PCS_ERR_CANCELLED);
}

TEST_CASE("cancellation interrupts read and a blocked write") {
  pcs::LocalExecutor ex(kLabel);
  pcs::CancelToken cancel;
  std::string error;
  // Both ignore SIGTERM: the calls must return on the wake-up, not on the exit.
  auto reader = ex.start(shell_cmd("trap '' TERM; sleep 30"), cancel, error);
  auto writer = ex.start(shell_cmd("trap '' TERM; sleep 30"), cancel, error);  // never reads its stdin
  REQUIRE((reader && writer));
  Clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(300ms);
    cancelled_at = Clock::now();
    cancel.cancel();
  });
  pcs::OutputEvent ev;
  CHECK(reader->read(PCS_READ_LINE, -1ms, ev) == PCS_ERR_CANCELLED);
  canceller.join();
  CHECK(ms_since(cancelled_at) < 300);
  std::string big(4 << 20, 'x');
  auto t0 = Clock::now();
  CHECK(writer->write(big.data(), big.size()) == PCS_ERR_CANCELLED);
  CHECK(ms_since(t0) < 300);
  pcs::ExecResult result;
  CHECK(writer->wait(-1ms, result) == PCS_ERR_CANCELLED);
  CHECK(result.status == PCS_ERR_CANCELLED);
}

TEST_CASE("read by line and by chunk keeps the streams apart") {
  pcs::LocalExecutor ex(kLabel);
  std::string error;
  pcs::OutputEvent ev;
  SECTION("lines") {
    auto p = ex.start(shell_cmd("printf 'one\\n\\ntwo\\n'; sleep 0.2; printf 'err1\\n' >&2; sleep 0.2; printf three"),
                      {}, error);
    REQUIRE(p);
    std::vector<std::pair<int, std::string>> got;
    while (p->read(PCS_READ_LINE, 5000ms, ev) == PCS_OK) got.emplace_back(ev.stream, ev.data);
    const int out = PCS_STREAM_STDOUT, err = PCS_STREAM_STDERR;
    CHECK(got == decltype(got){{out, "one"}, {out, ""}, {out, "two"}, {err, "err1"}, {out, "three"}});
    CHECK(p->read(PCS_READ_LINE, 0ms, ev) == PCS_END_OF_STREAM);
    pcs::ExecResult r;
    CHECK((p->wait(-1ms, r) == PCS_OK && r.exit_code == 0 && r.out.empty()));
  }
  SECTION("lines longer than 1 MiB come in pieces") {
    auto p = ex.start(shell_cmd("head -c 2500000 /dev/zero | tr '\\0' x; echo; echo short"), {}, error);
    REQUIRE(p);
    std::vector<std::size_t> sizes;
    std::string last;
    while (p->read(PCS_READ_LINE, 5000ms, ev) == PCS_OK) sizes.push_back(ev.data.size()), last = ev.data;
    CHECK(sizes == std::vector<std::size_t>{1048576, 1048576, 402848, 5});
    CHECK(last == "short");
    // Without a newline nor an end: the first MiB comes anyway.
    auto q = ex.start(shell_cmd("head -c 1500000 /dev/zero | tr '\\0' x; sleep 30"), {}, error);
    REQUIRE(q);
    REQUIRE(q->read(PCS_READ_LINE, 5000ms, ev) == PCS_OK);
    CHECK(ev.data == std::string(1048576, 'x'));
    CHECK(q->read(PCS_READ_LINE, 200ms, ev) == PCS_ERR_TIMEOUT);
  }
  SECTION("chunks") {
    auto p = ex.start(shell_cmd("head -c 300000 /dev/zero; head -c 100000 /dev/zero | tr '\\0' e >&2"), {}, error);
    REQUIRE(p);
    std::string out, err;
    std::size_t biggest = 0;
    pcs_status s;
    while ((s = p->read(PCS_READ_CHUNK, 5000ms, ev)) == PCS_OK) {
      biggest = std::max(biggest, ev.data.size());
      (ev.stream == PCS_STREAM_STDOUT ? out : err) += ev.data;
    }
    CHECK(s == PCS_END_OF_STREAM);
    CHECK(out == std::string(300000, '\0'));
    CHECK(err == std::string(100000, 'e'));
    CHECK(biggest <= 65536);
    // Output taken in while write() blocked is handed out 64 KiB at a time too.
    auto cat = ex.start(argv_cmd({"cat"}), {}, error);
    REQUIRE(cat);
    std::string data(600000, 'y');
    REQUIRE(cat->write(data.data(), data.size()) == PCS_OK);
    cat->close_stdin();
    std::this_thread::sleep_for(100ms);
    out.clear(), biggest = 0;
    while (cat->read(PCS_READ_CHUNK, 5000ms, ev) == PCS_OK) biggest = std::max(biggest, ev.data.size()), out += ev.data;
    CHECK(out == data);
    CHECK(biggest == 65536);
  }
}

TEST_CASE("a read timeout leaves the process running") {
  pcs::LocalExecutor ex(kLabel);
  std::string error;
  auto p = ex.start(shell_cmd("sleep 0.7; echo late"), {}, error);
  REQUIRE(p);
  pcs::OutputEvent ev;
  auto t0 = Clock::now();
  CHECK(p->read(PCS_READ_LINE, 100ms, ev) == PCS_ERR_TIMEOUT);
  CHECK((ms_since(t0) >= 100 && ms_since(t0) < 600));
  REQUIRE(p->read(PCS_READ_LINE, -1ms, ev) == PCS_OK);
  CHECK(ev.data == "late");
  CHECK(p->read(PCS_READ_LINE, -1ms, ev) == PCS_END_OF_STREAM);
  pcs::ExecResult r;
  CHECK(p->wait(50ms, r) == PCS_OK);
  CHECK(r.success());

  auto ready = ex.start(shell_cmd("echo hi; echo there"), {}, error);  // a zero timeout still takes what is there
  REQUIRE(ready);
  std::this_thread::sleep_for(300ms);
  REQUIRE(ready->read(PCS_READ_LINE, 0ms, ev) == PCS_OK);
  CHECK(ev.data == "hi");
  CHECK(ready->wait(0ms, r) == PCS_OK);
  CHECK(r.out == "there\n");
}

TEST_CASE("writing to a process that exited or closed stdin is PCS_ERR_IO, not SIGPIPE") {
  pcs::LocalExecutor ex(kLabel);
  std::string error;
  std::string data(1 << 20, 'x');
  auto gone = ex.start(argv_cmd({"true"}), {}, error);
  REQUIRE(gone);
  pcs::ExecResult r;
  REQUIRE(gone->wait(-1ms, r) == PCS_OK);
  CHECK(gone->write(data.data(), data.size()) == PCS_ERR_IO);
  auto closer = ex.start(shell_cmd("exec 0<&-; sleep 5"), {}, error);
  REQUIRE(closer);
  std::this_thread::sleep_for(200ms);
  CHECK(closer->write(data.data(), data.size()) == PCS_ERR_IO);
  sigset_t pending;
  ::sigpending(&pending);
  CHECK_FALSE(sigismember(&pending, SIGPIPE));
  closer->close_stdin();
  CHECK(closer->write("x", 1) == PCS_ERR_IO);

  auto cat = ex.start(argv_cmd({"cat"}), {}, error);  // write, then read back
  REQUIRE(cat);
  REQUIRE(cat->write("hello\nworld", 11) == PCS_OK);
  cat->close_stdin();
  pcs::OutputEvent ev;
  REQUIRE(cat->read(PCS_READ_LINE, 5000ms, ev) == PCS_OK);
  CHECK(ev.data == "hello");
  REQUIRE(cat->wait(5000ms, r) == PCS_OK);
  CHECK(r.out == "world");
}

TEST_CASE("terminate, terminate_all and releasing a running process") {
  pcs::LocalExecutor ex(kLabel);
  std::string error;
  pcs::ExecResult r;
  auto one = ex.start(argv_cmd({"sleep", "30"}), {}, error);
  REQUIRE(one);
  one->terminate(0ms);
  CHECK(one->wait(5000ms, r) == PCS_OK);
  CHECK(r.signal == SIGKILL);

  auto polite = ex.start(argv_cmd({"sleep", "30"}), {}, error);
  auto stubborn = ex.start(shell_cmd("trap '' TERM; sleep 30"), {}, error);
  REQUIRE((polite && stubborn));
  std::this_thread::sleep_for(100ms);  // let the trap be set
  auto t0 = Clock::now();
  ex.terminate_all(300ms);
  CHECK(ms_since(t0) < 100);  // returns at once
  CHECK(polite->wait(5000ms, r) == PCS_OK);
  CHECK(r.signal == SIGTERM);
  CHECK(stubborn->wait(5000ms, r) == PCS_OK);
  CHECK(r.signal == SIGKILL);
  CHECK(ms_since(t0) < 1500);

  auto dropped = ex.start(shell_cmd("trap '' TERM; echo $$; sleep 30"), {}, error);
  REQUIRE(dropped);
  pcs::OutputEvent ev;
  REQUIRE(dropped->read(PCS_READ_LINE, 5000ms, ev) == PCS_OK);
  pid_t pgid = first_number(ev.data);
  dropped.reset();  // terminates the group (SIGKILL after 1 s); the reaper reaps it
  CHECK(eventually([&] { return !live_in_group(pgid) && !our_zombie(pgid); }, 2500ms));
  ex.terminate_all(0ms);  // nothing left to track
}

TEST_CASE("16 threads run commands on one executor at once") {
  pcs::LocalExecutor ex(kLabel);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto c = argv_cmd(
            {"sh", "-c", "printf %s \"$1\"; head -c 100000 /dev/zero >&2; cat", "sh", std::to_string(t * 100 + i)});
        c.stdin_data = std::string(50000, static_cast<char>('a' + t));
        auto r = ex.run(c, {});
        if (r.success() && r.out == std::to_string(t * 100 + i) + c.stdin_data && r.err.size() == 100000) ++good;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(good == 80);
}

TEST_CASE("sudo commands run as `sudo -n --`, with env through `env`") {
  auto c = argv_cmd({"id", "-u"});
  c.sudo = true;
  CHECK(pcs::local_command_argv(c) == std::vector<std::string>{"sudo", "-n", "--", "id", "-u"});
  CHECK(c.display() == "sudo id -u");
  auto s = shell_cmd("echo \"$PCS_SUDO_T\"");
  s.sudo = true;
  s.env = {"PCS_SUDO_T=x y"};
  CHECK(pcs::local_command_argv(s) ==
        std::vector<std::string>{"sudo", "-n", "--", "env", "PCS_SUDO_T=x y", "/bin/sh", "-c", s.shell});
  s.sudo = false;
  CHECK(pcs::local_command_argv(s) == std::vector<std::string>{"/bin/sh", "-c", s.shell});

  pcs::LocalExecutor ex(kLabel);
  if (::geteuid() != 0 || !ex.run(shell_cmd("command -v sudo"), {}).success()) {
    WARN("not root or no sudo here: sudo commands not run");
    return;
  }
  auto id = ex.run(c, {});
  CHECK(id.out == "0\n");
  s.sudo = true;
  auto env = ex.run(s, {});
  CHECK(env.out == "x y\n");
}
