// `pc-switcher init [--force] [--config PATH]`.
#include <fstream>
#include <iostream>
#include <unistd.h>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "default_config.hpp"

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

}  // namespace

int run_init(const std::vector<std::string>& args) {
  CommonOptions common;
  bool force = false;
  po::options_description desc("Options");
  add_common_options(desc, common, true);
  desc.add_options()("force,f", po::bool_switch(&force), "overwrite an existing config file");
  parse(args, desc);
  if (common.help) {
    print_help("pc-switcher init [--force] [--config PATH] [--plugin-dir DIR]...", desc);
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
  for (const auto& issue : check.issues)
    std::cerr << "warning: a plugin's schema needs a value without a default: " << issue.format() << "\n";
  return kExitOk;
}

}  // namespace pcs::cli
