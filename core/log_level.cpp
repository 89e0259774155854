#include "log_level.hpp"

#include <array>
#include <utility>

namespace pcs {
namespace {
constexpr std::array<std::pair<pcs_log_level, const char*>, 6> kLevels{{
    {PCS_LOG_DEBUG, "DEBUG"},
    {PCS_LOG_FULL, "FULL"},
    {PCS_LOG_INFO, "INFO"},
    {PCS_LOG_WARNING, "WARNING"},
    {PCS_LOG_ERROR, "ERROR"},
    {PCS_LOG_CRITICAL, "CRITICAL"},
}};
}  // namespace

const char* log_level_name(pcs_log_level level) {
  for (const auto& [value, name] : kLevels)
    if (value == level) return name;
  return "UNKNOWN";
}

std::optional<pcs_log_level> parse_log_level(std::string_view text) {
  for (const auto& [value, name] : kLevels)
    if (text == name) return value;
  return std::nullopt;
}

std::string log_level_names() {
  std::string out;
  for (const auto& [value, name] : kLevels) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace pcs
