/*
 * pcswitcher/ext/after_sync.h — plugin extension "pcs.ext.after_sync/1".
 *
 * A system job that must act again once the sync jobs are over (the post-sync
 * snapshots, retention) offers this table from pcs_plugin.get_extension. Pure
 * C99, same rules as plugin.h (struct_size first; the table is static).
 *
 * When it is called: once per session, on a job thread, after the last sync
 * job has returned and the background jobs have been stopped, before the
 * session's history is recorded — and only when this instance's execute()
 * returned PCS_OK earlier in the session. It is not called when the session
 * was interrupted (Ctrl+C) or the connection to the target was lost.
 * Cancellation, logging and every host service work as during execute().
 *
 * Returns: PCS_OK, PCS_ERR_CANCELLED after cleaning up, or another error with
 * a message via host->set_error (the session then fails).
 */
#ifndef PCSWITCHER_EXT_AFTER_SYNC_H
#define PCSWITCHER_EXT_AFTER_SYNC_H

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_EXT_AFTER_SYNC "pcs.ext.after_sync/1"

/* How the sync jobs went. */
typedef int32_t pcs_sync_outcome;
#define PCS_SYNC_SUCCEEDED 0 /* every sync job succeeded or was skipped */
#define PCS_SYNC_FAILED 1    /* at least one sync or background job failed */

typedef struct pcs_ext_after_sync {
  uint32_t struct_size;
  /* [job thread] See the top of this file. */
  pcs_status (*after_sync)(void* instance, pcs_sync_outcome outcome);
} pcs_ext_after_sync;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_AFTER_SYNC_H */
