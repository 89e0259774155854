// pc-switcher: make this machine's state arrive on another one, over SSH.
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "build_info.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include <pcswitcher/plugin.h>

namespace {

constexpr const char* kUsage = R"(Usage: pc-switcher [--version] [--help] COMMAND [ARGS...]

Commands:
  sync TARGET [OPTIONS]   make TARGET's state this machine's (files, packages, ...) over SSH
  plugins [--json]        list installed plugins (jobs) and those that were skipped
  plugins show NAME       a plugin's description and config schema
  plugin check FILE.so    run a plugin through the job contract with fake executors
  init [--force]          write a commented default config from the installed plugins
  config check            check the config file against every job's schema
  logs [--last|SESSION]   list sync sessions, replay one's log, or follow it (--follow)

)";

constexpr const char* kUsageEnd = R"(
Run `pc-switcher COMMAND --help` for a command's options.
Exit codes: 0 success, 1 error, 2 usage error, 130 interrupted.
)";

void print_usage(std::ostream& out, const std::vector<std::string>& args) {
  out << kUsage;
  std::string from_plugins;
  try {
    from_plugins = pcs::cli::plugin_commands_help(args);
  } catch (const std::exception&) {
    // An unusable plugin directory is reported by the commands that need it.
  }
  if (!from_plugins.empty()) out << "Commands from plugins:\n" << from_plugins;
  out << kUsageEnd;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pcs::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr, args);
    return kExitUsage;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  try {
    if (command == "--version" || command == "-V") {
      std::cout << fmt::format("pc-switcher {} (plugin ABI {}.{})\n", pcs::build::version, PCS_ABI_VERSION_MAJOR,
                               PCS_ABI_VERSION_MINOR);
      return kExitOk;
    }
    if (command == "--help" || command == "-h" || command == "help") {
      print_usage(std::cout, args);
      return kExitOk;
    }
    if (command == "sync") return run_sync(args);
    if (command == "plugins") return run_plugins(args);
    if (command == "plugin") return run_plugin(args);
    if (command == "init") return run_init(args);
    if (command == "config") return run_config(args);
    if (command == "logs") return run_logs(args);
    if (command == "remote-shell") return run_remote_shell(args);  // for tools a session runs, not for people
    return run_plugin_command(command, args);
  } catch (const UsageError& e) {
    std::cerr << fmt::format("pc-switcher: {}\nRun `pc-switcher --help` for usage.\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << fmt::format("pc-switcher: error: {}\n", e.what());
    return kExitError;
  }
}
