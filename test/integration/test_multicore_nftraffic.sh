#!/bin/bash
# nftraffic client on 2 workers -> nginx over net_af_packet. The kernel
# spreads the answers over the two queues by its own flow hash, so about half
# reach the wrong worker: port_rx must hand them to the worker that owns the
# connection's local port (port_mask 0x1: even ports worker 0, odd worker 1).
# Checked: both workers open connections, every connection's source port is
# its worker's, all 4,000 complete at nginx, the handoffs balance, and no
# segment was processed by a worker that did not own it. Then again with
# "steering": "ip": each worker opens from its own source address.
. "$(dirname "$0")/lib.sh"
nfg_test_init multicore

netns nf; netns srv
veth_pair nf n0 srv s0
addr srv s0 198.18.5.2/24
mkdir -p "$WORK/www"
echo "hello from nginx" >"$WORK/www/index.html"
nginx_start srv "$WORK/www" 198.18.5.2:80

in_ns nf "$NFG" run nftraffic-client --set workers=2 \
	--set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.5.1/24 --set 'nodes.client.targets[0].ip=198.18.5.2' \
	--set nodes.client.connections=4000 --set nodes.client.rate=2000 \
	--records "$WORK/records.csv" --stats-json "$WORK/client.json" --duration 30 \
	-- --file-prefix="$RUN-client" >"$WORK/client.log" 2>&1 || fail "nfg exited with $?"

grep -q "ports.p0: .*software steering" "$WORK/client.log" ||
	fail "no log line says how p0 steers: $(grep ports.p0 "$WORK/client.log")"
c() { stat_get client "nodes/client/counters/$1"; }
w() { stat_get client "nodes/client/worker_counters/$1/$2"; }
# A segment for another worker's connection is counted as not_owner.
foreign=$(c not_owner)
[ "$foreign" = 0 ] || fail "$foreign segments reached a worker that does not own their connection"
[ "$(c completed)" = 4000 ] || fail "completed $(c completed) of 4000 (refused $(c failed_refused), timeout $(c failed_timeout), reset $(c failed_reset))"
w0=$(w completed 0) w1=$(w completed 1)
[ "$w0" = 2000 ] && [ "$w1" = 2000 ] || fail "connections per worker: $w0 and $w1, want 2000 each"
ok=$(grep -c '"GET / HTTP/1.1" 200 ' "$WORK/nginx-srv.access.log")
[ "$ok" = 4000 ] || fail "nginx logged $ok requests with status 200"

# Each connection's local port belongs to the worker that opened it
# (connection numbers go worker, worker + 2, ...).
wrong=$(tail -n +2 "$WORK/records.csv" | awk -F, '{ split($3, a, ":"); if (a[2] % 2 != $2 % 2) n++ } END { print n + 0 }')
rows=$(tail -n +2 "$WORK/records.csv" | wc -l)
[ "$rows" = 4000 ] && [ "$wrong" = 0 ] || fail "records: $rows rows, $wrong with a port of the other worker"

r() { stat_get client "nodes/rx/worker_counters/$1/$2"; }
off0=$(r handed_off 0) off1=$(r handed_off 1)
in0=$(r handed_in 0) in1=$(r handed_in 1)
[ "$off0" = "$in1" ] && [ "$off1" = "$in0" ] || fail "handoffs do not balance: 0->1 $off0/$in1, 1->0 $off1/$in0"
[ "$(drop_get client rx handoff_full)" = 0 ] || fail "handoff rings overflowed"
# And none may find no connection at all.
nocon=$(c "no_connection")
[ "$nocon" = 0 ] || fail "$nocon segments found no connection"
[ "$(stat_get client nodes/client/connections_open)" = 0 ] || fail "connections left open"
[ "$(stat_get client mbufs/leaked)" = 0 ] || fail "mbufs leaked"
note "4000 connections: worker 0 $w0, worker 1 $w1; handed over 0->1 $off0, 1->0 $off1; nginx 4000 x 200"

# Steering by address: each worker opens from its own source address.
in_ns nf "$NFG" run nftraffic-client --set workers=2 \
	--set ports.p0.device=net_af_packet0,iface=n0 \
	--set 'ports.p0.ipv4=["198.18.5.1/24", "198.18.5.11/24", "198.18.5.12/24"]' \
	--set 'nodes.client.targets[0].ip=198.18.5.2' --set nodes.client.steering=ip \
	--set nodes.client.src_ips=198.18.5.11-198.18.5.12 \
	--set nodes.client.connections=1000 --set nodes.client.rate=2000 \
	--records "$WORK/records-ip.csv" --stats-json "$WORK/client-ip.json" --duration 30 \
	-- --file-prefix="$RUN-client" >"$WORK/client-ip.log" 2>&1 || fail "nfg (steering ip) exited with $?"
[ "$(stat_get client-ip nodes/client/counters/completed)" = 1000 ] ||
	fail "steering ip: completed $(stat_get client-ip nodes/client/counters/completed) of 1000"
# Worker 0 (even connection numbers) uses .11, worker 1 uses .12.
wrong=$(tail -n +2 "$WORK/records-ip.csv" | awk -F, '{ split($3, a, ":"); if ((a[1] == "198.18.5.11") != ($2 % 2 == 0)) n++ } END { print n + 0 }')
[ "$wrong" = 0 ] || fail "steering ip: $wrong connections from the other worker's address"
foreign=$(stat_get client-ip "nodes/client/counters/not_owner")
[ "$foreign" = 0 ] || fail "steering ip: $foreign segments reached a worker that does not own them"
from11=$(grep -c '^198.18.5.11 ' "$WORK/nginx-srv.access.log")
from12=$(grep -c '^198.18.5.12 ' "$WORK/nginx-srv.access.log")
[ "$((from11 + from12))" = 1000 ] && [ "$from11" -gt 0 ] && [ "$from12" -gt 0 ] ||
	fail "steering ip: nginx saw $from11 requests from .11 and $from12 from .12"
note "steering ip: 1000 connections, nginx saw $from11 from .11 (worker 0) and $from12 from .12 (worker 1)"
echo ok
