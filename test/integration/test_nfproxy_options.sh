#!/bin/bash
# nfproxy in delayed binding between ends whose TCP options differ (RFC 7323,
# RFC 2018). The proxy answers the client before it knows the backend, so:
#  - a client offering window scaling, SACK and timestamps, a backend offering
#    none (Linux sysctls off in its namespace): 50 MB echoed exact; the
#    client got SACK-permitted and a window scale, no timestamps; the backend
#    was offered SACK (the client took it) and refused;
#  - the reverse: a client offering none, a backend offering all: 50 MB exact;
#    the backend was not offered SACK;
#  - both ends with SACK, 1% loss each way on both sides (impair nodes in the
#    graph): 10 MB echoed exact, and the SACK blocks the proxy forwarded (each
#    end's blocks moved into the other's sequence space) are valid where they
#    arrive: every block lies above that ACK (or, first, reports a duplicate
#    below it: D-SACK) and within what its receiver sent (tshark, relative
#    sequence numbers on each side's capture).
. "$(dirname "$0")/lib.sh"
nfg_test_init pxopt

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.1.2/24
addr srv s0 198.19.1.10/24
in_ns srv socat -t 60 TCP-LISTEN:7,bind=198.19.1.10,fork,reuseaddr EXEC:cat &
PIDS+=($!)
for _ in $(seq 100); do in_ns srv ss -ltn | grep -q "198.19.1.10:7 " && break; sleep 0.1; done

options_off() {
	in_ns "$1" sysctl -qw net.ipv4.tcp_sack=0 net.ipv4.tcp_window_scaling=0 \
		net.ipv4.tcp_timestamps=0 || fail "cannot switch $1's TCP options off"
}
options_on() {
	in_ns "$1" sysctl -qw net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1 \
		net.ipv4.tcp_timestamps=1
}

# capture ROLE IF NAME: frames on IF into $WORK/NAME.pcap until capture_stop.
CAPS=()
capture() {
	in_ns "$1" dumpcap -q -B 64 -i "$2" -w "$WORK/$3.pcap" >"$WORK/dumpcap-$3.log" 2>&1 &
	CAPS+=($!)
	PIDS+=($!)
	for _ in $(seq 50); do grep -q "Capturing on" "$WORK/dumpcap-$3.log" && return; sleep 0.1; done
	fail "dumpcap on $2 did not start"
}
capture_stop() {
	sleep 0.3
	kill "${CAPS[@]}" 2>/dev/null
	wait "${CAPS[@]}" 2>/dev/null
	CAPS=()
}

# syn_options PCAP SRC FLAGS: "sack_perm wscale ts" of the SYN (FLAGS 0x002) or
# SYN-ACK (0x012) SRC sent: each field "-" when absent.
syn_options() {
	tshark -r "$1" -Y "ip.src == $2 && tcp.flags == $3" -T fields \
		-e tcp.options.sack_perm -e tcp.options.wscale.shift -e tcp.options.timestamp.tsval \
		2>/dev/null | head -1 | awk -F'\t' '{ printf "%s %s %s\n", ($1 == "" ? "-" : "sack"),
		($2 == "" ? "-" : "ws" $2), ($3 == "" ? "-" : "ts") }'
}

GRAPH_ARGS=(--set ports.c.device=net_af_packet0,iface=n0 --set ports.s.device=net_af_packet1,iface=n1)
proxy_graph() { # OUT [IMPAIR-JSON]: nfproxy echoing through port 7, optionally lossy
	python3 - "$ROOT/configs/nfproxy.json" "$1" "${2:-}" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
p = g["nodes"]["proxy"]
p["listen"] = ["198.18.1.1:7"]
p["backends"] = [{"name": "echo", "ip": "198.19.1.10", "port": 7}]
p["policy"] = "round_robin"
p.pop("policy_params", None)
if sys.argv[3]:
    bad = json.loads(sys.argv[3])
    for n in ("bad_cin", "bad_cout", "bad_sin", "bad_sout"):
        g["nodes"][n] = dict(bad)
    p["connect_rto_ms"] = 200
    p["connect_retries"] = 6
    swap = {"cls_c.tcp -> proxy.client": "cls_c.tcp -> bad_cin -> proxy.client",
            "cls_s.tcp -> proxy.server": "cls_s.tcp -> bad_sin -> proxy.server",
            "proxy.to_client -> arp_c": "proxy.to_client -> bad_cout -> arp_c",
            "proxy.to_server -> arp_s": "proxy.to_server -> bad_sout -> arp_s"}
    g["edges"] = [swap.get(e, e) for e in g["edges"]]
json.dump(g, open(sys.argv[2], "w"), indent=1)
PY
}

# echo_exact NAME BYTES: BYTES of random data through the proxy and back, exact.
echo_exact() {
	head -c "$2" /dev/urandom >"$WORK/$1.data"
	in_ns cli socat -t 60 -T 60 TCP:198.18.1.1:7 - <"$WORK/$1.data" >"$WORK/$1.back" ||
		fail "$1: socat through the proxy failed"
	cmp -s "$WORK/$1.data" "$WORK/$1.back" ||
		fail "$1: came back different ($(stat -c %s "$WORK/$1.back") of $2 bytes)"
}

# echo_round NAME GRAPH: nfproxy NAME running GRAPH echoes 50 MB exact, with
# captures on both sides ($WORK/NAME-cli.pcap, NAME-srv.pcap), and ends well.
echo_round() {
	capture cli c0 "$1-cli"
	capture srv s0 "$1-srv"
	nfg_start nf "$1" "$2" "${GRAPH_ARGS[@]}"
	echo_exact "$1" 52428800
	capture_stop
	wait_quiet "$1"
	nfg_stop "$NFG_PID" "$1"
	[ "$(stat_get "$1" nodes/proxy/counters/closed_both_ways)" = 1 ] || fail "$1: not closed both ways"
}

proxy_graph "$WORK/plain.json"

# 1. The client offers everything, the backend nothing.
options_off srv
echo_round pa "$WORK/plain.json"
got=$(syn_options "$WORK/pa-cli.pcap" 198.18.1.1 0x012)
[ "$got" = "sack ws7 -" ] || fail "1: the proxy's SYN-ACK to the client had \"$got\", not SACK-permitted, wscale 7, no timestamps"
got=$(syn_options "$WORK/pa-srv.pcap" 198.19.1.1 0x002)
[ "$got" = "sack ws7 -" ] || fail "1: the proxy's SYN to the backend had \"$got\" (the client took SACK: it is offered)"
got=$(syn_options "$WORK/pa-srv.pcap" 198.19.1.10 0x012)
[ "$got" = "- - -" ] || fail "1: the backend's SYN-ACK had \"$got\" with its options off"
note "client with wscale/SACK/TS, backend with none: 50 MB echoed exact"

# 2. The reverse.
options_on srv
options_off cli
echo_round pb "$WORK/plain.json"
got=$(syn_options "$WORK/pb-srv.pcap" 198.19.1.1 0x002)
[ "$got" = "- ws7 -" ] || fail "2: the proxy's SYN to the backend had \"$got\" (no SACK: the client did not take it)"
note "client with none, backend with wscale/SACK/TS: 50 MB echoed exact"

# 3. SACK at both ends, through lossy links.
options_on cli
proxy_graph "$WORK/lossy.json" '{"op": "impair", "loss": 0.01}'
capture cli c0 c-cli
capture srv s0 c-srv
nfg_start nf pc "$WORK/lossy.json" "${GRAPH_ARGS[@]}"
echo_exact c 10485760
capture_stop
wait_quiet pc
nfg_stop "$NFG_PID" pc
lost=$(impair_lost pc bad_cin bad_cout bad_sin bad_sout)
[ "$lost" -gt 50 ] || fail "3: only $lost packets were lost: not much of a test"
# sack_valid PCAP FROM TO: the SACK blocks FROM sent (forwarded by the proxy)
# name bytes TO sent, above the ACK beside them. Prints "blocks bad". What TO
# sent is read from the capture; when the capture itself dropped frames
# (dumpcap says how many) a block beyond what it saw is held to the end of
# the 10 MB echo instead: the capture's loss is not the proxy's error.
sack_valid() {
	local dropped
	dropped=$(sed -n 's|.*received/dropped on interface.*: [0-9]*/\([0-9]*\) .*|\1|p' \
		"$WORK/dumpcap-$(basename "$1" .pcap).log" | head -1)
	tshark -r "$1" -o tcp.relative_sequence_numbers:TRUE -Y "tcp.port == 7" -T fields \
		-e ip.src -e tcp.seq -e tcp.len -e tcp.ack -e tcp.options.sack_le \
		-e tcp.options.sack_re -e tcp.flags.fin 2>/dev/null | python3 -c '
import sys
src, dst = sys.argv[1], sys.argv[2]
capture_lossy = int(sys.argv[3]) > 0
end = 10485760 + 2  # relative: the data from 1, then the FIN
top, blocks, bad = 0, 0, 0
for line in sys.stdin:
    f = line.rstrip("\n").split("\t")
    if len(f) < 7:
        continue
    if f[0] == dst and f[1]:
        # A FIN takes a sequence number: blocks may cover it.
        fin = 1 if f[6] in ("1", "True") else 0
        top = max(top, int(f[1]) + int(f[2] or 0) + fin)
    if f[0] == src and f[4]:
        ack = int(f[3])
        for k, (le, re) in enumerate(zip(f[4].split(","), f[5].split(","))):
            le, re = int(le), int(re)
            blocks += 1
            # The first block may report a duplicate below the ACK (D-SACK,
            # RFC 2883; Linux sends them): still bytes the receiver sent.
            dsack = k == 0 and re <= ack
            sent = re <= top or (capture_lossy and re <= end)
            if not (0 < le < re and sent and (ack < le or dsack)):
                bad += 1
                print("bad block", le, re, "ack", ack, "top", top, file=sys.stderr)
print(blocks, bad)' "$2" "$3" "${dropped:-0}"
}
read -r nc badc <<<"$(sack_valid "$WORK/c-cli.pcap" 198.18.1.1 198.18.1.2)"
read -r ns bads <<<"$(sack_valid "$WORK/c-srv.pcap" 198.19.1.1 198.19.1.10)"
[ "$nc" -gt 0 ] && [ "$ns" -gt 0 ] ||
	fail "3: SACK blocks forwarded: $nc to the client, $ns to the backend (expected some each way)"
[ "$badc" = 0 ] && [ "$bads" = 0 ] ||
	fail "3: SACK blocks outside what their receiver sent: $badc of $nc to the client, $bads of $ns to the backend"
note "SACK both ways, $lost packets lost: 10 MB echoed exact; $nc blocks to the client and $ns to the backend, all valid in their receiver's space"
echo ok
