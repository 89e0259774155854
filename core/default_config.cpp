#include "default_config.hpp"

#include <fmt/format.h>

#include "config.hpp"
#include "json_schema.hpp"

namespace pcs {
namespace {

// JSON is valid YAML in flow style, so scalars and lists are written as JSON.
std::string yaml_value(const nlohmann::json& v) { return v.dump(); }

void comment(std::string& out, const std::string& indent, const std::string& text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out += fmt::format("{}# {}\n", indent, text.substr(start, nl - start));
    start = nl + 1;
  }
}

std::string type_hint(const nlohmann::json& schema) {
  if (schema.contains("enum")) {
    std::string s;
    for (const auto& v : schema["enum"])
      s += (s.empty() ? "" : " | ") + (v.is_string() ? v.get<std::string>() : v.dump());
    return s;
  }
  if (schema.contains("type"))
    return schema["type"].is_string() ? schema["type"].get<std::string>() : schema["type"].dump();
  return "value";
}

// Writes the members of an object schema at `indent`.
void write_properties(std::string& out, const nlohmann::json& schema, const std::string& indent) {
  if (!schema.is_object() || !schema.contains("properties")) return;
  for (const auto& [key, sub] : schema["properties"].items()) {
    if (sub.contains("description")) comment(out, indent, sub["description"].get<std::string>());
    bool nested = sub.contains("properties") && (!sub.contains("default") || sub["default"].empty());
    if (nested) {
      out += fmt::format("{}{}:\n", indent, key);
      write_properties(out, sub, indent + "  ");
    } else if (sub.contains("default")) {
      out += fmt::format("{}{}: {}\n", indent, key, yaml_value(sub["default"]));
    } else {
      out += fmt::format("{}# {}: <{}>\n", indent, key, type_hint(sub));
    }
  }
}

}  // namespace

std::string default_config_yaml(const PluginSet& plugins) {
  std::string out =
      "# pc-switcher configuration, written by `pc-switcher init` from the installed plugins.\n"
      "# Check it with `pc-switcher config check`; see a job's options with\n"
      "# `pc-switcher plugins show JOB`.\n\n";
  const auto& host = host_config_schema()["properties"];
  comment(out, "", host["logging"]["description"].get<std::string>());
  out += "logging:\n";
  write_properties(out, host["logging"], "  ");
  out += "\n";
  comment(out, "", host["connection"]["description"].get<std::string>());
  out += "connection:\n";
  write_properties(out, host["connection"], "  ");

  std::string required;
  for (const auto& p : plugins.plugins)
    if (p.required) required += (required.empty() ? "" : ", ") + p.name;
  out += "\n";
  comment(out, "", host["sync_jobs"]["description"].get<std::string>() + ".");
  comment(out, "",
          "Required jobs always run and are not listed: " + (required.empty() ? "(none installed)" : required) + ".");
  bool any_sync = false;
  for (const auto& p : plugins.plugins) any_sync = any_sync || !p.required;
  out += any_sync ? "sync_jobs:\n" : "sync_jobs: {}\n";
  for (const auto& p : plugins.plugins)
    if (!p.required) out += fmt::format("  {}: false  # {}\n", p.name, p.description);

  for (const auto& p : plugins.plugins) {
    if (!p.schema.contains("properties") || p.schema["properties"].empty()) continue;
    out += "\n";
    comment(out, "", fmt::format("{} ({} job, plugin {}): {}", p.name, kind_name(p.kind), p.version, p.description));
    out += p.name + ":\n";
    write_properties(out, p.schema, "  ");
  }
  return out;
}

}  // namespace pcs
