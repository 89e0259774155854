#include "plugin_sync_options.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "plugin_commands.hpp"

namespace pcs {

const PluginSyncOption* PluginSyncOptions::find(const std::string& name) const {
  for (const auto& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

PluginSyncOptions find_sync_options(const PluginSet& plugins, const std::vector<std::string>& reserved) {
  PluginSyncOptions out;
  for (const PluginInfo& p : plugins.plugins) {
    if (p.table->get_extension == nullptr) continue;
    const auto* ext = static_cast<const pcs_ext_sync_options*>(p.table->get_extension(PCS_EXT_SYNC_OPTIONS));
    if (ext == nullptr) continue;
    const auto refuse = [&](const std::string& why) {
      out.problems.push_back(fmt::format("plugin {} ({}): {}", p.name, p.path.string(), why));
    };
    if (!PCS_HAS_FIELD(ext, pcs_ext_sync_options, options) || (ext->option_count > 0 && ext->options == nullptr)) {
      refuse(fmt::format("its {} table is incomplete; its sync options are not offered", PCS_EXT_SYNC_OPTIONS));
      continue;
    }
    for (uint32_t i = 0; i < ext->option_count; ++i) {
      const pcs_command_option& o = ext->options[i];
      if (!valid_cli_name(o.name)) {
        refuse(fmt::format("sync option #{} is not offered: its name is not [a-z][a-z0-9-]*", i + 1));
        continue;
      }
      const std::string name = o.name;
      if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
        refuse(fmt::format("sync option --{} is not offered: it is one of pc-switcher's own", name));
        continue;
      }
      if (const PluginSyncOption* earlier = out.find(name)) {
        refuse(fmt::format("sync option --{} is not offered: plugin {} ({}) offers it already", name,
                           earlier->plugin->name, earlier->plugin->path.string()));
        continue;
      }
      out.options.push_back({&p, name, o.value_name ? o.value_name : "", o.help ? o.help : ""});
    }
  }
  return out;
}

}  // namespace pcs
