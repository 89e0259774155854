// `pc-switcher plugin check FILE.so`: runs one plugin through the whole job
// contract with the test kit's fake executors (nothing is run on any machine)
// and says, point by point, whether it holds.
//
// The plugin runs in a child process, so a crash, an exit() or a hang is a
// finding rather than the end of the check; its stdout and stderr are caught
// there, because a plugin's stdout would write into pc-switcher's own output.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace pcs {

struct CheckPoint {
  std::string name;  // a stable id: "exports", "loads", "metadata", ...
  bool ok = false;
  std::string detail;  // what was seen; for a failure, what to change
};

struct PluginCheck {
  std::filesystem::path file;
  std::vector<CheckPoint> points;  // in the order they were checked
  std::string stderr_text;         // what the plugin wrote to stderr (first 4 KiB)
  bool conforms() const;
};

struct CheckSettings {
  // Names a plugin's commands and sync options may not take (the host's own).
  std::vector<std::string> reserved_commands;
  std::vector<std::string> reserved_sync_options;
  std::chrono::milliseconds cancel_after{200};   // into execute
  std::chrono::milliseconds cancel_limit{5000};  // plugin.h: return promptly once cancelled
  std::chrono::milliseconds step_limit{30000};   // any other call, with every command answering at once
};

PluginCheck check_plugin(const std::filesystem::path& file, const CheckSettings& settings);

// "PCS_ERR_CANCELLED", or "unknown status 42".
std::string status_symbol(int status);

}  // namespace pcs
