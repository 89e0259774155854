/* c_hello: a job written in plain C99 against pcswitcher/plugin.h alone.
 * It shows what a C plugin must do by hand that the C++ SDK does for you. */
#include <pcswitcher/plugin.h>

#include <stdlib.h>
#include <string.h>

typedef struct hello_job {
  const pcs_host* host;
  char greeting[128];
} hello_job;

static const char kSchema[] =
    "{\"type\": \"object\","
    " \"properties\": {\"greeting\": {\"type\": \"string\", \"default\": \"hello\","
    "                                 \"description\": \"Word echoed on both machines\"}},"
    " \"additionalProperties\": false}";

/* Finds "greeting":"..." in the host's (validated) JSON; enough for this demo. */
static void read_greeting(const char* json, char* out, size_t size) {
  const char* key = strstr(json ? json : "", "\"greeting\":\"");
  const char* start = key ? key + strlen("\"greeting\":\"") : "hello\"";
  size_t n = 0;
  while (start[n] && start[n] != '"' && n + 1 < size) ++n;
  memcpy(out, start, n);
  out[n] = '\0';
}

static void say(const pcs_host* h, pcs_machine m, pcs_log_level level, const char* message) {
  pcs_log_field field = {"language", "C", PCS_VALUE_STRING};
  pcs_log_record r = {sizeof r, m, level, message, &field, 1};
  h->log(h, &r);
}

static pcs_status hello_validate_config(const char* json, const pcs_config_error_sink* sink) {
  if (json && strstr(json, "\"greeting\":\"\"")) {
    sink->add(sink->sink_data, "greeting", "must not be empty: write a word such as \"hello\"");
    return PCS_ERR_INVALID_CONFIG;
  }
  return PCS_OK;
}

static pcs_status hello_create(const pcs_host* host, const char* config_json, void** instance) {
  hello_job* job = calloc(1, sizeof *job);
  if (!job) return PCS_ERR_INTERNAL;
  job->host = host;
  read_greeting(config_json, job->greeting, sizeof job->greeting);
  *instance = job;
  return PCS_OK;
}

/* Runs argv on machine m; returns the exit code, or -1000 - status when it could not run. */
static int run(const pcs_host* h, pcs_machine m, const char* const* argv) {
  pcs_command cmd;
  pcs_command_result result;
  int code;
  pcs_status s;
  memset(&cmd, 0, sizeof cmd);
  memset(&result, 0, sizeof result);
  cmd.struct_size = sizeof cmd;
  cmd.machine = m;
  cmd.argv = argv;
  result.struct_size = sizeof result;
  s = h->run(h, &cmd, &result);
  code = s == PCS_OK ? result.exit_code : -1000 - s;
  h->release_result(h, &result);
  return code;
}

static pcs_status hello_validate(void* instance, const pcs_validation_sink* sink) {
  hello_job* job = instance;
  const char* const argv[] = {"echo", job->greeting, NULL};
  if (run(job->host, PCS_MACHINE_SOURCE, argv) != 0)
    sink->add(sink->sink_data, PCS_MACHINE_SOURCE, "`echo` does not run on the source: check PATH");
  if (run(job->host, PCS_MACHINE_TARGET, argv) != 0)
    sink->add(sink->sink_data, PCS_MACHINE_TARGET, "`echo` does not run on the target: check PATH");
  return PCS_OK;
}

static pcs_status hello_execute(void* instance) {
  hello_job* job = instance;
  const pcs_host* h = job->host;
  const char* const argv[] = {"echo", job->greeting, NULL};
  pcs_progress p;
  int code;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  p.fields = PCS_PROGRESS_PERCENT | PCS_PROGRESS_ITEM;
  p.percent = 0;
  p.item = job->greeting;
  h->progress(h, &p);
  say(h, PCS_MACHINE_SOURCE, PCS_LOG_INFO, "Greeting both machines");
  code = run(h, PCS_MACHINE_TARGET, argv);
  if (code == -1000 - PCS_ERR_CANCELLED) return PCS_ERR_CANCELLED;
  if (code != 0) {
    h->set_error(h, "echo failed on the target");
    return PCS_ERR_FAILED;
  }
  p.percent = 100;
  h->progress(h, &p);
  return PCS_OK;
}

static void hello_destroy(void* instance) { free(instance); }

#ifdef C_HELLO_SYNC_OPTIONS
/* Built a second time as job "c_options", in a directory of its own, with
 * sync options the host must refuse (ext/sync_options.h) beside one it takes. */
#include <pcswitcher/ext/sync_options.h>
#include <string.h>

static const pcs_command_option kSyncOptions[] = {
    {"dry-run", NULL, "clashes with the host's own --dry-run"},
    {"Bad_Name", NULL, "not [a-z][a-z0-9-]*"},
    {"dummy-note", "TEXT", "clashes with dummy_success's option when both are loaded"},
    {"c-options-flag", NULL, "a flag that is offered"},
};
static const pcs_ext_sync_options kSyncOptionsTable = {sizeof(pcs_ext_sync_options), 4, kSyncOptions};

static const void* hello_get_extension(const char* id) {
  return id != NULL && strcmp(id, PCS_EXT_SYNC_OPTIONS) == 0 ? &kSyncOptionsTable : NULL;
}
#define HELLO_JOB_NAME "c_options"
#define HELLO_GET_EXTENSION hello_get_extension
#else
#define HELLO_JOB_NAME "c_hello"
#define HELLO_GET_EXTENSION NULL
#endif

static const pcs_job_descriptor kDescriptor = {sizeof(pcs_job_descriptor),
                                               HELLO_JOB_NAME,
                                               PCS_JOB_SYNC,
                                               0,
                                               "0.1.0",
                                               "Test job in plain C: echoes a greeting on both machines",
                                               kSchema};

static const pcs_plugin kPlugin = {sizeof(pcs_plugin),
                                   PCS_ABI_VERSION_MAJOR,
                                   PCS_ABI_VERSION_MINOR,
                                   &kDescriptor,
                                   hello_validate_config,
                                   hello_create,
                                   hello_validate,
                                   hello_execute,
                                   NULL /* cancel */,
                                   hello_destroy,
                                   NULL /* list_write_paths */,
                                   NULL /* describe_first_sync */,
                                   HELLO_GET_EXTENSION};

PCS_PLUGIN_EXPORT const pcs_plugin* pcs_plugin_entry(uint32_t host_major, uint32_t host_minor) {
  (void)host_minor;
  return host_major == PCS_ABI_VERSION_MAJOR ? &kPlugin : NULL;
}
