#!/bin/bash
# Sandbox "machines" for pc-switcher's integration tests: each one is a mount +
# UTS + PID namespace with its own hostname, an overlay root (lowerdir=/, upper
# on tmpfs), a private /run and /tmp, a btrfs loop image (@ and @home) and a
# real OpenSSH sshd on its own loopback address. See README.md next to this file.
#
# Usage: sandbox.sh up [NAME...]        start machines (default: laptop desktop)
#        sandbox.sh down [NAME...]      stop machines (default: every known one)
#        sandbox.sh status [NAME...]    one line per machine; exit 0 iff all up
#        sandbox.sh exec [--root] NAME CMD...   run CMD in NAME as pcsuser (or root)
#        sandbox.sh ssh-config          print the host's ssh_config for the machines
#        sandbox.sh info                print KEY=VALUE lines (paths, user, addresses)
# Environment: PCS_SANDBOX_DIR (state dir, default /var/tmp/pcs-sandbox),
#   PCS_SANDBOX_DISK_SIZE (btrfs image size, default 1G),
#   PCS_SANDBOX_TMPFS_SIZE (overlay upper size limit, default 4G),
#   PCS_SANDBOX_RO_BINDS (host dirs bound read-only into every machine, default /work),
#   PCS_SANDBOX_KEEP_DISK=1 (down keeps the btrfs image, up reuses it).
set -euo pipefail

STATE=${PCS_SANDBOX_DIR:-/var/tmp/pcs-sandbox}
DISK_SIZE=${PCS_SANDBOX_DISK_SIZE:-1G}
TMPFS_SIZE=${PCS_SANDBOX_TMPFS_SIZE:-4G}
RO_BINDS=${PCS_SANDBOX_RO_BINDS:-/work}
KEEP_DISK=${PCS_SANDBOX_KEEP_DISK:-0}
TUSER=pcsuser
TUID=4242
DEFAULT_MACHINES=(laptop desktop)
# Fixed addresses; any other name gets the next free 127.0.0.N (N >= 4) on its
# first `up`, recorded in $STATE/addresses so it keeps that address afterwards.
declare -A FIXED_ADDR=([laptop]=127.0.0.2 [desktop]=127.0.0.3)
SELF=$(readlink -f "$0")
LOCK_FD=9

log() { printf 'sandbox: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
STATE=$(realpath -m "$STATE")
export PCS_SANDBOX_DIR=$STATE

mdir() { printf '%s/machines/%s' "$STATE" "$1"; }
hostkey() { printf '%s/ssh_host_ed25519_key' "$(mdir "$1")"; }
CLIENT_KEY=$STATE/client/id_ed25519
HOST_SSH_CONFIG=$STATE/ssh_config
HOST_KNOWN_HOSTS=$STATE/known_hosts

valid_name() { [[ $1 =~ ^[a-z][a-z0-9-]{0,30}$ ]]; }

# ---------------------------------------------------------------- dependencies
ensure_deps() {
  local packages="openssh-server openssh-client btrfs-progs sudo iproute2 rsync util-linux mount passwd acl attr psmisc podman runc iptables"
  local missing installed p
  # shellcheck disable=SC2086 # word splitting intended
  # dpkg-query exits 1 when a package was never installed: not an error here.
  installed=" $({ dpkg-query -W -f='${Package} ${Status}\n' $packages 2>/dev/null || true; } |
    awk '/ install ok installed$/ {printf "%s ", $1}')"
  missing=""
  for p in $packages; do [[ $installed == *" $p "* ]] || missing="$missing $p"; done
  [ -z "$missing" ] && return 0
  log "installing:$missing"
  # Keep the package scripts from starting a host sshd (it would take port 22
  # on every address): policy-rc.d exit 101 = "do not start services".
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local rc=0
  # shellcheck disable=SC2086 # word splitting intended
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends $missing >/dev/null; } || rc=$?
  [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || die "apt-get failed (rc=$rc)"
}

# ---------------------------------------------------------------- names/addresses
known_names() {   # defaults, then the table's names, unique, in order
  {
    printf '%s\n' "${DEFAULT_MACHINES[@]}"
    [ -f "$STATE/addresses" ] && awk '!/^#/ {print $1}' "$STATE/addresses"
    [ -d "$STATE/machines" ] && ls -1 "$STATE/machines"
  } | awk 'NF && !seen[$0]++'
}

addr_of() {   # prints the address; allocates one (needs the lock) when $2 = alloc
  local name=$1 a
  if [ -n "${FIXED_ADDR[$name]:-}" ]; then printf '%s\n' "${FIXED_ADDR[$name]}"; return; fi
  if [ -f "$STATE/addresses" ]; then
    a=$(awk -v n="$name" '!/^#/ && $1 == n {print $2}' "$STATE/addresses")
    [ -n "$a" ] && { printf '%s\n' "$a"; return; }
  fi
  [ "${2:-}" = alloc ] || return 1
  local used n
  used=" $(printf '%s ' "${FIXED_ADDR[@]}")"
  [ -f "$STATE/addresses" ] && used+=" $(awk '!/^#/ {printf "%s ", $2}' "$STATE/addresses")"
  for ((n = 4; n <= 254; n++)); do
    if [[ $used != *" 127.0.0.$n "* ]]; then
      printf '%s 127.0.0.%s\n' "$name" "$n" >>"$STATE/addresses"
      printf '127.0.0.%s\n' "$n"
      return
    fi
  done
  die "no free address for $name"
}

# ---------------------------------------------------------------- keys and ssh files
ensure_state() {
  mkdir -p "$STATE/machines" "$STATE/client"
  chmod 755 "$STATE"
  chmod 700 "$STATE/client"
  if [ ! -f "$STATE/addresses" ]; then
    { echo "# name address (laptop and desktop are fixed; others are appended on first up)"
      for n in "${DEFAULT_MACHINES[@]}"; do echo "$n ${FIXED_ADDR[$n]}"; done; } >"$STATE/addresses"
  fi
  if [ ! -f "$CLIENT_KEY" ]; then
    ssh-keygen -q -t ed25519 -N '' -C "pcs-sandbox-client" -f "$CLIENT_KEY"
  fi
}

ensure_hostkey() {
  local d; d=$(mdir "$1")
  mkdir -p "$d/log" "$d/root" "$d/rw"
  [ -f "$(hostkey "$1")" ] || ssh-keygen -q -t ed25519 -N '' -C "pcs-sandbox-$1" -f "$(hostkey "$1")"
}

# ssh_config body for all known machines. $1 = identity file, $2 = known_hosts.
gen_ssh_config() {
  local idf=$1 kh=$2 n a
  echo "# Generated by tests/sandbox/sandbox.sh; pc-switcher sandbox machines."
  for n in $(known_names); do
    a=$(addr_of "$n") || continue
    cat <<EOF
Host $n $a
    HostName $a
    Port 22
    User $TUSER
    IdentityFile $idf
    IdentitiesOnly yes
    UserKnownHostsFile $kh
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    CheckHostIP no
    BatchMode yes
    ConnectTimeout 5
    LogLevel ERROR
EOF
  done
}

gen_known_hosts() {
  local n a
  for n in $(known_names); do
    a=$(addr_of "$n") || continue
    [ -f "$(hostkey "$n").pub" ] || continue
    printf '%s,%s %s\n' "$n" "$a" "$(cut -d' ' -f1,2 "$(hostkey "$n").pub")"
  done
}

gen_hosts_block() {
  local n a
  echo "# pcs-sandbox begin"
  for n in $(known_names); do
    a=$(addr_of "$n") || continue
    echo "$a $n"
  done
  echo "# pcs-sandbox end"
}

write_host_ssh_files() {
  gen_ssh_config "$CLIENT_KEY" "$HOST_KNOWN_HOSTS" >"$HOST_SSH_CONFIG.tmp"
  gen_known_hosts >"$HOST_KNOWN_HOSTS.tmp"
  mv -f "$HOST_SSH_CONFIG.tmp" "$HOST_SSH_CONFIG"
  mv -f "$HOST_KNOWN_HOSTS.tmp" "$HOST_KNOWN_HOSTS"
}

write_sshd_config() {
  local name=$1 a=$2 d; d=$(mdir "$name")
  cat >"$d/sshd_config" <<EOF
# Generated by tests/sandbox/sandbox.sh for machine $name (paths are the same
# inside the machine: the state dir is bound read-only at the same path).
ListenAddress $a:22
HostKey $(hostkey "$name")
PidFile /run/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
StrictModes yes
UseDNS no
PrintMotd no
X11Forwarding no
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
LogLevel INFO
EOF
}

# Rewrites, inside every running machine, pcsuser's ~/.ssh/config and
# known_hosts and the /etc/hosts block, so each machine knows all the others.
refresh_peers() {
  local n pid cfg kh hosts
  # shellcheck disable=SC2088 # the ~ is for ssh to expand
  cfg=$(gen_ssh_config "~/.ssh/id_ed25519" "~/.ssh/known_hosts")
  kh=$(gen_known_hosts)
  hosts=$(gen_hosts_block)
  for n in $(known_names); do
    pid=$(running_pid "$n") || continue
    # shellcheck disable=SC2016 # expanded by the inner shell
    CFG=$cfg KH=$kh HOSTS=$hosts U=$TUSER ID=$TUID nsenter -t "$pid" -m -r -W / /bin/sh -ec '
      h=/home/$U/.ssh
      printf "%s\n" "$CFG" >"$h/config"; printf "%s\n" "$KH" >"$h/known_hosts"
      chown "$ID:$ID" "$h/config" "$h/known_hosts"; chmod 600 "$h/config" "$h/known_hosts"
      sed "/^# pcs-sandbox begin/,/^# pcs-sandbox end/d" /etc/hosts >/etc/hosts.pcs-new
      printf "%s\n" "$HOSTS" >>/etc/hosts.pcs-new
      cat /etc/hosts.pcs-new >/etc/hosts; rm -f /etc/hosts.pcs-new'
  done
}

# ---------------------------------------------------------------- process state
# Prints the host pid of NAME's namespace init (its sshd) if it is running.
running_pid() {
  local d pid ns; d=$(mdir "$1")
  [ -f "$d/pid" ] && [ -f "$d/mntns" ] || return 1
  pid=$(cat "$d/pid"); ns=$(cat "$d/mntns")
  [ -n "$pid" ] && [ -e "/proc/$pid" ] || return 1
  [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$ns" ] || return 1
  printf '%s\n' "$pid"
}

# All host pids whose mount namespace is NAME's (zombies have none, so they are
# not listed). One stat call: the inode of /proc/PID/ns/mnt is the namespace id.
ns_pids() {
  local ino; ino=$(tr -dc 0-9 2>/dev/null <"$(mdir "$1")/mntns") || return 0
  [ -n "$ino" ] || return 0
  stat -L -c '%i %n' /proc/[0-9]*/ns/mnt 2>/dev/null |
    awk -v i="$ino" '$1 == i { split($2, p, "/"); print p[3] }'
  return 0
}

listening() { [ -n "$(ss -Hltn src "$1" sport = :22 2>/dev/null)" ]; }

# ---------------------------------------------------------------- init (inside the namespaces)
# Runs as PID 1 of a new PID namespace, in new mount + UTS namespaces.
machine_init() {
  local name=$1 a=$2 loop=$3
  local d; d=$(mdir "$name")
  local R=$d/root W=$d/rw
  trap 'echo "init failed (line $LINENO)" >&2; echo fail >"$d/init.status"' ERR
  # /proc is still the host's here, so this is our pid as the host sees it.
  local hostpid _rest
  read -r hostpid _rest </proc/self/stat
  readlink /proc/self/ns/mnt >"$d/mntns"
  echo "$hostpid" >"$d/pid"

  hostname "$name"
  mount -t tmpfs -o "mode=0755,size=$TMPFS_SIZE" "pcs-$name-rw" "$W"
  mkdir "$W/upper" "$W/work"
  mount -t overlay -o "lowerdir=/,upperdir=$W/upper,workdir=$W/work" "pcs-$name" "$R"
  mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
  mount --rbind /sys "$R/sys"
  mount --rbind /dev "$R/dev"
  mount -t tmpfs -o mode=1777,nosuid,nodev shm "$R/dev/shm"
  mount -t tmpfs -o mode=0755,nosuid,nodev,size=256M run "$R/run"
  mkdir -p "$R/run/sshd" "$R/run/lock"
  chmod 1777 "$R/run/lock"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$R/tmp"
  # State dir: read-only at the same path (sshd_config, host key, client key);
  # the machine's log dir writable (sshd's log).
  mkdir -p "$R$STATE"
  mount --bind "$STATE" "$R$STATE"
  mount -o remount,bind,ro "$R$STATE"
  mount --bind "$d/log" "$R$d/log"
  local b
  for b in $RO_BINDS; do
    [ -d "$b" ] || continue
    mkdir -p "$R$b"
    mount --rbind "$b" "$R$b"
    mount -o remount,bind,ro "$R$b"
  done

  # btrfs: top level (subvolid=5) at /mnt/btrfs, @home at /home, @ at /mnt/btrfs-root.
  local bo=user_subvol_rm_allowed
  mkdir -p "$R/mnt/btrfs" "$R/mnt/btrfs-root"
  mount -t btrfs -o "subvolid=5,$bo" "$loop" "$R/mnt/btrfs"
  [ -d "$R/mnt/btrfs/@" ] || btrfs -q subvolume create "$R/mnt/btrfs/@"
  [ -d "$R/mnt/btrfs/@home" ] || btrfs -q subvolume create "$R/mnt/btrfs/@home"
  mount -t btrfs -o "subvol=/@home,$bo" "$loop" "$R/home"
  mount -t btrfs -o "subvol=/@,$bo" "$loop" "$R/mnt/btrfs-root"
  # Detaching a busy loop device marks it autoclear: the kernel frees it when
  # the last mount goes, i.e. when this namespace ends, even without `down`.
  losetup -d "$loop"

  # The test user exists only inside the machine (overlay upper): nothing to
  # remove on the host afterwards.
  # shellcheck disable=SC2016 # expanded by the inner shell
  U=$TUSER ID=$TUID KEY=$CLIENT_KEY ADDR=$a NAME=$name chroot "$R" /bin/sh -ec '
    if ! getent passwd "$U" >/dev/null; then
      getent group "$ID" >/dev/null || groupadd -g "$ID" "$U"
      useradd -M -d "/home/$U" -u "$ID" -g "$ID" -s /bin/bash -c "pc-switcher test user" "$U"
    fi
    [ "$(id -u "$U")" = "$ID" ] || { echo "$U exists with another uid" >&2; exit 1; }
    usermod -p "*" "$U"    # not locked: sshd with UsePAM no refuses locked accounts
    if [ ! -d "/home/$U" ]; then
      mkdir -p "/home/$U"; cp -a /etc/skel/. "/home/$U/"
      chown -R "$ID:$ID" "/home/$U"; chmod 755 "/home/$U"
    fi
    echo "$U ALL=(ALL:ALL) NOPASSWD: ALL" >/etc/sudoers.d/pcs-sandbox
    chmod 0440 /etc/sudoers.d/pcs-sandbox
    s=/home/$U/.ssh
    install -d -m 700 -o "$ID" -g "$ID" "$s"
    install -m 600 -o "$ID" -g "$ID" "$KEY" "$s/id_ed25519"
    install -m 644 -o "$ID" -g "$ID" "$KEY.pub" "$s/id_ed25519.pub"
    install -m 600 -o "$ID" -g "$ID" "$KEY.pub" "$s/authorized_keys"
    printf "# pcs-sandbox begin\n%s %s\n# pcs-sandbox end\n" "$ADDR" "$NAME" >>/etc/hosts
    echo "$NAME" >/etc/hostname
  '
  echo ok >"$d/init.status"
  trap - ERR
  exec chroot "$R" /usr/sbin/sshd -D -f "$d/sshd_config" -E "$d/log/sshd.log"
}

# ---------------------------------------------------------------- up / down
take_lock() {
  mkdir -p "$STATE"
  eval "exec $LOCK_FD>\"$STATE/.lock\""
  flock "$LOCK_FD"
}

# Prepares NAME's disk and starts its namespace init in the background.
machine_start() {
  local name=$1 a d pid
  d=$(mdir "$name")
  a=$(addr_of "$name" alloc)
  if pid=$(running_pid "$name") && listening "$a"; then
    return 0
  fi
  machine_down "$name" quiet   # clear leftovers of a dead or half-started machine
  if listening "$a"; then
    die "$a:22 is already in use by another process (not machine $name)"
  fi
  ensure_hostkey "$name"
  write_sshd_config "$name" "$a"
  rm -f "$d/init.status" "$d/pid" "$d/mntns" "$d/unshare.pid"
  : >"$d/log/init.log"
  : >"$d/log/sshd.log"

  local img=$d/btrfs.img
  if [ "$KEEP_DISK" != 1 ] || [ ! -f "$img" ]; then
    rm -f "$img"
    truncate -s "$DISK_SIZE" "$img"
    mkfs.btrfs -q -f -L "pcs-$name" "$img" >/dev/null
  fi
  local loop
  loop=$(losetup --find --show "$img")
  echo "$loop" >"$d/loopdev"

  # setsid: own session, so the caller's terminal signals do not reach it;
  # --kill-child: if unshare dies, the namespace init dies too.
  # Close every inherited fd above 2 (our lock, a test harness's pipes) so the
  # long-running machine holds nothing of the caller's.
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec setsid unshare --mount --uts --pid --fork --kill-child --propagation private \
      "$SELF" __init "$name" "$a" "$loop"
  ) </dev/null >>"$d/log/init.log" 2>&1 &
  echo $! >"$d/unshare.pid"
}

# Waits until machine_start's machine is serving (or has failed).
machine_wait() {
  local name=$1 a d
  d=$(mdir "$name")
  a=$(addr_of "$name")
  local i st=""
  for ((i = 0; i < 300; i++)); do     # up to 15 s
    st=$(cat "$d/init.status" 2>/dev/null || true)
    if [ "$st" = ok ] && listening "$a" && running_pid "$name" >/dev/null; then break; fi
    [ "$st" = fail ] && break
    kill -0 "$(cat "$d/unshare.pid")" 2>/dev/null || { st=died; break; }
    sleep 0.05
  done
  if ! { [ "$st" = ok ] && listening "$a"; }; then
    log "machine $name failed to start (state: ${st:-timeout}); init log:"
    sed 's/^/  | /' "$d/log/init.log" >&2 || true
    [ -s "$d/log/sshd.log" ] && sed 's/^/  sshd| /' "$d/log/sshd.log" >&2
    machine_down "$name" quiet
    return 1
  fi
}

machine_down() {
  local name=$1 quiet=${2:-} d pid p i
  d=$(mdir "$name")
  [ -d "$d" ] || return 0
  local was_up=0
  running_pid "$name" >/dev/null && was_up=1
  # SIGKILL to the PID namespace's init kills every process in it; the mount
  # namespace (overlay, tmpfs, btrfs mounts) goes away with its last process.
  # Its parent, unshare, then reaps it and exits.
  if pid=$(running_pid "$name"); then kill -KILL "$pid" 2>/dev/null || true; fi
  local left
  for ((i = 0; i < 200; i++)); do     # up to 10 s
    left=$(ns_pids "$name")
    [ -z "$left" ] && break
    # Anything else in the mount namespace (e.g. entered with nsenter -m only).
    for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
    sleep 0.02
  done
  [ -z "$(ns_pids "$name")" ] || log "warning: processes of $name still alive: $(ns_pids "$name" | tr '\n' ' ')"
  # unshare exits once its child is gone. It is then a zombie until host PID 1
  # reaps it (~1.2 s with this VM's init); not waited for: a zombie holds
  # nothing (no mounts, files or loop devices).
  p=$(cat "$d/unshare.pid" 2>/dev/null || true)
  if [ -n "$p" ]; then
    for ((i = 0; i < 100; i++)); do   # up to 2 s
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = unshare ] || break
      [ "$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)" = Z ] && break
      ((i < 25)) || kill -KILL "$p" 2>/dev/null || true
      sleep 0.02
    done
  fi

  # Loop devices: detach explicitly (if the filesystem is still being
  # unmounted the kernel marks the device autoclear and drops it after).
  local img=$d/btrfs.img dev
  if [ -f "$img" ]; then
    for ((i = 0; i < 200; i++)); do
      local devs; devs=$(losetup -j "$img" -O NAME -n 2>/dev/null || true)
      [ -z "$devs" ] && break
      for dev in $devs; do losetup -d "$dev" 2>/dev/null || true; done
      sleep 0.05
    done
    [ -z "$(losetup -j "$img" -O NAME -n 2>/dev/null)" ] || { log "error: loop device for $img still attached"; return 1; }
    [ "$KEEP_DISK" = 1 ] || rm -f "$img"
  fi
  rm -f "$d/pid" "$d/mntns" "$d/unshare.pid" "$d/loopdev" "$d/init.status"
  [ -z "$quiet" ] && [ "$was_up" = 1 ] && log "$name: down"
  return 0
}

# ---------------------------------------------------------------- status
status_line() {
  local name=$1 a d pid hn btrfs sshd
  d=$(mdir "$name")
  a=$(addr_of "$name") || a=unassigned
  if ! pid=$(running_pid "$name"); then
    printf '%-10s down  addr=%s\n' "$name" "$a"
    return 1
  fi
  hn=$(nsenter -t "$pid" -u uname -n 2>/dev/null || echo '?')
  [ "$hn" = "$name" ] && hn="ok($hn)" || hn="BAD($hn)"
  # mountinfo paths are relative to the machine's root.
  btrfs=$(awk '{ for (i = 7; $i != "-"; i++); if ($(i+1) == "btrfs") { printf "%s%s", sep, $5; sep="," } }' \
    "/proc/$pid/mountinfo")
  [ -n "$btrfs" ] || btrfs=none
  listening "$a" && sshd=listening || sshd=NOT-listening
  printf '%-10s up    pid=%s addr=%s hostname=%s sshd=%s btrfs=%s\n' "$name" "$pid" "$a" "$hn" "$sshd" "$btrfs"
  [[ $hn == ok* && $sshd == listening && $btrfs == *"/home"* ]]
}

cmd_status() {
  local names=("$@") rc=0 n
  [ ${#names[@]} -gt 0 ] || mapfile -t names < <(known_names)
  for n in "${names[@]}"; do status_line "$n" || rc=3; done
  return $rc
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local names=("$@") n failed=0 started=0
  [ ${#names[@]} -gt 0 ] || names=("${DEFAULT_MACHINES[@]}")
  for n in "${names[@]}"; do valid_name "$n" || die "bad machine name '$n'"; done
  take_lock
  ensure_deps
  ensure_state
  for n in "${names[@]}"; do ensure_hostkey "$n"; addr_of "$n" alloc >/dev/null; done
  # Start all, then wait for all (they boot in parallel). Subshells so that
  # set -e stays in force inside the functions and one failure is contained.
  local starting=() rc
  for n in "${names[@]}"; do
    if running_pid "$n" >/dev/null && listening "$(addr_of "$n")"; then continue; fi
    set +e; (set -e; machine_start "$n"); rc=$?; set -e
    if [ "$rc" -eq 0 ]; then starting+=("$n"); else failed=1; fi
  done
  for n in "${starting[@]}"; do
    set +e; (set -e; machine_wait "$n"); rc=$?; set -e
    if [ "$rc" -eq 0 ]; then started=1; else failed=1; fi
  done
  write_host_ssh_files
  [ "$started" = 1 ] && refresh_peers
  cmd_status "${names[@]}" || failed=1
  return $failed
}

cmd_down() {
  local names=("$@") n rc=0
  [ -d "$STATE" ] || return 0
  [ ${#names[@]} -gt 0 ] || mapfile -t names < <(known_names)
  take_lock
  for n in "${names[@]}"; do
    valid_name "$n" || die "bad machine name '$n'"
    machine_down "$n" || rc=1
  done
  return $rc
}

cmd_exec() {
  local as_root=0
  if [ "${1:-}" = --root ]; then as_root=1; shift; fi
  [ $# -ge 2 ] || die "usage: exec [--root] NAME CMD..."
  local name=$1 pid; shift
  pid=$(running_pid "$name") || die "machine $name is not up"
  if [ "$as_root" = 1 ]; then
    exec nsenter -t "$pid" -m -u -p -r -W /root \
      /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ${TERM:+TERM=$TERM} "$@"
  fi
  exec nsenter -t "$pid" -m -u -p -r -W "/home/$TUSER" \
    /usr/bin/setpriv --reuid="$TUSER" --regid="$TUSER" --init-groups --reset-env -- "$@"
}

cmd_info() {
  local n a
  echo "PCS_SANDBOX_DIR=$STATE"
  echo "PCS_SANDBOX_SCRIPT=$SELF"
  echo "PCS_SANDBOX_SSH_CONFIG=$HOST_SSH_CONFIG"
  echo "PCS_SANDBOX_KNOWN_HOSTS=$HOST_KNOWN_HOSTS"
  echo "PCS_SANDBOX_CLIENT_KEY=$CLIENT_KEY"
  echo "PCS_SANDBOX_USER=$TUSER"
  echo "PCS_SANDBOX_UID=$TUID"
  echo "PCS_SANDBOX_PORT=22"
  for n in $(known_names); do
    a=$(addr_of "$n") || continue
    echo "PCS_SANDBOX_ADDR_${n//-/_}=$a"   # - becomes _ (shell variable names)
  done
}

case "${1:-}" in
  __init) shift; machine_init "$@" ;;
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) shift; cmd_status "$@" ;;
  exec) shift; cmd_exec "$@" ;;
  ssh-config) gen_ssh_config "$CLIENT_KEY" "$HOST_KNOWN_HOSTS" ;;
  info) cmd_info ;;
  *) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$SELF" >&2; exit 2 ;;
esac
