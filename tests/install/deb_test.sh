#!/bin/sh
# The Debian packages, end to end: cpack builds the five .debs from the build
# tree, lintian finds no errors in them, and on the sandbox machine `laptop`
# (its own overlay root filesystem) as root:
#   - `apt-get install ./pc-switcher*.deb` works offline and `pc-switcher plugins`
#     lists every bundled job;
#   - `apt-get remove pc-switcher-plugin-docker` removes exactly docker.so, and
#     `pc-switcher config check` then names docker as not installed;
#   - plugins built with nothing but the pc-switcher-dev package's content (the
#     packaged example with find_package(PcSwitcher), a C plugin with one gcc line
#     and pkg-config, the same C source from a ten-line C-only CMakeLists) load
#     in the installed host;
#   - purging the packages leaves nothing of pc-switcher behind.
# The machine is left as it was: the packages are purged and the files removed.
#
# Usage: deb_test.sh SOURCE_DIR BUILD_DIR SANDBOX_SCRIPT
set -eu
src=$1
build=$2
sandbox=$3
packages="pc-switcher pc-switcher-plugin-user-data pc-switcher-plugin-packages pc-switcher-plugin-docker pc-switcher-dev"
bundled="btrfs_snapshots disk_space_monitor install_on_target user_data packages docker"
mdir=/tmp/pcs-deb-test # inside the machine (its /tmp is its own)
start=$(date +%s)
for tool in cpack lintian dpkg-shlibdeps dpkg-deb pkg-config gcc; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/install-deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d)
on_laptop() { "$sandbox" exec --root laptop "$@"; }
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
installed() { on_laptop dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
cleanup() {
  # shellcheck disable=SC2086
  on_laptop sh -c "dpkg --purge $packages >/dev/null 2>&1; rm -rf $mdir" || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "[$(($(date +%s) - start)) s] $*"; }

# 1. The packages, built from this build tree as `cpack` in it would.
step "cpack"
cpack --config "$build/CPackConfig.cmake" -B "$work/cpack" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack failed"; }
mkdir "$work/in"
for p in $packages; do
  deb=$(find "$work/cpack" -maxdepth 1 -name "${p}_*.deb")
  [ -n "$deb" ] || fail "cpack made no ${p}_*.deb: $(ls "$work/cpack")"
  cp "$deb" "$work/in/"
done
[ "$(find "$work/cpack" -maxdepth 1 -name '*.deb' | wc -l)" -eq 5 ] || fail "cpack made other packages too: $(ls "$work/cpack")"
dpkg-deb -f "$work/in"/pc-switcher_*.deb Provides | grep -q '^pc-switcher-abi-[0-9]' ||
  fail "pc-switcher does not provide pc-switcher-abi-<major>"
for p in user-data packages docker; do
  dpkg-deb -f "$work/in"/pc-switcher-plugin-${p}_*.deb Depends | grep -q 'pc-switcher-abi-[0-9]' ||
    fail "pc-switcher-plugin-$p does not depend on pc-switcher-abi-<major>"
done
dpkg-deb -f "$work/in"/pc-switcher-plugin-user-data_*.deb Depends | grep -qw rsync || fail "user-data: no rsync dependency"
dpkg-deb -c "$work/in"/pc-switcher_*.deb | grep -q 'dummy_' && fail "a test plugin is in the pc-switcher package"

# 2. lintian: no errors. Warnings are printed for the log.
step "lintian"
lintian --tag-display-limit 0 "$work/in"/*.deb >"$work/lintian.log" 2>&1 || true
cat "$work/lintian.log"
if grep -q '^E:' "$work/lintian.log"; then fail "lintian reports errors"; fi

# 3. Third-party plugins from the pc-switcher-dev package's content alone.
step "third-party plugins against pc-switcher-dev"
dpkg -x "$work/in"/pc-switcher-dev_*.deb "$work/dev"
prefix=$work/dev/usr
example=$prefix/share/pc-switcher/examples/example_sync_job
[ -f "$example/CMakeLists.txt" ] || fail "pc-switcher-dev has no example under share/pc-switcher/examples"
mkdir "$work/in/third-party"
if ! { cmake -S "$example" -B "$work/example-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release && cmake --build "$work/example-build"; } >"$work/example.log" 2>&1; then
  cat "$work/example.log"
  fail "the packaged example does not build against pc-switcher-dev"
fi
cp "$work/example-build/example.so" "$work/in/third-party/"
# A plain-C plugin: one compiler line, pkg-config from the package.
cflags=$(PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name pcswitcher-plugin.pc)") pkg-config --cflags --libs pcswitcher-plugin)
# shellcheck disable=SC2086
gcc -std=c99 -Wall -Wextra -pedantic -Werror $cflags -o "$work/in/third-party/c_hello.so" "$src/tests/plugins/c_hello.c" ||
  fail "a C plugin does not build with gcc and pkg-config against pc-switcher-dev"
# The same C source from a ten-line CMakeLists of a C-only project (its own
# directory: two plugins of one job name would clash).
mkdir "$work/c-cmake" "$work/in/third-party-cmake"
cp "$src/tests/install/deb_c_plugin/CMakeLists.txt" "$src/tests/plugins/c_hello.c" "$work/c-cmake/"
if ! { cmake -S "$work/c-cmake" -B "$work/c-cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" &&
  cmake --build "$work/c-cmake-build"; } >"$work/c-cmake.log" 2>&1; then
  cat "$work/c-cmake.log"
  fail "a C-only CMake project does not build a plugin against pc-switcher-dev"
fi
cp "$work/c-cmake-build/c_hello.so" "$work/in/third-party-cmake/"
grep -rq "$work" "$prefix" && fail "pc-switcher-dev's files name the build machine's temporary prefix"

# 4. Into the machine: root-owned, so the host trusts the plugin directory.
step "apt-get install on laptop"
chmod -R go-w "$work/in"
on_laptop sh -c "dpkg --purge $packages >/dev/null 2>&1; rm -rf $mdir && mkdir -m 755 $mdir" ||
  fail "cannot prepare $mdir on laptop"
tar -C "$work/in" --owner=0 --group=0 -cf - . | on_laptop tar -C "$mdir" -xf - || fail "cannot copy the packages in"
# Offline: every dependency is already on the machine (its root is this host's).
# (apt's --no-download refuses local .deb files; a proxy on a closed port makes
# any download fail at once instead.)
on_laptop env DEBIAN_FRONTEND=noninteractive sh -c "cd $mdir && apt-get install -y --no-install-recommends \
  -o Acquire::http::Proxy=http://127.0.0.1:9 -o Acquire::https::Proxy=http://127.0.0.1:9 ./pc-switcher*.deb" \
  >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install ./pc-switcher*.deb failed"; }
new=$(sed -n '/^The following NEW packages will be installed:/,/^[^ ]/p' "$work/apt.log" | sed '1d;$d' | tr -s ' \n' '\n' |
  grep . | sort | tr '\n' ' ')
[ "$new" = "pc-switcher pc-switcher-dev pc-switcher-plugin-docker pc-switcher-plugin-packages pc-switcher-plugin-user-data " ] ||
  { cat "$work/apt.log"; fail "apt-get installed more than the five packages: $new"; }
for p in $packages; do
  installed "$p" || fail "$p is not installed"
done

# 5. Every bundled job is there, from /usr/lib/pc-switcher/plugins.
step "pc-switcher plugins"
json=$("$sandbox" exec laptop pc-switcher plugins --json) || fail "pc-switcher plugins failed"
for name in $bundled; do
  echo "$json" | grep -q "\"name\": \"$name\"" || fail "installed pc-switcher does not list $name: $json"
done
echo "$json" | grep -q '"skipped": \[\]' || fail "a plugin was skipped: $json"
echo "$json" | grep -q '"/usr/lib/pc-switcher/plugins"' || fail "not searching /usr/lib/pc-switcher/plugins: $json"
"$sandbox" exec laptop pc-switcher --version || fail "pc-switcher --version failed"

# ... and the third-party plugins load beside them.
json=$("$sandbox" exec laptop pc-switcher plugins --json --plugin-dir "$mdir/third-party") ||
  fail "pc-switcher plugins --plugin-dir failed"
for name in example c_hello $bundled; do
  echo "$json" | grep -q "\"name\": \"$name\"" || fail "installed pc-switcher does not load $name: $json"
done
echo "$json" | grep -q '"skipped": \[\]' || fail "a third-party plugin was skipped: $json"
json=$("$sandbox" exec laptop pc-switcher plugins --json --plugin-dir "$mdir/third-party-cmake") ||
  fail "pc-switcher plugins --plugin-dir failed"
echo "$json" | grep -q '"name": "c_hello"' || fail "installed pc-switcher does not load the CMake-built C plugin: $json"
echo "$json" | grep -q '"skipped": \[\]' || fail "the CMake-built C plugin was skipped: $json"

# 6. A config with docker enabled is valid; without the docker package it names docker.
step "remove pc-switcher-plugin-docker"
on_laptop sh -c "printf '%s\n' 'sync_jobs:' '  docker: true' '  user_data: false' >$mdir/docker.yaml"
"$sandbox" exec laptop pc-switcher config check --config "$mdir/docker.yaml" >"$work/check.log" 2>&1 ||
  { cat "$work/check.log"; fail "config check with docker installed failed"; }
before=$(on_laptop find /usr/lib/pc-switcher/plugins -type f | sort)
on_laptop env DEBIAN_FRONTEND=noninteractive apt-get remove -y pc-switcher-plugin-docker >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "apt-get remove pc-switcher-plugin-docker failed"; }
after=$(on_laptop find /usr/lib/pc-switcher/plugins -type f | sort)
removed=$(printf '%s\n' "$before" | grep -vxF "$after" || true)
[ "$removed" = /usr/lib/pc-switcher/plugins/docker.so ] || fail "removing the docker package removed '$removed'"
for p in pc-switcher pc-switcher-plugin-user-data pc-switcher-plugin-packages pc-switcher-dev; do
  installed "$p" || fail "$p went with the docker package"
done
json=$("$sandbox" exec laptop pc-switcher plugins --json) || fail "pc-switcher plugins failed"
echo "$json" | grep -q '"name": "docker"' && fail "docker still listed after its package was removed"
for name in btrfs_snapshots disk_space_monitor install_on_target user_data packages; do
  echo "$json" | grep -q "\"name\": \"$name\"" || fail "$name gone after removing the docker package: $json"
done
if "$sandbox" exec laptop pc-switcher config check --config "$mdir/docker.yaml" >"$work/check.log" 2>&1; then
  fail "config check accepts docker after its package was removed"
fi
grep -q "no installed plugin provides job 'docker'" "$work/check.log" ||
  { cat "$work/check.log"; fail "config check does not name docker as not installed"; }

# 7. Purge: nothing of pc-switcher stays.
step "purge"
# shellcheck disable=SC2086
on_laptop env DEBIAN_FRONTEND=noninteractive apt-get purge -y $packages >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "apt-get purge failed"; }
# (dpkg -l lists a forgotten package as "un"/"pn" at most: anything else is left over.)
left=$(on_laptop sh -c 'dpkg -l "pc-switcher*" 2>/dev/null | grep "^[a-z][a-z] " | grep -v "^.n " || true')
[ -z "$left" ] || fail "dpkg still knows: $left"
left=$(on_laptop sh -c 'ls -d /usr/bin/pc-switcher /usr/lib/pc-switcher /usr/include/pcswitcher /usr/share/pc-switcher \
  /usr/share/doc/pc-switcher* /usr/lib/*/cmake/PcSwitcher /usr/lib/*/pkgconfig/pcswitcher-plugin.pc \
  /usr/share/bash-completion/completions/pc-switcher 2>/dev/null || true')
[ -z "$left" ] || fail "left after purge: $left"
step "deb_test: OK (5 packages, lintian without errors, install, plugins, remove, third-party plugins, purge)"
