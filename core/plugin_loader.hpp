// Finds pc-switcher plugins, loads them through the C ABI and checks each one.
//
// A plugin that cannot be used is skipped with one line saying why; the host
// carries on with the others. Loaded libraries are never unloaded: code and
// static data of a plugin may be referenced until the process exits.
#pragma once

#include <pcswitcher/plugin.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pcs {

struct PluginInfo {
  std::filesystem::path path;
  const pcs_plugin* table = nullptr;
  std::string name;
  std::string version;
  std::string description;
  pcs_job_kind kind = PCS_JOB_SYNC;
  bool required = false;
  bool failure_isolated = false;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  nlohmann::json schema;  // parsed CONFIG_SCHEMA, a valid draft-07 schema
};

struct SkippedPlugin {
  std::filesystem::path path;
  std::string reason;
};

struct PluginSet {
  std::vector<PluginInfo> plugins;  // in search order
  std::vector<SkippedPlugin> skipped;
  const PluginInfo* find(std::string_view name) const;
  std::vector<std::string> names() const;
};

const char* kind_name(pcs_job_kind kind);

// Where to look, in order: each --plugin-dir, each entry of
// PCSWITCHER_PLUGIN_PATH (colon-separated; empty entries ignored), then the
// compiled-in default directory.
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string>& cli_dirs, const char* env_path,
                                                      const std::filesystem::path& default_dir);

// Loads every `*.so` in `dirs` (each directory's files in name order).
// Directories that do not exist are passed over in silence.
PluginSet load_plugins(const std::vector<std::filesystem::path>& dirs);

// Loads one file; on failure returns false and sets `reason`.
bool load_plugin_file(const std::filesystem::path& file, PluginInfo& out, std::string& reason);

}  // namespace pcs
