#!/bin/bash
# nftraffic's bad input: a target that is no address, a payload file that does
# not exist, two clients whose source ports overlap, source addresses of the
# other family than the targets' — each a clear error at
# check or start; a next hop that never answers ARP — counted failures at run
# time, a clean end, every mbuf back.
. "$(dirname "$0")/lib.sh"
nfg_test_init badtcp

expect_error() { # WHAT PATTERN CMD...
	local what=$1 pattern=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ $rc -eq 1 ] || fail "$what: exit status $rc, want 1 ($out)"
	echo "$out" | grep -q -- "$pattern" || fail "$what: message '$out' lacks '$pattern'"
	note "$what: $(echo "$out" | grep -- "$pattern" | head -1)"
}
expect_error "unknown target" "nodes.client.targets\[0\].ip: expected an IPv4 or IPv6 address" \
	"$NFG" check nftraffic --set 'nodes.client.targets[0].ip=server.example'
# Addresses no host has: refused at check, naming what they are (a client
# aimed at 255.255.255.255 sent its SYNs to everyone before).
expect_error "a broadcast target" "nodes.client.targets\[0\].ip: 255.255.255.255 is the broadcast address" \
	"$NFG" check nftraffic --set 'nodes.client.targets[0].ip=255.255.255.255'
expect_error "a multicast IPv6 target" "nodes.client.targets\[0\].ip: ff02::1 is a multicast address" \
	"$NFG" check nftraffic --set 'nodes.client.targets[0].ip=ff02::1'
expect_error "a loopback backend" "nodes.proxy.backends\[0\].ip: 127.0.0.1 is a loopback address" \
	"$NFG" check nfproxy --set 'nodes.proxy.backends[0].ip=127.0.0.1'
expect_error "a multicast port address" "ports.a.ipv4: 224.1.1.1/24 is a multicast address" \
	"$NFG" check default --set ports.a.ipv4=224.1.1.1/24
expect_error "missing payload file" 'nodes.server.response_file: cannot open "/nonexistent/body"' \
	"$NFG" check nftraffic --set nodes.server.response_file=/nonexistent/body \
	--set nodes.server.response_size=null
expect_error "a directory for a payload file" 'nodes.server.response_file: "/tmp" is a directory; expected a regular file' \
	"$NFG" check nftraffic --set nodes.server.response_file=/tmp --set nodes.server.response_size=null
# (by check too: run alone refused these, at start)
expect_error "an IPv6 listen address that is not the port's" \
	"nodes.server.listen\[0\]: 2001:2::9 is not one of port p0's ipv6 addresses" \
	"$NFG" check nftraffic-server --set ports.p0.ipv6=2001:2::1/64 \
	--set 'nodes.server.listen=["[2001:2::9]:80"]'
expect_error "an IPv6 listen address on a port without IPv6" \
	"nodes.server.listen\[0\]: :: is not one of port p0's ipv6 addresses" \
	"$NFG" check nftraffic-server --set 'nodes.server.listen=["[::]:80"]'
# Our own addresses as the peer: nothing would answer (the run sat with every
# connection open until the retries ran out).
expect_error "a target that is the port's own address" \
	"nodes.client.targets\[0\].ip: 198.18.20.1 is port p0's own address" \
	"$NFG" check nftraffic-client --set ports.p0.ipv4=198.18.20.1/24 \
	--set 'nodes.client.targets[0].ip=198.18.20.1'
expect_error "source addresses that take in the target" \
	"nodes.client.targets\[0\].ip: 198.18.20.2 is one of the source addresses" \
	"$NFG" check nftraffic-client --set ports.p0.ipv4=198.18.20.1/24 \
	--set 'nodes.client.targets[0].ip=198.18.20.2' --set nodes.client.src_ips=198.18.20.1-198.18.20.254
# What the port cannot serve is refused by check already, not only by run.
expect_error "IPv6 targets from a port without an IPv6 address" \
	"nodes.client.targets: IPv6 targets, and port p0 has no ipv6 address" \
	"$NFG" check nftraffic-client --set 'nodes.client.targets[0].ip=2001:2::2'
expect_error "IPv6 backends from a port without an IPv6 address" \
	"nodes.proxy.backends: IPv6 backends, and port s has no ipv6 address" \
	"$NFG" check nfproxy --set 'nodes.proxy.backends[0].ip=2001:2::2'
expect_error "IPv4 backends, no source address given, a port without an IPv4 address" \
	"nodes.proxy.src_ips: not given, and port s has no ipv4 address" \
	"$NFG" check nfproxy --set ports.s.ipv4=null
expect_error "an IPv6 source range whose ends differ before the last 32 bits" \
	'nodes.client.src_ips: expected an address or a range of at most 4096' \
	"$NFG" check nftraffic --set nodes.client.src_ips=2001:2::10-2001:3::1f
expect_error "IPv6 source addresses and an IPv4 target" \
	"nodes.client.src_ips: IPv6 source addresses, and target 0 is IPv4" \
	"$NFG" check nftraffic --set nodes.client.src_ips=2001:2::10-2001:2::1f
expect_error "a range of IPv4 source addresses and IPv6 targets" \
	"nodes.client.src_ips: IPv4 source addresses, and IPv6 targets" \
	"$NFG" run nftraffic-client --set ports.p0.device=net_null0 --set ports.p0.ipv6=2001:2::1/64 \
	--set 'nodes.client.targets[0].ip=2001:2::2' --set nodes.client.src_ips=198.18.0.1-198.18.0.4 \
	--duration 1 -- --file-prefix="$RUN-r4"
expect_error "an IPv6 proxy source address and an IPv4 backend" \
	"nodes.proxy.src_ip: IPv6 source addresses, and backend a1 is IPv4" \
	"$NFG" check nfproxy --set nodes.proxy.src_ip=2001:2::5
mkfifo "$WORK/fifo"
expect_error "a FIFO for a payload file (refused, not waited on)" '"'"$WORK/fifo"'" is not a regular file' \
	timeout 20 "$NFG" check nftraffic --set nodes.client.request_file="$WORK/fifo" \
	--set nodes.client.request=null
expect_error "two payloads" "given together: response, response_size; give only one of response" \
	"$NFG" check nftraffic --set nodes.server.response=hi
# Two clients on overlapping source addresses and ports (the benchmark graph
# with a holder and a client, the holder moved onto the client's addresses).
expect_error "overlapping ports" "nodes.client.src_ips: 198.18.0.1-198.18.0.16 ports 1024-65535 on port a overlaps 198.18.0.5 ports 1024-65535 of holder" \
	"$NFG" check "$ROOT/bench/nftraffic-hold.json" --set nodes.holder.src_ips=198.18.0.5

# A next hop that never answers: ARP gives up on the held SYNs, the client's
# connections time out; all counted, nothing left behind, and the run fails
# (exit status 4: not one connection completed).
netns nf; netns void
veth_pair nf n0 void v0
"$NFG" check nftraffic-client >/dev/null || fail "nftraffic-client does not check"
in_ns nf "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.9.1/24 --set 'nodes.client.targets[0].ip=198.18.9.99' \
	--set nodes.client.connections=20 --set nodes.client.rto_initial_ms=100 \
	--set nodes.client.max_retries=2 --set nodes.arp.hold_ms=200 \
	--stats-json "$WORK/void.json" -- --file-prefix="$RUN-void" >"$WORK/void.log" 2>&1
rc=$?
[ "$rc" = 4 ] || fail "nfg exited with $rc on an unreachable next hop, not 4 (nothing completed)"
WORK_JSON=void
[ "$(stat_get void nodes/client/counters/failed_timeout)" = 20 ] ||
	fail "failed_timeout $(stat_get void nodes/client/counters/failed_timeout), want 20"
[ "$(stat_get void nodes/arp/counters/unresolved)" -ge 20 ] ||
	fail "arp unresolved $(stat_get void nodes/arp/counters/unresolved)"
[ "$(stat_get void mbufs/leaked)" = 0 ] || fail "mbufs leaked"
note "unreachable next hop: 20 connections failed_timeout, $(stat_get void nodes/arp/counters/unresolved) packets unresolved by arp"

# A target outside the port's subnet, with no gateway: arp has no route, no
# SYN leaves, and the connections are still open when the run stops. Counted
# aborted, and for a client that is failing too: exit status 4.
in_ns nf "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.9.1/24 --set 'nodes.client.targets[0].ip=198.19.9.99' \
	--set nodes.client.connections=10 --duration 1 \
	--stats-json "$WORK/noroute.json" -- --file-prefix="$RUN-noroute" >"$WORK/noroute.log" 2>&1
rc=$?
[ "$rc" = 4 ] || fail "nfg exited with $rc with no route to the target, not 4"
grep -q "^failed: client (tcp_client) had no success: completed 0, aborted 10, messages_received 0" \
	"$WORK/noroute.log" || fail "no 'failed:' line naming the aborted connections: $(tail -2 "$WORK/noroute.log")"
[ "$(stat_get noroute nodes/arp/counters/no_route)" -ge 10 ] ||
	fail "arp no_route $(stat_get noroute nodes/arp/counters/no_route)"
note "no route to the target: 10 connections aborted at the stop, exit status 4"
echo ok
