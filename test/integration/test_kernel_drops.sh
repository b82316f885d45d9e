#!/bin/bash
# Every frame accounted for on a net_af_packet port under load: nftraffic's
# server sends a 10 MB response to 20 wrk connections, so the client's ACKs
# come faster than a busy worker on a 2-CPU machine may read them, and the
# kernel drops what its packet ring cannot hold (DPDK's driver does not count
# those). The port's rx plus its rx_missed equals what the kernel interface
# received, whatever the kernel dropped; what TCP and ARP sent is what the
# port sent or refused plus what port_tx dropped; every response wrk counted is complete.
. "$(dirname "$0")/lib.sh"
nfg_test_init kdrops

netns cli; netns nf
ipv6_off cli nf # n0 sees only wrk's frames, none sent before nfg listens
veth_pair cli c0 nf n0
addr cli c0 198.18.6.2/24
head -c 10485760 /dev/urandom >"$WORK/body.bin"

nfg_start nf server nftraffic-server --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.6.1/24 --set nodes.server.response=null \
	--set "nodes.server.response_file=$WORK/body.bin"
server_pid=$NFG_PID
in_ns cli wrk -t 2 -c 20 -d 4 http://198.18.6.1/ >"$WORK/wrk.log" 2>&1 ||
	fail "wrk failed: $(cat "$WORK/wrk.log")"
grep -q "Non-2xx" "$WORK/wrk.log" && fail "wrk: $(grep 'Non-2xx' "$WORK/wrk.log")"
grep -qE "Socket errors: connect [1-9]|read [1-9]" "$WORK/wrk.log" &&
	fail "wrk: $(grep 'Socket errors' "$WORK/wrk.log")"
reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.log")
[ "${reqs:-0}" -gt 0 ] || fail "wrk made no requests: $(cat "$WORK/wrk.log")"
wait_quiet server
# Nothing more may reach n0 between the two counts (a late RST answering a
# retransmission, say): the client's end goes down first.
in_ns cli ip link set c0 down
kernel_rx=$(in_ns nf cat /sys/class/net/n0/statistics/rx_packets)
nfg_stop "$server_pid" server

rx=$(stat_get server ports/p0/rx)
missed=$(stat_get server ports/p0/rx_missed)
[ $((rx + missed)) = "$kernel_rx" ] ||
	fail "n0 received $kernel_rx frames; the port read $rx and counts $missed missed"
s() { stat_get server "nodes/server/counters/$1"; }
a() { stat_get server "nodes/arp/counters/$1"; }
full=$(drop_get server tx queue_full)
out=$(($(s segments_out) + $(a replies_sent) + $(a requests_sent)))
tx=$(stat_get server ports/p0/tx)
tx_errors=$(stat_get server ports/p0/tx_errors) # the resets at the stop, into a link now down
[ "$out" = $((tx + tx_errors + full)) ] ||
	fail "TCP and ARP sent $out frames; the port sent $tx, refused $tx_errors, queue_full $full"
[ "$(s messages_sent)" -ge "$reqs" ] || fail "the server sent $(s messages_sent) responses, wrk counted $reqs"
note "$reqs x 10 MB; n0 received $kernel_rx frames = $rx read + $missed dropped by the kernel (rx_missed); $(s retransmits) retransmitted"
echo ok
