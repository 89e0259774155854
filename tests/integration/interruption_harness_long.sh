#!/bin/sh
# The long run of the interruption harness: 30 Ctrl+C instants and 10 sshd
# kills (plus 2 network blocks) over a whole sync, split into shards so that
# other sandbox users get the machines between them (each shard holds
# /tmp/pcs-sandbox-tests.lock). Prints each shard's summary lines.
# Usage: interruption_harness_long.sh BUILD_DIR
set -eu
test=$1/tests/integration/interruption_harness_test
status=0
for shard in 0 1 2 3 4 5; do
  PCS_INSTANT_SHARD=$shard/6 PCS_INTERRUPT_INSTANTS=5 flock /tmp/pcs-sandbox-tests.lock "$test" "[interrupt]" ||
    status=1
done
for shard in 0 1; do
  PCS_INSTANT_SHARD=$shard/2 PCS_DISCONNECT_INSTANTS=5 flock /tmp/pcs-sandbox-tests.lock "$test" "[disconnect]" ||
    status=1
done
exit $status
