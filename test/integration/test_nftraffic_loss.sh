#!/bin/bash
# A lossy link: 5% of the packets dropped and some reordered, both ways,
# between nftraffic's client and nginx. Every connection still completes, and
# the client's retransmit counter shows it had to work for it.
#
# The link is a bridge namespace in between. Its kernel impairs it with tc
# netem when the kernel has netem; otherwise an nfg bridge with the impair
# operator does the same job.
. "$(dirname "$0")/lib.sh"
nfg_test_init loss

netns nf; netns mid; netns srv
veth_pair nf n0 mid m0
veth_pair mid m1 srv s0
addr srv s0 198.18.7.2/24
if in_ns mid tc qdisc add dev m0 root netem delay 1ms loss 5% reorder 25% 50% 2>/dev/null &&
	in_ns mid tc qdisc add dev m1 root netem delay 1ms loss 5% reorder 25% 50%; then
	in_ns mid ip link add br0 type bridge
	in_ns mid ip link set m0 master br0
	in_ns mid ip link set m1 master br0
	in_ns mid ip link set br0 up
	note "impairment: tc netem"
else
	cat >"$WORK/impair.json" <<'JSON'
{
  "name": "impairbridge",
  "ports": { "a": { "device": "net_af_packet0,iface=m0" }, "b": { "device": "net_af_packet1,iface=m1" } },
  "nodes": {
    "rx_a": { "op": "port_rx", "port": "a" }, "rx_b": { "op": "port_rx", "port": "b" },
    "bad_ab": { "op": "impair", "loss": 0.05, "reorder": 0.1, "hold_us": 1000 },
    "bad_ba": { "op": "impair", "loss": 0.05, "reorder": 0.1, "hold_us": 1000 },
    "tx_a": { "op": "port_tx", "port": "a" }, "tx_b": { "op": "port_tx", "port": "b" }
  },
  "edges": ["rx_a -> bad_ab -> tx_b", "rx_b -> bad_ba -> tx_a"]
}
JSON
	nfg_start mid impair "$WORK/impair.json"
	IMPAIR_PID=$NFG_PID
	note "impairment: this kernel has no netem; nfg's impair operator in the bridge"
fi
mkdir -p "$WORK/www"
head -c 20000 /dev/urandom >"$WORK/www/index.html" # several segments per response
nginx_start srv "$WORK/www" 198.18.7.2:80

in_ns nf "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.7.1/24 --set 'nodes.client.targets[0].ip=198.18.7.2' \
	--set nodes.client.connections=1000 --set nodes.client.rate=1000 \
	--set nodes.client.concurrency=200 --set nodes.client.rto_min_ms=50 \
	--set nodes.client.rto_initial_ms=200 --set nodes.client.max_retries=12 \
	--stats-json "$WORK/client.json" -- --file-prefix="$RUN-client" >"$WORK/client.log" 2>&1 ||
	fail "nfg exited with $?"

c() { stat_get client "nodes/client/counters/$1"; }
[ "$(c completed)" = 1000 ] || fail "completed $(c completed) of 1000 (refused $(c failed_refused), timeout $(c failed_timeout), reset $(c failed_reset))"
[ "$(c messages_received)" = 1000 ] || fail "complete responses: $(c messages_received)"
[ "$(c retransmits)" -gt 0 ] || fail "no retransmits on a lossy link?"
[ "$(stat_get client mbufs/leaked)" = 0 ] || fail "mbufs leaked"
if [ -n "${IMPAIR_PID:-}" ]; then
	nfg_stop "$IMPAIR_PID" impair
	lost=$(( $(stat_get impair 'nodes/bad_ab/counters/lost') + $(stat_get impair 'nodes/bad_ba/counters/lost') ))
	[ "$lost" -gt 100 ] || fail "the bridge lost only $lost packets"
	note "the bridge lost $lost packets and reordered $(( $(stat_get impair nodes/bad_ab/counters/reordered) + $(stat_get impair nodes/bad_ba/counters/reordered) ))"
fi
note "1000 of 1000 completed through 5% loss: $(c retransmits) retransmits, $(c dup_acks) dup acks, $(stat_get client nodes/client/counters/out_of_order_held) out-of-order segments held"
echo ok
