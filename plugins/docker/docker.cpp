// docker: the target gets the source's images, named volumes and containers.
// Images the target lacks stream `ENGINE save` → the session's connection →
// `ENGINE load` (no temporary file, byte progress); volumes stream as a tar
// of their mount point (owners, modes, ACLs and xattrs kept) into a
// volume emptied first; containers are re-created with the same settings,
// networks first, and the running ones started. A setting that cannot be
// re-created is reported by name. Works with docker and with podman
// (`engine_command`).
#include <pcswitcher/job.hpp>

#include <future>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine.hpp"

namespace {

using docker::Engine;
using pcs::Host;
using pcs::LogLevel;

std::string mib(std::int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Containers stopped for a volume copy, started again however the job ends.
class StoppedContainers {
 public:
  explicit StoppedContainers(const pcs::JobContext& ctx) : ctx_(ctx) {}
  ~StoppedContainers() { start_all(); }
  StoppedContainers(const StoppedContainers&) = delete;
  StoppedContainers& operator=(const StoppedContainers&) = delete;

  void stop(const Engine& e, const std::string& name) {
    // Recorded first: a stop cut short by Ctrl+C may still have stopped it,
    // and starting a running container changes nothing.
    stopped_.push_back({&e, name});
    const std::string why = e.change({"stop", name}, "stop " + name + " for the volume copy");
    if (!why.empty()) throw std::runtime_error("cannot stop container " + name + " on " + e.hostname() + ": " + why);
    ctx_.log(e.host(), LogLevel::Info, "stopped " + name + " for the volume copy");
  }

  void start_all() {
    for (const auto& [e, name] : stopped_) {
      const std::string why = e->change({"start", name}, "start " + name + " again", /*cleanup=*/true);
      if (why.empty())
        ctx_.log(e->host(), LogLevel::Info, "started " + name + " again");
      else
        ctx_.log(e->host(), LogLevel::Error,
                 "could not start " + name + " again on " + e->hostname() + " (" + why + "): start it with `" +
                     e->shown({"start", name}) + "`");
    }
    stopped_.clear();
  }

 private:
  const pcs::JobContext& ctx_;
  std::vector<std::pair<const Engine*, std::string>> stopped_;
};

}  // namespace

class DockerJob : public pcs::SyncJob {
 public:
  // Volumes: read (du, tar, sh and env for the digest) on the source,
  // emptied and filled (find, tar; sh and env for the digest) on the target.
  // An engine_command like `sudo docker` runs sudo itself: add the engine to
  // the sudoers rules by hand.
  static pcs::SudoPrograms sudo_programs() { return {{"du", "tar", "sh", "env"}, {"find", "tar", "sh", "env"}, {}}; }

  static constexpr const char* name = "docker";
  static constexpr const char* version = "1.0.0";
  static constexpr const char* description = "Moves images, named volumes and containers to the target";
  static constexpr const char* CONFIG_SCHEMA = R"j({
    "type": "object",
    "properties": {
      "images": {"default": "all", "description": "Images to move: all, or include/exclude globs on repository:tag",
                 "oneOf": [{"enum": ["all"]},
                           {"type": "object", "additionalProperties": false,
                            "properties": {"include": {"type": "array", "items": {"type": "string"}},
                                           "exclude": {"type": "array", "items": {"type": "string"}}}}]},
      "volumes": {"default": "all", "description": "Named volumes to mirror: all, or a list of names",
                  "oneOf": [{"enum": ["all"]}, {"type": "array", "items": {"type": "string"}}]},
      "containers": {"type": "boolean", "default": true,
                     "description": "Re-create the source's containers on the target"},
      "remove_extra": {"type": "boolean", "default": false,
                       "description": "Remove containers only the target has"},
      "stop_running": {"type": "boolean", "default": false,
                       "description": "Stop containers using a volume for its copy (started again afterwards)"},
      "engine_command": {"type": "string", "minLength": 1, "default": "docker",
                         "description": "The engine's command: docker, podman, or e.g. sudo docker"}
    },
    "additionalProperties": false
  })j";

  std::vector<pcs::ValidationError> validate(pcs::JobContext& ctx) override {
    std::vector<pcs::ValidationError> errors;
    const Engine src(ctx, Host::Source, engine(ctx)), dst(ctx, Host::Target, engine(ctx));
    for (const Engine* e : {&src, &dst}) {
      const auto r = e->executor().run(e->argv({"version"}));
      if (!r.success())
        errors.push_back({e->host(), "the container engine does not answer on " + e->hostname() + ": `" +
                                         e->shown({"version"}) + "` exited " + std::to_string(r.exit_code) + " (" +
                                         docker::trimmed(r.stderr) +
                                         "). Is it installed and running, and may you use it? Join the docker group, "
                                         "or set docker.engine_command (e.g. `sudo docker`, `podman`)"});
    }
    if (!errors.empty()) return errors;
    const std::string here = docker::trimmed(ctx.source.run({"uname", "-m"}).stdout);
    const std::string there = docker::trimmed(ctx.target.run({"uname", "-m"}).stdout);
    if (here != there)
      errors.push_back({Host::Target, "the machines have different CPU architectures (" + ctx.source_hostname + ": " +
                                          here + ", " + ctx.target_hostname + ": " + there +
                                          "): images cannot move between them"});
    read_states(src, dst);
    const docker::State& mine = *source_state_;
    const docker::State& target_state = *target_state_;
    const docker::Plan p = docker::plan(mine, target_state, selection(ctx));
    if (!ctx.config["stop_running"].as_bool())
      for (const auto* s : {&mine, &target_state}) {
        const auto users = docker::users_of(*s, p.volumes);
        if (!users.empty())
          errors.push_back({s == &mine ? Host::Source : Host::Target,
                            "running containers use volumes to copy on " + s->hostname + ": " + joined(users) +
                                ". Stop them first, or set docker.stop_running: true (they are then stopped for the "
                                "copy and started again)"});
      }
    if (p.image_bytes > 0) {
      const std::int64_t free = free_bytes(dst);
      if (free >= 0 && free < p.image_bytes + p.image_bytes / 10)
        errors.push_back({Host::Target, "not enough space for the images on " + ctx.target_hostname + ": " +
                                            mib(p.image_bytes) + " to move, " + mib(free) +
                                            " free where the engine stores them"});
    }
    return errors;
  }

  void execute(pcs::JobContext& ctx) override {
    const Engine src(ctx, Host::Source, engine(ctx)), dst(ctx, Host::Target, engine(ctx));
    // What validate() read and checked is what is applied: nothing of the
    // engines' state changes between the two (only other jobs run between).
    if (!source_state_ || !target_state_) read_states(src, dst);
    const docker::State mine = *source_state_;
    const docker::State target_state = *target_state_;
    source_state_.reset();
    target_state_.reset();
    const docker::Plan p = docker::plan(mine, target_state, selection(ctx));
    log_plan(ctx, src, p);
    if (ctx.dry_run) {
      _log(ctx, Host::Source, LogLevel::Info, "dry run: nothing moved");
      return;
    }
    if (p.empty()) {
      _log(ctx, Host::Target, LogLevel::Info, "images, volumes and containers already match " + ctx.source_hostname);
      return;
    }
    failures_.clear();
    StoppedContainers stopped(ctx);
    if (ctx.config["stop_running"].as_bool())
      for (const auto* pair : {&src, &dst})
        for (const auto& name : docker::users_of(pair == &src ? mine : target_state, p.volumes))
          stopped.stop(*pair, name);
    // Target containers that go: before the volumes they may use are rewritten.
    for (const auto& name : p.remove) note(dst.change({"rm", "--force", name}, "remove container " + name), name);
    for (const auto& name : p.replace)
      note(dst.change({"rm", "--force", name}, "remove container " + name + " to re-create it"), name);
    for (const auto& n : p.networks) note(dst.change({"network", "create", n}, "create network " + n), "network " + n);
    move_images(ctx, src, dst, p);
    for (const auto& v : p.volumes) copy_volume(ctx, dst, v, target_state);
    stopped.start_all();
    for (const auto& c : p.create) create_container(ctx, dst, c, mine);
    if (!failures_.empty())
      throw std::runtime_error(std::to_string(failures_.size()) + " docker change(s) failed on " + ctx.target_hostname +
                               ":\n  " + joined(failures_));
  }

 private:
  static std::string engine(const pcs::JobContext& ctx) { return ctx.config["engine_command"].as_string(); }

  // Both engines' state, read at once.
  void read_states(const Engine& src, const Engine& dst) {
    auto theirs = std::async(std::launch::async, [&] { return dst.state(); });
    source_state_ = src.state();
    target_state_ = theirs.get();
  }

  static docker::Selection selection(const pcs::JobContext& ctx) {
    docker::Selection s;
    const auto& images = ctx.config["images"];
    if (images.is_object()) {
      s.include.clear();
      for (const auto& g : images["include"].is_array() ? images["include"].as_array() : pcs::Json::Array{})
        s.include.push_back(g.as_string());
      if (!images.contains("include")) s.include = {"*"};
      for (const auto& g : images["exclude"].is_array() ? images["exclude"].as_array() : pcs::Json::Array{})
        s.exclude.push_back(g.as_string());
    }
    const auto& volumes = ctx.config["volumes"];
    if (volumes.is_array()) {
      s.all_volumes = false;
      for (const auto& v : volumes.as_array()) s.volumes.push_back(v.as_string());
    }
    s.containers = ctx.config["containers"].as_bool();
    s.remove_extra = ctx.config["remove_extra"].as_bool();
    return s;
  }

  // Free bytes where the engine keeps its images; -1 when unknown.
  static std::int64_t free_bytes(const Engine& e) {
    for (const char* format : {"{{.Store.GraphRoot}}", "{{.DockerRootDir}}"}) {
      const auto r = e.executor().run(e.argv({"info", "--format", format}));
      const std::string dir = docker::trimmed(r.stdout);
      if (!r.success() || dir.empty() || dir[0] != '/') continue;
      const auto df = e.executor().run({"df", "--output=avail", "-B1", "--", dir});
      const auto lines = docker::lines_of(df.stdout);
      if (df.success() && lines.size() == 2) return std::stoll(lines[1]);
    }
    return -1;
  }

  void log_plan(pcs::JobContext& ctx, const Engine& src, const docker::Plan& p) {
    for (const auto& i : p.images)
      _log(ctx, Host::Target, LogLevel::Info,
           "plan: image " + (i.tags.empty() ? i.id.substr(0, 12) : joined(i.tags)) + " (" + mib(i.size) + ")",
           {{"image", i.id}});
    for (const auto& [id, tag] : p.add_tags) _log(ctx, Host::Target, LogLevel::Info, "plan: tag " + tag);
    for (const auto& v : p.volumes) {
      pcs::RunOptions o;
      o.sudo = true;
      const auto du = src.executor().run({"du", "-sb", "--", v.mountpoint}, o);
      const std::string size = du.success() ? mib(std::atoll(du.stdout.c_str())) : "size unknown";
      _log(ctx, Host::Target, LogLevel::Info, "plan: volume " + v.name + " (" + size + ")");
    }
    for (const auto& n : p.networks) _log(ctx, Host::Target, LogLevel::Info, "plan: network " + n);
    for (const auto& c : p.create)
      _log(ctx, Host::Target, LogLevel::Info,
           "plan: container " + c.name + " (" + c.image + (c.running ? ", running" : "") + ")");
    for (const auto& n : p.replace)
      _log(ctx, Host::Target, LogLevel::Info,
           "plan: container " + n + " differs on " + ctx.target_hostname + ": removed and re-created");
    for (const auto& n : p.remove) _log(ctx, Host::Target, LogLevel::Info, "plan: remove container " + n);
    for (const auto& n : p.notes) _log(ctx, Host::Target, LogLevel::Warning, n);
  }

  void note(const std::string& why, const std::string& what) {
    if (!why.empty()) failures_.push_back(what + ": " + why);
  }

  void move_images(pcs::JobContext& ctx, const Engine& src, const Engine& dst, const docker::Plan& p) {
    std::int64_t done = 0;
    for (const auto& i : p.images) {
      ctx.check_cancelled();
      const std::string label = i.tags.empty() ? i.id.substr(0, 12) : i.tags.front();
      std::vector<std::string> save{"save"};
      if (i.tags.empty())
        save.push_back(i.id);
      else
        save.insert(save.end(), i.tags.begin(), i.tags.end());
      try {
        ctx.pipe(src.command(save), dst.command({"load"}, "load image " + label), [&](std::uint64_t bytes) {
          _report_progress(
              ctx,
              {.current = done + static_cast<std::int64_t>(bytes), .total = p.image_bytes, .item = "image " + label});
        });
      } catch (const pcs::CommandError& e) {
        failures_.push_back("image " + label + ": " + e.what());
        continue;
      }
      done += i.size;
      for (const auto& tag : i.tags) note(dst.change({"tag", i.id, tag}, "tag " + tag), "tag " + tag);
      _log(ctx, Host::Target, LogLevel::Info, "image " + label + " loaded", {{"image", i.id}});
    }
    for (const auto& [id, tag] : p.add_tags) note(dst.change({"tag", id, tag}, "tag " + tag), "tag " + tag);
  }

  void copy_volume(pcs::JobContext& ctx, const Engine& dst, const docker::Volume& v,
                   const docker::State& target_state) {
    ctx.check_cancelled();
    const bool exists = std::any_of(target_state.volumes.begin(), target_state.volumes.end(),
                                    [&](const docker::Volume& t) { return t.name == v.name; });
    if (!exists) {
      std::vector<std::string> create{"volume", "create"};
      for (const auto& [k, val] : v.labels) create.insert(create.end(), {"--label", k + "=" + val});
      create.push_back(v.name);
      if (const std::string why = dst.change(create, "create volume " + v.name); !why.empty())
        return failures_.push_back("volume " + v.name + ": " + why);
    }
    std::string mountpoint;
    try {
      mountpoint = docker::trimmed(dst.read({"volume", "inspect", "--format", "{{.Mountpoint}}", "--", v.name}));
    } catch (const std::exception& e) {
      return failures_.push_back("volume " + v.name + ": " + e.what());
    }
    if (mountpoint.empty() || mountpoint[0] != '/' || v.mountpoint.empty() || v.mountpoint[0] != '/')
      return failures_.push_back("volume " + v.name + ": no local mount point to copy");
    pcs::RunOptions root;
    root.sudo = true;
    root.mutates = "empty volume " + v.name + " before the copy";
    const auto cleared = ctx.target.run({"find", mountpoint, "-mindepth", "1", "-delete"}, root);
    if (!cleared.success())
      return failures_.push_back("volume " + v.name + ": cannot empty it: " + docker::trimmed(cleared.stderr));
    pcs::RunOptions reader;
    reader.sudo = true;
    pcs::RunOptions writer = reader;
    writer.mutates = "fill volume " + v.name;
    const std::vector<std::string> keep{"--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls"};
    std::vector<std::string> pack{"tar"}, unpack{"tar"};
    pack.insert(pack.end(), keep.begin(), keep.end());
    unpack.insert(unpack.end(), keep.begin(), keep.end());
    pack.insert(pack.end(), {"-C", v.mountpoint, "-cpf", "-", "."});
    unpack.insert(unpack.end(), {"-C", mountpoint, "-xpf", "-"});
    try {
      const auto bytes =
          ctx.pipe(ctx.source.command(pack, reader), ctx.target.command(unpack, writer), [&](std::uint64_t b) {
            _report_progress(
                ctx,
                {.current = static_cast<std::int64_t>(b), .item = "volume " + v.name, .track = std::string("volumes")});
          });
      _log(ctx, Host::Target, LogLevel::Info,
           "volume " + v.name + " copied (" + mib(static_cast<std::int64_t>(bytes)) + ")");
    } catch (const pcs::CommandError& e) {
      failures_.push_back("volume " + v.name + ": " + e.what());
    }
  }

  void create_container(pcs::JobContext& ctx, const Engine& dst, const docker::Container& c,
                        const docker::State& mine) {
    ctx.check_cancelled();
    // Created from the tag it was created from, when the image still has it.
    std::string image = c.image_id;
    for (const auto& i : mine.images)
      if (i.id == c.image_id && std::find(i.tags.begin(), i.tags.end(), c.image) != i.tags.end()) image = c.image;
    if (const std::string why = dst.change(docker::create_args(c, image), "create container " + c.name); !why.empty())
      return failures_.push_back("container " + c.name + ": " + why);
    if (c.running) note(dst.change({"start", c.name}, "start container " + c.name), "container " + c.name);
    _log(ctx, Host::Target, LogLevel::Info, "container " + c.name + " created" + (c.running ? " and started" : ""));
  }

  std::vector<std::string> failures_;
  std::optional<docker::State> source_state_, target_state_;
};

PCS_EXPORT_JOB(DockerJob)
