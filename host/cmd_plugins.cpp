// `pc-switcher plugins [--json]` and `pc-switcher plugins show NAME`.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "commands.hpp"

namespace po = boost::program_options;

namespace pcs::cli {
namespace {

std::string abi(const PluginInfo& p) { return fmt::format("{}.{}", p.abi_major, p.abi_minor); }

int list(const PluginSet& set, const std::vector<std::filesystem::path>& dirs, bool json) {
  if (json) {
    nlohmann::json out = {{"plugins", nlohmann::json::array()},
                          {"skipped", nlohmann::json::array()},
                          {"search_path", nlohmann::json::array()}};
    for (const auto& d : dirs) out["search_path"].push_back(d.string());
    for (const auto& p : set.plugins)
      out["plugins"].push_back({{"name", p.name},
                                {"kind", kind_name(p.kind)},
                                {"required", p.required},
                                {"failure_isolated", p.failure_isolated},
                                {"version", p.version},
                                {"abi", abi(p)},
                                {"description", p.description},
                                {"path", p.path.string()}});
    for (const auto& s : set.skipped) out["skipped"].push_back({{"path", s.path.string()}, {"reason", s.reason}});
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::string path;
  for (const auto& d : dirs) path += (path.empty() ? "" : ":") + d.string();
  std::cout << "Plugin search path: " << path << "\n\n";
  if (set.plugins.empty())
    std::cout << "No plugins installed.\n";
  else
    std::cout << fmt::format("{:<20} {:<10} {:<8} {:<9} {:<4} {}\n", "NAME", "KIND", "REQUIRED", "VERSION", "ABI",
                             "PATH");
  for (const auto& p : set.plugins)
    std::cout << fmt::format("{:<20} {:<10} {:<8} {:<9} {:<4} {}\n", p.name, kind_name(p.kind),
                             p.required ? "yes" : "no", p.version, abi(p), p.path.string());
  if (!set.skipped.empty()) {
    std::cout << "\nSkipped:\n";
    for (const auto& s : set.skipped) std::cout << fmt::format("  {}: {}\n", s.path.string(), s.reason);
  }
  return kExitOk;
}

int show(const PluginSet& set, const std::string& name) {
  const PluginInfo* p = set.find(name);
  if (p == nullptr) {
    std::string names;
    for (const auto& n : set.names()) names += (names.empty() ? "" : ", ") + n;
    std::cerr << fmt::format("pc-switcher: no installed plugin provides job '{}'; installed: {}\n", name,
                             names.empty() ? "(none)" : names);
    return kExitError;
  }
  std::cout << fmt::format(
      "{} — {}\n\n  kind:      {}{}\n  required:  {}\n  version:   {}\n  ABI:       {}\n  path:      {}\n\n", p->name,
      p->description, kind_name(p->kind), p->failure_isolated ? " (failures do not halt the session)" : "",
      p->required ? "yes (always runs)" : "no (enable it in sync_jobs)", p->version, abi(*p), p->path.string());
  std::cout << "Config schema (section '" << p->name << "' of config.yaml):\n" << p->schema.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

int run_plugins(const std::vector<std::string>& args) {
  CommonOptions common;
  bool json = false;
  std::vector<std::string> words;
  po::options_description desc("Options");
  add_common_options(desc, common, false);
  desc.add_options()("json", po::bool_switch(&json), "print JSON instead of a table");
  po::options_description hidden;
  hidden.add_options()("words", po::value(&words));
  po::options_description all;
  all.add(desc).add(hidden);
  po::positional_options_description pos;
  pos.add("words", -1);
  parse(args, all, &pos);
  if (common.help) {
    print_command_help(std::cout,
                       {{"pc-switcher plugins [--json] [--plugin-dir DIR]...", "pc-switcher plugins show NAME"},
                        "Lists the installed plugins (jobs): kind, version, plugin ABI and file, then each "
                        "file that was skipped and why. `plugins show NAME` prints one job's description "
                        "and config schema.",
                        {{"Options", &desc}},
                        {}});
    return kExitOk;
  }
  if (words.empty()) return list(load(common, false), search_path(common), json);
  if (words[0] == "show" && words.size() == 2) return show(load(common, true), words[1]);
  if (words[0] == "show") throw UsageError("`plugins show` needs exactly one job name");
  throw UsageError(fmt::format("unknown `plugins` subcommand '{}'", words[0]));
}

}  // namespace pcs::cli
