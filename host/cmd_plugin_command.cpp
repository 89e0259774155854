// `pc-switcher NAME ...` for the commands plugins add (ext/commands.h says how
// they are run; this file is that, step by step).
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "interrupts.hpp"
#include "job_run.hpp"
#include "local_executor.hpp"
#include "machine_lock.hpp"
#include "plugin_commands.hpp"
#include "remote_executor.hpp"
#include "session.hpp"
#include "ssh_connect.hpp"
#include "ssh_connection.hpp"
#include "target_lock.hpp"
#include "target_state.hpp"
#include "terminal.hpp"
#include "xdg_paths.hpp"

namespace po = boost::program_options;

namespace pcs::cli {
namespace {

constexpr int kExitInterrupted = 130;

std::string usage_line(const pcs_command_info& info) {
  std::string u = fmt::format("pc-switcher {} [OPTIONS]", info.name);
  for (auto a = info.arguments; a != nullptr && *a != nullptr; ++a) u += fmt::format(" {}", *a);
  if (info.hosts != PCS_COMMAND_HOSTS_SOURCE) u += " [TARGET]";
  return u;
}

struct Parsed {
  CommonOptions common;
  std::vector<std::string> arguments;
  std::vector<std::pair<std::string, std::string>> options;
  std::string host;
  std::string target;
  bool verbose = false;
  bool dry_run = false;
  bool yes = false;
  bool accept_new_host_key = false;
};

Parsed parse_command_line(const pcs_command_info& info, const std::vector<std::string>& args) {
  Parsed p;
  po::options_description desc(fmt::format("Options of `pc-switcher {}`", info.name));
  add_common_options(desc, p.common, true);
  desc.add_options()("verbose,v", po::bool_switch(&p.verbose), "also show DEBUG lines (every command run)");
  if (info.hosts == PCS_COMMAND_HOSTS_ONE)
    desc.add_options()("host", po::value(&p.host)->value_name("source|target"),
                       "the machine to act on (default: source, this machine); target needs TARGET");
  if (info.hosts == PCS_COMMAND_HOSTS_ANY)
    desc.add_options()("host", po::value(&p.host)->value_name("source|target|both"),
                       "the machines to act on (default: both with a TARGET, else source)");
  if (info.hosts != PCS_COMMAND_HOSTS_SOURCE)
    desc.add_options()("accept-new-host-key", po::bool_switch(&p.accept_new_host_key),
                       "trust TARGET's host key if it is not in known_hosts yet (a changed key is always refused)");
  if (info.flags & PCS_COMMAND_DRY_RUN)
    desc.add_options()("dry-run,n", po::bool_switch(&p.dry_run), "show what would be done; change nothing");
  if (info.flags & PCS_COMMAND_CONFIRM)
    desc.add_options()("yes,y", po::bool_switch(&p.yes), "answer yes to the confirmation question");
  std::vector<std::string> values(info.option_count);
  std::unique_ptr<bool[]> flags(new bool[info.option_count + 1]());
  for (uint32_t i = 0; i < info.option_count; ++i) {
    const pcs_command_option& o = info.options[i];
    const char* help = o.help ? o.help : "";
    if (o.value_name != nullptr)
      desc.add_options()(o.name, po::value(&values[i])->value_name(o.value_name), help);
    else
      desc.add_options()(o.name, po::bool_switch(&flags[i]), help);
  }
  po::options_description hidden;
  po::positional_options_description positional;
  std::vector<std::string> given(16);
  int count = 0;
  for (auto a = info.arguments; a != nullptr && *a != nullptr && count < 15; ++a, ++count) {
    const std::string key = fmt::format("pcs-argument-{}", count);
    hidden.add_options()(key.c_str(), po::value(&given[count]));
    positional.add(key.c_str(), 1);
  }
  if (info.hosts != PCS_COMMAND_HOSTS_SOURCE) {
    hidden.add_options()("pcs-target", po::value(&p.target));
    positional.add("pcs-target", 1);
  }
  po::options_description all;
  all.add(desc).add(hidden);
  parse(args, all, &positional);
  if (p.common.help) {
    print_command_help(std::cout,
                       {{usage_line(info)}, info.help != nullptr ? info.help : "", {{"Options", &desc}}, {}});
    return p;
  }
  for (int i = 0; i < count; ++i) {
    if (given[i].empty()) throw UsageError(fmt::format("missing {} (usage: {})", info.arguments[i], usage_line(info)));
    p.arguments.push_back(given[i]);
  }
  for (uint32_t i = 0; i < info.option_count; ++i) {
    const pcs_command_option& o = info.options[i];
    if (o.value_name != nullptr && !values[i].empty()) p.options.emplace_back(o.name, values[i]);
    if (o.value_name == nullptr && flags[i]) p.options.emplace_back(o.name, "");
  }
  return p;
}

// Which machines: from --host, TARGET and the command's kind.
void choose_machines(const pcs_command_info& info, const Parsed& p, CommandLine& line) {
  if (info.hosts == PCS_COMMAND_HOSTS_SOURCE) return;
  std::string host = p.host;
  if (host.empty()) host = (info.hosts == PCS_COMMAND_HOSTS_ANY && !p.target.empty()) ? "both" : "source";
  const bool both_allowed = info.hosts == PCS_COMMAND_HOSTS_ANY;
  if (host != "source" && host != "target" && !(both_allowed && host == "both"))
    throw UsageError(
        fmt::format("--host {}: must be {}", host, both_allowed ? "source, target or both" : "source or target"));
  line.on_source = host != "target";
  line.on_target = host != "source";
  if (line.on_target && p.target.empty())
    throw UsageError(fmt::format("--host {} needs a TARGET (usage: {})", host, usage_line(info)));
  if (!line.on_target && !p.target.empty())
    throw UsageError(fmt::format("TARGET {} is given but --host {} does not act on it", p.target, host));
}

// Prints the command's log: INFO bare on stdout, worse on stderr.
class CommandPrinter {
 public:
  explicit CommandPrinter(bool verbose) : verbose_(verbose) {}
  void print(const pcs_log_record& r) {
    const std::string msg = r.message ? r.message : "";
    std::lock_guard lock(mu_);
    if (r.level >= PCS_LOG_WARNING)
      std::cerr << fmt::format("{}: {}\n", log_level_label(r.level), msg);
    else if (r.level == PCS_LOG_INFO)
      std::cout << msg << "\n" << std::flush;
    else if (verbose_)
      std::cerr << fmt::format("{}: {}\n", log_level_label(r.level), msg);
  }
  void trace(pcs_machine m, const CommandSpec& c, const ExecResult& r) {
    if (!verbose_) return;
    std::lock_guard lock(mu_);
    std::cerr << fmt::format("DEBUG ({}) ran {} → exit {}\n", m == PCS_MACHINE_TARGET ? "target" : "source",
                             c.display(), r.exit_code);
  }

 private:
  static const char* log_level_label(pcs_log_level l) {
    switch (l) {
      case PCS_LOG_CRITICAL:
        return "CRITICAL";
      case PCS_LOG_ERROR:
        return "ERROR";
      case PCS_LOG_WARNING:
        return "WARNING";
      default:
        return "DEBUG";
    }
  }
  bool verbose_;
  std::mutex mu_;
};

}  // namespace

std::vector<std::string> host_command_names() {
  return {"sync", "plugins", "plugin", "init", "config", "logs", "help", "remote-shell"};
}

std::vector<std::string> plugin_command_names(const std::vector<std::string>& args) {
  const PluginSet plugins = load(early_common_options(args), false);
  std::vector<std::string> names;
  for (const auto& c : find_plugin_commands(plugins, host_command_names()).commands) names.push_back(c.name);
  return names;
}

std::string plugin_commands_help(const std::vector<std::string>& args) {
  const PluginSet plugins = load(early_common_options(args), false);
  const PluginCommands found = find_plugin_commands(plugins, host_command_names());
  std::string out;
  for (const auto& c : found.commands)
    out += fmt::format("  {:<22}  {} (plugin {})\n", c.name, c.info->summary, c.plugin->name);
  return out;
}

int run_plugin_command(const std::string& name, const std::vector<std::string>& args) {
  const PluginSet plugins = load(early_common_options(args), false);
  const PluginCommands found = find_plugin_commands(plugins, host_command_names());
  const PluginCommand* command = found.find(name);
  if (command == nullptr) {
    for (const auto& problem : found.problems) std::cerr << "pc-switcher: " << problem << "\n";
    throw UsageError(fmt::format("unknown command '{}'", name));
  }
  const pcs_command_info& info = *command->info;
  Parsed parsed = parse_command_line(info, args);
  if (parsed.common.help) return kExitOk;
  CommandLine line;
  line.arguments = parsed.arguments;
  line.options = parsed.options;
  line.assume_yes = parsed.yes;
  choose_machines(info, parsed, line);

  const auto config_file = config_path(parsed.common);
  ConfigLoad loaded = load_config_file(config_file, plugins);
  if (!loaded.issues.empty()) {
    for (const auto& issue : loaded.issues) std::cerr << "pc-switcher: " << issue.format() << "\n";
    return kExitError;
  }

  // Ctrl+C from here on cancels the command; set up before any thread starts.
  std::atomic<bool> interrupted{false};
  JobRun* running = nullptr;
  std::mutex running_mu;
  InterruptWatcher watcher([&] {
    interrupted = true;
    std::lock_guard lock(running_mu);
    if (running != nullptr) running->cancel();
  });

  const std::string session_id = new_session_id();
  const std::string here = this_hostname();
  const std::string peer = parsed.target.empty() ? std::string("-") : parsed.target;
  const bool exclusive = (info.flags & PCS_COMMAND_EXCLUSIVE) != 0;
  std::optional<MachineLock> source_lock;
  if (exclusive && line.on_source) {
    auto got = MachineLock::try_acquire(data_dir(), {here, session_id, SyncRole::Source, peer});
    if (auto* busy = std::get_if<LockBusy>(&got)) throw std::runtime_error(busy->message());
    source_lock.emplace(std::move(std::get<MachineLock>(got)));
  }

  LocalExecutor source(fmt::format("source ({})", here));
  std::shared_ptr<SshConnection> connection;
  std::unique_ptr<RemoteExecutor> target;
  std::optional<TargetLock> target_lock;
  std::string target_host;
  CancelToken host_cancel;
  if (line.on_target) {
    SshOptions ssh;
    ssh.destination = parsed.target;
    ssh.accept_new_host_key = parsed.accept_new_host_key;
    SshConnectResult result = ssh_connect(ssh);
    if (!result.session) throw std::runtime_error(result.error);
    connection = std::make_shared<SshConnection>(std::move(result.session), fmt::format("target ({})", parsed.target),
                                                 loaded.config.keepalive_interval, loaded.config.keepalive_count);
    target = std::make_unique<RemoteExecutor>(connection);
    target_host = target_hostname(*target, host_cancel);
    if (exclusive) {
      auto got = TargetLock::try_acquire(*target, {target_host, session_id, SyncRole::Target, here}, host_cancel);
      if (auto* busy = std::get_if<TargetLockBusy>(&got)) throw std::runtime_error(busy->message());
      target_lock.emplace(std::move(std::get<TargetLock>(got)));
    }
  }

  CommandPrinter printer(parsed.verbose);
  JobServices services;
  services.source = &source;
  services.target = target.get();
  services.log = [&printer](const std::string&, const pcs_log_record& r) { printer.print(r); };
  services.progress = [](const std::string&, const pcs_progress&) {};
  services.trace = [&printer](const std::string&, pcs_machine m, const CommandSpec& c, const ExecResult& r) {
    printer.trace(m, c, r);
  };
  services.ask = [&interrupted](const std::string& job, const pcs_question& q) {
    std::vector<std::string> choices;
    for (auto c = q.choices; c != nullptr && *c != nullptr; ++c) choices.emplace_back(*c);
    return ask_on_terminal(job, q.text ? q.text : "", choices, [&interrupted] { return interrupted.load(); });
  };
  services.sudo = sudo_allowance(*command->plugin, true);
  const SessionFacts facts{session_id, here, target_host, parsed.target, parsed.dry_run};
  JobRun run(*command->plugin, loaded.config.job_configs[command->plugin->name], services, facts);
  if (!run.created())
    throw std::runtime_error(fmt::format("{}: create() failed: {}", command->plugin->name, run.create_error()));
  {
    std::lock_guard lock(running_mu);
    running = &run;
    run.start_command(command->ext, name, line);
    if (interrupted) run.cancel();
  }
  run.wait_for(std::chrono::hours(24 * 365));
  {
    std::lock_guard lock(running_mu);
    running = nullptr;
  }
  const pcs_status status = run.status();
  if (status == PCS_OK) return kExitOk;
  if (status == PCS_ERR_CANCELLED || interrupted) {
    std::cerr << fmt::format("pc-switcher: {} interrupted\n", name);
    return kExitInterrupted;
  }
  std::cerr << fmt::format("pc-switcher: error: {}\n", run.message());
  return kExitError;
}

}  // namespace pcs::cli
