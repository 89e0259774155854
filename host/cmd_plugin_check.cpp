// `pc-switcher plugin check FILE.so...`: the plugin conformance check.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "commands.hpp"
#include "plugin_check.hpp"

namespace po = boost::program_options;

namespace pcs::cli {
namespace {

constexpr const char* kUsage = "pc-switcher plugin check [--json] FILE.so...";

void print_text(const PluginCheck& check) {
  std::cout << check.file.string() << "\n";
  std::size_t failed = 0;
  for (const auto& p : check.points) {
    failed += p.ok ? 0 : 1;
    std::cout << fmt::format("  {:<5} {:<16} {}\n", p.ok ? "ok" : "FAIL", p.name, p.detail);
  }
  if (!check.stderr_text.empty()) {
    std::cout << "  The plugin wrote to stderr (shown, not a failure):\n";
    std::size_t start = 0;
    for (int lines = 0; start < check.stderr_text.size() && lines < 5; ++lines) {
      const std::size_t nl = check.stderr_text.find('\n', start);
      std::cout << "    | " << check.stderr_text.substr(start, nl - start) << "\n";
      start = nl == std::string::npos ? check.stderr_text.size() : nl + 1;
    }
  }
  std::cout << (check.conforms()
                    ? fmt::format("{}: conforms to the plugin contract\n\n", check.file.filename().string())
                    : fmt::format("{}: does NOT conform: {} of {} points failed\n\n", check.file.filename().string(),
                                  failed, check.points.size()));
}

nlohmann::json to_json(const PluginCheck& check) {
  nlohmann::json points = nlohmann::json::array();
  for (const auto& p : check.points) points.push_back({{"name", p.name}, {"ok", p.ok}, {"detail", p.detail}});
  return {
      {"file", check.file.string()}, {"conforms", check.conforms()}, {"points", points}, {"stderr", check.stderr_text}};
}

}  // namespace

int run_plugin(const std::vector<std::string>& args) {
  bool help = false, json = false;
  std::string subcommand;
  std::vector<std::string> files;
  po::options_description desc("Options");
  desc.add_options()("help,h", po::bool_switch(&help), "show this help")(
      "json", po::bool_switch(&json), "print one JSON document instead of the text report");
  po::options_description hidden;
  hidden.add_options()("subcommand", po::value(&subcommand))("file", po::value(&files));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("subcommand", 1).add("file", -1);
  parse(args, all, &pos);
  if (help || subcommand.empty()) {
    print_command_help(
        std::cout,
        {{kUsage},
         "Runs each plugin file through the job contract in a child process, with the plugin test kit's fake "
         "executors: nothing runs on any machine. It checks that the file exports pcs_plugin_entry alone; that it "
         "loads; that its metadata is complete; that its config schema is a valid draft-07 schema whose defaults "
         "validate; that validate_config accepts those defaults; that its commands and sync options are well-formed; "
         "that validate and execute, on one instance, return a known status without crashing; that execute returns "
         "within 5 s of being cancelled; and that it writes nothing to stdout.",
         {{"Options", &desc}},
         {{"0", "every plugin conforms"}, {"1", "a plugin does not conform"}, {"2", "usage error"}}});
    if (!help) throw UsageError("plugin needs a subcommand: check");
    return kExitOk;
  }
  if (subcommand != "check") throw UsageError(fmt::format("unknown plugin subcommand '{}'; known: check", subcommand));
  if (files.empty()) throw UsageError("plugin check needs at least one FILE.so");

  CheckSettings settings;
  settings.reserved_commands = host_command_names();
  settings.reserved_sync_options = host_sync_option_names();
  bool all_conform = true;
  nlohmann::json reports = nlohmann::json::array();
  for (const auto& file : files) {
    const PluginCheck check = check_plugin(file, settings);
    all_conform = all_conform && check.conforms();
    if (json)
      reports.push_back(to_json(check));
    else
      print_text(check);
  }
  if (json) std::cout << reports.dump(2) << "\n";
  return all_conform ? kExitOk : kExitError;
}

}  // namespace pcs::cli
