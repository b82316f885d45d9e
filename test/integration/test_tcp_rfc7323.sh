#!/bin/bash
# RFC 7323 and SACK-permitted (RFC 2018) with Linux, both ways. The nfg client downloads from nginx over a
# long fat pipe: impair nodes in its graph delay every frame 10 ms each way
# (this kernel has no netem). curl downloads from the nfg server. tshark, capturing on
# the Linux side, must show window scale and timestamps in both SYNs of each
# handshake; the nfg client's download of a large file from nginx must
# arrive byte for byte (count and FNV-1a of the body from its session record)
# at a rate above what a 64 KB window allows per 20 ms round trip — which
# only window scaling makes possible. 3. With 2% of nginx's segments lost in
# the client's graph, the client's duplicate ACKs carry SACK blocks (tshark)
# and the download still arrives byte for byte.
. "$(dirname "$0")/lib.sh"
nfg_test_init rfc7323

SIZE=${RFC7323_MB:-200}
netns cli; netns srv
veth_pair cli c0 srv s0
addr srv s0 198.18.22.2/24
# nftraffic's client graph with the long pipe inside it: every frame in and
# out waits 10 ms in an impair node (one busy process, not a bridge beside
# it: the peers need the other CPU).
cat >"$WORK/client-pipe.json" <<'JSON'
{
  "name": "client-longpipe",
  "workers": 1,
  "ports": { "p0": { "device": "net_af_packet0,iface=c0,framecnt=4096", "ipv4": "198.18.22.1/24" } },
  "nodes": {
    "rx":      { "op": "port_rx", "port": "p0" },
    "in_pipe": { "op": "impair", "delay_ms": 10, "delay_queue": 16384 },
    "parse":   { "op": "parse" },
    "cls":     { "op": "classify", "classes": ["arp", "tcp"] },
    "client":  { "op": "tcp_client", "port": "p0",
                 "targets": [ { "ip": "198.18.22.2", "port": 80 } ],
                 "connections": 1, "concurrency": 1,
                 "request": "GET /big.bin HTTP/1.1\r\nHost: nfg\r\nConnection: close\r\n\r\n",
                 "response_end": "http", "close": "server" },
    "arp":     { "op": "arp", "port": "p0" },
    "out_pipe": { "op": "impair", "delay_ms": 10, "delay_queue": 16384 },
    "tx":      { "op": "port_tx", "port": "p0" },
    "ignored": { "op": "drop", "reason": "neither ARP nor TCP" }
  },
  "edges": [ "rx -> in_pipe -> parse -> cls", "cls.arp -> arp", "cls.tcp -> client",
             "cls.other -> ignored", "client -> arp", "arp.out -> out_pipe -> tx" ]
}
JSON

# SYN and SYN-ACK segments as Linux sees them on s0.
capture_start() {
	# ip netns exec itself, not in_ns (a function: $! would be a subshell's)
	ip netns exec "$(ns_name srv)" dumpcap -q -i s0 -f 'tcp[tcpflags] & tcp-syn != 0' -w "$WORK/$1.pcap" \
		>"$WORK/dumpcap-$1.log" 2>&1 &
	CAP_PID=$!
	PIDS+=("$CAP_PID")
	for _ in $(seq 50); do
		grep -q "Capturing on" "$WORK/dumpcap-$1.log" && return 0
		sleep 0.1
	done
	fail "dumpcap did not start: $(cat "$WORK/dumpcap-$1.log")"
}
capture_stop() {
	sleep 0.3
	kill -TERM "$CAP_PID" # a background job of a script ignores SIGINT
	wait "$CAP_PID" 2>/dev/null
}
# syn_options PCAP SRC FLAGS: "wscale tsval" of the first segment from SRC
# with exactly these flags (0x002 SYN, 0x012 SYN-ACK); either empty if absent.
syn_options() {
	tshark -r "$WORK/$1.pcap" -Y "ip.src == $2 && tcp.flags == $3" -T fields \
		-e tcp.options.wscale.shift -e tcp.options.timestamp.tsval -e tcp.options.mss_val \
		-e tcp.options.sack_perm 2>/dev/null | head -1
}
# check_syn PCAP SRC FLAGS WHO WANT_SHIFT: both options there (shift as wanted).
check_syn() {
	local got shift tsval mss sack
	got=$(syn_options "$1" "$2" "$3")
	read -r shift tsval mss sack <<<"$got"
	[ -n "$tsval" ] || fail "$4: no timestamps option in ${got:-no segment} (see $1.pcap)"
	[ -n "$shift" ] || fail "$4: no window scale option (see $1.pcap)"
	[ -n "$sack" ] || fail "$4: no SACK-permitted option (see $1.pcap)"
	[ -z "$5" ] || [ "$shift" = "$5" ] || fail "$4: window scale $shift, want $5"
	note "$4: wscale $shift, TSval $tsval, MSS $mss, SACK-permitted"
}

# 1. nfg client -> nginx: a large download through the pipe.
mkdir -p "$WORK/www"
head -c $((SIZE * 1048576)) /dev/urandom >"$WORK/www/big.bin"
nginx_start srv "$WORK/www" 198.18.22.2:80
capture_start client
start=$(date +%s.%N)
in_ns cli "$NFG" run "$WORK/client-pipe.json" ${RFC7323_SET:-} --records "$WORK/records.csv" --stats-json "$WORK/client.json" \
	-- --file-prefix="$RUN-client" >"$WORK/client.log" 2>&1 || fail "nfg client exited with $?"
note "client run: $(python3 -c "import sys; print('%.1f s' % (float(sys.argv[2]) - float(sys.argv[1])))" "$start" "$(date +%s.%N)")"
capture_stop
check_syn client 198.18.22.1 0x002 "nfg client's SYN" 7
check_syn client 198.18.22.2 0x012 "nginx's SYN-ACK" ""

c() { stat_get client "nodes/client/counters/$1"; }
[ "$(c messages_received)" = 1 ] || fail "complete responses: $(c messages_received) of 1"
# FNV-1a of the file, as the client's record has it (a byte at a time: in
# C, since Python would take half a minute over 200 MB).
cat >"$WORK/fnv.c" <<'C'
#include <stdio.h>
int main(int argc, char **argv)
{
	FILE *f = fopen(argv[1], "rb");
	unsigned char buf[1 << 16];
	unsigned h = 2166136261u;
	size_t n;
	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 16777619u;
	printf("%08x\n", h);
	return !f;
}
C
cc -O2 -o "$WORK/fnv" "$WORK/fnv.c" || fail "cannot build the FNV helper"
want=$("$WORK/fnv" "$WORK/www/big.bin")
IFS=, read -r _ _ _ _ cause _ _ _ t_in _ _ t_closed _ in rtx fnv < <(tail -n +2 "$WORK/records.csv")
[ "$fnv" = "$want" ] || fail "body checksum $fnv, file $want"
[ "$in" -gt $((SIZE * 1048576)) ] || fail "only $in bytes in"
[ "$cause" = passive_close ] || [ "$cause" = active_close ] || fail "connection ended: $cause"
# The rate over the response (first byte in to the end), against a 64 KB
# window per round trip of the 20 ms the pipe adds (the real round trip is
# longer, so the real limit lower).
python3 - "$in" "$t_in" "$t_closed" "$rtx" <<'PY' || fail "too slow for window scaling"
import sys
n, first, closed, rtx = (int(x) for x in sys.argv[1:])
secs = (closed - first) / 1e9
rate = n / secs
limit = 65535 / 0.020
print(f"  {n} bytes in {secs:.2f} s: {rate / 1e6:.1f} MB/s; 64 KB per 20 ms would be "
      f"{limit / 1e6:.2f} MB/s ({rate / limit:.1f}x); {rtx} retransmissions")
sys.exit(0 if rate > 2 * limit else 1)
PY
note "body checksum $want matches the file"

# 3. The same download of a smaller file with 2% of nginx's segments lost on
# the way in: the client holds what comes beyond each hole and its ACKs say
# so in SACK blocks; every byte arrives.
head -c $((4 * 1048576)) /dev/urandom >"$WORK/www/lossy.bin"
ip netns exec "$(ns_name srv)" dumpcap -q -i s0 -f 'src host 198.18.22.1' -w "$WORK/sack.pcap" \
	>"$WORK/dumpcap-sack.log" 2>&1 &
CAP_PID=$!
PIDS+=("$CAP_PID")
for _ in $(seq 50); do grep -q "Capturing on" "$WORK/dumpcap-sack.log" && break; sleep 0.1; done
in_ns cli "$NFG" run "$WORK/client-pipe.json" --set nodes.in_pipe.loss=0.02 \
	--set 'nodes.client.request="GET /lossy.bin HTTP/1.1\r\nHost: nfg\r\nConnection: close\r\n\r\n"' \
	--records "$WORK/lossy.csv" --stats-json "$WORK/lossy.json" \
	-- --file-prefix="$RUN-lossy" >"$WORK/lossy.log" 2>&1 || fail "nfg client (lossy) exited with $?"
capture_stop
[ "$(stat_get lossy nodes/client/counters/messages_received)" = 1 ] || fail "lossy download incomplete"
IFS=, read -r _ _ _ _ _ _ _ _ _ _ _ _ _ in _ fnv < <(tail -n +2 "$WORK/lossy.csv")
[ "$fnv" = "$("$WORK/fnv" "$WORK/www/lossy.bin")" ] || fail "lossy download: body checksum differs"
acks=$(tshark -r "$WORK/sack.pcap" -Y "tcp.options.sack_le" 2>/dev/null | wc -l)
lost=$(stat_get lossy nodes/in_pipe/counters/lost)
[ "$lost" -gt 0 ] || fail "the pipe lost nothing"
[ "$acks" -gt 0 ] || fail "$lost segments lost, and no ACK with SACK blocks (see sack.pcap)"
note "2% loss: $lost segments lost, $acks ACKs with SACK blocks, body checksum matches"

# 2. curl -> nfg server: options in the nfg server's SYN-ACK; a 4 MB body
# from a file (no pipe here), every byte.
head -c 4194304 /dev/urandom >"$WORK/body.bin"
capture_start server
nfg_start cli server nftraffic-server --set ports.p0.device=net_af_packet0,iface=c0 \
	--set ports.p0.ipv4=198.18.22.1/24 --set nodes.server.response=null \
	--set "nodes.server.response_file=$WORK/body.bin"
in_ns srv curl -sS --max-time 30 -o "$WORK/got" http://198.18.22.1/ ||
	fail "curl from the nfg server failed"
capture_stop
check_syn server 198.18.22.2 0x002 "curl's SYN" ""
check_syn server 198.18.22.1 0x012 "nfg server's SYN-ACK" 7
[ "$(sha256sum <"$WORK/got")" = "$(sha256sum <"$WORK/body.bin")" ] ||
	fail "curl got $(stat -c %s "$WORK/got") bytes, not the file"
note "curl: the 4 MB response_file, sha256 equal"
nfg_stop "$NFG_PID" server
[ "$(stat_get server nodes/server/counters/completed)" = 1 ] || fail "server: not completed"
for k in paws option_bad_length option_repeated; do
	v=$(stat_get server "nodes/server/counters/$k" 2>/dev/null || echo 0)
	[ "$v" = 0 ] || fail "server counted $v $k"
done
echo ok
