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
[ "$(stat_get run failed)" = "[]" ] || fail "operators named as failed: $(stat_get run failed)"
note "1,000,000 connections on 2 workers in $(stat_get run seconds | cut -c1-5) s; tables empty"

# Rounds: 3 per connection answered in full; a server that closes after its
# first answer leaves the client's rounds short, and the client says so.
"$NFG" run nftraffic --set nodes.client.connections=1000 --set nodes.client.rounds=3 \
	--stats-json "$WORK/rounds.json" -- --file-prefix="$RUN-rounds" >"$WORK/rounds.log" 2>&1 ||
	fail "rounds: nfg exited with $?"
r() { stat_get "$1" "nodes/client/counters/$2"; }
[ "$(r rounds messages_received)" = 3000 ] && [ "$(r rounds ended_early)" = 0 ] ||
	fail "3 rounds: $(r rounds messages_received) answers, $(r rounds ended_early) ended early"
"$NFG" run nftraffic --set nodes.client.connections=1000 --set nodes.client.rounds=3 \
	--set nodes.server.close=server --stats-json "$WORK/short.json" \
	-- --file-prefix="$RUN-short" >"$WORK/short.log" 2>&1 || fail "short: nfg exited with $?"
[ "$(r short messages_received)" = 1000 ] && [ "$(r short ended_early)" = 1000 ] ||
	fail "server closing after one round: $(r short messages_received) answers, $(r short ended_early) ended early"
note "rounds: 3,000 answers for 1,000 x 3; a server closing after one: 1,000 ended_early"

# A client whose every connection fails fails the run: exit status 4, a last
# line naming it, `failed` in the JSON. The server took part (it refused them)
# and counted no failure of its own, so it is not named.
"$NFG" run nftraffic --set nodes.client.connections=50 --set 'nodes.client.targets[0].port=81' \
	--stats-json "$WORK/refused.json" -- --file-prefix="$RUN-refused" >"$WORK/refused.log" 2>&1
rc=$?
[ "$rc" = 4 ] || fail "every connection refused: exit status $rc, not 4"
[ "$(r refused failed_refused)" = 50 ] || fail "refused: $(r refused failed_refused) of 50"
grep -q '^failed: client (tcp_client) had no success: completed 0, failed_refused 50, messages_received 0 (exit status 4)$' \
	"$WORK/refused.log" || fail "no line naming the failed client: $(tail -3 "$WORK/refused.log")"
[ "$(stat_get refused failed)" = "['client']" ] || fail "JSON failed: $(stat_get refused failed)"
note "50 connections refused: exit status 4, the client named in the summary and the JSON"

# close "reset": each exchange ends in a RST (aborted by the client, reset for
# the server), and every response came whole: a success, exit status 0.
"$NFG" run nftraffic --set nodes.client.connections=50 --set nodes.client.close=reset \
	--stats-json "$WORK/reset.json" -- --file-prefix="$RUN-reset" >"$WORK/reset.log" 2>&1 ||
	fail "close reset: exit status $?: $(tail -2 "$WORK/reset.log")"
[ "$(r reset messages_received)" = 50 ] || fail "close reset: $(r reset messages_received) responses of 50"
[ "$(stat_get reset failed)" = "[]" ] || fail "close reset: JSON failed: $(stat_get reset failed)"
note "close reset: 50 responses, every exchange reset, exit status 0"
echo ok
