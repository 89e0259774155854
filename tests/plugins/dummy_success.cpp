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
                       "description": "Seconds between progress lines"}
      )" DUMMY_TEST_KNOBS R"(
    },
    "additionalProperties": false
  })";

  static std::span<const pcs_command_option> sync_options() {
    static const pcs_command_option options[] = {
        {"dummy-note", "TEXT", "log TEXT when the job starts (tests the sync options extension)"}};
    return options;
  }
};

PCS_EXPORT_JOB(DummySuccess)
