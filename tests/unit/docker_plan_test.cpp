// The docker job's reading of engine output (recorded from podman 4.3 on
// Debian 12, and docker's documented shapes) and its plans.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "../../plugins/docker/docker_plan.hpp"

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PCS_DOCKER_FIXTURES) + "/" + name);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

docker::Container container(const std::string& name, const std::string& image_id, bool running = false) {
  docker::Container c;
  c.id = name + "-id";
  c.name = name;
  c.image = "localhost/app:1";
  c.image_id = image_id;
  c.cmd = {"sleep", "1000"};
  c.restart = "no";
  c.running = running;
  return c;
}

}  // namespace

TEST_CASE("docker: podman's image, volume and container inspect output") {
  const auto images = docker::parse_images(fixture("podman-image-inspect.json"));
  REQUIRE_FALSE(images.empty());
  for (const auto& i : images) {
    CHECK(i.id.size() == 64);
    CHECK(i.id.find("sha256:") == std::string::npos);
    CHECK(i.size > 0);
  }
  const auto volumes = docker::parse_volumes(fixture("podman-volume-inspect.json"));
  REQUIRE(volumes.size() == 1);
  CHECK(volumes[0].name == "appdata");
  CHECK(volumes[0].driver == "local");
  CHECK(volumes[0].labels.at("team") == "blue");
  CHECK(volumes[0].mountpoint.find("/appdata/_data") != std::string::npos);

  const auto containers = docker::parse_containers(fixture("podman-container-inspect.json"));
  REQUIRE(containers.size() == 2);
  const auto& web = containers[0].name == "web" ? containers[0] : containers[1];
  const auto& worker = containers[0].name == "web" ? containers[1] : containers[0];
  CHECK(web.image == "localhost/app:1");
  CHECK(web.image_id.size() == 64);
  CHECK(web.cmd == std::vector<std::string>{"sleep", "1000"});
  CHECK(std::find(web.env.begin(), web.env.end(), "GREETING=hi") != web.env.end());
  CHECK(web.labels.at("role") == "web");
  REQUIRE(web.mounts.size() == 1);
  CHECK(web.mounts[0].type == "volume");
  CHECK(web.mounts[0].name == "appdata");
  CHECK(web.mounts[0].destination == "/data/vol");
  REQUIRE(web.ports.size() == 1);
  CHECK(web.ports[0].container == "80/tcp");
  CHECK(web.ports[0].host_port == "18080");
  CHECK(web.restart == "on-failure");
  CHECK(web.restart_max == 3);
  CHECK(web.networks == std::vector<std::string>{"appnet"});
  CHECK(web.workdir == "/data");
  CHECK_FALSE(web.running);
  CHECK(worker.running);
  INFO("unreproducible: " << web.unreproducible.size());
  CHECK(web.unreproducible.empty());  // podman's defaults are re-created, not reported
  CHECK(web.pids_limit == 2048);
  CHECK_FALSE(web.cap_drop.empty());
}

TEST_CASE("docker: docker's shapes — sha256: ids, '/'-prefixed names, an entrypoint list") {
  const auto images = docker::parse_images(
      R"([{"Id": "sha256:aaaa", "RepoTags": ["nginx:1.25"], "Size": 187000000, "Architecture": "amd64"},
          {"Id": "sha256:bbbb", "RepoTags": [], "Size": 10}])");
  REQUIRE(images.size() == 2);
  CHECK(images[0].id == "aaaa");
  CHECK(images[1].tags.empty());
  const auto cs = docker::parse_containers(R"([{
    "Id": "c1", "Name": "/db", "Image": "sha256:aaaa", "State": {"Running": true},
    "Config": {"Image": "nginx:1.25", "Cmd": null, "Entrypoint": ["/docker-entrypoint.sh", "nginx"],
               "Env": ["A=1"], "Labels": {}, "User": "", "WorkingDir": ""},
    "HostConfig": {"Privileged": true, "CapAdd": ["NET_ADMIN"], "RestartPolicy": {"Name": "always"},
                   "Devices": [{"PathOnHost": "/dev/kvm", "PathInContainer": "/dev/kvm"}],
                   "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
                   "NetworkMode": "host"},
    "Mounts": [{"Type": "tmpfs", "Destination": "/run"}],
    "NetworkSettings": {"Networks": {"bridge": {}}}}])");
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].name == "db");
  CHECK(cs[0].image_id == "aaaa");
  CHECK(cs[0].entrypoint == std::vector<std::string>{"/docker-entrypoint.sh", "nginx"});
  CHECK(cs[0].networks.empty());  // bridge is the default
  CHECK(cs[0].privileged);  // re-created: --privileged, --cap-add
  CHECK(cs[0].cap_add == std::vector<std::string>{"NET_ADMIN"});
  CHECK(cs[0].unreproducible == std::vector<std::string>{"Devices", "NetworkMode host", "mount /run (tmpfs)"});
  CHECK_THROWS_WITH(docker::parse_containers(R"([{"Id": "x", "Name": 3}])"), Catch::Contains("not a string"));
  CHECK_THROWS(docker::parse_images("{}"));
}

TEST_CASE("docker plan: what moves, what is re-created, what stays") {
  docker::State src, dst;
  src.hostname = "laptop";
  dst.hostname = "desktop";
  src.images = {{"img1", {"localhost/app:1", "localhost/app:latest"}, 5000, "amd64"},
                {"img2", {"localhost/tool:2"}, 100, "amd64"},
                {"dangling", {}, 7, "amd64"},
                {"img3", {"other/skip:1"}, 9, "amd64"}};
  dst.images = {{"img2", {}, 100, "amd64"}};
  src.volumes = {{"appdata", "local", "/v/appdata", {}}, {"nfs", "nfs", "/v/nfs", {}}};
  auto web = container("web", "img1");
  web.networks = {"appnet"};
  src.containers = {web};
  dst.containers = {container("leftover", "img2")};
  dst.networks = {"podman"};
  docker::Selection sel;
  sel.exclude = {"other/*"};

  auto p = docker::plan(src, dst, sel);
  REQUIRE(p.images.size() == 1);
  CHECK(p.images[0].id == "img1");
  CHECK(p.image_bytes == 5000);
  CHECK(p.add_tags == std::vector<std::pair<std::string, std::string>>{{"img2", "localhost/tool:2"}});
  REQUIRE(p.volumes.size() == 1);
  CHECK(p.volumes[0].name == "appdata");
  CHECK(p.notes.at(0).find("volume nfs: driver nfs is not copied") != std::string::npos);
  CHECK(p.networks == std::vector<std::string>{"appnet"});
  REQUIRE(p.create.size() == 1);
  CHECK(p.replace.empty());
  CHECK(p.remove.empty());  // remove_extra is off

  sel.remove_extra = true;
  CHECK(docker::plan(src, dst, sel).remove == std::vector<std::string>{"leftover"});

  // The same container on both: nothing; a differing one: replaced.
  dst.images.push_back({"img1", {"localhost/app:1", "localhost/app:latest"}, 5000, "amd64"});
  dst.containers = {web};
  dst.networks.push_back("appnet");
  dst.volumes = src.volumes;
  auto same = docker::plan(src, dst, sel);
  CHECK(same.create.empty());
  CHECK(same.images.empty());
  auto changed = web;
  changed.env = {"GREETING=other"};
  dst.containers = {changed};
  auto differs = docker::plan(src, dst, sel);
  CHECK(differs.replace == std::vector<std::string>{"web"});
  CHECK(differs.create.size() == 1);
}

TEST_CASE("docker plan: create arguments re-create every setting, argv-form") {
  auto c = container("web", "img1");
  c.entrypoint = {"/entry.sh", "--flag"};
  c.env = {"A=$(x) `y`"};
  c.labels = {{"role", "web"}};
  c.mounts = {{"volume", "appdata", "", "/data", false}, {"bind", "", "/srv/x", "/x", true}};
  c.ports = {{"80/tcp", "127.0.0.1", "8080"}};
  c.restart = "on-failure";
  c.restart_max = 3;
  c.networks = {"appnet"};
  c.user = "1000:1000";
  c.workdir = "/data";
  CHECK(docker::create_args(c, "localhost/app:1") == std::vector<std::string>{"create",
                                                                              "--name",
                                                                              "web",
                                                                              "--entrypoint",
                                                                              "/entry.sh",
                                                                              "--env",
                                                                              "A=$(x) `y`",
                                                                              "--label",
                                                                              "role=web",
                                                                              "--volume",
                                                                              "appdata:/data:ro",
                                                                              "--volume",
                                                                              "/srv/x:/x",
                                                                              "--publish",
                                                                              "127.0.0.1:8080:80/tcp",
                                                                              "--restart",
                                                                              "on-failure:3",
                                                                              "--network",
                                                                              "appnet",
                                                                              "--user",
                                                                              "1000:1000",
                                                                              "--workdir",
                                                                              "/data",
                                                                              "localhost/app:1",
                                                                              "--flag",
                                                                              "sleep",
                                                                              "1000"});
}

TEST_CASE("docker plan: running containers that use the volumes to copy") {
  docker::State s;
  auto a = container("a", "i", true);
  a.mounts = {{"volume", "v1", "", "/d", true}};
  auto b = container("b", "i", false);
  b.mounts = {{"volume", "v1", "", "/d", true}};
  auto c = container("c", "i", true);
  s.containers = {a, b, c};
  CHECK(docker::users_of(s, {{"v1", "local", "/m", {}}}) == std::vector<std::string>{"a"});
  CHECK(docker::users_of(s, {{"v2", "local", "/m", {}}}).empty());
}
