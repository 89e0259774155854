/*
 * pcswitcher/ext/init_files.h — plugin extension "pcs.ext.init_files/1".
 *
 * Files a plugin wants beside the config file, which `pc-switcher init`
 * writes there together with the config (user_data's default rsync filter
 * files). Pure C99, the same rules as plugin.h; the table and its strings are
 * static.
 *
 * init writes each file into the config file's directory with mode 0644,
 * atomically, and leaves an existing one alone unless --force is given. A name
 * must be a plain file name ([A-Za-z0-9._-], not starting with '.'); a name
 * another plugin already wrote is skipped with a warning.
 */
#ifndef PCSWITCHER_EXT_INIT_FILES_H
#define PCSWITCHER_EXT_INIT_FILES_H

#include "../plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_EXT_INIT_FILES "pcs.ext.init_files/1"

typedef struct pcs_init_file {
  const char* name;        /* "home.filter" */
  const char* content;     /* the whole file, UTF-8 */
  const char* description; /* one line for init's report */
} pcs_init_file;

typedef struct pcs_ext_init_files {
  uint32_t struct_size;
  uint32_t file_count;
  const pcs_init_file* files;
} pcs_ext_init_files;

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_EXT_INIT_FILES_H */
