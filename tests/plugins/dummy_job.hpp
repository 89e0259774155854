// dummy_success and dummy_fail: the reference project's test jobs.
//
// Source phase: `source_duration` seconds on this machine (an INFO line every
// tick, a WARNING past 3 ticks). Target phase: a background loop on the target
// printing "tick N" every tick for `target_duration` seconds (INFO per line, an
// ERROR line past 4 ticks). Progress 0/25/50/75/100 %. dummy_fail throws once
// `fail_at` seconds have passed since the job started. Durations may be
// fractions of a second so tests stay fast.
//
// Knobs for session tests: `validation_errors` makes validate() report one
// problem on each machine; `validate_seconds` makes validate() run `sleep` on
// the target that long; `cleanup_seconds` is how long the job takes to clean
// up once cancelled (it must stay under the host's 5 s grace period);
// `write_path` is reported as a path the job writes to on the target, and
// with `write_text` set the job writes that text into it at its end.
// dummy_success adds `pc-switcher sync --dummy-note TEXT` (ext/sync_options.h)
// and logs "dummy-note: TEXT" when it is given.
#pragma once

#include <pcswitcher/job.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <thread>

// The test knobs' schema properties, shared by both dummy jobs' schemas
// (spliced in with a leading comma).
#define DUMMY_TEST_KNOBS                                                                         \
  ", \"validation_errors\": {\"type\": \"boolean\", \"default\": false,"                         \
  " \"description\": \"Test knob: validate() reports a problem on each machine\"},"              \
  " \"validate_seconds\": {\"type\": \"number\", \"minimum\": 0, \"default\": 0,"                \
  " \"description\": \"Test knob: seconds validate() waits on the target\"},"                    \
  " \"cleanup_seconds\": {\"type\": \"number\", \"minimum\": 0, \"maximum\": 4, \"default\": 0," \
  " \"description\": \"Test knob: seconds of cleanup once cancelled\"},"                         \
  " \"write_path\": {\"type\": \"string\", \"pattern\": \"^/\","                                 \
  " \"description\": \"Test knob: reported as a path this job writes to on the target\"},"       \
  " \"write_text\": {\"type\": \"string\","                                                      \
  " \"description\": \"Test knob: written into write_path on the target at the end\"}"

namespace dummy {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

inline std::string fmt_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

template <bool Fails>
class DummyJob : public pcs::SyncJob {
 public:
  std::vector<std::pair<pcs::Host, std::string>> write_paths(pcs::JobContext& ctx) override {
    if (!ctx.config.contains("write_path")) return {};
    return {{pcs::Host::Target, ctx.config["write_path"].as_string()}};
  }

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    const double wait = ctx.config.value("validate_seconds", 0.0);
    if (wait > 0) ctx.target.run({"sleep", fmt_seconds(wait)});
    if (!ctx.config.value("validation_errors", false)) return {};
    return {{pcs::Host::Source, "dummy problem on the source (validation_errors is set)"},
            {pcs::Host::Target, "dummy problem on the target (validation_errors is set)"}};
  }

  void execute(pcs::JobContext& ctx) override {
    const double source_s = ctx.config.value("source_duration", 20.0);
    const double target_s = ctx.config.value("target_duration", 20.0);
    const double tick = ctx.config.value("tick_seconds", 2.0);
    const double fail_at = Fails ? ctx.config.value("fail_at", 12.0) : -1.0;
    start_ = Clock::now();
    if (auto note = ctx.sync_option("dummy-note"))
      _log(ctx, pcs::Host::Source, pcs::LogLevel::Info, "dummy-note: " + *note);
    try {
      _report_progress(ctx, {.percent = 0, .item = "source phase"});
      _log(ctx, pcs::Host::Source, pcs::LogLevel::Info, "Starting source phase",
           {{"duration", source_s}, {"tick", tick}});
      source_phase(ctx, source_s, tick, fail_at);
      _report_progress(ctx, {.percent = 50, .item = "target phase"});
      target_phase(ctx, target_s, tick, fail_at);
      if (ctx.config.contains("write_path") && ctx.config.contains("write_text")) {
        pcs::RunOptions o;
        o.stdin_data = ctx.config["write_text"].as_string();
        o.mutates = "write the write_text knob's text";
        auto r = ctx.target.run({"tee", "--", ctx.config["write_path"].as_string()}, o);
        if (!r.success()) throw std::runtime_error("cannot write write_path: " + r.stderr);
      }
      _report_progress(ctx, {.percent = 100});
      _log(ctx, pcs::Host::Target, pcs::LogLevel::Info, "Dummy job finished");
    } catch (const pcs::Cancelled&) {
      _log(ctx, pcs::Host::Source, pcs::LogLevel::Warning, "Dummy job termination requested");
      std::this_thread::sleep_for(std::chrono::duration<double>(ctx.config.value("cleanup_seconds", 0.0)));
      throw;
    }
  }

 private:
  void maybe_fail(pcs::JobContext& ctx, double fail_at) {
    if (fail_at >= 0 && seconds_since(start_) >= fail_at) {
      _log(ctx, pcs::Host::Source, pcs::LogLevel::Error, "Dummy job failing as configured", {{"fail_at", fail_at}});
      throw std::runtime_error("dummy_fail: failing on purpose after " + fmt_seconds(fail_at) + " s (fail_at)");
    }
  }

  void source_phase(pcs::JobContext& ctx, double duration, double tick, double fail_at) {
    const auto begin = Clock::now();
    int ticks = 0;
    bool halfway = false;
    while (seconds_since(begin) < duration) {
      ctx.check_cancelled();
      maybe_fail(ctx, fail_at);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      if (seconds_since(begin) >= (ticks + 1) * tick) {
        ++ticks;
        _log(ctx, pcs::Host::Source, ticks > 3 ? pcs::LogLevel::Warning : pcs::LogLevel::Info,
             "Source phase: " + fmt_seconds(seconds_since(begin)) + " s elapsed", {{"tick", ticks}});
        _log(ctx, pcs::Host::Source, pcs::LogLevel::Debug, "source tick", {{"tick", ticks}});
      }
      if (!halfway && seconds_since(begin) >= duration / 2) {
        halfway = true;
        _report_progress(ctx, {.percent = 25, .item = "source phase"});
      }
    }
  }

  void target_phase(pcs::JobContext& ctx, double duration, double tick, double fail_at) {
    const int count = std::max(1, static_cast<int>(std::ceil(duration / tick)));
    // Only numbers we formatted ourselves go into this script.
    const std::string script = "i=1; while [ $i -le " + std::to_string(count) + " ]; do echo \"tick $i\"; sleep " +
                               fmt_seconds(tick) + "; i=$((i+1)); done";
    auto process = ctx.target.start({"sh", "-c", script});
    int lines = 0;
    while (auto line = process.read_line()) {
      maybe_fail(ctx, fail_at);
      ++lines;
      _log(ctx, pcs::Host::Target, lines > 4 ? pcs::LogLevel::Error : pcs::LogLevel::Info, line->data);
      _log(ctx, pcs::Host::Target, pcs::LogLevel::Full, "target output line", {{"line", lines}});
      if (lines == (count + 1) / 2) _report_progress(ctx, {.percent = 75, .current = lines, .total = count});
    }
    auto result = process.wait();
    maybe_fail(ctx, fail_at);
    if (!result.success())
      throw std::runtime_error("target loop failed with exit " + std::to_string(result.exit_code) + ": " +
                               result.stderr);
  }

  Clock::time_point start_;
};

}  // namespace dummy
