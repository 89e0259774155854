#!/bin/sh
# A real `pc-switcher sync desktop` on a real terminal: run inside the
# sandbox's laptop from a detached 100x30 tmux pane, the screen read back
# mid-run (the step line and the job's bar at the bottom) and at the end (the
# live area gone, the summary there); no line of the live area wider than the pane.
#
# Usage: sync_tmux_test.sh SANDBOX_SCRIPT PC_SWITCHER PLUGIN_DIR
# Exit 77 (skipped) when tmux is not installed.
set -eu
sandbox=$1 pcs=$2 plugins=$3
if ! command -v tmux >/dev/null 2>&1; then
  echo "tmux is not installed: skipped"
  exit 77
fi
work=$(mktemp -d)
socket="pcs-sync-tmux-$$"
tm() { tmux -L "$socket" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $1"
  cat "$work/screen"
  exit 1
}

"$sandbox" exec laptop sh -c 'printf "%s\n" "logging:" "  file: DEBUG" "sync_jobs:" "  dummy_success: true" \
  "dummy_success:" "  source_duration: 2" "  target_duration: 2" "  tick_seconds: 0.5" > /tmp/pcs-tmux.yaml'
cat >"$work/run.sh" <<EOF
"$sandbox" exec laptop env PCSWITCHER_PLUGIN_PATH="$plugins" "$pcs" sync desktop --config /tmp/pcs-tmux.yaml \
  --allow-first-sync --allow-out-of-order
echo "EXIT=\$?"
sleep 60
EOF
tm new-session -d -x 100 -y 30 "sh $work/run.sh"

seen_mid=no
for _ in $(seq 1 300); do
  tm capture-pane -p -J >"$work/screen"  # -J: wrapped lines joined, so widths are real
  if grep -q "^Step 6/7 — dummy_success" "$work/screen" && grep -q "dummy_success .*%" "$work/screen"; then
    # The live area is the bottom of what is written, each line within the pane's width.
    last=$(grep -v '^$' "$work/screen" | tail -1)
    case "$last" in *dummy_success*%* | warnings:*) seen_mid=yes ;; esac
    sed -n '/^Step 6\/7/,$p' "$work/screen" | awk 'length($0) > 100 { bad = 1 } END { exit bad }' ||
      fail "a line of the live area is wider than the pane"
  fi
  grep -q "^EXIT=" "$work/screen" && break
  sleep 0.1
done
[ "$seen_mid" = yes ] || fail "never saw the step line and the job's bar at the bottom mid-run"
grep -q "^EXIT=0" "$work/screen" || fail "pc-switcher did not exit 0"
tm capture-pane -p -S -200 >"$work/screen"
if grep -q "^Step 6/7" "$work/screen"; then fail "the live area was left on the screen"; fi
grep -q "laptop → desktop completed" "$work/screen" || fail "no summary"
echo "PASS: live step and bar mid-run; area gone, summary shown at the end"
