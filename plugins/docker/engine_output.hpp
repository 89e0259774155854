// What `docker|podman image inspect`, `volume inspect` and `container
// inspect` print (JSON arrays), reduced to what the docker job moves and
// re-creates. docker and podman differ in small ways — image ids with or
// without "sha256:", container names with or without a leading '/',
// Entrypoint as a string or an array — and both shapes are read. A value of
// an unexpected type throws (the job never guesses what an engine has).
#pragma once

#include <pcswitcher/json.hpp>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace docker {

struct Image {
  std::string id;                 // hex, without "sha256:"
  std::vector<std::string> tags;  // repository:tag; empty = dangling
  std::int64_t size = 0;          // bytes
  std::string arch;               // "amd64"
};

struct Volume {
  std::string name, driver, mountpoint;
  std::map<std::string, std::string> labels;
  std::string digest = {};  // of its file list (names, types, sizes, mtimes, modes, owners); "" = unknown
};

struct Mount {
  std::string type;  // "volume", "bind", "tmpfs"
  std::string name;  // the volume's name (type volume)
  std::string source, destination;
  bool rw = true;
};

struct Port {
  std::string container;  // "80/tcp"
  std::string host_ip;    // "" = all
  std::string host_port;  // "8080"
};

struct Container {
  std::string id, name;
  std::string image;     // Config.Image: what it was created from (a tag or an id)
  std::string image_id;  // hex, without "sha256:"
  std::vector<std::string> cmd, entrypoint, env;
  std::string user, workdir;
  std::map<std::string, std::string> labels;
  std::vector<Mount> mounts;
  std::vector<Port> ports;
  std::string restart;  // "no", "always", "unless-stopped", "on-failure"
  int restart_max = 0;
  std::vector<std::string> networks;  // user-defined ones (not bridge/host/none/podman)
  bool running = false;
  // Re-created as they are: privileges and resource limits (podman sets
  // CapDrop and PidsLimit by default, docker leaves them empty).
  bool privileged = false;
  std::vector<std::string> cap_add, cap_drop, dns, extra_hosts;
  std::int64_t pids_limit = 0, memory = 0, nano_cpus = 0, cpu_shares = 0;
  // Settings pc-switcher does not re-create, by name ("privileged", "devices"):
  // each is reported, never dropped in silence.
  std::vector<std::string> unreproducible;
};

namespace detail {

inline std::string hex_id(const std::string& id) { return id.rfind("sha256:", 0) == 0 ? id.substr(7) : id; }

inline std::vector<std::string> strings(const pcs::Json& v, const char* what) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.is_string()) {  // podman prints Entrypoint as one string
    if (!v.as_string().empty()) out.push_back(v.as_string());
    return out;
  }
  if (!v.is_array()) throw std::runtime_error(std::string(what) + " is neither a list nor a string");
  for (const auto& s : v.as_array()) out.push_back(s.as_string());
  return out;
}

inline std::map<std::string, std::string> labels(const pcs::Json& v) {
  std::map<std::string, std::string> out;
  if (v.is_null()) return out;
  for (const auto& [k, val] : v.as_object()) out[k] = val.is_string() ? val.as_string() : val.dump();
  return out;
}

inline pcs::Json array_of(const std::string& out, const char* what) {
  pcs::Json doc = pcs::Json::parse(out.empty() ? std::string_view("[]") : std::string_view(out));
  if (!doc.is_array()) throw std::runtime_error(std::string(what) + ": expected a JSON array");
  return doc;
}

inline bool is_default_network(const std::string& n) {
  return n == "bridge" || n == "host" || n == "none" || n == "podman" || n == "default";
}

}  // namespace detail

inline std::vector<Image> parse_images(const std::string& out) {
  std::vector<Image> images;
  const pcs::Json doc = detail::array_of(out, "image inspect");
  for (const auto& j : doc.as_array()) {
    Image i;
    i.id = detail::hex_id(j["Id"].as_string());
    i.tags = detail::strings(j["RepoTags"], "RepoTags");
    i.size = j["Size"].is_null() ? 0 : j["Size"].as_int();
    i.arch = j.value<std::string>("Architecture", "");
    images.push_back(std::move(i));
  }
  return images;
}

inline std::vector<Volume> parse_volumes(const std::string& out) {
  std::vector<Volume> volumes;
  const pcs::Json doc = detail::array_of(out, "volume inspect");
  for (const auto& j : doc.as_array())
    volumes.push_back({j["Name"].as_string(), j.value<std::string>("Driver", "local"),
                       j.value<std::string>("Mountpoint", ""), detail::labels(j["Labels"])});
  return volumes;
}

inline std::vector<Container> parse_containers(const std::string& out) {
  std::vector<Container> containers;
  const pcs::Json doc = detail::array_of(out, "container inspect");
  for (const auto& j : doc.as_array()) {
    Container c;
    c.id = j["Id"].as_string();
    c.name = j["Name"].as_string();
    if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
    const auto& config = j["Config"];
    const auto& host = j["HostConfig"];
    c.image = config.value<std::string>("Image", "");
    c.image_id = detail::hex_id(j.value<std::string>("Image", ""));
    c.cmd = detail::strings(config["Cmd"], "Config.Cmd");
    c.entrypoint = detail::strings(config["Entrypoint"], "Config.Entrypoint");
    c.env = detail::strings(config["Env"], "Config.Env");
    c.user = config.value<std::string>("User", "");
    c.workdir = config.value<std::string>("WorkingDir", "");
    c.labels = detail::labels(config["Labels"]);
    for (const auto& m : j["Mounts"].is_null() ? pcs::Json::Array{} : j["Mounts"].as_array())
      c.mounts.push_back({m.value<std::string>("Type", ""), m.value<std::string>("Name", ""),
                          m.value<std::string>("Source", ""), m.value<std::string>("Destination", ""),
                          m.value<bool>("RW", true)});
    if (const auto* bindings = host.find("PortBindings"); bindings && bindings->is_object())
      for (const auto& [port, list] : bindings->as_object())
        for (const auto& b : list.is_array() ? list.as_array() : pcs::Json::Array{})
          c.ports.push_back({port, b.value<std::string>("HostIp", ""), b.value<std::string>("HostPort", "")});
    c.restart = host["RestartPolicy"].value<std::string>("Name", "");
    if (c.restart.empty()) c.restart = "no";
    c.restart_max = static_cast<int>(host["RestartPolicy"].value<std::int64_t>("MaximumRetryCount", 0));
    if (const auto* nets = j["NetworkSettings"].find("Networks"); nets && nets->is_object())
      for (const auto& [name, v] : nets->as_object())
        if (!detail::is_default_network(name)) c.networks.push_back(name);
    c.running = j["State"].value<bool>("Running", false);
    c.privileged = host.value<bool>("Privileged", false);
    c.cap_add = detail::strings(host["CapAdd"], "HostConfig.CapAdd");
    c.cap_drop = detail::strings(host["CapDrop"], "HostConfig.CapDrop");
    c.dns = detail::strings(host["Dns"], "HostConfig.Dns");
    c.extra_hosts = detail::strings(host["ExtraHosts"], "HostConfig.ExtraHosts");
    c.pids_limit = host.value<std::int64_t>("PidsLimit", 0);
    c.memory = host.value<std::int64_t>("Memory", 0);
    c.nano_cpus = host.value<std::int64_t>("NanoCpus", 0);
    c.cpu_shares = host.value<std::int64_t>("CpuShares", 0);
    for (const char* list : {"Devices", "SecurityOpt"})
      if (host[list].is_array() && host[list].size() > 0) c.unreproducible.push_back(list);
    const std::string mode = host.value<std::string>("NetworkMode", "");
    if (mode == "host" || mode.rfind("container:", 0) == 0) c.unreproducible.push_back("NetworkMode " + mode);
    for (const auto& m : c.mounts)
      if (m.type != "volume" && m.type != "bind")
        c.unreproducible.push_back("mount " + m.destination + " (" + m.type + ")");
    containers.push_back(std::move(c));
  }
  return containers;
}

}  // namespace docker
