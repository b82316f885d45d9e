#!/bin/bash
# Stopping with more connections open than one stop's drain used to reset
# (256 a walk for 256 walks: 65,536): the drain goes on while an operator asks
# for more (nfg_drain_request), so every one of them still gets its RST.
# Two nfg processes over memif: the client holds N connections open (one
# exchange each, then a long think time), the server answered each and waits
# for the client (they open at 100,000 a second, which the link takes); the
# client stops, and the server must have counted N resets
# and hold no connection. memif loses nothing (what its ring cannot take
# waits in port_tx's buffer, and at the stop the resets wait for the port),
# so the server counts every reset the client sent. Each process on its own
# CPU, as two runs side by side are given.
. "$(dirname "$0")/lib.sh"
nfg_test_init stopmany

N=70000 # more than 65,536, from two source addresses (one has 64K ports)
sock="$WORK/m.sock"
nfg_start - srv nftraffic-server --set 'lcores=[1]' --set "ports.p0.device=net_memif0,role=server,socket=$sock" \
	--set ports.p0.ipv4=198.18.0.2/24 --set nodes.server.close=client \
	--set nodes.server.max_connections=80000 --set nodes.server.idle_timeout_ms=600000
srv=$NFG_PID
nfg_start - cli nftraffic-client --set 'lcores=[0]' --set "ports.p0.device=net_memif0,role=client,socket=$sock" \
	--set ports.p0.ipv4=198.18.0.1/24 --set 'nodes.client.targets[0].ip=198.18.0.2' \
	--set nodes.client.src_ips=198.18.0.101-198.18.0.102 \
	--set nodes.client.connections=$N --set nodes.client.concurrency=$N --set nodes.client.rate=100000 \
	--set nodes.client.rounds=2 --set nodes.client.think_ms=600000 \
	--set nodes.client.idle_timeout_ms=600000 --set nodes.client.close=client \
	--set 'nodes.client.request="GET / HTTP/1.1\r\nHost: nfg\r\n\r\n"'
cli=$NFG_PID
wait_counter cli client messages_received $N
nfg_stop "$cli" cli
[ "$(stat_get cli nodes/client/counters/resets_sent)" = $N ] ||
	fail "client: resets_sent $(stat_get cli nodes/client/counters/resets_sent), want $N"
[ "$(stat_get cli nodes/tx/counters/unsent_at_stop)" = 0 ] ||
	fail "client: $(stat_get cli nodes/tx/counters/unsent_at_stop) frames unsent at its stop"
wait_quiet srv
nfg_stop "$srv" srv
[ "$(stat_get srv nodes/server/counters/resets_received)" = $N ] ||
	fail "server: resets_received $(stat_get srv nodes/server/counters/resets_received), want $N"
[ "$(stat_get srv nodes/server/counters/resets_sent)" = 0 ] ||
	fail "server: $(stat_get srv nodes/server/counters/resets_sent) connections still open at its stop"
note "client stopped with $N connections open: $N RSTs sent, $N counted by the server, none left"
echo ok
