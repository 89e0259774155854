/*
 * pcswitcher/ext/remote_shell.h — host extension "pcs.host.ext.remote_shell/1".
 *
 * A program that local tools can use as their remote shell (rsync's -e or
 * --rsh, anything that runs `RSH [-l USER] HOST COMMAND...` the way it would
 * run ssh) to run COMMAND on the target through the session's own SSH
 * connection: no second connection or authentication, the host key already
 * verified, the session's identity. stdin, stdout, stderr and the exit status
 * are carried across (255 when the connection fails, as ssh does). HOST and
 * USER are ignored. When the local tool is killed, the remote command's
 * process group is killed too. Pure C99, the same rules as plugin.h.
 */
#ifndef PCSWITCHER_EXT_REMOTE_SHELL_H
#define PCSWITCHER_EXT_REMOTE_SHELL_H

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_HOST_EXT_REMOTE_SHELL "pcs.host.ext.remote_shell/1"

typedef struct pcs_host_ext_remote_shell {
  uint32_t struct_size;
  /* [thread-safe] The program's argv, NULL-terminated; owned by the host and
   * valid for the session. Pass it as one remote-shell argument by quoting
   * each word (rsync splits -e on spaces and honours quotes). */
  const char* const* (*argv)(const pcs_host* host);
} pcs_host_ext_remote_shell;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_REMOTE_SHELL_H */
