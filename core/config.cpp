#include "config.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "json_schema.hpp"
#include "log_level.hpp"
#include "yaml_document.hpp"

namespace pcs {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

class Checker {
 public:
  Checker(const YamlDocument& doc, std::string file, const PluginSet& plugins, ConfigLoad& out)
      : doc_(doc), file_(std::move(file)), plugins_(plugins), out_(out) {}

  void issue(const KeyPath& path, std::string message, bool at_key = false) {
    Mark m = doc_.mark_of(path);
    if (at_key)
      if (auto it = doc_.key_marks.find(format_path(path)); it != doc_.key_marks.end()) m = it->second;
    out_.issues.push_back({file_, m.line, m.column, format_path(path), std::move(message)});
  }

  void run() {
    for (const auto& p : doc_.problems)
      out_.issues.push_back({file_, p.mark.line, p.mark.column, format_path(p.path), p.message});
    nlohmann::json root = doc_.value.is_null() ? nlohmann::json::object() : doc_.value;
    if (!root.is_object()) {
      issue({}, fmt::format("the config must be a mapping of sections (logging, sync_jobs, job sections), found {}",
                            describe_value(root)));
      return;
    }
    check_top_level_keys(root);
    check_host_sections(root);
    check_sync_jobs(root);
    check_job_sections(root);
  }

 private:
  void check_top_level_keys(const nlohmann::json& root) {
    for (const auto& [key, _] : root.items()) {
      if (key == "logging" || key == "connection" || key == "sync_jobs" || plugins_.find(key)) continue;
      issue({key},
            fmt::format("unknown section '{}': not logging, connection or sync_jobs, and no installed plugin provides "
                        "a job of "
                        "that name; installed jobs: {}",
                        key, join(plugins_.names())),
            true);
    }
  }

  void check_host_sections(nlohmann::json& root) {
    nlohmann::json host_part = nlohmann::json::object();
    for (const char* key : {"logging", "connection", "sync_jobs"})
      if (root.contains(key)) host_part[key] = root[key];
    apply_defaults(host_config_schema(), host_part);
    for (const auto& e : validate_against(host_config_schema(), host_part))
      issue(e.path, e.message, e.message.rfind("unknown key", 0) == 0);
    if (const auto& c = host_part["connection"]; c.is_object()) {
      if (c.contains("keepalive_interval") && c["keepalive_interval"].is_number_integer())
        out_.config.keepalive_interval = std::chrono::seconds(c["keepalive_interval"].get<int>());
      if (c.contains("keepalive_count") && c["keepalive_count"].is_number_integer())
        out_.config.keepalive_count = c["keepalive_count"].get<int>();
    }
    const auto& logging = host_part["logging"];
    if (!logging.is_object()) return;
    if (logging.contains("file") && logging["file"].is_string())
      out_.config.file_floor = parse_log_level(logging["file"].get<std::string>()).value_or(PCS_LOG_DEBUG);
    if (logging.contains("tui") && logging["tui"].is_string())
      out_.config.tui_floor = parse_log_level(logging["tui"].get<std::string>()).value_or(PCS_LOG_INFO);
    if (logging.contains("keep_logs") && logging["keep_logs"].is_number_integer())
      out_.config.keep_logs = logging["keep_logs"].get<int>();
  }

  void check_sync_jobs(const nlohmann::json& root) {
    if (!root.contains("sync_jobs") || !root["sync_jobs"].is_object()) return;
    const auto& jobs = root["sync_jobs"];
    auto order = doc_.key_order.find("sync_jobs");
    if (order == doc_.key_order.end()) return;
    for (const std::string& name : order->second) {
      const PluginInfo* plugin = plugins_.find(name);
      if (plugin == nullptr) {
        issue({"sync_jobs", name},
              fmt::format("no installed plugin provides job '{}'; installed jobs: {}", name, join(plugins_.names())),
              true);
        continue;
      }
      if (!jobs[name].is_boolean()) continue;  // reported by the schema check
      bool enabled = jobs[name].get<bool>();
      if (plugin->required && !enabled) {
        issue({"sync_jobs", name},
              fmt::format("'{}' is a required {} job and always runs; it cannot be disabled: remove this line", name,
                          kind_name(plugin->kind)));
        continue;
      }
      if (!plugin->required) out_.config.sync_jobs.emplace_back(name, enabled);
    }
  }

  void check_job_sections(const nlohmann::json& root) {
    for (const PluginInfo& plugin : plugins_.plugins) {
      nlohmann::json section = root.contains(plugin.name) ? root[plugin.name] : nlohmann::json::object();
      if (section.is_null()) section = nlohmann::json::object();  // "job:" with nothing under it
      apply_defaults(plugin.schema, section);
      auto errors = validate_against(plugin.schema, section);
      for (auto& e : errors) {
        KeyPath path{plugin.name};
        path.insert(path.end(), e.path.begin(), e.path.end());
        bool unknown_key = e.message.rfind("unknown key", 0) == 0;
        issue(path, e.message, unknown_key);
      }
      if (errors.empty() && plugin.table->validate_config) semantic_checks(plugin, section);
      out_.config.job_configs[plugin.name] = std::move(section);
    }
  }

  // The plugin's own validate_config, after the schema passed.
  void semantic_checks(const PluginInfo& plugin, const nlohmann::json& section) {
    struct Sink {
      Checker* self;
      const PluginInfo* plugin;
    } data{this, &plugin};
    pcs_config_error_sink sink{sizeof(pcs_config_error_sink), &data,
                               [](void* p, const char* key_path, const char* message) {
                                 auto* d = static_cast<Sink*>(p);
                                 KeyPath path{d->plugin->name};
                                 std::string rest = key_path ? key_path : "";
                                 std::stringstream parts(rest);
                                 for (std::string seg; std::getline(parts, seg, '.');)
                                   if (!seg.empty()) path.push_back(seg);
                                 d->self->issue(path, message ? message : "invalid (the plugin gave no reason)");
                               }};
    std::string text = section.dump();
    plugin.table->validate_config(text.c_str(), &sink);
  }

  const YamlDocument& doc_;
  std::string file_;
  const PluginSet& plugins_;
  ConfigLoad& out_;
};

}  // namespace

std::string ConfigIssue::format() const {
  if (path.empty()) return fmt::format("{}:{}:{}: {}", file, line, column, message);
  return fmt::format("{}:{}:{}: {}: {}", file, line, column, path, message);
}

const nlohmann::json& host_config_schema() {
  static const nlohmann::json schema = [] {
    nlohmann::json levels = nlohmann::json::array({"DEBUG", "FULL", "INFO", "WARNING", "ERROR", "CRITICAL"});
    return nlohmann::json{
        {"type", "object"},
        {"properties",
         {{"logging",
           {{"type", "object"},
            {"description", "Log floors and retention"},
            {"default", nlohmann::json::object()},
            {"properties",
             {{"file",
               {{"enum", levels}, {"default", "DEBUG"}, {"description", "Lowest level written to the log file"}}},
              {"tui", {{"enum", levels}, {"default", "INFO"}, {"description", "Lowest level shown in the terminal"}}},
              {"keep_logs",
               {{"type", "integer"},
                {"minimum", 1},
                {"maximum", std::numeric_limits<int>::max()},  // Config::keep_logs is an int
                {"default", 50},
                {"description", "How many session logs to keep"}}}}},
            {"additionalProperties", false}}},
          {"connection",
           {{"type", "object"},
            {"description",
             "The SSH connection to the target: a target silent for keepalive_interval x keepalive_count seconds "
             "(a dropped link, a suspended machine) fails the session instead of hanging it"},
            {"default", nlohmann::json::object()},
            {"properties",
             {{"keepalive_interval",
               {{"type", "integer"},
                {"minimum", 1},
                {"maximum", 3600},
                {"default", 15},
                {"description", "Seconds between checks that the target still answers"}}},
              {"keepalive_count",
               {{"type", "integer"},
                {"minimum", 1},
                {"maximum", 100},
                {"default", 3},
                {"description", "Unanswered checks in a row before the connection counts as lost"}}}}},
            {"additionalProperties", false}}},
          {"sync_jobs",
           {{"type", "object"},
            {"description", "Sync jobs to run, in this order (true = enabled)"},
            {"additionalProperties", {{"type", "boolean"}}}}}}}};
  }();
  return schema;
}

ConfigLoad load_config_text(const std::string& text, const std::string& file_name, const PluginSet& plugins) {
  ConfigLoad out;
  YamlDocument doc = parse_yaml(text);
  if (!doc.problems.empty() && doc.value.is_null()) {
    for (const auto& p : doc.problems)
      out.issues.push_back({file_name, p.mark.line, p.mark.column, format_path(p.path), p.message});
    return out;
  }
  Checker(doc, file_name, plugins, out).run();
  std::stable_sort(out.issues.begin(), out.issues.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return out;
}

ConfigLoad load_config_file(const std::filesystem::path& file, const PluginSet& plugins) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    ConfigLoad out;
    std::error_code ec;
    std::string why = std::filesystem::exists(file, ec) ? "cannot be read (check its permissions)"
                                                        : "does not exist: create it with `pc-switcher init`";
    out.issues.push_back({file.string(), 1, 1, "", "config file " + why});
    return out;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return load_config_text(buffer.str(), file.string(), plugins);
}

}  // namespace pcs
