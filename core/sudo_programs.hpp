// The programs plugins run as root (ext/sudo_programs.h): what each declares,
// what the host lets a job run through `sudo -n`, and the sudoers rules
// `pc-switcher sudoers` prints.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <pcswitcher/plugin.h>

namespace pcs {

struct PluginInfo;

// What one plugin declares; declared == false: it has no extension (an older
// plugin) and may run anything through sudo.
struct SudoDeclaration {
  bool declared = false;
  std::vector<std::string> source, target, commands;
};

SudoDeclaration sudo_declaration(const PluginInfo& plugin);

// What the host lets one job run as root on each machine.
struct SudoAllowance {
  bool restricted = false;
  std::set<std::string> source, target;
};

// For a sync (`commands` false) or a plugin command (true: the plugin's
// `commands` programs are allowed on both machines as well).
SudoAllowance sudo_allowance(const PluginInfo& plugin, bool commands);

// Why `c` may not run for `job` under `allowed`; nullopt: it may.
std::optional<std::string> sudo_refusal(const std::string& job, const SudoAllowance& allowed, const pcs_command& c);

// The programs pc-switcher itself runs as root on a machine for a job's sudo
// commands there (the target's connection watcher ends them with `kill`).
std::vector<std::string> host_sudo_programs(pcs_machine machine);

// The absolute path of `program` the way sudo's secure_path would find it
// (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) under
// `root` ("" for /); "" when not found.
std::string resolve_sudo_program(const std::string& program, const std::string& root = "");

// Programs that, run as root with arguments the job picks, can do anything
// root can (shells, env, copiers, package managers).
bool root_equivalent(const std::string& program);

struct SudoersJob {
  std::string name;
  SudoDeclaration declaration;
};

// The sudoers drop-ins for the source and the target: comments, one rule per
// machine for `user`, how to install them, and what they do not promise.
// `only`: just that machine's drop-in.
std::string sudoers_text(const std::vector<SudoersJob>& jobs, const std::string& user, const std::string& source_name,
                         const std::string& target_name, std::optional<pcs_machine> only = std::nullopt);

}  // namespace pcs
