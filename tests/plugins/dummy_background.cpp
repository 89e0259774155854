// A background test job for session tests: while sync jobs run it keeps a
// `sleep` process running on the target (so tests can see that cleanup ends
// remote processes), fails after `fail_after` seconds when that is set, and
// takes `stop_seconds` to clean up once cancelled. It is required (as every
// background job), so it lives in a directory of its own
// (build/test-plugins-background) that only the tests that want it add.
#include <pcswitcher/job.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

class DummyBackground : public pcs::BackgroundJob {
 public:
  static constexpr const char* name = "dummy_background";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "Test background job: watches beside the sync jobs, may fail";
  static constexpr const char* CONFIG_SCHEMA = R"({
    "type": "object",
    "properties": {
      "fail_after": {"type": "number", "default": -1,
                     "description": "Seconds after which it fails; negative: never"},
      "stop_seconds": {"type": "number", "minimum": 0, "maximum": 4, "default": 0,
                       "description": "Seconds it takes to clean up once cancelled"}
    },
    "additionalProperties": false
  })";

  void execute(pcs::JobContext& ctx) override {
    const double fail_after = ctx.config.value("fail_after", -1.0);
    const auto begin = std::chrono::steady_clock::now();
    auto watcher = ctx.target.start({"sleep", "1000"});
    try {
      while (true) {
        ctx.check_cancelled();
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        if (fail_after >= 0 && elapsed >= fail_after) {
          _log(ctx, pcs::Host::Target, pcs::LogLevel::Critical, "dummy_background failing as configured");
          throw std::runtime_error("dummy_background: failing on purpose (fail_after)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    } catch (const pcs::Cancelled&) {
      std::this_thread::sleep_for(std::chrono::duration<double>(ctx.config.value("stop_seconds", 0.0)));
      throw;
    }
  }
};

PCS_EXPORT_JOB(DummyBackground)
