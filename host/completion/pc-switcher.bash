# bash completion for pc-switcher: commands (its own and the plugins'), each
# command's options, job names for --only/--skip and `plugins show`, and
# hosts from ~/.ssh/config for TARGET. Everything is read from pc-switcher
# itself (`--help`, `plugins --json`), so plugins added later complete too.
# Installed as share/bash-completion/completions/pc-switcher.

_pc_switcher_hosts() {
  local config=${PC_SWITCHER_SSH_CONFIG:-$HOME/.ssh/config}
  [ -r "$config" ] || return 0
  awk 'tolower($1) == "host" { for (i = 2; i <= NF; i++) if ($i !~ /[*?!]/) print $i }' "$config"
}

_pc_switcher_jobs() {
  "$1" plugins --json 2>/dev/null | sed -n 's/.*"name": *"\([a-z0-9_]*\)".*/\1/p'
}

_pc_switcher() {
  local cur prev exe cmd i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  exe=${COMP_WORDS[0]}
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done
  if [ -z "$cmd" ]; then
    local commands
    commands=$("$exe" --help 2>/dev/null | awk '/^Commands/ {on = 1; next} /^[A-Z]/ {on = 0} on && /^  [a-z]/ {print $1}' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return 0
  fi
  case $prev in
    --only | --skip) mapfile -t COMPREPLY < <(compgen -W "$(_pc_switcher_jobs "$exe")" -- "$cur"); return 0 ;;
    --config | --report) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
    --plugin-dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
    --host) mapfile -t COMPREPLY < <(compgen -W "source target both" -- "$cur"); return 0 ;;
  esac
  if [[ $cur == -* ]]; then
    local options
    options=$("$exe" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
    return 0
  fi
  case $cmd in
    plugins) [ "$prev" = show ] && mapfile -t COMPREPLY < <(compgen -W "$(_pc_switcher_jobs "$exe")" -- "$cur") ||
      mapfile -t COMPREPLY < <(compgen -W "show" -- "$cur") ;;
    config) mapfile -t COMPREPLY < <(compgen -W "check" -- "$cur") ;;
    plugin) [ "$prev" = plugin ] && mapfile -t COMPREPLY < <(compgen -W "check" -- "$cur") ||
      mapfile -t COMPREPLY < <(compgen -f -X '!*.so' -- "$cur"; compgen -d -S / -- "$cur") ;;
    init | logs) ;;
    *) mapfile -t COMPREPLY < <(compgen -W "$(_pc_switcher_hosts)" -- "$cur") ;;  # sync and plugin commands: TARGET
  esac
  return 0
}

complete -F _pc_switcher pc-switcher
