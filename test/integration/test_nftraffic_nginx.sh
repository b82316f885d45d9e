#!/bin/bash
# nftraffic client -> nginx: 10,000 HTTP/1.1 "Connection: close" GETs all
# complete; nginx logs 10,000 requests with status 200; the session records
# have 10,000 rows, every one closed normally; every mbuf is back.
. "$(dirname "$0")/lib.sh"
nfg_test_init nginx

netns nf; netns srv
veth_pair nf n0 srv s0
addr srv s0 198.18.5.2/24
mkdir -p "$WORK/www"
echo "hello from nginx" >"$WORK/www/index.html"
nginx_start srv "$WORK/www" 198.18.5.2:80

in_ns nf "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.5.1/24 --set 'nodes.client.targets[0].ip=198.18.5.2' \
	--set nodes.client.connections=10000 --set nodes.client.rate=4000 \
	--records "$WORK/records.csv" --stats-json "$WORK/client.json" \
	-- --file-prefix="$RUN-client" >"$WORK/client.log" 2>&1 || fail "nfg exited with $?"

c() { stat_get client "nodes/client/counters/$1"; }
[ "$(c completed)" = 10000 ] || fail "completed $(c completed) of 10000 (failed: refused $(c failed_refused), timeout $(c failed_timeout), reset $(c failed_reset))"
[ "$(c messages_received)" = 10000 ] || fail "responses: $(c messages_received)"
ok=$(grep -c '"GET / HTTP/1.1" 200 ' "$WORK/nginx-srv.access.log")
[ "$ok" = 10000 ] || fail "nginx logged $ok requests with status 200"
rows=$(tail -n +2 "$WORK/records.csv" | wc -l)
normal=$(tail -n +2 "$WORK/records.csv" | awk -F, '$1 == "client" && ($5 == "passive_close" || $5 == "active_close")' | wc -l)
[ "$rows" = 10000 ] && [ "$normal" = 10000 ] || fail "records: $rows rows, $normal closed normally"
[ "$(stat_get client nodes/client/connections_open)" = 0 ] || fail "connections left open"
[ "$(stat_get client mbufs/leaked)" = 0 ] || fail "mbufs leaked"
note "10000 connections, nginx logged 10000 x 200, 10000 records; connect p50 $(stat_get client nodes/client/connect_us/p50) us"
echo ok
