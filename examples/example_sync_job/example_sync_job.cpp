// The job contract's ExampleSyncJob, written as a third-party plugin with the SDK.
#include <pcswitcher/job.hpp>

class ExampleSyncJob : public pcs::SyncJob {
 public:
  static constexpr const char* name = "example";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "Example sync job demonstrating the interface contract";
  static constexpr const char* CONFIG_SCHEMA = R"({
    "type": "object",
    "properties": {
      "items_to_sync": {"type": "array", "items": {"type": "string"}, "default": []}
    },
    "additionalProperties": false
  })";

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    std::vector<pcs::ValidationError> errors;
    if (!ctx.source.run({"test", "-d", "/data/example"}).success())
      errors.push_back({pcs::Host::Source, "/data/example directory not found on source: create it"});
    if (!ctx.target.run({"test", "-d", "/data/example"}).success())
      errors.push_back({pcs::Host::Target, "/data/example directory not found on target: create it"});
    return errors;
  }

  void execute(pcs::JobContext& ctx) override {
    const auto& items = ctx.config["items_to_sync"].as_array();
    const auto total = static_cast<std::int64_t>(items.size());
    _log(ctx, pcs::Host::Source, pcs::LogLevel::Info, "Syncing " + std::to_string(total) + " items");
    try {
      for (std::int64_t i = 0; i < total; ++i) {
        const std::string& item = items[i].as_string();
        _report_progress(ctx, {.percent = int(i * 100 / total), .current = i, .total = total, .item = item});
        _log(ctx, pcs::Host::Target, pcs::LogLevel::Full, "Syncing item", {{"item", item}});
        auto result = ctx.target.run({"sync-item", item});
        if (!result.success()) throw std::runtime_error("Failed to sync " + item + ": " + result.stderr);
      }
      _report_progress(ctx, {.percent = 100});
      _log(ctx, pcs::Host::Target, pcs::LogLevel::Info, "Synced " + std::to_string(total) + " items successfully");
    } catch (const pcs::Cancelled&) {
      _log(ctx, pcs::Host::Source, pcs::LogLevel::Warning, "Sync cancelled, cleaning up");
      throw;
    }
  }
};

PCS_EXPORT_JOB(ExampleSyncJob)
