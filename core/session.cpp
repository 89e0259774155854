#include "session.hpp"
#include "session_live.hpp"

#include <unistd.h>

#include <algorithm>

#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "build_info.hpp"
#include "local_executor.hpp"
#include "log_file_sink.hpp"
#include "machine_lock.hpp"
#include "remote_executor.hpp"
#include "ssh_connection.hpp"
#include "sync_direction.hpp"
#include "target_lock.hpp"
#include "target_state.hpp"
#include "xdg_paths.hpp"

namespace pcs {

std::string this_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

namespace {

// Runs `fn` on a thread of its own and waits for it while `interrupted` stays
// false. On interrupt the thread is left to finish alone and nothing is returned.
template <typename T, typename Fn>
std::optional<T> run_interruptible(Fn fn, const std::atomic<bool>& interrupted) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<T> value;
    std::exception_ptr error;
  };
  auto shared = std::make_shared<Shared>();
  std::thread([shared, fn = std::move(fn)]() mutable {
    std::optional<T> value;
    std::exception_ptr error;
    try {
      value.emplace(fn());
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(shared->mu);
    shared->value = std::move(value);
    shared->error = error;
    shared->cv.notify_all();
  }).detach();
  std::unique_lock lock(shared->mu);
  while (!shared->cv.wait_for(lock, std::chrono::milliseconds(50),
                              [&] { return shared->value.has_value() || shared->error; })) {
    if (interrupted.load()) return std::nullopt;
  }
  if (shared->error) std::rethrow_exception(shared->error);
  return std::move(shared->value);
}

}  // namespace

std::string new_session_id() {
  std::random_device rd;
  return fmt::format("{:08x}", static_cast<std::uint32_t>(rd()));
}

Session::Session(SessionOptions options, EventBus& bus, AskFunction ask)
    : options_(std::move(options)), bus_(bus), ask_(std::move(ask)), live_(std::make_unique<Live>()) {}

Session::~Session() = default;

void Session::interrupt() {
  if (interrupted_.exchange(true)) return;
  log(PCS_LOG_WARNING, "Interrupted: cancelling the running jobs and cleaning up");
  std::lock_guard lock(mu_);
  wake_.notify_all();
}

std::vector<std::string> Session::abandoned_jobs() const {
  std::lock_guard lock(mu_);
  return abandoned_;
}

void Session::log(pcs_log_level level, const std::string& message, std::vector<LogExtra> extras, bool always_in_file) {
  LogEvent e;
  e.time = std::chrono::system_clock::now();
  e.level = level;
  e.message = message;
  e.extras = std::move(extras);
  e.always_in_file = always_in_file;
  bus_.publish(std::move(e));
}

void Session::step(const std::string& name) {
  ++step_number_;
  step_name_ = name;
  bus_.publish(StepEvent{std::chrono::system_clock::now(), name, fmt::format("{}/{}", step_number_, step_count_)});
  log(PCS_LOG_DEBUG, fmt::format("Step {}/{}: {}", step_number_, step_count_, name));
}

void Session::job_state(const std::string& job, JobState state, const std::string& message) {
  bus_.publish(JobStateEvent{std::chrono::system_clock::now(), job, state, message});
}

void Session::throw_if_interrupted() {
  if (interrupted()) throw Stop{SessionOutcome::Interrupted, "interrupted (Ctrl+C)"};
}

SessionReport Session::run() {
  report_.session_id = new_session_id();
  report_.source = this_hostname();
  report_.target = options_.target;
  report_.dry_run = options_.dry_run;
  report_.started = std::chrono::system_clock::now();
  collector_ = std::make_shared<ReportCollector>();
  bus_.add_sink(collector_);
  try {
    load_config();
    open_log_file();
    if (options_.dry_run) log(PCS_LOG_WARNING, "Dry run: nothing on either machine will be changed");
    lock_source();
    connect();
    lock_target();
    create_jobs();
    check_direction();
    validate_jobs();
    run_jobs();
  } catch (const Stop& stop) {
    report_.status = stop.status;
    report_.reason = stop.reason;
  } catch (const std::exception& e) {
    report_.status = SessionOutcome::Failed;
    report_.reason = e.what();
  }
  try {
    record_history();
  } catch (const std::exception& e) {
    if (report_.status == SessionOutcome::Completed) {
      report_.status = SessionOutcome::Failed;
      report_.reason = e.what();
    } else {
      log(PCS_LOG_ERROR, e.what());
    }
  }
  // A failure outside any job (connecting, a lock, the history...) gets the
  // CRITICAL line a failed job gets, naming the step and the target.
  const bool job_failed = std::any_of(report_.jobs.begin(), report_.jobs.end(),
                                      [](const JobOutcome& j) { return j.state == JobState::Failed; });
  if (report_.status == SessionOutcome::Failed && !job_failed && !interrupted())
    log(PCS_LOG_CRITICAL, fmt::format("the session failed at step '{}' (target {}): {}",
                                      step_name_.empty() ? "start" : step_name_, options_.target, report_.reason));
  cleanup();
  // An interrupt wins, also one during cleanup: the user asked the session to end.
  if (interrupted() && report_.status != SessionOutcome::Interrupted) {
    report_.reason = report_.reason.empty() || report_.status == SessionOutcome::Completed
                         ? "interrupted (Ctrl+C)"
                         : "interrupted (Ctrl+C); before that: " + report_.reason;
    report_.status = SessionOutcome::Interrupted;
  }
  report_.finished = std::chrono::system_clock::now();
  const double seconds = std::chrono::duration<double>(report_.finished - report_.started).count();
  std::vector<LogExtra> extras{{"status", std::string(to_string(report_.status))},
                               {"exit_code", std::to_string(report_.exit_code()), true},
                               {"duration_s", fmt::format("{:.3f}", seconds), true}};
  if (!report_.reason.empty()) extras.push_back({"reason", report_.reason});
  log(PCS_LOG_INFO, "session finished", std::move(extras), true);
  bus_.flush();
  collector_->fill(report_);
  return report_;
}

void Session::load_config() {
  plugins_ = load_plugins(options_.plugin_path);
  for (const auto& s : plugins_.skipped)
    log(PCS_LOG_WARNING, fmt::format("Skipped plugin {}: {}", s.path.string(), s.reason));
  ConfigLoad loaded = load_config_file(options_.config_file, plugins_);
  for (const auto& issue : loaded.issues) log(PCS_LOG_ERROR, issue.format());
  if (!loaded.ok())
    throw Stop{SessionOutcome::Failed,
               fmt::format("{} has {} problem{}; nothing was done. Fix {} (`pc-switcher config check` lists them) and "
                           "run again.",
                           options_.config_file.string(), loaded.issues.size(), loaded.issues.size() == 1 ? "" : "s",
                           loaded.issues.size() == 1 ? "it" : "them")};
  config_ = std::move(loaded.config);
  if (options_.on_config) options_.on_config(config_);
  select_jobs();
}

void Session::open_log_file() {
  const auto dir = logs_dir();
  const auto path = log_file_path(dir, report_.session_id, report_.started);
  bus_.add_sink(std::make_shared<LogFileSink>(path, config_.file_floor));
  report_.log_file = path;
  prune_logs(dir, config_.keep_logs);
  log(PCS_LOG_INFO, "session started",
      {{"session_id", report_.session_id},
       {"source", report_.source},
       {"target", options_.target},
       {"dry_run", options_.dry_run ? "true" : "false", true},
       {"version", build::version}},
      true);
}

void Session::lock_source() {
  step("source lock");
  auto result =
      MachineLock::try_acquire(data_dir(), {report_.source, report_.session_id, SyncRole::Source, options_.target});
  if (auto* busy = std::get_if<LockBusy>(&result)) throw Stop{SessionOutcome::Aborted, busy->message()};
  live_->source_lock.emplace(std::move(std::get<MachineLock>(result)));
  if (const auto& old = live_->source_lock->taken_over())
    log(PCS_LOG_WARNING, fmt::format("The previous session {} (pid {}) ended without releasing this machine's lock "
                                     "(it crashed or was killed); its lock was taken over",
                                     old->session_id, old->pid));
}

void Session::connect() {
  step("connect");
  throw_if_interrupted();
  bus_.publish(ConnectionEvent{std::chrono::system_clock::now(), ConnectionState::Connecting, options_.target, ""});
  SshOptions ssh = options_.ssh;
  ssh.destination = options_.target;
  ssh.accept_new_host_key = ssh.accept_new_host_key || options_.accept_new_host_key;
  auto result = run_interruptible<SshConnectResult>([ssh] { return ssh_connect(ssh); }, interrupted_);
  throw_if_interrupted();
  if (!result->session) throw Stop{SessionOutcome::Failed, result->error};
  live_->source = std::make_unique<LocalExecutor>(fmt::format("source ({})", report_.source));
  live_->connection =
      std::make_shared<SshConnection>(std::move(result->session), fmt::format("target ({})", options_.target),
                                      config_.keepalive_interval, config_.keepalive_count);
  live_->target = std::make_unique<RemoteExecutor>(live_->connection);
  report_.target_host = target_hostname(*live_->target, live_->host_cancel);
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  try {
    live_->remote_shell = std::make_unique<RemoteShellServer>(*live_->target, exe.string());
  } catch (const std::exception& e) {
    log(PCS_LOG_WARNING, fmt::format("Jobs cannot run local tools over the connection: {}", e.what()));
  }
  bus_.publish(ConnectionEvent{std::chrono::system_clock::now(), ConnectionState::Connected, options_.target,
                               fmt::format("{}@{} ({})", result->user, result->host, report_.target_host)});
}

void Session::lock_target() {
  step("target lock");
  throw_if_interrupted();
  auto result = TargetLock::try_acquire(
      *live_->target, {report_.target_host, report_.session_id, SyncRole::Target, report_.source}, live_->host_cancel);
  if (auto* busy = std::get_if<TargetLockBusy>(&result)) {
    if (busy->holder && busy->holder->session_id == report_.session_id)
      throw Stop{SessionOutcome::Aborted, fmt::format("{} is this machine ({}): a machine cannot sync to itself",
                                                      options_.target, report_.source)};
    throw Stop{SessionOutcome::Aborted, busy->message()};
  }
  live_->target_lock.emplace(std::move(std::get<TargetLock>(result)));
  if (const auto& old = live_->target_lock->taken_over(); old && !old->session_id.empty())
    log(PCS_LOG_WARNING, fmt::format("The previous session {} on {} ended without releasing its lock there (it was "
                                     "interrupted or lost its connection); the lock was taken over",
                                     old->session_id, report_.target_host));
}

void Session::check_direction() {
  step("sync direction");
  throw_if_interrupted();
  const SyncHistory mine = load_sync_history(sync_history_path(data_dir()));
  const SyncHistory theirs = load_target_history(*live_->target, live_->host_cancel);
  const DirectionCheck check = check_sync_direction(report_.source, report_.target_host, mine, theirs);
  if (check.verdict == DirectionVerdict::Ok) {
    log(PCS_LOG_INFO,
        fmt::format("Sync direction: {} last synced back to {}; going ahead", report_.target_host, report_.source));
    return;
  }
  if (!needs_confirmation(check, options_.allow_first_sync, options_.allow_out_of_order)) {
    const std::string first_sentence = check.message.substr(0, check.message.find(". ") + 1);
    log(PCS_LOG_WARNING, fmt::format("{} Going ahead: {} was given.", first_sentence, answering_flag(check.verdict)));
    return;
  }
  std::string text = check.message;
  if (check.verdict == DirectionVerdict::FirstSync) text += describe_first_sync();
  if (options_.dry_run) {
    log(PCS_LOG_WARNING, text + " (dry run: going ahead, nothing will be changed)");
    return;
  }
  const int answer = ask("", text, {"continue", "abort"}, -1);
  if (answer < 0)
    throw Stop{SessionOutcome::Aborted,
               fmt::format("{} There is no terminal to ask on, so the session stops here; nothing was changed.",
                           check.message)};
  if (answer != 0) throw Stop{SessionOutcome::Aborted, "aborted at the sync-direction check; nothing was changed"};
  log(PCS_LOG_INFO, "Sync direction: the user chose to continue");
}

int Session::ask(const std::string& job, const std::string& text, const std::vector<std::string>& choices,
                 int default_choice) {
  std::lock_guard lock(live_->ask_mu);
  if (options_.yes && default_choice >= 0 && default_choice < static_cast<int>(choices.size())) {
    log(PCS_LOG_INFO, fmt::format("{} → {} (--yes)", text, choices[static_cast<std::size_t>(default_choice)]));
    return default_choice;
  }
  if (!ask_ || interrupted()) return -1;
  const int answer = ask_(job, text, choices);
  if (answer >= 0 && answer < static_cast<int>(choices.size()))
    log(PCS_LOG_INFO, fmt::format("Asked: {} → {}", text, choices[static_cast<std::size_t>(answer)]));
  return answer;
}

void Session::record_history() {
  if (!live_->target_lock || !live_->changes_started) return;
  step("record history");
  if (options_.dry_run) return;
  const std::string now = utc_iso8601(std::chrono::system_clock::now());
  SyncHistory mine = load_sync_history(sync_history_path(data_dir()));
  mine.append({report_.session_id, now, SyncRole::Source, report_.target_host, report_.status, false, {}});
  save_sync_history(sync_history_path(data_dir()), mine);
  SyncHistory theirs = load_target_history(*live_->target, live_->host_cancel);
  theirs.append({report_.session_id, now, SyncRole::Target, report_.source, report_.status, false, {}});
  save_target_history(*live_->target, theirs, live_->host_cancel);
  log(PCS_LOG_DEBUG, "Recorded the session in the sync history of both machines");
}

void Session::cleanup() {
  stop_all_jobs();
  live_->jobs.clear();  // destroy() each instance that returned
  live_->background.clear();
  if (live_->target_lock) live_->target_lock->release();
  live_->remote_shell.reset();  // ends the bridges (their remote commands are killed)
  if (live_->target) live_->target->terminate_all(std::chrono::seconds(1));
  if (live_->source) live_->source->terminate_all(std::chrono::seconds(1));
  if (live_->connection) {
    const std::string failure = live_->connection->failure();
    live_->target.reset();
    live_->connection.reset();
    bus_.publish(ConnectionEvent{std::chrono::system_clock::now(), ConnectionState::Closed, options_.target, failure});
  }
  if (live_->source_lock) live_->source_lock->release();
}

}  // namespace pcs
