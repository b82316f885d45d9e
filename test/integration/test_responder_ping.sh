#!/bin/bash
# ping from a Linux namespace to the responder graph: every echo gets its
# reply, the host's ARP entry for the NF is resolved to the NF's MAC, and the
# NF's counters agree with what ping sent.
. "$(dirname "$0")/lib.sh"
nfg_test_init ping

netns host; netns nf
veth_pair host h0 nf n0
addr host h0 198.18.1.2/24
nf_mac=$(in_ns nf cat /sys/class/net/n0/address)

nfg_start nf responder responder --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.1.1/24

in_ns host ping -c 5 -i 0.2 -W 2 198.18.1.1 >"$WORK/ping.log" 2>&1 ||
	fail "ping failed: $(tail -3 "$WORK/ping.log")"
grep -q "5 packets transmitted, 5 received" "$WORK/ping.log" || fail "$(tail -2 "$WORK/ping.log")"
note "$(grep 'packets transmitted' "$WORK/ping.log")"
neigh=$(in_ns host ip neigh show 198.18.1.1 dev h0)
echo "$neigh" | grep -qi "lladdr $nf_mac" || fail "ARP not resolved to $nf_mac: $neigh"
note "ARP: $neigh"

# A ping to another address of the subnet gets no answer (and no ARP reply).
in_ns host ping -c 2 -i 0.2 -W 1 198.18.1.77 >/dev/null 2>&1 && fail "198.18.1.77 answered"

nfg_stop "$NFG_PID" responder
[ "$(stat_get responder nodes/ping/counters/replied)" = 5 ] ||
	fail "icmp_echo replied $(stat_get responder nodes/ping/counters/replied) times, want 5"
echo ok
