// The remote executor against a real OpenSSH sshd: the sandbox machine
// `desktop` (tests/sandbox), reached as its test user over one connection.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <fstream>
#include <thread>

#include "remote_executor.hpp"
#include "sandbox_env.hpp"
#include "shell_quote.hpp"
#include "../unit/temp_dir.hpp"

using namespace std::chrono_literals;
using pcs::CommandSpec;
using pcs::ExecResult;

namespace {

std::shared_ptr<pcs::SshConnection> connect_desktop() {
  auto r = pcs::ssh_connect(SandboxEnv::get().ssh("desktop"));
  INFO(r.error);
  REQUIRE(r.session);
  return std::make_shared<pcs::SshConnection>(std::move(r.session), "target (desktop)", 1s, 3);
}

// One connection for the tests that do not break it.
pcs::RemoteExecutor& desktop() {
  static pcs::RemoteExecutor executor(connect_desktop());
  return executor;
}

constexpr auto argv = &CommandSpec::argv_form;
constexpr auto shell = &CommandSpec::shell_form;

// How many processes of the test user on desktop have `marker` in their command line.
int remote_count(const std::string& marker) {
  auto r = desktop().run(shell("pgrep -u \"$(id -u)\" -f -- " + pcs::shell_quote(marker) + " | wc -l"), {});
  REQUIRE(r.success());
  // pgrep's own `sh -c` line contains the marker too.
  return std::stoi(r.out) - 1;
}

}  // namespace

TEST_CASE("run: output, exit codes and stderr without the process-group marker") {
  auto r = desktop().run(shell("echo out; echo err >&2; exit 3"), {});
  CHECK(r.status == PCS_OK);
  CHECK(r.exit_code == 3);
  CHECK(r.out == "out\n");
  CHECK(r.err == "err\n");
  CHECK_FALSE(r.success());
  auto host = desktop().run(argv({"hostname"}), {});
  CHECK(host.out == "desktop\n");
}

TEST_CASE("argv arrives byte-exact: quotes, spaces, newlines, $(...), globs, non-UTF-8") {
  std::vector<std::string> nasty = {"a b", "it's",         "\"dq\"",    "$(touch /tmp/pwned)",         "`id`", "*",
                                    "-rf", "line1\nline2", "tab\there", std::string("\xff\xfe bytes"), "",     "$HOME",
                                    ";|&"};
  std::vector<std::string> cmd{"printf", "%s\\0"};
  cmd.insert(cmd.end(), nasty.begin(), nasty.end());
  auto r = desktop().run(argv(cmd), {});
  REQUIRE(r.success());
  std::string expected;
  for (const auto& a : nasty) expected += a + std::string(1, '\0');
  CHECK(r.out == expected);
  CHECK(desktop().run(argv({"test", "-e", "/tmp/pwned"}), {}).exit_code == 1);
}

TEST_CASE("stdin, env, cwd, sudo, large output") {
  auto c = argv({"cat"});
  c.stdin_data = std::string(300000, 'z') + "end";
  auto cat = desktop().run(c, {});
  CHECK(cat.out == c.stdin_data);

  auto e = argv({"sh", "-c", "echo \"$GREETING\""});
  e.env = {"GREETING=hi there"};
  CHECK(desktop().run(e, {}).out == "hi there\n");

  auto d = argv({"pwd"});
  d.cwd = "/tmp";
  CHECK(desktop().run(d, {}).out == "/tmp\n");
  d.cwd = "/does/not/exist";
  CHECK(desktop().run(d, {}).exit_code == 126);

  auto s = argv({"id", "-u"});
  s.sudo = true;
  CHECK(desktop().run(s, {}).out == "0\n");

  auto big = desktop().run(shell("head -c 20000000 /dev/zero"), {});
  CHECK(big.out.size() == 20000000);
}

TEST_CASE("command not found and killed by a signal are failures") {
  auto nf = desktop().run(argv({"no-such-command-pcs"}), {});
  CHECK(nf.status == PCS_OK);
  CHECK(nf.exit_code == 127);
  auto killed = desktop().run(shell("kill -9 $$"), {});
  CHECK(killed.status == PCS_OK);
  CHECK(killed.signal == 9);
  CHECK(killed.exit_code == -1);
  CHECK_FALSE(killed.success());
}

TEST_CASE("timeout kills the remote process group") {
  auto c = shell("sleep 30; echo pcs-timeout-marker-1");
  c.timeout = 500ms;
  auto t0 = std::chrono::steady_clock::now();
  auto r = desktop().run(c, {});
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(r.status == PCS_ERR_TIMEOUT);
  CHECK_THAT(r.error, Catch::Contains("target (desktop)") && Catch::Contains("timed out"));
  CHECK(took < 3s);
  std::this_thread::sleep_for(1500ms);
  CHECK(remote_count("pcs-timeout-marker-1") == 0);
}

TEST_CASE("cancellation mid-command: returns promptly, nothing left running") {
  pcs::CancelToken cancel;
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(400ms);
    cancelled_at = std::chrono::steady_clock::now();
    cancel.cancel();
  });
  // A child of a child: the whole group must go.
  auto r = desktop().run(shell("sh -c 'sleep 30; echo pcs-cancel-marker-2' & wait"), cancel);
  auto returned = std::chrono::steady_clock::now();
  canceller.join();
  CHECK(r.status == PCS_ERR_CANCELLED);
  CHECK(returned - cancelled_at < 1s);
  std::this_thread::sleep_for(1000ms);
  CHECK(remote_count("pcs-cancel-marker-2") == 0);
  // Once cancelled, a call returns at once.
  auto after = desktop().run(argv({"true"}), cancel);
  CHECK(after.status == PCS_ERR_CANCELLED);
}

TEST_CASE("16 commands at once on one connection (sshd allows 10 sessions)") {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 16; ++i)
    threads.emplace_back([&, i] {
      auto r = desktop().run(shell("sleep 0.5; echo " + std::to_string(i)), {});
      if (r.success() && r.out == std::to_string(i) + "\n") ++ok;
    });
  for (auto& t : threads) t.join();
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(ok == 16);
  CHECK(took < 4s);                                    // sequential would be 8 s
  CHECK(desktop().connection().channel_limit() >= 4);  // adapted to MaxSessions, not collapsed
}

TEST_CASE("bursts of 64 short commands on a new connection all succeed") {
  // sshd may still count sessions we have just closed: refused opens are retried.
  pcs::RemoteExecutor own(connect_desktop());
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    std::mutex mu;
    std::string first_error;
    for (int i = 0; i < 64; ++i)
      threads.emplace_back([&] {
        auto r = own.run(argv({"true"}), {});
        if (r.success()) ++ok;
        std::lock_guard lock(mu);
        if (!r.success() && first_error.empty()) first_error = r.error;
      });
    for (auto& t : threads) t.join();
    INFO(first_error);
    CHECK(ok == 64);
  }
}

TEST_CASE("a queued command that times out or is cancelled returns at once and harms no other") {
  pcs::RemoteExecutor own(connect_desktop());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 10; ++i)
    threads.emplace_back([&] {
      if (own.run(shell("sleep 1.5"), {}).success()) ++ok;
    });
  std::this_thread::sleep_for(300ms);  // the server's sessions are now taken
  auto queued = shell("echo never");
  queued.timeout = 100ms;
  auto t0 = std::chrono::steady_clock::now();
  auto r = own.run(queued, {});
  CHECK(r.status == PCS_ERR_TIMEOUT);
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  pcs::CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    cancel.cancel();
  });
  t0 = std::chrono::steady_clock::now();
  CHECK(own.run(shell("echo never"), cancel).status == PCS_ERR_CANCELLED);
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  canceller.join();
  for (auto& t : threads) t.join();
  CHECK(ok == 10);  // giving up queued channels never touches running ones
  CHECK(own.run(argv({"true"}), {}).success());
}

TEST_CASE("background process: lines from both streams, then the exit") {
  std::string error;
  auto p = desktop().start(shell("echo one; echo two >&2; sleep 0.2; printf three"), {}, error);
  REQUIRE(p);
  p->close_stdin();
  std::vector<std::pair<int, std::string>> lines;
  pcs::OutputEvent e;
  while (p->read(PCS_READ_LINE, 5s, e) == PCS_OK) lines.emplace_back(e.stream, e.data);
  CHECK(lines == std::vector<std::pair<int, std::string>>{
                     {PCS_STREAM_STDOUT, "one"}, {PCS_STREAM_STDERR, "two"}, {PCS_STREAM_STDOUT, "three"}});
  ExecResult r;
  CHECK(p->wait(5s, r) == PCS_OK);
  CHECK(r.exit_code == 0);
}

TEST_CASE("file transfer: send keeps content and mode, creates parents, get (SFTP) brings it back") {
  TempDir dir;
  auto local = dir / "payload.bin";
  std::string content;
  for (int i = 0; i < 700000; ++i) content += static_cast<char>(i * 7);
  std::ofstream(local, std::ios::binary) << content;
  ::chmod(local.c_str(), 0750);
  std::string error;
  const std::string remote = "/tmp/pcs-sftp-test/a/b/payload.bin";
  desktop().run(argv({"rm", "-rf", "/tmp/pcs-sftp-test"}), {});
  REQUIRE(desktop().send_file(local, remote, PCS_TRANSFER_MKDIRS | PCS_TRANSFER_KEEP_MODE, {}, error) == PCS_OK);
  auto st = desktop().run(argv({"stat", "-c", "%a %s", remote}), {});
  CHECK(st.out == "750 700000\n");
  auto left = desktop().run(shell("ls -a /tmp/pcs-sftp-test/a/b | grep -c pcs-tmp || true"), {});
  CHECK(left.out == "0\n");

  auto back = dir / "back.bin";
  REQUIRE(desktop().get_file(remote, back, PCS_TRANSFER_KEEP_MODE, {}, error) == PCS_OK);
  std::ifstream in(back, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), {});
  CHECK(got == content);
  struct stat sb {};
  ::stat(back.c_str(), &sb);
  CHECK((sb.st_mode & 07777) == 0750);
}

TEST_CASE("file transfer cancelled mid-way leaves no temporary file") {
  TempDir dir;
  auto local = dir / "big.bin";
  {
    std::ofstream out(local, std::ios::binary);
    std::string block(1 << 20, 'b');
    for (int i = 0; i < 200; ++i) out << block;
  }
  desktop().run(argv({"rm", "-rf", "/tmp/pcs-send-cancel"}), {});
  desktop().run(argv({"mkdir", "/tmp/pcs-send-cancel"}), {});
  pcs::CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    cancel.cancel();
  });
  std::string error;
  auto s = desktop().send_file(local, "/tmp/pcs-send-cancel/big.bin", 0, cancel, error);
  canceller.join();
  CHECK(s == PCS_ERR_CANCELLED);
  std::this_thread::sleep_for(700ms);
  CHECK(desktop().run(argv({"ls", "-A", "/tmp/pcs-send-cancel"}), {}).out == "");
}

TEST_CASE("file transfer to an unwritable path fails clearly and leaves nothing") {
  TempDir dir;
  auto local = dir / "f";
  std::ofstream(local) << "x";
  std::string error;
  CHECK(desktop().send_file(local, "/root/forbidden/f", 0, {}, error) != PCS_OK);
  CHECK_THAT(error, Catch::Contains("target (desktop)") && Catch::Contains("/root/forbidden"));
  error.clear();
  CHECK(desktop().send_file(dir / "missing", "/tmp/x", 0, {}, error) == PCS_ERR_IO);
  CHECK_THAT(error, Catch::Contains("cannot read"));
  error.clear();
  CHECK(desktop().get_file("/no/such/file", dir / "g", 0, {}, error) != PCS_OK);
  CHECK_FALSE(std::filesystem::exists(dir / "g"));
}

TEST_CASE("connection errors each say what to check") {
  const auto& env = SandboxEnv::get();
  auto o = env.ssh("desktop");

  auto refused = o;
  refused.port = 2;
  auto r1 = pcs::ssh_connect(refused);
  CHECK(r1.failure == pcs::SshFailure::ConnectionRefused);
  CHECK_THAT(r1.error, Catch::Contains("refused") && Catch::Contains("port 2"));

  auto unresolved = o;
  unresolved.destination = "pcsuser@no-such-host.invalid";
  auto r2 = pcs::ssh_connect(unresolved);
  CHECK(r2.failure == pcs::SshFailure::NameNotResolved);
  CHECK_THAT(r2.error, Catch::Contains("no-such-host.invalid"));

  TempDir dir;
  auto empty_known = o;
  empty_known.known_hosts_file = (dir / "known_hosts").string();
  std::ofstream(empty_known.known_hosts_file) << "";
  auto r3 = pcs::ssh_connect(empty_known);
  CHECK(r3.failure == pcs::SshFailure::UnknownHostKey);
  CHECK_THAT(r3.error, Catch::Contains("SHA256:") && Catch::Contains("--accept-new-host-key"));

  empty_known.accept_new_host_key = true;
  auto r4 = pcs::ssh_connect(empty_known);
  CHECK(r4.failure == pcs::SshFailure::None);
  std::ifstream kh(empty_known.known_hosts_file);
  std::string line;
  std::getline(kh, line);
  CHECK_THAT(line, Catch::Contains("ssh-ed25519"));

  // desktop's address with laptop's key: a changed key, refused even with accept-new.
  auto changed = o;
  changed.known_hosts_file = (dir / "changed").string();
  changed.accept_new_host_key = true;
  {
    std::ifstream real(env["PCS_SANDBOX_KNOWN_HOSTS"]);
    std::ofstream fake(changed.known_hosts_file);
    for (std::string l; std::getline(real, l);)
      if (l.rfind("laptop", 0) == 0) fake << env.address("desktop") << l.substr(l.find(' ')) << "\n";
  }
  auto r5 = pcs::ssh_connect(changed);
  CHECK(r5.failure == pcs::SshFailure::ChangedHostKey);
  CHECK_THAT(r5.error, Catch::Contains("CHANGED") && Catch::Contains("ssh-keygen -R"));

  auto wrong_key = o;
  wrong_key.identity_file = (dir / "other_key").string();
  REQUIRE(std::system(("ssh-keygen -q -t ed25519 -N '' -f " + wrong_key.identity_file).c_str()) == 0);
  auto r6 = pcs::ssh_connect(wrong_key);
  CHECK(r6.failure == pcs::SshFailure::AuthFailed);
  CHECK_THAT(r6.error, Catch::Contains("authentication as pcsuser@") && Catch::Contains("authorized_keys"));
}

TEST_CASE("a server that never answers: a timeout that says what to check") {
  // A socket that listens but never accepts: TCP connects, no SSH banner comes.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto o = SandboxEnv::get().ssh("desktop");
  o.destination = "pcsuser@127.0.0.1";
  o.port = ntohs(addr.sin_port);
  o.connect_timeout = 2s;
  auto t0 = std::chrono::steady_clock::now();
  auto r = pcs::ssh_connect(o);
  ::close(fd);
  CHECK(r.failure == pcs::SshFailure::Timeout);
  CHECK_THAT(r.error, Catch::Contains("no answer from pcsuser@127.0.0.1") && Catch::Contains("reachable"));
  CHECK(std::chrono::steady_clock::now() - t0 < 6s);
}

TEST_CASE("a peer that stops answering is detected by the keepalive") {
  // laptop's sshd sessions are frozen (SIGSTOP): the TCP connection stays up,
  // nothing answers. Done through the sandbox script, not over SSH.
  auto r = pcs::ssh_connect(SandboxEnv::get().ssh("laptop"));
  REQUIRE(r.session);
  pcs::RemoteExecutor laptop(std::make_shared<pcs::SshConnection>(std::move(r.session), "target (laptop)", 1s, 3));
  REQUIRE(laptop.run(argv({"true"}), {}).success());
  const std::string script = PCS_SANDBOX_SCRIPT;
  std::thread freezer([&] {
    std::this_thread::sleep_for(500ms);
    std::system((script + " exec --root laptop pkill -STOP -u pcsuser -x sshd").c_str());
  });
  auto t0 = std::chrono::steady_clock::now();
  auto result = laptop.run(shell("sleep 30"), {});
  auto took = std::chrono::steady_clock::now() - t0;
  freezer.join();
  std::system((script + " exec --root laptop pkill -KILL -u pcsuser -x sshd").c_str());
  std::system((script + " exec --root laptop pkill -CONT -u pcsuser").c_str());
  CHECK(result.status == PCS_ERR_REMOTE);
  CHECK_THAT(result.error, Catch::Contains("target (laptop)") && Catch::Contains("no answer"));
  CHECK(took < 8s);
}

TEST_CASE("a dropped connection fails the call in flight, naming the host") {
  pcs::RemoteExecutor own(connect_desktop());
  std::thread killer([] {
    std::this_thread::sleep_for(500ms);
    // End every sshd session process of the test user: the connection drops.
    auto kill = argv({"pkill", "-KILL", "-u", "pcsuser", "-x", "sshd"});
    kill.sudo = true;
    desktop().run(kill, {});
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = own.run(shell("sleep 20"), {});
  killer.join();
  CHECK(r.status == PCS_ERR_REMOTE);
  CHECK_THAT(r.error, Catch::Contains("target (desktop)"));
  CHECK(std::chrono::steady_clock::now() - t0 < 8s);
  auto next = own.run(argv({"true"}), {});
  CHECK(next.status != PCS_OK);
}
