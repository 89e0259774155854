// One function per `pc-switcher` command. Each gets the words after its name
// and returns the process exit code; usage mistakes throw cli::UsageError.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace pcs::cli {

int run_plugins(const std::vector<std::string>& args);
int run_init(const std::vector<std::string>& args);
int run_config(const std::vector<std::string>& args);
int run_logs(const std::vector<std::string>& args);
int run_sync(const std::vector<std::string>& args);
// `pc-switcher sudoers` (cmd_sudoers.cpp).
int run_sudoers(const std::vector<std::string>& args);
// `pc-switcher plugin check FILE.so...` (cmd_plugin_check.cpp).
int run_plugin(const std::vector<std::string>& args);

// The long names of sync's own options (a plugin's sync options may not reuse them).
std::vector<std::string> host_sync_option_names();

// `pc-switcher remote-shell SOCKET HOST COMMAND...` (cmd_remote_shell.cpp).
int run_remote_shell(const std::vector<std::string>& args);

// The names the host's own commands take (a plugin may not reuse them).
std::vector<std::string> host_command_names();
// Runs command `name` that a plugin adds (ext/commands.h); UsageError when no
// plugin offers it.
int run_plugin_command(const std::string& name, const std::vector<std::string>& args);
// One line per plugin command, for --help (plugins from `args`' --plugin-dir).
std::string plugin_commands_help(const std::vector<std::string>& args);
std::vector<std::string> plugin_command_names(const std::vector<std::string>& args);

// `pc-switcher --help` (main_help.cpp); the man page when help_format() is Man.
void print_main_help(std::ostream& out, const std::vector<std::string>& args);

}  // namespace pcs::cli
