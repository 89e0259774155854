/* Compiles only when the current ABI headers keep the frozen layout of every
 * struct: each field at its offset, no struct smaller, the array-passed ones
 * exactly their size (layout-1.0-x86_64.h). */
#include <stddef.h>

#include <pcswitcher/ext/after_sync.h>
#include <pcswitcher/ext/cleanup_commands.h>
#include <pcswitcher/ext/commands.h>
#include <pcswitcher/ext/init_files.h>
#include <pcswitcher/ext/installation.h>
#include <pcswitcher/ext/remote_shell.h>
#include <pcswitcher/ext/sudo_programs.h>
#include <pcswitcher/ext/sync_options.h>
#include <pcswitcher/ext/write_paths.h>
#include <pcswitcher/plugin.h>

#if defined(__x86_64__) && defined(__linux__)
#include "layout-1.0-x86_64.h"
#endif

int main(void) { return 0; }
