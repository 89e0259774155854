// The half of `plugin check` that runs in the child process: loads the plugin
// and drives it through the contract, one point after another, writing each
// to `report_fd` as one JSON line:
//   {"begin": "execute"}                          a step starts (for crash reports)
//   {"name": ..., "ok": ..., "detail": ...}       a point's verdict
//   {"done": true}                                every step returned
// The child never returns; it ends with _exit.
#pragma once

#include <filesystem>

#include "plugin_check.hpp"

namespace pcs::check_child {

// The child's exit status when the cancellation watchdog fired.
constexpr int kExitCancelIgnored = 3;

[[noreturn]] void run(const std::filesystem::path& file, const CheckSettings& settings, int report_fd);

}  // namespace pcs::check_child
