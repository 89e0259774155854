/*
 * pcswitcher/ext/sync_options.h — plugin extension "pcs.ext.sync_options/1"
 * and host extension "pcs.host.ext.sync_options/1".
 *
 * A job that lets the person answer its questions in advance, or choose how
 * it behaves for one run, adds options to `pc-switcher sync` (the packages
 * job adds --apply-package-installs and --apply-package-removals). Pure C99,
 * the same rules as plugin.h.
 *
 * Plugin side: pcs_plugin.get_extension(PCS_EXT_SYNC_OPTIONS) returns a
 * static pcs_ext_sync_options. Each option is described with the
 * pcs_command_option of ext/commands.h: a long name without dashes
 * ([a-z][a-z0-9-]*), a value_name ("MODE") or NULL for a flag, one line of
 * help. Before it parses `pc-switcher sync`, the host loads the plugins of
 * the search path and offers each such option; `pc-switcher sync --help`
 * lists them under the job's name. An option named like one of the host's own
 * sync options or one another plugin already offers, or a malformed
 * description, is not offered, and the host says which plugin and why.
 * Prefix option names with your job's subject (--apply-package-installs,
 * not --apply) so they read well beside other plugins' options.
 *
 * Host side: during a session, host->get_extension(host,
 * PCS_HOST_EXT_SYNC_OPTIONS) returns pcs_host_ext_sync_options; `value`
 * answers for the options of the calling job's own plugin only. A job whose
 * plugin is loaded but that is not enabled in the config never runs, so its
 * options have no effect (the host says so when one is given).
 */
#ifndef PCSWITCHER_EXT_SYNC_OPTIONS_H
#define PCSWITCHER_EXT_SYNC_OPTIONS_H

#include "../plugin.h"
#include "commands.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_EXT_SYNC_OPTIONS "pcs.ext.sync_options/1"
#define PCS_HOST_EXT_SYNC_OPTIONS "pcs.host.ext.sync_options/1"

typedef struct pcs_ext_sync_options {
  uint32_t struct_size;
  uint32_t option_count;
  const pcs_command_option* options; /* static; option_count entries */
} pcs_ext_sync_options;

typedef struct pcs_host_ext_sync_options {
  uint32_t struct_size;
  /* [thread-safe] The value given for option `name` (without dashes) on the
   * command line: "" for a flag that was given, the value for an option with
   * one, NULL when it was not given or is not one of this plugin's options.
   * Owned by the host; valid for the life of the instance. */
  const char* (*value)(const pcs_host* host, const char* name);
} pcs_host_ext_sync_options;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_SYNC_OPTIONS_H */
