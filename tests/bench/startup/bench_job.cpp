// The job of every startup-benchmark plugin: an ordinary C++ SDK sync job with a
// small config schema, like a real plugin. It is compiled once and linked into
// all 50 plugins; each plugin's generated bench_NN.c supplies only the job name.
#include <pcswitcher/job.hpp>

#include <string>

// Defined by the plugin's generated bench_NN.c (hidden: only pcs_plugin_entry
// leaves the library).
extern "C" __attribute__((visibility("hidden"))) const char pcs_bench_job_name[];

namespace {

class BenchJob : public pcs::SyncJob {
 public:
  // The address of an array with static storage is a constant expression, so
  // the name can come from another object file of the same plugin.
  static constexpr const char* name = pcs_bench_job_name;
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "Startup benchmark job: a plugin that only needs to load";
  static constexpr const char* CONFIG_SCHEMA = R"({
    "type": "object",
    "properties": {
      "paths": {"type": "array", "items": {"type": "string"}, "default": ["~/.config"],
                "description": "Paths to sync"},
      "exclude": {"type": "array", "items": {"type": "string"}, "default": [],
                  "description": "Glob patterns to leave out"},
      "delete_extra": {"type": "boolean", "default": false,
                       "description": "Delete files on the target that the source lacks"},
      "max_size_mb": {"type": "integer", "minimum": 0, "default": 1024,
                      "description": "Skip files larger than this many MiB"}
    },
    "additionalProperties": false
  })";

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    std::vector<pcs::ValidationError> errors;
    if (!ctx.source.run({"true"}).success())
      errors.push_back({pcs::Host::Source, std::string(name) + ": the source cannot run commands"});
    return errors;
  }

  void execute(pcs::JobContext& ctx) override {
    _report_progress(ctx, {.percent = 0, .item = "start"});
    _log(ctx, pcs::Host::Source, pcs::LogLevel::Info, "Benchmark job ran",
         {{"paths", ctx.config["paths"]},
          {"delete_extra", ctx.config.value("delete_extra", false)},
          {"max_size_mb", ctx.config.value("max_size_mb", 1024)}});
    _report_progress(ctx, {.percent = 100});
  }
};

}  // namespace

PCS_EXPORT_JOB(BenchJob)
