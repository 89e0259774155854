// install_on_target: the target runs the same pc-switcher as the source, with
// the session's plugins at the same versions, so that the person can sync
// back from it. When it is missing or older there, this machine's own build
// (the running executable and the plugin files the host reports through
// ext/installation.h) goes over the session's connection into a user prefix:
//
//   ~/.local/bin/pc-switcher
//   ~/.local/lib/pc-switcher/plugins/<name>.so   (pc-switcher looks beside itself)
//
// Files land in a staging directory first, the staged binary must run, then
// each file is renamed into place (binary last). Nothing is downloaded; a
// newer target or a different CPU architecture is refused in validate().
#include <pcswitcher/ext/installation.h>
#include <pcswitcher/job.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "versions.hpp"

namespace {

using install_on_target::Installed;
using pcs::Host;
using pcs::LogLevel;

std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Source {
  std::string version;
  std::string executable;
  std::vector<Installed> plugins;  // Installed.path: the .so here
  std::vector<std::string> names;
};

Source this_installation(pcs::JobContext& ctx) {
  const pcs_host* h = ctx.c_host();
  const auto* ext = static_cast<const pcs_host_ext_installation*>(
      h->get_extension ? h->get_extension(h, PCS_HOST_EXT_INSTALLATION) : nullptr);
  if (!PCS_HAS_FIELD(ext, pcs_host_ext_installation, executable))
    throw std::runtime_error("the host does not offer " PCS_HOST_EXT_INSTALLATION
                             " (an older pc-switcher?): cannot tell what to install on the target");
  Source s;
  s.version = ext->version(h);
  s.executable = ext->executable(h);
  ext->list_plugins(h, &s, [](void* data, const pcs_installed_plugin* p) {
    auto* src = static_cast<Source*>(data);
    src->plugins.push_back({p->version, "", p->path});
    src->names.push_back(p->name);
  });
  return s;
}

// What the target has: its pc-switcher (if any) and that one's plugins.
struct TargetState {
  std::optional<Installed> binary;
  std::map<std::string, Installed> plugins;
  std::string home;
  std::string arch;
};

std::optional<Installed> probe(const pcs::Executor& target, const std::vector<std::string>& argv, bool login) {
  pcs::RunOptions o;
  o.login_shell = login;
  o.timeout = std::chrono::seconds(20);
  auto r = target.run(argv, o);
  if (!r.success()) return std::nullopt;
  auto v = install_on_target::parse_version_line(r.stdout);
  if (v) v->path = argv.front();
  return v;
}

}  // namespace

class InstallOnTarget : public pcs::SystemJob {
 public:
  static pcs::SudoPrograms sudo_programs() { return {}; }  // nothing as root

  static constexpr const char* name = "install_on_target";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description =
      "Brings the target to this machine's pc-switcher version and plugins, pushing this build over the connection";
  static constexpr const char* CONFIG_SCHEMA =
      R"j({"type": "object", "properties": {}, "additionalProperties": false})j";

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    std::vector<pcs::ValidationError> errors;
    source_ = this_installation(ctx);
    state_ = read_target(ctx);
    const std::string here_arch = trimmed(ctx.source.run({"uname", "-m"}).stdout);
    const std::string target = "the target (" + ctx.target_hostname + ")";
    if (state_.binary && install_on_target::compare_versions(state_.binary->version, source_.version) > 0)
      errors.push_back({Host::Target, target + " runs pc-switcher " + state_.binary->version + " (" +
                                          state_.binary->path + "), newer than this machine's " + source_.version +
                                          ": update pc-switcher here first (it never downgrades a machine)"});
    for (std::size_t i = 0; i < source_.names.size(); ++i) {
      auto it = state_.plugins.find(source_.names[i]);
      if (it != state_.plugins.end() &&
          install_on_target::compare_versions(it->second.version, source_.plugins[i].version) > 0)
        errors.push_back({Host::Target, target + " has plugin " + source_.names[i] + " " + it->second.version + " (" +
                                            it->second.path + "), newer than this machine's " +
                                            source_.plugins[i].version + ": update it here first"});
    }
    if (!plan(ctx).empty() && state_.arch != here_arch)
      errors.push_back({Host::Target, target + " is " + state_.arch + " and this machine " + here_arch +
                                          ": this build cannot run there; install pc-switcher " + source_.version +
                                          " on the target from a package for " + state_.arch});
    return errors;
  }

  void execute(pcs::JobContext& ctx) override {
    if (source_.executable.empty()) {  // validate() did not run on this instance
      source_ = this_installation(ctx);
      state_ = read_target(ctx);
    }
    const auto todo = plan(ctx);
    if (todo.empty()) {
      _log(ctx, Host::Target, LogLevel::Info,
           "The target runs pc-switcher " + source_.version + " with this session's plugins: nothing to install");
      return;
    }
    std::string what;
    for (const auto& t : todo) what += (what.empty() ? "" : ", ") + t.second;
    if (ctx.dry_run) {
      _log(ctx, Host::Target, LogLevel::Info, "Dry run: would install into ~/.local on the target: " + what);
      return;
    }
    const std::string staging = state_.home + "/.local/lib/pc-switcher/.incoming-" + ctx.session_id;
    const std::string bin_dir = state_.home + "/.local/bin",
                      plugin_dir = state_.home + "/.local/lib/pc-switcher/plugins";
    must(ctx, {"mkdir", "-p", "-m", "0755", "--", staging, bin_dir, plugin_dir}, "create " + staging);
    try {
      push_and_switch(ctx, todo, staging, bin_dir, plugin_dir);
    } catch (...) {
      ctx.target.run({"rm", "-rf", "--", staging}, {.mutates = "remove " + staging});
      throw;
    }
    ctx.target.run({"rmdir", "--", staging}, {.mutates = "remove " + staging});
    verify(ctx, bin_dir + "/pc-switcher");
    _log(ctx, Host::Target, LogLevel::Info, "Installed into ~/.local on the target and checked: " + what);
  }

 private:
  // (local file, what) for each file to push; the binary is the one with an empty name.
  std::vector<std::pair<std::string, std::string>> plan(pcs::JobContext&) const {
    std::vector<std::pair<std::string, std::string>> out;
    if (!state_.binary || state_.binary->version != source_.version)
      out.emplace_back(source_.executable, "pc-switcher " + source_.version);
    for (std::size_t i = 0; i < source_.names.size(); ++i) {
      auto it = state_.plugins.find(source_.names[i]);
      if (it == state_.plugins.end() || it->second.version != source_.plugins[i].version)
        out.emplace_back(source_.plugins[i].path, "plugin " + source_.names[i] + " " + source_.plugins[i].version);
    }
    return out;
  }

  static TargetState read_target(pcs::JobContext& ctx) {
    TargetState s;
    s.home = trimmed(ctx.target.run({"printenv", "HOME"}).stdout);
    s.arch = trimmed(ctx.target.run({"uname", "-m"}).stdout);
    if (s.home.empty()) throw std::runtime_error("the target's HOME is not set");
    // The user-prefix copy first: it is the one this job maintains.
    s.binary = probe(ctx.target, {s.home + "/.local/bin/pc-switcher", "--version"}, false);
    if (!s.binary) s.binary = probe(ctx.target, {"pc-switcher", "--version"}, true);
    if (s.binary) {
      pcs::RunOptions o;
      o.login_shell = s.binary->path == "pc-switcher";
      o.timeout = std::chrono::seconds(20);
      auto r = ctx.target.run({s.binary->path, "plugins", "--json"}, o);
      if (r.success()) s.plugins = install_on_target::parse_plugin_list(r.stdout);
    }
    return s;
  }

  static void must(pcs::JobContext& ctx, const std::vector<std::string>& argv, const std::string& what) {
    pcs::RunOptions o;
    o.mutates = what;
    auto r = ctx.target.run(argv, o);
    if (!r.success()) throw std::runtime_error("cannot " + what + " on the target: " + first_line(r.stderr));
  }

  void push_and_switch(pcs::JobContext& ctx, const std::vector<std::pair<std::string, std::string>>& todo,
                       const std::string& staging, const std::string& bin_dir, const std::string& plugin_dir) {
    std::vector<std::pair<std::string, std::string>> moves;  // staged → final
    bool binary = false;
    int done = 0;
    for (const auto& [local, what] : todo) {
      ctx.check_cancelled();
      _report_progress(ctx, {.current = done++, .total = static_cast<int>(todo.size()), .item = what});
      const bool is_binary = local == source_.executable;
      const std::string file = is_binary ? "pc-switcher" : local.substr(local.rfind('/') + 1);
      ctx.target.send_file(local, staging + "/" + file, PCS_TRANSFER_KEEP_MODE, "push " + what);
      if (is_binary)
        binary = true;
      else
        moves.emplace_back(staging + "/" + file, plugin_dir + "/" + file);
    }
    if (binary) {
      // The staged binary must run before anything is switched.
      auto r = ctx.target.run({staging + "/pc-switcher", "--version"});
      if (!r.success() || !install_on_target::parse_version_line(r.stdout)) {
        auto ldd = ctx.target.run({"ldd", staging + "/pc-switcher"});
        std::string missing;
        for (std::size_t at = 0; (at = ldd.stdout.find("=> not found", at)) != std::string::npos; ++at) {
          const auto line_start = ldd.stdout.rfind('\n', at);
          missing += " " + trimmed(ldd.stdout.substr(line_start == std::string::npos ? 0 : line_start + 1,
                                                     at - (line_start == std::string::npos ? 0 : line_start + 1)));
        }
        throw std::runtime_error(
            "this build of pc-switcher does not run on the target (" + first_line(r.stderr) + ")" +
            (missing.empty() ? std::string() : "; missing shared libraries:" + missing + " — install them there") +
            "; nothing was changed");
      }
      moves.emplace_back(staging + "/pc-switcher", bin_dir + "/pc-switcher");  // last
    }
    for (const auto& [from, to] : moves) must(ctx, {"mv", "-f", "-T", "--", from, to}, "move " + from + " to " + to);
  }

  void verify(pcs::JobContext& ctx, const std::string& binary) {
    auto v = probe(ctx.target, {binary, "--version"}, false);
    if (!v || v->version != source_.version)
      throw std::runtime_error("after installing, " + binary + " on the target does not report version " +
                               source_.version);
    auto r = ctx.target.run({binary, "plugins", "--json"});
    const auto plugins = install_on_target::parse_plugin_list(r.success() ? r.stdout : "{}");
    std::string wrong;
    for (std::size_t i = 0; i < source_.names.size(); ++i) {
      auto it = plugins.find(source_.names[i]);
      if (it == plugins.end() || it->second.version != source_.plugins[i].version)
        wrong += " " + source_.names[i] + (it == plugins.end() ? " (missing)" : " (" + it->second.version + ")");
    }
    if (!wrong.empty())
      throw std::runtime_error(
          "after installing, the target's pc-switcher does not load these plugins at this "
          "machine's versions:" +
          wrong + " (another copy earlier in its plugin path?)");
  }

  Source source_;
  TargetState state_;
};

PCS_EXPORT_JOB(InstallOnTarget)
