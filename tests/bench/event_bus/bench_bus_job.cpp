// The event bus benchmark's job: a fixed hash loop of 1,000,000 steps, each
// followed (when `emit` is set) by one _report_progress call, and every 10th
// by one _log call with two extras. `work` is the hash rounds per step.
#include <pcswitcher/job.hpp>

#include <cstdint>

namespace {

class BenchBusJob : public pcs::SyncJob {
 public:
  static constexpr int kSteps = 1'000'000;
  static constexpr int kLogEvery = 10;
  static constexpr const char* name = "bench_bus";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "Event bus benchmark job: hashes while reporting progress";
  static constexpr const char* CONFIG_SCHEMA = R"({
    "type": "object",
    "properties": {
      "emit": {"type": "boolean", "default": true, "description": "Report progress and log"},
      "work": {"type": "integer", "minimum": 0, "default": 1000, "description": "Hash rounds per step"}
    },
    "additionalProperties": false
  })";

  void execute(pcs::JobContext& ctx) override {
    static const char* const tracks[] = {"home", "etc", "opt", "srv"};
    const bool emit = ctx.config.value("emit", true);
    const int work = ctx.config.value("work", 1000);
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < kSteps; ++i) {
      for (int k = 0; k < work; ++k) h = (h ^ static_cast<std::uint64_t>(k)) * 0x100000001b3ULL;
      if (!emit) continue;
      if (i % kLogEvery == 0) {
        _report_progress(ctx, {.current = i, .total = kSteps, .item = "file.txt", .track = tracks[i & 3]});
        _log(ctx, pcs::Host::Source, (i / kLogEvery) % 2 ? pcs::LogLevel::Full : pcs::LogLevel::Info, "copied file",
             {{"index", i}, {"path", "/home/user/documents/file.txt"}});
      } else {
        _report_progress(ctx, {.current = i, .total = kSteps, .track = tracks[i & 3]});
      }
    }
    // The result, so that the loop is not optimised away (and is the same both ways).
    if (h == 42) _log(ctx, pcs::Host::Source, pcs::LogLevel::Debug, "unlikely hash");
  }
};

}  // namespace

PCS_EXPORT_JOB(BenchBusJob)
