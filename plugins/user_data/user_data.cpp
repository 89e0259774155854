// user_data: mirrors the configured folders (default /home and /root) to the
// same paths on the target with rsync, through the session's own SSH
// connection (ext/remote_shell.h): archive mode, ACLs, xattrs, hard links,
// sparse files, numeric ids, --delete. Every argument is argv-form and the
// folder paths travel inside rsync's protocol (--protect-args), so no name is
// ever read by a shell.
#include <pcswitcher/ext/remote_shell.h>
#include <pcswitcher/job.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "default_filters.hpp"
#include "folder_state.hpp"
#include "rsync_output.hpp"

namespace {

using pcs::Host;
using pcs::LogLevel;

// pc-switcher's own state and per-machine decisions: never synced, and
// first in the filter list so that no later rule can include them again.
const std::vector<std::string> kFixedExcludes = {
    "- **/.local/share/pc-switcher/",
    "- **/.config/pc-switcher/*.decisions.yaml",
};

// default_excludes: secrets that must stay per machine, and caches.
const std::vector<std::string> kDefaultExcludes = {
    "- .ssh/id_*",          "- .ssh/known_hosts", "- .ssh/known_hosts.old", "- .ssh/authorized_keys",
    "- .config/tailscale/", "+ .cache/pip/***",   "+ .cache/uv/***",        "- .cache/*",
};

// One word of rsync's -e value: rsync splits it itself (no shell), and in its
// single quotes a quote is written twice.
std::string quote_word(const std::string& w) {
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string first_line(const std::string& text) {
  const auto nl = text.find('\n');
  return nl == std::string::npos ? text : text.substr(0, nl);
}

std::string mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

struct Folder {
  std::string path;  // no trailing '/'
  std::string filter_file;
  bool sudo = true;
};

struct PassResult {
  int exit_code = 0;
  std::uint64_t transferred = 0, deletions = 0, bytes = 0;
  std::optional<std::uint64_t> skipped_deletions;
  std::string stderr_text;
};

}  // namespace

class UserData : public pcs::SyncJob {
 public:
  // Folders outside the home: rsync and find as root on the source; on the
  // target rsync (--rsync-path=sudo -n rsync) and sh (the file count).
  static pcs::SudoPrograms sudo_programs() { return {{"rsync", "find"}, {"rsync", "sh"}, {}}; }

  static constexpr const char* name = "user_data";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description =
      "Mirrors the user's folders (default /home and /root) to the target with rsync, through the session's connection";
  static constexpr const char* CONFIG_SCHEMA = R"j({
    "type": "object",
    "properties": {
      "folders": {
        "type": "array",
        "default": [{"path": "/home", "filter_file": "home.filter"},
                    {"path": "/root", "filter_file": "root.filter"}],
        "description": "Folders mirrored to the same path on the target (with --delete)",
        "items": {
          "type": "object", "required": ["path"], "additionalProperties": false,
          "properties": {
            "path": {"type": "string", "pattern": "^/.", "description": "Absolute path of the folder"},
            "enabled": {"type": "boolean", "default": true},
            "filter_file": {"type": "string", "minLength": 1,
                            "description": "rsync filter rules (merge file) for this folder; a relative path is in $XDG_CONFIG_HOME/pc-switcher, where `pc-switcher init` writes home.filter and root.filter; ~/ is your home"}
          }
        }
      },
      "default_excludes": {"type": "boolean", "default": true,
                           "description": "Leave out SSH keys, known_hosts, authorized_keys and caches (but pip/uv)"},
      "max_delete": {"type": "integer", "minimum": 0,
                     "description": "Ask before deleting more files than this on the target (default: 10% of its files, at most 5000)"},
      "bandwidth_limit": {"type": "integer", "minimum": 1,
                          "description": "Send at most this many KiB per second (rsync --bwlimit), e.g. to leave a shared link usable; default: no limit"}
    },
    "additionalProperties": false
  })j";

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    std::vector<pcs::ValidationError> errors;
    for (Host h : {Host::Source, Host::Target}) {
      pcs::RunOptions root;
      root.sudo = true;
      if (!exec(ctx, h).run({"rsync", "--version"}, root).success())
        errors.push_back({h, std::string("cannot run `sudo -n rsync` on the ") + host_name(h) +
                                 ": install rsync and let this user run it as root without a password (a NOPASSWD "
                                 "rule in /etc/sudoers.d/pc-switcher, edited with `visudo -f`)"});
    }
    for (const auto& f : folders(ctx)) {
      if (!ctx.source.run({"test", "-d", f.path}).success())
        errors.push_back({Host::Source, "folder " + f.path +
                                            " does not exist on the source: create it, or set "
                                            "enabled: false for it in user_data.folders"});
      if (!f.filter_file.empty() && !ctx.source.run({"test", "-r", f.filter_file}).success())
        errors.push_back(
            {Host::Source,
             "filter_file " + f.filter_file + " (for " + f.path +
                 ") cannot be read on the source: `pc-switcher init` writes the default ones (home.filter, "
                 "root.filter) beside the config; or create it, or remove the setting"});
    }
    if (remote_shell(ctx).empty())
      errors.push_back({Host::Source, "this pc-switcher does not offer " PCS_HOST_EXT_REMOTE_SHELL
                                      ", which user_data needs to run rsync through the session: update pc-switcher"});
    return errors;
  }

  static std::span<const pcs_init_file> init_files() { return user_data::kInitFiles; }

  std::vector<pcs::ValidationError> describe_first_sync(pcs::JobContext& ctx) {
    std::vector<pcs::ValidationError> out;
    for (const auto& f : folders(ctx))
      out.push_back({Host::Target, "user_data mirrors " + f.path +
                                       " with --delete: files there that the source "
                                       "lacks are deleted, and changed ones overwritten"});
    return out;
  }

  std::vector<std::pair<Host, std::string>> write_paths(pcs::JobContext& ctx) override {
    std::vector<std::pair<Host, std::string>> out;
    for (const auto& f : folders(ctx)) out.emplace_back(Host::Target, f.path);
    return out;
  }

  void execute(pcs::JobContext& ctx) override {
    const auto list = folders(ctx);
    if (list.empty()) throw pcs::JobSkipped("no folder is enabled in user_data.folders");
    user_data::FolderState state(user_data::FolderState::default_file());
    for (const auto& f : list) {
      ctx.check_cancelled();
      sync_folder(ctx, f, state);
    }
  }

 private:
  static const pcs::Executor& exec(pcs::JobContext& ctx, Host h) { return h == Host::Source ? ctx.source : ctx.target; }
  static const char* host_name(Host h) { return h == Host::Source ? "source" : "target"; }

  static std::vector<std::string> remote_shell(pcs::JobContext& ctx) {
    const pcs_host* h = ctx.c_host();
    const auto* ext = static_cast<const pcs_host_ext_remote_shell*>(
        h->get_extension ? h->get_extension(h, PCS_HOST_EXT_REMOTE_SHELL) : nullptr);
    std::vector<std::string> out;
    if (!PCS_HAS_FIELD(ext, pcs_host_ext_remote_shell, argv)) return out;
    for (auto w = ext->argv(h); w != nullptr && *w != nullptr; ++w) out.emplace_back(*w);
    return out;
  }

  // Where `pc-switcher init` writes the filter files: $XDG_CONFIG_HOME/pc-switcher.
  static std::filesystem::path config_dir() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    return (xdg && *xdg ? std::filesystem::path(xdg) : std::filesystem::path(home ? home : "/") / ".config") /
           "pc-switcher";
  }

  static std::vector<Folder> folders(pcs::JobContext& ctx) {
    std::vector<Folder> out;
    const char* home = std::getenv("HOME");
    for (const auto& item : ctx.config["folders"].as_array()) {
      if (item.contains("enabled") && !item["enabled"].as_bool()) continue;
      Folder f;
      f.path = item["path"].as_string();
      while (f.path.size() > 1 && f.path.back() == '/') f.path.pop_back();
      if (item.contains("filter_file")) f.filter_file = item["filter_file"].as_string();
      if (f.filter_file.rfind("~/", 0) == 0 && home != nullptr)
        f.filter_file = home + f.filter_file.substr(1);
      else if (!f.filter_file.empty() && f.filter_file[0] != '/')
        f.filter_file = (config_dir() / f.filter_file).string();
      // A folder inside this user's home needs no root; anything else does.
      f.sudo = !(home != nullptr && (f.path == home || f.path.rfind(std::string(home) + "/", 0) == 0));
      out.push_back(std::move(f));
    }
    return out;
  }

  // The files under `path` on the target, counted up to 50,000 (beyond that
  // the default max_delete is 5,000 anyway): stops the walk early on big trees.
  static std::uint64_t target_file_count(pcs::JobContext& ctx, const Folder& f) {
    pcs::RunOptions o;
    o.sudo = f.sudo;
    auto r = ctx.target.run({"sh", "-c", "find \"$1\" -xdev -printf x 2>/dev/null | head -c 50000", "sh", f.path}, o);
    return r.stdout.size();
  }

  void sync_folder(pcs::JobContext& ctx, const Folder& f, user_data::FolderState& state) {
    pcs::RunOptions o;
    o.sudo = f.sudo;
    // An empty source would wipe the target: refuse.
    auto any = ctx.source.run({"find", f.path, "-mindepth", "1", "-maxdepth", "1", "-print", "-quit"}, o);
    if (!any.success()) throw std::runtime_error("cannot read " + f.path + " on the source: " + first_line(any.stderr));
    if (any.stdout.empty())
      throw std::runtime_error("refusing to mirror " + f.path +
                               ": it is empty on the source, and --delete would "
                               "empty it on the target too (is a disk not mounted?)");
    // The same filesystem as last time, or an unmounted disk's empty mount point might be what is there.
    // UUID and subvolume (FSROOT); the device name only when there is no UUID,
    // since /dev/sdb2 may come back as /dev/sdc2.
    auto fs = ctx.source.run({"findmnt", "-n", "-o", "UUID,FSROOT,SOURCE", "--target", f.path});
    std::string identity = first_line(fs.stdout);
    if (std::istringstream words(identity); true) {
      std::string uuid, root, source;
      words >> uuid >> root >> source;
      if (!uuid.empty() && !root.empty() && !source.empty()) identity = uuid + " " + root;
    }
    if (identity.empty())
      _log(ctx, Host::Source, LogLevel::Warning,
           "cannot tell which filesystem " + f.path + " is on (findmnt): the changed-filesystem check is skipped");
    if (auto last = state.filesystem_of(f.path); last && !identity.empty() && *last != identity)
      throw std::runtime_error("refusing to mirror " + f.path +
                               ": it is on another filesystem than at the last sync (" + *last + ", now " + identity +
                               "); if that is intended, remove its entry from " + state.file().string());

    std::uint64_t max_delete = 0;
    if (ctx.config.contains("max_delete"))
      max_delete = static_cast<std::uint64_t>(ctx.config["max_delete"].as_int());
    else
      max_delete = std::min<std::uint64_t>(5000, target_file_count(ctx, f) / 10);

    const auto begin = std::chrono::steady_clock::now();
    PassResult r = run_rsync(ctx, f, max_delete);
    if (r.exit_code == 25 && r.skipped_deletions) {
      const std::string question = std::to_string(*r.skipped_deletions) + " more file(s) would be deleted in " +
                                   f.path + " on the target, beyond max_delete (" + std::to_string(max_delete) +
                                   "). Delete them?";
      auto answer = ctx.ask(question, {"delete them", "keep them (stop)"}, 1);
      if (!answer || *answer != 0)
        throw std::runtime_error("stopped before deleting " + std::to_string(*r.skipped_deletions) +
                                 " more file(s) in " + f.path + " on the target (max_delete " +
                                 std::to_string(max_delete) + "): check what the source lacks; raise " +
                                 "user_data.max_delete to let it go on without asking");
      PassResult more = run_rsync(ctx, f, std::nullopt);
      more.deletions += r.deletions;
      r = more;
    }
    if (r.exit_code == 24) {  // files vanished while rsync ran: routine on a live home
      _log(
          ctx, Host::Source, LogLevel::Warning,
          "some files in " + f.path + " vanished while they were copied (rsync exit 24); the next sync takes the rest");
      r.exit_code = 0;
    }
    if (r.exit_code != 0) {
      _log(ctx, Host::Source, LogLevel::Debug, "rsync's error output", {{"stderr", r.stderr_text}});
      throw std::runtime_error("rsync of " + f.path + " failed with exit " + std::to_string(r.exit_code) + ": " +
                               first_line(r.stderr_text));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    char took[32];
    std::snprintf(took, sizeof took, "%.1f s", seconds);
    _log(ctx, Host::Target, LogLevel::Info,
         std::string(ctx.dry_run ? "Dry run: " : "") + f.path + ": " + std::to_string(r.transferred) + " file(s) " +
             (ctx.dry_run ? "would be " : "") + "transferred, " + mib(r.bytes) + ", " + std::to_string(r.deletions) +
             " deletion(s), " + took,
         {{"folder", f.path}, {"files", r.transferred}, {"bytes", r.bytes}, {"deletions", r.deletions}});
    if (!ctx.dry_run && !identity.empty()) state.remember(f.path, identity);
  }

  PassResult run_rsync(pcs::JobContext& ctx, const Folder& f, std::optional<std::uint64_t> max_delete) {
    std::string rsh;
    for (const auto& w : remote_shell(ctx)) rsh += (rsh.empty() ? "" : " ") + quote_word(w);
    std::vector<std::string> argv = {"rsync",          "--archive",          "--acls",           "--xattrs",
                                     "--hard-links",   "--sparse",           "--numeric-ids",    "--delete",
                                     "--protect-args", "--no-inc-recursive", "--info=progress2", "--out-format=%i %n%L",
                                     "--rsh=" + rsh};
    if (f.sudo) argv.push_back("--rsync-path=sudo -n rsync");
    if (max_delete && !ctx.dry_run) argv.push_back("--max-delete=" + std::to_string(*max_delete));
    if (ctx.dry_run) argv.push_back("--dry-run");
    if (ctx.config.contains("bandwidth_limit"))
      argv.push_back("--bwlimit=" + std::to_string(ctx.config["bandwidth_limit"].as_int()));
    for (const auto& rule : kFixedExcludes) argv.push_back("--filter=" + rule);
    if (ctx.config["default_excludes"].as_bool())
      for (const auto& rule : kDefaultExcludes) argv.push_back("--filter=" + rule);
    if (!f.filter_file.empty()) argv.push_back("--filter=merge " + f.filter_file);
    argv.push_back("--filter=dir-merge /.pcswitcher-filter");
    argv.push_back(f.path + "/");
    argv.push_back("pcs-target:" + f.path + "/");

    pcs::RunOptions o;
    o.sudo = f.sudo;
    o.mutates = "mirror " + f.path + " to the target";
    auto process = ctx.source.start(argv, o);
    PassResult result;
    user_data::LineSplitter out_lines;
    auto last_progress = std::chrono::steady_clock::time_point{};
    auto handle = [&](const std::string& text) {
      const auto line = user_data::classify(text);
      switch (line.kind) {
        case user_data::Line::kProgress: {
          result.bytes = line.progress.bytes;
          const auto now = std::chrono::steady_clock::now();
          if (now - last_progress >= std::chrono::milliseconds(200)) {
            last_progress = now;
            pcs::ProgressUpdate u{.item = f.path + " " + line.progress.rate, .track = f.path};
            if (line.progress.total > 0) {
              u.current = static_cast<int64_t>(line.progress.checked);
              u.total = static_cast<int64_t>(line.progress.total);
            } else {
              u.heartbeat = true;
            }
            _report_progress(ctx, u);
          }
          break;
        }
        case user_data::Line::kDeletion:
          ++result.deletions;
          _log(ctx, Host::Target, ctx.dry_run ? LogLevel::Info : LogLevel::Full,
               std::string(ctx.dry_run ? "would delete " : "deleted ") + f.path + "/" + line.path);
          break;
        case user_data::Line::kItem:
          if (line.transferred) ++result.transferred;
          _log(ctx, Host::Target, LogLevel::Full, line.text, {{"folder", f.path}});
          break;
        case user_data::Line::kOther:
          _log(ctx, Host::Source, LogLevel::Debug, "rsync: " + line.text);
          break;
      }
    };
    while (auto chunk = process.read_chunk()) {
      if (chunk->stream == PCS_STREAM_STDERR) {
        result.stderr_text += chunk->data;
        continue;
      }
      for (const auto& text : out_lines.feed(chunk->data)) handle(text);
    }
    if (auto rest = out_lines.finish()) handle(*rest);
    ctx.check_cancelled();
    auto end = process.wait();
    result.stderr_text += end.stderr;
    result.exit_code = end.signal != 0 ? 128 + end.signal : end.exit_code;
    result.skipped_deletions = user_data::skipped_deletions(result.stderr_text);
    for (const auto& l : out_lines.feed(end.stdout)) handle(l);
    return result;
  }
};

PCS_EXPORT_JOB(UserData)
