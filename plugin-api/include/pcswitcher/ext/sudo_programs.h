/*
 * pcswitcher/ext/sudo_programs.h — plugin extension "pcs.ext.sudo_programs/1".
 *
 * The programs a plugin's job runs as root (PCS_COMMAND_SUDO), per machine,
 * so that `pc-switcher sudoers` can print the passwordless-sudo rules the
 * enabled jobs need instead of `NOPASSWD: ALL`. Pure C99, the same rules as
 * plugin.h.
 *
 * Plugin side: pcs_plugin.get_extension(PCS_EXT_SUDO_PROGRAMS) returns a
 * static pcs_ext_sudo_programs; the table, its lists and their strings are
 * owned by the plugin and must stay valid until the plugin is unloaded. Each
 * list is NULL-terminated (or NULL: none) and names programs as the job
 * writes them in argv[0] ("btrfs", "rsync"); the host finds their absolute
 * paths on each machine. `source` and `target` are what the job's sync
 * (validate, execute, describe_first_sync, after_sync) runs on that machine;
 * `commands` is what the plugin's own commands (ext/commands.h) add, on
 * whichever machine they run.
 *
 * Host side: once a plugin declares the extension, each PCS_COMMAND_SUDO
 * command its job runs (run, start_process, pipe) must have an argv[0] in the
 * list for that machine; any other is refused with
 * PCS_ERR_INVALID_ARGUMENT before anything starts. A shell-form sudo command
 * (shell != NULL) needs "sh", a sudo command with env entries needs "env"
 * (the host runs `sudo -n -- env NAME=value prog`). A command that runs
 * `sudo` itself (argv[0] "sudo", or rsync's --rsync-path) is not seen as a
 * root command by the host, but the sudoers rules still only let through
 * what is listed: list those programs too. A plugin without
 * the extension runs as before and `pc-switcher sudoers` says it needs
 * `NOPASSWD: ALL`.
 *
 * A program that runs as root with arguments the job picks (rsync, mv, sh,
 * env, apt-get) can do anything root can: the list narrows what a job runs,
 * it is not a sandbox.
 */
#ifndef PCSWITCHER_EXT_SUDO_PROGRAMS_H
#define PCSWITCHER_EXT_SUDO_PROGRAMS_H

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_EXT_SUDO_PROGRAMS "pcs.ext.sudo_programs/1"

typedef struct pcs_ext_sudo_programs {
  uint32_t struct_size;
  const char* const* source;   /* NULL-terminated program names, or NULL */
  const char* const* target;   /* NULL-terminated program names, or NULL */
  const char* const* commands; /* extra ones for the plugin's commands, or NULL */
} pcs_ext_sudo_programs;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_SUDO_PROGRAMS_H */
