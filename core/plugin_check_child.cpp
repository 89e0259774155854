#include "plugin_check_child.hpp"

#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pcswitcher/testkit.hpp>

#include "json_schema.hpp"
#include "plugin_commands.hpp"
#include "plugin_loader.hpp"
#include "plugin_sync_options.hpp"

namespace pcs::check_child {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testkit::FakeHost;
using testkit::ScriptedResult;

class Reporter {
 public:
  explicit Reporter(int fd) : fd_(fd) {}
  void begin(const std::string& step) { write({{"begin", step}}); }
  void point(const std::string& name, bool ok, const std::string& detail) {
    write({{"name", name}, {"ok", ok}, {"detail", detail}});
  }
  [[noreturn]] void done(int status = 0) {
    write({{"done", true}});
    std::fflush(nullptr);
    ::_exit(status);
  }
  void write(const nlohmann::json& line) {
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard lock(mu_);
    for (std::size_t off = 0; off < text.size();) {
      const ssize_t n = ::write(fd_, text.data() + off, text.size() - off);
      if (n <= 0) ::_exit(4);  // the parent is gone
      off += static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::mutex mu_;
};

bool known_status(pcs_status s) { return s >= PCS_OK && s <= PCS_ERR_INVALID_ARGUMENT; }

std::string join(const std::vector<std::string>& items, const char* separator = "; ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
  return out;
}

// Every command answers at once, exit 0 and no output: enough for a job to
// walk its whole path without touching a machine.
void answer_everything(FakeHost& host, std::chrono::milliseconds delay = 0ms) {
  host.set_default(ScriptedResult{0, "", "", 0, PCS_OK, delay});
}

void check_metadata(Reporter& r, const PluginInfo& info) {
  std::vector<std::string> missing;
  if (info.version.empty()) missing.push_back("the version is empty");
  if (info.description.empty()) missing.push_back("the description is empty");
  if (info.description.find('\n') != std::string::npos) missing.push_back("the description is more than one line");
  r.point("metadata", missing.empty(),
          missing.empty() ? fmt::format("job '{}' {}, a {} job{}: {}", info.name, info.version, kind_name(info.kind),
                                        info.required ? " (required)" : "", info.description)
                          : join(missing));
}

// The defaults the schema gives, as the host would hand them to the job.
nlohmann::json check_schema(Reporter& r, const PluginInfo& info) {
  nlohmann::json defaults = nlohmann::json::object();
  apply_defaults(info.schema, defaults);
  std::vector<std::string> problems;
  if (info.schema.is_object() && info.schema.contains("type") && info.schema["type"] != "object")
    problems.push_back(fmt::format("its top-level type is {}, but a job's config section is a mapping: use \"object\"",
                                   info.schema["type"].dump()));
  for (const auto& e : validate_against(info.schema, defaults))
    problems.push_back(fmt::format("the default of '{}' breaks the schema: {}",
                                   e.path.empty() ? "(the section)" : format_path(e.path), e.message));
  r.point("schema", problems.empty(),
          problems.empty() ? fmt::format("a valid draft-07 schema; its defaults validate: {}", defaults.dump())
                           : join(problems));
  return defaults;
}

void check_validate_config(Reporter& r, const PluginInfo& info, const std::string& config) {
  if (info.table->validate_config == nullptr) {
    r.point("validate_config", true, "not implemented (optional): the schema alone checks the config");
    return;
  }
  std::vector<std::string> errors;
  for (const auto& e : testkit::validate_config(info.table, config))
    errors.push_back(fmt::format("{}: {}", e.path.empty() ? "(the section)" : e.path, e.message));
  r.point("validate_config", errors.empty(),
          errors.empty() ? "accepts the schema's defaults" : "refuses the schema's own defaults: " + join(errors));
}

void check_extensions(Reporter& r, const PluginInfo& info, const CheckSettings& settings) {
  PluginSet one;
  one.plugins.push_back(info);
  std::vector<std::string> problems = find_plugin_commands(one, settings.reserved_commands).problems;
  for (auto& p : find_sync_options(one, settings.reserved_sync_options).problems) problems.push_back(std::move(p));
  if (info.table->get_extension != nullptr && info.table->get_extension("pcs.check.no-such-extension/1") != nullptr)
    problems.push_back("get_extension returns a table for an id it cannot know: return NULL for unknown ids");
  r.point("extensions", problems.empty(),
          problems.empty() ? "commands and sync options (if any) are well-formed" : join(problems));
}

// One instance through the host's lifecycle: create, validate, execute (and
// cancel), destroy — on the same instance, as the host does.
class Lifecycle {
 public:
  Lifecycle(const PluginInfo& info, FakeHost& host, const std::string& config) : info_(info), host_(host) {
    created_ = info.table->create(host.c_host(), config.c_str(), &instance_);
    if (created_ == PCS_OK) host.attach(info.table, instance_);
  }
  ~Lifecycle() {
    host_.attach(info_.table, nullptr);
    if (created_ == PCS_OK) info_.table->destroy(instance_);
  }
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // Empty when create returned PCS_OK; otherwise why not.
  std::string create_failure() const {
    if (created_ == PCS_OK) return "";
    return fmt::format("create returned {} with the schema's defaults{}", status_symbol(created_),
                       host_.last_error.empty() ? "" : fmt::format(" (\"{}\")", host_.last_error));
  }
  pcs_status validate(std::size_t& errors) {
    errors = 0;
    pcs_validation_sink sink{sizeof(pcs_validation_sink), &errors,
                             [](void* data, pcs_machine, const char*) { ++*static_cast<std::size_t*>(data); }};
    host_.last_error.clear();
    commands_before_ = host_.commands().size();
    return info_.table->validate(instance_, &sink);
  }
  // Runs execute; when `cancel_after` is set, cancels it then (from another
  // thread, as the host does) and sets `took` to how long it ran on after that.
  pcs_status execute(std::optional<std::chrono::milliseconds> cancel_after, std::optional<Clock::duration>& took) {
    host_.last_error.clear();
    commands_before_ = host_.commands().size();
    if (!cancel_after) return info_.table->execute(instance_);
    std::mutex mu;
    std::condition_variable cv;
    bool returned = false;
    std::optional<Clock::time_point> cancelled_at;
    std::thread canceller([&] {
      std::unique_lock lock(mu);
      if (cv.wait_for(lock, *cancel_after, [&] { return returned; })) return;
      cancelled_at = Clock::now();
      lock.unlock();
      host_.cancel();
    });
    const pcs_status s = info_.table->execute(instance_);
    const auto now = Clock::now();
    {
      std::lock_guard lock(mu);
      returned = true;
      if (cancelled_at) took = now - *cancelled_at;
    }
    cv.notify_all();
    canceller.join();
    return s;
  }
  std::string said(pcs_status s) const {
    std::string text =
        fmt::format("{} after {} commands", status_symbol(s), host_.commands().size() - commands_before_);
    if (!host_.last_error.empty()) text += fmt::format(" (\"{}\")", host_.last_error);
    return text;
  }

 private:
  const PluginInfo& info_;
  FakeHost& host_;
  void* instance_ = nullptr;
  pcs_status created_ = PCS_ERR_INTERNAL;
  std::size_t commands_before_ = 0;  // of the call being reported
};

const char* const kUnknownStatus = ": return one of plugin.h's pcs_status values";

// validate, then execute, with every command answering at once. A background
// job runs until it is cancelled, so its execute is cancelled as the host does.
void check_lifecycle(Reporter& r, const PluginInfo& info, const std::string& config, const CheckSettings& s) {
  FakeHost host;
  answer_everything(host);
  Lifecycle job(info, host, config);
  if (auto failure = job.create_failure(); !failure.empty()) {
    r.point("create", false, failure);
    return;
  }
  std::size_t errors = 0;
  const pcs_status v = job.validate(errors);
  std::string detail = "returned " + job.said(v);
  if (errors) detail += fmt::format(", {} validation errors", errors);
  r.point("validate", known_status(v), known_status(v) ? detail : detail + kUnknownStatus);
  r.begin("execute");
  const bool background = info.kind == PCS_JOB_BACKGROUND;
  std::optional<Clock::duration> took;
  const pcs_status e = job.execute(background ? std::optional(s.cancel_after) : std::nullopt, took);
  detail =
      fmt::format("{}returned {}", background ? "(a background job: cancelled as the session ends) " : "", job.said(e));
  r.point("execute", known_status(e), known_status(e) ? detail : detail + kUnknownStatus);
}

// Every command "runs" for a minute unless cancelled; execute is cancelled
// shortly after it starts and must return within the limit.
void check_cancel(Reporter& r, const PluginInfo& info, const std::string& config, const CheckSettings& s) {
  FakeHost host;
  answer_everything(host);
  Lifecycle job(info, host, config);
  if (!job.create_failure().empty()) return;  // reported by check_lifecycle
  std::size_t errors = 0;
  job.validate(errors);
  answer_everything(host, 60s);
  std::mutex mu;
  std::condition_variable cv;
  bool returned = false;
  std::thread watchdog([&] {
    std::unique_lock lock(mu);
    if (cv.wait_for(lock, s.cancel_after + s.cancel_limit, [&] { return returned; })) return;
    r.point("cancel", false,
            fmt::format("execute did not return within {} ms of being cancelled ({} ms in): check "
                        "host->is_cancelled in loops and return PCS_ERR_CANCELLED when a host call does",
                        s.cancel_limit.count(), s.cancel_after.count()));
    r.done(kExitCancelIgnored);
  });
  std::optional<Clock::duration> took;
  const pcs_status e = job.execute(s.cancel_after, took);
  {
    std::lock_guard lock(mu);
    returned = true;
  }
  cv.notify_all();
  watchdog.join();
  const std::string detail =
      took
          ? fmt::format("execute returned {}, {} ms after it was cancelled", job.said(e),
                        std::chrono::duration_cast<std::chrono::milliseconds>(*took).count())
          : fmt::format("execute returned {} before it was cancelled (commands were answered after 60 s)", job.said(e));
  r.point("cancel", known_status(e), known_status(e) ? detail : detail + kUnknownStatus);
}

}  // namespace

void run(const std::filesystem::path& file, const CheckSettings& settings, int report_fd) {
  Reporter r(report_fd);
  try {
    r.begin("loads");
    PluginInfo info;
    std::string reason;
    if (!load_plugin_file(file, info, reason)) {
      r.point("loads", false, reason);
      r.done();
    }
    r.point("loads", true, fmt::format("plugin ABI {}.{}", info.abi_major, info.abi_minor));
    check_metadata(r, info);
    r.begin("schema");
    const std::string config = check_schema(r, info).dump();
    r.begin("validate_config");
    check_validate_config(r, info, config);
    r.begin("extensions");
    check_extensions(r, info, settings);
    r.begin("validate");
    check_lifecycle(r, info, config, settings);
    r.begin("cancel");
    check_cancel(r, info, config, settings);
  } catch (const std::exception& e) {
    r.point("internal", false, fmt::format("plugin check itself failed: {}", e.what()));
  }
  r.done();
}

}  // namespace pcs::check_child
