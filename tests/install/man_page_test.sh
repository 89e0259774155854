#!/bin/bash
# The man page says what --help says: it renders without a warning, has every
# section, every command (pc-switcher's and its packaged plugins'), every
# option of each command's --help, and every variable --help names.
# Usage: man_page_test.sh MAN_PAGE PC_SWITCHER
set -u
page=$1
exe=$2
plugins=$page.plugins   # the packaged plugins the page was written with
export PCSWITCHER_PLUGIN_PATH=$plugins
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

warnings=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$page" 2>&1 >/dev/null)
[ -z "$warnings" ] || fail "man --warnings: $warnings"
# Plain text, hyphenation and adjustment off, so words can be searched for.
text=$( (printf '.hy 0\n.na\n'; cat "$page") | LC_ALL=C.UTF-8 MANWIDTH=200 man -l - 2>/dev/null | col -b)

for section in NAME SYNOPSIS DESCRIPTION COMMANDS FILES ENVIRONMENT "EXIT STATUS" EXAMPLES "SEE ALSO"; do
  grep -qx "$section" <<< "$text" || fail "no $section section"
done

# Commands: the host's from --help's list, the plugins' from their lines there.
commands=$("$exe" --help --plugin-dir "$plugins" | awk '/^Commands/ {on = 1; next} /^$/ {on = 0} on {print $1}' | sort -u)
[ "$(wc -w <<< "$commands")" -ge 9 ] || fail "too few commands in --help: $commands"
for c in $commands; do
  case $c in
    plugin) words="plugin check" ;; config) words="config check" ;; *) words=$c ;;
  esac
  grep -qx "   pc-switcher $words" <<< "$text" || fail "no subsection for pc-switcher $words"
  # shellcheck disable=SC2086
  for option in $("$exe" $words --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
    grep -q -- "$option" <<< "$(sed -n "/^   pc-switcher $words\$/,/^   pc-switcher /p" <<< "$text")" ||
      fail "pc-switcher $words: $option is in --help but not in its man section"
  done
done
for variable in $("$exe" --help | awk '/^Environment:/ {on = 1; next} /^$/ {on = 0} on && /^  [A-Z]/ {print $1}' | tr -d ,); do
  grep -q "$variable" <<< "$(sed -n '/^ENVIRONMENT$/,/^EXIT STATUS$/p' <<< "$text")" || fail "ENVIRONMENT lacks $variable"
done
for code in 0 1 2 130; do
  sed -n '/^EXIT STATUS$/,/^EXAMPLES$/p' <<< "$text" | grep -qE "^ +$code +" || fail "EXIT STATUS lacks $code"
done
grep -q "$("$exe" --version | awk '{print $2}')" <<< "$(head -n 1 <<< "$text")$(tail -n 1 <<< "$text")" ||
  fail "the page does not name this version"
[ $failures -eq 0 ] && echo "man_page_test: OK ($(wc -w <<< "$commands") commands)" || exit 1
