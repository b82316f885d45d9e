#!/bin/bash
# l2fwd between two namespaces carries a 10 MB HTTP download intact (sha256
# equal) and an iperf3 run; every mbuf is back at the end.
. "$(dirname "$0")/lib.sh"
nfg_test_init l2fwd

netns client; netns nf; netns server
veth_pair client c0 nf n0
veth_pair nf n1 server s0
addr client c0 198.18.3.1/24
addr server s0 198.18.3.2/24

mkdir -p "$WORK/www"
head -c 10485760 /dev/urandom >"$WORK/www/big.bin"
nginx_start server "$WORK/www" 198.18.3.2:80
in_ns server iperf3 -s -D -B 198.18.3.2 --logfile "$WORK/iperf3-server.log" || fail "iperf3 server"

nfg_start nf l2fwd l2fwd --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p1.device=net_af_packet1,iface=n1

in_ns client curl -sS --max-time 30 -o "$WORK/got.bin" http://198.18.3.2/big.bin ||
	fail "curl through l2fwd failed"
want=$(sha256sum <"$WORK/www/big.bin")
got=$(sha256sum <"$WORK/got.bin")
[ "$want" = "$got" ] || fail "downloaded file differs ($(stat -c %s "$WORK/got.bin") bytes)"
note "10 MB download intact"

in_ns client iperf3 -c 198.18.3.2 -t 2 -J >"$WORK/iperf3.json" || fail "iperf3 through l2fwd failed"
bps=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"]))' "$WORK/iperf3.json")
[ "$bps" -gt 0 ] || fail "iperf3 moved nothing"
note "iperf3: $((bps / 1000000)) Mbit/s"

nfg_stop "$NFG_PID" l2fwd
rx=$(stat_get l2fwd ports/p0/rx)
[ "$rx" -gt 7000 ] || fail "port p0 received only $rx packets"
echo "ok"
