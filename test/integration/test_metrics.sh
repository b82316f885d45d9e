#!/bin/bash
# --metrics: nftraffic at full speed (rate 0) in a namespace of its own
# serves its counters on 127.0.0.1 only; promtool (Debian's prometheus
# package) accepts the format, two scrapes show counters that grew, and the
# endpoint answers while the worker is at full load. A second run asking for
# the same port, and addresses that do not parse, get one message and exit
# status 1 before anything starts.
. "$(dirname "$0")/lib.sh"
nfg_test_init metrics
command -v promtool >/dev/null || fail "promtool missing (make deps installs prometheus)"

ADDR=127.0.0.1:9464
netns m
nfg_start m run nftraffic --set nodes.client.connections=0 --quiet --metrics "$ADDR"
grep -q "^nfg: metrics: http://$ADDR/metrics" "$WORK/run.log" || fail "no metrics line"

# Bound to the address given, not to every interface.
listen=$(in_ns m ss -Hltn "sport = :9464" | awk '{print $4}')
[ "$listen" = "$ADDR" ] || fail "listening on \"$listen\", want $ADDR only"

scrape() {
	in_ns m curl -sS --fail --max-time 10 "http://$ADDR/metrics" -o "$WORK/$1" ||
		fail "scrape $1 failed"
}
# value FILE NAME LABELS: the sample's value
value() {
	awk -v k="$2{$3}" '$1 == k {print $2}' "$WORK/$1"
}
wait_counter run client completed 1
scrape m1.txt
wait_counter run client completed $(( $(value m1.txt nfg_node_events_total \
	'node="client",op="tcp_client",counter="completed",worker="0"') + 1 ))
scrape m2.txt
for f in m1.txt m2.txt; do
	promtool check metrics <"$WORK/$f" >"$WORK/promtool-$f.log" 2>&1 ||
		{ cat "$WORK/promtool-$f.log"; fail "promtool rejects $f"; }
	[ -s "$WORK/promtool-$f.log" ] && { cat "$WORK/promtool-$f.log"; fail "promtool lint: $f"; }
done
note "promtool accepts both scrapes ($(grep -vc '^#' "$WORK/m2.txt") samples)"

grew() { # NAME LABELS
	local a b
	a=$(value m1.txt "$1" "$2")
	b=$(value m2.txt "$1" "$2")
	[ -n "$a" ] && [ -n "$b" ] || fail "no sample $1{$2}"
	python3 -c "import sys; sys.exit(0 if float('$b') > float('$a') else 1)" ||
		fail "$1{$2} did not grow: $a then $b"
	note "$1{$2}: $a -> $b"
}
grew nfg_node_packets_total 'node="client",op="tcp_client",worker="0"'
grew nfg_node_events_total 'node="client",op="tcp_client",counter="completed",worker="0"'
grew nfg_packets_in_total 'worker="0"'
grew nfg_port_rx_packets_total 'port="a"'
grew nfg_tcp_connect_seconds_count 'node="client",op="tcp_client",worker="0"'
grew nfg_worker_busy_seconds_total 'worker="0"'
grep -q '^nfg_tcp_response_seconds_bucket{node="client",op="tcp_client",worker="0",le="+Inf"} ' \
	"$WORK/m2.txt" || fail "no response-time histogram"
grep -q '^nfg_info{graph="nftraffic",' "$WORK/m2.txt" || fail "no nfg_info"

# Only /metrics (and /) exist.
code=$(in_ns m curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://$ADDR/nope")
[ "$code" = 404 ] || fail "/nope answered $code"

# The same port again: refused, one line, before EAL says anything.
out=$(in_ns m "$NFG" run nftraffic --duration 1 --metrics "$ADDR" \
	-- --file-prefix="$RUN-second" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "second bind: exit $rc: $out"
[ "$(echo "$out" | wc -l)" = 1 ] || fail "second bind: more than one line: $out"
echo "$out" | grep -q "^nfg: --metrics $ADDR: cannot listen: Address already in use$" ||
	fail "second bind message: $out"
note "port in use: $out"
# The first run still serves.
scrape m3.txt

# Addresses that do not parse.
for bad in nonsense 127.0.0.1 127.0.0.1:0 127.0.0.1:99999 127.0.0.1:80x :9464 \
	example.org:9464 '[::1]' '[::1:9464' 300.1.1.1:9464; do
	out=$(in_ns m "$NFG" run nftraffic --duration 1 --metrics "$bad" \
		-- --file-prefix="$RUN-bad" 2>&1); rc=$?
	[ $rc -eq 1 ] || fail "--metrics $bad: exit $rc: $out"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "--metrics $bad: more than one line: $out"
	echo "$out" | grep -q "^nfg: --metrics " || fail "--metrics $bad: $out"
done
note "bad address: $out"

nfg_stop "$NFG_PID" run
echo ok
