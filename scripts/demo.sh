#!/bin/sh
# The README's first command: installs what is needed, builds pc-switcher, and
# runs it as a user would on a fresh machine: list the plugins, write the
# default config, enable two jobs and check the config. (A real sync to a
# sandbox target arrives with the orchestrator.)
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target pc-switcher dummy_success dummy_fail c_hello

demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
export XDG_CONFIG_HOME="$demo/config" XDG_DATA_HOME="$demo/data"
export PCSWITCHER_PLUGIN_PATH="$PWD/build/test-plugins"
pcs=build/host/pc-switcher

set -x
$pcs --version
$pcs plugins
$pcs init
sed -i 's/^  dummy_success: false/  dummy_success: true/; s/^  c_hello: false/  c_hello: true/' \
  "$XDG_CONFIG_HOME/pc-switcher/config.yaml"
$pcs config check
