#!/bin/bash
# Floods against the nftraffic server: 1,000,000 SYNs from spoofed addresses
# that never answer (the SYN-ACKs go nowhere), then ACK and RST floods for
# connections that do not exist, then random garbage after the Ethernet
# header (cut short at random) and after the IPv4 header, all from generator
# graphs. The server stays up, its memory does not grow, every frame it
# received is accounted for (taken, or dropped with a reason; each flood kind
# in its own counter; see flood_accounting), and a real client's requests
# right after the flood complete.
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
FLOOD_NET=198.18.6 FLOOD_DST_IP=198.18.6.1 FLOOD_DPORT=80
flood_all
snapshot server rx parse cls server
after=$(rss_kb "$NFG_PID")
flood_accounting server p0 server 16384

# A real client, right after.
for i in 1 2 3; do
	got=$(in_ns cli curl -sS --max-time 5 http://198.18.6.1/) || fail "curl $i after the flood failed"
	[ "$got" = "still here" ] || fail "curl $i got '$got'"
done
note "3 requests right after the floods: answered"

nfg_stop "$NFG_PID" server
c() { stat_get server "nodes/server/counters/$1"; }
[ $((after - before)) -lt 65536 ] || fail "memory grew by $((after - before)) kB during the floods"
note "SYN flood: $(c accepted) accepted, $(c half_open_evicted) half-open evicted; memory +$((after - before)) kB"
echo ok
