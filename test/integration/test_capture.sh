#!/bin/bash
# capture writes a pcapng file that tshark reads, with the expected packet
# count and sizes, while the packets still flow on.
. "$(dirname "$0")/lib.sh"
nfg_test_init capture

cat >"$WORK/graph.json" <<JSON
{
  "name": "capturetest",
  "ports": { "a": { "device": "wire:w" }, "b": { "device": "wire:w" } },
  "nodes": {
    "gen":  { "op": "generator", "count": 1000, "size": 128, "rate": 100000 },
    "tx":   { "op": "port_tx", "port": "a" },
    "rx":   { "op": "port_rx", "port": "b" },
    "tap":  { "op": "capture", "file": "$WORK/out.pcapng" },
    "seen": { "op": "count", "sink": true }
  },
  "edges": ["gen -> tx", "rx -> tap -> seen"]
}
JSON
"$NFG" run "$WORK/graph.json" --stats-json "$WORK/run.json" -- --file-prefix="$RUN-run" \
	>"$WORK/run.log" 2>&1 || fail "run failed"
[ "$(stat_get run nodes/seen/packets)" = 1000 ] || fail "only $(stat_get run nodes/seen/packets) passed the tap"
n=$(tshark -r "$WORK/out.pcapng" 2>"$WORK/tshark.err" | wc -l)
[ "$n" = 1000 ] || fail "tshark read $n packets, want 1000: $(head -3 "$WORK/tshark.err")"
sizes=$(tshark -r "$WORK/out.pcapng" -T fields -e frame.len | sort -u)
[ "$sizes" = 128 ] || fail "frame sizes: $sizes"
udp=$(tshark -r "$WORK/out.pcapng" -Y "udp.dstport == 9 && ip.src == 198.18.0.1" | wc -l)
[ "$udp" = 1000 ] || fail "tshark decoded $udp UDP packets"
note "tshark read 1000 packets of 128 bytes"
echo ok
