#!/bin/bash
# curl and wrk -> nftraffic server: curl gets exactly the configured body;
# a 1 MB response_file arrives byte for byte; wrk with 100 connections for 5 s
# and "Connection: close" reports no socket errors and only 2xx answers, each
# one a response the server counted; the server's table is empty at the end.
. "$(dirname "$0")/lib.sh"
nfg_test_init server

netns cli; netns nf
veth_pair cli c0 nf n0
addr cli c0 198.18.6.2/24
veth_pair cli c1 nf n1
addr cli c1 198.18.16.2/24
body="nftraffic says hello, $(date +%s)"

nfg_start nf server nftraffic-server --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.6.1/24 --set "nodes.server.response=$body"
server_pid=$NFG_PID

got=$(in_ns cli curl -sS --max-time 10 http://198.18.6.1/anything) || fail "curl failed"
[ "$got" = "$body" ] || fail "curl got '$got', want '$body'"
hdr=$(in_ns cli curl -sS -D - -o /dev/null --max-time 10 http://198.18.6.1/)
echo "$hdr" | grep -q "^HTTP/1.1 200" || fail "no 200: $hdr"
echo "$hdr" | grep -qi "^content-length: ${#body}" || fail "wrong Content-Length: $hdr"
note "curl: exact body and headers"

# A response from a file: 1 MB of random bytes, byte for byte (in a second
# server process beside the first).
head -c 1048576 /dev/urandom >"$WORK/body.bin"
nfg_start nf server-file nftraffic-server --set ports.p0.device=net_af_packet1,iface=n1 \
	--set ports.p0.ipv4=198.18.16.1/24 --set nodes.server.response=null \
	--set "nodes.server.response_file=$WORK/body.bin"
file_pid=$NFG_PID
in_ns cli curl -sS --max-time 30 -o "$WORK/got.bin" http://198.18.16.1/ || fail "curl of the file failed"
[ "$(sha256sum <"$WORK/got.bin")" = "$(sha256sum <"$WORK/body.bin")" ] ||
	fail "the file came back different: $(wc -c <"$WORK/got.bin") bytes"
nfg_stop "$file_pid" server-file
note "curl: a 1 MB response_file, sha256 equal"

in_ns cli wrk -t 2 -c 100 -d 5 -H "Connection: close" http://198.18.6.1/ >"$WORK/wrk.log" 2>&1 ||
	fail "wrk failed: $(cat "$WORK/wrk.log")"
grep -q "Socket errors" "$WORK/wrk.log" && fail "wrk: $(grep 'Socket errors' "$WORK/wrk.log")"
grep -q "Non-2xx" "$WORK/wrk.log" && fail "wrk: $(grep 'Non-2xx' "$WORK/wrk.log")"
reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.log")
[ "${reqs:-0}" -gt 0 ] || fail "wrk made no requests: $(cat "$WORK/wrk.log")"
note "wrk: $reqs requests, no socket errors ($(grep Requests/sec "$WORK/wrk.log" | tr -s ' '))"

# TIME_WAIT is kept outside the table: it is empty as soon as the clients are gone.
wait_quiet server # wrk's last FINs and resets have been read
nfg_stop "$server_pid" server
[ "$(stat_get server nodes/server/connections_open)" = 0 ] ||
	fail "$(stat_get server nodes/server/connections_open) connections left in the table"
s() { stat_get server "nodes/server/counters/$1"; }
# Every answer wrk counted is one the server sent (plus curl's two), and every
# connection it accepted ended: completed, or reset by wrk at its end.
[ "$(s messages_sent)" -ge $((reqs + 2)) ] ||
	fail "the server sent $(s messages_sent) responses, wrk counted $reqs"
[ $(($(s completed) + $(s failed_reset))) = "$(s accepted)" ] ||
	fail "accepted $(s accepted), completed $(s completed), reset $(s failed_reset)"
# wrk resets the connections still open when its time is up: at most its 100.
[ "$(s failed_reset)" -le 100 ] && [ "$(s failed_timeout)" = 0 ] ||
	fail "server failures: reset $(s failed_reset), timeout $(s failed_timeout)"

# The first server's interface is not left promiscuous.
in_ns nf ip link show n0 | grep -q PROMISC && fail "n0 left promiscuous"

# A port MTU below the veth's: the server's segments fit it (MSS 536 for
# MTU 576), so the 1 MB body arrives through it; when the run ends, the
# interface has its own MTU back (1400, not DPDK's 1500) and stays
# promiscuous, as its admin had made it.
in_ns nf ip link set n1 mtu 1400 promisc on
mtu_before=$(in_ns nf cat /sys/class/net/n1/mtu)
in_ns cli ip link set c1 mtu 576
nfg_start nf server-mtu nftraffic-server --set ports.p0.device=net_af_packet1,iface=n1 \
	--set ports.p0.ipv4=198.18.16.1/24 --set ports.p0.mtu=576 --set nodes.server.response=null \
	--set "nodes.server.response_file=$WORK/body.bin"
in_ns cli curl -sS --max-time 20 -o "$WORK/got-mtu.bin" http://198.18.16.1/ ||
	fail "curl through MTU 576 failed"
cmp -s "$WORK/body.bin" "$WORK/got-mtu.bin" || fail "MTU 576: the body differs"
[ "$(in_ns nf cat /sys/class/net/n1/mtu)" = 576 ] || fail "the port's MTU was not set"
wait_quiet server-mtu
nfg_stop "$NFG_PID" server-mtu
[ "$(in_ns nf cat /sys/class/net/n1/mtu)" = "$mtu_before" ] ||
	fail "n1 left at MTU $(in_ns nf cat /sys/class/net/n1/mtu), was $mtu_before"
in_ns nf ip link show n1 | grep -q PROMISC || fail "n1 no longer promiscuous, as its admin had it"
note "MTU 576: 1 MB exact in MSS-536 segments; n1 back to MTU $mtu_before and still promiscuous; n0 not left promiscuous"
echo ok
