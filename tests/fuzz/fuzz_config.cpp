// config.yaml (core/config.hpp, core/yaml_document.hpp): YAML text in,
// checked against the host's keys and the bundled plugins' schemas, as
// `pc-switcher config check` and every sync do. The schemas are a fixed copy,
// config_schemas.json (from `pc-switcher plugins show NAME` of each bundled
// plugin), so no plugin is loaded; the plugins' own validate_config checks
// are not part of this target. Every problem is an issue, never an exception.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "config.hpp"
#include "plugin_loader.hpp"
#include "yaml_document.hpp"

namespace {

pcs_plugin table{};  // no validate_config
pcs::PluginSet plugins;

pcs_job_kind kind_of(const std::string& kind) {
  if (kind == "sync") return PCS_JOB_SYNC;
  if (kind == "system") return PCS_JOB_SYSTEM;
  if (kind == "background") return PCS_JOB_BACKGROUND;
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::ifstream in(PCS_FUZZ_SCHEMAS);
  const nlohmann::json set = nlohmann::json::parse(in);
  table.struct_size = sizeof table;
  table.abi_major = PCS_ABI_VERSION_MAJOR;
  table.abi_minor = PCS_ABI_VERSION_MINOR;
  for (const auto& p : set.at("plugins")) {
    pcs::PluginInfo info;
    info.table = &table;
    info.name = p.at("name").get<std::string>();
    info.kind = kind_of(p.at("kind").get<std::string>());
    info.required = p.at("required").get<bool>();
    info.schema = p.at("schema");
    plugins.plugins.push_back(std::move(info));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const pcs::ConfigLoad load = pcs::load_config_text(text, "config.yaml", plugins);
  for (const auto& issue : load.issues) {
    if (issue.message.empty() || issue.line < 1 || issue.column < 1) __builtin_trap();
    (void)issue.format();
  }
  const pcs::YamlDocument doc = pcs::parse_yaml(text);
  for (const auto& problem : doc.problems) (void)doc.mark_of(problem.path);
  return 0;
}
