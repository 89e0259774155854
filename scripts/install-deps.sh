#!/bin/sh
# Installs the Debian 12 packages pc-switcher needs to build and test.
# Runs apt-get only for what is missing, so a second run costs nothing.
set -eu
packages="cmake ninja-build g++ gcc pkg-config binutils libboost-dev libboost-program-options-dev
  libyaml-cpp-dev libvalijson-dev nlohmann-json3-dev libssh-dev libfmt-dev catch2 tmux
  dpkg-dev lintian clang-14 libclang-rt-14-dev"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "Installing:$missing"
  $sudo_cmd apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
