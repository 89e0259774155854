#!/bin/bash
# shellcheck disable=SC2016 # single-quoted commands are expanded inside the machines
# shellcheck disable=SC2317 # helpers are called through expect/ok
# Self-test of tests/sandbox/sandbox.sh: up -> checks -> down -> leftovers check.
# Prints one PASS/FAIL/SKIP line per check; exits 1 if any check failed.
# Refuses to run (exit 2) if the machines are already up, since it ends with
# `down`; pass --force to run anyway. Must run as root.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
sb=$here/sandbox.sh
force=0
[ "${1:-}" = --force ] && force=1

if "$sb" status laptop >/dev/null 2>&1 || "$sb" status desktop >/dev/null 2>&1; then
  if [ "$force" != 1 ]; then
    echo "sandbox machines are already up; this test ends with 'down'. Rerun with --force." >&2
    exit 2
  fi
fi

eval "$("$sb" info)"   # PCS_SANDBOX_DIR, PCS_SANDBOX_SSH_CONFIG, ...
state=$PCS_SANDBOX_DIR
cfg=$PCS_SANDBOX_SSH_CONFIG
fails=0
pass() { printf 'PASS %s\n' "$1"; }
fail() { printf 'FAIL %s%s\n' "$1" "${2:+ ($2)}"; fails=$((fails + 1)); }
skip() { printf 'SKIP %s%s\n' "$1" "${2:+ ($2)}"; }
# expect NAME WANTED CMD...: CMD's stdout (trimmed) must equal WANTED.
expect() {
  local name=$1 want=$2 got; shift 2
  got=$("$@" 2>&1)
  local rc=$?
  if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "rc=$rc, got '$got', want '$want'"; fi
}
# ok NAME CMD...: CMD must succeed.
ok() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"; fi
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
sshc() { ssh -F "$cfg" "$@"; }
ex() { "$sb" exec "$@"; }

base_sshd=$(pgrep -x sshd | sort | tr '\n' ' ')
host_hostname=$(hostname)
marker=pcs-selftest-$$

# ------------------------------------------------------------------ up
t0=$(now)
if up_out=$("$sb" up 2>&1); then
  pass "up ($(elapsed "$t0" "$(now)") s)"
else
  fail "up" "$(printf '%s' "$up_out" | tail -n 5 | tr '\n' ' ')"
  "$sb" down >/dev/null 2>&1
  exit 1
fi
ok "status reports both machines up" "$sb" status laptop desktop
pids_before=$(cat "$state/machines/laptop/pid" "$state/machines/desktop/pid")

# ------------------------------------------------------------------ identity and ssh
expect "ssh laptop hostname" laptop sshc laptop hostname
expect "ssh desktop hostname" desktop sshc desktop hostname
expect "exec laptop hostname (no ssh)" laptop ex laptop hostname
expect "exec runs as pcsuser uid 4242" "pcsuser 4242" ex laptop sh -c 'echo "$(id -un) $(id -u)"'
expect "exec --root runs as root" 0 ex --root laptop id -u
expect "host hostname unchanged" "$host_hostname" hostname
expect "laptop: ssh desktop hostname" desktop ex laptop ssh desktop hostname
expect "desktop: ssh laptop hostname" laptop ex desktop ssh laptop hostname
expect "laptop: ssh 127.0.0.3 (by address) hostname" desktop ex laptop ssh 127.0.0.3 hostname
expect "pcsuser login shell is /bin/bash" /bin/bash sshc laptop 'getent passwd pcsuser | cut -d: -f7'
ok "sudo -n true as pcsuser (over ssh)" sshc laptop sudo -n true
ok "sudo -n true as pcsuser (exec)" ex desktop sudo -n true

# ------------------------------------------------------------------ isolation
ok "write /etc/$marker in laptop" sshc laptop "echo x | sudo tee /etc/$marker >/dev/null && test -f /etc/$marker"
if [ ! -e "/etc/$marker" ]; then pass "/etc/$marker not on host"; else fail "/etc/$marker not on host"; rm -f "/etc/$marker"; fi
ok "/etc/$marker not in desktop" ex desktop sh -c "! test -e /etc/$marker"
ok "write /run/$marker in laptop" ex --root laptop sh -c "touch /run/$marker"
if [ ! -e "/run/$marker" ]; then pass "/run/$marker not on host"; else fail "/run/$marker not on host"; rm -f "/run/$marker"; fi
ok "/run/$marker not in desktop" ex desktop sh -c "! test -e /run/$marker"
expect "/run is a tmpfs with /run/sshd" "tmpfs yes" ex laptop sh -c 'echo "$(findmnt -n -o FSTYPE /run) $(test -d /run/sshd && echo yes)"'
expect "/ is an overlay" overlay ex laptop findmnt -n -o FSTYPE /
ok "no pcsuser on the host" sh -c '! getent passwd pcsuser'

# ------------------------------------------------------------------ btrfs
expect "/home is btrfs subvolume @home" "btrfs /@home" ex laptop findmnt -rn -o FSTYPE,FSROOT /home
expect "/mnt/btrfs is the top level (subvolid 5)" "btrfs /" ex laptop findmnt -rn -o FSTYPE,FSROOT /mnt/btrfs
expect "/mnt/btrfs-root is subvolume @" "btrfs /@" ex laptop findmnt -rn -o FSTYPE,FSROOT /mnt/btrfs-root
expect "home dir on btrfs, owned by pcsuser" "pcsuser btrfs" ex laptop sh -c 'echo "$(stat -c %U ~) $(stat -f -c %T ~)"'
expect "sudo btrfs subvolume list lists @ and @home" "@ @home" \
  ex laptop sh -c "sudo -n btrfs subvolume list /mnt/btrfs | awk '{print \$NF}' | sort | tr '\n' ' ' | sed 's/ \$//'"
ok "snapshot and delete @home (sudo)" ex laptop sh -c \
  'sudo -n btrfs -q subvolume snapshot -r /mnt/btrfs/@home /mnt/btrfs/st-snap && sudo -n btrfs -q subvolume delete /mnt/btrfs/st-snap'
if [ "$(ex laptop findmnt -n -o SOURCE /home)" != "$(ex desktop findmnt -n -o SOURCE /home)" ]; then
  pass "laptop and desktop have different btrfs devices"
else
  fail "laptop and desktop have different btrfs devices"
fi
if [ -z "$(findmnt -rn -t btrfs)" ]; then pass "no btrfs mount visible on the host"; else fail "no btrfs mount visible on the host"; fi

# ------------------------------------------------------------------ transfer and build tree
tmpd=$(mktemp -d)
echo "hello" >"$tmpd/f"
ok "sftp (internal-sftp) put/get" sh -c "printf 'put $tmpd/f f-sftp\nget f-sftp $tmpd/g\n' | sftp -q -F '$cfg' -b - laptop >/dev/null && cmp -s '$tmpd/f' '$tmpd/g'"
ok "rsync host -> laptop" sh -c "rsync -a -e 'ssh -F $cfg' '$tmpd/' laptop:rs/ && ssh -F '$cfg' laptop 'test \"\$(cat rs/f)\" = hello'"
rm -rf "$tmpd"
ok "/work is visible read-only" ex laptop sh -c "test -r '$sb' && ! touch /work/$marker 2>/dev/null"
pcs=/work/main/build/host/pc-switcher
if [ -x "$pcs" ]; then
  ok "$pcs --version inside laptop" ex laptop "$pcs" --version
else
  skip "$pcs --version inside laptop" "not built"
fi

# ------------------------------------------------------------------ idempotent up
t0=$(now)
ok "up when already up" "$sb" up
pids_after=$(cat "$state/machines/laptop/pid" "$state/machines/desktop/pid")
if [ "$pids_before" = "$pids_after" ]; then
  pass "up when already up kept the machines ($(elapsed "$t0" "$(now)") s)"
else
  fail "up when already up kept the machines" "pids changed"
fi

# ------------------------------------------------------------------ down and leftovers
t0=$(now)
if down_out=$("$sb" down 2>&1); then
  pass "down ($(elapsed "$t0" "$(now)") s)"
else
  fail "down" "$(printf '%s' "$down_out" | tail -n 5 | tr '\n' ' ')"
fi
if ! "$sb" status laptop >/dev/null && ! "$sb" status desktop >/dev/null; then
  pass "status reports both machines down"
else
  fail "status reports both machines down"
fi
mnts=$(findmnt -rn -o TARGET,SOURCE | grep -E "pcs-|$state|loop" || true)
if [ -z "$mnts" ]; then pass "no mount left (findmnt)"; else fail "no mount left (findmnt)" "$mnts"; fi
loops=$(losetup -a | grep -F "$state" || true)
if [ -z "$loops" ]; then pass "no loop device left (losetup -a)"; else fail "no loop device left (losetup -a)" "$loops"; fi
now_sshd=$(pgrep -x sshd | sort | tr '\n' ' ')
if [ "$now_sshd" = "$base_sshd" ]; then pass "no sshd left (pgrep sshd)"; else fail "no sshd left (pgrep sshd)" "$now_sshd"; fi
# Non-zombie processes still referring to the sandbox (a killed unshare is a
# zombie for ~1 s until the host's PID 1 reaps it; it holds nothing).
procs=$(ps -eo stat=,pid=,args= | awk -v s="$state" -v b="$sb" '$1 !~ /^Z/ && (index($0, s) || index($0, b " __init"))' |
  grep -v -e "sandbox_selftest" -e " awk " || true)
if [ -z "$procs" ]; then pass "no sandbox process left"; else fail "no sandbox process left" "$procs"; fi
if ! getent passwd pcsuser >/dev/null; then pass "no pcsuser on the host (getent)"; else fail "no pcsuser on the host (getent)"; fi
if [ ! -e /etc/sudoers.d/pcs-sandbox ]; then pass "no sudoers drop-in on the host"; else fail "no sudoers drop-in on the host"; fi
if [ -z "$(ss -Hltn src 127.0.0.2 sport = :22; ss -Hltn src 127.0.0.3 sport = :22)" ]; then
  pass "nothing listening on 127.0.0.2/3:22"
else
  fail "nothing listening on 127.0.0.2/3:22"
fi
if ! ls "$state"/machines/*/btrfs.img >/dev/null 2>&1 || [ "${PCS_SANDBOX_KEEP_DISK:-0}" = 1 ]; then
  pass "btrfs images removed"
else
  fail "btrfs images removed"
fi

if [ "$fails" -eq 0 ]; then echo "ALL PASSED"; exit 0; fi
echo "$fails check(s) FAILED"
exit 1
