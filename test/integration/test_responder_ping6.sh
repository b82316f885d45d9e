#!/bin/bash
# ping -6 from a Linux namespace to the responder graph (nd + icmp_echo on an
# af_packet port): every echo gets its reply, the host's neighbour entry for
# the NF holds the NF's MAC (learned from nd's advertisement), and nd's and
# icmp_echo's counters account for every solicitation and echo that came in.
# Addresses from 2001:2::/48 (RFC 5180), nodad so the host's address is
# usable at once.
. "$(dirname "$0")/lib.sh"
nfg_test_init ping6

netns host; netns nf
# Before the link comes up: the host sends no duplicate-address probes and no
# router solicitations of its own, and the NF's namespace has no IPv6 stack
# on its side, so every solicitation on the wire is one the host makes for
# a neighbour, and the kernel's count of them is exact.
ipv6_quiet host
ipv6_off nf
veth_pair host h0 nf n0
ip -n "$(ns_name host)" addr add 2001:2::2/64 dev h0 nodad
nf_mac=$(in_ns nf cat /sys/class/net/n0/address)

nfg_start nf responder responder --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.1.1/24 --set ports.p0.ipv6=2001:2::1/64

in_ns host ping -6 -c 5 -i 0.2 -W 2 2001:2::1 >"$WORK/ping.log" 2>&1 ||
	fail "ping -6 failed: $(tail -3 "$WORK/ping.log")"
grep -q "5 packets transmitted, 5 received" "$WORK/ping.log" || fail "$(tail -2 "$WORK/ping.log")"
note "$(grep 'packets transmitted' "$WORK/ping.log")"
neigh=$(in_ns host ip -6 neigh show 2001:2::1 dev h0)
echo "$neigh" | grep -qi "lladdr $nf_mac" || fail "neighbour not resolved to $nf_mac: $neigh"
note "neighbour: $neigh"

# Another address of the prefix gets no answer: no advertisement, no reply.
in_ns host ping -6 -c 2 -i 0.2 -W 1 2001:2::77 >/dev/null 2>&1 && fail "2001:2::77 answered"
# The host's own solicitations and echoes, as the kernel counted them sent.
# The host has given up on 2001:2::77 once its entry is FAILED (or gone):
# no more solicitations for it after that.
for _ in $(seq 100); do
	in_ns host ip -6 neigh show 2001:2::77 dev h0 | grep -qv FAILED || break
	sleep 0.1
done
in_ns host ip -6 neigh show 2001:2::77 dev h0 | grep -qv FAILED &&
	fail "the host still solicits 2001:2::77: $(in_ns host ip -6 neigh show 2001:2::77 dev h0)"
wait_quiet responder
icmp6_out() { in_ns host awk -v k="$1" '$1 == k {print $2}' /proc/net/snmp6; }
ns_sent=$(icmp6_out Icmp6OutNeighborSolicits)
nfg_stop "$NFG_PID" responder

s() { stat_get responder "nodes/$1/counters/$2"; }
d() { drop_get responder "$1" "$2"; }
replied=$(s ping replied)
[ "$replied" = 5 ] || fail "icmp_echo replied $replied times, want 5"
note "host sent $ns_sent solicitations"
ns_in=$(( $(s nd solicitations_received) + $(d nd nd_not_for_us) + $(d nd nd_bad_hop_limit) +
	$(d nd nd_bad_checksum) + $(d nd nd_truncated) + $(d nd nd_bad_option) + $(d nd nd_bad_source) ))
note "nd: solicitations for us $(s nd solicitations_received), for others $(d nd nd_not_for_us), answered $(s nd advertisements_sent), announced $(s nd announcements_sent), router messages $(d nd router_messages), other ICMPv6 $(d nd icmp6_not_handled)"
[ "$ns_in" = "$ns_sent" ] || fail "the host sent $ns_sent solicitations, nd counted $ns_in"
[ "$(d nd nd_not_for_us)" -ge 1 ] || fail "the solicitations for 2001:2::77 were not counted"
[ "$(s nd advertisements_sent)" = "$(s nd solicitations_received)" ] ||
	fail "not every solicitation for us was answered"
[ "$(s nd solicitations_received)" -ge 1 ] || fail "no solicitation for us reached nd"
[ "$(s nd announcements_sent)" = 1 ] || fail "nd announced $(s nd announcements_sent) times"
# Every packet nd took is in one of its counters: answered from, learned
# from, or dropped with a reason (nothing here goes to its other output).
python3 - "$WORK/responder.json" <<'PY' || fail "nd's counters do not add up"
import json, sys
j = json.load(open(sys.argv[1]))
nd = j["nodes"]["nd"]
c = nd["counters"]
drops = sum(x["packets"] for x in j["drops"] if x["node"] == "nd")
took = c.get("solicitations_received", 0) + c.get("advertisements_received", 0) + drops
print(f"  nd took {nd['packets']} packets: {took} answered, learned from or dropped by reason")
sys.exit(0 if took == nd["packets"] else 1)
PY
echo ok
