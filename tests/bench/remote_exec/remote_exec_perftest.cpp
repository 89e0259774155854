// remote_exec_perftest: pc-switcher's RemoteExecutor (one libssh connection,
// a channel per command) beside OpenSSH, against one sandbox machine, in one run.
//
//   remote_exec_perftest [--machine NAME] [--runs N] [--warmup N] [--cpu-runs N] [--concurrent N]
//                        [--sleep-ms MS] [--conc-rounds N] [--sftp-mib N] [--sftp-runs N]
//
// 1. Sequential `true`, interleaved in rounds (rotating order, warm-up rounds
//    dropped): RemoteExecutor::run(argv {"true"}) including its exit status;
//    `ssh host true` over a warm ControlMaster; fresh `ssh host true`. The
//    OpenSSH runs are spawned without a shell, stdout to /dev/null. Then, in a
//    block of its own, the CPU per command of each on both sides (from /proc).
// 2. SFTP: a file of random bytes sent with RemoteExecutor::send_file, with scp
//    over the warm ControlMaster and with scp on a fresh connection; one warm-up
//    each, then alternating runs. Every received file's size is checked, and
//    its SHA-256 once per method, so a broken transfer fails the run.
// 3. N commands issued at once from N threads vs the same N one after another,
//    for a command that waits (`sleep`: the goal) and for `true`, which only
//    costs CPU: at once it gains no more than the round trips during which the
//    cores idle one by one, so on 2 cores it says little about concurrency.
//
// Goals (reported, not enforced): median per command <= 0.7x OpenSSH with
// ControlMaster; N waiting commands at once >= 4x faster than one after
// another; SFTP throughput >= 0.9x scp over the warm ControlMaster. The exit
// status is 1 only if something failed to run, 2 for bad arguments.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.hpp"
#include "remote_executor.hpp"
#include "sandbox_env.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// CPU time (user + system, ms) of a process and everything it has started:
// the live processes of the tree rooted at `root` (utime + stime + the
// cutime + cstime of children they reaped). For a sandbox machine, whose sshd
// is the root of every session, this is all the CPU the target side spent.
double tree_cpu_ms(long root) {
  struct Entry {
    long pid, ppid;
    double ms;
  };
  static const double tick_ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::vector<Entry> all;
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/proc", ec)) {
    const std::string name = d.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(d.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    const auto close = line.rfind(')');  // the command name may hold spaces and parentheses
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    long ppid = 0;
    unsigned long long skip = 0, utime = 0, stime = 0;
    long long cutime = 0, cstime = 0;
    rest >> state >> ppid;
    for (int i = 0; i < 9; ++i) rest >> skip;  // pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    rest >> utime >> stime >> cutime >> cstime;
    if (!rest) continue;
    all.push_back({std::stol(name), ppid,
                   static_cast<double>(utime + stime + static_cast<unsigned long long>(cutime + cstime)) * tick_ms});
  }
  double total = 0;
  std::vector<long> todo{root};
  while (!todo.empty()) {
    const long pid = todo.back();
    todo.pop_back();
    for (const auto& e : all) {
      if (e.pid == pid) total += e.ms;
      if (e.ppid == pid && e.pid != pid) todo.push_back(e.pid);
    }
  }
  return total;
}

double rusage_ms(int who) {
  rusage u{};
  ::getrusage(who, &u);
  return (static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
          static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3);
}

// ---- spawning OpenSSH (no shell) ----

using Proc = bench::Timed;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

using bench::median;
using bench::percentile;

// Runs argv; stderr to `err_path` (shown if it fails).
Proc spawn(const std::vector<std::string>& argv, const std::string& err_path, bool capture = false) {
  return bench::run_timed(argv, nullptr, capture, err_path);
}

// ---- the remote executor ----

constexpr auto argv_command = &pcs::CommandSpec::argv_form;

// Runs a command that must succeed; false (with a message) otherwise.
bool must_run(pcs::RemoteExecutor& ex, const std::vector<std::string>& argv, std::string* out = nullptr) {
  auto r = ex.run(argv_command(argv), {});
  if (!r.success()) {
    std::fprintf(stderr, "remote_exec_perftest: `%s` on %s failed: status %d, exit %d, signal %d: %s%s\n",
                 bench::joined(argv).c_str(), ex.label().c_str(), static_cast<int>(r.status), r.exit_code, r.signal,
                 r.error.c_str(), r.err.c_str());
    return false;
  }
  if (out) *out = r.out;
  return true;
}

// N commands from N threads released at once; wall time until the last ends.
// `peak` gets the most channels the connection had open at once (sampled).
bool concurrent_batch(pcs::RemoteExecutor& ex, const pcs::CommandSpec& c, int n, double& wall_ms, int& peak) {
  std::latch go(1);
  std::atomic<int> failed{0};
  std::string first_error;
  std::mutex error_mu;
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&] {
      go.wait();
      auto r = ex.run(c, {});
      if (!r.success()) {
        ++failed;
        std::lock_guard lock(error_mu);
        if (first_error.empty())
          first_error = "status " + std::to_string(static_cast<int>(r.status)) + ", exit " +
                        std::to_string(r.exit_code) + ": " + r.error + r.err;
      }
    });
  std::atomic<bool> done{false};
  peak = 0;
  std::thread sampler([&] {
    while (!done.load()) {
      peak = std::max(peak, ex.connection().open_channels());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  const auto t0 = Clock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  wall_ms = ms_between(t0, Clock::now());
  done = true;
  sampler.join();
  if (failed > 0) {
    std::fprintf(stderr, "remote_exec_perftest: %d of %d concurrent `%s` failed; first: %s\n", failed.load(), n,
                 c.display().c_str(), first_error.c_str());
    return false;
  }
  return true;
}

bool sequential_batch(pcs::RemoteExecutor& ex, const pcs::CommandSpec& c, int n, double& wall_ms) {
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto r = ex.run(c, {});
    if (!r.success()) {
      std::fprintf(stderr, "remote_exec_perftest: sequential `%s` failed: %s%s\n", c.display().c_str(), r.error.c_str(),
                   r.err.c_str());
      return false;
    }
  }
  wall_ms = ms_between(t0, Clock::now());
  return true;
}

// A file of `bytes` random bytes.
bool write_random_file(const std::string& path, std::size_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::mt19937_64 rng(0x5eed'cafe'f00dULL);
  std::vector<std::uint64_t> block(1 << 16);
  std::size_t left = bytes;
  while (left > 0 && out) {
    for (auto& w : block) w = rng();
    const std::size_t n = std::min(left, block.size() * sizeof(std::uint64_t));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    left -= n;
  }
  out.close();
  return static_cast<bool>(out);
}

void usage() {
  std::fprintf(stderr,
               "usage: remote_exec_perftest [--machine NAME] [--runs N] [--warmup N] [--cpu-runs N] [--concurrent N]\n"
               "                            [--sleep-ms MS] [--conc-rounds N] [--sftp-mib N] [--sftp-runs N]\n"
               "defaults: desktop, 200 runs after 10 warm-up rounds, 50 runs for CPU, 64 at once with `sleep 0.2`\n"
               "          in 3 rounds, 100 MiB x 5. Needs the sandbox up (tests/sandbox/sandbox.sh up).\n");
}

constexpr double kGoalPerCommand = 0.7;   // ours / ControlMaster, medians
constexpr double kGoalConcurrency = 4.0;  // sequential / concurrent, waiting command
constexpr double kGoalSftp = 0.9;         // ours / scp over ControlMaster, MiB/s

}  // namespace

int main(int argc, char** argv) {
  std::string machine = "desktop";
  int runs = 200, warmup = 10, cpu_runs = 50, concurrent = 64, sleep_ms = 200, conc_rounds = 3, sftp_mib = 100,
      sftp_runs = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    }
    if (i + 1 >= argc) {
      usage();
      return 2;
    }
    const char* v = argv[++i];
    if (a == "--machine")
      machine = v;
    else if (a == "--runs")
      runs = std::atoi(v);
    else if (a == "--warmup")
      warmup = std::atoi(v);
    else if (a == "--cpu-runs")
      cpu_runs = std::atoi(v);
    else if (a == "--concurrent")
      concurrent = std::atoi(v);
    else if (a == "--sleep-ms")
      sleep_ms = std::atoi(v);
    else if (a == "--conc-rounds")
      conc_rounds = std::atoi(v);
    else if (a == "--sftp-mib")
      sftp_mib = std::atoi(v);
    else if (a == "--sftp-runs")
      sftp_runs = std::atoi(v);
    else {
      usage();
      return 2;
    }
  }
  if (runs < 1 || warmup < 0 || cpu_runs < 1 || concurrent < 1 || sleep_ms < 1 || conc_rounds < 1 || sftp_mib < 1 ||
      sftp_runs < 1) {
    usage();
    return 2;
  }

  // ---- set-up ----
  std::string ssh_config;
  pcs::SshOptions options;
  long machine_pid = 0;  // the machine's sshd (its PID 1), as seen from here
  try {
    const auto& env = SandboxEnv::get();
    ssh_config = env["PCS_SANDBOX_SSH_CONFIG"];
    options = env.ssh(machine);
    std::ifstream pid_file(env["PCS_SANDBOX_DIR"] + "/machines/" + machine + "/pid");
    pid_file >> machine_pid;
    if (machine_pid <= 0) throw std::runtime_error("no pid file for " + machine + ": is it up?");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "remote_exec_perftest: %s\n", e.what());
    return 1;
  }
  char tmpl[] = "/tmp/pcs-rbench-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::fprintf(stderr, "remote_exec_perftest: mkdtemp: %s\n", std::strerror(errno));
    return 1;
  }
  const std::string tmp = tmpl;
  const std::string err_file = tmp + "/stderr";
  const std::string control_path = tmp + "/cm-%r@%h:%p";
  const std::vector<std::string> ssh_base = {"ssh", "-F", ssh_config};
  const std::vector<std::string> cm_opts = {"-o", "ControlMaster=auto", "-o", "ControlPath=" + control_path,
                                            "-o", "ControlPersist=60"};
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const auto ssh_cm = with(ssh_base, cm_opts);

  const auto t_connect = Clock::now();
  auto connected = pcs::ssh_connect(options);
  const double connect_ms = ms_between(t_connect, Clock::now());
  if (!connected.session) {
    std::fprintf(stderr, "remote_exec_perftest: cannot connect to %s: %s\n", machine.c_str(), connected.error.c_str());
    fs::remove_all(tmp);
    return 1;
  }
  auto executor = std::make_unique<pcs::RemoteExecutor>(
      std::make_shared<pcs::SshConnection>(std::move(connected.session), "target (" + machine + ")"));
  pcs::RemoteExecutor& ex = *executor;
  const std::string remote_ours = "/tmp/pcs-rbench-ours.bin";
  const std::string remote_scp_cm = "/tmp/pcs-rbench-scp-cm.bin";
  const std::string remote_scp_fresh = "/tmp/pcs-rbench-scp-fresh.bin";

  bool master_started = false;
  long master_pid = 0;
  // Stops the ControlMaster, removes the files on both sides; runs on every exit.
  auto cleanup = [&] {
    if (master_started) spawn(with(ssh_cm, {"-O", "exit", machine}), err_file);
    ex.run(argv_command({"rm", "-f", "--", remote_ours, remote_scp_cm, remote_scp_fresh}), {});
    executor.reset();
    std::error_code ec;
    fs::remove_all(tmp, ec);
  };
  auto fail = [&]() {
    cleanup();
    return 1;
  };

  std::string remote_host;
  if (!must_run(ex, {"hostname"}, &remote_host)) return fail();
  if (!remote_host.empty() && remote_host.back() == '\n') remote_host.pop_back();
  double first_ms = 0;
  {
    const auto t0 = Clock::now();
    if (!must_run(ex, {"true"})) return fail();
    first_ms = ms_between(t0, Clock::now());
  }
  // The exit status really comes back (a benchmark of `true` must not pass on an executor that reports 0).
  if (auto r = ex.run(argv_command({"false"}), {}); r.status != PCS_OK || r.exit_code != 1) {
    std::fprintf(stderr, "remote_exec_perftest: `false` on %s gave status %d, exit %d (expected exit 1): %s\n",
                 machine.c_str(), static_cast<int>(r.status), r.exit_code, r.error.c_str());
    return fail();
  }
  for (int i = 0; i < 5; ++i)
    if (!must_run(ex, {"true"})) return fail();

  // The ControlMaster: the first `ssh` with ControlMaster=auto becomes the master
  // and stays in the background (ControlPersist) after its command.
  {
    Proc p = spawn(with(ssh_cm, {machine, "true"}), err_file);
    if (!p.ok) {
      std::fprintf(stderr, "remote_exec_perftest: cannot start the ControlMaster: %s\n", p.error.c_str());
      return fail();
    }
    master_started = true;
    Proc check = spawn(with(ssh_cm, {"-O", "check", machine}), err_file);
    if (!check.ok) {
      std::fprintf(stderr, "remote_exec_perftest: no ControlMaster after the first ssh: %s\n", check.error.c_str());
      return fail();
    }
    const std::string said = slurp(err_file);  // "Master running (pid=N)"
    if (const auto at = said.find("pid="); at != std::string::npos) master_pid = std::atol(said.c_str() + at + 4);
    if (master_pid <= 0) {
      std::fprintf(stderr, "remote_exec_perftest: `ssh -O check` names no master pid: %s\n", said.c_str());
      return fail();
    }
    for (int i = 0; i < 5; ++i)
      if (Proc w = spawn(with(ssh_cm, {machine, "true"}), err_file); !w.ok) {
        std::fprintf(stderr, "remote_exec_perftest: %s\n", w.error.c_str());
        return fail();
      }
  }

  std::printf("remote_exec_perftest: machine %s (hostname %s) as %s\n", machine.c_str(), remote_host.c_str(),
              options.destination.c_str());
  std::printf("  libssh connect + key exchange + auth %.1f ms; first `true` on it %.1f ms; warmed with 7 commands\n",
              connect_ms, first_ms);
  std::printf("  OpenSSH: ssh -F %s, ControlPath %s (master pid %ld, warmed with 5 commands)\n\n", ssh_config.c_str(),
              control_path.c_str(), master_pid);

  // ---- 1. sequential `true`, interleaved ----
  struct Kind {
    std::string label;
    std::function<Proc()> run;
    std::vector<double> wall;
    double client_cpu = 0, server_cpu = 0;  // per command, from the CPU block
  };
  const pcs::CommandSpec true_cmd = argv_command({"true"});
  std::vector<Kind> kinds;
  kinds.push_back({"RemoteExecutor (one libssh connection)",
                   [&] {
                     Proc p;
                     const auto t0 = Clock::now();
                     auto r = ex.run(true_cmd, {});
                     p.wall_ms = ms_between(t0, Clock::now());
                     p.ok = r.success();
                     if (!p.ok) p.error = "RemoteExecutor `true`: " + r.error + r.err;
                     return p;
                   },
                   {}});
  kinds.push_back({"OpenSSH ControlMaster, warm",
                   [&] {
                     return spawn(with(ssh_cm, {machine, "true"}), err_file);
                   },
                   {}});
  kinds.push_back({"fresh `ssh " + machine + " true`",
                   [&] {
                     return spawn(with(ssh_base, {machine, "true"}), err_file);
                   },
                   {}});
  for (int i = 0; i < warmup + runs; ++i) {
    for (std::size_t k = 0; k < kinds.size(); ++k) {
      Kind& kind = kinds[(k + static_cast<std::size_t>(i)) % kinds.size()];  // rotate the order
      Proc p = kind.run();
      if (!p.ok) {
        std::fprintf(stderr, "remote_exec_perftest: %s\n", p.error.c_str());
        return fail();
      }
      if (i >= warmup) kind.wall.push_back(p.wall_ms);
    }
  }
  // CPU per command, in runs of their own (reading /proc around each command
  // would disturb the timing above), again interleaved so that other load on
  // the machine hits all kinds alike: our process (both threads), or the ssh
  // process plus the ControlMaster; and the target machine's whole sshd tree.
  for (int i = 0; i < cpu_runs; ++i) {
    for (std::size_t j = 0; j < kinds.size(); ++j) {
      const std::size_t k = (j + static_cast<std::size_t>(i)) % kinds.size();
      // Our own CPU is read innermost: reading /proc costs this process CPU too.
      const double master0 = k == 1 ? tree_cpu_ms(master_pid) : 0;
      const double server0 = tree_cpu_ms(machine_pid);
      const double client0 = k == 0 ? rusage_ms(RUSAGE_SELF) : rusage_ms(RUSAGE_CHILDREN);
      Proc p = kinds[k].run();
      const double client1 = k == 0 ? rusage_ms(RUSAGE_SELF) : rusage_ms(RUSAGE_CHILDREN);
      const double server1 = tree_cpu_ms(machine_pid);
      const double master1 = k == 1 ? tree_cpu_ms(master_pid) : 0;
      if (!p.ok) {
        std::fprintf(stderr, "remote_exec_perftest: %s\n", p.error.c_str());
        return fail();
      }
      kinds[k].client_cpu += (client1 - client0 + master1 - master0) / cpu_runs;
      kinds[k].server_cpu += (server1 - server0) / cpu_runs;
    }
  }

  std::printf("== 1. sequential `true`: %d runs of each, interleaved (rotating order), after %d warm-up rounds\n", runs,
              warmup);
  std::printf("%-40s %9s %9s %9s | %8s %8s\n", "per command (wall ms)", "median", "p10", "p90", "CPU ours", "target");
  for (const auto& k : kinds)
    std::printf("%-40s %9.2f %9.2f %9.2f | %8.2f %8.2f\n", k.label.c_str(), median(k.wall), percentile(k.wall, 10),
                percentile(k.wall, 90), k.client_cpu, k.server_cpu);
  std::printf(
      "  CPU ms per command, mean of %d more runs of each, interleaved: \"ours\" is this process (both\n"
      "  threads) or the ssh process plus the ControlMaster; \"target\" is the machine's whole sshd tree\n"
      "  (sshd sessions and shells), from /proc in 10 ms ticks: only a mean over many runs means much,\n"
      "  and CPU times grow when other work loads the machine.\n",
      cpu_runs);
  const double ours_ms = median(kinds[0].wall), cm_ms = median(kinds[1].wall), fresh_ms = median(kinds[2].wall);
  std::printf(
      "  ratio of medians: RemoteExecutor / ControlMaster %.3f; RemoteExecutor / fresh ssh %.3f; "
      "ControlMaster / fresh ssh %.3f\n\n",
      ours_ms / cm_ms, ours_ms / fresh_ms, cm_ms / fresh_ms);

  // ---- 2. SFTP vs scp ----
  const std::string local = tmp + "/payload.bin";
  const std::size_t bytes = static_cast<std::size_t>(sftp_mib) * 1024 * 1024;
  if (!write_random_file(local, bytes)) {
    std::fprintf(stderr, "remote_exec_perftest: cannot write %s\n", local.c_str());
    return fail();
  }
  std::string local_sum;
  {
    Proc p = spawn({"sha256sum", local}, err_file, true);
    if (!p.ok || p.out.size() < 64) {
      std::fprintf(stderr, "remote_exec_perftest: sha256sum %s: %s\n", local.c_str(), p.error.c_str());
      return fail();
    }
    local_sum = p.out.substr(0, 64);
  }
  struct Transfer {
    std::string label;
    std::string remote;
    std::function<Proc()> run;
    std::vector<double> mibps;
    bool checksummed = false;
  };
  const auto scp_cm = with(with({"scp", "-q", "-F", ssh_config}, cm_opts), {local, machine + ":" + remote_scp_cm});
  const std::vector<std::string> scp_fresh = {"scp", "-q", "-F", ssh_config, local, machine + ":" + remote_scp_fresh};
  std::vector<Transfer> transfers;
  transfers.push_back({"RemoteExecutor::send_file (SFTP)",
                       remote_ours,
                       [&] {
                         Proc p;
                         std::string error;
                         const auto t0 = Clock::now();
                         const pcs_status s = ex.send_file(local, remote_ours, 0, {}, error);
                         p.wall_ms = ms_between(t0, Clock::now());
                         p.ok = s == PCS_OK;
                         if (!p.ok) p.error = "send_file: " + error;
                         return p;
                       },
                       {}});
  transfers.push_back({"scp over the warm ControlMaster", remote_scp_cm, [&] { return spawn(scp_cm, err_file); }, {}});
  transfers.push_back({"scp, fresh connection", remote_scp_fresh, [&] { return spawn(scp_fresh, err_file); }, {}});
  if (Proc check = spawn(with(ssh_cm, {"-O", "check", machine}), err_file); !check.ok)
    std::printf("(the ControlMaster had gone; the scp warm-up starts a new one)\n");
  for (int i = -1; i < sftp_runs; ++i) {  // i == -1: warm-up
    for (std::size_t k = 0; k < transfers.size(); ++k) {
      Transfer& t = transfers[(k + static_cast<std::size_t>(i + 1)) % transfers.size()];
      if (!must_run(ex, {"rm", "-f", "--", t.remote})) return fail();
      Proc p = t.run();
      if (!p.ok) {
        std::fprintf(stderr, "remote_exec_perftest: %s\n", p.error.c_str());
        return fail();
      }
      std::string size;
      if (!must_run(ex, {"stat", "-c", "%s", "--", t.remote}, &size)) return fail();
      if (std::strtoull(size.c_str(), nullptr, 10) != bytes) {
        std::fprintf(stderr, "remote_exec_perftest: %s: %s has %s bytes, sent %zu\n", t.label.c_str(), t.remote.c_str(),
                     size.c_str(), bytes);
        return fail();
      }
      if (i >= 0 && !t.checksummed) {
        std::string sum;
        if (!must_run(ex, {"sha256sum", "--", t.remote}, &sum)) return fail();
        if (sum.compare(0, 64, local_sum) != 0) {
          std::fprintf(stderr, "remote_exec_perftest: %s: SHA-256 of %s differs: %s vs %s\n", t.label.c_str(),
                       t.remote.c_str(), sum.substr(0, 64).c_str(), local_sum.c_str());
          return fail();
        }
        t.checksummed = true;
      }
      if (i >= 0) t.mibps.push_back(static_cast<double>(sftp_mib) / (p.wall_ms / 1000.0));
    }
  }
  std::printf("== 2. sending %d MiB of random bytes to %s:/tmp: %d runs of each, alternating, after 1 warm-up each\n",
              sftp_mib, machine.c_str(), sftp_runs);
  std::printf("   (received size checked every time, SHA-256 once per method: all match)\n");
  std::printf("%-40s %9s %9s %9s %9s\n", "throughput (MiB/s)", "median", "min", "max", "s median");
  for (const auto& t : transfers) {
    const double med = median(t.mibps);
    std::printf("%-40s %9.1f %9.1f %9.1f %9.3f\n", t.label.c_str(), med,
                *std::min_element(t.mibps.begin(), t.mibps.end()), *std::max_element(t.mibps.begin(), t.mibps.end()),
                sftp_mib / med);
  }
  const double sftp_ours = median(transfers[0].mibps), sftp_cm = median(transfers[1].mibps),
               sftp_fresh = median(transfers[2].mibps);
  std::printf(
      "  ratio of medians: send_file / scp (ControlMaster) %.3f; send_file / scp (fresh) %.3f\n"
      "  (OpenSSH 9's scp speaks SFTP too; a fresh scp includes connecting and a cold connection's slow "
      "start)\n\n",
      sftp_ours / sftp_cm, sftp_ours / sftp_fresh);
  spawn(with(ssh_cm, {"-O", "exit", machine}), err_file);
  master_started = false;

  // ---- 3. N at once vs N one after another ----
  const int limit_before = ex.connection().channel_limit();
  char sleep_arg[32];
  std::snprintf(sleep_arg, sizeof sleep_arg, "%d.%03d", sleep_ms / 1000, sleep_ms % 1000);
  struct Conc {
    std::string label;
    pcs::CommandSpec command;
    std::vector<double> at_once, one_by_one;
    int peak = 0;
    int limit_after = 0;  // the connection's channel limit after this command's batches
  };
  std::vector<Conc> concs = {
      {std::string("sleep ") + sleep_arg + " (waits)", argv_command({"sleep", sleep_arg}), {}, {}},
      {"true (CPU only)", argv_command({"true"}), {}, {}}};
  for (auto& c : concs) {
    double wall = 0;
    int peak = 0;
    if (!concurrent_batch(ex, c.command, concurrent, wall, peak)) return fail();  // warm-up: finds the limit
    for (int r = 0; r < conc_rounds; ++r) {
      for (int order = 0; order < 2; ++order) {
        if ((order + r) % 2 == 0) {
          if (!concurrent_batch(ex, c.command, concurrent, wall, peak)) return fail();
          c.at_once.push_back(wall);
          c.peak = std::max(c.peak, peak);
        } else {
          if (!sequential_batch(ex, c.command, concurrent, wall)) return fail();
          c.one_by_one.push_back(wall);
        }
      }
    }
    c.limit_after = ex.connection().channel_limit();
  }
  std::printf(
      "== 3. %d commands issued at once from %d threads vs %d one after another: %d round(s) of each,\n"
      "      alternating, after one untimed batch at once\n",
      concurrent, concurrent, concurrent, conc_rounds);
  std::printf("%-28s %12s %12s %9s %10s %12s\n", "command (batch wall ms)", "at once", "one by one", "speed-up",
              "peak open", "limit after");
  for (const auto& c : concs)
    std::printf("%-28s %12.1f %12.1f %8.2fx %10d %12d\n", c.label.c_str(), median(c.at_once), median(c.one_by_one),
                median(c.one_by_one) / median(c.at_once), c.peak, c.limit_after);
  std::printf(
      "  peak open: most channels open at once (sampled every 5 ms); limit: the executor's channel limit\n"
      "  (%d before; it learns sshd's MaxSessions, 10, from refused opens and queues beyond it).\n"
      "  Per command at once: sleep %.1f ms, true %.2f ms.\n",
      limit_before, median(concs[0].at_once) / concurrent, median(concs[1].at_once) / concurrent);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double cpu_per_true = kinds[0].client_cpu + kinds[0].server_cpu;
  std::printf(
      "  `true` only costs CPU: an sshd session and a shell on the target, %.2f ms per command on both sides\n"
      "  when run one by one (section 1), i.e. %d x %.2f / %u cores = %.0f ms of full cores for %d. One by one,\n"
      "  each also waits for round trips with the cores idle; at once, the cores stay busy (and batching\n"
      "  saves a little CPU), which is all concurrency recovers for it. Beyond that it cannot go faster: a\n"
      "  command that waits (sleep, I/O, network) is where concurrency pays.\n\n",
      cpu_per_true, concurrent, cpu_per_true, cores, concurrent * cpu_per_true / cores, concurrent);

  // ---- summary ----
  const double per_cmd_ratio = ours_ms / cm_ms;
  const double conc_speedup = median(concs[0].one_by_one) / median(concs[0].at_once);
  const double true_speedup = median(concs[1].one_by_one) / median(concs[1].at_once);
  const double sftp_ratio = sftp_ours / sftp_cm;
  std::printf("== summary (medians)\n");
  std::printf("%-52s %12s %12s %9s\n", "", "ours", "OpenSSH", "ratio");
  std::printf("%-52s %9.2f ms %9.2f ms %9.3f\n", "`true`, per command (vs ControlMaster, warm)", ours_ms, cm_ms,
              per_cmd_ratio);
  std::printf("%-52s %9.2f ms %9.2f ms %9.3f\n", "`true`, per command (vs fresh ssh)", ours_ms, fresh_ms,
              ours_ms / fresh_ms);
  std::printf("%-52s %9.1f ms %9.1f ms %8.2fx\n",
              ("sleep: " + std::to_string(concurrent) + " at once vs one by one").c_str(), median(concs[0].at_once),
              median(concs[0].one_by_one), conc_speedup);
  std::printf("%-52s %9.1f ms %9.1f ms %8.2fx\n",
              ("true: " + std::to_string(concurrent) + " at once vs one by one").c_str(), median(concs[1].at_once),
              median(concs[1].one_by_one), true_speedup);
  std::printf("%-52s %6.1f MiB/s %6.1f MiB/s %9.3f\n", "send_file vs scp over ControlMaster, warm", sftp_ours, sftp_cm,
              sftp_ratio);
  std::printf("%-52s %6.1f MiB/s %6.1f MiB/s %9.3f\n", "send_file vs scp on a fresh connection", sftp_ours, sftp_fresh,
              sftp_ours / sftp_fresh);
  std::printf("\n");
  std::printf("goal: median per command <= %.1fx OpenSSH with ControlMaster: %s (%.3fx: %.2f vs %.2f ms)\n",
              kGoalPerCommand, per_cmd_ratio <= kGoalPerCommand ? "PASS" : "FAIL", per_cmd_ratio, ours_ms, cm_ms);
  std::printf("goal: %d concurrent (waiting) commands >= %.0fx faster than %d sequential: %s (%.2fx; `true`: %.2fx)\n",
              concurrent, kGoalConcurrency, concurrent, conc_speedup >= kGoalConcurrency ? "PASS" : "FAIL",
              conc_speedup, true_speedup);
  std::printf("goal: SFTP throughput >= %.1fx scp (warm ControlMaster): %s (%.3fx: %.1f vs %.1f MiB/s)\n", kGoalSftp,
              sftp_ratio >= kGoalSftp ? "PASS" : "FAIL", sftp_ratio, sftp_ours, sftp_cm);
  cleanup();
  return 0;
}
