#include "dummy_job.hpp"

class DummyFail : public dummy::DummyJob<true> {
 public:
  static constexpr const char* name = "dummy_fail";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "Test job: works for a while, then fails at fail_at seconds";
  static constexpr const char* CONFIG_SCHEMA = R"({
    "type": "object",
    "properties": {
      "source_duration": {"type": "number", "minimum": 0, "default": 10,
                          "description": "Seconds of work on the source"},
      "target_duration": {"type": "number", "minimum": 0, "default": 10,
                          "description": "Seconds of work on the target"},
      "tick_seconds": {"type": "number", "exclusiveMinimum": 0, "default": 2,
                       "description": "Seconds between progress lines"},
      "fail_at": {"type": "number", "minimum": 0, "default": 12,
                  "description": "Seconds after the start at which the job fails"}
      )" DUMMY_TEST_KNOBS R"(
    },
    "additionalProperties": false
  })";

  static std::vector<pcs::ConfigError> validate_config(const pcs::Json& config) {
    double total = config.value("source_duration", 10.0) + config.value("target_duration", 10.0);
    if (config.value("fail_at", 12.0) > total + 60)
      return {{"fail_at",
               "fail_at is more than a minute past the end of the job, so it would never fail: "
               "make it at most source_duration + target_duration"}};
    return {};
  }
};

PCS_EXPORT_JOB(DummyFail)
