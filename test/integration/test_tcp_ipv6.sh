#!/bin/bash
# TCP over IPv6 with Linux at the other end, both roles, both families on one
# port (the shipped nftraffic graphs, which carry nd beside arp):
#  - curl -6 gets exactly the server's body, 20 times, and curl -4 too;
#    wrk -6 reports no socket errors and every answer it read is one the
#    server sent; the session records name the clients as [2001:2::2]:port;
#    with two workers the same, segments handed to their connection's worker;
#  - the nftraffic client against nginx listening on [::] and 0.0.0.0, half of
#    its 400 connections to an IPv6 target and half to an IPv4 one: all 400
#    complete with the exact body, and nginx's access log holds 200 requests
#    from each of the client's two addresses;
#  - the client from a range of IPv6 source addresses on two workers: nginx
#    logs 50 requests from each;
#  - tables empty and mbufs back in the pool at the end of every run.
# Addresses from 2001:2::/48 (RFC 5180), nodad so they are usable at once.
. "$(dirname "$0")/lib.sh"
nfg_test_init tcp6

netns cli; netns nf
ipv6_quiet cli
ipv6_off nf
veth_pair cli c0 nf n0
addr cli c0 198.18.26.2/24
ip -n "$(ns_name cli)" addr add 2001:2:26::2/64 dev c0 nodad
body="nftraffic over IPv6, $(date +%s)"

# ---- the server ------------------------------------------------------------
nfg_start nf server nftraffic-server --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.26.1/24 --set ports.p0.ipv6=2001:2:26::1/64 \
	--set "nodes.server.response=$body" --records "$WORK/server-records.csv"
server_pid=$NFG_PID

for i in $(seq 20); do
	got=$(in_ns cli curl -6 -sS --max-time 10 "http://[2001:2:26::1]/$i") || fail "curl -6 failed"
	[ "$got" = "$body" ] || fail "curl -6 got '$got', want '$body'"
done
got=$(in_ns cli curl -4 -sS --max-time 10 http://198.18.26.1/) || fail "curl -4 failed"
[ "$got" = "$body" ] || fail "curl -4 got '$got'"
note "curl -6: 20 exact bodies; curl -4 beside them"

in_ns cli wrk -t 2 -c 32 -d 3 -H "Connection: close" "http://[2001:2:26::1]/" \
	>"$WORK/wrk.log" 2>&1 || fail "wrk failed: $(cat "$WORK/wrk.log")"
grep -q "Socket errors" "$WORK/wrk.log" && fail "wrk: $(grep 'Socket errors' "$WORK/wrk.log")"
grep -q "Non-2xx" "$WORK/wrk.log" && fail "wrk: $(grep 'Non-2xx' "$WORK/wrk.log")"
reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.log")
[ "${reqs:-0}" -gt 0 ] || fail "wrk made no requests: $(cat "$WORK/wrk.log")"
note "wrk -6: $reqs requests, no socket errors"
wait_quiet server
nfg_stop "$server_pid" server
[ "$(stat_get server nodes/server/connections_open)" = 0 ] ||
	fail "$(stat_get server nodes/server/connections_open) connections left in the table"
s() { stat_get server "nodes/server/counters/$1"; }
[ "$(s messages_sent)" -ge $((reqs + 21)) ] ||
	fail "the server sent $(s messages_sent) responses, curl and wrk read $((reqs + 21))"
[ $(($(s completed) + $(s failed_reset))) = "$(s accepted)" ] ||
	fail "accepted $(s accepted), completed $(s completed), reset $(s failed_reset)"
[ "$(drop_get server server bad_checksum)" = 0 ] || fail "checksums refused"
[ "$(drop_get server server not_tcp_ipv4)" = 0 ] || fail "segments refused as not TCP"
v6_records=$(grep -c '^server,[0-9]*,\[2001:2:26::1\]:80,\[2001:2:26::2\]:' "$WORK/server-records.csv")
v4_records=$(grep -c '^server,[0-9]*,198.18.26.1:80,198.18.26.2:' "$WORK/server-records.csv")
[ "$v4_records" = 1 ] || fail "$v4_records IPv4 records, want 1 (curl -4)"
[ $((v6_records + v4_records)) = "$(s accepted)" ] ||
	fail "records: $v6_records IPv6 + $v4_records IPv4, accepted $(s accepted)"
note "server: accepted $(s accepted), $v6_records records as [2001:2:26::2]:port"

# Two workers on af_packet: IPv6 flows spread by nfg's symmetric hash of the
# folded addresses and ports, every segment handed to its connection's worker.
nfg_start nf server2 nftraffic-server --set workers=2 --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.26.1/24 --set ports.p0.ipv6=2001:2:26::1/64 \
	--set "nodes.server.response=$body"
in_ns cli wrk -t 2 -c 32 -d 3 -H "Connection: close" "http://[2001:2:26::1]/" \
	>"$WORK/wrk2.log" 2>&1 || fail "wrk failed: $(cat "$WORK/wrk2.log")"
grep -q "Socket errors" "$WORK/wrk2.log" && fail "wrk, 2 workers: $(grep 'Socket errors' "$WORK/wrk2.log")"
reqs2=$(awk '/requests in/ {print $1}' "$WORK/wrk2.log")
wait_quiet server2
nfg_stop "$NFG_PID" server2
s2() { stat_get server2 "nodes/server/counters/$1"; }
[ "$(s2 messages_sent)" -ge "${reqs2:-1}" ] && [ "${reqs2:-0}" -gt 0 ] ||
	fail "2 workers: the server sent $(s2 messages_sent) responses, wrk read $reqs2"
[ $(($(s2 completed) + $(s2 failed_reset))) = "$(s2 accepted)" ] ||
	fail "2 workers: accepted $(s2 accepted), completed $(s2 completed), reset $(s2 failed_reset)"
# (How many were handed over is the hash's business: noted, not asserted.)
handed=$(stat_get server2 nodes/rx/counters/handed_off)
note "2 workers: wrk -6 $reqs2 requests, no socket errors; $handed segments handed between workers"

# ---- the client ------------------------------------------------------------
mkdir -p "$WORK/www"
echo "$body" >"$WORK/www/index.html"
nginx_start cli "$WORK/www" "198.18.26.2:80" "[2001:2:26::2]:80"
nfg_start nf client nftraffic-client --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.26.1/24 --set ports.p0.ipv6=2001:2:26::1/64 \
	--set 'nodes.client.targets=[{"ip": "2001:2:26::2", "port": 80}, {"ip": "198.18.26.2", "port": 80}]' \
	--set nodes.client.connections=400 --set nodes.client.rate=2000 \
	--set nodes.client.concurrency=32 --records "$WORK/client-records.csv"
client_pid=$NFG_PID
wait "$client_pid" || fail "the client exited with $?"
grep -q "mbufs: all .* back in the pool" "$WORK/client.log" || fail "client: mbufs not all back"
c() { stat_get client "nodes/client/counters/$1"; }
[ "$(c completed)" = 400 ] || fail "client: $(c completed) of 400 completed ($(cat "$WORK/client.log" | tail -40))"
[ "$(c messages_received)" = 400 ] || fail "client: $(c messages_received) responses"
log="$WORK/nginx-cli.access.log"
from6=$(grep -c '^2001:2:26::1 .*"GET / HTTP/1.1" 200' "$log")
from4=$(grep -c '^198.18.26.1 .*"GET / HTTP/1.1" 200' "$log")
[ "$from6" = 200 ] && [ "$from4" = 200 ] ||
	fail "nginx logged $from6 requests from 2001:2:26::1 and $from4 from 198.18.26.1, want 200 each"
# Every response is nginx's file: the FNV of each body the client read is
# the same, over both families.
sums=$(awk -F, 'NR > 1 {print $NF}' "$WORK/client-records.csv" | sort -u | wc -l)
[ "$sums" = 1 ] || fail "the client read $sums different responses"
rec6=$(grep -c '^client,[0-9]*,\[2001:2:26::1\]:[0-9]*,\[2001:2:26::2\]:80,passive_close' \
	"$WORK/client-records.csv")
[ "$rec6" = 200 ] || fail "$rec6 IPv6 client records closed normally, want 200"
note "client: 400 completed, nginx saw 200 from each family; records name [2001:2:26::2]:80"

# IPv6 source addresses, two workers each with its own (steering "ip"): nd
# answers Linux's solicitations for them, nginx logs exactly 50 requests from
# each of the eight (each worker's 200 connections cycle over its four
# addresses in turn), and every answer reached the worker that owns it.
: >"$log"
nfg_start nf client2 nftraffic-client --set workers=2 --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.26.1/24 --set ports.p0.ipv6=2001:2:26::1/64 \
	--set 'nodes.client.targets=[{"ip": "2001:2:26::2", "port": 80}]' \
	--set nodes.client.src_ips=2001:2:26::100-2001:2:26::107 --set nodes.client.steering=ip \
	--set nodes.client.connections=400 --set nodes.client.rate=2000 --set nodes.client.concurrency=1
wait "$NFG_PID" || fail "the client with IPv6 src_ips exited with $?"
grep -q "mbufs: all .* back in the pool" "$WORK/client2.log" || fail "client2: mbufs not all back"
c2() { stat_get client2 "nodes/client/counters/$1"; }
[ "$(c2 completed)" = 400 ] || fail "IPv6 src_ips: $(c2 completed) of 400 completed"
[ "$(drop_get client2 client not_owner)" = 0 ] || fail "IPv6 src_ips: answers reached the wrong worker"
per=$(awk '{print $1}' "$log" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
want=$(for i in 0 1 2 3 4 5 6 7; do printf '2001:2:26::10%s=50 ' $i; done)
[ "$per" = "$want" ] || fail "nginx saw: $per; want $want"
note "IPv6 src_ips on 2 workers: 400 completed, nginx saw 50 from each of 2001:2:26::100-107"
echo ok
