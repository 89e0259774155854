// The docker job in whole sessions between the sandbox machines, with podman
// as the engine (`engine_command: sudo podman`; tests/sandbox/podman.sh sets
// it up): images streamed save → load, volumes mirrored with owners, modes
// and xattrs, containers re-created with their settings, networks first.
#include "session_support.hpp"

using namespace session_test;

namespace {

const std::vector<std::string> kFlags = {"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync",
                                         "--allow-out-of-order"};

ProcessOutput sync_docker(std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), kFlags.begin(), kFlags.end());
  return sync(flags);
}

ProcessOutput root_sh(const std::string& machine, const std::string& script) {
  return in(machine, {"/bin/bash", "-c", script}, true);
}

std::string podman(const std::string& machine, const std::string& args) {
  auto r = root_sh(machine, "podman " + args);
  INFO(machine << ": podman " << args << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

void configure_docker(const std::string& extra = "") {
  configure(
      "sync_jobs:\n  docker: true\n"
      "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n  keep_recent: 1\n"
      "docker:\n  engine_command: sudo podman\n" +
      extra);
}

// Both engines configured and empty but for the base image.
void reset_engines() {
  reset_machines();
  auto setup = run_process({"/bin/bash", PCS_PODMAN_SETUP, "laptop", "desktop"});
  INFO(setup.out << setup.err);
  REQUIRE(setup.exit_code == 0);
  for (const char* m : {"laptop", "desktop"}) {
    auto r = root_sh(m,
                     "podman rm --all --force --time 0 >/dev/null; podman volume prune --force >/dev/null; "
                     "podman network prune --force >/dev/null; "
                     "podman images --format '{{.Id}} {{.Repository}}:{{.Tag}}' | "
                     "awk '$2 != \"localhost/pcs-base:1\" {print $1}' | sort -u | "
                     "xargs -r podman rmi --force >/dev/null 2>&1; true");
    REQUIRE(r.exit_code == 0);
  }
}

// An image of its own (one layer over the base), a volume with a file of
// every kind of metadata, a user-defined network and two containers.
void make_source_state() {
  podman("laptop",
         "build --network none -t localhost/app:1 -t localhost/app:latest -f - /tmp <<'EOF' >/dev/null\n"
         "FROM localhost/pcs-base:1\nRUN echo hello > /data/hello\nEOF");
  podman("laptop", "volume create --label team=blue appdata >/dev/null");
  const std::string mp = podman("laptop", "volume inspect --format '{{.Mountpoint}}' appdata");
  REQUIRE(root_sh("laptop", "cd " + mp.substr(0, mp.find('\n')) +
                                " && printf secret > s.txt && chown 1234:4321 s.txt && chmod 600 s.txt && "
                                "setfattr -n user.k -v kept s.txt && mkdir -p sub && printf x > 'sub/it'\"'\"'s $(x)'")
              .exit_code == 0);
  podman("laptop", "network create appnet >/dev/null");
  podman("laptop",
         "create --name web --env GREETING=hi --label role=web --volume appdata:/data/vol --restart on-failure:3 "
         "--publish 18080:80 --network appnet --workdir /data localhost/app:1 sleep 1000 >/dev/null");
  podman("laptop", "run -d --name worker localhost/pcs-base:1 sleep 1000 >/dev/null");
}

std::string image_id(const std::string& machine, const std::string& ref) {
  auto r = root_sh(machine, "podman image inspect --format '{{.Id}}' " + ref);
  return r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : "";
}

}  // namespace

TEST_CASE("docker: images, volumes, networks and containers move to the target; a second sync has nothing to do",
          "[docker]") {
  reset_engines();
  make_source_state();
  configure_docker();

  auto dry = sync_docker({"--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("plan: image localhost/app:1, localhost/app:latest") != std::string::npos);
  CHECK(dry.out.find("plan: volume appdata (") != std::string::npos);
  CHECK(dry.out.find("plan: container web (localhost/app:1)") != std::string::npos);
  CHECK(image_id("desktop", "localhost/app:1").empty());

  auto r = sync_docker();
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(image_id("desktop", "localhost/app:1") == image_id("laptop", "localhost/app:1"));
  CHECK(image_id("desktop", "localhost/app:latest") == image_id("laptop", "localhost/app:1"));

  const std::string mp = podman("desktop", "volume inspect --format '{{.Mountpoint}}' appdata");
  const std::string dir = mp.substr(0, mp.find('\n'));
  CHECK(root_sh("desktop", "stat -c '%u:%g %a' " + dir + "/s.txt").out == "1234:4321 600\n");
  CHECK(root_sh("desktop", "getfattr --only-values -n user.k " + dir + "/s.txt").out == "kept");
  CHECK(root_sh("desktop", "cat " + dir + "/s.txt").out == "secret");
  CHECK(root_sh("desktop", "cat \"" + dir + "/sub/it's \\$(x)\"").out == "x");
  CHECK(podman("desktop", "volume inspect --format '{{.Labels.team}}' appdata") == "blue\n");
  CHECK(root_sh("desktop", "podman network exists appnet").exit_code == 0);

  const std::string web = podman("desktop",
                                 "container inspect --format '{{.Config.Image}}|{{.Config.WorkingDir}}|"
                                 "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}|"
                                 "{{index .Config.Labels \"role\"}}|{{.State.Running}}' web");
  CHECK(web == "localhost/app:1|/data|on-failure:3|web|false\n");
  CHECK(podman("desktop", "container inspect --format '{{range .Config.Env}}{{println .}}{{end}}' web")
            .find("GREETING=hi\n") != std::string::npos);
  CHECK(podman("desktop", "container inspect --format '{{range .Mounts}}{{.Name}}:{{.Destination}}{{end}}' web") ==
        "appdata:/data/vol\n");
  CHECK(podman("desktop", "container inspect --format '{{json .HostConfig.PortBindings}}' web")
            .find("\"HostPort\":\"18080\"") != std::string::npos);
  CHECK(podman("desktop", "container inspect --format '{{.State.Running}}' worker") == "true\n");

  auto again = sync_docker();
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("images, volumes and containers already match laptop") != std::string::npos);
}

TEST_CASE("docker: a volume in use by a running container is refused, or stopped and started again with stop_running",
          "[docker]") {
  reset_engines();
  podman("laptop", "volume create shared >/dev/null");
  podman("laptop", "run -d --name user1 --volume shared:/v localhost/pcs-base:1 sleep 1000 >/dev/null");
  configure_docker("  containers: false\n");
  auto refused = sync_docker();
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.find("running containers use volumes to copy on laptop: user1") != std::string::npos);
  CHECK(root_sh("desktop", "podman volume exists shared").exit_code != 0);

  configure_docker("  containers: false\n  stop_running: true\n");
  auto copied = sync_docker();
  INFO(copied.out << copied.err);
  CHECK(copied.exit_code == 0);
  CHECK(copied.out.find("stopped user1 for the volume copy") != std::string::npos);
  CHECK(copied.out.find("started user1 again") != std::string::npos);
  CHECK(root_sh("desktop", "podman volume exists shared").exit_code == 0);
  CHECK(podman("laptop", "container inspect --format '{{.State.Running}}' user1") == "true\n");
}

TEST_CASE("docker: containers only on the target stay unless remove_extra; the engine not answering is named",
          "[docker]") {
  reset_engines();
  podman("desktop", "create --name leftover localhost/pcs-base:1 sleep 1 >/dev/null");
  configure_docker();
  auto kept = sync_docker();
  INFO(kept.out << kept.err);
  CHECK(kept.exit_code == 0);
  CHECK(root_sh("desktop", "podman container exists leftover").exit_code == 0);

  configure_docker("  remove_extra: true\n");
  auto removed = sync_docker();
  INFO(removed.out << removed.err);
  CHECK(removed.exit_code == 0);
  CHECK(removed.out.find("plan: remove container leftover") != std::string::npos);
  CHECK(root_sh("desktop", "podman container exists leftover").exit_code != 0);

  configure(
      "sync_jobs:\n  docker: true\n"
      "btrfs_snapshots:\n  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher\n"
      "docker:\n  engine_command: no-such-engine\n");
  auto missing = sync_docker();
  INFO(missing.out << missing.err);
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.find("the container engine does not answer on laptop: `no-such-engine version` exited 127") !=
        std::string::npos);
}

TEST_CASE("docker: Ctrl+C mid-image leaves no half-loaded image, and stopped containers run again", "[docker]") {
  reset_engines();
  // A 300 MB layer (incompressible), so that the transfer takes a while.
  podman("laptop",
         "build --network none -t localhost/big:1 -f - /tmp <<'EOF' >/dev/null\n"
         "FROM localhost/pcs-base:1\nRUN cat /dev/urandom | head -c 300000000 > /data/blob\nEOF");
  podman("laptop", "volume create busy >/dev/null");
  podman("laptop", "run -d --name busy1 --volume busy:/v localhost/pcs-base:1 sleep 1000 >/dev/null");
  configure_docker("  stop_running: true\n  containers: false\n");
  BackgroundSync run({"--plugin-dir", PCS_BUNDLED_PLUGIN_DIR, "--allow-first-sync", "--allow-out-of-order"});
  // Interrupted once desktop is loading the image.
  bool loading = false;
  for (int i = 0; i < 400 && !loading; ++i) {
    loading = root_sh("desktop", "pgrep -f '[p]odman load' >/dev/null").exit_code == 0;
    if (!loading) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(loading);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  run.signal("INT");
  auto& r = run.wait();
  INFO(r.out << r.err);
  CHECK(r.exit_code == 130);
  CHECK(image_id("desktop", "localhost/big:1").empty());
  CHECK(root_sh("desktop", "podman images --filter dangling=true --quiet").out.empty());
  CHECK(podman("laptop", "container inspect --format '{{.State.Running}}' busy1") == "true\n");
  CHECK(r.out.find("started busy1 again") != std::string::npos);
  require_clean();
}
