#!/bin/sh
# The live view on a real terminal: runs live_view_driver in a detached
# 100x30 tmux pane and reads the screen back, mid-run and at the end.
#
#   mid-run: each log line once, the step line, both bars and the counters
#            at the bottom;
#   at the end: no step line, bar or counter left, the summary right after
#            the last log line; no line ever wider than the pane.
#
# Usage: live_view_tmux_test.sh LIVE_VIEW_DRIVER
# Exit 77 (skipped) when tmux is not installed.
set -eu
driver=$1
if ! command -v tmux >/dev/null 2>&1; then
  echo "tmux is not installed: skipped"
  exit 77
fi

work=$(mktemp -d)
# A server of our own (-L) with no config (-f): a user's tmux is never touched.
socket="pcs-live-view-$$"
tm() { tmux -L "$socket" -f /dev/null "$@"; }
cleanup() {
  tm kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $1"
  shift
  for f in "$@"; do
    echo "--- $f"
    cat "$f"
  done
  exit 1
}

# The pane stays open after the driver ends so its last screen can be read.
cat >"$work/run.sh" <<EOF
'$driver' '$work/holding' '$work/release'
echo "EXIT=\$?"
exec sleep 600
EOF
tm new-session -d -s live -x 100 -y 30 "sh '$work/run.sh'"
size=$(tm display-message -p -t live '#{pane_width}x#{pane_height}')
[ "$size" = "100x30" ] || fail "pane is $size, not 100x30"

# -J joins wrapped lines, so a line wider than the pane shows as one long line.
capture() { tm capture-pane -p -J -S - -t live >"$1"; }

wait_for() {  # wait_for DESCRIPTION COMMAND...
  what=$1
  shift
  i=0
  until "$@"; do
    i=$((i + 1))
    [ "$i" -lt 300 ] || { capture "$work/timeout.txt"; fail "timed out waiting for $what" "$work/timeout.txt"; }
    sleep 0.1
  done
}

# shellcheck disable=SC2094 # fail() only prints the file it is given
check_width() {  # no line wider than 100 columns (code points, not bytes)
  while IFS= read -r line; do
    cols=$(printf '%s' "$line" | LC_ALL=C.UTF-8 wc -m)
    [ "$cols" -le 100 ] || fail "a line of $cols columns in $1: $line" "$1"
  done <"$1"
}

once() {  # once FILE TEXT: TEXT is on exactly one line of FILE
  n=$(grep -cF -- "$2" "$1" || true)
  [ "$n" -eq 1 ] || fail "'$2' is on $n lines of $(basename "$1"), not 1" "$1"
}

# Mid-run: the driver holds its state from the first marker until the second.
wait_for "the driver to hold its mid-run state" test -e "$work/holding"
# tmux reads the pane's output on its own time: wait for the frame's last line.
wait_for "the counter line" sh -c "tmux -L '$socket' -f /dev/null capture-pane -p -t live | grep -q '^warnings: '"
mid="$work/mid.txt"
capture "$mid"
touch "$work/release"
check_width "$mid"
for n in 1 2 3 4 5; do once "$mid" "log line $n:"; done
once "$mid" "connection to sandbox connected"
grep -qF "below the floor" "$mid" && fail "a DEBUG line was shown" "$mid"
grep -v '^$' "$mid" | tail -n 4 >"$work/area.txt"
{
  read -r step
  read -r bar1
  read -r bar2
  read -r counters
} <"$work/area.txt"
[ "$step" = "Step 6/9 — user_data" ] || fail "no step line above the bars" "$mid"
case "$bar1" in "user_data (home)  ["*%*) ;; *) fail "no user_data track bar" "$mid" ;; esac
case "$bar2" in "packages          ["*"20 of 100"*) ;; *) fail "no packages bar" "$mid" ;; esac
[ "$counters" = "warnings: 2  errors: 1" ] || fail "no counter line at the bottom" "$mid"
[ "$(printf '%s' "$bar1" | LC_ALL=C.UTF-8 wc -m)" -eq 100 ] || fail "the long bar line is not cut at 100" "$mid"

# The end: the area is gone and the summary follows the log lines.
wait_for "the driver to end" sh -c "tmux -L '$socket' -f /dev/null capture-pane -p -t live | grep -q '^EXIT='"
end="$work/end.txt"
capture "$end"
check_width "$end"
grep -qx "EXIT=0" "$end" || fail "the driver failed" "$end"
for n in 1 2 3 4 5 6; do once "$end" "log line $n:"; done
once "$end" "QUESTION: carry on? yes"
grep -qE '\[[# .]{20}\]|^Step |^warnings: ' "$end" && fail "the live area was left on the screen" "$end"
grep -v '^$' "$end" | tail -n 3 >"$work/tail.txt"
{
  read -r last_log
  read -r summary
} <"$work/tail.txt"
case "$last_log" in *"log line 6: all jobs done") ;; *) fail "the summary does not follow the last log line" "$end" ;; esac
[ "$summary" = "SUMMARY: 2 jobs succeeded" ] || fail "no summary after the log lines" "$end"
echo "live view on tmux: ok"
