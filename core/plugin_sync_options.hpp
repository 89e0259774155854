// The options plugins add to `pc-switcher sync` (ext/sync_options.h): which
// loaded plugin offers which option, each description checked first.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <pcswitcher/ext/sync_options.h>

#include "plugin_loader.hpp"

namespace pcs {

struct PluginSyncOption {
  const PluginInfo* plugin = nullptr;
  std::string name;        // without dashes
  std::string value_name;  // empty: a flag
  std::string help;
};

struct PluginSyncOptions {
  std::vector<PluginSyncOption> options;  // usable ones, in plugin order
  // Descriptions refused: each names the plugin, the option and the reason.
  std::vector<std::string> problems;
  const PluginSyncOption* find(const std::string& name) const;
};

// Collects the sync options of `plugins`. One named like a host option
// (`reserved`) or one an earlier plugin offers, or a malformed description,
// is left out with a problem.
PluginSyncOptions find_sync_options(const PluginSet& plugins, const std::vector<std::string>& reserved);

// Given options by job name: job → option → value ("" for a flag).
using JobSyncOptions = std::map<std::string, std::map<std::string, std::string>>;

}  // namespace pcs
