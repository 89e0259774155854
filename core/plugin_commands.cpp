#include "plugin_commands.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pcs {

bool valid_cli_name(const char* name) {
  if (name == nullptr || !(*name >= 'a' && *name <= 'z')) return false;
  for (const char* c = name; *c != '\0'; ++c)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) return false;
  return true;
}

namespace {

// Why `info` cannot be used; empty when it can.
std::string malformed(const pcs_command_info* info) {
  if (info == nullptr) return "a NULL entry in its command table";
  if (!PCS_HAS_FIELD(info, pcs_command_info, flags)) return "a pcs_command_info with a struct_size too small";
  if (!valid_cli_name(info->name)) return "a command name that is not [a-z][a-z0-9-]*";
  if (info->summary == nullptr) return "no summary";
  if (info->option_count > 0 && info->options == nullptr) return "option_count > 0 but no options";
  for (uint32_t i = 0; i < info->option_count; ++i) {
    const char* o = info->options[i].name;
    if (!valid_cli_name(o)) return fmt::format("option #{} has a name that is not [a-z][a-z0-9-]*", i + 1);
    for (const char* host_option :
         {"help", "config", "plugin-dir", "verbose", "host", "dry-run", "yes", "accept-new-host-key", "target"})
      if (std::string_view(o) == host_option) return fmt::format("option --{} is one of the host's own", o);
  }
  if (info->hosts > PCS_COMMAND_HOSTS_ANY) return fmt::format("an unknown hosts value {}", info->hosts);
  return "";
}

}  // namespace

const PluginCommand* PluginCommands::find(const std::string& name) const {
  for (const auto& c : commands)
    if (c.name == name) return &c;
  return nullptr;
}

PluginCommands find_plugin_commands(const PluginSet& plugins, const std::vector<std::string>& reserved) {
  PluginCommands out;
  for (const PluginInfo& p : plugins.plugins) {
    if (p.table->get_extension == nullptr) continue;
    const auto* ext = static_cast<const pcs_ext_commands*>(p.table->get_extension(PCS_EXT_COMMANDS));
    if (ext == nullptr) continue;
    if (!PCS_HAS_FIELD(ext, pcs_ext_commands, run_command) || ext->run_command == nullptr ||
        (ext->command_count > 0 && ext->commands == nullptr)) {
      out.problems.push_back(fmt::format("plugin {} ({}): its {} table is incomplete; its commands are not offered",
                                         p.name, p.path.string(), PCS_EXT_COMMANDS));
      continue;
    }
    for (uint32_t i = 0; i < ext->command_count; ++i) {
      const pcs_command_info* info = ext->commands[i];
      if (std::string why = malformed(info); !why.empty()) {
        out.problems.push_back(
            fmt::format("plugin {} ({}): command #{} is not offered: {}", p.name, p.path.string(), i + 1, why));
        continue;
      }
      const std::string name = info->name;
      if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
        out.problems.push_back(
            fmt::format("plugin {} ({}): command '{}' is not offered: it is one of pc-switcher's own commands", p.name,
                        p.path.string(), name));
        continue;
      }
      if (const PluginCommand* earlier = out.find(name)) {
        out.problems.push_back(
            fmt::format("plugin {} ({}): command '{}' is not offered: plugin {} ({}) offers it "
                        "already",
                        p.name, p.path.string(), name, earlier->plugin->name, earlier->plugin->path.string()));
        continue;
      }
      out.commands.push_back({&p, ext, info, name});
    }
  }
  return out;
}

}  // namespace pcs
