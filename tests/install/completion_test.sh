#!/bin/bash
# The bash completion, run as bash runs it: COMP_WORDS in, COMPREPLY out.
# Usage: completion_test.sh COMPLETION_SCRIPT PC_SWITCHER PLUGIN_DIR
set -u
script=$1
exe=$2
export PCSWITCHER_PLUGIN_PATH=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'Host desktop\n  HostName 10.0.0.2\nHost build-box *.lan\n' > "$work/ssh_config"
export PC_SWITCHER_SSH_CONFIG=$work/ssh_config
# shellcheck source=/dev/null
source "$script"
failures=0
expect() {  # expect "WORDS..." "word that must be offered" ["word that must not"]
  read -r -a COMP_WORDS <<< "$1"
  COMP_WORDS[0]=$exe
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _pc_switcher
  local got=" ${COMPREPLY[*]} "
  if [[ $got != *" $2 "* ]]; then echo "FAIL: '$1' did not offer '$2' (got:$got)"; failures=$((failures + 1)); fi
  if [ -n "${3:-}" ] && [[ $got == *" $3 "* ]]; then echo "FAIL: '$1' offered '$3'"; failures=$((failures + 1)); fi
}
expect "pc-switcher " sync pc-switcher   # not the examples of --help
expect "pc-switcher sn" snapshots sync          # a plugin's command
expect "pc-switcher sync --dr" --dry-run
expect "pc-switcher sync --apply-package-i" --apply-package-installs   # a plugin's sync option
expect "pc-switcher sync --only " packages
expect "pc-switcher sync " desktop "*.lan"      # ~/.ssh/config hosts, no patterns
expect "pc-switcher plugins show " user_data
expect "pc-switcher rollback --host " target
expect "pc-switcher plugin " check
mkdir "$work/plugins" && touch "$work/plugins/mine.so" "$work/plugins/notes.txt"
expect "pc-switcher plugin check $work/plugins/" "$work/plugins/mine.so" "$work/plugins/notes.txt"
[ $failures -eq 0 ] && echo "completion_test: OK" || exit 1
