/* secretive: a job that handles secrets the ways a real one does, for the
 * test that none reaches a log, the terminal or the report
 * (tests/integration/secrets_test.cpp). Each secret is a distinct word. */
#include <pcswitcher/plugin.h>

#include <stdlib.h>
#include <string.h>

typedef struct job {
  const pcs_host* host;
} job;

static pcs_status run(const pcs_host* h, const char* const* argv, const char* const* env, uint32_t flags,
                      pcs_command_result* result) {
  pcs_command cmd;
  memset(&cmd, 0, sizeof cmd);
  memset(result, 0, sizeof *result);
  cmd.struct_size = sizeof cmd;
  cmd.machine = PCS_MACHINE_TARGET;
  cmd.argv = argv;
  cmd.env = env;
  cmd.flags = flags;
  result->struct_size = sizeof *result;
  return h->run(h, &cmd, result);
}

static pcs_status sc_create(const pcs_host* host, const char* config_json, void** instance) {
  job* j = calloc(1, sizeof *j);
  (void)config_json;
  if (!j) return PCS_ERR_INTERNAL;
  j->host = host;
  *instance = j;
  return PCS_OK;
}

static pcs_status sc_validate(void* instance, const pcs_validation_sink* sink) {
  (void)instance, (void)sink;
  return PCS_OK;
}

static pcs_status sc_execute(void* instance) {
  const pcs_host* h = ((job*)instance)->host;
  pcs_command_result r;
  /* 1. Output withheld: a token printed by a command (built by printf, so the
   * command line itself does not hold it: a real job's wouldn't). */
  const char* const print_token[] = {"sh", "-c",
                                     "printf 'withheld-%s-Q7\\n' stdout; printf 'withheld-%s-Q8\\n' stderr >&2", NULL};
  pcs_status s = run(h, print_token, NULL, PCS_COMMAND_WITHHOLD_OUTPUT, &r);
  h->release_result(h, &r);
  if (s != PCS_OK) return s;
  /* 2. A token in the environment of a command. */
  const char* const env[] = {"API_TOKEN=env-token-Q9", NULL};
  const char* const print_env[] = {"sh", "-c", "test -n \"$API_TOKEN\"", NULL};
  s = run(h, print_env, env, 0, &r);
  h->release_result(h, &r);
  if (s != PCS_OK) return s;
  /* 3. Credentials in a URL, in a message, a field and a command line. */
  {
    pcs_log_field field = {"remote", "https://deploy:url-field-Q10@git.example.org/x.git", PCS_VALUE_STRING};
    pcs_log_record rec = {sizeof rec,   PCS_MACHINE_TARGET,
                          PCS_LOG_INFO, "cloning https://me:url-message-Q11@git.example.org/repo.git",
                          &field,       1};
    const char* const with_url[] = {"echo", "https://ghp_url-argv-Q12@github.com/o/r.git", NULL};
    h->log(h, &rec);
    s = run(h, with_url, NULL, 0, &r);
    h->release_result(h, &r);
    if (s != PCS_OK) return s;
  }
  /* 4. A failing command whose output is withheld; the job fails. */
  {
    const char* const fail[] = {"sh", "-c", "printf 'failing-%s-Q13\\n' secret >&2; exit 3", NULL};
    s = run(h, fail, NULL, PCS_COMMAND_WITHHOLD_OUTPUT, &r);
    h->release_result(h, &r);
    if (s != PCS_OK) return s;
    h->set_error(h, "the secret store refused the key (output withheld)");
    return PCS_ERR_FAILED;
  }
}

static void sc_destroy(void* instance) { free(instance); }

static const pcs_job_descriptor kDescriptor = {
    sizeof(pcs_job_descriptor),
    "secretive",
    PCS_JOB_SYNC,
    0,
    "0.1.0",
    "Test job that handles secrets: withheld output, tokens in env, URL credentials",
    "{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": false}"};

static const pcs_plugin kPlugin = {sizeof(pcs_plugin),
                                   PCS_ABI_VERSION_MAJOR,
                                   PCS_ABI_VERSION_MINOR,
                                   &kDescriptor,
                                   NULL,
                                   sc_create,
                                   sc_validate,
                                   sc_execute,
                                   NULL,
                                   sc_destroy,
                                   NULL,
                                   NULL,
                                   NULL};

PCS_PLUGIN_EXPORT const pcs_plugin* pcs_plugin_entry(uint32_t host_major, uint32_t host_minor) {
  (void)host_minor;
  return host_major == PCS_ABI_VERSION_MAJOR ? &kPlugin : NULL;
}
