// pcswitcher/testkit.hpp — unit-test a job without SSH or a real host.
//
// FakeHost implements the whole pcs_host table in memory: commands get scripted
// results, logs and progress are recorded, cancellation can be triggered after
// N commands or from another thread. The runner functions drive a plugin table
// through the same C entry points the real host uses, so what passes here is
// what the real host will see:
//
//   pcs::testkit::FakeHost host;
//   host.on(pcs::Host::Target, "test -d /data/example", {1});
//   auto out = pcs::testkit::validate(pcs::plugin_table<ExampleSyncJob>(), host);
//   REQUIRE(out.errors.size() == 1);
//
// Commands are matched by their text: the shell string, or the argv joined by
// single spaces. Unmatched commands exit 127 with a message on stderr (change
// with set_default). This header uses the C++ standard library only.
#ifndef PCSWITCHER_TESTKIT_HPP
#define PCSWITCHER_TESTKIT_HPP

#include <pcswitcher/job.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pcs::testkit {

struct ScriptedResult {
  int exit_code = 0;
  std::string out = {};  // stdout; for a background process, read line by line
  std::string err = {};
  int signal = 0;
  pcs_status status = PCS_OK;          // e.g. PCS_ERR_TIMEOUT or PCS_ERR_REMOTE to fail the call itself
  std::chrono::milliseconds delay{0};  // how long the command "runs" (cancellable)
};

struct RecordedCommand {
  Host host;
  std::vector<std::string> argv = {};  // empty for shell form
  std::string shell = {};
  uint32_t flags = 0;
  std::string mutates = {};
  std::string text() const {
    if (argv.empty()) return shell;
    std::string t;
    for (const auto& a : argv) t += (t.empty() ? "" : " ") + a;
    return t;
  }
};

struct RecordedLog {
  Host host;
  LogLevel level;
  std::string message = {};
  std::map<std::string, std::string> fields = {};  // JSON values kept as their text
};

struct RecordedTransfer {
  bool send;  // true: source → target
  std::string source_path = {}, target_path = {};
};

class FakeHost {
 public:
  FakeHost() {
    session_.struct_size = sizeof session_;
    session_.session_id = "0badcafe";
    session_.source_hostname = "source-host";
    session_.target_hostname = "target-host";
    session_.target_address = "target-host";
    host_.struct_size = sizeof host_;
    host_.abi_major = PCS_ABI_VERSION_MAJOR;
    host_.abi_minor = PCS_ABI_VERSION_MINOR;
    host_.host_data = this;
    host_.host_name = "pcs-testkit";
    host_.host_version = "testkit";
    host_.session = &session_;
    host_.log = &FakeHost::c_log;
    host_.progress = &FakeHost::c_progress;
    host_.is_cancelled = &FakeHost::c_is_cancelled;
    host_.set_error = &FakeHost::c_set_error;
    host_.run = &FakeHost::c_run;
    host_.release_result = &FakeHost::c_release_result;
    host_.start_process = &FakeHost::c_start_process;
    host_.process_read = &FakeHost::c_process_read;
    host_.process_wait = &FakeHost::c_process_wait;
    host_.process_terminate = &FakeHost::c_process_terminate;
    host_.release_process = &FakeHost::c_release_process;
    host_.send_file = &FakeHost::c_send_file;
    host_.get_file = &FakeHost::c_get_file;
    host_.pipe = &FakeHost::c_pipe;
    host_.ask = &FakeHost::c_ask;
    host_.get_extension = &FakeHost::c_get_extension;
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  // --- scripting -------------------------------------------------------------
  FakeHost& on(Host h, std::string command_text, ScriptedResult r) {
    std::string want = std::move(command_text);
    return on(
        h, [want](const RecordedCommand& c) { return c.text() == want; }, std::move(r));
  }
  FakeHost& on(Host h, std::function<bool(const RecordedCommand&)> match, ScriptedResult r) {
    std::lock_guard lock(mu_);
    rules_.push_back({h, std::move(match), std::move(r)});
    return *this;
  }
  void set_default(ScriptedResult r) { default_ = std::move(r), has_default_ = true; }
  void set_dry_run(bool on) { session_.dry_run = on ? 1 : 0; }
  // Cancel the job when the n-th command (counting from 1) starts.
  void cancel_after(std::size_t n) { cancel_after_ = n; }
  // Thread-safe. The job's cancel hook runs under attach_mu_, so the runner
  // cannot destroy the instance while the hook runs.
  void cancel() {
    if (cancelled_.exchange(true)) return;
    std::lock_guard lock(attach_mu_);
    if (plugin_ && instance_ && plugin_->cancel) plugin_->cancel(instance_);
  }
  // Answers for ask(), in order; without any, ask() reports "no terminal".
  void answers(std::vector<int> a) { answers_ = std::deque<int>(a.begin(), a.end()); }
  // A sync option given on the command line (ext/sync_options.h): "" for a flag.
  void sync_option(std::string name, std::string value = "") { sync_options_[std::move(name)] = std::move(value); }
  // The questions ask() was called with, in order (text, then the choices).
  std::vector<std::vector<std::string>> questions() const {
    std::lock_guard lock(mu_);
    return questions_;
  }

  // --- what happened ---------------------------------------------------------
  std::vector<RecordedCommand> commands() const {
    std::lock_guard l(mu_);
    return commands_;
  }
  std::vector<RecordedLog> logs() const {
    std::lock_guard l(mu_);
    return logs_;
  }
  std::vector<ProgressUpdate> progress() const {
    std::lock_guard l(mu_);
    return progress_;
  }
  std::vector<RecordedTransfer> transfers() const {
    std::lock_guard l(mu_);
    return transfers_;
  }
  bool cancelled() const { return cancelled_; }
  bool logged(LogLevel level, const std::string& needle) const {
    for (const auto& l : logs())
      if (l.level == level && l.message.find(needle) != std::string::npos) return true;
    return false;
  }

  const pcs_host* c_host() const { return &host_; }
  std::string last_error = {};  // what the job passed to set_error

  // Used by the runners below.
  void attach(const pcs_plugin* p, void* instance) {
    std::lock_guard lock(attach_mu_);
    plugin_ = p, instance_ = instance;
  }

 private:
  struct Rule {
    Host host;
    std::function<bool(const RecordedCommand&)> match;
    ScriptedResult result;
  };
  struct FakeProcess {
    std::deque<Output> pending;
    ScriptedResult result;
    std::string buffer;
    bool terminated = false;
  };

  static FakeHost& self(const pcs_host* h) { return *static_cast<FakeHost*>(h->host_data); }

  static RecordedCommand record(const pcs_command* c) {
    RecordedCommand rc{
        static_cast<Host>(c->machine), {}, c->shell ? c->shell : "", c->flags, c->mutates ? c->mutates : ""};
    if (c->argv)
      for (auto a = c->argv; *a; ++a) rc.argv.emplace_back(*a);
    return rc;
  }

  // Records the command, counts it towards cancel_after, finds its result.
  ScriptedResult dispatch(const pcs_command* c) {
    RecordedCommand rc = record(c);
    std::size_t n;
    ScriptedResult r;
    {
      std::lock_guard lock(mu_);
      commands_.push_back(rc);
      n = commands_.size();
      r = has_default_ ? default_ : ScriptedResult{127, "", "testkit: no scripted result for: " + rc.text() + "\n"};
      for (const Rule& rule : rules_)
        if (rule.host == rc.host && rule.match(rc)) {
          r = rule.result;
          break;
        }
    }
    if (cancel_after_ && n >= cancel_after_) cancel();
    return r;
  }

  // Sleeps for `d` unless cancelled first; true when cancelled.
  bool wait_cancellable(std::chrono::milliseconds d) const {
    auto end = std::chrono::steady_clock::now() + d;
    while (!cancelled_ && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return cancelled_;
  }

  static void fill(pcs_command_result* out, const ScriptedResult& r) {
    auto* owned = new std::pair<std::string, std::string>(r.out, r.err);
    out->exit_code = r.signal ? -1 : r.exit_code;
    out->signal = r.signal;
    out->stdout_data = owned->first.data();
    out->stdout_size = owned->first.size();
    out->stderr_data = owned->second.data();
    out->stderr_size = owned->second.size();
    out->error = r.status == PCS_OK ? nullptr : "testkit: scripted failure";
    out->duration_ms = r.delay.count();
    out->host_reserved = owned;
  }

  static void c_log(const pcs_host* h, const pcs_log_record* r) {
    RecordedLog l{static_cast<Host>(r->machine), static_cast<LogLevel>(r->level), r->message ? r->message : "", {}};
    for (uint32_t i = 0; i < r->field_count; ++i) l.fields[r->fields[i].key] = r->fields[i].value;
    std::lock_guard lock(self(h).mu_);
    self(h).logs_.push_back(std::move(l));
  }
  static void c_progress(const pcs_host* h, const pcs_progress* p) {
    ProgressUpdate u;
    if (p->fields & PCS_PROGRESS_PERCENT) u.percent = p->percent;
    if (p->fields & PCS_PROGRESS_CURRENT) u.current = p->current;
    if (p->fields & PCS_PROGRESS_TOTAL) u.total = p->total;
    if (p->fields & PCS_PROGRESS_ITEM) u.item = p->item;
    if (p->fields & PCS_PROGRESS_TRACK) u.track = p->track;
    u.heartbeat = (p->fields & PCS_PROGRESS_HEARTBEAT) != 0;
    std::lock_guard lock(self(h).mu_);
    self(h).progress_.push_back(std::move(u));
  }
  static int32_t c_is_cancelled(const pcs_host* h) { return self(h).cancelled_ ? 1 : 0; }
  static void c_set_error(const pcs_host* h, const char* m) { self(h).last_error = m ? m : ""; }

  static pcs_status c_run(const pcs_host* h, const pcs_command* c, pcs_command_result* out) {
    FakeHost& me = self(h);
    fill(out, {});
    if (me.cancelled_) return PCS_ERR_CANCELLED;
    ScriptedResult r = me.dispatch(c);
    if (me.wait_cancellable(r.delay)) return PCS_ERR_CANCELLED;
    c_release_result(h, out);
    fill(out, r);
    return r.status;
  }
  static void c_release_result(const pcs_host*, pcs_command_result* r) {
    delete static_cast<std::pair<std::string, std::string>*>(r->host_reserved);
    r->host_reserved = nullptr;
    r->stdout_data = r->stderr_data = nullptr;
    r->stdout_size = r->stderr_size = 0;
  }

  static pcs_status c_start_process(const pcs_host* h, const pcs_command* c, pcs_process** p, const char** error) {
    FakeHost& me = self(h);
    if (error) *error = nullptr;
    if (me.cancelled_) return PCS_ERR_CANCELLED;
    ScriptedResult r = me.dispatch(c);
    if (r.status != PCS_OK) {
      if (error) *error = "testkit: scripted failure";
      return r.status;
    }
    auto* fp = new FakeProcess{{}, r, {}, false};
    auto split = [&](const std::string& text, int stream) {
      std::size_t start = 0;
      while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        fp->pending.push_back({stream, text.substr(start, nl - start)});
        start = nl + 1;
      }
    };
    split(r.out, PCS_STREAM_STDOUT);
    split(r.err, PCS_STREAM_STDERR);
    *p = reinterpret_cast<pcs_process*>(fp);
    return PCS_OK;
  }
  static pcs_status c_process_read(const pcs_host* h, pcs_process* p, int32_t, int64_t, pcs_output_chunk* chunk) {
    auto* fp = reinterpret_cast<FakeProcess*>(p);
    if (self(h).cancelled_) return PCS_ERR_CANCELLED;
    if (fp->terminated || fp->pending.empty()) return PCS_END_OF_STREAM;
    Output o = std::move(fp->pending.front());
    fp->pending.pop_front();
    fp->buffer = std::move(o.data);
    chunk->stream = o.stream;
    chunk->data = fp->buffer.data();
    chunk->size = fp->buffer.size();
    return PCS_OK;
  }
  static pcs_status c_process_wait(const pcs_host* h, pcs_process* p, int64_t, pcs_command_result* out) {
    auto* fp = reinterpret_cast<FakeProcess*>(p);
    fill(out, {});
    if (self(h).wait_cancellable(fp->result.delay)) return PCS_ERR_CANCELLED;
    c_release_result(h, out);
    ScriptedResult r = fp->result;
    if (fp->terminated) r.signal = 15;
    fill(out, r);
    return PCS_OK;
  }
  static pcs_status c_process_terminate(const pcs_host*, pcs_process* p, int64_t) {
    reinterpret_cast<FakeProcess*>(p)->terminated = true;
    return PCS_OK;
  }
  static void c_release_process(const pcs_host*, pcs_process* p) { delete reinterpret_cast<FakeProcess*>(p); }

  static pcs_status transfer(const pcs_host* h, pcs_file_transfer* t, bool send) {
    FakeHost& me = self(h);
    t->error = nullptr;
    if (me.cancelled_) return PCS_ERR_CANCELLED;
    std::lock_guard lock(me.mu_);
    me.transfers_.push_back({send, t->source_path, t->target_path});
    return PCS_OK;
  }
  static pcs_status c_send_file(const pcs_host* h, pcs_file_transfer* t) { return transfer(h, t, true); }
  static pcs_status c_get_file(const pcs_host* h, pcs_file_transfer* t) { return transfer(h, t, false); }

  static pcs_status c_pipe(const pcs_host* h, const pcs_command* producer, const pcs_command* consumer,
                           pcs_bytes_callback on_bytes, void* user, uint64_t* bytes, pcs_command_result* pr,
                           pcs_command_result* cr) {
    FakeHost& me = self(h);
    fill(pr, {});
    fill(cr, {});
    *bytes = 0;
    if (me.cancelled_) return PCS_ERR_CANCELLED;
    ScriptedResult p = me.dispatch(producer);
    ScriptedResult c = me.dispatch(consumer);
    if (me.wait_cancellable(p.delay)) return PCS_ERR_CANCELLED;
    *bytes = p.out.size();
    if (on_bytes) on_bytes(user, *bytes);
    c_release_result(h, pr);
    c_release_result(h, cr);
    p.out.clear();
    fill(pr, p);
    fill(cr, c);
    return p.status != PCS_OK ? p.status : c.status;
  }

  static pcs_status c_ask(const pcs_host* h, const pcs_question* q, int32_t* choice) {
    FakeHost& me = self(h);
    if (me.cancelled_) return PCS_ERR_CANCELLED;
    std::lock_guard lock(me.mu_);
    std::vector<std::string> asked{q && q->text ? q->text : ""};
    for (auto c = q ? q->choices : nullptr; c != nullptr && *c != nullptr; ++c) asked.emplace_back(*c);
    me.questions_.push_back(std::move(asked));
    if (me.answers_.empty()) return PCS_ERR_UNSUPPORTED;
    *choice = me.answers_.front();
    me.answers_.pop_front();
    return PCS_OK;
  }

  static const char* c_sync_option(const pcs_host* h, const char* name) {
    const auto& options = self(h).sync_options_;
    const auto it = name ? options.find(name) : options.end();
    return it == options.end() ? nullptr : it->second.c_str();
  }
  static const void* c_get_extension(const pcs_host*, const char* id) {
    static const pcs_host_ext_sync_options sync_options{sizeof(pcs_host_ext_sync_options), &c_sync_option};
    return id != nullptr && std::string_view(id) == PCS_HOST_EXT_SYNC_OPTIONS ? &sync_options : nullptr;
  }

  pcs_host host_{};
  pcs_session_info session_{};
  std::map<std::string, std::string> sync_options_;
  std::vector<std::vector<std::string>> questions_;
  mutable std::mutex mu_;
  std::vector<Rule> rules_ = {};
  ScriptedResult default_;
  bool has_default_ = false;
  std::size_t cancel_after_ = 0;
  std::atomic<bool> cancelled_{false};
  std::deque<int> answers_;
  std::vector<RecordedCommand> commands_ = {};
  std::vector<RecordedLog> logs_ = {};
  std::vector<ProgressUpdate> progress_ = {};
  std::vector<RecordedTransfer> transfers_ = {};
  std::mutex attach_mu_;  // guards plugin_ and instance_
  const pcs_plugin* plugin_ = nullptr;
  void* instance_ = nullptr;
};

// What a validate/execute run returned.
struct Outcome {
  pcs_status status = PCS_ERR_INTERNAL;
  std::string message = {};                  // the job's set_error text
  std::vector<ValidationError> errors = {};  // validate() only
  bool ok() const { return status == PCS_OK; }
};

namespace detail {
template <typename F>
Outcome with_instance(const pcs_plugin* plugin, FakeHost& host, const std::string& config_json, F&& call) {
  Outcome out;
  void* instance = nullptr;
  host.last_error.clear();
  out.status = plugin->create(host.c_host(), config_json.c_str(), &instance);
  if (out.status != PCS_OK) {
    out.message = host.last_error;
    return out;
  }
  host.attach(plugin, instance);
  out.status = call(instance, out);
  out.message = host.last_error;
  host.attach(plugin, nullptr);
  plugin->destroy(instance);
  return out;
}
}  // namespace detail

inline Outcome validate(const pcs_plugin* plugin, FakeHost& host, const std::string& config_json = "{}") {
  return detail::with_instance(plugin, host, config_json, [&](void* instance, Outcome& out) {
    pcs_validation_sink sink{
        sizeof(pcs_validation_sink), &out.errors, [](void* data, pcs_machine m, const char* msg) {
          static_cast<std::vector<ValidationError>*>(data)->push_back({static_cast<Host>(m), msg ? msg : ""});
        }};
    return plugin->validate(instance, &sink);
  });
}

inline Outcome execute(const pcs_plugin* plugin, FakeHost& host, const std::string& config_json = "{}") {
  return detail::with_instance(plugin, host, config_json,
                               [&](void* instance, Outcome&) { return plugin->execute(instance); });
}

// Runs execute and then, as the host does once the sync jobs are over, the
// "pcs.ext.after_sync/1" extension (ext/after_sync.h) on the same instance.
// The second outcome is PCS_ERR_UNSUPPORTED when the plugin does not offer it,
// and not run (left default) when execute did not return PCS_OK.
inline std::pair<Outcome, Outcome> execute_then_after_sync(const pcs_plugin* plugin, FakeHost& host,
                                                           const std::string& config_json = "{}",
                                                           bool sync_succeeded = true) {
  Outcome after;
  Outcome first = detail::with_instance(plugin, host, config_json, [&](void* instance, Outcome&) {
    const pcs_status s = plugin->execute(instance);
    if (s != PCS_OK) return s;
    const auto* ext = plugin->get_extension
                          ? static_cast<const pcs_ext_after_sync*>(plugin->get_extension(PCS_EXT_AFTER_SYNC))
                          : nullptr;
    host.last_error.clear();
    after.status =
        ext ? ext->after_sync(instance, sync_succeeded ? PCS_SYNC_SUCCEEDED : PCS_SYNC_FAILED) : PCS_ERR_UNSUPPORTED;
    after.message = host.last_error;
    return s;
  });
  return {first, after};
}

// Runs execute on a job thread and cancels it after `after`; returns the outcome
// and how long the job took to return once cancelled.
inline std::pair<Outcome, std::chrono::milliseconds> execute_and_cancel(const pcs_plugin* plugin, FakeHost& host,
                                                                        std::chrono::milliseconds after,
                                                                        const std::string& config_json = "{}") {
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(after);
    cancelled_at = std::chrono::steady_clock::now();
    host.cancel();
  });
  Outcome out = execute(plugin, host, config_json);
  auto returned = std::chrono::steady_clock::now();
  canceller.join();
  auto took = returned > cancelled_at ? returned - cancelled_at : std::chrono::steady_clock::duration{};
  return {out, std::chrono::duration_cast<std::chrono::milliseconds>(took)};
}

inline std::vector<ConfigError> validate_config(const pcs_plugin* plugin, const std::string& config_json) {
  std::vector<ConfigError> errors = {};
  if (!plugin->validate_config) return errors;
  pcs_config_error_sink sink{
      sizeof(pcs_config_error_sink), &errors, [](void* data, const char* path, const char* msg) {
        static_cast<std::vector<ConfigError>*>(data)->push_back({path ? path : "", msg ? msg : ""});
      }};
  plugin->validate_config(config_json.c_str(), &sink);
  return errors;
}

}  // namespace pcs::testkit

#endif  // PCSWITCHER_TESTKIT_HPP
