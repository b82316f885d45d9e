#!/bin/bash
# nfproxy with the example plugin: its host_map policy sends Host b.example
# to backend B, and the header its add_header hook puts into the first
# request arrives at nginx (which answers with the header's value).
. "$(dirname "$0")/lib.sh"
nfg_test_init pxplug

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.1.2/24
addr srv s0 198.19.1.10/24
addr srv s0 198.19.1.11/24
nginx_run srv "
	server { listen 198.19.1.10:80; location / { return 200 \"A got X-NFG-Proxy=\$http_x_nfg_proxy\n\"; } }
	server { listen 198.19.1.11:80; location / { return 200 \"B got X-NFG-Proxy=\$http_x_nfg_proxy\n\"; } }"

nfg_start nf proxy nfproxy-plugin --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 \
	--set nodes.proxy.hook_params.add_header.value=hello-from-nfg

got=$(in_ns cli curl -sS --max-time 5 -H "Host: b.example" http://198.18.1.1/) || fail "curl failed"
[ "$got" = "B got X-NFG-Proxy=hello-from-nfg" ] || fail "got '$got'"
got=$(in_ns cli curl -sS --max-time 5 -H "Host: a.example" http://198.18.1.1/) || fail "curl failed"
[ "$got" = "A got X-NFG-Proxy=hello-from-nfg" ] || fail "got '$got'"
note "host_map chose the backend; nginx saw the added header: $got"
nfg_stop "$NFG_PID" proxy
echo ok
