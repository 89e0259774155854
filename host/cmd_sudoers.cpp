// `pc-switcher sudoers [--config PATH] [--plugin-dir DIR]... [--user NAME]
// [--machine source|target]`: the passwordless-sudo rules the jobs that
// would run need on each machine (ext/sudo_programs.h).
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "cli_common.hpp"
#include "commands.hpp"
#include "config.hpp"
#include "sudo_programs.hpp"

namespace po = boost::program_options;

namespace pcs::cli {

namespace {

std::string login_name() {
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) return pw->pw_name;
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "";
}

std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "this machine";
  return name;
}

}  // namespace

int run_sudoers(const std::vector<std::string>& args) {
  CommonOptions common;
  std::string user = login_name();
  std::string machine;
  po::options_description desc("Options");
  add_common_options(desc, common, true);
  desc.add_options()("user", po::value(&user)->value_name("NAME"), "the user the rules are for (default: you)")(
      "machine", po::value(&machine)->value_name("WHICH"), "print only the drop-in of the source or of the target");
  parse(args, desc, nullptr);
  if (common.help) {
    print_command_help(
        std::cout,
        {{"pc-switcher sudoers [--config PATH] [--plugin-dir DIR]... [--user NAME] [--machine source|target]"},
         "Prints, for the source (this machine) and for the target, a sudoers drop-in with the passwordless-sudo "
         "rule the jobs that would run need there (the required jobs and the sync jobs the config enables): "
         "`USER ALL=(root) NOPASSWD: /abs/path/prog, ...`, each program found here the way sudo's secure_path "
         "finds it. During a sync, a job that declares its root programs cannot run any other through sudo; a "
         "job from an older plugin that declares none needs NOPASSWD: ALL, and the output says so. Install each "
         "part as /etc/sudoers.d/pc-switcher (mode 0440) after `visudo -cf FILE`. Programs like rsync, sh, env "
         "or apt-get run as root can do anything root can: the rules narrow what runs, they are not a sandbox.",
         {{"Options", &desc}},
         {}});
    return kExitOk;
  }
  std::optional<pcs_machine> only;
  if (machine == "source")
    only = PCS_MACHINE_SOURCE;
  else if (machine == "target")
    only = PCS_MACHINE_TARGET;
  else if (!machine.empty())
    throw UsageError(fmt::format("--machine takes source or target, not '{}'", machine));
  if (user.empty()) throw UsageError("cannot tell who you are: give --user NAME");
  if (user.find_first_of(" \t\n,:=\\#\"'") != std::string::npos)
    throw UsageError(fmt::format("--user '{}' is not a user name sudoers can take", user));

  PluginSet plugins = load(common, true);
  const auto path = config_path(common);
  ConfigLoad loaded = load_config_file(path, plugins);
  if (!loaded.ok()) {
    for (const auto& issue : loaded.issues) std::cerr << issue.format() << "\n";
    std::cerr << fmt::format("{}: fix the config first (`pc-switcher config check`)\n", path.string());
    return kExitError;
  }
  std::vector<SudoersJob> jobs;
  for (const PluginInfo& p : plugins.plugins)
    if (p.required) jobs.push_back({p.name, sudo_declaration(p)});
  for (const auto& [name, on] : loaded.config.sync_jobs) {
    const PluginInfo* p = plugins.find(name);
    if (on && p != nullptr && !p->required) jobs.push_back({p->name, sudo_declaration(*p)});
  }
  std::cout << sudoers_text(jobs, user, this_host(), "the machine you sync to", only);
  return kExitOk;
}

}  // namespace pcs::cli
