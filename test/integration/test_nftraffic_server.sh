#!/bin/bash
# curl and wrk -> nftraffic server: curl gets exactly the configured body;
# wrk with 100 connections for 5 s and "Connection: close" reports no socket
# errors and only 2xx answers; the server's table is empty at the end.
. "$(dirname "$0")/lib.sh"
nfg_test_init server

netns cli; netns nf
veth_pair cli c0 nf n0
addr cli c0 198.18.6.2/24
body="nftraffic says hello, $(date +%s)"

nfg_start nf server nftraffic-server --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.6.1/24 --set "nodes.server.response=$body"

got=$(in_ns cli curl -sS --max-time 10 http://198.18.6.1/anything) || fail "curl failed"
[ "$got" = "$body" ] || fail "curl got '$got', want '$body'"
hdr=$(in_ns cli curl -sS -D - -o /dev/null --max-time 10 http://198.18.6.1/)
echo "$hdr" | grep -q "^HTTP/1.1 200" || fail "no 200: $hdr"
echo "$hdr" | grep -qi "^content-length: ${#body}" || fail "wrong Content-Length: $hdr"
note "curl: exact body and headers"

in_ns cli wrk -t 2 -c 100 -d 5 -H "Connection: close" http://198.18.6.1/ >"$WORK/wrk.log" 2>&1 ||
	fail "wrk failed: $(cat "$WORK/wrk.log")"
grep -q "Socket errors" "$WORK/wrk.log" && fail "wrk: $(grep 'Socket errors' "$WORK/wrk.log")"
grep -q "Non-2xx" "$WORK/wrk.log" && fail "wrk: $(grep 'Non-2xx' "$WORK/wrk.log")"
reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.log")
[ "${reqs:-0}" -gt 1000 ] || fail "wrk made only ${reqs:-0} requests: $(cat "$WORK/wrk.log")"
note "wrk: $reqs requests, no socket errors ($(grep Requests/sec "$WORK/wrk.log" | tr -s ' '))"

sleep 1.5 # the server's last TIME_WAITs end (time_wait_ms 1000)
nfg_stop "$NFG_PID" server
[ "$(stat_get server nodes/server/connections_open)" = 0 ] ||
	fail "$(stat_get server nodes/server/connections_open) connections left in the table"
s() { stat_get server "nodes/server/counters/$1"; }
# wrk resets the connections still open when its time is up: at most its 100.
[ "$(s failed_reset)" -le 100 ] && [ "$(s failed_timeout)" = 0 ] ||
	fail "server failures: reset $(s failed_reset), timeout $(s failed_timeout)"
echo ok
