// `pc-switcher config check [--config PATH]`.
#include <iostream>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "commands.hpp"
#include "config.hpp"

namespace po = boost::program_options;

namespace pcs::cli {

int run_config(const std::vector<std::string>& args) {
  CommonOptions common;
  std::vector<std::string> words;
  po::options_description desc("Options");
  add_common_options(desc, common, true);
  po::options_description hidden;
  hidden.add_options()("words", po::value(&words));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("words", -1);
  parse(args, all, &pos);
  if (common.help) {
    print_command_help(std::cout, {{"pc-switcher config check [--config PATH] [--plugin-dir DIR]..."},
                                   "Reads the config file and checks it against every installed job's schema. Each "
                                   "problem is named with its file, line and key, and says how to fix it; a job the "
                                   "config enables that is not installed is named too.",
                                   {{"Options", &desc}},
                                   {}});
    return kExitOk;
  }
  if (words.size() != 1 || words[0] != "check")
    throw UsageError(words.empty() ? "`config` needs a subcommand: check"
                                   : fmt::format("unknown `config` subcommand '{}'", words[0]));

  PluginSet plugins = load(common, true);
  auto path = config_path(common);
  ConfigLoad result = load_config_file(path, plugins);
  if (!result.ok()) {
    for (const auto& issue : result.issues) std::cerr << issue.format() << "\n";
    std::cerr << fmt::format("{}: {} problem{} found\n", path.string(), result.issues.size(),
                             result.issues.size() == 1 ? "" : "s");
    return kExitError;
  }
  std::string enabled;
  for (const auto& [name, on] : result.config.sync_jobs)
    if (on) enabled += (enabled.empty() ? "" : ", ") + name;
  std::cout << fmt::format("{}: valid; sync jobs enabled: {}\n", path.string(), enabled.empty() ? "(none)" : enabled);
  return kExitOk;
}

}  // namespace pcs::cli
