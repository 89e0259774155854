/* One source for every plugin the loader must refuse; BROKEN selects the defect.
 * Each build is a complete plugin apart from that one defect. */
#include <pcswitcher/plugin.h>

#include <stddef.h>

#ifndef BROKEN
#error "define BROKEN"
#endif

#define ABI_MAJOR_MISMATCH 1
#define ABI_MINOR_NEWER 2
#define ENTRY_RETURNS_NULL 3
#define SHORT_TABLE 4
#define NULL_DESCRIPTOR 5
#define SCHEMA_NOT_JSON 6
#define SCHEMA_NOT_DRAFT07 7
#define NO_ENTRY_SYMBOL 8
#define MISSING_EXECUTE 9
#define BAD_JOB_NAME 10
#define SYSTEM_NOT_REQUIRED 11
#define SHORT_DESCRIPTOR 12

#if BROKEN == SCHEMA_NOT_JSON
#define SCHEMA "{\"type\": \"object\", "
#elif BROKEN == SCHEMA_NOT_DRAFT07
#define SCHEMA "{\"type\": \"strng\", \"properties\": 3}"
#else
#define SCHEMA "{}"
#endif

#if BROKEN == BAD_JOB_NAME
#define NAME "Bad Name!"
#else
#define NAME "broken"
#endif

static pcs_status create(const pcs_host* h, const char* c, void** i) { (void)h, (void)c, *i = NULL; return PCS_OK; }
static pcs_status validate(void* i, const pcs_validation_sink* s) { (void)i, (void)s; return PCS_OK; }
static pcs_status execute(void* i) { (void)i; return PCS_OK; }
static void destroy(void* i) { (void)i; }

static const pcs_job_descriptor kDescriptor = {
#if BROKEN == SHORT_DESCRIPTOR
    8,
#else
    sizeof(pcs_job_descriptor),
#endif
#if BROKEN == SYSTEM_NOT_REQUIRED
    NAME, PCS_JOB_SYSTEM, 0,
#else
    NAME, PCS_JOB_SYNC, 0,
#endif
    "1.0.0", "A plugin the loader must refuse", SCHEMA};

static const pcs_plugin kPlugin = {
#if BROKEN == SHORT_TABLE
    16,
#else
    sizeof(pcs_plugin),
#endif
#if BROKEN == ABI_MAJOR_MISMATCH
    PCS_ABI_VERSION_MAJOR + 1, 0,
#elif BROKEN == ABI_MINOR_NEWER
    PCS_ABI_VERSION_MAJOR, PCS_ABI_VERSION_MINOR + 1,
#else
    PCS_ABI_VERSION_MAJOR, PCS_ABI_VERSION_MINOR,
#endif
#if BROKEN == NULL_DESCRIPTOR
    NULL,
#else
    &kDescriptor,
#endif
    NULL, create, validate,
#if BROKEN == MISSING_EXECUTE
    NULL,
#else
    execute,
#endif
    NULL, destroy, NULL, NULL, NULL};

#if BROKEN == NO_ENTRY_SYMBOL
PCS_PLUGIN_EXPORT const pcs_plugin* pcs_plugin_entry_misspelled(uint32_t major, uint32_t minor) {
#else
PCS_PLUGIN_EXPORT const pcs_plugin* pcs_plugin_entry(uint32_t major, uint32_t minor) {
#endif
  (void)major, (void)minor;
#if BROKEN == ENTRY_RETURNS_NULL
  return NULL;
#else
  return &kPlugin;
#endif
}
