#!/bin/bash
# Makes podman usable as the container engine inside sandbox machines, and
# gives each a small test image: the docker engine cannot run here, podman
# (Debian's 4.3) can as root with runc (its default crun fails on this
# kernel's cgroup setup), cgroupfs, explicit nofile/nproc ulimits and the vfs
# storage driver (the machine's root is itself an overlay). There is no
# registry access: the image `localhost/pcs-base:1` is imported from a root
# filesystem made of this machine's dash, sleep, cat and their libraries.
#
# Usage: podman.sh MACHINE...   (the machines must be up; run as root)
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
sandbox=$here/sandbox.sh

configure='set -e
mkdir -p /etc/containers
cat > /etc/containers/containers.conf <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
netns = "none"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat > /etc/containers/storage.conf <<CONF
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
if ! podman image exists localhost/pcs-base:1; then
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/lib64" "$root/lib/x86_64-linux-gnu" "$root/data"
  for b in dash sleep cat ls head; do cp "$(command -v $b)" "$root/bin/"; done
  ln -s dash "$root/bin/sh"
  for l in $(ldd /usr/bin/dash /usr/bin/sleep /usr/bin/cat /usr/bin/ls /usr/bin/head | awk "/=>/ {print \$3} /ld-linux/ {print \$1}" | sort -u); do
    cp -L "$l" "$root$l" 2>/dev/null || { mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"; }
  done
  tar -C "$root" -cf "$root.tar" .
  podman import --change "CMD [\"/bin/sh\"]" "$root.tar" localhost/pcs-base:1 >/dev/null
  rm -rf "$root" "$root.tar"
fi
podman image exists localhost/pcs-base:1'

for m in "$@"; do
  "$sandbox" exec --root "$m" /bin/bash -c "$configure"
done
