#!/bin/bash
# A long fat pipe built in a graph: two namespaces joined through an nfg
# bridge whose impair nodes delay every packet 10 ms each way (this kernel
# has no netem). ping's RTT is at least the 20 ms the bridge adds (the only
# timing this test asserts, with a generous ceiling), and a 4 MB download
# over the pipe arrives byte for byte. The bridge's counters show the
# packets went through its delay queue, and its pool is whole at the end.
. "$(dirname "$0")/lib.sh"
nfg_test_init delay

netns a; netns mid; netns b
veth_pair a a0 mid m0
veth_pair mid m1 b b0
addr a a0 198.18.21.1/24
addr b b0 198.18.21.2/24
cat >"$WORK/pipe.json" <<'JSON'
{
  "name": "longpipe",
  "ports": { "a": { "device": "net_af_packet0,iface=m0" }, "b": { "device": "net_af_packet1,iface=m1" } },
  "nodes": {
    "rx_a": { "op": "port_rx", "port": "a" }, "rx_b": { "op": "port_rx", "port": "b" },
    "ab": { "op": "impair", "delay_ms": 10, "delay_queue": 8192 },
    "ba": { "op": "impair", "delay_ms": 10, "delay_queue": 8192 },
    "tx_a": { "op": "port_tx", "port": "a" }, "tx_b": { "op": "port_tx", "port": "b" }
  },
  "edges": ["rx_a -> ab -> tx_b", "rx_b -> ba -> tx_a"]
}
JSON
nfg_start mid pipe "$WORK/pipe.json"

in_ns a ping -c 5 -i 0.2 -W 2 198.18.21.2 >"$WORK/ping.log" 2>&1 ||
	fail "ping failed: $(tail -3 "$WORK/ping.log")"
rtt=$(grep -o 'min/avg/max/mdev = [0-9./]*' "$WORK/ping.log" | cut -d' ' -f3)
note "ping rtt min/avg/max/mdev $rtt ms"
python3 - "$rtt" <<'PY' || fail "RTT $rtt ms: want every echo >= 20 ms and < 200 ms"
import sys
mn, avg, mx, _ = map(float, sys.argv[1].split('/'))
sys.exit(0 if mn >= 20.0 and mx < 200.0 else 1)
PY

mkdir -p "$WORK/www"
head -c 4000000 /dev/urandom >"$WORK/www/blob"
nginx_start b "$WORK/www" 198.18.21.2:80
in_ns a curl -sS --max-time 120 -o "$WORK/got" http://198.18.21.2/blob ||
	fail "curl over the delayed pipe failed"
[ "$(sha256sum <"$WORK/got")" = "$(sha256sum <"$WORK/www/blob")" ] ||
	fail "the download differs from the file ($(stat -c %s "$WORK/got") bytes)"
note "4000000 bytes over the 20 ms pipe, byte for byte"

nfg_stop "$NFG_PID" pipe
for n in ab ba; do
	d=$(stat_get pipe "nodes/$n/counters/delayed")
	[ "$d" -gt 0 ] || fail "$n delayed nothing"
	note "$n: delayed $d, queue full $(drop_get pipe $n hold_queue_full), held at stop $(drop_get pipe $n held_at_stop)"
done
echo ok
