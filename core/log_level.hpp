// Log level names as written in config files and shown to users.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <pcswitcher/plugin.h>

namespace pcs {

const char* log_level_name(pcs_log_level level);
std::optional<pcs_log_level> parse_log_level(std::string_view name);
// "DEBUG, FULL, INFO, WARNING, ERROR, CRITICAL"
std::string log_level_names();

}  // namespace pcs
