#!/bin/bash
# nftraffic client against nftraffic server over the in-process wire, two
# workers on two lcores: 1,000,000 connections, all complete, both connection
# tables empty and every mbuf back in the pool at the end.
. "$(dirname "$0")/lib.sh"
nfg_test_init wire

"$NFG" run nftraffic --set workers=2 --set nodes.client.connections=1000000 \
	--stats-json "$WORK/run.json" -- --file-prefix="$RUN-run" >"$WORK/run.log" 2>&1 ||
	fail "nfg exited with $?"
c() { stat_get run "nodes/$1/counters/$2"; }
[ "$(c client completed)" = 1000000 ] ||
	fail "client completed $(c client completed) (refused $(c client failed_refused), timeout $(c client failed_timeout), reset $(c client failed_reset))"
[ "$(c client messages_received)" = 1000000 ] || fail "responses: $(c client messages_received)"
[ "$(c server completed)" = 1000000 ] || fail "server completed $(c server completed)"
for role in client server; do
	[ "$(stat_get run nodes/$role/connections_open)" = 0 ] ||
		fail "$role table not empty: $(stat_get run nodes/$role/connections_open)"
	w=$(stat_get run nodes/$role/worker_packets)
	case "$w" in *", 0]"|"[0,"*) fail "$role: a worker did nothing: $w" ;; esac
done
[ "$(stat_get run dropped)" = 0 ] || fail "$(stat_get run dropped) packets dropped"
[ "$(stat_get run mbufs/leaked)" = 0 ] || fail "mbufs leaked"
note "1,000,000 connections on 2 workers in $(stat_get run seconds | cut -c1-5) s; tables empty"
echo ok
