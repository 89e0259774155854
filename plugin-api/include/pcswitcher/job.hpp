// pcswitcher/job.hpp — the C++ SDK for pc-switcher jobs (header-only).
//
// Write a job as a class derived from pcs::SystemJob, pcs::SyncJob or
// pcs::BackgroundJob, give it the static metadata below, and export it with
// PCS_EXPORT_JOB(MyJob) in exactly one source file of the plugin:
//
//   class ExampleSyncJob : public pcs::SyncJob {
//    public:
//     static constexpr const char* name = "example";
//     static constexpr const char* version = "1.0.0";
//     static constexpr const char* description = "Example sync job";
//     static constexpr const char* CONFIG_SCHEMA = R"({"type": "object"})";
//     std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override;
//     void execute(pcs::JobContext& ctx) override;
//   };
//   PCS_EXPORT_JOB(ExampleSyncJob)
//
// Optional members: `std::vector<pcs::ValidationError> describe_first_sync(pcs::JobContext&)`
// says what a first sync to this target would overwrite (one entry per
// statement), `static constexpr bool failure_isolated = true;`
// (a failure does not halt the session) and
// `static std::span<const pcs_init_file> init_files()` (files `pc-switcher init`
// writes beside the config, ext/init_files.h),
// `static std::span<const pcs_command_option> sync_options()` (options the job
// adds to `pc-switcher sync`, ext/sync_options.h; read them with
// JobContext::sync_option),
// `static pcs::SudoPrograms sudo_programs()` (the programs the job runs as
// root on each machine, ext/sudo_programs.h; once declared, the host refuses
// any other) and
// `static std::vector<pcs::ConfigError> validate_config(const pcs::Json&)` for
// checks the schema cannot express. A member `void cancel()` is called from
// another thread when the job is cancelled, to wake waits that are not host calls.
//
// Errors: throw. pcs::JobSkipped skips the job (only before changing anything);
// pcs::Cancelled (thrown by host calls once cancelled) must be re-thrown after
// cleanup; any other exception fails the job with its what() as the reason.
// Nothing thrown ever crosses into the host: the shims below catch it all.
#ifndef PCSWITCHER_JOB_HPP
#define PCSWITCHER_JOB_HPP

#include <pcswitcher/command.hpp>
#include <pcswitcher/executor.hpp>
#include <pcswitcher/ext/after_sync.h>
#include <pcswitcher/ext/init_files.h>
#include <pcswitcher/ext/sudo_programs.h>
#include <pcswitcher/ext/sync_options.h>
#include <pcswitcher/ext/write_paths.h>
#include <pcswitcher/json.hpp>
#include <pcswitcher/plugin.h>

#include <concepts>
#include <cstring>
#include <initializer_list>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <type_traits>
#include <vector>

namespace pcs {

enum class LogLevel : pcs_log_level {
  Debug = PCS_LOG_DEBUG,
  Full = PCS_LOG_FULL,
  Info = PCS_LOG_INFO,
  Warning = PCS_LOG_WARNING,
  Error = PCS_LOG_ERROR,
  Critical = PCS_LOG_CRITICAL,
};

struct ProgressUpdate {
  std::optional<int> percent = {};  // 0..100
  std::optional<std::int64_t> current = {};
  std::optional<std::int64_t> total = {};
  std::optional<std::string> item = {};
  bool heartbeat = false;
  std::optional<std::string> track = {};  // sub-bar within the job
};

struct ValidationError {
  Host host;
  std::string message = {};  // say how to fix it
};

struct ConfigError {
  std::string path = {};  // dotted key path inside the job's section, "" = the section
  std::string message = {};
};

// The programs a job runs as root (RunOptions::sudo), as written in argv[0]:
// `source` and `target` for its sync, `commands` for its plugin commands
// (ext/sudo_programs.h). A sudo command with RunOptions::env also needs "env";
// a shell-form one "sh".
struct SudoPrograms {
  std::vector<std::string> source, target, commands;
};

// One structured extra of a log record: {"item", name}, {"count", 3}.
struct LogField {
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(v) {}
  LogField(std::string k, Json v) : key(std::move(k)), value(v.dump()), kind(PCS_VALUE_JSON) {}
  template <typename N, typename = std::enable_if_t<std::is_arithmetic_v<N>>>
  LogField(std::string k, N n) : LogField(std::move(k), to_json(n)) {}

  std::string key = {};
  std::string value = {};
  pcs_value_kind kind = PCS_VALUE_STRING;

 private:
  template <typename N>
  static Json to_json(N n) {
    if constexpr (std::is_same_v<N, bool>)
      return Json(n);
    else if constexpr (std::is_integral_v<N>)
      return Json(static_cast<std::int64_t>(n));
    else
      return Json(static_cast<double>(n));
  }
};

// Throw from execute() to skip the job (before it changed anything).
class JobSkipped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Everything a job gets for one session (the contract's JobContext).
class JobContext {
 public:
  JobContext(const pcs_host* host, Json config)
      : config(std::move(config)),
        source(host, Host::Source),
        target(host, Host::Target),
        session_id(str(host->session ? host->session->session_id : nullptr)),
        source_hostname(str(host->session ? host->session->source_hostname : nullptr)),
        target_hostname(str(host->session ? host->session->target_hostname : nullptr)),
        dry_run(host->session && host->session->dry_run != 0),
        host_(host) {}

  const Json config;  // the job's section: validated, defaults applied
  const Executor source;
  const Executor target;
  const std::string session_id;  // 8 hex characters
  const std::string source_hostname;
  const std::string target_hostname;
  const bool dry_run;

  bool is_cancelled() const { return host_->is_cancelled(host_) != 0; }
  void check_cancelled() const {
    if (is_cancelled()) throw Cancelled{};
  }

  // Ask the person at the terminal; returns the chosen index, or nothing when
  // there is no terminal (act as if nothing was approved).
  std::optional<int> ask(const std::string& text, const std::vector<std::string>& choices,
                         int default_choice = -1) const {
    std::vector<const char*> labels;
    for (const auto& c : choices) labels.push_back(c.c_str());
    labels.push_back(nullptr);
    pcs_question q{sizeof(pcs_question), text.c_str(), labels.data(), default_choice};
    int32_t choice = -1;
    pcs_status s = host_->ask(host_, &q, &choice);
    if (s == PCS_ERR_UNSUPPORTED) return std::nullopt;
    if (s != PCS_OK) detail::throw_status(s, "asking the user failed");
    return choice;
  }

  // Stream producer's stdout into consumer's stdin (e.g. source → target).
  // Returns the bytes moved; throws CommandError if either side fails.
  std::uint64_t pipe(const Command& producer, const Command& consumer,
                     std::function<void(std::uint64_t)> on_bytes = {}) const {
    detail::CommandView p(producer), c(consumer);
    detail::ResultHolder pr(host_), cr(host_);
    std::uint64_t bytes = 0;
    auto trampoline = [](void* user, std::uint64_t n) {
      auto* fn = static_cast<std::function<void(std::uint64_t)>*>(user);
      if (*fn) (*fn)(n);
    };
    pcs_status s = host_->pipe(host_, p.get(), c.get(), trampoline, &on_bytes, &bytes, pr.get(), cr.get());
    if (s != PCS_OK) detail::throw_status(s, pr.error() + "; " + cr.error());
    CommandResult prod = pr.take(), cons = cr.take();
    if (!prod.success() || !cons.success())
      throw CommandError(PCS_ERR_FAILED, "pipe failed: producer exit " + std::to_string(prod.exit_code) + " (" +
                                             prod.stderr + "), consumer exit " + std::to_string(cons.exit_code) + " (" +
                                             cons.stderr + ")");
    return bytes;
  }

  // The paths this session's jobs write to on each machine, as they reported
  // them (ext/write_paths.h); empty when the host does not offer the extension.
  std::vector<std::pair<Host, std::string>> write_paths() const {
    std::vector<std::pair<Host, std::string>> out;
    const auto* ext = static_cast<const pcs_host_ext_write_paths*>(
        host_->get_extension ? host_->get_extension(host_, PCS_HOST_EXT_WRITE_PATHS) : nullptr);
    if (!PCS_HAS_FIELD(ext, pcs_host_ext_write_paths, list) || ext->list == nullptr) return out;
    pcs_path_sink sink{sizeof(pcs_path_sink), &out, [](void* data, pcs_machine m, const char* path) {
                         static_cast<std::vector<std::pair<Host, std::string>>*>(data)->emplace_back(
                             static_cast<Host>(m), path ? path : "");
                       }};
    ext->list(host_, &sink);
    return out;
  }

  // The value of one of this job's sync options (ext/sync_options.h): "" for
  // a flag that was given, nothing when it was not given.
  std::optional<std::string> sync_option(const std::string& name) const {
    const auto* ext = static_cast<const pcs_host_ext_sync_options*>(
        host_->get_extension ? host_->get_extension(host_, PCS_HOST_EXT_SYNC_OPTIONS) : nullptr);
    if (!PCS_HAS_FIELD(ext, pcs_host_ext_sync_options, value) || ext->value == nullptr) return std::nullopt;
    const char* v = ext->value(host_, name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }

  // Whether commands with RunOptions::cleanup still run after cancellation
  // (ext/cleanup_commands.h).
  bool can_clean_up() const {
    return host_->get_extension && host_->get_extension(host_, PCS_HOST_EXT_CLEANUP_COMMANDS) != nullptr;
  }

  // A log line about `host` (also what Job::_log does; for helper functions).
  void log(Host host, LogLevel level, std::string_view message, std::initializer_list<LogField> extras = {}) const {
    std::vector<pcs_log_field> fields;
    fields.reserve(extras.size());
    for (const LogField& f : extras) fields.push_back({f.key.c_str(), f.value.c_str(), f.kind});
    std::string text(message);
    pcs_log_record r{
        sizeof(pcs_log_record), static_cast<pcs_machine>(host),      static_cast<pcs_log_level>(level), text.c_str(),
        fields.data(),          static_cast<uint32_t>(fields.size())};
    host_->log(host_, &r);
  }

  const pcs_host* c_host() const { return host_; }

 private:
  static std::string str(const char* s) { return s ? s : ""; }
  const pcs_host* host_;
};

class Job {
 public:
  virtual ~Job() = default;

  // Read-only checks on both machines; return every problem found.
  virtual std::vector<ValidationError> validate(JobContext&) { return {}; }
  // Do the work. Throw to fail; see the top of this file.
  virtual void execute(JobContext& ctx) = 0;
  // Paths this job writes to on each machine (for the disk-space monitor).
  virtual std::vector<std::pair<Host, std::string>> write_paths(JobContext&) { return {}; }

  // Default: the host's schema validation is all there is.
  static std::vector<ConfigError> validate_config(const Json&) { return {}; }

 protected:
  static void _log(JobContext& ctx, Host host, LogLevel level, std::string_view message,
                   std::initializer_list<LogField> extras = {}) {
    ctx.log(host, level, message, extras);
  }

  static void _report_progress(JobContext& ctx, const ProgressUpdate& u) {
    pcs_progress p{};
    p.struct_size = sizeof p;
    if (u.percent) {
      p.fields |= PCS_PROGRESS_PERCENT;
      p.percent = *u.percent < 0 ? 0 : (*u.percent > 100 ? 100 : *u.percent);
    }
    if (u.current) p.fields |= PCS_PROGRESS_CURRENT, p.current = *u.current;
    if (u.total) p.fields |= PCS_PROGRESS_TOTAL, p.total = *u.total;
    if (u.item) p.fields |= PCS_PROGRESS_ITEM, p.item = u.item->c_str();
    if (u.heartbeat) p.fields |= PCS_PROGRESS_HEARTBEAT;
    if (u.track) p.fields |= PCS_PROGRESS_TRACK, p.track = u.track->c_str();
    ctx.c_host()->progress(ctx.c_host(), &p);
  }
};

// Infrastructure run by the host (snapshots, install). Always runs.
// A system job may also define
//   void after_sync(JobContext& ctx, bool sync_succeeded);
// to act again once the sync jobs are over (ext/after_sync.h says when); the
// SDK then offers the "pcs.ext.after_sync/1" extension for it. Any job may add
// commands to `pc-switcher` (pcswitcher/command.hpp).
class SystemJob : public Job {
 public:
  static constexpr pcs_job_kind kind = PCS_JOB_SYSTEM;
  static constexpr bool required = true;
};

// One kind of state to sync. Enabled per machine in `sync_jobs`.
class SyncJob : public Job {
 public:
  static constexpr pcs_job_kind kind = PCS_JOB_SYNC;
  static constexpr bool required = false;
};

// Runs on its own thread beside the sync jobs (monitors). Always runs.
class BackgroundJob : public Job {
 public:
  static constexpr pcs_job_kind kind = PCS_JOB_BACKGROUND;
  static constexpr bool required = true;
};

namespace detail {

template <typename J>
constexpr bool failure_isolated() {
  if constexpr (requires { J::failure_isolated; })
    return J::failure_isolated;
  else
    return false;
}

// The C entry points for job class J: each one a no-throw shim.
template <typename J>
struct Adapter {
  static constexpr const char* kNotAnException = "the job threw something that is not a std::exception";

  struct Instance {
    JobContext ctx;
    J job;
  };

  static void set_error(Instance* inst, const char* message) {
    const pcs_host* h = inst->ctx.c_host();
    h->set_error(h, message);
  }

  // Runs `body`; maps what it throws onto a status and a message.
  template <typename F>
  static pcs_status guarded(Instance* inst, F&& body) {
    try {
      body();
      return PCS_OK;
    } catch (const Cancelled&) {
      return PCS_ERR_CANCELLED;
    } catch (const JobSkipped& e) {
      set_error(inst, e.what());
      return PCS_SKIPPED;
    } catch (const std::exception& e) {
      set_error(inst, e.what());
      return PCS_ERR_FAILED;
    } catch (...) {
      set_error(inst, kNotAnException);
      return PCS_ERR_INTERNAL;
    }
  }

  static pcs_status validate_config(const char* config_json, const pcs_config_error_sink* sink) noexcept {
    try {
      bool any = false;
      for (const ConfigError& e : J::validate_config(Json::parse(config_json ? config_json : "{}"))) {
        sink->add(sink->sink_data, e.path.c_str(), e.message.c_str());
        any = true;
      }
      return any ? PCS_ERR_INVALID_CONFIG : PCS_OK;
    } catch (const std::exception& e) {
      sink->add(sink->sink_data, "", e.what());
      return PCS_ERR_INTERNAL;
    } catch (...) {
      sink->add(sink->sink_data, "", kNotAnException);
      return PCS_ERR_INTERNAL;
    }
  }

  static pcs_status create(const pcs_host* host, const char* config_json, void** out) noexcept {
    if (host == nullptr || out == nullptr || !PCS_HAS_FIELD(host, pcs_host, get_extension)) return PCS_ERR_UNSUPPORTED;
    try {
      *out = new Instance{JobContext(host, Json::parse(config_json ? config_json : "{}")), J{}};
      return PCS_OK;
    } catch (const std::exception& e) {
      host->set_error(host, e.what());
      return PCS_ERR_INVALID_CONFIG;
    } catch (...) {
      host->set_error(host, kNotAnException);
      return PCS_ERR_INTERNAL;
    }
  }

  static pcs_status validate(void* p, const pcs_validation_sink* sink) noexcept {
    auto* inst = static_cast<Instance*>(p);
    return guarded(inst, [&] {
      for (const ValidationError& e : inst->job.validate(inst->ctx))
        sink->add(sink->sink_data, static_cast<pcs_machine>(e.host), e.message.c_str());
    });
  }

  static pcs_status execute(void* p) noexcept {
    auto* inst = static_cast<Instance*>(p);
    return guarded(inst, [&] { inst->job.execute(inst->ctx); });
  }

  static void cancel(void* p) noexcept {
    if constexpr (requires(J & j) { j.cancel(); }) {
      try {
        static_cast<Instance*>(p)->job.cancel();
      } catch (...) {
      }
    }
  }

  static void destroy(void* p) noexcept { delete static_cast<Instance*>(p); }

  static pcs_status list_write_paths(void* p, const pcs_path_sink* sink) noexcept {
    auto* inst = static_cast<Instance*>(p);
    return guarded(inst, [&] {
      for (const auto& [host, path] : inst->job.write_paths(inst->ctx))
        sink->add(sink->sink_data, static_cast<pcs_machine>(host), path.c_str());
    });
  }

  static constexpr bool has_describe_first_sync = requires(J & j, JobContext& c) {
    { j.describe_first_sync(c) } -> std::convertible_to<std::vector<ValidationError>>;
  };

  static pcs_status describe_first_sync(void* p, const pcs_validation_sink* sink) noexcept {
    auto* inst = static_cast<Instance*>(p);
    if constexpr (has_describe_first_sync) {
      return guarded(inst, [&] {
        for (const ValidationError& e : inst->job.describe_first_sync(inst->ctx))
          sink->add(sink->sink_data, static_cast<pcs_machine>(e.host), e.message.c_str());
      });
    } else {
      static_cast<void>(inst);
      static_cast<void>(sink);
      return PCS_ERR_UNSUPPORTED;
    }
  }

  static constexpr bool has_after_sync = requires(J & j, JobContext& c) { j.after_sync(c, true); };

  static pcs_status after_sync(void* p, pcs_sync_outcome outcome) noexcept {
    auto* inst = static_cast<Instance*>(p);
    if constexpr (has_after_sync) {
      return guarded(inst, [&] { inst->job.after_sync(inst->ctx, outcome == PCS_SYNC_SUCCEEDED); });
    } else {
      static_cast<void>(inst);
      static_cast<void>(outcome);
      return PCS_ERR_UNSUPPORTED;
    }
  }

  static constexpr bool has_commands = requires(J & j, JobContext& c, const CommandArgs& a) {
    { J::commands() } -> std::convertible_to<std::span<const pcs_command_info* const>>;
    j.run_command(c, std::string(), a);
  };

  static pcs_status run_command(void* p, const char* name, const pcs_command_args* args) noexcept {
    auto* inst = static_cast<Instance*>(p);
    if constexpr (has_commands) {
      return guarded(inst, [&] { inst->job.run_command(inst->ctx, name ? name : "", CommandArgs::from(args)); });
    } else {
      static_cast<void>(inst);
      static_cast<void>(name);
      static_cast<void>(args);
      return PCS_ERR_UNSUPPORTED;
    }
  }

  static const pcs_ext_commands* commands_table() {
    if constexpr (has_commands) {
      static const std::span<const pcs_command_info* const> list = J::commands();
      static const pcs_ext_commands table = {sizeof(pcs_ext_commands), static_cast<uint32_t>(list.size()), list.data(),
                                             &Adapter::run_command};
      return &table;
    } else {
      return nullptr;
    }
  }

  static constexpr bool has_init_files = requires {
    { J::init_files() } -> std::convertible_to<std::span<const pcs_init_file>>;
  };

  static const pcs_ext_init_files* init_files_table() {
    if constexpr (has_init_files) {
      static const std::span<const pcs_init_file> list = J::init_files();
      static const pcs_ext_init_files table = {sizeof(pcs_ext_init_files), static_cast<uint32_t>(list.size()),
                                               list.data()};
      return &table;
    } else {
      return nullptr;
    }
  }

  static constexpr bool has_sync_options = requires {
    { J::sync_options() } -> std::convertible_to<std::span<const pcs_command_option>>;
  };

  static const pcs_ext_sync_options* sync_options_table() {
    if constexpr (has_sync_options) {
      static const std::span<const pcs_command_option> list = J::sync_options();
      static const pcs_ext_sync_options table = {sizeof(pcs_ext_sync_options), static_cast<uint32_t>(list.size()),
                                                 list.data()};
      return &table;
    } else {
      return nullptr;
    }
  }

  static constexpr bool has_sudo_programs = requires {
    { J::sudo_programs() } -> std::convertible_to<SudoPrograms>;
  };

  static const pcs_ext_sudo_programs* sudo_programs_table() {
    if constexpr (has_sudo_programs) {
      struct Lists {
        SudoPrograms names;
        std::vector<const char*> source, target, commands;
        static std::vector<const char*> c_list(const std::vector<std::string>& v) {
          std::vector<const char*> out;
          for (const auto& s : v) out.push_back(s.c_str());
          out.push_back(nullptr);
          return out;
        }
        explicit Lists(SudoPrograms n)
            : names(std::move(n)),
              source(c_list(names.source)),
              target(c_list(names.target)),
              commands(c_list(names.commands)) {}
      };
      static const Lists lists(J::sudo_programs());
      static const pcs_ext_sudo_programs table = {sizeof(pcs_ext_sudo_programs), lists.source.data(),
                                                  lists.target.data(), lists.commands.data()};
      return &table;
    } else {
      return nullptr;
    }
  }

  static const void* get_extension(const char* id) noexcept {
    static const pcs_ext_after_sync after_sync_table = {sizeof(pcs_ext_after_sync), &Adapter::after_sync};
    if (id == nullptr) return nullptr;
    if (has_init_files && std::strcmp(id, PCS_EXT_INIT_FILES) == 0) return init_files_table();
    if (has_after_sync && std::strcmp(id, PCS_EXT_AFTER_SYNC) == 0) return &after_sync_table;
    if (has_commands && std::strcmp(id, PCS_EXT_COMMANDS) == 0) return commands_table();
    if (has_sync_options && std::strcmp(id, PCS_EXT_SYNC_OPTIONS) == 0) return sync_options_table();
    if (has_sudo_programs && std::strcmp(id, PCS_EXT_SUDO_PROGRAMS) == 0) return sudo_programs_table();
    return nullptr;
  }

  static const pcs_plugin* table() {
    static_assert(std::is_base_of_v<Job, J>, "PCS_EXPORT_JOB needs a class derived from a pcs job");
    static_assert(std::is_default_constructible_v<J>, "a job class must be default-constructible");
    static const pcs_job_descriptor descriptor = {
        sizeof(pcs_job_descriptor),
        J::name,
        J::kind,
        (J::required ? PCS_JOB_FLAG_REQUIRED : 0u) | (failure_isolated<J>() ? PCS_JOB_FLAG_FAILURE_ISOLATED : 0u),
        J::version,
        J::description,
        J::CONFIG_SCHEMA,
    };
    constexpr bool has_cancel = requires(J & j) { j.cancel(); };
    static const pcs_plugin plugin = {
        sizeof(pcs_plugin),
        PCS_ABI_VERSION_MAJOR,
        PCS_ABI_VERSION_MINOR,
        &descriptor,
        &Adapter::validate_config,
        &Adapter::create,
        &Adapter::validate,
        &Adapter::execute,
        has_cancel ? &Adapter::cancel : nullptr,
        &Adapter::destroy,
        &Adapter::list_write_paths,
        has_describe_first_sync ? &Adapter::describe_first_sync : nullptr,
        &Adapter::get_extension,
    };
    return &plugin;
  }
};

}  // namespace detail

// The plugin table of job class J, e.g. for the test kit.
template <typename J>
const pcs_plugin* plugin_table() {
  return detail::Adapter<J>::table();
}

}  // namespace pcs

// Exports job class J as this shared library's plugin entry point.
#define PCS_EXPORT_JOB(J)                                                                                     \
  extern "C" PCS_PLUGIN_EXPORT const pcs_plugin* pcs_plugin_entry(uint32_t host_major, uint32_t host_minor) { \
    (void)host_minor;                                                                                         \
    if (host_major != PCS_ABI_VERSION_MAJOR) return nullptr;                                                  \
    return ::pcs::plugin_table<J>();                                                                          \
  }

#endif  // PCSWITCHER_JOB_HPP
