#!/bin/sh
# Installs pc-switcher into a temporary prefix, then builds plugins the way a
# third party would — the example with find_package(PcSwitcher), and the plain-C
# test plugin with nothing but pkg-config — and checks that the installed host
# loads them.
# Usage: install_and_build_example.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null

fail() { echo "FAIL: $*" >&2; exit 1; }
for f in bin/pc-switcher include/pcswitcher/plugin.h include/pcswitcher/job.hpp include/pcswitcher/testkit.hpp \
         include/pcswitcher/json.hpp include/pcswitcher/executor.hpp \
         lib/pc-switcher/plugins/dummy_success.so lib/pc-switcher/plugins/dummy_fail.so \
         share/bash-completion/completions/pc-switcher share/man/man1/pc-switcher.1; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
cmake_dir=$(dirname "$(find "$prefix" -name PcSwitcherConfig.cmake | head -n 1)")
[ -n "$cmake_dir" ] || fail "no PcSwitcherConfig.cmake under $prefix"
pc_file=$(find "$prefix" -name pcswitcher-plugin.pc | head -n 1)
[ -n "$pc_file" ] || fail "no pcswitcher-plugin.pc under $prefix"

# 1. The example, out of tree, against the installed package only.
cmake -S "$src/examples/example_sync_job" -B "$work/example-build" -G Ninja \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INSTALL_PREFIX="$work/example-prefix" >/dev/null
cmake --build "$work/example-build" >/dev/null
cmake --install "$work/example-build" >/dev/null
plugin_dir=$work/example-prefix/lib/pc-switcher/plugins
[ -f "$plugin_dir/example.so" ] || fail "the example's install did not put example.so into $plugin_dir"

# 2. A plain-C plugin from one compiler line and pkg-config.
mkdir -p "$work/c-plugins"
chmod 755 "$work/c-plugins" "$plugin_dir"
cflags=$(PKG_CONFIG_PATH=$(dirname "$pc_file") pkg-config --cflags --libs pcswitcher-plugin)
# shellcheck disable=SC2086
gcc -std=c99 -Wall -Wextra -pedantic -Werror $cflags -o "$work/c-plugins/c_hello.so" "$src/tests/plugins/c_hello.c"

# 3. The installed host loads its own plugins and both third-party ones. (Its
# compiled-in default directory is the configured prefix's, not this temporary one.)
json=$(PCSWITCHER_PLUGIN_PATH="$work/c-plugins:$prefix/lib/pc-switcher/plugins" \
       "$prefix/bin/pc-switcher" plugins --json --plugin-dir "$plugin_dir")
for name in example c_hello dummy_success dummy_fail; do
  echo "$json" | grep -q "\"name\": \"$name\"" || fail "installed pc-switcher did not load $name: $json"
done
echo "$json" | grep -q '"skipped": \[\]' || fail "some plugin was skipped: $json"
exported=$(nm -D --defined-only "$plugin_dir/example.so" | awk '{print $3}')
[ "$exported" = "pcs_plugin_entry" ] || fail "example.so exports more than pcs_plugin_entry: $exported"
echo "install_and_build_example: OK (prefix layout, find_package, pkg-config, loading)"
