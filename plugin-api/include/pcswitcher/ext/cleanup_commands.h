/*
 * pcswitcher/ext/cleanup_commands.h — host extension "pcs.host.ext.cleanup_commands/1".
 *
 * Once a job is cancelled every executor call returns PCS_ERR_CANCELLED, so a
 * job could not undo what it changed on its way out (start again the
 * containers it stopped for a copy). A host that offers this extension runs
 * (host->run) a command flagged PCS_COMMAND_CLEANUP even after the job's
 * cancellation — start_process, pipe and file transfers are still refused —
 * while it waits for the job to return: killed after the command's
 * timeout_ms, or `limit_ms` when that is 0 or longer. Use it only to undo,
 * keep it short, and say what you could not undo. A host without the
 * extension refuses such a command as cancelled. Pure C99, the same rules as
 * plugin.h.
 */
#ifndef PCSWITCHER_EXT_CLEANUP_COMMANDS_H
#define PCSWITCHER_EXT_CLEANUP_COMMANDS_H

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_HOST_EXT_CLEANUP_COMMANDS "pcs.host.ext.cleanup_commands/1"

/* pcs_command.flags: run even after this job was cancelled. */
#define PCS_COMMAND_CLEANUP 0x8u

typedef struct pcs_host_ext_cleanup_commands {
  uint32_t struct_size;
  int64_t limit_ms; /* the longest a cleanup command may run */
} pcs_host_ext_cleanup_commands;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_CLEANUP_COMMANDS_H */
