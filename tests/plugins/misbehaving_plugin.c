/* One plugin per way of breaking the job contract, for `plugin check` and the
 * host's defences. Built once per defect with MISBEHAVE=<n> (see
 * tests/plugins/CMakeLists.txt); with none it is a conforming job. Defects 1-9
 * are the job "misbehaving" (for `plugin check`); from 10 on each is a job of
 * its own name (JOB_NAME), so that several run in one session
 * (tests/integration/misbehaving_plugins_test.cpp). */
#include <pcswitcher/plugin.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WRITES_STDOUT 1
#define LEAKS_SYMBOLS 2
#define SEGFAULTS 3
#define IGNORES_CANCEL 4
#define BAD_DEFAULTS 5
#define REJECTS_DEFAULTS 6
#define UNKNOWN_STATUS 7
#define EXITS 8
#define HANGS 9
#define BAD_STRINGS 10    /* NULL and invalid UTF-8 to every host service that takes a string */
#define LOG_FLOOD 11      /* logs 100 MiB */
#define PROGRESS_FLOOD 12 /* a million progress updates, and many tracks */
#define KEEPS_CALLING 13  /* ignores cancellation and keeps calling host services */
#define ROGUE_THREADS 14  /* host services from threads of its own, also after execute returned */
#define WRITES_STDIO 15   /* writes to stdout and stderr, raw bytes and escape sequences */
#define CRASHES 16        /* starts a process on the target, then crashes (config "how") */

#ifndef JOB_NAME
#define JOB_NAME "misbehaving"
#endif
#ifndef JOB_FLAGS
#define JOB_FLAGS 0
#endif

#ifndef MISBEHAVE
#define MISBEHAVE 0
#endif

typedef struct job {
  const pcs_host* host;
  char how[16]; /* CRASHES: "segv", "abort" or "wait" */
#if MISBEHAVE == ROGUE_THREADS
  pthread_t threads[3];
  volatile int stop;
  volatile int execute_returned;
#endif
} job;

#if MISBEHAVE == BAD_DEFAULTS
static const char kSchema[] =
    "{\"type\": \"object\", \"properties\": {\"count\": {\"type\": \"integer\", \"default\": \"three\"}}}";
#else
static const char kSchema[] =
    "{\"type\": \"object\", \"properties\": {\"count\": {\"type\": \"integer\", \"default\": 3}}}";
#endif

#if defined(__GNUC__)
#define MAYBE_UNUSED __attribute__((unused))
#else
#define MAYBE_UNUSED
#endif

static MAYBE_UNUSED void nap(long ms) {
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
  const char* how = config_json ? strstr(config_json, "\"how\":\"") : NULL;
  if (!j) return PCS_ERR_INTERNAL;
  j->host = host;
  if (how) {
    size_t n = 0;
    how += 7;
    while (how[n] && how[n] != '"' && n + 1 < sizeof j->how) ++n;
    memcpy(j->how, how, n);
  }
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

static MAYBE_UNUSED void say(const pcs_host* h, pcs_log_level level, const char* message) {
  pcs_log_record r;
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  r.machine = PCS_MACHINE_SOURCE;
  r.level = level;
  r.message = message;
  h->log(h, &r);
}

static MAYBE_UNUSED long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

#if MISBEHAVE == BAD_STRINGS
/* Invalid UTF-8: a lone continuation byte, bytes never valid, a truncated sequence. */
static const char kBad[] = "bad \x80 \xff\xfe utf8 \xc3( end";

static pcs_status bad_strings(const pcs_host* h) {
  pcs_log_record r;
  pcs_log_field fields[6];
  pcs_progress p;
  pcs_command cmd;
  pcs_command_result result;
  pcs_question q;
  pcs_file_transfer t;
  pcs_process* process = NULL;
  const char* error = NULL;
  const char* const bad_argv[] = {"printf", "%s|%s", kBad, "tail", NULL};
  const char* const null_argv[] = {NULL};
  const char* const choices[] = {kBad, NULL};
  int32_t choice = 0;

  h->log(h, NULL);
  memset(&r, 0, sizeof r);
  r.struct_size = sizeof r;
  r.level = PCS_LOG_INFO;
  r.message = NULL;
  h->log(h, &r); /* a NULL message */
  r.message = kBad;
  fields[0].key = NULL, fields[0].value = "v0", fields[0].kind = PCS_VALUE_STRING;
  fields[1].key = "", fields[1].value = "v1", fields[1].kind = PCS_VALUE_STRING;
  fields[2].key = kBad, fields[2].value = kBad, fields[2].kind = PCS_VALUE_STRING;
  fields[3].key = "null_value", fields[3].value = NULL, fields[3].kind = PCS_VALUE_STRING;
  fields[4].key = "bad_json", fields[4].value = "{not json", fields[4].kind = PCS_VALUE_JSON;
  fields[5].key = "bad_value", fields[5].value = kBad, fields[5].kind = PCS_VALUE_STRING;
  r.fields = fields;
  r.field_count = 6;
  h->log(h, &r);
  r.fields = NULL; /* a count without fields */
  r.field_count = 1000;
  r.message = "fields NULL, count 1000";
  h->log(h, &r);

  h->progress(h, NULL);
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  p.fields = PCS_PROGRESS_ITEM | PCS_PROGRESS_TRACK | PCS_PROGRESS_PERCENT;
  p.percent = 150;    /* out of range too */
  h->progress(h, &p); /* item and track flagged but NULL */
  p.item = kBad;
  p.track = kBad;
  h->progress(h, &p);

  memset(&cmd, 0, sizeof cmd);
  memset(&result, 0, sizeof result);
  cmd.struct_size = sizeof cmd;
  result.struct_size = sizeof result;
  cmd.machine = PCS_MACHINE_TARGET;
  cmd.argv = bad_argv; /* the target prints the invalid bytes: the trace logs them */
  h->run(h, &cmd, &result);
  h->release_result(h, &result);
  cmd.argv = null_argv;
  h->run(h, &cmd, &result);
  h->release_result(h, &result);
  cmd.argv = NULL;
  h->run(h, &cmd, &result);
  h->release_result(h, &result);
  h->run(h, NULL, &result);
  h->release_result(h, &result);
  cmd.argv = bad_argv;
  h->run(h, &cmd, NULL);
  h->release_result(h, NULL);
  h->start_process(h, NULL, &process, &error);
  h->start_process(h, &cmd, NULL, NULL);
  h->release_process(h, NULL);
  h->process_terminate(h, NULL, 0);
  h->process_wait(h, NULL, 0, NULL);
  h->process_read(h, NULL, PCS_READ_LINE, 0, NULL);
  h->pipe(h, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  h->send_file(h, NULL);
  memset(&t, 0, sizeof t);
  t.struct_size = sizeof t;
  h->send_file(h, &t);
  h->get_file(h, &t);
  h->get_extension(h, NULL);
  h->get_extension(h, kBad);

  h->ask(h, NULL, &choice);
  memset(&q, 0, sizeof q);
  q.struct_size = sizeof q;
  q.default_choice = 7;   /* beyond the (missing) choices */
  h->ask(h, &q, &choice); /* NULL text and choices */
  q.text = kBad;
  q.choices = choices;
  q.default_choice = 0;
  h->ask(h, &q, NULL);
  h->ask(h, &q, &choice);

  h->set_error(h, NULL);
  h->set_error(h, kBad);
  return PCS_ERR_FAILED;
}
#endif

#if MISBEHAVE == LOG_FLOOD
/* 100 MiB in records of 1 KiB, as fast as the host takes them. */
static pcs_status log_flood(const pcs_host* h) {
  static char line[1024];
  char done[128];
  const long begin = now_ms();
  long i;
  memset(line, 'x', sizeof line - 1);
  line[sizeof line - 1] = '\0';
  for (i = 0; i < 100L * 1024; ++i) {
    memcpy(line, "flood ", 6);
    say(h, PCS_LOG_DEBUG, line);
  }
  snprintf(done, sizeof done, "logged %ld records of 1 KiB in %ld ms", i, now_ms() - begin);
  say(h, PCS_LOG_INFO, done);
  return PCS_OK;
}
#endif

#if MISBEHAVE == PROGRESS_FLOOD
/* A million updates on a few tracks, then 100 000 tracks of their own. */
static pcs_status progress_flood(const pcs_host* h) {
  static const char* const tracks[] = {"a", "b", "c", "d"};
  char item[64], track[32], done[128];
  pcs_progress p;
  long begin = now_ms(), i;
  memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  p.fields = PCS_PROGRESS_CURRENT | PCS_PROGRESS_TOTAL | PCS_PROGRESS_ITEM | PCS_PROGRESS_TRACK;
  p.total = 1000000;
  p.item = item;
  for (i = 0; i < 1000000; ++i) {
    snprintf(item, sizeof item, "file %ld", i);
    p.current = i + 1;
    p.track = tracks[i % 4];
    h->progress(h, &p);
  }
  snprintf(done, sizeof done, "sent 1000000 progress updates in %ld ms", now_ms() - begin);
  say(h, PCS_LOG_INFO, done);
  begin = now_ms();
  p.track = track;
  for (i = 0; i < 100000; ++i) {
    snprintf(track, sizeof track, "track-%ld", i);
    h->progress(h, &p);
  }
  snprintf(done, sizeof done, "sent updates on 100000 tracks in %ld ms", now_ms() - begin);
  say(h, PCS_LOG_INFO, done);
  return PCS_OK;
}
#endif

#if MISBEHAVE == KEEPS_CALLING
/* Never returns: goes on calling host services, also once cancelled, until
 * the process ends. */
static pcs_status keeps_calling(const pcs_host* h) {
  const char* const argv[] = {"sleep", "1", NULL};
  pcs_command cmd;
  pcs_command_result result;
  pcs_progress p;
  pcs_process* process = NULL;
  const char* error = NULL;
  char text[160];
  long n = 0;
  memset(&cmd, 0, sizeof cmd);
  memset(&p, 0, sizeof p);
  cmd.struct_size = sizeof cmd;
  cmd.machine = PCS_MACHINE_TARGET;
  cmd.argv = argv;
  p.struct_size = sizeof p;
  p.fields = PCS_PROGRESS_CURRENT;
  for (;;) {
    pcs_status ran, started;
    memset(&result, 0, sizeof result);
    result.struct_size = sizeof result;
    ran = h->run(h, &cmd, &result);
    h->release_result(h, &result);
    started = h->start_process(h, &cmd, &process, &error);
    if (started == PCS_OK) h->release_process(h, process);
    p.current = ++n;
    h->progress(h, &p);
    if (h->is_cancelled(h) && n % 20 == 0) {
      snprintf(text, sizeof text, "cancelled, but going on: call %ld, run returned %d, start_process %d", n, ran,
               started);
      say(h, PCS_LOG_INFO, text);
    }
    nap(10);
  }
  return PCS_OK;
}
#endif

#if MISBEHAVE == ROGUE_THREADS
typedef struct rogue {
  job* j;
  int id;
} rogue;
static rogue rogues[3];

static void* rogue_main(void* arg) {
  const rogue* me = arg;
  const pcs_host* h = me->j->host;
  const char* const argv[] = {"true", NULL};
  pcs_command cmd;
  pcs_command_result result;
  pcs_progress p;
  char text[160];
  long calls = 0, after = 0;
  memset(&cmd, 0, sizeof cmd);
  memset(&p, 0, sizeof p);
  cmd.struct_size = sizeof cmd;
  cmd.machine = me->id == 2 ? PCS_MACHINE_TARGET : PCS_MACHINE_SOURCE;
  cmd.argv = argv;
  p.struct_size = sizeof p;
  p.fields = PCS_PROGRESS_CURRENT | PCS_PROGRESS_TRACK;
  p.track = me->id == 0 ? "t0" : me->id == 1 ? "t1" : "t2";
  while (!me->j->stop) {
    ++calls;
    if (me->j->execute_returned) ++after;
    snprintf(text, sizeof text, "rogue thread %d call %ld", me->id, calls);
    say(h, PCS_LOG_DEBUG, text);
    p.current = calls;
    h->progress(h, &p);
    h->is_cancelled(h);
    h->set_error(h, "set_error from a thread of the plugin's own");
    if (calls % 10 == 0) {
      memset(&result, 0, sizeof result);
      result.struct_size = sizeof result;
      h->run(h, &cmd, &result);
      h->release_result(h, &result);
    }
    nap(5);
  }
  snprintf(text, sizeof text, "rogue thread %d stopped in destroy: %ld calls, %ld after execute returned", me->id,
           calls, after);
  say(h, PCS_LOG_INFO, text);
  return NULL;
}

static pcs_status rogue_threads(job* j) {
  int i;
  for (i = 0; i < 3; ++i) {
    rogues[i].j = j;
    rogues[i].id = i;
    pthread_create(&j->threads[i], NULL, rogue_main, &rogues[i]);
  }
  nap(300);
  say(j->host, PCS_LOG_INFO, "execute returns; its threads go on until destroy");
  j->execute_returned = 1;
  return PCS_OK;
}
#endif

#if MISBEHAVE == WRITES_STDIO
static pcs_status writes_stdio(void) {
  static const char raw[] = "raw write on fd 1: \x1b[2J\x1b[H clear screen, \xff\xfe bytes\n";
  printf("printf to stdout from the plugin\n");
  fflush(stdout);
  fprintf(stderr, "fprintf to stderr from the plugin\n");
  if (write(1, raw, sizeof raw - 1) < 0) return PCS_ERR_IO;
  if (write(2, "raw write on fd 2 without a newline", 35) < 0) return PCS_ERR_IO;
  return PCS_OK;
}
#endif

#if MISBEHAVE == CRASHES
/* Leaves a process on the target, then dies as configured ("wait": until cancelled). */
static pcs_status crashes(job* j) {
  const pcs_host* h = j->host;
  const char* const argv[] = {"sleep", "300", NULL};
  pcs_command cmd;
  pcs_process* process = NULL;
  const char* error = NULL;
  memset(&cmd, 0, sizeof cmd);
  cmd.struct_size = sizeof cmd;
  cmd.machine = PCS_MACHINE_TARGET;
  cmd.argv = argv;
  if (h->start_process(h, &cmd, &process, &error) != PCS_OK) {
    h->set_error(h, error ? error : "could not start sleep on the target");
    return PCS_ERR_FAILED;
  }
  say(h, PCS_LOG_INFO, "started sleep 300 on the target");
  nap(300);
  if (strcmp(j->how, "segv") == 0) {
    say(h, PCS_LOG_INFO, "crashing now: SIGSEGV");
    raise(SIGSEGV);
  } else if (strcmp(j->how, "abort") == 0) {
    say(h, PCS_LOG_INFO, "crashing now: abort()");
    abort();
  }
  say(h, PCS_LOG_INFO, "waiting to be cancelled");
  while (!h->is_cancelled(h)) nap(50);
  h->release_process(h, process);
  return PCS_ERR_CANCELLED;
}
#endif

static pcs_status mb_execute(void* instance) {
  job* j = instance;
  pcs_status s;
#if MISBEHAVE == BAD_STRINGS
  return bad_strings(j->host);
#elif MISBEHAVE == LOG_FLOOD
  return log_flood(j->host);
#elif MISBEHAVE == PROGRESS_FLOOD
  return progress_flood(j->host);
#elif MISBEHAVE == KEEPS_CALLING
  return keeps_calling(j->host);
#elif MISBEHAVE == ROGUE_THREADS
  return rogue_threads(j);
#elif MISBEHAVE == WRITES_STDIO
  return writes_stdio();
#elif MISBEHAVE == CRASHES
  return crashes(j);
#endif
  s = run_one(j->host);
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

static void mb_destroy(void* instance) {
#if MISBEHAVE == ROGUE_THREADS
  job* j = instance;
  int i;
  j->stop = 1;
  if (j->execute_returned)
    for (i = 0; i < 3; ++i) pthread_join(j->threads[i], NULL);
#endif
  free(instance);
}

static const pcs_job_descriptor kDescriptor = {sizeof(pcs_job_descriptor),
                                               JOB_NAME,
                                               PCS_JOB_SYNC,
                                               JOB_FLAGS,
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
