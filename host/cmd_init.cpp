// `pc-switcher init [--force] [--config PATH]`.
#include <cctype>
#include <fstream>
#include <set>
#include <iostream>
#include <unistd.h>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "default_config.hpp"

#include <pcswitcher/ext/init_files.h>

namespace po = boost::program_options;

namespace pcs::cli {
namespace {

// Writes `text` to a temporary file beside `path`, then renames it over: the
// config is either the old one or the whole new one, never half-written.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path().empty() ? "." : path.parent_path());
  auto tmp = path;
  tmp += fmt::format(".tmp-{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp);
      throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
    }
  }
  std::filesystem::rename(tmp, path);
}

bool plain_file_name(const char* name) {
  if (name == nullptr || *name == '\0' || *name == '.') return false;
  for (const char* c = name; *c != '\0'; ++c)
    if (!std::isalnum(static_cast<unsigned char>(*c)) && *c != '.' && *c != '_' && *c != '-') return false;
  return true;
}

// The files plugins want beside the config (ext/init_files.h).
void write_plugin_files(const PluginSet& plugins, const std::filesystem::path& dir, bool force) {
  std::set<std::string> written;
  for (const auto& p : plugins.plugins) {
    if (p.table->get_extension == nullptr) continue;
    const auto* ext = static_cast<const pcs_ext_init_files*>(p.table->get_extension(PCS_EXT_INIT_FILES));
    if (!PCS_HAS_FIELD(ext, pcs_ext_init_files, files) || (ext->file_count > 0 && ext->files == nullptr)) continue;
    for (uint32_t i = 0; i < ext->file_count; ++i) {
      const pcs_init_file& f = ext->files[i];
      if (!plain_file_name(f.name) || f.content == nullptr) {
        std::cerr << fmt::format("warning: plugin {} offers a file with an unusable name; skipped\n", p.name);
        continue;
      }
      if (!written.insert(f.name).second) {
        std::cerr << fmt::format("warning: plugin {} offers {}, which another plugin wrote; skipped\n", p.name, f.name);
        continue;
      }
      const auto target = dir / f.name;
      std::error_code ec;
      if (std::filesystem::exists(target, ec) && !force) {
        std::cout << fmt::format("Kept {} (exists; --force replaces it)\n", target.string());
        continue;
      }
      write_atomically(target, f.content);
      std::cout << fmt::format("Wrote {}: {} (plugin {})\n", target.string(), f.description ? f.description : "",
                               p.name);
    }
  }
}

}  // namespace

int run_init(const std::vector<std::string>& args) {
  CommonOptions common;
  bool force = false;
  po::options_description desc("Options");
  add_common_options(desc, common, true);
  desc.add_options()("force,f", po::bool_switch(&force), "overwrite an existing config file");
  parse(args, desc);
  if (common.help) {
    print_command_help(std::cout, {{"pc-switcher init [--force] [--config PATH] [--plugin-dir DIR]..."},
                                   "Writes a config file with every installed job's settings at their defaults, each "
                                   "with its description, and the files jobs keep beside it (such as user_data's "
                                   "home.filter and root.filter). An existing file is kept unless --force is given.",
                                   {{"Options", &desc}},
                                   {}});
    return kExitOk;
  }
  auto path = config_path(common);
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !force) {
    std::cerr << fmt::format(
        "pc-switcher: {} already exists; keep it, or run `pc-switcher init --force` to replace it\n", path.string());
    return kExitError;
  }
  PluginSet plugins = load(common, true);
  std::string text = default_config_yaml(plugins);
  ConfigLoad check = load_config_text(text, path.string(), plugins);
  write_atomically(path, text);
  std::cout << fmt::format(
      "Wrote {} ({} plugins). Enable sync jobs under sync_jobs, then run `pc-switcher config check`.\n", path.string(),
      plugins.plugins.size());
  write_plugin_files(plugins, path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path(), force);
  for (const auto& issue : check.issues)
    std::cerr << "warning: a plugin's schema needs a value without a default: " << issue.format() << "\n";
  return kExitOk;
}

}  // namespace pcs::cli
