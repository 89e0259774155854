// What the docker job moves and re-creates, from what both engines reported:
// images the target lacks (by id; dangling ones never), the tags it lacks,
// volumes to mirror, user-defined networks to create, containers to create
// (the target's same-named one replaced when it differs), and containers
// only the target has (removed with remove_extra). Pure functions.
#pragma once

#include <fnmatch.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine_output.hpp"

namespace docker {

struct State {
  std::string hostname;
  std::vector<Image> images;
  std::vector<Volume> volumes;
  std::vector<Container> containers;
  std::vector<std::string> networks;  // every network name the engine has
};

struct Selection {
  std::vector<std::string> include = {"*"};  // repository:tag globs
  std::vector<std::string> exclude = {};
  bool all_volumes = true;
  std::vector<std::string> volumes = {};
  bool containers = true;
  bool remove_extra = false;
};

struct Plan {
  std::vector<Image> images;                                  // to stream: save → load
  std::vector<std::pair<std::string, std::string>> add_tags;  // (image id, repository:tag) on the target
  std::vector<Volume> volumes;                                // to mirror
  std::vector<std::string> networks;                          // to create on the target
  std::vector<Container> create;                              // source containers to create on the target
  std::vector<std::string> replace;                           // target containers removed first (same name, differing)
  std::vector<std::string> remove;                            // target-only containers to remove
  std::vector<std::string> notes;                             // reported, never acted on
  std::int64_t image_bytes = 0;
  bool empty() const {
    return images.empty() && add_tags.empty() && volumes.empty() && networks.empty() && create.empty() &&
           remove.empty();
  }
};

namespace detail {

inline bool glob(const std::string& pattern, const std::string& text) {
  return ::fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

inline bool selected(const Selection& s, const std::string& tag) {
  const bool in = std::any_of(s.include.begin(), s.include.end(), [&](const auto& p) { return glob(p, tag); });
  const bool out = std::any_of(s.exclude.begin(), s.exclude.end(), [&](const auto& p) { return glob(p, tag); });
  return in && !out;
}

// What `create` is given, in a form that compares.
inline std::string fingerprint(const Container& c) {
  std::string f =
      c.image_id + "\n" + c.user + "\n" + c.workdir + "\n" + c.restart + ":" + std::to_string(c.restart_max);
  auto add = [&](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    for (const auto& s : v) f += "\n" + s;
    f += "\n--";
  };
  // Entrypoint and command as one sequence: an entrypoint of several words is
  // re-created as its first word plus arguments before the command.
  f += "\n--";
  for (const auto& s : c.entrypoint) f += "\n" + s;
  for (const auto& s : c.cmd) f += "\n" + s;
  add(c.env);
  std::vector<std::string> labels, mounts, ports;
  for (const auto& [k, v] : c.labels) labels.push_back(k + "=" + v);
  for (const auto& m : c.mounts)
    mounts.push_back(m.type + ":" + (m.type == "volume" ? m.name : m.source) + ":" + m.destination +
                     (m.rw ? "" : ":ro"));
  for (const auto& p : c.ports) ports.push_back(p.host_ip + ":" + p.host_port + ":" + p.container);
  add(labels);
  add(mounts);
  add(ports);
  add(c.networks);
  add(c.cap_add);
  add(c.cap_drop);
  add(c.dns);
  add(c.extra_hosts);
  f += "\n" + std::to_string(c.privileged) + ":" + std::to_string(c.pids_limit) + ":" + std::to_string(c.memory) + ":" +
       std::to_string(c.nano_cpus) + ":" + std::to_string(c.cpu_shares);
  return f;
}

}  // namespace detail

inline Plan plan(const State& source, const State& target, const Selection& sel) {
  Plan p;
  std::map<std::string, const Image*> theirs;
  for (const auto& i : target.images) theirs[i.id] = &i;
  std::set<std::string> needed_images;  // ids the containers to create need
  std::map<std::string, const Container*> target_by_name;
  for (const auto& c : target.containers) target_by_name[c.name] = &c;

  // Containers first: their images are moved whatever the image selection says.
  if (sel.containers) {
    for (const auto& c : source.containers) {
      const auto t = target_by_name.find(c.name);
      if (t != target_by_name.end() && detail::fingerprint(*t->second) == detail::fingerprint(c)) continue;
      for (const auto& u : c.unreproducible)
        p.notes.push_back("container " + c.name + ": " + u + " is not re-created on " + target.hostname);
      for (const auto& m : c.mounts)
        if (m.type == "bind")
          p.notes.push_back("container " + c.name + ": bind mount " + m.source + " → " + m.destination +
                            " is re-created as it is; its contents are not copied");
      if (t != target_by_name.end()) p.replace.push_back(c.name);
      p.create.push_back(c);
      needed_images.insert(c.image_id);
      for (const auto& n : c.networks)
        if (std::find(target.networks.begin(), target.networks.end(), n) == target.networks.end() &&
            std::find(p.networks.begin(), p.networks.end(), n) == p.networks.end())
          p.networks.push_back(n);
    }
    if (sel.remove_extra)
      for (const auto& c : target.containers)
        if (std::none_of(source.containers.begin(), source.containers.end(),
                         [&](const Container& s) { return s.name == c.name; }))
          p.remove.push_back(c.name);
  }

  for (const auto& i : source.images) {
    if (i.tags.empty() && needed_images.count(i.id) == 0) continue;  // dangling
    const bool wanted = needed_images.count(i.id) != 0 || std::any_of(i.tags.begin(), i.tags.end(), [&](const auto& t) {
                          return detail::selected(sel, t);
                        });
    if (!wanted) continue;
    const auto t = theirs.find(i.id);
    if (t == theirs.end()) {
      p.images.push_back(i);
      p.image_bytes += i.size;
      continue;
    }
    for (const auto& tag : i.tags)
      if (std::find(t->second->tags.begin(), t->second->tags.end(), tag) == t->second->tags.end())
        p.add_tags.push_back({i.id, tag});
  }

  for (const auto& v : source.volumes) {
    if (!sel.all_volumes && std::find(sel.volumes.begin(), sel.volumes.end(), v.name) == sel.volumes.end()) continue;
    if (v.driver != "local") {
      p.notes.push_back("volume " + v.name + ": driver " + v.driver + " is not copied (only local volumes are)");
      continue;
    }
    const auto same = std::find_if(target.volumes.begin(), target.volumes.end(), [&](const Volume& t) {
      return t.name == v.name && !v.digest.empty() && t.digest == v.digest && t.labels == v.labels;
    });
    if (same == target.volumes.end()) p.volumes.push_back(v);
  }
  if (!sel.all_volumes)
    for (const auto& name : sel.volumes)
      if (std::none_of(source.volumes.begin(), source.volumes.end(), [&](const Volume& v) { return v.name == name; }))
        p.notes.push_back("volume " + name + " (in docker.volumes) does not exist on " + source.hostname);
  return p;
}

// The running containers, on `s`, that use one of `volumes`.
inline std::vector<std::string> users_of(const State& s, const std::vector<Volume>& volumes) {
  std::vector<std::string> names;
  for (const auto& c : s.containers) {
    if (!c.running) continue;
    for (const auto& m : c.mounts)
      if (m.type == "volume" &&
          std::any_of(volumes.begin(), volumes.end(), [&](const Volume& v) { return v.name == m.name; })) {
        names.push_back(c.name);
        break;
      }
  }
  return names;
}

// `ENGINE create` arguments re-creating `c` (argv after the engine command).
// `image` is what to create it from on the target: the tag it was created
// from when the image still has it, else the image id.
inline std::vector<std::string> create_args(const Container& c, const std::string& image) {
  std::vector<std::string> a{"create", "--name", c.name};
  if (!c.entrypoint.empty()) {
    a.push_back("--entrypoint");
    a.push_back(c.entrypoint.front());
  }
  for (const auto& e : c.env) a.insert(a.end(), {"--env", e});
  for (const auto& [k, v] : c.labels) a.insert(a.end(), {"--label", k + "=" + v});
  for (const auto& m : c.mounts) {
    const std::string from = m.type == "volume" ? m.name : m.source;
    a.insert(a.end(), {"--volume", from + ":" + m.destination + (m.rw ? "" : ":ro")});
  }
  for (const auto& p : c.ports)
    a.insert(a.end(), {"--publish", (p.host_ip.empty() ? "" : p.host_ip + ":") + p.host_port + ":" + p.container});
  a.insert(a.end(), {"--restart", c.restart == "on-failure" && c.restart_max > 0
                                      ? c.restart + ":" + std::to_string(c.restart_max)
                                      : c.restart});
  for (const auto& n : c.networks) a.insert(a.end(), {"--network", n});
  if (c.privileged) a.push_back("--privileged");
  for (const auto& cap : c.cap_add) a.insert(a.end(), {"--cap-add", cap});
  for (const auto& cap : c.cap_drop) a.insert(a.end(), {"--cap-drop", cap});
  for (const auto& d : c.dns) a.insert(a.end(), {"--dns", d});
  for (const auto& h : c.extra_hosts) a.insert(a.end(), {"--add-host", h});
  if (c.pids_limit > 0) a.insert(a.end(), {"--pids-limit", std::to_string(c.pids_limit)});
  if (c.memory > 0) a.insert(a.end(), {"--memory", std::to_string(c.memory)});
  if (c.nano_cpus > 0) {
    char cpus[32];
    std::snprintf(cpus, sizeof cpus, "%.3f", static_cast<double>(c.nano_cpus) / 1e9);
    a.insert(a.end(), {"--cpus", cpus});
  }
  if (c.cpu_shares > 0) a.insert(a.end(), {"--cpu-shares", std::to_string(c.cpu_shares)});
  if (!c.user.empty()) a.insert(a.end(), {"--user", c.user});
  if (!c.workdir.empty()) a.insert(a.end(), {"--workdir", c.workdir});
  a.push_back(image);
  // An entrypoint of several words: the rest go before the command.
  for (std::size_t i = 1; i < c.entrypoint.size(); ++i) a.push_back(c.entrypoint[i]);
  a.insert(a.end(), c.cmd.begin(), c.cmd.end());
  return a;
}

}  // namespace docker
