/* One plugin per way of breaking the job contract, for `plugin check` and the
 * host's defences. Built once per defect with MISBEHAVE=<n> (see
 * tests/plugins/CMakeLists.txt); with none it is a conforming job. */
#include <pcswitcher/plugin.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WRITES_STDOUT 1
#define LEAKS_SYMBOLS 2
#define SEGFAULTS 3
#define IGNORES_CANCEL 4
#define BAD_DEFAULTS 5
#define REJECTS_DEFAULTS 6
#define UNKNOWN_STATUS 7
#define EXITS 8
#define HANGS 9

#ifndef MISBEHAVE
#define MISBEHAVE 0
#endif

typedef struct job {
  const pcs_host* host;
} job;

#if MISBEHAVE == BAD_DEFAULTS
static const char kSchema[] =
    "{\"type\": \"object\", \"properties\": {\"count\": {\"type\": \"integer\", \"default\": \"three\"}}}";
#else
static const char kSchema[] =
    "{\"type\": \"object\", \"properties\": {\"count\": {\"type\": \"integer\", \"default\": 3}}}";
#endif

static void nap(long ms) {
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
}

#if MISBEHAVE == LEAKS_SYMBOLS
/* Visible by default and no version script: exported beside the entry. */
int misbehaving_helper(int x) { return x + 1; }
#endif

static pcs_status mb_validate_config(const char* json, const pcs_config_error_sink* sink) {
  (void)json;
#if MISBEHAVE == REJECTS_DEFAULTS
  sink->add(sink->sink_data, "count", "must be 4");
  return PCS_ERR_INVALID_CONFIG;
#else
  (void)sink;
  return PCS_OK;
#endif
}

static pcs_status mb_create(const pcs_host* host, const char* config_json, void** instance) {
  job* j = calloc(1, sizeof *j);
  (void)config_json;
  if (!j) return PCS_ERR_INTERNAL;
  j->host = host;
  *instance = j;
  return PCS_OK;
}

static pcs_status mb_validate(void* instance, const pcs_validation_sink* sink) {
  (void)instance, (void)sink;
#if MISBEHAVE == EXITS
  exit(3);
#elif MISBEHAVE == HANGS
  for (;;) nap(1000);
#endif
  return PCS_OK;
}

/* Runs `sleep 1` on the target: a command the fake executors hold while cancelling. */
static pcs_status run_one(const pcs_host* h) {
  const char* const argv[] = {"sleep", "1", NULL};
  pcs_command cmd;
  pcs_command_result result;
  pcs_status s;
  memset(&cmd, 0, sizeof cmd);
  memset(&result, 0, sizeof result);
  cmd.struct_size = sizeof cmd;
  cmd.machine = PCS_MACHINE_TARGET;
  cmd.argv = argv;
  result.struct_size = sizeof result;
  s = h->run(h, &cmd, &result);
  h->release_result(h, &result);
  return s;
}

static pcs_status mb_execute(void* instance) {
  job* j = instance;
  pcs_status s = run_one(j->host);
#if MISBEHAVE == WRITES_STDOUT
  printf("progress: 50%%\n");
  fflush(stdout);
#elif MISBEHAVE == SEGFAULTS
  raise(SIGSEGV);
#elif MISBEHAVE == IGNORES_CANCEL
  if (s == PCS_ERR_CANCELLED) nap(20000);
  return PCS_OK;
#elif MISBEHAVE == UNKNOWN_STATUS
  return 42;
#endif
  return s;
}

static void mb_destroy(void* instance) { free(instance); }

static const pcs_job_descriptor kDescriptor = {sizeof(pcs_job_descriptor),
                                               "misbehaving",
                                               PCS_JOB_SYNC,
                                               0,
                                               "0.1.0",
                                               "Test job that breaks one rule of the plugin contract",
                                               kSchema};

static const pcs_plugin kPlugin = {sizeof(pcs_plugin),
                                   PCS_ABI_VERSION_MAJOR,
                                   PCS_ABI_VERSION_MINOR,
                                   &kDescriptor,
                                   mb_validate_config,
                                   mb_create,
                                   mb_validate,
                                   mb_execute,
                                   NULL,
                                   mb_destroy,
                                   NULL,
                                   NULL,
                                   NULL};

PCS_PLUGIN_EXPORT const pcs_plugin* pcs_plugin_entry(uint32_t host_major, uint32_t host_minor) {
  (void)host_minor;
  return host_major == PCS_ABI_VERSION_MAJOR ? &kPlugin : NULL;
}
