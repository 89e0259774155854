// `pc-switcher sync TARGET`: one sync session, shown on the terminal.
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <cstdlib>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "commands.hpp"
#include "interrupts.hpp"
#include "live_view.hpp"
#include "plugin_sync_options.hpp"
#include "session.hpp"
#include "stray_output.hpp"
#include "terminal.hpp"
#include "text_sink.hpp"

namespace po = boost::program_options;

namespace pcs::cli {
namespace {

constexpr const char* kUsage = "pc-switcher sync TARGET [OPTIONS]";

// "a,b" "c" → {a, b, c}
std::vector<std::string> split_names(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t start = 0;
    while (start <= v.size()) {
      const auto comma = v.find(',', start);
      const std::string name = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!name.empty()) out.push_back(name);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

// Calls LiveView::tick() every 100 ms until stopped.
class Ticker {
 public:
  explicit Ticker(std::shared_ptr<LiveView> view) : view_(std::move(view)) {
    if (view_) thread_ = std::thread([this] { loop(); });
  }
  ~Ticker() { stop(); }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_; })) view_->tick();
  }
  std::shared_ptr<LiveView> view_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// What the host's own sync options are bound to.
struct SyncArgs {
  CommonOptions common;
  SessionOptions options;
  std::string target, report_file;
  std::vector<std::string> only, skip;
};

po::options_description host_sync_options(SyncArgs& a) {
  po::options_description desc("Options");
  add_common_options(desc, a.common, true);
  desc.add_options()("dry-run,n", po::bool_switch(&a.options.dry_run),
                     "show what would happen; change nothing on either machine")(
      "yes,y", po::bool_switch(&a.options.yes),
      "answer the jobs' questions with their defaults (not the sync-direction questions: see the next two)")(
      "allow-first-sync", po::bool_switch(&a.options.allow_first_sync),
      "go ahead when this is the target's first sync (its state is overwritten)")(
      "allow-out-of-order", po::bool_switch(&a.options.allow_out_of_order),
      "go ahead when the target last synced with another machine, or this one pushes twice")(
      "accept-new-host-key", po::bool_switch(&a.options.accept_new_host_key),
      "trust and record the target's host key when it is not in known_hosts yet (a changed key is always refused)")(
      "only", po::value(&a.only)->composing()->value_name("JOB[,JOB]"),
      "run only these sync jobs (required jobs still run)")(
      "skip", po::value(&a.skip)->composing()->value_name("JOB[,JOB]"), "do not run these sync jobs")(
      "report", po::value(&a.report_file)->value_name("FILE"), "also write the summary as JSON to FILE");
  return desc;
}

}  // namespace

std::vector<std::string> host_sync_option_names() {
  SyncArgs unused;
  std::vector<std::string> names;
  const po::options_description desc = host_sync_options(unused);
  for (const auto& o : desc.options()) names.push_back(o->long_name());
  names.push_back("target");  // the positional TARGET
  return names;
}

int run_sync(const std::vector<std::string>& args) {
  SyncArgs a;
  CommonOptions& common = a.common;
  SessionOptions& options = a.options;
  const std::string &target = a.target, &report_file = a.report_file;
  const po::options_description desc = host_sync_options(a);
  // The options plugins add (ext/sync_options.h), one group per job.
  const PluginSet plugins = load(early_common_options(args), false);
  const PluginSyncOptions offered = find_sync_options(plugins, host_sync_option_names());
  for (const auto& problem : offered.problems) std::cerr << "pc-switcher: " << problem << "\n";
  po::options_description all("Options");
  all.add(desc);
  po::options_description positional_only;
  positional_only.add_options()("target", po::value(&a.target));
  all.add(positional_only);
  std::map<std::string, po::options_description> groups;
  for (const PluginSyncOption& o : offered.options) {
    const std::string job = o.plugin->name;
    auto [group, added] = groups.try_emplace(job, "Options of the " + job + " job");
    if (o.value_name.empty())
      group->second.add_options()(o.name.c_str(), po::bool_switch()->notifier([&options, job, name = o.name](bool on) {
        if (on) options.sync_options[job][name] = "";
      }),
                                  o.help.c_str());
    else
      group->second.add_options()(
          o.name.c_str(),
          po::value<std::string>()
              ->value_name(o.value_name)
              ->notifier([&options, job, name = o.name](const std::string& v) { options.sync_options[job][name] = v; }),
          o.help.c_str());
  }
  for (const auto& [job, group] : groups) all.add(group);
  po::positional_options_description positional;
  positional.add("target", 1);
  parse(args, all, &positional);
  if (common.help) {
    std::vector<OptionGroup> shown{{"Options", &desc}};
    for (const auto& [job, group] : groups) shown.push_back({"Options of the " + job + " job", &group});
    print_command_help(
        std::cout,
        {{kUsage},
         "Makes TARGET's state this machine's: every enabled job (files, packages, containers, ...) runs in a fixed "
         "order over one SSH connection, with btrfs snapshots of both machines before and after. It checks first "
         "(config, both machines, disk space, the sync history) and changes nothing when a check fails.",
         shown,
         {{"0", "success"},
          {"1", "failure: a job failed, a lock is held, the config is wrong, or the session was aborted"},
          {"2", "usage error"},
          {"130", "interrupted (Ctrl+C); the jobs were stopped and cleaned up"}}});
    return kExitOk;
  }
  if (target.empty()) throw UsageError("sync needs a TARGET (an ~/.ssh/config alias, host or user@host)");
  options.target = target;
  options.config_file = config_path(common);
  options.plugin_path = search_path(common);
  options.only = split_names(a.only);
  options.skip = split_names(a.skip);

  Session* running = nullptr;
  std::mutex running_mu;
  // Before the first thread: every thread started later inherits the blocked mask.
  InterruptWatcher watcher([&] {
    std::lock_guard lock(running_mu);
    if (running) running->interrupt();
  });

  // A live view on a terminal, plain lines otherwise; both behind the
  // `logging.tui` floor, which is known once the session read the config.
  const bool color = use_color(STDOUT_FILENO);
  const bool on_terminal = ::isatty(STDOUT_FILENO) == 1;
  // What plugins print to stdout or stderr becomes a WARNING of the job
  // running then; the session's own output goes to copies of the two.
  EventBus* bus_for_stray = nullptr;  // set once the bus exists, before any plugin runs
  StrayOutput stray([&](int stream, const std::string& line) {
    std::string job;
    {
      std::lock_guard lock(running_mu);
      if (running) job = running->running_job();
    }
    LogEvent e;
    e.time = std::chrono::system_clock::now();
    e.level = PCS_LOG_WARNING;
    e.job = job;
    e.message = fmt::format("{} wrote to {} instead of logging: {}", job.empty() ? "a plugin" : "the plugin",
                            stream == 1 ? "stdout" : "stderr", line);
    if (bus_for_stray) bus_for_stray->publish(std::move(e));
  });
  set_interrupt_message_fd(stray.err_fd());
  options.on_job_end = [&stray] { stray.drain(); };
  std::shared_ptr<LiveView> live;
  std::shared_ptr<EventSink> shown;
  if (on_terminal) {
    LiveViewOptions view;
    view.floor = PCS_LOG_DEBUG;
    view.color = color;
    live = std::make_shared<LiveView>(stray.out(), view);
    shown = live;
  } else {
    shown = std::make_shared<TextSink>(stray.out(), TextSinkOptions{PCS_LOG_DEBUG, color});
  }
  auto terminal = std::make_shared<FloorFilter>(shown, PCS_LOG_INFO);
  EventBus bus({terminal});
  bus_for_stray = &bus;
  options.on_config = [terminal](const Config& c) { terminal->set_floor(c.tui_floor); };
  // Elapsed times and indeterminate bars move even when no event arrives.
  Ticker ticker(live);

  Session session(std::move(options), bus,
                  [&](const std::string& job, const std::string& q, const std::vector<std::string>& choices) {
                    bus.flush();
                    if (live) live->suspend();
                    const int answer = ask_on_terminal(
                        job, q, choices, [&] { return session.interrupted(); }, stray.out());
                    if (live) live->resume();
                    return answer;
                  });
  {
    std::lock_guard lock(running_mu);
    running = &session;
  }
  SessionReport report = session.run();
  {
    std::lock_guard lock(running_mu);
    running = nullptr;
  }
  stray.stop();  // its last lines onto the bus; stdout and stderr are ours again
  set_interrupt_message_fd(STDERR_FILENO);
  bus.flush();
  ticker.stop();
  if (live) live->finish();
  bus.close();
  std::fflush(stdout);
  std::cout << "\n" << format_summary(report, color);
  int code = report.exit_code();
  if (!report_file.empty()) {
    try {
      write_report_file(report_file, report);
    } catch (const std::exception& e) {
      std::cerr << "pc-switcher: " << e.what() << "\n";
      if (code == kExitSuccess) code = kExitFailure;
    }
  }
  std::cout.flush();
  if (!session.abandoned_jobs().empty()) {
    // Their threads still run plugin code: leave without running destructors under them.
    std::fflush(nullptr);
    std::_Exit(code);
  }
  return code;
}

}  // namespace pcs::cli
