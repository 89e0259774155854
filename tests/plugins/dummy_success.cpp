#include "dummy_job.hpp"

class DummySuccess : public dummy::DummyJob<false> {
 public:
  static constexpr const char* name = "dummy_success";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "Test job: works on both machines for a while, then succeeds";
  static constexpr const char* CONFIG_SCHEMA = R"({
    "type": "object",
    "properties": {
      "source_duration": {"type": "number", "minimum": 0, "default": 20,
                          "description": "Seconds of work on the source"},
      "target_duration": {"type": "number", "minimum": 0, "default": 20,
                          "description": "Seconds of work on the target"},
      "tick_seconds": {"type": "number", "exclusiveMinimum": 0, "default": 2,
                       "description": "Seconds between progress lines"},
      "validation_errors": {"type": "boolean", "default": false,
                            "description": "Test knob: validate() reports a problem on each machine"},
      "validate_seconds": {"type": "number", "minimum": 0, "default": 0,
                           "description": "Test knob: seconds validate() waits on the target"},
      "cleanup_seconds": {"type": "number", "minimum": 0, "maximum": 4, "default": 0,
                          "description": "Test knob: seconds of cleanup once cancelled"},
      "write_path": {"type": "string", "pattern": "^/",
                     "description": "Test knob: reported as a path this job writes to on the target"}
    },
    "additionalProperties": false
  })";
};

PCS_EXPORT_JOB(DummySuccess)
