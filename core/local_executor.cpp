#include "local_executor.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "local_process.hpp"
#include "process_group.hpp"

namespace pcs {
namespace {

using local::UniqueFd;

std::string errno_text(int err) { return std::strerror(err); }

std::string home_directory() {
  if (const char* home = std::getenv("HOME"); home && *home) return home;
  std::vector<char> buf(16384);
  passwd pw{}, *found = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found && pw.pw_dir) return pw.pw_dir;
  return "/";
}

bool valid_env_entry(const std::string& entry) {
  auto eq = entry.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  for (std::size_t i = 0; i < eq; ++i) {
    char c = entry[i];
    bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The inherited environment with `extra` ("NAME=value") set on top.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  for (const auto& entry : extra) {
    std::string prefix = entry.substr(0, entry.find('=') + 1);
    std::erase_if(env, [&](const std::string& e) { return e.starts_with(prefix); });
    env.push_back(entry);
  }
  return env;
}

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& e : env)
    if (e.size() > name.size() && e.starts_with(name) && e[name.size()] == '=') return e.substr(name.size() + 1);
  return {};
}

std::string absolute(const std::string& path, const std::string& cwd) {
  return path.starts_with('/') ? path : cwd + "/" + path;
}

// The file execvp would run for `name` under this PATH, with the child's
// working directory `cwd`; empty with `err` (ENOENT, EACCES) when none.
std::string find_program(const std::string& name, const std::string& path_var, const std::string& cwd, int& err) {
  auto usable = [&](const std::string& candidate, int& why) {
    struct stat st {};
    if (::stat(candidate.c_str(), &st) != 0) return why = errno, false;
    if (!S_ISREG(st.st_mode) || ::access(candidate.c_str(), X_OK) != 0) return why = EACCES, false;
    return true;
  };
  err = ENOENT;
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) {
    std::string candidate = absolute(name, cwd);
    return usable(candidate, err) ? candidate : std::string();
  }
  bool denied = false;
  std::size_t begin = 0;
  for (;;) {
    std::size_t end = path_var.find(':', begin);
    std::string dir = path_var.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    std::string candidate = absolute((dir.empty() ? "." : dir) + "/" + name, cwd);
    int why = 0;
    if (usable(candidate, why)) return candidate;
    denied = denied || why == EACCES;
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  err = denied ? EACCES : ENOENT;
  return {};
}

// A CLOEXEC pipe whose ends are not 0, 1 or 2 (they are dup2'ed onto those).
void make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe: " + errno_text(errno));
  for (int i = 0; i < 2; ++i) {
    if (fds[i] < 3) {
      int high = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
      ::close(fds[i]);
      fds[i] = high;
    }
  }
  read_end = UniqueFd(fds[0]);
  write_end = UniqueFd(fds[1]);
  if (fds[0] < 0 || fds[1] < 0) throw std::runtime_error("pipe: " + errno_text(errno));
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn with the child in its own process group, default signal
// dispositions and an empty signal mask, and only the pipes as 0, 1, 2.
// Returns 0 or the error number.
int spawn(pid_t& pid, const std::string& program, std::vector<std::string>& argv, std::vector<std::string>& env,
          const std::string& cwd, int in, int out, int err) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  if (int rc = ::posix_spawn_file_actions_init(&actions)) throw std::runtime_error(errno_text(rc));
  if (int rc = ::posix_spawnattr_init(&attr)) {
    ::posix_spawn_file_actions_destroy(&actions);
    throw std::runtime_error(errno_text(rc));
  }
  sigset_t none, all;
  ::sigemptyset(&none);
  ::sigfillset(&all);
  int rc = 0;
  auto step = [&rc](int r) { rc = rc ? rc : r; };
  step(::posix_spawn_file_actions_adddup2(&actions, in, 0));
  step(::posix_spawn_file_actions_adddup2(&actions, out, 1));
  step(::posix_spawn_file_actions_adddup2(&actions, err, 2));
  step(::posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str()));
  step(::posix_spawn_file_actions_addclosefrom_np(&actions, 3));
  step(::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  step(::posix_spawnattr_setpgroup(&attr, 0));
  step(::posix_spawnattr_setsigmask(&attr, &none));
  step(::posix_spawnattr_setsigdefault(&attr, &all));
  if (rc == 0) {
    auto args = pointers(argv);
    auto envp = pointers(env);
    rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, args.data(), envp.data());
  }
  ::posix_spawnattr_destroy(&attr);
  ::posix_spawn_file_actions_destroy(&actions);
  return rc;
}

std::string shown(const CommandSpec& command) {
  constexpr std::size_t kMax = 200;
  std::string text = command.display();
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

}  // namespace

std::vector<std::string> local_command_argv(const CommandSpec& command) {
  std::vector<std::string> argv;
  if (command.sudo) {
    argv = {"sudo", "-n", "--"};
    if (!command.env.empty()) {
      argv.emplace_back("env");
      argv.insert(argv.end(), command.env.begin(), command.env.end());
    }
  }
  if (!command.argv.empty())
    argv.insert(argv.end(), command.argv.begin(), command.argv.end());
  else
    argv.insert(argv.end(), {"/bin/sh", "-c", command.shell});
  return argv;
}

LocalExecutor::LocalExecutor(std::string label)
    : label_(std::move(label)), home_(home_directory()), registry_(std::make_shared<local::GroupRegistry>()) {
  local::start_reaper();
}

LocalExecutor::~LocalExecutor() = default;

std::unique_ptr<MachineProcess> LocalExecutor::start(const CommandSpec& command, const CancelToken& cancel,
                                              std::string& error) {
  std::string display = shown(command);
  auto fail = [&](const std::string& why) -> std::unique_ptr<MachineProcess> {
    error = label_ + ": cannot start `" + display + "`: " + why;
    return nullptr;
  };
  try {
    if (cancel.cancelled()) return fail("cancelled");
    if (command.argv.empty() && command.shell.empty()) return fail("empty command");
    for (const auto& entry : command.env)
      if (!valid_env_entry(entry)) return fail("invalid environment entry `" + entry + "` (want NAME=value)");

    auto argv = local_command_argv(command);
    auto env = child_environment(command.sudo ? std::vector<std::string>{} : command.env);
    std::string cwd = command.cwd.empty() ? home_ : command.cwd;
    std::string program;
    // A command that cannot run ends like it would in a shell — and like it does
    // on the target, where the remote shell reports it: exit 127 (not found) or
    // 126 (cwd missing, not executable) with the reason on stderr.
    auto stand_in = [&](const std::string& message, int code) {
      argv = {"/bin/sh", "-c", "printf '%s\\n' \"$1\" >&2; exit \"$2\"", "sh", message, std::to_string(code)};
      program = "/bin/sh";
      cwd = "/";
    };
    struct stat st {};
    int cwd_err = ::stat(cwd.c_str(), &st) != 0      ? errno
                  : !S_ISDIR(st.st_mode)             ? ENOTDIR
                  : ::access(cwd.c_str(), X_OK) != 0 ? errno
                                                     : 0;
    if (cwd_err != 0) {
      stand_in("cd: " + cwd + ": " + errno_text(cwd_err), 126);
    } else {
      std::string path_var = env_value(env, "PATH");
      int err = 0;
      program = find_program(argv[0], path_var.empty() ? "/bin:/usr/bin" : path_var, cwd, err);
      if (program.empty()) {
        bool bare = argv[0].find('/') == std::string::npos;
        if (err == ENOENT)
          stand_in(argv[0] + ": " + (bare ? "command not found" : "No such file or directory"), 127);
        else
          stand_in(argv[0] + ": " + errno_text(err), 126);
      }
    }

    local::ChildFds fds;
    UniqueFd child_in, child_out, child_err;
    make_pipe(child_in, fds.in);
    make_pipe(fds.out, child_out);
    make_pipe(fds.err, child_err);
    auto started = local::LocalProcess::Clock::now();
    pid_t pid = -1;
    int rc = spawn(pid, program, argv, env, cwd, child_in.get(), child_out.get(), child_err.get());
    if (rc == ENOEXEC) {  // like execvp: a file without #! is a shell script
      argv[0] = program;
      argv.insert(argv.begin(), "/bin/sh");
      rc = spawn(pid, "/bin/sh", argv, env, cwd, child_in.get(), child_out.get(), child_err.get());
    }
    if (rc != 0) return fail(errno_text(rc));
    child_in.reset();
    child_out.reset();
    child_err.reset();

    auto group = std::make_shared<local::ChildGroup>(pid);
    // The raw syscall: <sys/pidfd.h> of glibc 2.36 declares pidfd_open without extern "C".
    fds.pidfd = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (fds.pidfd.get() < 0) {
      int e = errno;
      group->terminate(std::chrono::milliseconds(0));
      group->reap(true);
      return fail("pidfd_open: " + errno_text(e));
    }
    try {
      auto process = std::make_unique<local::LocalProcess>(group, registry_, std::move(fds), label_, display,
                                                           command.timeout, cancel, started);
      registry_->add(group);
      return process;
    } catch (...) {
      group->terminate(std::chrono::milliseconds(0));
      group->reap(true);
      throw;
    }
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

void LocalExecutor::terminate_all(std::chrono::milliseconds grace) { registry_->terminate_all(grace); }

}  // namespace pcs
