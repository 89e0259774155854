// What every pc-switcher command shares: exit codes, usage errors, the
// --plugin-dir/--config options and plugin loading.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "help_text.hpp"
#include "plugin_loader.hpp"

namespace pcs::cli {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// A mistake on the command line: printed with a hint, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CommonOptions {
  std::vector<std::string> plugin_dirs;
  std::string config;  // empty: the default path
  bool help = false;
};

// Adds --help, --plugin-dir and (if `with_config`) --config to `desc`.
void add_common_options(boost::program_options::options_description& desc, CommonOptions& common, bool with_config);

// Parses `args` (the words after the command) into `desc`; unknown options
// and stray words become UsageError.
void parse(const std::vector<std::string>& args, const boost::program_options::options_description& desc,
           const boost::program_options::positional_options_description* positional = nullptr);

// The --plugin-dir values of `args`, read before the command's own options
// are known (plugins add commands and options).
CommonOptions early_common_options(const std::vector<std::string>& args);

// --plugin-dir..., PCSWITCHER_PLUGIN_PATH..., then the compiled-in directory.
std::vector<std::filesystem::path> search_path(const CommonOptions& common);

// Loads the plugins from the search path. When `report_skipped`, prints one
// line per unusable plugin to stderr.
PluginSet load(const CommonOptions& common, bool report_skipped);

std::filesystem::path config_path(const CommonOptions& common);

}  // namespace pcs::cli
