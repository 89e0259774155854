// The commands plugins add to `pc-switcher` (ext/commands.h): which loaded
// plugin offers which command, with each description checked before anything
// is parsed against it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <pcswitcher/ext/commands.h>

#include "plugin_loader.hpp"

namespace pcs {

struct PluginCommand {
  const PluginInfo* plugin = nullptr;
  const pcs_ext_commands* ext = nullptr;
  const pcs_command_info* info = nullptr;
  std::string name;
};

struct PluginCommands {
  std::vector<PluginCommand> commands;  // usable ones, in plugin order
  // Descriptions refused: each names the plugin, the command and the reason.
  std::vector<std::string> problems;
  const PluginCommand* find(const std::string& name) const;
};

// [a-z][a-z0-9-]*: a command or option name a plugin may use.
bool valid_cli_name(const char* name);

// Collects every command of `plugins`. A command whose name is one of
// `reserved` (the host's own) or was already offered by an earlier plugin, or
// whose description is malformed, is left out with a problem.
PluginCommands find_plugin_commands(const PluginSet& plugins, const std::vector<std::string>& reserved);

// One parsed command line, owned by the host (the C view is built from it).
struct CommandLine {
  std::vector<std::string> arguments;
  std::vector<std::pair<std::string, std::string>> options;  // name without dashes, value ("" for a flag)
  bool on_source = true;
  bool on_target = false;
  bool assume_yes = false;
};

}  // namespace pcs
