#!/bin/bash
# Floods against the nftraffic server: 1,000,000 SYNs from a spoofed address
# that never answers (the SYN-ACKs go nowhere), then ACK and RST floods for
# connections that do not exist, then random garbage after the Ethernet
# header (cut short at random) and after the IPv4 header, all from generator graphs. The server
# stays up, its memory does not grow, every packet it did not take is
# counted by reason, and a real client's requests right after the flood
# complete.
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
before=$(rss_kb "$NFG_PID")

FLOOD_NS=cli FLOOD_IFACE=c0 FLOOD_SRC_MAC=$cli_mac FLOOD_DST_MAC=$nf_mac
FLOOD_SRC_IP=198.18.6.99 FLOOD_DST_IP=198.18.6.1 FLOOD_DPORT=80
flood_all
sleep 1
after=$(rss_kb "$NFG_PID")

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
malformed=$(drop_get server parse.malformed "parse.malformed (output left unconnected)")
[ "$malformed" -gt 10000 ] || fail "the garbage floods made only $malformed malformed frames"
badsum=$(c bad_checksum)
[ "$badsum" -gt 10000 ] || fail "the L4 garbage made only $badsum bad checksums"
[ $((after - before)) -lt 65536 ] || fail "memory grew by $((after - before)) kB during the floods"
note "SYN flood: $accepted accepted, $(c half_open_evicted) half-open evicted; ACK/RST floods: $nocon counted as no_connection; garbage: $malformed malformed, $badsum bad checksums; memory +$((after - before)) kB"
echo ok
