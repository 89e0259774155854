#include "plugin_loader.hpp"

#include <algorithm>
#include <cstddef>
#include <regex>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>

#include "file_security.hpp"
#include "json_schema.hpp"

namespace pcs {
namespace {

// Process-lifetime registry: plugins are never unloaded (see plugin-abi-lessons).
std::vector<boost::dll::shared_library>& library_registry() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}

constexpr std::size_t kPluginTableV1Size = offsetof(pcs_plugin, get_extension) + sizeof(void*);
constexpr std::size_t kDescriptorV1Size = offsetof(pcs_job_descriptor, config_schema) + sizeof(char*);

// Boost.DLL wraps dlerror's text in its own words; keep only dlerror's.
std::string dlerror_text(const std::string& what) {
  const std::string marker = "dlerror system message: ";
  auto start = what.find(marker);
  if (start == std::string::npos) return what;
  start += marker.size();
  auto end = what.rfind("): ");
  return what.substr(start, end != std::string::npos && end > start ? end - start : std::string::npos);
}

bool valid_job_name(const char* name) {
  static const std::regex pattern("[a-z][a-z0-9_]{0,63}");
  return name != nullptr && std::regex_match(name, pattern);
}

// Checks the table; fills `out` from it. Returns the reason for refusing, or "".
std::string check_table(const pcs_plugin* t, PluginInfo& out) {
  if (t->struct_size < kPluginTableV1Size)
    return fmt::format("its plugin table is {} bytes, shorter than ABI 1.0's {} bytes", t->struct_size,
                       kPluginTableV1Size);
  if (t->abi_major != PCS_ABI_VERSION_MAJOR)
    return fmt::format(
        "it was built for plugin ABI {}.{}, this pc-switcher speaks ABI {}.{}: rebuild it against "
        "this pc-switcher's SDK",
        t->abi_major, t->abi_minor, PCS_ABI_VERSION_MAJOR, PCS_ABI_VERSION_MINOR);
  if (t->abi_minor > PCS_ABI_VERSION_MINOR)
    return fmt::format("it needs plugin ABI {}.{}, newer than this pc-switcher's {}.{}: update pc-switcher",
                       t->abi_major, t->abi_minor, PCS_ABI_VERSION_MAJOR, PCS_ABI_VERSION_MINOR);
  const pcs_job_descriptor* d = t->descriptor;
  if (d == nullptr) return "its plugin table has no job descriptor (descriptor is NULL)";
  if (d->struct_size < kDescriptorV1Size)
    return fmt::format("its job descriptor is {} bytes, shorter than ABI 1.0's {} bytes", d->struct_size,
                       kDescriptorV1Size);
  if (!valid_job_name(d->name))
    return fmt::format("its job name {} is not valid: use 1-64 of [a-z0-9_], starting with a letter",
                       d->name ? fmt::format("'{}'", d->name) : std::string("(NULL)"));
  if (t->create == nullptr || t->validate == nullptr || t->execute == nullptr || t->destroy == nullptr)
    return fmt::format("job '{}': its plugin table lacks {}", d->name,
                       t->create == nullptr     ? "create"
                       : t->validate == nullptr ? "validate"
                       : t->execute == nullptr  ? "execute"
                                                : "destroy");
  if (d->kind != PCS_JOB_SYSTEM && d->kind != PCS_JOB_SYNC && d->kind != PCS_JOB_BACKGROUND)
    return fmt::format("job '{}': unknown job kind {}", d->name, d->kind);
  bool required = (d->flags & PCS_JOB_FLAG_REQUIRED) != 0;
  if (d->kind != PCS_JOB_SYNC && !required)
    return fmt::format("job '{}': a {} job must be required (PCS_JOB_FLAG_REQUIRED)", d->name, kind_name(d->kind));
  if (d->version == nullptr || d->description == nullptr || d->config_schema == nullptr)
    return fmt::format("job '{}': its descriptor lacks {}", d->name,
                       d->version == nullptr       ? "a version"
                       : d->description == nullptr ? "a description"
                                                   : "a config schema");

  out.table = t;
  out.name = d->name;
  out.version = d->version;
  out.description = d->description;
  out.kind = d->kind;
  out.required = required;
  out.failure_isolated = (d->flags & PCS_JOB_FLAG_FAILURE_ISOLATED) != 0;
  out.abi_major = t->abi_major;
  out.abi_minor = t->abi_minor;
  try {
    out.schema = nlohmann::json::parse(d->config_schema);
  } catch (const nlohmann::json::parse_error& e) {
    return fmt::format("job '{}': its config schema is not valid JSON: {}", d->name, e.what());
  }
  if (auto problem = schema_problem(out.schema))
    return fmt::format("job '{}': its config schema is not a valid JSON Schema draft-07: {}", d->name, *problem);
  return "";
}

}  // namespace

const char* kind_name(pcs_job_kind kind) {
  switch (kind) {
    case PCS_JOB_SYSTEM:
      return "system";
    case PCS_JOB_SYNC:
      return "sync";
    case PCS_JOB_BACKGROUND:
      return "background";
    default:
      return "unknown";
  }
}

const PluginInfo* PluginSet::find(std::string_view name) const {
  for (const auto& p : plugins)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> PluginSet::names() const {
  std::vector<std::string> out;
  for (const auto& p : plugins) out.push_back(p.name);
  return out;
}

std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::string>& cli_dirs, const char* env_path,
                                                      const std::filesystem::path& default_dir) {
  std::vector<std::filesystem::path> dirs(cli_dirs.begin(), cli_dirs.end());
  if (env_path != nullptr) {
    std::string_view rest(env_path);
    while (!rest.empty()) {
      auto colon = rest.find(':');
      auto entry = rest.substr(0, colon);
      if (!entry.empty()) dirs.emplace_back(std::string(entry));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.push_back(default_dir);
  return dirs;
}

bool load_plugin_file(const std::filesystem::path& file, PluginInfo& out, std::string& reason) {
  if (auto why = untrusted_reason(file, ::geteuid())) {
    reason = "refused: " + *why;
    return false;
  }
  boost::dll::shared_library lib;
  try {
    lib.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    reason = fmt::format("not a loadable shared library: {}", dlerror_text(e.what()));
    return false;
  }
  if (!lib.has(PCS_PLUGIN_ENTRY_SYMBOL)) {
    reason = "does not export pcs_plugin_entry: not a pc-switcher plugin (C++ jobs need PCS_EXPORT_JOB)";
    return false;
  }
  library_registry().push_back(lib);
  auto entry = lib.get<const pcs_plugin*(uint32_t, uint32_t)>(PCS_PLUGIN_ENTRY_SYMBOL);
  const pcs_plugin* table = entry(PCS_ABI_VERSION_MAJOR, PCS_ABI_VERSION_MINOR);
  if (table == nullptr) {
    reason = fmt::format("pcs_plugin_entry returned NULL: the plugin cannot serve plugin ABI {}.{}",
                         PCS_ABI_VERSION_MAJOR, PCS_ABI_VERSION_MINOR);
    return false;
  }
  reason = check_table(table, out);
  out.path = file;
  return reason.empty();
}

PluginSet load_plugins(const std::vector<std::filesystem::path>& dirs) {
  PluginSet set;
  const uid_t uid = ::geteuid();
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    if (auto why = untrusted_reason(dir, uid)) {
      set.skipped.push_back({dir, "plugin directory refused: " + *why});
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
      if (entry.path().extension() == ".so" && !entry.is_directory()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      PluginInfo info;
      std::string reason;
      if (!load_plugin_file(file, info, reason)) {
        set.skipped.push_back({file, reason});
      } else if (const PluginInfo* first = set.find(info.name)) {
        set.skipped.push_back(
            {file, fmt::format("duplicate job name '{}': already provided by {}", info.name, first->path.string())});
      } else {
        set.plugins.push_back(std::move(info));
      }
    }
  }
  return set;
}

}  // namespace pcs
