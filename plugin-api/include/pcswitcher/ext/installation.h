/*
 * pcswitcher/ext/installation.h — host extension "pcs.host.ext.installation/1".
 *
 * What the running pc-switcher is made of: its version, its executable and
 * the plugins the session uses. The job that brings the target to the same
 * installation (install_on_target) asks for it with
 * host->get_extension(host, PCS_HOST_EXT_INSTALLATION). Pure C99, the same
 * rules as plugin.h.
 */
#ifndef PCSWITCHER_EXT_INSTALLATION_H
#define PCSWITCHER_EXT_INSTALLATION_H

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_HOST_EXT_INSTALLATION "pcs.host.ext.installation/1"

/* One plugin the session uses: every system and background job, and each
 * enabled sync job. */
typedef struct pcs_installed_plugin {
  uint32_t struct_size;
  const char* name;    /* the job's name */
  const char* version; /* its descriptor's version */
  const char* path;    /* absolute path of its .so on this machine */
} pcs_installed_plugin;

typedef struct pcs_host_ext_installation {
  uint32_t struct_size;
  /* [thread-safe] Calls `each` once per plugin of the session, then returns.
   * The strings are valid during the call only. */
  void (*list_plugins)(const pcs_host* host, void* data, void (*each)(void* data, const pcs_installed_plugin* plugin));
  /* [thread-safe] "0.1.0": this pc-switcher's version; static. */
  const char* (*version)(const pcs_host* host);
  /* [thread-safe] The running pc-switcher's executable (absolute); static. */
  const char* (*executable)(const pcs_host* host);
} pcs_host_ext_installation;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_INSTALLATION_H */
