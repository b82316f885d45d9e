#!/bin/bash
# nfproxy on 2 workers, wrk through it to nginx. Clients' connections land on
# the worker the kernel's flow hash picks; each worker connects to the
# backends from its own local ports (port_mask), and the backends' answers
# that reach the other worker's queue are handed back. Checked: zero wrk
# errors, each worker's table empty at the end, the handoffs balance, and no
# backend segment went unowned (how many were handed over is the kernel's
# choice, not checked).
. "$(dirname "$0")/lib.sh"
nfg_test_init mcproxy

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.1.2/24
addr srv s0 198.19.1.10/24
addr srv s0 198.19.1.11/24
mkdir -p "$WORK/www"
echo "hello through nfproxy" >"$WORK/www/index.html"
nginx_start srv "$WORK/www" 198.19.1.10:80 198.19.1.11:80

nfg_start nf proxy nfproxy --set workers=2 --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 --set nodes.proxy.policy=round_robin \
	--set nodes.proxy.policy_params=null --set nodes.proxy.linger_ms=500

in_ns cli wrk -t 2 -c 100 -d 6 http://198.18.1.1/ >"$WORK/wrk.log" 2>&1 || fail "wrk failed"
grep -q "Socket errors" "$WORK/wrk.log" && fail "wrk: $(grep 'Socket errors' "$WORK/wrk.log")"
grep -q "Non-2xx" "$WORK/wrk.log" && fail "wrk: $(grep 'Non-2xx' "$WORK/wrk.log")"
reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.log")
[ "${reqs:-0}" -gt 0 ] || fail "wrk made no requests: $(cat "$WORK/wrk.log")"

wait_quiet proxy # wrk's resets at its end have passed
nfg_stop "$NFG_PID" proxy
grep -q "ports.s: .*software steering" "$WORK/proxy.log" ||
	fail "no log line says how port s steers: $(grep 'ports\.' "$WORK/proxy.log")"
w() { stat_get proxy "nodes/proxy/worker_counters/$1/$2"; }
# Which worker a client lands on is the kernel's flow hash: the workers'
# shares add up, whatever they are.
[ $(( $(w proxied 0) + $(w proxied 1) )) = "$(stat_get proxy nodes/proxy/counters/proxied)" ] ||
	fail "per-worker proxied $(w proxied 0) + $(w proxied 1) is not the total"
for k in 0 1; do
	opened=$(( $(w accepted $k) + $(w attempted $k) ))
	[ "$(w released $k)" = "$opened" ] || fail "worker $k released $(w released $k) of $opened connection sides"
	[ "$(w aborted $k)" = 0 ] || fail "worker $k had $(w aborted $k) connection sides open at stop"
done
r() { stat_get proxy "nodes/$1/worker_counters/$2/$3"; }
off0=$(r rx_s handed_off 0) off1=$(r rx_s handed_off 1)
in0=$(r rx_s handed_in 0) in1=$(r rx_s handed_in 1)
[ "$off0" = "$in1" ] && [ "$off1" = "$in0" ] || fail "handoffs do not balance: 0->1 $off0/$in1, 1->0 $off1/$in0"
# A backend segment on a worker that does not own its connection is counted
# as not_owner. (no_connection is not: wrk resets its connections when its
# time is up, and what nginx still sends after that finds none.)
foreign=$(stat_get proxy "nodes/proxy/counters/not_owner")
[ "$foreign" = 0 ] || fail "$foreign backend segments reached a worker that does not own their connection"
note "wrk: $reqs requests, no errors; proxied per worker $(w proxied 0) / $(w proxied 1); backend packets handed over 0->1 $off0, 1->0 $off1"
echo ok
