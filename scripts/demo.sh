#!/bin/sh
# The README's first command: a real sync between two sandbox machines on this
# host (tests/sandbox: `laptop` 127.0.0.2 and `desktop` 127.0.0.3, each with its
# own sshd, hostname, /home on btrfs). Installs what it needs, builds, brings
# the machines up, and runs `pc-switcher sync desktop` inside `laptop` as its
# user, with the dummy, C and example jobs and the system jobs: btrfs_snapshots
# (pre and post snapshots on both machines' btrfs), install_on_target (the
# desktop gets this pc-switcher in ~/.local) and disk_space_monitor, and the
# sync jobs packages (a small package installed on laptop, `sl`, is installed
# on desktop from Debian's archive), user_data (a sample ~/Documents tree) and
# docker (an image, a volume and a container, with podman as the engine).
# Run it as root (the sandbox needs it); run it again and it syncs again. `tests/sandbox/sandbox.sh down` ends
# the machines.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target pc-switcher dummy_success dummy_fail c_hello example btrfs_snapshots \
  disk_space_monitor install_on_target user_data packages docker

sandbox=tests/sandbox/sandbox.sh
$sandbox up >/dev/null
laptop() { $sandbox exec laptop "$@"; }
desktop() { $sandbox exec desktop "$@"; }
pcs="env PCSWITCHER_PLUGIN_PATH=$PWD/build/bundled-plugins:$PWD/build/test-plugins:$PWD/build/example-plugins $PWD/build/host/pc-switcher"

# What the example job needs: /data/example on both machines, and the
# `sync-item` command it runs on the target for each item.
for m in laptop desktop; do $sandbox exec --root $m install -d -o pcsuser /data/example; done
$sandbox exec --root desktop sh -c 'printf "%s\n" "#!/bin/sh" "echo \"\$1\" >> \"\$HOME/example-synced.txt\"" \
  > /usr/local/bin/sync-item && chmod 755 /usr/local/bin/sync-item'

# A sample home tree on the laptop for user_data: documents, a photo, a
# per-directory filter that keeps a scratch folder on this machine.
laptop sh -c 'set -e; d=~/Documents; mkdir -p "$d/notes" "$d/photos" "$d/scratch"
  printf "Meeting notes\n" > "$d/notes/monday meeting.md"; printf "todo: sync\n" > "$d/notes/todo.txt"
  head -c 300000 /dev/urandom > "$d/photos/beach.jpg"; printf "tmp\n" > "$d/scratch/cache.bin"
  printf "%s\n" "- scratch/" > "$d/.pcswitcher-filter"'

# A small package on the laptop only (each sandbox machine has its own root
# filesystem, an overlay of this one): the packages job installs it on desktop.
$sandbox exec --root laptop sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends sl \
  >/dev/null && apt-mark showmanual | grep -x sl'

# Containers: podman in both machines (tests/sandbox/podman.sh), and on the
# laptop an image of the user's own, a volume with data and a container.
tests/sandbox/podman.sh laptop desktop
$sandbox exec --root laptop bash -c 'set -e
  podman rm -f -t 0 notes-app >/dev/null 2>&1 || true
  printf "FROM localhost/pcs-base:1\nRUN echo notes-app-v1 > /data/version\n" |
    podman build --network none -t localhost/notes-app:1 -f - /tmp >/dev/null
  podman volume exists notes || podman volume create notes >/dev/null
  printf "groceries\n" > "$(podman volume inspect --format "{{.Mountpoint}}" notes)/list.txt"
  podman run -d --name notes-app --volume notes:/data/notes localhost/notes-app:1 sleep 100000 >/dev/null'

# The user's config on the laptop: the default one, with five jobs enabled.
laptop sh -c "$pcs init --force >/dev/null"
laptop sh -c 'cat > ~/.config/pc-switcher/config.yaml' <<'YAML'
logging:
  file: DEBUG
  tui: INFO
sync_jobs:
  dummy_success: true
  example: true
  c_hello: true
  packages: true
  user_data: true
  docker: true
dummy_success:
  source_duration: 3
  target_duration: 3
  tick_seconds: 0.5
example:
  items_to_sync: [notes, photos, settings]
user_data:
  folders:
    - path: /home/pcsuser/Documents
packages:
  managers: [apt]  # snap and flatpak are not on these machines
docker:
  engine_command: sudo podman  # the sandbox's engine
  stop_running: true           # notes-app uses the volume: stopped for the copy, started again
btrfs_snapshots:
  # The sandbox's / is an overlay; its btrfs top level is mounted at /mnt/btrfs.
  snapshot_dir: /mnt/btrfs/.snapshots/pc-switcher
YAML
laptop $pcs config check

echo "== pc-switcher sync desktop   (inside laptop)"
# The direction check would stop a second run (this laptop pushing twice);
# the demo answers it in advance, and the package review too (there is no
# terminal inside the sandbox exec: without the answer nothing would change).
status=0
laptop $pcs sync desktop --allow-first-sync --allow-out-of-order --apply-package-installs || status=$?

echo "== on desktop: the Documents tree user_data mirrored (scratch/ stayed behind)"
desktop sh -c 'cd ~/Documents && find . -type f | sort'
echo "== on desktop: the package the packages job installed (apt-mark showmanual | grep sl)"
desktop sh -c 'apt-mark showmanual | grep -x sl && dpkg-query -W sl'
echo "== on desktop: the image, volume and container the docker job moved"
$sandbox exec --root desktop bash -c 'podman images --format "{{.Repository}}:{{.Tag}} {{.Size}}"
  podman ps --format "{{.Names}} {{.Image}} {{.Status}}"
  cat "$(podman volume inspect --format "{{.Mountpoint}}" notes)/list.txt"'
echo "== on desktop: what the example job synced, and its sync history"
desktop cat /home/pcsuser/example-synced.txt
desktop cat /home/pcsuser/.local/share/pc-switcher/sync-history.json
echo "== on desktop: the pc-switcher that install_on_target pushed"
desktop /home/pcsuser/.local/bin/pc-switcher --version
echo "== pc-switcher snapshots desktop   (inside laptop: both machines' sessions)"
laptop $pcs snapshots desktop
last=$(laptop sh -c "$pcs logs --json --limit 1" | sed -n 's/.*"session_id": *"\([0-9a-f]*\)".*/\1/p' | head -n 1)
if [ -n "$last" ]; then
  echo "== pc-switcher rollback $last --host target desktop --dry-run   (the plan; nothing changes)"
  laptop $pcs rollback "$last" --host target desktop --dry-run || true
fi
echo "== pc-switcher logs   (inside laptop)"
laptop $pcs logs --limit 5
exit $status
