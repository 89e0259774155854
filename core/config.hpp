// The user's config.yaml: read, checked against the host's rules and every
// installed job's schema, with defaults applied.
//
// Every problem is collected (never just the first) and says file:line:column,
// the key path and what was expected.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <pcswitcher/plugin.h>

#include "plugin_loader.hpp"

namespace pcs {

struct ConfigIssue {
  std::string file;
  int line = 1;
  int column = 1;
  std::string path;  // key path, "" for the whole file
  std::string message;
  // "config.yaml:3:9: logging.file: expected one of ...".
  std::string format() const;
};

struct Config {
  pcs_log_level file_floor = PCS_LOG_DEBUG;
  pcs_log_level tui_floor = PCS_LOG_INFO;
  int keep_logs = 50;
  std::chrono::seconds keepalive_interval{15};  // connection: a silent target is lost after interval x count
  int keepalive_count = 3;
  std::vector<std::pair<std::string, bool>> sync_jobs;  // in run order, as written
  std::map<std::string, nlohmann::json> job_configs;    // every installed job: defaults applied
};

struct ConfigLoad {
  Config config;
  std::vector<ConfigIssue> issues;
  bool ok() const { return issues.empty(); }
};

// The host's own keys, as a draft-07 schema (also used by `pc-switcher init`).
const nlohmann::json& host_config_schema();

// Checks `text` as if it were the file `file_name`.
ConfigLoad load_config_text(const std::string& text, const std::string& file_name, const PluginSet& plugins);

// Reads and checks a config file. A missing file is one issue saying how to create it.
ConfigLoad load_config_file(const std::filesystem::path& file, const PluginSet& plugins);

}  // namespace pcs
