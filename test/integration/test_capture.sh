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

# Into a FIFO (a live capture): with no reader, a clear error at once (open()
# used to wait for one for ever, deaf to ^C); with one, every packet reaches it.
mkfifo "$WORK/live"
timeout 20 "$NFG" run "$WORK/graph.json" --set nodes.tap.file="$WORK/live" \
	-- --file-prefix="$RUN-fifo0" >"$WORK/fifo0.log" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "FIFO without a reader: exit status $rc, want 1"
grep -q "is a FIFO that nothing reads yet" "$WORK/fifo0.log" || fail "FIFO: $(tail -2 "$WORK/fifo0.log")"
cat "$WORK/live" >"$WORK/live.pcapng" &
reader=$!
PIDS+=("$reader")
for _ in $(seq 100); do # the reader is in open(), waiting for a writer
	[ "$(cat "/proc/$reader/wchan" 2>/dev/null)" = wait_for_partner ] && break
	sleep 0.05
done
timeout 20 "$NFG" run "$WORK/graph.json" --set nodes.tap.file="$WORK/live" \
	-- --file-prefix="$RUN-fifo1" >"$WORK/fifo1.log" 2>&1 || fail "FIFO with a reader: exit $?"
wait "$reader"
n=$(tshark -r "$WORK/live.pcapng" 2>"$WORK/tshark.err" | wc -l)
[ "$n" = 1000 ] || fail "through the FIFO tshark read $n packets, want 1000"
note "FIFO: refused at once without a reader; 1000 packets through it with one"
echo ok
