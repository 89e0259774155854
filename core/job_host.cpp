#include "job_host.hpp"

#include <chrono>
#include <cstring>
#include <thread>

#include <pcswitcher/ext/cleanup_commands.h>
#include <pcswitcher/ext/installation.h>
#include <pcswitcher/ext/remote_shell.h>
#include <pcswitcher/ext/sync_options.h>
#include <pcswitcher/ext/write_paths.h>

#include <fmt/format.h>

#include "build_info.hpp"
#include "remote_executor.hpp"

namespace pcs {

// The longest a PCS_COMMAND_CLEANUP command may run (ext/cleanup_commands.h).
constexpr std::chrono::milliseconds kCleanupLimit{10000};

namespace {

thread_local std::string t_last_error;  // for the calls whose error stays "until the next call"

struct ResultBuffers {
  std::string out, err, error;
};

void fill_result(pcs_command_result* r, ExecResult&& e) {
  if (r == nullptr) return;
  auto* owned = new ResultBuffers{std::move(e.out), std::move(e.err), std::move(e.error)};
  r->exit_code = e.exit_code;
  r->signal = e.signal;
  r->stdout_data = owned->out.data();
  r->stdout_size = owned->out.size();
  r->stderr_data = owned->err.data();
  r->stderr_size = owned->err.size();
  r->error = e.status == PCS_OK ? nullptr : owned->error.c_str();
  r->duration_ms = e.duration.count();
  r->host_reserved = owned;
}

struct HostProcess {
  std::unique_ptr<MachineProcess> process;
  std::string chunk;
};

}  // namespace

// One host call that may reach the session (executors, event bus, terminal):
// counted while it runs, refused once the table was retired. The check
// follows the count (both sequentially consistent), and retire() sets the
// flag before it reads the count: a call either sees the flag or is waited for.
class HostInUse {
 public:
  explicit HostInUse(JobHost& j) : j_(j) {
    j_.in_flight_.fetch_add(1);
    ok_ = !j_.retired_.load();
    if (!ok_) j_.refused_.fetch_add(1, std::memory_order_relaxed);
  }
  ~HostInUse() { j_.in_flight_.fetch_sub(1); }
  HostInUse(const HostInUse&) = delete;
  HostInUse& operator=(const HostInUse&) = delete;
  explicit operator bool() const { return ok_; }

 private:
  JobHost& j_;
  bool ok_ = false;
};

struct JobHostCalls {
  static JobHost& self(const pcs_host* h) { return *static_cast<JobHost*>(h->host_data); }

  static MachineExecutor* executor(JobHost& j, pcs_machine m) {
    if (m == PCS_MACHINE_SOURCE) return j.services_.source;
    if (m == PCS_MACHINE_TARGET) return j.services_.target;
    return nullptr;
  }

  static const char* invalid(const pcs_command* c) {
    if (c == nullptr || c->struct_size < offsetof(pcs_command, stdin_size) + sizeof(size_t))
      return "command struct too short";
    if ((c->argv == nullptr || c->argv[0] == nullptr) && c->shell == nullptr)
      return "command has neither argv nor shell";
    if (c->machine != PCS_MACHINE_SOURCE && c->machine != PCS_MACHINE_TARGET) return "unknown machine";
    return nullptr;
  }

  // A root command the job did not declare (ext/sudo_programs.h).
  static std::optional<std::string> sudo_refused(const JobHost& j, const pcs_command& c) {
    if (!j.services_.sudo) return std::nullopt;
    return sudo_refusal(j.job_, *j.services_.sudo, c);
  }
  static std::optional<std::string> sudo_refused(const JobHost& j, const pcs_command& a, const pcs_command& b) {
    auto why = sudo_refused(j, a);
    return why ? why : sudo_refused(j, b);
  }

  // log and progress are called millions of times: they only check the flag
  // (no count). The bus they publish to outlives the retirement by far: it
  // is closed after the session's cleanup, and never with a job left running.
  static bool refused(JobHost& j) {
    if (!j.retired_.load(std::memory_order_acquire)) return false;
    j.refused_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  static void log(const pcs_host* h, const pcs_log_record* r) {
    JobHost& j = self(h);
    if (!refused(j) && r && j.services_.log) j.services_.log(j.job_, *r);
  }
  static void progress(const pcs_host* h, const pcs_progress* p) {
    JobHost& j = self(h);
    if (!refused(j) && p && j.services_.progress) j.services_.progress(j.job_, *p);
  }
  static int32_t is_cancelled(const pcs_host* h) { return self(h).cancel_.cancelled() ? 1 : 0; }
  static void set_error(const pcs_host* h, const char* message) {
    JobHost& j = self(h);
    std::lock_guard lock(j.mu_);
    j.error_ = message ? message : "";
  }

  static constexpr const char* kRetired = "the session is over for this job: host services were called after it";

  static pcs_status run(const pcs_host* h, const pcs_command* c, pcs_command_result* out) {
    JobHost& j = self(h);
    const HostInUse use(j);
    ExecResult e;
    if (!use) {
      e.status = PCS_ERR_CANCELLED;
      e.error = kRetired;
    } else if (const char* why = invalid(c)) {
      e.status = PCS_ERR_INVALID_ARGUMENT;
      e.error = fmt::format("job {}: invalid command: {}", j.job_, why);
    } else if (auto refused = sudo_refused(j, *c)) {
      e.status = PCS_ERR_INVALID_ARGUMENT;
      e.error = std::move(*refused);
    } else if (MachineExecutor* ex = executor(j, c->machine)) {
      CommandSpec spec = CommandSpec::from(*c);
      if ((c->flags & PCS_COMMAND_CLEANUP) != 0u) {
        // Undoing what the job changed: not stopped by the job's cancellation.
        if (spec.timeout.count() <= 0 || spec.timeout > kCleanupLimit) spec.timeout = kCleanupLimit;
        const CancelToken never;
        e = ex->run(spec, never);
      } else {
        e = ex->run(spec, j.cancel_);
      }
      if (j.services_.trace) j.services_.trace(j.job_, c->machine, spec, e);
    } else {
      e.status = PCS_ERR_UNSUPPORTED;
      e.error = "no connection to the target in this session";
    }
    pcs_status status = e.status;
    if (out == nullptr) return PCS_ERR_INVALID_ARGUMENT;
    fill_result(out, std::move(e));
    return status;
  }

  static void release_result(const pcs_host*, pcs_command_result* r) {
    if (r == nullptr) return;
    delete static_cast<ResultBuffers*>(r->host_reserved);
    r->host_reserved = nullptr;
    r->stdout_data = r->stderr_data = r->error = nullptr;
    r->stdout_size = r->stderr_size = 0;
  }

  static pcs_status start_process(const pcs_host* h, const pcs_command* c, pcs_process** p, const char** error) {
    JobHost& j = self(h);
    const HostInUse use(j);
    if (error) *error = nullptr;
    if (!use) {
      t_last_error = kRetired;
      if (error) *error = t_last_error.c_str();
      return PCS_ERR_CANCELLED;
    }
    if (const char* why = invalid(c); why || p == nullptr) {
      t_last_error = fmt::format("job {}: invalid command: {}", j.job_, why ? why : "NULL process pointer");
      if (error) *error = t_last_error.c_str();
      return PCS_ERR_INVALID_ARGUMENT;
    }
    if (auto refused = sudo_refused(j, *c)) {
      t_last_error = std::move(*refused);
      if (error) *error = t_last_error.c_str();
      return PCS_ERR_INVALID_ARGUMENT;
    }
    MachineExecutor* ex = executor(j, c->machine);
    if (ex == nullptr) {
      t_last_error = "no connection to the target in this session";
      if (error) *error = t_last_error.c_str();
      return PCS_ERR_UNSUPPORTED;
    }
    const CommandSpec spec = CommandSpec::from(*c);
    auto process = ex->start(spec, j.cancel_, t_last_error);
    if (j.services_.trace) {
      ExecResult started;
      if (!process) {
        started.status = PCS_ERR_IO;
        started.error = t_last_error;
      }
      j.services_.trace(j.job_, c->machine, spec, started);
    }
    if (!process) {
      if (error) *error = t_last_error.c_str();
      return j.cancel_.cancelled() ? PCS_ERR_CANCELLED : PCS_ERR_IO;
    }
    *p = reinterpret_cast<pcs_process*>(new HostProcess{std::move(process), {}});
    return PCS_OK;
  }

  static pcs_status process_read(const pcs_host* h, pcs_process* p, int32_t mode, int64_t timeout_ms,
                                 pcs_output_chunk* chunk) {
    const HostInUse use(self(h));
    if (!use) return PCS_ERR_CANCELLED;
    if (p == nullptr || chunk == nullptr) return PCS_ERR_INVALID_ARGUMENT;
    auto* hp = reinterpret_cast<HostProcess*>(p);
    OutputEvent e;
    pcs_status s = hp->process->read(mode, std::chrono::milliseconds(timeout_ms), e);
    if (s != PCS_OK) return s;
    hp->chunk = std::move(e.data);
    chunk->stream = e.stream;
    chunk->data = hp->chunk.data();
    chunk->size = hp->chunk.size();
    return PCS_OK;
  }

  static pcs_status process_wait(const pcs_host* h, pcs_process* p, int64_t timeout_ms, pcs_command_result* out) {
    const HostInUse use(self(h));
    if (!use) return PCS_ERR_CANCELLED;
    if (p == nullptr) return PCS_ERR_INVALID_ARGUMENT;
    ExecResult e;
    pcs_status s = reinterpret_cast<HostProcess*>(p)->process->wait(std::chrono::milliseconds(timeout_ms), e);
    if (e.status == PCS_OK) e.status = s;
    fill_result(out, std::move(e));
    return s;
  }

  static pcs_status process_terminate(const pcs_host* h, pcs_process* p, int64_t grace_ms) {
    const HostInUse use(self(h));
    if (!use) return PCS_ERR_CANCELLED;
    if (p == nullptr) return PCS_ERR_INVALID_ARGUMENT;
    reinterpret_cast<HostProcess*>(p)->process->terminate(std::chrono::milliseconds(grace_ms));
    return PCS_OK;
  }

  // Once retired the handle is left as it is: its executor may be gone (the
  // session's cleanup ended the process itself).
  static void release_process(const pcs_host* h, pcs_process* p) {
    const HostInUse use(self(h));
    if (use) delete reinterpret_cast<HostProcess*>(p);
  }

  static pcs_status transfer(const pcs_host* h, pcs_file_transfer* t, bool send) {
    JobHost& j = self(h);
    const HostInUse use(j);
    if (!use) return PCS_ERR_CANCELLED;
    if (t == nullptr || t->source_path == nullptr || t->target_path == nullptr) return PCS_ERR_INVALID_ARGUMENT;
    t->error = nullptr;
    if (j.services_.target == nullptr) {
      t_last_error = "no connection to the target in this session";
      t->error = t_last_error.c_str();
      return PCS_ERR_UNSUPPORTED;
    }
    pcs_status s =
        send ? j.services_.target->send_file(t->source_path, t->target_path, t->flags, j.cancel_, t_last_error)
             : j.services_.target->get_file(t->target_path, t->source_path, t->flags, j.cancel_, t_last_error);
    if (s != PCS_OK) t->error = t_last_error.c_str();
    return s;
  }
  static pcs_status send_file(const pcs_host* h, pcs_file_transfer* t) { return transfer(h, t, true); }
  static pcs_status get_file(const pcs_host* h, pcs_file_transfer* t) { return transfer(h, t, false); }

  static pcs_status pipe(const pcs_host* h, const pcs_command* producer, const pcs_command* consumer,
                         pcs_bytes_callback on_bytes, void* user, uint64_t* bytes, pcs_command_result* pr,
                         pcs_command_result* cr) {
    JobHost& j = self(h);
    const HostInUse use(j);
    ExecResult p, c;
    uint64_t moved = 0;
    pcs_status s = PCS_OK;
    MachineExecutor* pe = !use || invalid(producer) ? nullptr : executor(j, producer->machine);
    MachineExecutor* ce = !use || invalid(consumer) ? nullptr : executor(j, consumer->machine);
    if (!use) {
      s = PCS_ERR_CANCELLED;
      p.status = c.status = s;
      p.error = c.error = kRetired;
    } else if (pe == nullptr || ce == nullptr) {
      s = PCS_ERR_INVALID_ARGUMENT;
      p.status = c.status = s;
      p.error = c.error = fmt::format("job {}: invalid pipe command or machine without a connection", j.job_);
    } else if (auto refused = sudo_refused(j, *producer, *consumer)) {
      s = PCS_ERR_INVALID_ARGUMENT;
      p.status = c.status = s;
      p.error = c.error = std::move(*refused);
    } else {
      s = pipe_between(
          *pe, CommandSpec::from(*producer), *ce, CommandSpec::from(*consumer), j.cancel_,
          [&](uint64_t n) {
            if (on_bytes) on_bytes(user, n);
          },
          moved, p, c);
    }
    if (bytes) *bytes = moved;
    fill_result(pr, std::move(p));
    fill_result(cr, std::move(c));
    return s;
  }

  static pcs_status ask(const pcs_host* h, const pcs_question* q, int32_t* choice) {
    JobHost& j = self(h);
    const HostInUse use(j);
    if (!use || j.cancel_.cancelled()) return PCS_ERR_CANCELLED;
    if (q == nullptr || choice == nullptr) return PCS_ERR_INVALID_ARGUMENT;
    if (!j.services_.ask) return PCS_ERR_UNSUPPORTED;
    int answer = j.services_.ask(j.job_, *q);
    if (answer < 0) return PCS_ERR_UNSUPPORTED;
    *choice = answer;
    return PCS_OK;
  }

  static void list_write_paths(const pcs_host* h, const pcs_path_sink* sink) {
    JobHost& j = self(h);
    const HostInUse use(j);
    if (!use || sink == nullptr || sink->add == nullptr || !j.services_.write_paths) return;
    for (const auto& [machine, path] : j.services_.write_paths()) sink->add(sink->sink_data, machine, path.c_str());
  }

  static void list_plugins(const pcs_host* h, void* data, void (*each)(void*, const pcs_installed_plugin*)) {
    const auto& inst = self(h).services_.installation;
    if (!inst || each == nullptr) return;
    for (const auto& p : inst->plugins) {
      const pcs_installed_plugin c{sizeof(pcs_installed_plugin), p.name.c_str(), p.version.c_str(), p.path.c_str()};
      each(data, &c);
    }
  }
  static const char* const* remote_shell_argv(const pcs_host* h) { return self(h).remote_shell_argv_.data(); }
  static const char* installed_version(const pcs_host* h) { return self(h).services_.installation->version.c_str(); }
  static const char* executable(const pcs_host* h) { return self(h).services_.installation->executable.c_str(); }

  static const char* sync_option(const pcs_host* h, const char* name) {
    const JobHost& j = self(h);
    const auto job = j.services_.sync_options.find(j.job_);
    if (name == nullptr || job == j.services_.sync_options.end()) return nullptr;
    const auto it = job->second.find(name);
    return it == job->second.end() ? nullptr : it->second.c_str();
  }

  static const void* get_extension(const pcs_host* h, const char* id) {
    static const pcs_host_ext_write_paths write_paths{sizeof(pcs_host_ext_write_paths), &list_write_paths};
    static const pcs_host_ext_installation installation{sizeof(pcs_host_ext_installation), &list_plugins,
                                                        &installed_version, &executable};
    static const pcs_host_ext_remote_shell remote_shell{sizeof(pcs_host_ext_remote_shell), &remote_shell_argv};
    static const pcs_host_ext_sync_options sync_options{sizeof(pcs_host_ext_sync_options), &sync_option};
    static const pcs_host_ext_cleanup_commands cleanup{sizeof(pcs_host_ext_cleanup_commands), kCleanupLimit.count()};
    if (id == nullptr) return nullptr;
    if (std::strcmp(id, PCS_HOST_EXT_SYNC_OPTIONS) == 0) return &sync_options;
    if (std::strcmp(id, PCS_HOST_EXT_CLEANUP_COMMANDS) == 0) return &cleanup;
    if (std::strcmp(id, PCS_HOST_EXT_REMOTE_SHELL) == 0 && !self(h).services_.remote_shell.empty())
      return &remote_shell;
    if (std::strcmp(id, PCS_HOST_EXT_WRITE_PATHS) == 0 && self(h).services_.write_paths) return &write_paths;
    if (std::strcmp(id, PCS_HOST_EXT_INSTALLATION) == 0 && self(h).services_.installation) return &installation;
    return nullptr;
  }
};

JobHost::JobHost(std::string job_name, JobServices services, SessionFacts facts)
    : job_(std::move(job_name)), services_(std::move(services)), facts_(std::move(facts)) {
  for (const auto& word : services_.remote_shell) remote_shell_argv_.push_back(word.c_str());
  remote_shell_argv_.push_back(nullptr);
  session_.struct_size = sizeof session_;
  session_.session_id = facts_.session_id.c_str();
  session_.source_hostname = facts_.source_hostname.c_str();
  session_.target_hostname = facts_.target_hostname.c_str();
  session_.target_address = facts_.target_address.c_str();
  session_.dry_run = facts_.dry_run ? 1 : 0;

  host_.struct_size = sizeof host_;
  host_.abi_major = PCS_ABI_VERSION_MAJOR;
  host_.abi_minor = PCS_ABI_VERSION_MINOR;
  host_.host_data = this;
  host_.host_name = "pc-switcher";
  host_.host_version = build::version;
  host_.session = &session_;
  host_.log = &JobHostCalls::log;
  host_.progress = &JobHostCalls::progress;
  host_.is_cancelled = &JobHostCalls::is_cancelled;
  host_.set_error = &JobHostCalls::set_error;
  host_.run = &JobHostCalls::run;
  host_.release_result = &JobHostCalls::release_result;
  host_.start_process = &JobHostCalls::start_process;
  host_.process_read = &JobHostCalls::process_read;
  host_.process_wait = &JobHostCalls::process_wait;
  host_.process_terminate = &JobHostCalls::process_terminate;
  host_.release_process = &JobHostCalls::release_process;
  host_.send_file = &JobHostCalls::send_file;
  host_.get_file = &JobHostCalls::get_file;
  host_.pipe = &JobHostCalls::pipe;
  host_.ask = &JobHostCalls::ask;
  host_.get_extension = &JobHostCalls::get_extension;
}

bool JobHost::retire(std::chrono::milliseconds wait) {
  cancel_.cancel();
  retired_.store(true);
  const auto until = std::chrono::steady_clock::now() + wait;
  while (in_flight_.load() > 0) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::string JobHost::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

pcs_status pipe_between(MachineExecutor& producer_exec, const CommandSpec& producer, MachineExecutor& consumer_exec,
                        const CommandSpec& consumer, const CancelToken& cancel,
                        const std::function<void(uint64_t)>& on_bytes, uint64_t& bytes, ExecResult& pr,
                        ExecResult& cr) {
  bytes = 0;
  std::string error;
  auto from = producer_exec.start(producer, cancel, error);
  if (!from) {
    pr.status = cancel.cancelled() ? PCS_ERR_CANCELLED : PCS_ERR_IO;
    pr.error = error;
    return pr.status;
  }
  from->close_stdin();
  auto to = consumer_exec.start(consumer, cancel, error);
  if (!to) {
    cr.status = cancel.cancelled() ? PCS_ERR_CANCELLED : PCS_ERR_IO;
    cr.error = error;
    from->terminate(std::chrono::milliseconds(500));
    return cr.status;
  }
  auto last_report = std::chrono::steady_clock::now();
  pcs_status status = PCS_OK;
  OutputEvent e;
  while (true) {
    pcs_status s = from->read(PCS_READ_CHUNK, std::chrono::milliseconds(-1), e);
    if (s == PCS_END_OF_STREAM) break;
    if (s != PCS_OK) {
      status = s;
      break;
    }
    if (e.stream == PCS_STREAM_STDERR) {
      pr.err += e.data;
      continue;
    }
    if (to->write(e.data.data(), e.data.size()) != PCS_OK) {
      status = cancel.cancelled() ? PCS_ERR_CANCELLED : PCS_OK;  // the consumer quit: its result says why
      break;
    }
    bytes += e.data.size();
    auto now = std::chrono::steady_clock::now();
    if (on_bytes && now - last_report >= std::chrono::milliseconds(100)) {
      on_bytes(bytes);
      last_report = now;
    }
  }
  to->close_stdin();
  if (status != PCS_OK) {
    from->terminate(std::chrono::milliseconds(500));
    to->terminate(std::chrono::milliseconds(500));
  }
  std::string producer_err = std::move(pr.err);
  from->wait(std::chrono::milliseconds(-1), pr);
  pr.err = producer_err + pr.err;
  pr.out.clear();
  to->wait(std::chrono::milliseconds(-1), cr);
  if (on_bytes) on_bytes(bytes);
  if (status == PCS_OK && pr.status != PCS_OK) status = pr.status;
  if (status == PCS_OK && cr.status != PCS_OK) status = cr.status;
  return status;
}

}  // namespace pcs
