#!/bin/bash
# nftraffic client -> nginx, keep-alive, several rounds a connection, on the
# responses whose end is not a Content-Length (RFC 9112 6.3): the answers to
# HEAD (a Content-Length but no body), 204 (neither), and gzip'd bodies,
# which nginx sends chunked. Each response must be complete before the next
# request goes: every round counted, every connection completed, and the
# session records' body checksum (FNV-1a of the last response's body) equal
# to that of the same response read raw by curl: a client that took the end
# of the headers for the end of a chunked body summed nothing.
. "$(dirname "$0")/lib.sh"
nfg_test_init http

netns nf; netns srv
veth_pair nf n0 srv s0
addr srv s0 198.18.6.2/24
mkdir -p "$WORK/www"
# 200 KB of text that gzip shrinks but not to nothing: several chunks.
python3 -c "
import random; random.seed(5)
print('\n'.join(' '.join(random.choice(['alpha','beta','gamma','delta','nfg','tcp']) + str(random.randrange(1000)) for _ in range(12)) for _ in range(3000)))
" >"$WORK/www/text.txt"
nginx_run srv "
	log_format rounds '\$request_method \$uri \$status \$request_completion';
	types { text/plain txt; }
	server {
		listen 198.18.6.2:80; root $WORK/www; keepalive_requests 1000000;
		gzip on; gzip_min_length 1; gzip_types text/plain;
		location = /nothing { return 204; }
	}" rounds
log="$WORK/nginx-srv.access.log"

# run NAME ROUNDS REQUEST: 20 keep-alive connections of ROUNDS requests each.
run() {
	nginx_reopen srv
	in_ns nf "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=n0 \
		--set ports.p0.ipv4=198.18.6.1/24 --set 'nodes.client.targets[0].ip=198.18.6.2' \
		--set nodes.client.connections=20 --set nodes.client.rate=200 \
		--set nodes.client.rounds="$2" --set nodes.client.close=client \
		--set nodes.client.idle_timeout_ms=5000 --set "nodes.client.request=\"$3\"" \
		--records "$WORK/$1.csv" --stats-json "$WORK/$1.json" \
		-- --file-prefix="$RUN-$1" >"$WORK/$1.log" 2>&1 || fail "$1: nfg exited with $?"
	local want=$((20 * $2)) c
	c() { stat_get "$1" "nodes/client/counters/$2"; }
	[ "$(c "$1" completed)" = 20 ] ||
		fail "$1: completed $(c "$1" completed) of 20 (timeout $(c "$1" failed_timeout), reset $(c "$1" failed_reset))"
	[ "$(c "$1" messages_received)" = $want ] || fail "$1: responses $(c "$1" messages_received) of $want"
	[ "$(c "$1" ended_early)" = 0 ] || fail "$1: $(c "$1" ended_early) connections ended early"
	[ "$(stat_get "$1" nodes/client/connections_open)" = 0 ] || fail "$1: connections left open"
	# nginx writes a line once it has sent a response whole.
	for _ in $(seq 50); do [ "$(wc -l <"$log")" -ge $want ] && break; sleep 0.1; done
	[ "$(grep -c " OK$" "$log")" = $want ] ||
		fail "$1: nginx completed $(grep -c " OK$" "$log") of $want responses: $(sort "$log" | uniq -c)"
}

# The records' rx_fnv of every connection, one per line.
fnvs() { tail -n +2 "$WORK/$1.csv" | awk -F, '{print $NF}' | sort | uniq -c; }

run head 5 'HEAD /text.txt HTTP/1.1\r\nHost: nfg\r\n\r\n'
[ "$(grep -c "^HEAD /text.txt 200 OK$" "$log")" = 100 ] || fail "head: nginx logged $(sort "$log" | uniq -c)"
note "HEAD: 20 connections x 5 rounds, every answer (Content-Length, no body) complete"

run nothing 5 'GET /nothing HTTP/1.1\r\nHost: nfg\r\n\r\n'
[ "$(grep -c "^GET /nothing 204 OK$" "$log")" = 100 ] || fail "204: nginx logged $(sort "$log" | uniq -c)"
note "204: 20 connections x 5 rounds, every answer complete"

run gzip 4 'GET /text.txt HTTP/1.1\r\nHost: nfg\r\nAccept-Encoding: gzip\r\n\r\n'
[ "$(grep -c "^GET /text.txt 200 OK$" "$log")" = 80 ] || fail "gzip: nginx logged $(sort "$log" | uniq -c)"
in_ns nf ip addr add 198.18.6.9/24 dev n0 2>/dev/null || true
in_ns nf ip link set n0 up
raw=$(in_ns nf curl -s --raw -H 'Accept-Encoding: gzip' http://198.18.6.2/text.txt | python3 -c "
import sys
h = 2166136261
for b in sys.stdin.buffer.read():
    h = ((h ^ b) * 16777619) & 0xffffffff
print('%08x' % h)")
grep -q "Transfer-Encoding: chunked" < <(in_ns nf curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' http://198.18.6.2/text.txt) ||
	fail "nginx did not send the gzip'd body chunked: the test tests nothing"
[ "$(fnvs gzip)" = "     20 $raw" ] || fail "gzip: records' body checksums $(fnvs gzip), curl --raw: $raw"
note "chunked (gzip): 20 connections x 4 rounds, each body whole (checksum $raw, as curl --raw)"
echo ok
