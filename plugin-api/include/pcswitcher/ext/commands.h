/*
 * pcswitcher/ext/commands.h — plugin extension "pcs.ext.commands/1".
 *
 * A plugin that adds commands of its own to `pc-switcher` (btrfs_snapshots
 * adds `snapshots`, `cleanup-snapshots` and `rollback`) offers this table from
 * pcs_plugin.get_extension. Pure C99, same rules as plugin.h (struct_size
 * first; every table and string here is static and lives as long as the
 * library is loaded).
 *
 * How the host runs `pc-switcher NAME ...`:
 *   1. It finds the one loaded plugin whose table lists NAME (a name offered
 *      by two plugins, or one of the host's own commands, is refused when the
 *      plugins are loaded) and parses the command line from the description:
 *      the options, the required ARGUMENTS in order, then — by `hosts` — the
 *      --host option and an optional TARGET. --dry-run and --yes are offered
 *      when `flags` say so. Mistakes are usage errors (exit 2); the plugin is
 *      never called with arguments that do not match its description.
 *   2. It loads the config file and creates one instance of the job exactly as
 *      for a sync session: create() with the job's validated config section,
 *      a fresh session id, dry_run from --dry-run. When a TARGET is needed it
 *      connects first (host key verified; --accept-new-host-key is offered);
 *      otherwise target calls return PCS_ERR_UNSUPPORTED. With
 *      PCS_COMMAND_EXCLUSIVE it takes the sync lock of every machine the
 *      command acts on.
 *   3. It calls run_command once, on a thread of its own; Ctrl+C cancels the
 *      instance (is_cancelled(), every executor call returns) and the host
 *      waits for run_command to return. Then destroy().
 *
 * Output: the command talks through host->log. Records at INFO and above are
 * its output: INFO is printed as the bare message on stdout, WARNING and worse
 * on stderr with their level; DEBUG and FULL go nowhere unless --verbose.
 * host->ask asks at the terminal (answered "yes" by --yes when the choices
 * start with a yes); progress is shown as a plain line.
 *
 * Returns PCS_OK (exit 0), PCS_ERR_CANCELLED (exit 130) or another error with
 * a message via host->set_error (printed, exit 1).
 */
#ifndef PCSWITCHER_EXT_COMMANDS_H
#define PCSWITCHER_EXT_COMMANDS_H

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_EXT_COMMANDS "pcs.ext.commands/1"

typedef struct pcs_command_option {
  const char* name;       /* long name without dashes: "older-than" */
  const char* value_name; /* "AGE" for an option with a value; NULL for a flag */
  const char* help;       /* one line */
} pcs_command_option;

/* pcs_command_info.hosts: which machines the command can act on. */
#define PCS_COMMAND_HOSTS_SOURCE 0 /* this machine only: no --host, no TARGET */
/* [--host source|target] [TARGET]: one machine; source unless --host target
 * (which needs TARGET). */
#define PCS_COMMAND_HOSTS_ONE 1
/* [--host source|target|both] [TARGET]: both when TARGET is given, else this
 * machine; --host narrows it. */
#define PCS_COMMAND_HOSTS_ANY 2

/* pcs_command_info.flags */
#define PCS_COMMAND_DRY_RUN (1u << 0) /* accepts --dry-run (session dry_run) */
#define PCS_COMMAND_CONFIRM (1u << 1) /* accepts --yes (pcs_command_args.assume_yes) */
/* Changes the machines it acts on: the host takes their sync locks first
 * (a machine in a sync, or in another such command, is refused). */
#define PCS_COMMAND_EXCLUSIVE (1u << 2)

typedef struct pcs_command_info {
  uint32_t struct_size;
  const char* name;             /* [a-z][a-z0-9-]* */
  const char* summary;          /* one line, for `pc-switcher --help` */
  const char* help;             /* paragraphs for `pc-switcher NAME --help`; may be NULL */
  const char* const* arguments; /* NULL-terminated names of the required
                                   positional arguments ("SESSION"); may be NULL */
  const pcs_command_option* options;
  uint32_t option_count;
  uint32_t hosts; /* PCS_COMMAND_HOSTS_* */
  uint32_t flags; /* PCS_COMMAND_* */
} pcs_command_info;

/* One parsed command line; owned by the host, valid during run_command. */
typedef struct pcs_command_args {
  uint32_t struct_size;
  const char* const* arguments; /* in the order of pcs_command_info.arguments */
  uint32_t argument_count;
  /* The options given, by name without dashes; a flag's value is "". */
  const char* const* option_names;
  const char* const* option_values;
  uint32_t option_count;
  int32_t on_source;  /* act on this machine */
  int32_t on_target;  /* act on the target (connected; see host->session) */
  int32_t assume_yes; /* --yes */
} pcs_command_args;

typedef struct pcs_ext_commands {
  uint32_t struct_size;
  uint32_t command_count;
  const pcs_command_info* const* commands;
  /* [command thread] Runs command `name` (one of `commands`) on a created
   * instance. See the top of this file. */
  pcs_status (*run_command)(void* instance, const char* name, const pcs_command_args* args);
} pcs_ext_commands;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_COMMANDS_H */
