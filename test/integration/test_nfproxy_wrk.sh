#!/bin/bash
# wrk with 200 connections for 10 s through nfproxy to nginx: zero socket
# errors, only 2xx; afterwards the proxy's connection table is empty and
# every mbuf is back in the pool. Then wrk with "Connection: close" through a
# proxy of 100 backend-side ports (its slots), each finished connection
# lingering 2 s: a new client takes the oldest lingering slot, and no client
# is reset or refused for want of one.
. "$(dirname "$0")/lib.sh"
nfg_test_init pxwrk

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.1.2/24
addr srv s0 198.19.1.10/24
addr srv s0 198.19.1.11/24
mkdir -p "$WORK/www"
echo "hello through nfproxy" >"$WORK/www/index.html"
nginx_start srv "$WORK/www" 198.19.1.10:80 198.19.1.11:80

nfg_start nf proxy nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 --set nodes.proxy.policy=round_robin \
	--set nodes.proxy.policy_params=null --set nodes.proxy.linger_ms=500

in_ns cli wrk -t 2 -c 200 -d 10 http://198.18.1.1/ >"$WORK/wrk.log" 2>&1 || fail "wrk failed"
grep -q "Socket errors" "$WORK/wrk.log" && fail "wrk: $(grep 'Socket errors' "$WORK/wrk.log")"
grep -q "Non-2xx" "$WORK/wrk.log" && fail "wrk: $(grep 'Non-2xx' "$WORK/wrk.log")"
reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.log")
[ "${reqs:-0}" -gt 0 ] || fail "wrk made no requests: $(cat "$WORK/wrk.log")"
note "wrk: $reqs requests over 200 connections, no errors ($(grep Requests/sec "$WORK/wrk.log" | tr -s ' '))"

wait_quiet proxy # wrk's resets at its end have passed
nfg_stop "$NFG_PID" proxy
c() { stat_get proxy "nodes/proxy/counters/$1"; }
[ "$(c proxied)" -ge 200 ] || fail "proxied only $(c proxied) of wrk's 200 connections"
[ "$(stat_get proxy nodes/proxy/connections_open)" = 0 ] ||
	fail "$(stat_get proxy nodes/proxy/connections_open) connections left in the table"
# Every side opened (accepted from clients, attempted to backends) was
# released before the stop: the table is empty. (wrk resets its connections
# when its time is up: those end as reset_while_spliced.)
[ "$(c released)" = $(( $(c accepted) + $(c attempted) )) ] ||
	fail "released $(c released) of $(c accepted) + $(c attempted) connection sides"
[ "$(c aborted)" = 0 ] || fail "$(c aborted) connection sides were still open at stop"

nfg_start nf few nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 --set nodes.proxy.policy=round_robin \
	--set nodes.proxy.policy_params=null --set nodes.proxy.src_ports=40000-40099
in_ns cli wrk -t 2 -c 20 -d 3 -H "Connection: close" http://198.18.1.1/ >"$WORK/wrk-few.log" 2>&1 ||
	fail "wrk failed"
grep -q "Socket errors" "$WORK/wrk-few.log" && fail "wrk, 100 slots: $(grep 'Socket errors' "$WORK/wrk-few.log")"
grep -q "Non-2xx" "$WORK/wrk-few.log" && fail "wrk, 100 slots: $(grep 'Non-2xx' "$WORK/wrk-few.log")"
wait_quiet few
nfg_stop "$NFG_PID" few
f() { stat_get few "nodes/proxy/counters/$1"; }
[ "$(f proxied)" -gt 1000 ] || fail "100 slots: proxied only $(f proxied)"
[ "$(f linger_cut)" -gt 0 ] && [ "$(f half_open_evicted)" = 0 ] && [ "$(f connection_table_full)" = 0 ] ||
	fail "100 slots: linger cut $(f linger_cut), clients evicted $(f half_open_evicted), refused $(f connection_table_full)"
grep -q "slots ran out (100 per worker" "$WORK/few.log" || fail "the summary does not say the slots ran out"
note "100 slots, 20 clients closing each time: $(f proxied) proxied, $(f linger_cut) lingering slots taken, no client reset"
echo ok
