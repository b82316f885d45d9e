#!/bin/bash
# Shutdown: SIGTERM during a run stops it cleanly with the summary, the stats
# and every session record written; a process killed with SIGKILL leaves
# nothing that stops the next start under the same file prefix; the
# telemetry socket is its owner's only.
. "$(dirname "$0")/lib.sh"
nfg_test_init shutdown

"$NFG" run nftraffic --set nodes.client.connections=0 --set nodes.client.rate=20000 \
	--records "$WORK/records.csv" --stats-json "$WORK/term.json" \
	-- --file-prefix="$RUN-term" >"$WORK/term.log" 2>&1 &
pid=$!
PIDS+=("$pid")
for _ in $(seq 50); do grep -q "^nfg: running" "$WORK/term.log" && break; sleep 0.1; done
sock=$(ls "/var/run/dpdk/$RUN-term/dpdk_telemetry.v2" 2>/dev/null)
[ -n "$sock" ] || fail "no telemetry socket"
mode=$(stat -c %a "$sock")
[ "$mode" = 600 ] || fail "telemetry socket mode $mode, want 600"
sleep 2
kill -TERM "$pid"
wait "$pid" || fail "SIGTERM: exit status $?"
grep -q "stopped by signal" "$WORK/term.log" || fail "no summary after SIGTERM"
rows=$(($(wc -l <"$WORK/records.csv") - 1))
opened=$(( $(stat_get term nodes/client/counters/attempted) + $(stat_get term nodes/server/counters/accepted) ))
[ "$rows" -eq "$opened" ] || fail "$rows records for $opened connections"
[ "$(stat_get term mbufs/leaked)" = 0 ] || fail "mbufs leaked"
note "SIGTERM: summary, stats, $rows records for $opened connections"

# SIGKILL, then the same prefix again.
"$NFG" run default --set nodes.gen.count=0 -- --file-prefix="$RUN-kill" >"$WORK/kill.log" 2>&1 &
pid=$!
for _ in $(seq 50); do grep -q "^nfg: running" "$WORK/kill.log" && break; sleep 0.1; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
"$NFG" run default --set nodes.gen.count=1000 -- --file-prefix="$RUN-kill" \
	>"$WORK/again.log" 2>&1 || fail "the next start failed after SIGKILL: $(tail -3 "$WORK/again.log")"
note "after SIGKILL the same prefix starts again"
echo ok
