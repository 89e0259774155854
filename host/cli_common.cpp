#include "cli_common.hpp"

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "build_info.hpp"
#include "help_text.hpp"
#include "xdg_paths.hpp"

namespace po = boost::program_options;

namespace pcs::cli {

void add_common_options(po::options_description& desc, CommonOptions& common, bool with_config) {
  desc.add_options()("help,h", po::bool_switch(&common.help), "show this help")(
      "plugin-dir", po::value(&common.plugin_dirs)->composing()->value_name("DIR"),
      "look for plugins in DIR first (repeatable); then PCSWITCHER_PLUGIN_PATH, then the built-in directory");
  if (with_config)
    desc.add_options()("config,c", po::value(&common.config)->value_name("PATH"),
                       "config file (default: $XDG_CONFIG_HOME/pc-switcher/config.yaml)");
}

void parse(const std::vector<std::string>& args, const po::options_description& desc,
           const po::positional_options_description* positional) {
  po::positional_options_description none;
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).positional(positional ? *positional : none).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
}

std::vector<std::filesystem::path> search_path(const CommonOptions& common) {
  auto dirs = plugin_search_path(common.plugin_dirs, std::getenv("PCSWITCHER_PLUGIN_PATH"), build::default_plugin_dir);
  // The man page documents what its own package ships, not what this machine has installed.
  if (help_format() == HelpFormat::Man) {
    dirs.pop_back();
    return dirs;
  }
  // A copy in a user prefix (~/.local/bin, as install_on_target makes one)
  // brings its plugins beside it: they come before the system's.
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return dirs;
  const auto beside = (exe.parent_path() / ".." / "lib" / "pc-switcher" / "plugins").lexically_normal();
  if (!std::filesystem::is_directory(beside, ec)) return dirs;
  for (const auto& d : dirs)
    if (std::filesystem::equivalent(beside, d, ec)) return dirs;
  dirs.insert(dirs.end() - 1, beside);
  return dirs;
}

CommonOptions early_common_options(const std::vector<std::string>& args) {
  CommonOptions common;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--plugin-dir" && i + 1 < args.size()) common.plugin_dirs.push_back(args[++i]);
    if (args[i].rfind("--plugin-dir=", 0) == 0) common.plugin_dirs.push_back(args[i].substr(13));
  }
  return common;
}

PluginSet load(const CommonOptions& common, bool report_skipped) {
  PluginSet set = load_plugins(search_path(common));
  if (report_skipped)
    for (const auto& s : set.skipped)
      std::cerr << fmt::format("pc-switcher: skipped plugin {}: {}\n", s.path.string(), s.reason);
  return set;
}

std::filesystem::path config_path(const CommonOptions& common) {
  return common.config.empty() ? default_config_path() : std::filesystem::path(common.config);
}

}  // namespace pcs::cli
