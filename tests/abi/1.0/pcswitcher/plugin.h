/*
 * pcswitcher/plugin.h — the pc-switcher plugin ABI, version 1.0.
 *
 * A pc-switcher job is a shared library that exports exactly one symbol,
 * `pcs_plugin_entry`, and is written against this header alone. It never links
 * against the host: everything it may ask of the host arrives in the
 * `pcs_host` table handed to `create`.
 *
 * Rules that hold for every declaration below
 * -------------------------------------------
 * - Pure C99. No C++ types and no exceptions cross this boundary. A C++ plugin
 *   catches everything in each entry point (the SDK in job.hpp does this).
 * - Every struct that crosses the boundary starts with `uint32_t struct_size`,
 *   set by whoever fills it to sizeof(the struct it compiled against). Structs
 *   only grow at the end; a reader checks `struct_size` before reading a field
 *   added in a later minor version (PCS_HAS_FIELD below).
 * - Strings are NUL-terminated UTF-8 unless a size is given next to them.
 *   A string passed as an argument is BORROWED for the duration of that call:
 *   copy it to keep it. A string returned or stored in a table stays owned by
 *   whoever returned it, for the lifetime stated at that field.
 * - Memory is never freed across the boundary with free(). Data the host hands
 *   out (command output, process handles) is released with the host function
 *   named at that call.
 * - Status codes are `pcs_status` values. A call that fails tells why through
 *   the message channel documented at the call (host->set_error for job entry
 *   points, the result's `error` field for host services).
 *
 * Threads: "job thread" means the host thread that called the plugin's
 * `validate` or `execute`. Host services marked [thread-safe] may be called
 * from any thread, including threads the plugin started itself, between
 * `create` and `destroy` of the instance they were given to.
 *
 * Versioning: PCS_ABI_VERSION_MAJOR must match exactly between host and
 * plugin; a plugin whose minor is newer than the host's is refused. The ABI
 * version is independent of the plugin's own version string.
 */
#ifndef PCSWITCHER_PLUGIN_H
#define PCSWITCHER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PCS_ABI_VERSION_MAJOR 1u
#define PCS_ABI_VERSION_MINOR 0u

/* The one symbol a plugin exports. */
#define PCS_PLUGIN_ENTRY_SYMBOL "pcs_plugin_entry"

#if defined(__GNUC__)
#define PCS_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define PCS_PLUGIN_EXPORT
#endif

/* True when a struct filled by the other side is large enough to hold FIELD. */
#define PCS_HAS_FIELD(ptr, type, field) \
  ((ptr) != NULL && (ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

typedef int32_t pcs_status;

#define PCS_OK 0                    /* success */
#define PCS_ERR_INVALID_CONFIG 1    /* configuration cannot be used */
#define PCS_ERR_IO 2                /* local I/O failed (file, pipe, process start) */
#define PCS_ERR_REMOTE 3            /* the connection to the target failed or dropped */
#define PCS_ERR_CANCELLED 4         /* the job was cancelled; clean up and return it */
#define PCS_ERR_UNSUPPORTED 5       /* the call or option is not available here */
#define PCS_ERR_INTERNAL 6          /* a bug or an unexpected exception */
#define PCS_ERR_TIMEOUT 7           /* a timeout given by the caller ran out */
#define PCS_ERR_FAILED 8            /* the job's work failed; see the message */
#define PCS_SKIPPED 9               /* execute: the job chose not to run (before changing anything) */
#define PCS_END_OF_STREAM 10        /* process_read: both output streams are at their end */
#define PCS_ERR_INVALID_ARGUMENT 11 /* a NULL or malformed argument was passed to the host */

/* ------------------------------------------------------------------------ */
/* Enumerations (fixed-width integers, never C enums, so their size is fixed) */
/* ------------------------------------------------------------------------ */

/* Which machine a call or a message is about (the job contract's `Host`). */
typedef int32_t pcs_machine;
#define PCS_MACHINE_SOURCE 0 /* this machine, where pc-switcher was started */
#define PCS_MACHINE_TARGET 1 /* the machine reached over SSH */

typedef int32_t pcs_log_level;
#define PCS_LOG_DEBUG 10
#define PCS_LOG_FULL 15 /* file-level operational detail (each file, each package) */
#define PCS_LOG_INFO 20
#define PCS_LOG_WARNING 30
#define PCS_LOG_ERROR 40
#define PCS_LOG_CRITICAL 50

typedef int32_t pcs_job_kind;
#define PCS_JOB_SYSTEM 1     /* infrastructure run by the host (snapshots, install); required */
#define PCS_JOB_SYNC 2       /* a kind of state to sync; enabled in config `sync_jobs` */
#define PCS_JOB_BACKGROUND 3 /* runs on its own thread beside the sync jobs; required */

/* pcs_job_descriptor.flags */
#define PCS_JOB_FLAG_REQUIRED 0x1u         /* cannot be disabled; must be set for SYSTEM and BACKGROUND */
#define PCS_JOB_FLAG_FAILURE_ISOLATED 0x2u /* a failure of this job does not halt the session */

/* ------------------------------------------------------------------------ */
/* Metadata: static data, readable without running any job code              */
/* ------------------------------------------------------------------------ */

typedef struct pcs_job_descriptor {
  uint32_t struct_size;
  /* Unique job name: [a-z][a-z0-9_]{0,63}. It is the config section's key. */
  const char* name;
  pcs_job_kind kind;
  uint32_t flags; /* PCS_JOB_FLAG_* */
  /* The plugin's own version (SemVer), e.g. "1.4.2". */
  const char* version;
  /* One line, no trailing period, shown by `pc-switcher plugins`. */
  const char* description;
  /* JSON Schema draft-07 (text) for the job's config section; "{}" if none.
   * `default` values in it are applied by the host before the job sees the config. */
  const char* config_schema;
} pcs_job_descriptor;

/* ------------------------------------------------------------------------ */
/* Values the host passes to the plugin                                      */
/* ------------------------------------------------------------------------ */

/* Facts about the running session. Owned by the host; valid from `create` until
 * `destroy` of the instance it was given to. */
typedef struct pcs_session_info {
  uint32_t struct_size;
  const char* session_id;      /* 8 lowercase hex characters */
  const char* source_hostname; /* the source machine's own hostname */
  const char* target_hostname; /* the target's hostname, as the target reports it */
  const char* target_address;  /* what the user typed: ssh alias, name or address */
  int32_t dry_run;             /* nonzero: change nothing on either machine */
} pcs_session_info;

/* One structured key/value extra of a log record (the contract's `**extra`). */
typedef int32_t pcs_value_kind;
#define PCS_VALUE_STRING 0 /* `value` is a plain UTF-8 string */
#define PCS_VALUE_JSON 1   /* `value` is JSON text: a number, true/false, null, array or object */

typedef struct pcs_log_field {
  const char* key;   /* [A-Za-z_][A-Za-z0-9_]* ; borrowed for the call */
  const char* value; /* borrowed for the call */
  pcs_value_kind kind;
} pcs_log_field; /* fixed forever: arrays of it cross the boundary */

typedef struct pcs_log_record {
  uint32_t struct_size;
  pcs_machine machine; /* which machine the message is about */
  pcs_log_level level;
  const char* message;
  const pcs_log_field* fields; /* may be NULL when field_count is 0 */
  uint32_t field_count;
} pcs_log_record;

/* pcs_progress.fields: which of the optional members are set. */
#define PCS_PROGRESS_PERCENT 0x1u
#define PCS_PROGRESS_CURRENT 0x2u
#define PCS_PROGRESS_TOTAL 0x4u
#define PCS_PROGRESS_ITEM 0x8u
#define PCS_PROGRESS_HEARTBEAT 0x10u
#define PCS_PROGRESS_TRACK 0x20u

typedef struct pcs_progress {
  uint32_t struct_size;
  uint32_t fields;   /* PCS_PROGRESS_* bits */
  int32_t percent;   /* 0..100 */
  int64_t current;   /* items or bytes done */
  int64_t total;     /* items or bytes in all, when known */
  const char* item;  /* what is being worked on now */
  const char* track; /* sub-bar id within the job (e.g. one per folder); NULL = the job's bar */
} pcs_progress;

/* A command for an executor. Exactly one of `argv` and `shell` is set.
 * argv form: no shell anywhere; on the target each argument is quoted by the
 * host for the remote login shell, so any byte except NUL arrives unchanged. */
#define PCS_COMMAND_SUDO 0x1u            /* run through `sudo -n` (never prompts) */
#define PCS_COMMAND_LOGIN_SHELL 0x2u     /* target: run inside a login shell (profile sourced) */
#define PCS_COMMAND_WITHHOLD_OUTPUT 0x4u /* never log this command's output (secrets) */
/* Higher bits are defined by extensions (ext/cleanup_commands.h); a host
 * that does not offer the extension ignores them. */

typedef struct pcs_command {
  uint32_t struct_size;
  pcs_machine machine;
  const char* const* argv; /* NULL-terminated, argv[0] looked up in PATH; or NULL */
  const char* shell;       /* run by `/bin/sh -c`; or NULL */
  const char* const* env;  /* NULL-terminated "NAME=value" added to the environment; or NULL */
  const char* cwd;         /* working directory; NULL = home directory of the user */
  int64_t timeout_ms;      /* 0 = none; on expiry the process group is killed */
  uint32_t flags;          /* PCS_COMMAND_* */
  /* Human phrase for what this changes ("install nginx"), or NULL for a read.
   * Shown and logged; the host may ask the user before running it. */
  const char* mutates;
  const void* stdin_data; /* bytes written to the command's stdin, then closed; may be NULL */
  size_t stdin_size;
} pcs_command;

/* The outcome of a finished command. Filled by the host; the buffers belong to
 * the host until the plugin calls `host->release_result` on it. */
typedef struct pcs_command_result {
  uint32_t struct_size;    /* set by the plugin before the call */
  int32_t exit_code;       /* -1 when the process died of a signal or never ran */
  int32_t signal;          /* the signal that killed it, else 0 (never success) */
  const char* stdout_data; /* not NUL-terminated necessarily; may hold any bytes */
  size_t stdout_size;
  const char* stderr_data;
  size_t stderr_size;
  const char* error; /* when the call returned non-OK: why, naming the machine; else NULL */
  int64_t duration_ms;
  void* host_reserved; /* the host's; do not touch */
} pcs_command_result;

/* A background process started with `start_process`. Opaque. */
typedef struct pcs_process pcs_process;

#define PCS_STREAM_STDOUT 1
#define PCS_STREAM_STDERR 2

/* process_read modes */
#define PCS_READ_CHUNK 0 /* whatever bytes have arrived, at most 64 KiB */
#define PCS_READ_LINE 1  /* one line without its '\n' (the last one may lack it) */

typedef struct pcs_output_chunk {
  uint32_t struct_size; /* set by the plugin */
  int32_t stream;       /* PCS_STREAM_* */
  const char* data;     /* host-owned; valid until the next call on the same process */
  size_t size;
} pcs_output_chunk;

/* File transfers between the two machines (SFTP over the session's connection). */
#define PCS_TRANSFER_MKDIRS 0x1u    /* create missing parent directories */
#define PCS_TRANSFER_KEEP_MODE 0x2u /* give the copy the original's permission bits */

typedef struct pcs_file_transfer {
  uint32_t struct_size;
  const char* source_path; /* absolute path on the source machine */
  const char* target_path; /* absolute path on the target machine; written to a
                              temporary name beside it, then renamed */
  uint32_t flags;          /* PCS_TRANSFER_* */
  const char* mutates;     /* as in pcs_command */
  const char* error;       /* out: when non-OK, why (host-owned, valid until the next
                              host call on the same thread) */
} pcs_file_transfer;

/* Called on the calling thread during `pipe`, at most every 100 ms, with the
 * bytes moved so far. */
typedef void (*pcs_bytes_callback)(void* user_data, uint64_t bytes_so_far);

/* A question for the person at the terminal (e.g. a package review). */
typedef struct pcs_question {
  uint32_t struct_size;
  const char* text;           /* the question, may span lines */
  const char* const* choices; /* NULL-terminated labels, e.g. {"apply", "skip", NULL} */
  int32_t default_choice;     /* index used with --yes; -1 = none */
} pcs_question;

/* ------------------------------------------------------------------------ */
/* Host services: one table per job instance                                 */
/* ------------------------------------------------------------------------ */

typedef struct pcs_host pcs_host;

struct pcs_host {
  uint32_t struct_size;
  uint32_t abi_major; /* the host's ABI version */
  uint32_t abi_minor;
  void* host_data;                 /* the host's; do not touch */
  const char* host_name;           /* "pc-switcher" or a test kit's name */
  const char* host_version;        /* the host program's version */
  const pcs_session_info* session; /* valid until destroy */

  /* [thread-safe] Emit a log record. Never blocks on a slow terminal or disk. */
  void (*log)(const pcs_host* host, const pcs_log_record* record);

  /* [thread-safe] Report progress of this job. Cheap; the host coalesces. */
  void (*progress)(const pcs_host* host, const pcs_progress* update);

  /* [thread-safe] Nonzero once this job has been cancelled. */
  int32_t (*is_cancelled)(const pcs_host* host);

  /* [job thread] Attach a message to the non-OK status the current entry point
   * (validate/execute) is about to return. The last call wins. */
  void (*set_error)(const pcs_host* host, const char* message);

  /* [thread-safe] Run a command to completion. Blocks the calling thread.
   * Returns PCS_OK when the command ran (whatever its exit code),
   * PCS_ERR_TIMEOUT, PCS_ERR_CANCELLED (the process was killed), PCS_ERR_REMOTE,
   * PCS_ERR_IO or PCS_ERR_INVALID_ARGUMENT, with `result->error` saying why.
   * Release `result` with release_result in every case. */
  pcs_status (*run)(const pcs_host* host, const pcs_command* command, pcs_command_result* result);

  /* [thread-safe] Free the buffers of a result filled by the host. Idempotent. */
  void (*release_result)(const pcs_host* host, pcs_command_result* result);

  /* [thread-safe] Start a command in the background; its stdin is closed after
   * `stdin_data`. On PCS_OK `*process` must later be given to release_process.
   * On failure `*error` (may be NULL) receives a host-owned message valid until the
   * next host call on the same thread. */
  pcs_status (*start_process)(const pcs_host* host, const pcs_command* command, pcs_process** process,
                              const char** error);

  /* [thread owning the process handle] Read the next output of a process.
   * `timeout_ms` < 0 waits without limit. Returns PCS_OK with a chunk,
   * PCS_END_OF_STREAM, PCS_ERR_TIMEOUT or PCS_ERR_CANCELLED. */
  pcs_status (*process_read)(const pcs_host* host, pcs_process* process, int32_t mode, int64_t timeout_ms,
                             pcs_output_chunk* chunk);

  /* [thread owning the process handle] Wait for the process to end (output not yet
   * read is collected into result). `timeout_ms` < 0 waits without limit. */
  pcs_status (*process_wait)(const pcs_host* host, pcs_process* process, int64_t timeout_ms,
                             pcs_command_result* result);

  /* [thread-safe] SIGTERM the process group, SIGKILL after `grace_ms`. Returns at once. */
  pcs_status (*process_terminate)(const pcs_host* host, pcs_process* process, int64_t grace_ms);

  /* [thread owning the process handle] Terminate if still running and free the handle. */
  void (*release_process)(const pcs_host* host, pcs_process* process);

  /* [thread-safe] Copy a file from the source to the target (send_file) or from the
   * target to the source (get_file). Blocks; honours cancellation. */
  pcs_status (*send_file)(const pcs_host* host, pcs_file_transfer* transfer);
  pcs_status (*get_file)(const pcs_host* host, pcs_file_transfer* transfer);

  /* [thread-safe] Stream `producer`'s stdout into `consumer`'s stdin through the
   * session's connection (the two may be on different machines, e.g. `docker save`
   * on the source into `docker load` on the target). Blocks until both end.
   * `on_bytes` may be NULL. `*bytes` receives the bytes moved. The producer's
   * result has empty stdout (it was streamed). Release both results in every case. */
  pcs_status (*pipe)(const pcs_host* host, const pcs_command* producer, const pcs_command* consumer,
                     pcs_bytes_callback on_bytes, void* user_data, uint64_t* bytes, pcs_command_result* producer_result,
                     pcs_command_result* consumer_result);

  /* [job thread] Ask the person at the terminal. On PCS_OK `*choice` is the index
   * chosen. PCS_ERR_UNSUPPORTED when there is no terminal (the job must then act
   * as if nothing was approved), PCS_ERR_CANCELLED when cancelled. */
  pcs_status (*ask)(const pcs_host* host, const pcs_question* question, int32_t* choice);

  /* [thread-safe] Optional host capabilities by versioned id, e.g.
   * "pcs.host.ext.something/1". NULL when the host does not offer it. */
  const void* (*get_extension)(const pcs_host* host, const char* id);
};

/* ------------------------------------------------------------------------ */
/* Sinks the host passes to validation entry points                          */
/* ------------------------------------------------------------------------ */

typedef struct pcs_config_error_sink {
  uint32_t struct_size;
  void* sink_data;
  /* `key_path`: dotted path inside the job's section ("folders.0.path"), "" for
   * the section itself. `message` says what is wrong and what is expected. */
  void (*add)(void* sink_data, const char* key_path, const char* message);
} pcs_config_error_sink;

typedef struct pcs_validation_sink {
  uint32_t struct_size;
  void* sink_data;
  /* One problem found on `machine`; `message` says how to fix it. */
  void (*add)(void* sink_data, pcs_machine machine, const char* message);
} pcs_validation_sink;

typedef struct pcs_path_sink {
  uint32_t struct_size;
  void* sink_data;
  void (*add)(void* sink_data, pcs_machine machine, const char* path);
} pcs_path_sink;

/* ------------------------------------------------------------------------ */
/* The plugin table                                                          */
/* ------------------------------------------------------------------------ */

typedef struct pcs_plugin {
  uint32_t struct_size;
  uint32_t abi_major; /* PCS_ABI_VERSION_MAJOR the plugin was built with */
  uint32_t abi_minor;
  const pcs_job_descriptor* descriptor; /* static; never NULL */

  /* [any thread, reentrant; no host services] Semantic checks beyond the schema.
   * `config_json` is the job's section after schema validation and defaults.
   * Report each problem to `sink`; return PCS_OK when none was found, else
   * PCS_ERR_INVALID_CONFIG. May be NULL (no extra checks). Must not touch the system. */
  pcs_status (*validate_config)(const char* config_json, const pcs_config_error_sink* sink);

  /* [host main thread] Make a job instance for one session. `host` and
   * `config_json` (validated, defaults applied) stay valid until destroy. */
  pcs_status (*create)(const pcs_host* host, const char* config_json, void** instance);

  /* [job thread] Read-only checks on both machines. Report every problem to
   * `sink` (do not stop at the first); return PCS_OK even when problems were
   * reported, non-OK only when the checks themselves could not run. */
  pcs_status (*validate)(void* instance, const pcs_validation_sink* sink);

  /* [job thread] Do the work. PCS_OK, PCS_SKIPPED (with a reason via set_error,
   * only before anything was changed), PCS_ERR_CANCELLED after cleaning up, or
   * another error with a message via set_error. */
  pcs_status (*execute)(void* instance);

  /* [any host thread] Optional (may be NULL): the job was cancelled. Wake whatever
   * the job thread waits on that is not a host call. Must return at once and must
   * not call host services other than log. */
  void (*cancel)(void* instance);

  /* [host main thread] Free the instance. Called once for every successful create,
   * after validate/execute have returned. */
  void (*destroy)(void* instance);

  /* [job thread] Optional (may be NULL): report each path this job writes to on
   * each machine, so the host can watch the free space there. */
  pcs_status (*list_write_paths)(void* instance, const pcs_path_sink* sink);

  /* [job thread] Optional (may be NULL): on a first sync to a target, report what
   * this job would overwrite there (one line per item) to `sink`. */
  pcs_status (*describe_first_sync)(void* instance, const pcs_validation_sink* sink);

  /* [any thread] Optional capabilities by versioned id, NULL when not offered. */
  const void* (*get_extension)(const char* id);
} pcs_plugin;

/* The single exported symbol. Called on the host main thread, possibly more than
 * once; must do no work beyond returning a pointer to a static table (no
 * threads, no I/O). Returns NULL when the plugin cannot serve a host of this ABI. */
typedef const pcs_plugin* (*pcs_plugin_entry_fn)(uint32_t host_abi_major, uint32_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif /* PCSWITCHER_PLUGIN_H */
