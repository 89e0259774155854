/*
 * pcswitcher/ext/write_paths.h — host extension "pcs.host.ext.write_paths/1".
 *
 * The paths the session's jobs write to, on each machine, as each job
 * reported them through pcs_plugin.list_write_paths. A job that watches the
 * machines (the disk-space monitor) asks for them with
 * host->get_extension(host, PCS_HOST_EXT_WRITE_PATHS). Pure C99, the same
 * rules as plugin.h.
 *
 * The host collects the paths from every job after create() and before any
 * job's validate(), so they are complete in validate() and execute().
 */
#ifndef PCSWITCHER_EXT_WRITE_PATHS_H
#define PCSWITCHER_EXT_WRITE_PATHS_H

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_HOST_EXT_WRITE_PATHS "pcs.host.ext.write_paths/1"

typedef struct pcs_host_ext_write_paths {
  uint32_t struct_size;
  /* [thread-safe] Calls sink->add once per (machine, path), in no particular
   * order, then returns. Paths are absolute; duplicates are removed. */
  void (*list)(const pcs_host* host, const pcs_path_sink* sink);
} pcs_host_ext_write_paths;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_WRITE_PATHS_H */
