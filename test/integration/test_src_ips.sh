#!/bin/bash
# Many source addresses: nftraffic's client opens connections from 10
# addresses that are not its port's own, so the peer must learn each one by
# ARP (nfg answers for every address an operator claims on the port).
#  1. against nginx: nginx logs every request, from exactly those 10 addresses;
#  2. against the nftraffic server graph in a second nfg process: every
#     connection completes on both sides and the server's records show the 10
#     addresses;
#  3. the server listens on a second address that is not its port's own, and
#     curl reaches it there.
. "$(dirname "$0")/lib.sh"
nfg_test_init srcips

netns nf; netns srv; netns nfs; netns cli
veth_pair nf n0 srv s0
addr srv s0 198.18.7.2/24
mkdir -p "$WORK/www"
echo "hello from nginx" >"$WORK/www/index.html"
nginx_start srv "$WORK/www" 198.18.7.2:80

N=3000
client() { # NAME PORT_IFACE OUR_ADDR TARGET
	in_ns nf "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=$2 \
		--set ports.p0.ipv4=$3 --set "nodes.client.targets[0].ip=$4" \
		--set nodes.client.src_ips=${3%.*}.10-${3%.*}.19 \
		--set nodes.client.connections=$N --set nodes.client.rate=3000 \
		--stats-json "$WORK/$1.json" -- --file-prefix="$RUN-$1" \
		>"$WORK/$1.log" 2>&1 || fail "nfg $1 exited with $?"
	c() { stat_get "$1" "nodes/client/counters/$2"; }
	[ "$(c "$1" completed)" = $N ] ||
		fail "$1: completed $(c "$1" completed) of $N (refused $(c "$1" failed_refused), timeout $(c "$1" failed_timeout), reset $(c "$1" failed_reset))"
	[ "$(stat_get "$1" nodes/client/connections_open)" = 0 ] || fail "$1: connections left open"
}

# 1. nginx
client to-nginx n0 198.18.7.1/24 198.18.7.2
ok=$(grep -c '"GET / HTTP/1.1" 200 ' "$WORK/nginx-srv.access.log")
[ "$ok" = $N ] || fail "nginx logged $ok requests with status 200, want $N"
addrs=$(awk '{print $1}' "$WORK/nginx-srv.access.log" | sort -u)
[ "$addrs" = "$(seq -f '198.18.7.%g' 10 19 | sort)" ] ||
	fail "nginx saw these client addresses: $(echo $addrs)"
note "nginx: $ok requests, from $(echo "$addrs" | wc -l) addresses"

# 2. a second nfg process: the nftraffic server graph, listening on its own
# address and on 198.18.8.50:8080 besides.
veth_pair nf n1 nfs m0
nfg_start nfs server nftraffic-server --set ports.p0.device=net_af_packet0,iface=m0 \
	--set ports.p0.ipv4=198.18.8.1/24 --set 'nodes.server.listen=["*:80", "198.18.8.50:8080"]' \
	--set "nodes.server.response=hello from nfg" --records "$WORK/server-records.csv"
client to-nfg n1 198.18.8.2/24 198.18.8.1
note "nfg client -> nfg server: $N connections completed"

# 3. The client process is gone: the kernel takes its interface and asks for
# the server's second address.
addr nf n1 198.18.8.3/24
got=$(in_ns nf curl -sS --max-time 10 http://198.18.8.50:8080/) || fail "curl to 198.18.8.50:8080 failed"
[ "$got" = "hello from nfg" ] || fail "curl to the second listen address got '$got'"
note "curl reached the server's second listen address"

# curl returns with the response; its FIN and our last ACK may still be on
# the way: stop the server once it has counted that connection completed.
wait_counter server server completed $((N + 1))
nfg_stop "$NFG_PID" server
s() { stat_get server "nodes/server/counters/$1"; }
[ "$(s completed)" = $((N + 1)) ] || fail "server completed $(s completed), want $((N + 1))"
[ "$(stat_get server nodes/server/connections_open)" = 0 ] || fail "server: connections left open"
# Records: one per connection, the remote column holds the client's address.
seen=$(tail -n +2 "$WORK/server-records.csv" | awk -F, '{split($4, a, ":"); print a[1]}' | sort | uniq -c)
[ "$(echo "$seen" | awk '$2 ~ /^198\.18\.8\.(1[0-9])$/ {n++} END {print n + 0}')" = 10 ] ||
	fail "server records show these client addresses: $seen"
[ "$(echo "$seen" | awk '$2 ~ /^198\.18\.8\.1[0-9]$/ {s += $1} END {print s + 0}')" = $N ] ||
	fail "server records: $seen"
note "server records: $N connections from 10 addresses, 1 from curl"
echo ok
