#!/bin/bash
# nfproxy over IPv6 (the shipped graph, its ports given IPv6 addresses): curl
# -6 reaches one of two nginx backends on IPv6 addresses chosen by Host, and
# curl -4 through the same proxy one of the IPv4 backends beside them; 1 MB
# comes back through it byte for byte; a client whose chosen backend is of the
# other family is reset and counted (backend_of_other_family); the records
# name both halves with their IPv6 addresses; with IPv6 src_ips on two
# workers, nginx sees only those addresses; table empty, mbufs back.
. "$(dirname "$0")/lib.sh"
nfg_test_init px6

netns cli; netns nf; netns srv
ipv6_quiet cli srv
ipv6_off nf
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.31.2/24
addr srv s0 198.19.31.10/24
ip -n "$(ns_name cli)" addr add 2001:2:31::2/64 dev c0 nodad
for a in 2001:2:32::10 2001:2:32::11; do
	ip -n "$(ns_name srv)" addr add $a/64 dev s0 nodad
done
mkdir -p "$WORK/a" "$WORK/b" "$WORK/v4"
echo "backend A6" >"$WORK/a/index.html"
echo "backend B6" >"$WORK/b/index.html"
echo "backend v4" >"$WORK/v4/index.html"
head -c 1048576 /dev/urandom >"$WORK/a/big.bin"
nginx_run srv "
	server { listen [2001:2:32::10]:80; root $WORK/a; }
	server { listen [2001:2:32::11]:80; root $WORK/b; }
	server { listen 198.19.31.10:80; root $WORK/v4; }"

nfg_start nf proxy nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 \
	--set ports.c.ipv4=198.18.31.1/24 --set ports.c.ipv6=2001:2:31::1/64 \
	--set ports.s.ipv4=198.19.31.1/24 --set ports.s.ipv6=2001:2:32::1/64 \
	--set 'nodes.proxy.listen=["198.18.31.1:80", "[2001:2:31::1]:80"]' \
	--set 'nodes.proxy.backends=[{"name": "a6", "ip": "2001:2:32::10", "port": 80, "group": "a"},
		{"name": "b6", "ip": "2001:2:32::11", "port": 80, "group": "b"},
		{"name": "v4", "ip": "198.19.31.10", "port": 80, "group": "v4"}]' \
	--set 'nodes.proxy.policy_params={"rules": [{"host": "a.example", "group": "a"},
		{"host": "b.example", "group": "b"}, {"host": "v4.example", "group": "v4"}], "default": "a"}' \
	--records "$WORK/records.csv"

url6=http://[2001:2:31::1]/
for i in 1 2 3; do
	a=$(in_ns cli curl -6 -sS --max-time 5 -H "Host: a.example" $url6) || fail "curl -6 a.example failed"
	[ "$a" = "backend A6" ] || fail "Host a.example got '$a'"
	b=$(in_ns cli curl -6 -sS --max-time 5 -H "Host: b.example" $url6) || fail "curl -6 b.example failed"
	[ "$b" = "backend B6" ] || fail "Host b.example got '$b'"
done
v4=$(in_ns cli curl -4 -sS --max-time 5 -H "Host: v4.example" http://198.18.31.1/) ||
	fail "curl -4 through the same proxy failed"
[ "$v4" = "backend v4" ] || fail "curl -4 got '$v4'"
in_ns cli curl -6 -sS --max-time 20 -H "Host: a.example" -o "$WORK/got.bin" "${url6}big.bin" ||
	fail "curl -6 of 1 MB failed"
cmp -s "$WORK/a/big.bin" "$WORK/got.bin" || fail "1 MB came back different"
note "curl -6: a.example -> [2001:2:32::10], b.example -> [2001:2:32::11] (3 times each); curl -4 beside them; 1 MB exact"
# An IPv6 client whose backend would be IPv4: reset, counted.
in_ns cli curl -6 -sS --max-time 5 -H "Host: v4.example" $url6 >/dev/null 2>&1 &&
	fail "an IPv6 client reached an IPv4 backend"

wait_quiet proxy
nfg_stop "$NFG_PID" proxy
c() { stat_get proxy "nodes/proxy/counters/$1"; }
[ "$(c proxied)" = 8 ] || fail "proxied $(c proxied), want 8"
[ "$(c backend_of_other_family)" = 1 ] || fail "backend_of_other_family $(c backend_of_other_family), want 1"
[ "$(stat_get proxy nodes/proxy/connections_open)" = 0 ] ||
	fail "$(stat_get proxy nodes/proxy/connections_open) connections left in the table"
[ "$(c 'backend a6')" = 4 ] && [ "$(c 'backend b6')" = 3 ] && [ "$(c 'backend v4')" = 1 ] ||
	fail "per backend: a6 $(c 'backend a6'), b6 $(c 'backend b6'), v4 $(c 'backend v4')"
[ "$(drop_get proxy proxy bad_checksum)" = 0 ] || fail "checksums refused"
python3 - "$WORK/records.csv" <<'PY' || fail "records: see above"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
clients = [r for r in rows if r["role"] == "server"]
backends = [r for r in rows if r["role"] == "client"]
assert len(backends) == 8, len(backends)
v6c = [r for r in clients if r["local"] == "[2001:2:31::1]:80"]
assert len(v6c) == 8 and all(r["remote"].startswith("[2001:2:31::2]:") for r in v6c), v6c
v6b = [r for r in backends if r["remote"] in ("[2001:2:32::10]:80", "[2001:2:32::11]:80")]
assert len(v6b) == 7 and all(r["local"].startswith("[2001:2:32::1]:") for r in v6b), v6b
print("records ok:", len(rows))
PY

# IPv6 source addresses toward the backends, on two workers each with its own
# (steering "ip"): nd answers for the claimed addresses, nginx sees only
# them, and every answer reaches the worker whose address it is for.
nfg_start nf proxy2 nfproxy --set workers=2 --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 \
	--set ports.c.ipv4=198.18.31.1/24 --set ports.c.ipv6=2001:2:31::1/64 \
	--set ports.s.ipv4=198.19.31.1/24 --set ports.s.ipv6=2001:2:32::1/64 \
	--set 'nodes.proxy.listen=["[2001:2:31::1]:80"]' \
	--set 'nodes.proxy.backends=[{"name": "a6", "ip": "2001:2:32::10", "port": 80}]' \
	--set nodes.proxy.policy=round_robin --set nodes.proxy.src_ips=2001:2:32::100-2001:2:32::103 \
	--set nodes.proxy.steering=ip
: >"$WORK/nginx-srv.access.log"
for i in $(seq 20); do
	a=$(in_ns cli curl -6 -sS --max-time 5 $url6) || fail "curl -6 via IPv6 src_ips failed"
	[ "$a" = "backend A6" ] || fail "via IPv6 src_ips got '$a'"
done
wait_quiet proxy2
nfg_stop "$NFG_PID" proxy2
c2() { stat_get proxy2 "nodes/proxy/counters/$1"; }
[ "$(c2 proxied)" = 20 ] || fail "IPv6 src_ips: proxied $(c2 proxied), want 20"
[ "$(stat_get proxy2 nodes/proxy/connections_open)" = 0 ] || fail "IPv6 src_ips: table not empty"
[ "$(drop_get proxy2 proxy not_owner)" = 0 ] || fail "answers reached the wrong worker"
from=$(awk '{print $1}' "$WORK/nginx-srv.access.log" | sort | uniq -c)
inside=$(awk '$1 ~ /^2001:2:32::10[0-3]$/' "$WORK/nginx-srv.access.log" | wc -l)
distinct=$(awk '{print $1}' "$WORK/nginx-srv.access.log" | sort -u | wc -l)
# A worker's connections take its two addresses in turn (port-major slots),
# and one of the two workers made at least ten.
[ "$inside" = 20 ] && [ "$distinct" -ge 2 ] ||
	fail "nginx saw requests from: $from (want 20 from 2001:2:32::100-103)"
note "IPv6 src_ips on 2 workers: 20 exact, nginx saw $(echo $from)"
echo ok
