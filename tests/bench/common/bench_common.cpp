#include "bench_common.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>

extern char** environ;

namespace bench {
namespace {

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

double ms_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; }

}  // namespace

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

Timed run_timed(const std::vector<std::string>& argv, const std::vector<std::string>* env, bool capture,
                const std::string& stderr_path) {
  Timed r;
  auto cargv = c_strings(argv);
  std::vector<char*> cenv = env ? c_strings(*env) : std::vector<char*>{};
  int pipefd[2] = {-1, -1};
  if (capture && ::pipe2(pipefd, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (capture)
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
  else
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  if (stderr_path.empty())
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  else
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), env ? cenv.data() : environ);
  posix_spawn_file_actions_destroy(&fa);
  if (capture) ::close(pipefd[1]);
  if (rc != 0) {
    if (capture) ::close(pipefd[0]);
    r.error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return r;
  }
  if (capture) {
    char buf[65536];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) r.out.append(buf, static_cast<std::size_t>(n));
    ::close(pipefd[0]);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0)
    if (errno != EINTR) {
      r.error = std::string("wait4: ") + std::strerror(errno);
      return r;
    }
  r.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  r.cpu_ms = ms_of(usage.ru_utime) + ms_of(usage.ru_stime);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    r.ok = true;
    return r;
  }
  r.error = "`" + joined(argv) + "` " +
            (WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                               : "was killed by signal " + std::to_string(WTERMSIG(status)));
  if (!stderr_path.empty()) {
    std::ifstream in(stderr_path, std::ios::binary);
    std::string err((std::istreambuf_iterator<char>(in)), {});
    if (!err.empty()) r.error += ": " + err;
  }
  return r;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

std::vector<std::string> in_sandbox(const std::string& script, const std::string& machine,
                                    const std::vector<std::string>& argv, bool root) {
  std::vector<std::string> full{"/bin/bash", script, "exec"};
  if (root) full.push_back("--root");
  full.push_back(machine);
  full.insert(full.end(), argv.begin(), argv.end());
  return full;
}

const char* const kSandboxSshDesktop =
    "ssh -F /home/pcsuser/.ssh/config -i /home/pcsuser/.ssh/id_ed25519 "
    "-o UserKnownHostsFile=/home/pcsuser/.ssh/known_hosts desktop";

}  // namespace bench
