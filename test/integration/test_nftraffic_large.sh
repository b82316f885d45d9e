#!/bin/bash
# A large response: nginx serves a 4 MB file to tcp_client, which must get
# every byte: the byte count and an FNV-1a checksum of the body it received
# (from its session record) equal those of the file.
. "$(dirname "$0")/lib.sh"
nfg_test_init large

netns nf; netns srv
veth_pair nf n0 srv s0
addr srv s0 198.18.8.2/24
mkdir -p "$WORK/www"
head -c 4194304 /dev/urandom >"$WORK/www/big.bin"
nginx_start srv "$WORK/www" 198.18.8.2:80

in_ns nf "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.8.1/24 --set 'nodes.client.targets[0].ip=198.18.8.2' \
	--set nodes.client.connections=3 --set nodes.client.concurrency=1 \
	--set 'nodes.client.request="GET /big.bin HTTP/1.1\r\nHost: nfg\r\nConnection: close\r\n\r\n"' \
	--records "$WORK/records.csv" --stats-json "$WORK/client.json" \
	-- --file-prefix="$RUN-client" >"$WORK/client.log" 2>&1 || fail "nfg exited with $?"

c() { stat_get client "nodes/client/counters/$1"; }
[ "$(c messages_received)" = 3 ] || fail "complete responses: $(c messages_received) of 3"
want=$(python3 -c '
import sys
h = 2166136261
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 16777619) & 0xffffffff
print("%08x" % h)' "$WORK/www/big.bin")
tail -n +2 "$WORK/records.csv" | while IFS=, read -r role conn local remote cause t1 t2 t3 t4 t5 t6 t7 out in rtx fnv; do
	[ "$fnv" = "$want" ] || fail "connection $conn: body checksum $fnv, file $want"
	[ "$in" -gt 4194304 ] || fail "connection $conn: only $in bytes in"
	[ "$cause" = passive_close ] || [ "$cause" = active_close ] || fail "connection $conn: $cause"
done || exit 1
[ "$(tail -n +2 "$WORK/records.csv" | wc -l)" = 3 ] || fail "expected 3 records"
note "3 x 4 MB received, body checksum $want matches the file"
echo ok
