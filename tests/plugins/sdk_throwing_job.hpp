// An SDK job that throws from the entry point its config names (`throw_in`),
// and one that reads its config other than its schema declares
// (`read_count_as_text`: "count" is declared an integer). The SDK's shims must
// turn each throw into a status and a message; nothing crosses the C ABI.
// Used as the plugin mb_sdk_throws (sdk_throwing_job.cpp) and by sdk_test.
#pragma once

#include <pcswitcher/job.hpp>

#include <stdexcept>
#include <string>

namespace mb {

// Where the next instance throws when its config cannot say it: in the
// constructor (create) and the cancel hook; also for the other entry points
// when the config says "none". For the unit test, one instance at a time.
inline std::string& throw_where() {
  static std::string where;
  return where;
}

struct NotAnException {};  // thrown to check the SDK's catch (...)

inline void maybe_throw(const std::string& here, const std::string& configured) {
  if (configured != here) return;
  if (here == "describe_first_sync") throw NotAnException{};
  throw std::runtime_error("mb_sdk_throws threw on purpose in " + here);
}

class SdkThrowingJob : public pcs::SyncJob {
 public:
  static constexpr const char* name = "mb_sdk_throws";
  static constexpr const char* version = "0.1.0";
  static constexpr const char* description = "Test job that throws from the entry point its config names";
  static constexpr bool failure_isolated = true;
  static constexpr const char* CONFIG_SCHEMA = R"({
    "type": "object",
    "properties": {
      "throw_in": {"type": "string", "default": "none"},
      "count": {"type": "integer", "default": 3},
      "read_count_as_text": {"type": "boolean", "default": false}
    },
    "additionalProperties": false
  })";

  // A destructor cannot throw: ~Job() is noexcept, so a throw in destroy
  // ends the process (std::terminate) — a crash, see docs/plugin-crashes.md.
  SdkThrowingJob() { maybe_throw("create", throw_where()); }

  static std::vector<pcs::ConfigError> validate_config(const pcs::Json& config) {
    maybe_throw("validate_config", config.value("throw_in", std::string("none")));
    return {};
  }

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    maybe_throw("validate", where(ctx));
    return {};
  }

  void execute(pcs::JobContext& ctx) override {
    maybe_throw("execute", where(ctx));
    if (ctx.config.value("read_count_as_text", false))
      _log(ctx, pcs::Host::Source, pcs::LogLevel::Info, "count is " + ctx.config["count"].as_string());
  }

  void cancel() { maybe_throw("cancel", throw_where()); }

  std::vector<std::pair<pcs::Host, std::string>> write_paths(pcs::JobContext& ctx) override {
    maybe_throw("list_write_paths", where(ctx));
    return {};
  }

  std::vector<pcs::ValidationError> describe_first_sync(pcs::JobContext& ctx) {
    maybe_throw("describe_first_sync", where(ctx));
    return {};
  }

 private:
  static std::string where(pcs::JobContext& ctx) {
    const std::string configured = ctx.config.value("throw_in", std::string("none"));
    return configured == "none" ? throw_where() : configured;
  }
};

}  // namespace mb
