#!/bin/bash
# nfproxy between curl and two nginx backends: the match policy reads the
# HTTP Host of the first request, so Host a.example reaches backend A and
# Host b.example backend B (each serves its own body); afterwards the proxy's
# table is empty and every mbuf is back.
. "$(dirname "$0")/lib.sh"
nfg_test_init pxhost

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.1.2/24
addr srv s0 198.19.1.10/24
addr srv s0 198.19.1.11/24
mkdir -p "$WORK/a" "$WORK/b"
echo "backend A" >"$WORK/a/index.html"
echo "backend B" >"$WORK/b/index.html"
nginx_run srv "
	server { listen 198.19.1.10:80; root $WORK/a; }
	server { listen 198.19.1.11:80; root $WORK/b; }"

nfg_start nf proxy nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 --records "$WORK/records.csv"

for i in 1 2 3; do
	a=$(in_ns cli curl -sS --max-time 5 -H "Host: a.example" http://198.18.1.1/) ||
		fail "curl for a.example failed"
	[ "$a" = "backend A" ] || fail "Host a.example got '$a'"
	b=$(in_ns cli curl -sS --max-time 5 -H "Host: b.example" http://198.18.1.1/) ||
		fail "curl for b.example failed"
	[ "$b" = "backend B" ] || fail "Host b.example got '$b'"
done
d=$(in_ns cli curl -sS --max-time 5 http://198.18.1.1/) || fail "curl without a known host"
[ "$d" = "backend A" ] || fail "the default group should be a, got '$d'"
note "Host a.example -> A, b.example -> B (3 times each), other -> A"

wait_quiet proxy # the last FINs and ACKs have passed
nfg_stop "$NFG_PID" proxy
c() { stat_get proxy "nodes/proxy/counters/$1"; }
[ "$(c proxied)" = 7 ] || fail "proxied $(c proxied), want 7"
# Finished connections linger for their last ACKs; none is still open.
[ "$(stat_get proxy nodes/proxy/connections_open)" = 0 ] ||
	fail "$(stat_get proxy nodes/proxy/connections_open) connections left in the table"
# Every segment the proxy got from either side is counted as its packets.
[ "$(stat_get proxy nodes/proxy/packets)" = "$(( $(stat_get proxy nodes/cls_c/counters/tcp) + $(stat_get proxy nodes/cls_s/counters/tcp) ))" ] ||
	fail "proxy packets $(stat_get proxy nodes/proxy/packets), classify sent it $(stat_get proxy nodes/cls_c/counters/tcp) + $(stat_get proxy nodes/cls_s/counters/tcp)"
# Records: both halves of each of the 7 connections, with their addresses
# and the same id on both halves.
python3 - "$WORK/records.csv" <<'PY' || fail "records: see above"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
clients = [r for r in rows if r["role"] == "server"]   # the proxy serves the client
backends = [r for r in rows if r["role"] == "client"]  # and is the backend's client
assert len(clients) == 7 and len(backends) == 7, (len(clients), len(backends))
for r in clients:
    assert r["local"] == "198.18.1.1:80" and r["remote"].startswith("198.18.1.2:"), r
for r in backends:
    assert r["local"].startswith("198.19.1.1:"), r
    assert r["remote"] in ("198.19.1.10:80", "198.19.1.11:80"), r
assert sorted(r["conn"] for r in clients) == sorted(r["conn"] for r in backends)
assert sum(r["remote"] == "198.19.1.11:80" for r in backends) == 3
assert all(r["cause"] in ("active_close", "passive_close") for r in rows), [r["cause"] for r in rows]
# Spliced bytes count on both halves: what the client sent is what the
# backend got, the answer the other way (nginx's head and body); FINs both
# ways have times; the halves' times share one base (the backend's SYN
# follows the client's, in delayed binding).
half = {r["conn"]: r for r in backends}
for c in clients:
    b = half[c["conn"]]
    assert int(c["bytes_in"]) == int(b["bytes_out"]) > 0, (c, b)
    assert int(c["bytes_out"]) == int(b["bytes_in"]) > 100, (c, b)
    for r in (c, b):
        assert all(int(r[t]) >= 0 for t in ("first_out_ns", "first_in_ns", "fin_out_ns", "fin_in_ns")), r
    assert int(c["syn_ns"]) <= int(b["syn_ns"]) <= int(c["fin_in_ns"]), (c, b)
print("records ok:", len(rows))
PY
[ "$(c 'backend a1')" = 4 ] && [ "$(c 'backend b1')" = 3 ] ||
	fail "per backend: a1 $(c 'backend a1'), b1 $(c 'backend b1')"
[ "$(c closed_both_ways)" = 7 ] || fail "closed both ways: $(c closed_both_ways)"

# A first request longer than the held buffer (4,096 bytes), from Linux, which
# scales its window (units of 128 to it): the window announced never reaches
# past the buffer, so nothing it sends is dropped and sent again on its RTO
# (it was, when rounded up); the policy decides with what fits.
nfg_start nf big nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1
in_ns cli python3 - <<'EOF' || fail "the long request through the proxy: see above"
import socket, struct
req = b"GET / HTTP/1.1\r\nHost: b.example\r\nX-Big: " + b"x" * 4040 + b"\r\nConnection: close\r\n\r\n"
s = socket.create_connection(("198.18.1.1", 80), timeout=10)
s.sendall(req)
resp = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    resp += d
retrans = struct.unpack_from("I", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 100)[0]
assert b"backend B" in resp, resp[:300]
assert retrans == 0, "the client retransmitted %d times" % retrans
print("long request: %d bytes, answered by B, no retransmission" % len(req))
EOF
wait_quiet big
nfg_stop "$NFG_PID" big
note "a 4,103-byte first request: routed by its Host, no byte sent twice"
echo ok
