// disk_space_monitor: free space on every filesystem the session writes to,
// on both machines — `/` plus each path the jobs report (ext/write_paths.h).
// Preflight in validate() (so a full disk is reported with the other
// problems, before anything changes); then a check every `check_interval`
// seconds while the jobs run: below `runtime_minimum` it fails, which stops
// the session; below `warning_threshold` one WARNING per crossing.
#include <pcswitcher/job.hpp>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "disk_space.hpp"

namespace {

using disk_space::FsSpace;
using disk_space::Threshold;
using pcs::Host;
using pcs::LogLevel;

const char* host_name(Host h) { return h == Host::Source ? "source" : "target"; }

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string describe(const FsSpace& fs) {
  char pct[16];
  std::snprintf(pct, sizeof pct, "%.1f%%", fs.free_percent());
  return fs.mount_point + " has " + disk_space::human_bytes(static_cast<double>(fs.available)) + " free (" + pct +
         " of " + disk_space::human_bytes(static_cast<double>(fs.size)) + ")";
}

}  // namespace

class DiskSpaceMonitor : public pcs::BackgroundJob {
 public:
  static pcs::SudoPrograms sudo_programs() { return {}; }  // nothing as root

  static constexpr const char* name = "disk_space_monitor";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description =
      "Watches free space on both machines wherever the session writes, and stops it before a disk fills";
  static constexpr const char* CONFIG_SCHEMA = R"j({
    "type": "object",
    "properties": {
      "check_interval": {"type": "number", "minimum": 5, "maximum": 300, "default": 30,
                         "description": "Seconds between checks while the jobs run"},
      "preflight_minimum": {"type": "string", "default": "20%",
                            "description": "Free space needed to start (e.g. 20%, 50GiB, 500MB)"},
      "runtime_minimum": {"type": "string", "default": "15%",
                          "description": "Below this while running: CRITICAL, the session stops"},
      "warning_threshold": {"type": "string", "default": "25%",
                            "description": "Below this while running: one WARNING each time it is crossed"}
    },
    "additionalProperties": false
  })j";

  static std::vector<pcs::ConfigError> validate_config(const pcs::Json& config) {
    std::vector<pcs::ConfigError> errors;
    for (const char* key : {"preflight_minimum", "runtime_minimum", "warning_threshold"})
      if (config.contains(key) && !disk_space::parse_threshold(config[key].as_string()))
        errors.push_back({key, "'" + config[key].as_string() +
                                   "' is not a threshold: write a percentage (20%) or a size with its unit "
                                   "(500MB, 50GiB; B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"});
    return errors;
  }

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    std::vector<pcs::ValidationError> errors;
    const Threshold minimum = threshold(ctx, "preflight_minimum");
    for (Host h : {Host::Source, Host::Target}) {
      try {
        for (const FsSpace& fs : filesystems(ctx, h))
          if (disk_space::below(fs, minimum))
            errors.push_back({h, "not enough free space on the " + std::string(host_name(h)) + ": " + describe(fs) +
                                     ", below preflight_minimum " + minimum.text +
                                     ": free some space there, or lower disk_space_monitor.preflight_minimum"});
      } catch (const pcs::Cancelled&) {
        throw;
      } catch (const std::exception& e) {
        errors.push_back({h, e.what()});
      }
    }
    return errors;
  }

  void execute(pcs::JobContext& ctx) override {
    const Threshold critical = threshold(ctx, "runtime_minimum");
    const Threshold warning = threshold(ctx, "warning_threshold");
    const auto interval = std::chrono::duration<double>(ctx.config["check_interval"].as_double());
    std::map<std::string, bool> warned;  // "source:/home" → below the warning threshold now
    while (true) {
      for (Host h : {Host::Source, Host::Target}) {
        for (const FsSpace& fs : filesystems(ctx, h)) {
          if (disk_space::below(fs, critical)) {
            const std::string what = "the " + std::string(host_name(h)) + " is running out of space: " + describe(fs) +
                                     ", below runtime_minimum " + critical.text;
            _log(ctx, h, LogLevel::Critical, what);
            throw std::runtime_error(what + "; the session was stopped");
          }
          bool& was_below = warned[std::string(host_name(h)) + ":" + fs.mount_point];
          const bool is_below = disk_space::below(fs, warning);
          if (is_below && !was_below)
            _log(ctx, h, LogLevel::Warning, "Free space is getting low: " + describe(fs) + ", below " + warning.text);
          was_below = is_below;
        }
      }
      const auto next = std::chrono::steady_clock::now() + interval;
      while (std::chrono::steady_clock::now() < next) {
        ctx.check_cancelled();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }

 private:
  static Threshold threshold(pcs::JobContext& ctx, const char* key) {
    auto t = disk_space::parse_threshold(ctx.config[key].as_string());
    if (!t) throw std::runtime_error(std::string("disk_space_monitor.") + key + " is not a threshold");
    return *t;
  }

  // The filesystems of `/` and of each path the jobs write to on `h`, once each.
  static std::vector<FsSpace> filesystems(pcs::JobContext& ctx, Host h) {
    std::vector<std::string> paths{"/"};
    for (const auto& [host, path] : ctx.write_paths())
      if (host == h) paths.push_back(path);
    std::vector<FsSpace> out;
    const pcs::Executor& exec = h == Host::Source ? ctx.source : ctx.target;
    for (std::string path : paths) {
      // A path that does not exist yet is on the filesystem of its nearest existing parent.
      for (int depth = 0; depth < 64; ++depth) {
        auto r = exec.run({"df", "--output=target,size,avail", "-B1", "--", path});
        if (r.success()) {
          for (const FsSpace& fs : disk_space::parse_df(r.stdout)) {
            bool seen = false;
            for (const FsSpace& o : out) seen = seen || o.mount_point == fs.mount_point;
            if (!seen) out.push_back(fs);
          }
          break;
        }
        if (path == "/")
          throw std::runtime_error("cannot read the free space on the " + std::string(host_name(h)) +
                                   " (`df` failed: " + r.stderr + "): is coreutils' df installed there?");
        path = parent_of(path);
      }
    }
    return out;
  }
};

PCS_EXPORT_JOB(DiskSpaceMonitor)
