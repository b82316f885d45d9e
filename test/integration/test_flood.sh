#!/bin/bash
# Floods against the nftraffic server: 1,000,000 SYNs from a spoofed address
# that never answers (the SYN-ACKs go nowhere), then ACK and RST floods for
# connections that do not exist, from a generator graph. The server stays up, its memory does not grow, every packet it did
# not take is counted by reason, and a real client's requests right after the
# flood complete.
. "$(dirname "$0")/lib.sh"
nfg_test_init flood

netns cli; netns nf
veth_pair cli c0 nf n0
addr cli c0 198.18.6.2/24
cli_mac=$(in_ns cli cat /sys/class/net/c0/address)
nf_mac=$(in_ns nf cat /sys/class/net/n0/address)
nfg_start nf server nftraffic-server --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.6.1/24 --set nodes.server.max_connections=16384 \
	--set "nodes.server.response=still here"
mem() { awk '/VmRSS|HugetlbPages/ {s += $2} END {print s}' "/proc/$NFG_PID/status"; }
before=$(mem)

flood() { # NAME FLAGS COUNT
	cat >"$WORK/$1.json" <<JSON
{ "name": "flood-$1", "ports": { "p": { "device": "net_af_packet0,iface=c0" } },
  "nodes": { "gen": { "op": "generator", "count": $3, "proto": "tcp", "tcp_flags": "$2",
                      "src_mac": "$cli_mac", "dst_mac": "$nf_mac",
                      "src_ip": "198.18.6.99", "dst_ip": "198.18.6.1",
                      "src_port": "1024-65535", "dst_port": 80, "burst": 64 },
             "tx": { "op": "port_tx", "port": "p" } },
  "edges": ["gen -> tx"] }
JSON
	in_ns cli "$NFG" run "$WORK/$1.json" --quiet --stats-json "$WORK/$1.stats.json" \
		-- --file-prefix="nfgt-flood-$1" >"$WORK/$1.log" 2>&1 || fail "flood $1 did not run"
	note "$1 flood: $(stat_get "$1.stats" nodes/tx/counters/sent) sent"
}
flood syn syn 1000000
flood ack ack 200000
flood rst rst 200000
sleep 1
after=$(mem)

# A real client, right after.
for i in 1 2 3; do
	got=$(in_ns cli curl -sS --max-time 5 http://198.18.6.1/) || fail "curl $i after the flood failed"
	[ "$got" = "still here" ] || fail "curl $i got '$got'"
done
note "3 requests right after the floods: answered"

nfg_stop "$NFG_PID" server
c() { stat_get server "nodes/server/counters/$1"; }
accepted=$(c accepted)
[ "$accepted" -gt 16384 ] || fail "the SYN flood opened only $accepted connections"
[ "$(c half_open_evicted)" -gt 0 ] || fail "no half-open connection was evicted"
nocon=$(c 'no_connection (answered with RST)')
[ "$nocon" -gt 100000 ] || fail "no_connection only $nocon"
[ $((after - before)) -lt 65536 ] || fail "memory grew by $((after - before)) kB during the floods"
note "SYN flood: $accepted accepted, $(c half_open_evicted) half-open evicted; ACK/RST floods: $nocon counted as no_connection; memory +$((after - before)) kB"
echo ok
