// pc-switcher: make this machine's state arrive on another one, over SSH.
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "build_info.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include <pcswitcher/plugin.h>

int main(int argc, char** argv) {
  using namespace pcs::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_main_help(std::cerr, args);
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
      print_main_help(std::cout, args);
      return kExitOk;
    }
    if (command == "sync") return run_sync(args);
    if (command == "plugins") return run_plugins(args);
    if (command == "plugin") return run_plugin(args);
    if (command == "init") return run_init(args);
    if (command == "config") return run_config(args);
    if (command == "logs") return run_logs(args);
    if (command == "sudoers") return run_sudoers(args);
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
