// One machine's container engine: `engine_command` (docker, podman, or
// `sudo docker`; split on spaces into argv, never given to a shell) plus the
// arguments. Reads that do not answer fail the job naming the command, the
// machine and the engine's stderr.
#pragma once

#include <pcswitcher/job.hpp>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "docker_plan.hpp"

namespace docker {

inline std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

inline std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!trimmed(l).empty()) out.push_back(trimmed(l));
  return out;
}

class Engine {
 public:
  Engine(const pcs::JobContext& ctx, pcs::Host host, const std::string& engine_command)
      : ctx_(ctx),
        host_(host),
        hostname_(host == pcs::Host::Source ? ctx.source_hostname : ctx.target_hostname),
        command_(split_words(engine_command)) {}

  const std::string& hostname() const { return hostname_; }
  pcs::Host host() const { return host_; }
  const pcs::Executor& executor() const { return host_ == pcs::Host::Source ? ctx_.source : ctx_.target; }

  std::vector<std::string> argv(const std::vector<std::string>& args) const {
    std::vector<std::string> a = command_;
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
  std::string shown(const std::vector<std::string>& args) const {
    std::string s;
    for (const auto& w : argv(args)) s += (s.empty() ? "" : " ") + w;
    return s.size() > 200 ? s.substr(0, 200) + "…" : s;
  }

  // A read: fails the job when the engine does not answer.
  std::string read(const std::vector<std::string>& args) const {
    const auto r = executor().run(argv(args));
    if (!r.success())
      throw std::runtime_error("`" + shown(args) + "` on " + hostname_ + " did not answer (exit " +
                               std::to_string(r.exit_code) + "): " + trimmed(r.stderr));
    return r.stdout;
  }

  // A change: returns "" or why it failed.
  std::string change(const std::vector<std::string>& args, const std::string& what, bool cleanup = false) const {
    pcs::RunOptions o;
    o.mutates = what;
    o.cleanup = cleanup;
    const auto r = executor().run(argv(args), o);
    if (r.success()) return "";
    return "`" + shown(args) + "` exited " + std::to_string(r.exit_code) + ": " + trimmed(r.stderr);
  }

  pcs::Command command(const std::vector<std::string>& args, const std::string& what = "") const {
    pcs::RunOptions o;
    o.mutates = what;
    return executor().command(argv(args), o);
  }

  // (Above state(): its return type must be deduced before state() uses it.)
 private:
  template <typename F>
  auto parsed(const std::vector<std::string>& args, F&& parse) const {
    const std::string out = read(args);
    try {
      return parse(out);
    } catch (const std::exception& e) {
      throw std::runtime_error("`" + shown(args) + "` on " + hostname_ +
                               " printed what pc-switcher cannot read: " + e.what());
    }
  }

 public:
  // A digest of a local volume's file list, the way rsync's quick check
  // compares files (name, type, size, mtime, mode, owner, link target): an
  // equal digest on both machines means nothing to copy. "" when unreadable.
  std::string volume_digest(const Volume& v) const {
    if (v.driver != "local" || v.mountpoint.empty() || v.mountpoint[0] != '/') return "";
    pcs::RunOptions o;
    o.sudo = true;
    o.env = {"LC_ALL=C"};
    const auto r = executor().run(
        {"sh", "-c", "cd \"$1\" && find . -printf '%P\\t%y\\t%s\\t%T@\\t%m\\t%U\\t%G\\t%l\\n' | sort | sha256sum", "sh",
         v.mountpoint},
        o);
    return r.success() ? r.stdout.substr(0, 64) : "";
  }

  // Everything the plan needs from this machine. Ids and names come from the
  // engine's own answers; "--" keeps one that starts with '-' from being an option.
  State state() const {
    State s;
    s.hostname = hostname_;
    const auto images = lines_of(read({"image", "ls", "--quiet", "--no-trunc"}));
    if (!images.empty()) {
      std::vector<std::string> a{"image", "inspect", "--"};
      a.insert(a.end(), images.begin(), images.end());
      s.images = parsed(a, parse_images);
    }
    const auto volumes = lines_of(read({"volume", "ls", "--quiet"}));
    if (!volumes.empty()) {
      std::vector<std::string> a{"volume", "inspect", "--"};
      a.insert(a.end(), volumes.begin(), volumes.end());
      s.volumes = parsed(a, parse_volumes);
      for (auto& v : s.volumes) v.digest = volume_digest(v);
    }
    const auto containers = lines_of(read({"ps", "--all", "--quiet", "--no-trunc"}));
    if (!containers.empty()) {
      std::vector<std::string> a{"container", "inspect", "--"};
      a.insert(a.end(), containers.begin(), containers.end());
      s.containers = parsed(a, parse_containers);
    }
    s.networks = lines_of(read({"network", "ls", "--format", "{{.Name}}"}));
    return s;
  }

 private:
  const pcs::JobContext& ctx_;
  pcs::Host host_;
  std::string hostname_;
  std::vector<std::string> command_;
};

}  // namespace docker
