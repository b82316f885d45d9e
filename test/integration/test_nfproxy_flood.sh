#!/bin/bash
# Floods against nfproxy's client side: 1,000,000 SYNs from spoofed addresses
# that never answer, ACK and RST floods for connections that do not exist,
# and random garbage after the Ethernet and after the IPv4 header. The proxy
# stays up, its memory does not grow, every frame it received is accounted
# for (taken, or dropped with a reason; each flood kind in its own counter;
# see flood_accounting), the backend never hears of the flood (delayed binding: no
# backend connection before a client has finished its handshake and sent
# data), and real requests right after the floods go through.
. "$(dirname "$0")/lib.sh"
nfg_test_init pxflood

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.7.2/24
addr srv s0 198.19.7.10/24
mkdir -p "$WORK/www"
echo "through the proxy" >"$WORK/www/index.html"
nginx_start srv "$WORK/www" 198.19.7.10:80
cli_mac=$(in_ns cli cat /sys/class/net/c0/address)
nf_mac=$(in_ns nf cat /sys/class/net/n0/address)

# 16,384 connections (one per server-side source port), so the SYN flood
# fills the table many times over.
nfg_start nf proxy nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 \
	--set ports.c.ipv4=198.18.7.1/24 --set ports.s.ipv4=198.19.7.1/24 \
	--set 'nodes.proxy.listen=["198.18.7.1:80"]' \
	--set 'nodes.proxy.backends=[{"name": "web", "ip": "198.19.7.10", "port": 80, "group": "a"}]' \
	--set nodes.proxy.policy=round_robin --set nodes.proxy.policy_params=null \
	--set nodes.proxy.src_ports=20000-36383
before=$(rss_kb "$NFG_PID")

FLOOD_NS=cli FLOOD_IFACE=c0 FLOOD_SRC_MAC=$cli_mac FLOOD_DST_MAC=$nf_mac
FLOOD_NET=198.18.7 FLOOD_DST_IP=198.18.7.1 FLOOD_DPORT=80
flood_all
snapshot proxy rx_c parse_c cls_c proxy
after=$(rss_kb "$NFG_PID")
flood_accounting proxy c proxy 16384 _c

for i in 1 2 3; do
	got=$(in_ns cli curl -sS --max-time 5 http://198.18.7.1/) || fail "curl $i after the flood failed"
	[ "$got" = "through the proxy" ] || fail "curl $i got '$got'"
done
note "3 requests through the proxy right after the floods: answered"

nfg_stop "$NFG_PID" proxy
c() { stat_get proxy "nodes/proxy/counters/$1"; }
[ "$(c attempted)" = 3 ] || fail "the proxy opened $(c attempted) backend connections, want 3"
requests=$(wc -l <"$WORK/nginx-srv.access.log")
[ "$requests" = 3 ] || fail "nginx logged $requests requests, want 3"
[ $((after - before)) -lt 65536 ] || fail "memory grew by $((after - before)) kB during the floods"
note "SYN flood: $(c accepted) accepted, $(c half_open_evicted) half-open evicted, 3 backend connections (the real ones); memory +$((after - before)) kB"
echo ok
