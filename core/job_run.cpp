#include "job_run.hpp"

#include <thread>

#include <fmt/format.h>

namespace pcs {

// The state one call shares with its thread; the thread keeps it alive, so a
// call left behind never touches freed memory.
struct JobRun::Call {
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  pcs_status status = PCS_OK;
  std::vector<MachineMessage> reports;
  std::chrono::steady_clock::time_point begin = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point end{};
};

namespace {

enum { kValidate, kExecute, kDescribe, kAfterSync, kWritePaths };

Machine machine_of(pcs_machine m) { return m == PCS_MACHINE_TARGET ? Machine::Target : Machine::Source; }

// How long a retired host table waits for the calls in progress: cancelled,
// they end promptly, but a cleanup command may run its 10 s (job_host.cpp).
constexpr std::chrono::milliseconds kRetireWait{12000};

// Host tables whose session is over: retired and kept, reachable, for the
// life of the process, so that a plugin calling them later — from a call the
// session left behind, or from a thread of its own after destroy — is refused
// instead of reaching freed memory. A few hundred bytes per job.
void bury(std::unique_ptr<JobHost> host) {
  static std::mutex mu;
  static auto* graves = new std::vector<std::unique_ptr<JobHost>>();
  host->retire(kRetireWait);
  std::lock_guard lock(mu);
  graves->push_back(std::move(host));
}

void add_report(void* data, pcs_machine machine, const char* message) {
  auto* call = static_cast<JobRun::Call*>(data);
  std::lock_guard lock(call->mu);
  call->reports.push_back({machine_of(machine), message ? message : "(no message)"});
}

}  // namespace

std::string describe_status(pcs_status s) {
  switch (s) {
    case PCS_OK:
      return "ok";
    case PCS_ERR_INVALID_CONFIG:
      return "its configuration cannot be used";
    case PCS_ERR_IO:
      return "an I/O error";
    case PCS_ERR_REMOTE:
      return "the connection to the target failed";
    case PCS_ERR_CANCELLED:
      return "cancelled";
    case PCS_ERR_UNSUPPORTED:
      return "not supported here";
    case PCS_ERR_INTERNAL:
      return "an internal error in the plugin";
    case PCS_ERR_TIMEOUT:
      return "a timeout ran out";
    case PCS_ERR_FAILED:
      return "failed";
    case PCS_SKIPPED:
      return "skipped";
    default:
      return fmt::format("an unknown status {} (a plugin bug)", s);
  }
}

// The programs the job may run as root: its plugin's sync declaration unless
// the caller chose (a plugin command allows the plugin's `commands` too).
static JobServices with_sudo_allowance(const PluginInfo& plugin, JobServices services) {
  if (!services.sudo) services.sudo = sudo_allowance(plugin, false);
  return services;
}

JobRun::JobRun(const PluginInfo& plugin, const nlohmann::json& config, JobServices services, SessionFacts facts)
    : plugin_(plugin),
      config_json_(config.dump()),
      host_(
          std::make_unique<JobHost>(plugin.name, with_sudo_allowance(plugin, std::move(services)), std::move(facts))) {
  if (plugin_.table->get_extension != nullptr) {
    const auto* ext = static_cast<const pcs_ext_after_sync*>(plugin_.table->get_extension(PCS_EXT_AFTER_SYNC));
    if (PCS_HAS_FIELD(ext, pcs_ext_after_sync, after_sync) && ext->after_sync != nullptr) after_sync_ = ext;
  }
  const pcs_status s = plugin_.table->create(host_->table(), config_json_.c_str(), &instance_);
  created_ = s == PCS_OK;
  if (!created_) {
    const std::string why = host_->error();
    create_error_ = why.empty() ? describe_status(s) : why;
  }
}

JobRun::~JobRun() {
  if (created_ && !running()) plugin_.table->destroy(instance_);
  // Left behind (still running): never destroyed under a running call. Either
  // way the host table is retired and kept for whatever still calls it.
  bury(std::move(host_));
}

void JobRun::start(int which, pcs_sync_outcome outcome) {
  auto call = std::make_shared<Call>();
  call_ = call;
  const pcs_plugin* table = plugin_.table;
  const pcs_ext_after_sync* after = after_sync_;
  void* instance = instance_;
  std::thread([call, table, after, instance, which, outcome] {
    pcs_validation_sink sink{sizeof(pcs_validation_sink), call.get(), &add_report};
    pcs_status s = PCS_OK;
    if (which == kValidate)
      s = table->validate(instance, &sink);
    else if (which == kExecute)
      s = table->execute(instance);
    else if (which == kAfterSync)
      s = after->after_sync(instance, outcome);
    else if (which == kWritePaths) {
      pcs_path_sink paths{sizeof(pcs_path_sink), call.get(), &add_report};
      s = table->list_write_paths(instance, &paths);
    } else
      s = table->describe_first_sync(instance, &sink);
    std::lock_guard lock(call->mu);
    call->status = s;
    call->end = std::chrono::steady_clock::now();
    call->done = true;
    call->done_cv.notify_all();
  }).detach();
}

void JobRun::start_validate() { start(kValidate); }
void JobRun::start_execute() { start(kExecute); }
bool JobRun::start_list_write_paths() {
  if (plugin_.table->list_write_paths == nullptr) return false;
  start(kWritePaths);
  return true;
}

bool JobRun::start_after_sync(pcs_sync_outcome outcome) {
  if (after_sync_ == nullptr) return false;
  start(kAfterSync, outcome);
  return true;
}

bool JobRun::start_describe_first_sync() {
  if (plugin_.table->describe_first_sync == nullptr) return false;
  start(kDescribe);
  return true;
}

void JobRun::start_command(const pcs_ext_commands* ext, std::string name, CommandLine line) {
  auto call = std::make_shared<Call>();
  call_ = call;
  void* instance = instance_;
  std::thread([call, ext, instance, name = std::move(name), line = std::move(line)] {
    std::vector<const char*> arguments, names, values;
    for (const auto& a : line.arguments) arguments.push_back(a.c_str());
    for (const auto& [n, v] : line.options) names.push_back(n.c_str()), values.push_back(v.c_str());
    const pcs_command_args args{sizeof(pcs_command_args),
                                arguments.data(),
                                static_cast<uint32_t>(arguments.size()),
                                names.data(),
                                values.data(),
                                static_cast<uint32_t>(names.size()),
                                line.on_source ? 1 : 0,
                                line.on_target ? 1 : 0,
                                line.assume_yes ? 1 : 0};
    const pcs_status s = ext->run_command(instance, name.c_str(), &args);
    std::lock_guard lock(call->mu);
    call->status = s;
    call->end = std::chrono::steady_clock::now();
    call->done = true;
    call->done_cv.notify_all();
  }).detach();
}

bool JobRun::wait_for(std::chrono::milliseconds timeout) {
  if (!call_) return true;
  std::unique_lock lock(call_->mu);
  return call_->done_cv.wait_for(lock, timeout, [&] { return call_->done; });
}

bool JobRun::running() const {
  if (!call_) return false;
  std::lock_guard lock(call_->mu);
  return !call_->done;
}

bool JobRun::started() const { return call_ != nullptr; }

pcs_status JobRun::status() const {
  if (!call_) return PCS_OK;
  std::lock_guard lock(call_->mu);
  return call_->status;
}

std::string JobRun::message() const {
  std::string why = host_->error();
  return why.empty() ? describe_status(status()) : why;
}

std::vector<MachineMessage> JobRun::reports() const {
  if (!call_) return {};
  std::lock_guard lock(call_->mu);
  return call_->reports;
}

std::chrono::milliseconds JobRun::duration() const {
  if (!call_) return std::chrono::milliseconds(0);
  std::lock_guard lock(call_->mu);
  const auto end = call_->done ? call_->end : std::chrono::steady_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(end - call_->begin);
}

void JobRun::cancel() {
  std::call_once(cancel_once_, [&] {
    host_->cancel();
    if (created_ && plugin_.table->cancel != nullptr && running()) plugin_.table->cancel(instance_);
  });
}

}  // namespace pcs
