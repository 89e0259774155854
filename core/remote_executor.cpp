#include "remote_executor.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "shell_quote.hpp"

namespace pcs {
namespace {

constexpr std::size_t kMaxLine = 1024 * 1024;
constexpr std::size_t kMaxQueuedStdin = 1024 * 1024;

}  // namespace

int ssh_signal_number(const std::string& name) {
  static constexpr std::array<std::pair<const char*, int>, 14> table{{{"HUP", 1},
                                                                      {"INT", 2},
                                                                      {"QUIT", 3},
                                                                      {"ILL", 4},
                                                                      {"TRAP", 5},
                                                                      {"ABRT", 6},
                                                                      {"BUS", 7},
                                                                      {"FPE", 8},
                                                                      {"KILL", 9},
                                                                      {"USR1", 10},
                                                                      {"SEGV", 11},
                                                                      {"USR2", 12},
                                                                      {"PIPE", 13},
                                                                      {"TERM", 15}}};
  for (const auto& [n, v] : table)
    if (name == n) return v;
  return 255;
}

std::string remote_command_line(const CommandSpec& c) {
  std::vector<std::string> argv = c.argv.empty() ? std::vector<std::string>{"/bin/sh", "-c", c.shell} : c.argv;
  if (!c.env.empty()) {
    std::vector<std::string> with_env{"env"};
    with_env.insert(with_env.end(), c.env.begin(), c.env.end());
    with_env.insert(with_env.end(), argv.begin(), argv.end());
    argv = std::move(with_env);
  }
  if (c.sudo) argv.insert(argv.begin(), {"sudo", "-n", "--"});
  std::string run = shell_join(argv);
  if (c.login_shell) run = "\"${SHELL:-/bin/sh}\" -l -c " + shell_quote(run);
  std::string line = kPrintPgidMarker;
  line += connection_watcher(c.sudo);
  if (!c.cwd.empty()) line += "cd " + shell_quote(c.cwd) + " || exit 126; ";
  return line + "exec " + run;
}

std::string connection_watcher(bool sudo) {
  // In the command's process group; TERM ignored so that it lives to send
  // the KILL; no descriptor of the channel kept, so that the command's end
  // still closes it. A sudo command's processes are root's: killed with sudo.
  // `sudo -n kill`, not a root shell: the one program the sudoers rules need
  // for it (sudo_programs.hpp host_sudo_programs). Its own `sh -c`, not a
  // subshell: a fork would show the command's whole line in ps and pgrep for
  // up to a second after the command ended.
  const std::string kill = sudo ? "sudo -n kill -s $1 -- -$2" : "kill -$1 -$2";
  return "sh -c 'p=$1; c=$2; trap \"\" HUP INT TERM; k() { " + kill +
         " 2>/dev/null; }; while kill -0 $c 2>/dev/null; do if ! kill -0 $p 2>/dev/null; then k TERM $c; sleep 1; "
         "k KILL $c; exit; fi; sleep 1; done' pcs-watch \"$PPID\" \"$$\" </dev/null >/dev/null 2>&1 & ";
}

class RemoteExecutor::RemoteProcess : public MachineProcess {
 public:
  RemoteProcess(RemoteExecutor& owner, std::shared_ptr<SshChannelState> state, const CommandSpec& spec,
                const CancelToken& cancel)
      : owner_(owner), state_(std::move(state)), display_(spec.display()), sudo_(spec.sudo), cancel_(cancel) {
    started_at_ = std::chrono::steady_clock::now();
    if (spec.timeout.count() > 0) deadline_ = started_at_ + spec.timeout;
    registration_ = cancel_.on_cancel([this] {
      terminate(std::chrono::milliseconds(500));
      std::lock_guard lock(state_->mu);
      state_->changed.notify_all();
    });
  }

  ~RemoteProcess() override {
    registration_.reset();
    bool running;
    {
      std::lock_guard lock(state_->mu);
      running = !state_->done;
    }
    if (running) terminate(std::chrono::milliseconds(1000));
    {
      std::lock_guard lock(state_->mu);
      state_->abandon = true;
    }
    owner_.connection_->poke();
    std::lock_guard lock(owner_.mu_);
    owner_.live_.erase(std::remove(owner_.live_.begin(), owner_.live_.end(), this), owner_.live_.end());
  }

  pcs_status read(int mode, std::chrono::milliseconds timeout, OutputEvent& event) override {
    auto until =
        timeout.count() < 0 ? std::chrono::steady_clock::time_point::max() : std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(state_->mu);
    while (true) {
      take_marker();
      if (auto s = interrupted(lock); s != PCS_OK) return s;
      bool at_end = state_->eof || state_->done;
      for (int stream : {PCS_STREAM_STDOUT, PCS_STREAM_STDERR}) {
        std::string& buf = stream == PCS_STREAM_STDOUT ? state_->out : state_->err;
        if (stream == PCS_STREAM_STDERR && !marker_seen_ && !at_end) continue;
        if (buf.empty()) continue;
        std::size_t take = std::min(buf.size(), std::size_t{64 * 1024});
        if (mode == PCS_READ_LINE) {
          auto nl = buf.find('\n');
          if (nl == std::string::npos && buf.size() < kMaxLine && !at_end) continue;
          take = nl == std::string::npos ? std::min(buf.size(), kMaxLine) : nl;
          event = {stream, buf.substr(0, take)};
          buf.erase(0, nl == std::string::npos ? take : nl + 1);
        } else {
          event = {stream, buf.substr(0, take)};
          buf.erase(0, take);
        }
        owner_.connection_->poke();  // room freed: the I/O thread may read more
        return PCS_OK;
      }
      if (at_end) return PCS_END_OF_STREAM;
      auto wake = std::min(until, deadline_);
      if (state_->changed.wait_until(lock, wake) == std::cv_status::timeout &&
          std::chrono::steady_clock::now() >= until)
        return PCS_ERR_TIMEOUT;
    }
  }

  pcs_status write(const char* data, std::size_t size) override {
    std::unique_lock lock(state_->mu);
    state_->in.append(data, size);
    owner_.connection_->poke();
    while (state_->in.size() > kMaxQueuedStdin) {
      if (auto s = interrupted(lock); s != PCS_OK) return s;
      if (state_->done) return PCS_ERR_IO;
      state_->changed.wait_until(lock, deadline_);
    }
    return state_->done ? PCS_ERR_IO : PCS_OK;
  }

  void close_stdin() override {
    {
      std::lock_guard lock(state_->mu);
      state_->close_stdin = true;
    }
    owner_.connection_->poke();
  }

  pcs_status wait(std::chrono::milliseconds timeout, ExecResult& result) override {
    auto until =
        timeout.count() < 0 ? std::chrono::steady_clock::time_point::max() : std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(state_->mu);
    while (true) {
      take_marker();
      result.out += state_->out;
      result.err += state_->err;
      state_->out.clear();
      state_->err.clear();
      owner_.connection_->poke();
      pcs_status s = interrupted(lock);
      if (s == PCS_OK && state_->done) break;
      if (s != PCS_OK) {
        result.status = s;
        result.error = s == PCS_ERR_TIMEOUT ? fmt::format("{}: `{}` timed out and was killed", owner_.label(), display_)
                                            : fmt::format("{}: `{}` was cancelled", owner_.label(), display_);
        return s;
      }
      if (std::chrono::steady_clock::now() >= until) {
        result.status = PCS_ERR_TIMEOUT;
        result.error = fmt::format("{}: `{}` still runs", owner_.label(), display_);
        return PCS_ERR_TIMEOUT;
      }
      state_->changed.wait_until(lock, std::min(until, deadline_));
    }
    result.duration =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at_);
    if (!state_->exit_signal.empty()) {
      result.exit_code = -1;
      result.signal = ssh_signal_number(state_->exit_signal);
    } else if (state_->have_exit_status) {
      result.exit_code = state_->exit_status;
    } else {
      result.status = PCS_ERR_REMOTE;
      result.error = state_->failure.empty()
                         ? fmt::format("{}: `{}` ended without an exit status", owner_.label(), display_)
                         : fmt::format("{} (while running `{}`)", state_->failure, display_);
      return result.status;
    }
    return PCS_OK;
  }

  void terminate(std::chrono::milliseconds grace) override {
    long pgid;
    {
      std::unique_lock lock(state_->mu);
      if (!state_->exec_sent && !state_->done) {
        // Still queued or opening: give it up at once; nothing runs yet.
        state_->abandon = true;
        terminated_ = true;
        lock.unlock();
        owner_.connection_->poke();
        return;
      }
      // The marker is the first thing the command prints; wait briefly for it.
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (!marker_seen_ && !state_->done && state_->failure.empty()) {
        take_marker();
        if (marker_seen_ || state_->changed.wait_until(lock, until) == std::cv_status::timeout) break;
      }
      take_marker();
      if (state_->done || terminated_) return;
      terminated_ = true;
      pgid = pgid_;
    }
    if (pgid > 0) owner_.kill_group(pgid, sudo_, grace);
  }

 private:
  // Removes the "pcs-pgid N" line from the front of stderr. Caller holds mu.
  void take_marker() {
    if (marker_seen_) return;
    auto nl = state_->err.find('\n');
    if (nl == std::string::npos) return;
    if (state_->err.compare(0, kPgidMarker.size(), kPgidMarker) == 0)
      pgid_ = std::strtol(state_->err.c_str() + kPgidMarker.size(), nullptr, 10);
    state_->err.erase(0, nl + 1);
    marker_seen_ = true;
  }

  // PCS_ERR_CANCELLED / PCS_ERR_TIMEOUT once either applies (killing the
  // process group first), else PCS_OK. Caller holds `lock` on mu.
  pcs_status interrupted(std::unique_lock<std::mutex>& lock) {
    pcs_status s = PCS_OK;
    if (cancel_.cancelled())
      s = PCS_ERR_CANCELLED;
    else if (std::chrono::steady_clock::now() >= deadline_)
      s = PCS_ERR_TIMEOUT;
    if (s == PCS_OK) return s;
    lock.unlock();
    terminate(std::chrono::milliseconds(s == PCS_ERR_CANCELLED ? 500 : 1000));
    lock.lock();
    return s;
  }

  RemoteExecutor& owner_;
  std::shared_ptr<SshChannelState> state_;
  std::string display_;
  bool sudo_;
  CancelToken cancel_;
  CancelToken::Registration registration_;
  std::chrono::steady_clock::time_point started_at_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool marker_seen_ = false;
  bool terminated_ = false;
  long pgid_ = 0;
};

RemoteExecutor::RemoteExecutor(std::shared_ptr<SshConnection> connection) : connection_(std::move(connection)) {}

RemoteExecutor::~RemoteExecutor() {
  terminate_all(std::chrono::milliseconds(500));
  wait_for_kills(std::chrono::seconds(3));
}

std::unique_ptr<MachineProcess> RemoteExecutor::start(const CommandSpec& command, const CancelToken& cancel,
                                                      std::string& error) {
  if (cancel.cancelled()) {
    error = fmt::format("{}: cancelled before `{}` started", label(), command.display());
    return nullptr;
  }
  if (auto failure = connection_->failure(); !failure.empty()) {
    error = fmt::format("{} (cannot run `{}`)", failure, command.display());
    return nullptr;
  }
  auto process =
      std::make_unique<RemoteProcess>(*this, connection_->exec(remote_command_line(command)), command, cancel);
  std::lock_guard lock(mu_);
  live_.push_back(process.get());
  return process;
}

void RemoteExecutor::terminate_all(std::chrono::milliseconds grace) {
  std::vector<RemoteProcess*> live;
  {
    std::lock_guard lock(mu_);
    live = live_;
  }
  for (auto* p : live) p->terminate(grace);
}

void RemoteExecutor::kill_group(long pgid, bool sudo, std::chrono::milliseconds grace) {
  // `kill -SIG -PGID` without "--": dash's kill builtin rejects "--".
  const std::string g = "-" + std::to_string(pgid);
  const long tenths = std::max<long>(1, grace.count() / 100);
  // Root's processes are signalled through `sudo -n kill` (never a root
  // shell: sudo_programs.hpp host_sudo_programs); the script runs as the user.
  const auto k = [&](const char* sig) {
    return sudo ? fmt::format("sudo -n kill -s {} -- {}", sig, g) : fmt::format("kill -{} {}", sig, g);
  };
  std::string script = fmt::format(
      "{} 2>/dev/null; i=0; while {} 2>/dev/null && [ $i -lt {} ]; do sleep 0.1; "
      "i=$((i+1)); done; {} 2>/dev/null; true",
      k("TERM"), k("0"), tenths, k("KILL"));
  CommandSpec kill;
  kill.argv = {"sh", "-c", script};
  // The caller does not wait, but the executor does before it goes away
  // (wait_for_kills), so a kill is never lost to a connection closed too soon.
  auto state = connection_->exec(remote_command_line(kill));
  {
    std::lock_guard lock(state->mu);
    state->close_stdin = true;
  }
  std::lock_guard lock(mu_);
  std::erase_if(kills_, [](const std::shared_ptr<SshChannelState>& k) {
    std::lock_guard l(k->mu);
    return k->done;
  });
  kills_.push_back(std::move(state));
}

void RemoteExecutor::wait_for_kills(std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<SshChannelState>> kills;
  {
    std::lock_guard lock(mu_);
    kills.swap(kills_);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& k : kills) {
    std::unique_lock lock(k->mu);
    k->changed.wait_until(lock, deadline, [&] { return k->done; });
  }
}

}  // namespace pcs
