// pcswitcher/executor.hpp — blocking C++ executors over the host's C services.
//
// `ctx.source` and `ctx.target` in a job are `pcs::Executor`s. Every call blocks
// the job thread until the command ends. Once the job is cancelled every call
// throws `pcs::Cancelled` (the host has killed what it ran). A failure to run
// the command at all (connection lost, timeout, cannot start) throws
// `pcs::CommandError`; a command that ran and failed is a normal result whose
// `success()` is false.
#ifndef PCSWITCHER_EXECUTOR_HPP
#define PCSWITCHER_EXECUTOR_HPP

#include <pcswitcher/ext/cleanup_commands.h>
#include <pcswitcher/plugin.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pcs {

// The machine a call or a message concerns (the contract's `Host`).
enum class Host : pcs_machine { Source = PCS_MACHINE_SOURCE, Target = PCS_MACHINE_TARGET };

inline const char* to_string(Host h) { return h == Host::Source ? "source" : "target"; }

// Thrown by every host call once the job is cancelled. Deliberately NOT a
// std::exception, so `catch (const std::exception&)` does not swallow it (as
// asyncio.CancelledError is not an Exception). Catch it, clean up, re-throw.
struct Cancelled {};

// A command could not be run to its end (timeout, connection lost, cannot start).
class CommandError : public std::runtime_error {
 public:
  CommandError(pcs_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  pcs_status status() const { return status_; }

 private:
  pcs_status status_;
};

struct CommandResult {
  int exit_code = -1;
  int signal = 0;  // the signal that killed the command, else 0
  std::string stdout = {};
  std::string stderr = {};
  std::chrono::milliseconds duration{0};
  bool success() const { return exit_code == 0 && signal == 0; }
};

struct RunOptions {
  std::chrono::milliseconds timeout{0};  // 0 = none
  std::vector<std::string> env = {};     // "NAME=value"
  std::string cwd = {};                  // empty = the user's home directory
  bool sudo = false;
  bool login_shell = false;
  bool withhold_output = false;  // keep the output out of the logs (secrets)
  std::string mutates = {};      // what this changes, for a command that writes
  std::string stdin_data = {};
  // Runs even after cancellation, to undo what the job changed, when the host
  // offers ext/cleanup_commands.h (JobContext::can_clean_up()).
  bool cleanup = false;
};

// What `Executor::command` describes; used by `JobContext::pipe`.
struct Command {
  Host host = Host::Source;
  std::vector<std::string> argv = {};  // argv form, or
  std::string shell = {};              // shell form when argv is empty
  RunOptions options;
};

namespace detail {

// Keeps the pointers that a pcs_command borrows alive for the call.
class CommandView {
 public:
  explicit CommandView(const Command& c) {
    for (const auto& a : c.argv) argv_.push_back(a.c_str());
    argv_.push_back(nullptr);
    for (const auto& e : c.options.env) env_.push_back(e.c_str());
    env_.push_back(nullptr);
    cmd_.struct_size = sizeof cmd_;
    cmd_.machine = static_cast<pcs_machine>(c.host);
    cmd_.argv = c.argv.empty() ? nullptr : argv_.data();
    cmd_.shell = c.argv.empty() ? c.shell.c_str() : nullptr;
    cmd_.env = c.options.env.empty() ? nullptr : env_.data();
    cmd_.cwd = c.options.cwd.empty() ? nullptr : c.options.cwd.c_str();
    cmd_.timeout_ms = c.options.timeout.count();
    cmd_.flags = (c.options.sudo ? PCS_COMMAND_SUDO : 0u) | (c.options.login_shell ? PCS_COMMAND_LOGIN_SHELL : 0u) |
                 (c.options.withhold_output ? PCS_COMMAND_WITHHOLD_OUTPUT : 0u) |
                 (c.options.cleanup ? PCS_COMMAND_CLEANUP : 0u);
    cmd_.mutates = c.options.mutates.empty() ? nullptr : c.options.mutates.c_str();
    cmd_.stdin_data = c.options.stdin_data.data();
    cmd_.stdin_size = c.options.stdin_data.size();
  }
  CommandView(const CommandView&) = delete;
  CommandView& operator=(const CommandView&) = delete;
  const pcs_command* get() const { return &cmd_; }

 private:
  std::vector<const char*> argv_ = {};
  std::vector<const char*> env_ = {};
  pcs_command cmd_{};
};

// Owns a pcs_command_result filled by the host; releases it on destruction.
class ResultHolder {
 public:
  explicit ResultHolder(const pcs_host* host) : host_(host) { r_.struct_size = sizeof r_; }
  ~ResultHolder() { host_->release_result(host_, &r_); }
  ResultHolder(const ResultHolder&) = delete;
  ResultHolder& operator=(const ResultHolder&) = delete;
  pcs_command_result* get() { return &r_; }
  CommandResult take() const {
    CommandResult out;
    out.exit_code = r_.exit_code;
    out.signal = r_.signal;
    if (r_.stdout_data) out.stdout.assign(r_.stdout_data, r_.stdout_size);
    if (r_.stderr_data) out.stderr.assign(r_.stderr_data, r_.stderr_size);
    out.duration = std::chrono::milliseconds(r_.duration_ms);
    return out;
  }
  std::string error() const { return r_.error ? r_.error : "no message from the host"; }

 private:
  const pcs_host* host_;
  pcs_command_result r_{};
};

[[noreturn]] inline void throw_status(pcs_status status, const std::string& message) {
  if (status == PCS_ERR_CANCELLED) throw Cancelled{};
  throw CommandError(status, message);
}

}  // namespace detail

// One line or chunk of a background process's output.
struct Output {
  int stream = PCS_STREAM_STDOUT;  // PCS_STREAM_STDOUT or PCS_STREAM_STDERR
  std::string data = {};
};

// A background process. Owns the host handle: the destructor terminates the
// process if it still runs and frees the handle. Use on one thread.
class Process {
 public:
  Process(const pcs_host* host, pcs_process* p) : host_(host), p_(p) {}
  Process(Process&& o) noexcept : host_(o.host_), p_(std::exchange(o.p_, nullptr)) {}
  Process& operator=(Process&& o) noexcept {
    if (this != &o) {
      reset();
      host_ = o.host_;
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { reset(); }

  // The next line of output (stdout or stderr), or nothing at the end of both.
  // Throws CommandError(PCS_ERR_TIMEOUT) when `timeout` (if set) runs out.
  std::optional<Output> read_line(std::optional<std::chrono::milliseconds> timeout = {}) {
    return read(PCS_READ_LINE, timeout);
  }
  // Whatever output has arrived (at most 64 KiB), or nothing at the end.
  std::optional<Output> read_chunk(std::optional<std::chrono::milliseconds> timeout = {}) {
    return read(PCS_READ_CHUNK, timeout);
  }
  // Wait for the end; output not read yet lands in the result.
  CommandResult wait(std::optional<std::chrono::milliseconds> timeout = {}) {
    detail::ResultHolder r(host_);
    pcs_status s = host_->process_wait(host_, p_, timeout ? timeout->count() : -1, r.get());
    if (s != PCS_OK) detail::throw_status(s, r.error());
    return r.take();
  }
  // SIGTERM to the process group, SIGKILL after `grace`. Returns at once.
  void terminate(std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) {
    if (p_) host_->process_terminate(host_, p_, grace.count());
  }

 private:
  std::optional<Output> read(int32_t mode, std::optional<std::chrono::milliseconds> timeout) {
    pcs_output_chunk chunk{};
    chunk.struct_size = sizeof chunk;
    pcs_status s = host_->process_read(host_, p_, mode, timeout ? timeout->count() : -1, &chunk);
    if (s == PCS_END_OF_STREAM) return std::nullopt;
    if (s != PCS_OK) detail::throw_status(s, "reading process output failed");
    return Output{chunk.stream, std::string(chunk.data ? chunk.data : "", chunk.size)};
  }
  void reset() {
    if (p_) host_->release_process(host_, std::exchange(p_, nullptr));
  }

  const pcs_host* host_;
  pcs_process* p_;
};

// Runs commands on one machine through the host.
class Executor {
 public:
  Executor(const pcs_host* host, Host which) : host_(host), which_(which) {}

  Host host() const { return which_; }

  // Describes a command for `JobContext::pipe` without running it.
  Command command(std::vector<std::string> argv, RunOptions options = {}) const {
    return Command{which_, std::move(argv), {}, std::move(options)};
  }
  Command shell_command(std::string shell, RunOptions options = {}) const {
    return Command{which_, {}, std::move(shell), std::move(options)};
  }

  // Run a shell string with /bin/sh -c (the contract's run_command). Quote
  // anything that comes from config or the system: prefer `run` with argv.
  CommandResult run_command(std::string shell, RunOptions options = {}) const {
    return execute(shell_command(std::move(shell), std::move(options)));
  }
  // Run argv directly: no shell interprets any argument.
  CommandResult run(std::vector<std::string> argv, RunOptions options = {}) const {
    return execute(command(std::move(argv), std::move(options)));
  }

  Process start_process(std::string shell, RunOptions options = {}) const {
    return start(shell_command(std::move(shell), std::move(options)));
  }
  Process start(std::vector<std::string> argv, RunOptions options = {}) const {
    return start(command(std::move(argv), std::move(options)));
  }

  // Target executor only: copy a source file to the target / a target file to the source.
  void send_file(const std::string& local_path, const std::string& remote_path, uint32_t flags = PCS_TRANSFER_KEEP_MODE,
                 const std::string& mutates = {}) const {
    transfer(host_->send_file, local_path, remote_path, flags, mutates);
  }
  void get_file(const std::string& remote_path, const std::string& local_path, uint32_t flags = PCS_TRANSFER_KEEP_MODE,
                const std::string& mutates = {}) const {
    transfer(host_->get_file, local_path, remote_path, flags, mutates);
  }

  CommandResult execute(const Command& c) const {
    detail::CommandView view(c);
    detail::ResultHolder r(host_);
    pcs_status s = host_->run(host_, view.get(), r.get());
    if (s != PCS_OK) detail::throw_status(s, r.error());
    return r.take();
  }
  Process start(const Command& c) const {
    detail::CommandView view(c);
    pcs_process* p = nullptr;
    const char* error = nullptr;
    pcs_status s = host_->start_process(host_, view.get(), &p, &error);
    if (s != PCS_OK) detail::throw_status(s, error ? error : "could not start process");
    return Process(host_, p);
  }

 private:
  using TransferFn = pcs_status (*)(const pcs_host*, pcs_file_transfer*);
  void transfer(TransferFn fn, const std::string& source_path, const std::string& target_path, uint32_t flags,
                const std::string& mutates) const {
    if (which_ != Host::Target)
      throw std::logic_error("send_file/get_file are calls of the target executor (ctx.target)");
    pcs_file_transfer t{};
    t.struct_size = sizeof t;
    t.source_path = source_path.c_str();
    t.target_path = target_path.c_str();
    t.flags = flags;
    t.mutates = mutates.empty() ? nullptr : mutates.c_str();
    pcs_status s = fn(host_, &t);
    if (s != PCS_OK) detail::throw_status(s, t.error ? t.error : "file transfer failed");
  }

  const pcs_host* host_;
  Host which_;
};

}  // namespace pcs

#endif  // PCSWITCHER_EXECUTOR_HPP
