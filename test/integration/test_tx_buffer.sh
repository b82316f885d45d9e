#!/bin/bash
# port_tx keeps what a full queue cannot take and sends it from its poll,
# which the worker runs only when port_tx asks (NFG_OP_POLL_WHEN_ASKED). The
# generator sends 9000 frames at 32 per walk into a wire whose other end is
# read one frame per walk: the wire's ring (8191) fills, port_tx buffers the
# rest (809 < its 1024), and the generator is done. From then on nothing
# calls port_tx's process, so only the asked-for polls can send the buffered
# frames. Every frame must arrive: 9000 received, none dropped, none left
# unsent at stop. Counts, not timing: the run lasts far longer than reading
# 9000 frames takes.
. "$(dirname "$0")/lib.sh"
nfg_test_init tx_buffer

cat >"$WORK/g.json" <<'JSON'
{
  "name": "tx-buffer",
  "workers": 1,
  "ports": { "a": { "device": "wire:w" }, "b": { "device": "wire:w" } },
  "nodes": {
    "gen": { "op": "generator", "count": 9000, "ends_run": false, "proto": "udp",
             "src_ip": "198.18.0.1", "dst_ip": "198.18.0.2" },
    "tx":  { "op": "port_tx", "port": "a" },
    "rx":  { "op": "port_rx", "port": "b", "burst": 1 },
    "end": { "op": "drop" }
  },
  "edges": [ "gen -> tx", "rx -> end" ]
}
JSON
"$NFG" run "$WORK/g.json" --duration 2 --quiet --stats-json "$WORK/s.json" \
	-- --file-prefix="$RUN-run" >"$WORK/run.log" 2>&1 || fail "run exited with $?"
read -r rx sent full unsent <<<"$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
c = s["nodes"]["tx"]["counters"]
print(s["ports"]["b"]["rx"], c["sent"], c["queue_full"], c["unsent_at_stop"])' "$WORK/s.json")"
[ "$full" = 0 ] || fail "queue_full $full: the buffer should have held the overflow"
[ "$unsent" = 0 ] || fail "$unsent frames still buffered at stop: port_tx's poll did not run"
[ "$sent" = 9000 ] || fail "port_tx sent $sent, want 9000"
[ "$rx" = 9000 ] || fail "the other end received $rx, want 9000"
calls=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"]["tx"]["calls"])' "$WORK/s.json")
[ "$calls" -lt 9000 ] || fail "port_tx called $calls times"
grep -q "mbufs: all .* back in the pool" "$WORK/run.log" || fail "mbufs not all back: $(tail -3 "$WORK/run.log")"
note "9000 sent, 9000 received; port_tx's process ran $calls times, its asked-for polls sent the rest"
echo "PASS tx_buffer"
