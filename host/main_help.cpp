// `pc-switcher --help`, and with PCSWITCHER_HELP_FORMAT=man the whole man
// page: its sections come from here, each command's from that command's own
// --help (help_text.hpp).
#include <iostream>

#include <fmt/format.h>
#include <pcswitcher/plugin.h>

#include "build_info.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "help_text.hpp"

namespace pcs::cli {
namespace {

constexpr const char* kSynopsis = "pc-switcher [--version] [--help] COMMAND [ARGS...]";
constexpr const char* kAbout =
    "pc-switcher makes another Linux machine match this one: you work on a laptop, run `pc-switcher sync "
    "desktop`, and find the desktop in the same state - files, installed packages, containers. It runs here and "
    "drives the target over one SSH connection, and takes btrfs snapshots of both machines before and after, so "
    "that nothing is ever lost. Each kind of state is a job, and each job is a plugin.";

struct HostCommand {
  const char* shown;  // as in the command list
  const char* summary;
  int (*run)(const std::vector<std::string>&);
};

const std::vector<HostCommand>& host_commands() {
  static const std::vector<HostCommand> commands{
      {"sync TARGET [OPTIONS]", "make TARGET's state this machine's (files, packages, ...) over SSH", run_sync},
      {"plugins [--json]", "list installed plugins (jobs) and those that were skipped", run_plugins},
      {"plugins show NAME", "a plugin's description and config schema", nullptr},
      {"plugin check FILE.so", "run a plugin through the job contract with fake executors", run_plugin},
      {"init [--force]", "write a commented default config from the installed plugins", run_init},
      {"config check", "check the config file against every job's schema", run_config},
      {"logs [--last|SESSION]", "list sync sessions, replay one's log, or follow it (--follow)", run_logs},
      {"sudoers [--user NAME]", "the passwordless-sudo rules the enabled jobs need on each machine", run_sudoers},
  };
  return commands;
}

std::vector<Definition> files() {
  return {
      {"$XDG_CONFIG_HOME/pc-switcher/config.yaml",
       "The config: which jobs run and each job's settings (default ~/.config/pc-switcher/config.yaml). "
       "`pc-switcher init` writes one; `pc-switcher config check` checks it."},
      {"$XDG_CONFIG_HOME/pc-switcher/*.filter",
       "rsync filter rules of the user_data job's folders (home.filter, root.filter), written by init."},
      {"$XDG_DATA_HOME/pc-switcher/logs/",
       "One log file per session, on both machines (default ~/.local/share/pc-switcher/logs); read them with "
       "`pc-switcher logs`."},
      {"$XDG_DATA_HOME/pc-switcher/sync-history.json",
       "Which machine last synced with which; guards against a first sync and an out-of-order one."},
      {"$XDG_DATA_HOME/pc-switcher/sync.lock", "Held on both machines while a session runs."},
      {"~/.ssh/config, ~/.ssh/known_hosts",
       "How TARGET is reached (Host aliases, HostName, User, Port, IdentityFile); the target's host key must be "
       "in known_hosts (see sync --accept-new-host-key)."},
      {build::default_plugin_dir,
       "The built-in plugin directory. A plugin file or directory that someone other than root or you could "
       "write to is refused."},
  };
}

std::vector<Definition> environment() {
  return {
      {"PCSWITCHER_PLUGIN_PATH",
       "Colon-separated plugin directories searched after --plugin-dir and before the built-in one."},
      {"XDG_CONFIG_HOME, XDG_DATA_HOME, HOME", "Where the config and the data files above are."},
      {"SSH_AUTH_SOCK", "The ssh-agent whose keys are offered to the target."},
      {"NO_COLOR", "When set, the output has no colours."},
      {"PCSWITCHER_HELP_FORMAT", "`man` prints --help as man(7) markup: the build writes this page that way."},
  };
}

std::vector<Definition> exit_codes() {
  return {{"0", "success"},
          {"1", "failure: a job failed, a lock is held, the config is wrong, or the session was aborted"},
          {"2", "usage error: an unknown command or option, or a missing argument"},
          {"130", "interrupted (Ctrl+C): the jobs were stopped and cleaned up"}};
}

std::vector<Definition> examples() {
  return {{"pc-switcher init", "Write a config with every installed job's defaults."},
          {"pc-switcher sync desktop --dry-run", "Show what a sync to the machine `desktop` would do."},
          {"pc-switcher sync desktop", "Make desktop this machine's state."},
          {"pc-switcher sync desktop --only user_data", "Sync only the files (the required jobs still run)."},
          {"pc-switcher logs --last --level WARNING", "The warnings and errors of the last session."},
          {"pc-switcher plugin check ./my_job.so", "Check a plugin you wrote before installing it."}};
}

void print_text(std::ostream& out, const std::vector<std::string>& args) {
  out << "Usage: " << kSynopsis << "\n\n" << wrap(kAbout, 80, 0) << "\n\nCommands:\n";
  for (const auto& c : host_commands()) out << fmt::format("  {:<22}  {}\n", c.shown, c.summary);
  std::string from_plugins;
  try {
    from_plugins = plugin_commands_help(args);
  } catch (const std::exception&) {
    // An unusable plugin directory is reported by the commands that need it.
  }
  if (!from_plugins.empty()) out << "\nCommands from plugins:\n" << from_plugins;
  out << "\nRun `pc-switcher COMMAND --help` for a command's options.\n\n";
  print_definitions(out, "Files", files());
  out << "\n";
  print_definitions(out, "Environment", environment());
  out << "\n";
  print_definitions(out, "Exit codes", exit_codes());
  out << "\n";
  print_definitions(out, "Examples", examples());
}

void print_man(std::ostream& out, const std::vector<std::string>& args) {
  out << fmt::format(".TH PC\\-SWITCHER 1 \"\" \"pc\\-switcher {}\" \"User Commands\"\n", build::version)
      << ".SH NAME\npc\\-switcher \\- make another Linux machine match this one, over SSH\n"
      << ".SH SYNOPSIS\n.B pc\\-switcher\n"
      << man_escape(std::string(kSynopsis).substr(12)) << "\n"
      << ".SH DESCRIPTION\n"
      << man_escape(kAbout) << "\n"
      << ".PP\nThe commands below are pc\\-switcher's own and those of the plugins in its package. Other "
         "plugins add commands and sync options of their own: `pc\\-switcher \\-\\-help` and `pc\\-switcher "
         "sync \\-\\-help` list those installed.\n"
      << ".SH COMMANDS\n";
  out.flush();
  for (const auto& c : host_commands())
    if (c.run != nullptr) c.run({"--help"});
  for (const auto& name : plugin_command_names(args)) run_plugin_command(name, {"--help"});
  std::cout.flush();
  out << ".SH FILES\n";
  print_definitions(out, "", files());
  out << ".SH ENVIRONMENT\n";
  print_definitions(out, "", environment());
  out << ".SH \"EXIT STATUS\"\n";
  print_definitions(out, "", exit_codes());
  out << ".SH EXAMPLES\n";
  print_definitions(out, "", examples());
  out << ".SH \"SEE ALSO\"\n.BR ssh_config (5),\n.BR rsync (1),\n.BR btrfs\\-subvolume (8)\n"
      << ".PP\nWriting a job: /usr/share/doc/pc\\-switcher\\-dev/plugin\\-authors.md\n";
}

}  // namespace

void print_main_help(std::ostream& out, const std::vector<std::string>& args) {
  if (help_format() == HelpFormat::Man)
    print_man(out, args);
  else
    print_text(out, args);
}

}  // namespace pcs::cli
