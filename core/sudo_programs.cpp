#include "sudo_programs.hpp"

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include <pcswitcher/ext/sudo_programs.h>

#include <fmt/format.h>

#include "plugin_loader.hpp"

namespace pcs {

namespace {

std::vector<std::string> names(const char* const* list) {
  std::vector<std::string> out;
  for (auto p = list; p != nullptr && *p != nullptr; ++p)
    if (**p != '\0' && std::find(out.begin(), out.end(), *p) == out.end()) out.emplace_back(*p);
  return out;
}

const char* machine_name(pcs_machine m) { return m == PCS_MACHINE_TARGET ? "target" : "source"; }

}  // namespace

SudoDeclaration sudo_declaration(const PluginInfo& plugin) {
  SudoDeclaration d;
  if (plugin.table == nullptr || plugin.table->get_extension == nullptr) return d;
  const auto* ext = static_cast<const pcs_ext_sudo_programs*>(plugin.table->get_extension(PCS_EXT_SUDO_PROGRAMS));
  if (ext == nullptr || !PCS_HAS_FIELD(ext, pcs_ext_sudo_programs, target)) return d;
  d.declared = true;
  d.source = names(ext->source);
  d.target = names(ext->target);
  if (PCS_HAS_FIELD(ext, pcs_ext_sudo_programs, commands)) d.commands = names(ext->commands);
  return d;
}

SudoAllowance sudo_allowance(const PluginInfo& plugin, bool commands) {
  const SudoDeclaration d = sudo_declaration(plugin);
  SudoAllowance a;
  a.restricted = d.declared;
  a.source.insert(d.source.begin(), d.source.end());
  a.target.insert(d.target.begin(), d.target.end());
  if (commands) {
    a.source.insert(d.commands.begin(), d.commands.end());
    a.target.insert(d.commands.begin(), d.commands.end());
  }
  return a;
}

std::optional<std::string> sudo_refusal(const std::string& job, const SudoAllowance& allowed, const pcs_command& c) {
  if (!allowed.restricted) return std::nullopt;
  const char* where = machine_name(c.machine);
  if ((c.flags & PCS_COMMAND_SUDO) == 0u) return std::nullopt;
  const bool has_argv = c.argv != nullptr && c.argv[0] != nullptr;
  const auto& list = c.machine == PCS_MACHINE_TARGET ? allowed.target : allowed.source;
  const std::string program = has_argv ? c.argv[0] : "sh";
  if (!list.contains(program))
    return fmt::format("job {}: may not run {} as root on the {}: declare it in sudo_programs{}", job,
                       has_argv ? "`" + program + "`" : "a shell-form command (`sh`)", where, " (ext/sudo_programs.h)");
  if (c.env != nullptr && c.env[0] != nullptr && !list.contains("env"))
    return fmt::format(
        "job {}: may not run `{}` as root with environment entries on the {} (`sudo -n -- env …`): declare `env` "
        "in sudo_programs (ext/sudo_programs.h)",
        job, program, where);
  return std::nullopt;
}

std::vector<std::string> host_sudo_programs(pcs_machine machine) {
  if (machine == PCS_MACHINE_TARGET) return {"kill"};
  return {};
}

std::string resolve_sudo_program(const std::string& program, const std::string& root) {
  if (program.empty()) return "";
  if (program[0] == '/') return program;
  for (const char* dir : {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    const std::string path = std::string(dir) + "/" + program;
    if (::access((root + path).c_str(), X_OK) == 0) return path;
  }
  return "";
}

bool root_equivalent(const std::string& program) {
  static const std::set<std::string> known = {"sh",      "bash", "env",   "rsync", "mv",      "cp",   "install",
                                              "apt-get", "apt",  "dpkg",  "snap",  "flatpak", "tee",  "docker",
                                              "podman",  "find", "mount", "chown", "chmod",   "btrfs"};
  const auto slash = program.rfind('/');
  return known.contains(slash == std::string::npos ? program : program.substr(slash + 1));
}

std::string sudoers_text(const std::vector<SudoersJob>& jobs, const std::string& user, const std::string& source_name,
                         const std::string& target_name, std::optional<pcs_machine> only) {
  std::ostringstream out;
  std::vector<std::string> unrestricted;
  for (const auto& j : jobs)
    if (!j.declaration.declared) unrestricted.push_back(j.name);
  for (pcs_machine m : {PCS_MACHINE_SOURCE, PCS_MACHINE_TARGET}) {
    if (only && *only != m) continue;
    const bool target = m == PCS_MACHINE_TARGET;
    out << fmt::format("# --- /etc/sudoers.d/pc-switcher on the {} ({}) ---\n", machine_name(m),
                       target ? target_name : source_name);
    out << "# Written by `pc-switcher sudoers`: what pc-switcher runs as root there, by job.\n";
    std::vector<std::string> paths, equivalent, missing;
    const auto add = [&](const std::string& program) {
      std::string path = resolve_sudo_program(program);
      if (path.empty()) {
        if (std::find(missing.begin(), missing.end(), program) == missing.end()) missing.push_back(program);
        return;
      }
      if (std::find(paths.begin(), paths.end(), path) == paths.end()) paths.push_back(path);
      if (root_equivalent(program) && std::find(equivalent.begin(), equivalent.end(), program) == equivalent.end())
        equivalent.push_back(program);
    };
    for (const auto& j : jobs) {
      if (!j.declaration.declared) {
        out << fmt::format("#   {}: declares nothing (no {}): needs NOPASSWD: ALL\n", j.name,
                           "pcs.ext.sudo_programs/1");
        continue;
      }
      const auto& list = target ? j.declaration.target : j.declaration.source;
      std::string joined;
      for (const auto& p : list) joined += (joined.empty() ? "" : ", ") + p;
      out << fmt::format("#   {}: {}\n", j.name, joined.empty() ? "nothing" : joined);
      for (const auto& p : list) add(p);
    }
    const auto host = host_sudo_programs(m);
    if (!host.empty() && !paths.empty()) {
      std::string joined;
      for (const auto& p : host) joined += (joined.empty() ? "" : ", ") + p;
      out << fmt::format("#   pc-switcher itself: {} (ends a job's root processes when the connection drops)\n",
                         joined);
      for (const auto& p : host) add(p);
    }
    for (const auto& p : missing)
      out << fmt::format("# NOT FOUND here in sudo's secure_path: {} (install it, then run this again)\n", p);
    if (!unrestricted.empty()) {
      out << fmt::format("{} ALL=(root) NOPASSWD: ALL\n", user);
    } else if (paths.empty()) {
      out << fmt::format("# {} needs no root here: no rule.\n", user);
    } else {
      out << fmt::format("{} ALL=(root) NOPASSWD:", user);
      for (std::size_t i = 0; i < paths.size(); ++i) out << (i == 0 ? " " : ", ") << paths[i];
      out << "\n";
    }
    // Plugin commands (`pc-switcher rollback`, ...) are not part of a sync:
    // their programs are offered as a commented-out rule of their own.
    std::vector<std::string> command_paths;
    std::string command_jobs;
    for (const auto& j : jobs) {
      if (!j.declaration.declared || j.declaration.commands.empty()) continue;
      std::string joined;
      for (const auto& p : j.declaration.commands) {
        joined += (joined.empty() ? "" : ", ") + p;
        const std::string path = resolve_sudo_program(p);
        if (!path.empty() && std::find(command_paths.begin(), command_paths.end(), path) == command_paths.end())
          command_paths.push_back(path);
      }
      command_jobs += fmt::format("#   {}: {}\n", j.name, joined);
    }
    if (unrestricted.empty() && !command_paths.empty()) {
      out << "# Not needed by a sync: the plugin commands (`pc-switcher COMMAND`) of these jobs run as root\n"
          << command_jobs << "# to run them without a password here too, uncomment:\n";
      out << fmt::format("# {} ALL=(root) NOPASSWD:", user);
      for (std::size_t i = 0; i < command_paths.size(); ++i) out << (i == 0 ? " " : ", ") << command_paths[i];
      out << "\n";
    }
    out << "\n";
  }
  out << "# Paths are as found on this machine; where the target keeps a program elsewhere, adjust its line.\n"
         "# Install on each machine (as root): write its part to a file, check it with\n"
         "#   visudo -cf FILE\n"
         "# then install -m 0440 -o root -g root FILE /etc/sudoers.d/pc-switcher\n";
  std::set<std::string> all_equivalent;
  for (const auto& j : jobs)
    for (const auto* list : {&j.declaration.source, &j.declaration.target})
      for (const auto& p : *list)
        if (root_equivalent(p)) all_equivalent.insert(p);
  if (!all_equivalent.empty()) {
    std::string joined;
    for (const auto& p : all_equivalent) joined += (joined.empty() ? "" : ", ") + p;
    out << "# Note: run as root with arguments of the job's choosing, " << joined
        << "\n# can do anything root can. These rules narrow what pc-switcher runs as root (and pc-switcher\n"
           "# refuses any other root command a job asks for); they are not a sandbox.\n";
  }
  if (!unrestricted.empty()) {
    std::string joined;
    for (const auto& p : unrestricted) joined += (joined.empty() ? "" : ", ") + p;
    out << "# " << joined << " declare(s) no sudo programs (an older plugin): the rules above are NOPASSWD: ALL.\n";
  }
  return out.str();
}

}  // namespace pcs
