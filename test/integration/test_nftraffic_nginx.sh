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

# Two clients on the one interface, from two addresses, at once: each sees
# the other's segments (every packet socket on n0 gets every frame) and
# leaves them alone; before, each reset the other's connections as its own
# unknown ones. B runs while A does: A starts first and lasts longer.
two() { # NAME ADDRESS CONNECTIONS
	in_ns nf "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=n0 \
		--set ports.p0.ipv4="$2"/24 --set 'nodes.client.targets[0].ip=198.18.5.2' \
		--set nodes.client.connections="$3" --set nodes.client.rate=1000 \
		--stats-json "$WORK/$1.json" -- --file-prefix="$RUN-$1" >"$WORK/$1.log" 2>&1
}
two a 198.18.5.4 4000 & # (not .1: nginx may hold the first run's ports in TIME_WAIT)
a=$!
PIDS+=("$a")
for _ in $(seq 100); do
	grep -q "^nfg: running" "$WORK/a.log" && break
	sleep 0.1
done
two b 198.18.5.3 2000 || fail "client B exited with $?: $(tail -3 "$WORK/b.log")"
wait "$a" || fail "client A exited with $?: $(tail -3 "$WORK/a.log")"
for x in a:4000 b:2000; do
	n=${x%%:*} want=${x##*:}
	got=$(stat_get "$n" nodes/client/counters/completed)
	[ "$got" = "$want" ] || fail "client $n: completed $got of $want (reset $(stat_get "$n" nodes/client/counters/failed_reset), resets sent $(stat_get "$n" nodes/client/counters/resets_sent))"
	# The other's segments are seen and left alone. (Not "no segment
	# answered with a RST": a client closes passively here and forgets the
	# connection at the ACK of its FIN, so a segment nginx retransmits after
	# that, its timer fired on a loaded host, rightly gets one.)
	[ "$(stat_get "$n" nodes/client/counters/not_for_us)" -gt 0 ] ||
		fail "client $n saw no segment of the other client's"
	[ "$(stat_get "$n" nodes/client/counters/failed_reset)" = 0 ] ||
		fail "client $n: $(stat_get "$n" nodes/client/counters/failed_reset) connections reset"
	[ "$(stat_get "$n" mbufs/leaked)" = 0 ] || fail "client $n: mbufs leaked"
done
ok=$(grep -c '"GET / HTTP/1.1" 200 ' "$WORK/nginx-srv.access.log")
[ "$ok" = 16000 ] || fail "nginx logged $ok requests with status 200 in all, want 16000"
note "two clients on one interface at once: 4000 + 2000 completed, none answered the other's segments; segments for the other: $(stat_get a nodes/client/counters/not_for_us) + $(stat_get b nodes/client/counters/not_for_us)"
echo ok
