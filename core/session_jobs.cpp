// The job half of a session: which jobs run, creating them, validate() on
// both machines, running them with background jobs beside, stopping them.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "build_info.hpp"
#include "job_events.hpp"
#include "session.hpp"
#include "session_live.hpp"
#include "utf8.hpp"

namespace pcs {
namespace {

constexpr std::chrono::milliseconds kPoll{50};
constexpr std::size_t kTracedOutput = 2000;  // bytes of a command's output in the DEBUG trace

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "(none)" : out;
}

JobState outcome_of(pcs_status s) {
  switch (s) {
    case PCS_OK:
      return JobState::Succeeded;
    case PCS_SKIPPED:
      return JobState::Skipped;
    case PCS_ERR_CANCELLED:
      return JobState::Cancelled;
    default:
      return JobState::Failed;
  }
}

std::string clipped(const std::string& text) {
  return text.size() <= kTracedOutput ? text : text.substr(0, kTracedOutput) + "…";
}

}  // namespace

void Session::select_jobs() {
  std::vector<std::string> enabled;
  for (const auto& [name, on] : config_.sync_jobs)
    if (on) enabled.push_back(name);
  auto check_names = [&](const std::vector<std::string>& names, const char* option) {
    for (const auto& n : names) {
      const PluginInfo* p = plugins_.find(n);
      if (p != nullptr && p->kind != PCS_JOB_SYNC)
        throw Stop{SessionOutcome::Failed,
                   fmt::format("{} {}: {} is a required {} job; it always runs", option, n, n, kind_name(p->kind))};
      if (std::find(enabled.begin(), enabled.end(), n) == enabled.end())
        throw Stop{SessionOutcome::Failed,
                   fmt::format("{} {}: not an enabled sync job. Enabled in {}: {}. Enable it under sync_jobs first.",
                               option, n, options_.config_file.string(), joined(enabled))};
    }
  };
  check_names(options_.only, "--only");
  check_names(options_.skip, "--skip");

  for (const auto& p : plugins_.plugins) {
    if (p.kind == PCS_JOB_SYSTEM) live_->job_plugins.push_back(&p);
    if (p.kind == PCS_JOB_BACKGROUND) live_->background_plugins.push_back(&p);
  }
  auto listed = [](const std::vector<std::string>& v, const std::string& n) {
    return std::find(v.begin(), v.end(), n) != v.end();
  };
  for (const auto& name : enabled) {
    if (!options_.only.empty() && !listed(options_.only, name)) continue;
    if (listed(options_.skip, name)) continue;
    const PluginInfo* p = plugins_.find(name);
    if (p == nullptr)  // the config check reports it; this is a second line of defence
      throw Stop{SessionOutcome::Failed, fmt::format("sync job {} is enabled but not installed", name)};
    live_->job_plugins.push_back(p);
  }
  for (const auto& [job, given] : options_.sync_options) {
    const bool runs = std::any_of(live_->job_plugins.begin(), live_->job_plugins.end(),
                                  [&](const PluginInfo* p) { return p->name == job; });
    if (!runs)
      for (const auto& [option, value] : given)
        log(PCS_LOG_WARNING, fmt::format("--{} has no effect: job {} does not run in this session", option, job));
  }
  // source lock, connect, target lock, direction, validate, each job, each
  // system job's after-sync step, history
  step_count_ = 6 + static_cast<int>(live_->job_plugins.size());
  for (const PluginInfo* p : live_->job_plugins)
    if (p->kind == PCS_JOB_SYSTEM && p->table->get_extension != nullptr &&
        p->table->get_extension(PCS_EXT_AFTER_SYNC) != nullptr)
      ++step_count_;
  for (const PluginInfo* p : live_->job_plugins) report_.jobs.push_back({p->name, p->kind, JobState::Pending, {}, {}});
  for (const PluginInfo* p : live_->background_plugins)
    report_.jobs.push_back({p->name, p->kind, JobState::Pending, {}, {}});
}

void Session::create_jobs() {
  JobServices services;
  services.source = live_->source.get();
  services.target = live_->target.get();
  publish_job_events(services, bus_);
  EventBus* bus = &bus_;
  services.trace = [bus](const std::string& job, pcs_machine m, const CommandSpec& c, const ExecResult& r) {
    LogEvent e;
    e.time = std::chrono::system_clock::now();
    e.level = PCS_LOG_DEBUG;
    e.job = job;
    e.machine = m == PCS_MACHINE_TARGET ? Machine::Target : Machine::Source;
    const bool started = r.exit_code == -1 && r.signal == 0 && r.status == PCS_OK && r.duration.count() == 0;
    e.message = fmt::format("{} {}", started ? "started" : "ran", c.display());
    if (!started) {
      e.extras.push_back({"exit_code", std::to_string(r.exit_code), true});
      e.extras.push_back({"duration_ms", std::to_string(r.duration.count()), true});
    }
    if (r.status != PCS_OK) e.extras.push_back({"error", r.error, false});
    if (!c.withhold_output && !r.out.empty()) e.extras.push_back({"stdout", clipped(r.out), false});
    if (!c.withhold_output && !r.err.empty()) e.extras.push_back({"stderr", clipped(r.err), false});
    bus->publish(std::move(e));
  };
  Live* live = live_.get();
  services.write_paths = [live] {
    std::lock_guard lock(live->paths_mu);
    return live->write_paths;
  };
  auto installation = std::make_shared<Installation>();
  installation->version = build::version;
  std::error_code ec;
  installation->executable = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  for (const auto* list : {&live_->job_plugins, &live_->background_plugins})
    for (const PluginInfo* p : *list)
      installation->plugins.push_back({p->name, p->version, std::filesystem::absolute(p->path, ec).string()});
  services.installation = std::move(installation);
  services.sync_options = options_.sync_options;
  if (live_->remote_shell) services.remote_shell = live_->remote_shell->command();
  services.ask = [this](const std::string& job, const pcs_question& q) {
    // A plugin's text, shown on the terminal: never as invalid UTF-8.
    std::vector<std::string> choices;
    for (auto c = q.choices; c != nullptr && *c != nullptr; ++c) choices.push_back(replace_invalid_utf8(*c));
    return ask(job, replace_invalid_utf8(q.text ? q.text : ""), choices, q.default_choice);
  };
  const SessionFacts facts{report_.session_id, report_.source, report_.target_host, options_.target, options_.dry_run};
  std::vector<std::string> failures;
  auto make = [&](const PluginInfo* p, std::vector<std::unique_ptr<JobRun>>& into) {
    auto run = std::make_unique<JobRun>(*p, config_.job_configs[p->name], services, facts);
    if (!run->created()) failures.push_back(fmt::format("{}: create() failed: {}", p->name, run->create_error()));
    into.push_back(std::move(run));
  };
  for (const PluginInfo* p : live_->job_plugins) make(p, live_->jobs);
  for (const PluginInfo* p : live_->background_plugins) make(p, live_->background);
  for (const auto& f : failures) log(PCS_LOG_ERROR, f);
  if (!failures.empty())
    throw Stop{SessionOutcome::Failed, fmt::format("{} job{} could not be created; nothing was changed",
                                                   failures.size(), failures.size() == 1 ? "" : "s")};
}

std::string Session::describe_first_sync() {
  std::string text;
  for (auto& job : live_->jobs) {
    if (!job->start_describe_first_sync()) continue;
    if (!wait_job(*job)) continue;
    for (const auto& r : job->reports())
      text += fmt::format("\n  {} ({}): {}", job->name(), machine_name(r.machine), r.message);
  }
  return text.empty() ? "" : "\nWhat would be overwritten:" + text;
}

void Session::validate_jobs() {
  step("validate");
  throw_if_interrupted();
  std::vector<JobRun*> all;
  for (auto& j : live_->jobs) all.push_back(j.get());
  for (auto& j : live_->background) all.push_back(j.get());
  collect_write_paths(all);  // first: the disk-space preflight in validate() needs them
  for (JobRun* j : all) {
    job_state(j->name(), JobState::Validating);
    j->start_validate();
  }
  for (JobRun* j : all) wait_job(*j);
  throw_if_interrupted();
  std::size_t problems = 0;
  std::set<std::string> failing;
  for (JobRun* j : all) {
    std::vector<MachineMessage> reports = j->reports();
    if (j->status() != PCS_OK)
      reports.push_back({Machine::None, fmt::format("its checks could not run: {}", j->message())});
    std::stable_sort(reports.begin(), reports.end(),
                     [](const MachineMessage& a, const MachineMessage& b) { return a.machine < b.machine; });
    for (const auto& r : reports) {
      LogEvent e;
      e.time = std::chrono::system_clock::now();
      e.level = PCS_LOG_ERROR;
      e.job = j->name();
      e.machine = r.machine;
      e.message = r.message;
      bus_.publish(std::move(e));
      ++problems;
      failing.insert(j->name());
    }
  }
  if (problems > 0)
    throw Stop{SessionOutcome::Failed,
               fmt::format("validation found {} problem{} in {} ({}); nothing was changed on either machine", problems,
                           problems == 1 ? "" : "s", joined({failing.begin(), failing.end()}),
                           failing.size() == 1 ? "one job" : fmt::format("{} jobs", failing.size()))};
  log(PCS_LOG_INFO, "Validation passed on both machines");
}

void Session::collect_write_paths(const std::vector<JobRun*>& jobs) {
  std::vector<std::pair<pcs_machine, std::string>> paths;
  for (JobRun* j : jobs) {
    if (!j->start_list_write_paths() || !wait_job(*j)) continue;
    for (const auto& r : j->reports()) {
      const std::pair<pcs_machine, std::string> p{
          r.machine == Machine::Target ? PCS_MACHINE_TARGET : PCS_MACHINE_SOURCE, r.message};
      if (!p.second.empty() && p.second[0] == '/' && std::find(paths.begin(), paths.end(), p) == paths.end())
        paths.push_back(p);
    }
  }
  for (const auto& [m, path] : paths)
    log(PCS_LOG_DEBUG, fmt::format("Jobs write to {} on the {}", path, m == PCS_MACHINE_TARGET ? "target" : "source"));
  std::lock_guard lock(live_->paths_mu);
  live_->write_paths = std::move(paths);
}

JobOutcome& Session::outcome_of_job(const std::string& name) {
  // select_jobs() put every job of the session in the report.
  return *std::find_if(report_.jobs.begin(), report_.jobs.end(), [&](const JobOutcome& o) { return o.job == name; });
}

void Session::run_jobs() {
  live_->changes_started = !options_.dry_run;
  for (auto& bg : live_->background) {
    job_state(bg->name(), JobState::Running);
    bg->start_execute();
  }
  // A background job that ended with a failure while sync jobs run.
  JobRun* failed_background = nullptr;
  auto background_failed = [&] {
    for (auto& bg : live_->background)
      if (!bg->running() && outcome_of(bg->status()) == JobState::Failed) failed_background = bg.get();
    return failed_background != nullptr;
  };
  std::string halted_by;
  for (auto& job : live_->jobs) {
    JobOutcome& out = outcome_of_job(job->name());
    if (!halted_by.empty()) {
      out.reason = "not run: " + halted_by;
      continue;
    }
    if (interrupted() || background_failed()) {
      halted_by = interrupted() ? "interrupted" : fmt::format("background job {} failed", failed_background->name());
      out.reason = "not run: " + halted_by;
      continue;
    }
    step(job->name());
    job_state(job->name(), JobState::Running);
    set_running_job(job->name());
    job->start_execute();
    const bool returned = wait_job(*job, background_failed);
    set_running_job("");
    out.duration = job->duration();
    out.state = returned ? outcome_of(job->status()) : JobState::Cancelled;
    if (!returned)
      out.reason = "did not stop within the grace period after cancel";
    else if (out.state != JobState::Succeeded)
      out.reason = job->message();
    if (failed_background != nullptr) {
      halted_by = fmt::format("background job {} failed", failed_background->name());
      if (out.state != JobState::Succeeded) {
        out.state = JobState::Cancelled;
        out.reason = "cancelled: " + halted_by;
      }
    }
    job_state(job->name(), out.state, out.reason);
    const pcs_log_level level = out.state == JobState::Failed      ? PCS_LOG_CRITICAL
                                : out.state == JobState::Succeeded ? PCS_LOG_INFO
                                                                   : PCS_LOG_WARNING;
    LogEvent outcome_line;
    outcome_line.time = std::chrono::system_clock::now();
    outcome_line.level = level;
    outcome_line.job = job->name();
    outcome_line.message = fmt::format("{} after {:.1f} s{}", job_state_name(out.state), out.duration.count() / 1e3,
                                       out.reason.empty() ? "" : ": " + out.reason);
    bus_.publish(std::move(outcome_line));
    if (out.state == JobState::Failed && !job->plugin().failure_isolated)
      halted_by = fmt::format("{} failed", job->name());
    else if (out.state == JobState::Failed)
      log(PCS_LOG_WARNING, fmt::format("{}'s failures are isolated: the session goes on", job->name()));
    if (interrupted()) halted_by = "interrupted";
  }
  stop_all_jobs();
  for (auto& bg : live_->background) {
    JobOutcome& out = outcome_of_job(bg->name());
    out.duration = bg->duration();
    if (bg->running()) {
      out.state = JobState::Cancelled;
      out.reason = "did not stop within the grace period after cancel";
    } else if (bg.get() == failed_background || outcome_of(bg->status()) == JobState::Failed) {
      out.state = JobState::Failed;
      out.reason = bg->message();
      if (halted_by.empty()) halted_by = fmt::format("background job {} failed", bg->name());
    } else {
      out.state = JobState::Succeeded;  // it ran until it was stopped after the last sync job
    }
    job_state(bg->name(), out.state, out.reason);
  }
  throw_if_interrupted();
  run_after_sync(halted_by);
  if (!halted_by.empty()) throw Stop{SessionOutcome::Failed, halted_by};
  for (const auto& o : report_.jobs)
    if (o.state == JobState::Failed)
      throw Stop{SessionOutcome::Failed, fmt::format("{} failed (its failures are isolated: later jobs ran)", o.job)};
}

void Session::run_after_sync(std::string& halted_by) {
  if (live_->connection && !live_->connection->failure().empty()) return;
  const bool failed = std::any_of(report_.jobs.begin(), report_.jobs.end(),
                                  [](const JobOutcome& o) { return o.state == JobState::Failed; });
  for (auto& job : live_->jobs) {
    if (!job->has_after_sync() || job->plugin().kind != PCS_JOB_SYSTEM) continue;
    JobOutcome& out = outcome_of_job(job->name());
    if (out.state != JobState::Succeeded || interrupted()) continue;
    step(job->name() + " (after sync)");
    set_running_job(job->name());
    job->start_after_sync(failed ? PCS_SYNC_FAILED : PCS_SYNC_SUCCEEDED);
    const bool returned = wait_job(*job);
    set_running_job("");
    out.duration += job->duration();
    const JobState state = returned ? outcome_of(job->status()) : JobState::Cancelled;
    if (state == JobState::Succeeded || state == JobState::Skipped) continue;
    out.state = state == JobState::Cancelled ? JobState::Cancelled : JobState::Failed;
    out.reason = "after the sync jobs: " + (returned ? job->message() : "did not stop after cancel");
    job_state(job->name(), out.state, out.reason);
    LogEvent line;
    line.time = std::chrono::system_clock::now();
    line.level = PCS_LOG_CRITICAL;
    line.job = job->name();
    line.message = fmt::format("{} {}", job_state_name(out.state), out.reason);
    bus_.publish(std::move(line));
    if (halted_by.empty()) halted_by = fmt::format("{} failed after the sync jobs", job->name());
  }
}

std::string Session::running_job() const {
  std::lock_guard lock(mu_);
  return running_job_;
}

void Session::set_running_job(const std::string& name) {
  if (name.empty() && options_.on_job_end) options_.on_job_end();
  std::lock_guard lock(mu_);
  running_job_ = name;
}

bool Session::wait_job(JobRun& job, const std::function<bool()>& stop_early) {
  while (!job.wait_for(kPoll)) {
    if (interrupted() || (stop_early && stop_early())) {
      job.cancel();
      return wait_cancelled(job);
    }
  }
  return true;
}

bool Session::wait_cancelled(JobRun& job) {
  if (job.wait_for(options_.cancel_grace)) return true;
  log(PCS_LOG_ERROR,
      fmt::format("Job {} ({}) did not stop within {:.0f} s of being cancelled; the session moves on without it",
                  job.name(), job.plugin().path.string(), options_.cancel_grace.count() / 1e3));
  std::lock_guard lock(mu_);
  abandoned_.push_back(job.name());
  return false;
}

void Session::stop_all_jobs() {
  // Cancel all first, then wait: the grace periods run side by side.
  std::vector<JobRun*> running;
  for (auto* list : {&live_->jobs, &live_->background})
    for (auto& j : *list)
      if (j->running()) running.push_back(j.get());
  for (JobRun* j : running) j->cancel();
  for (JobRun* j : running) {
    const auto& abandoned = abandoned_jobs();
    if (std::find(abandoned.begin(), abandoned.end(), j->name()) == abandoned.end()) wait_cancelled(*j);
  }
}

}  // namespace pcs
