#!/bin/bash
# Stopping with connections open: every peer outside the process gets a RST
# for each of its connections (it would keep them open, and the next run's
# SYNs from the same ports would meet them). Linux peers count them: the
# nftraffic server's 3 keep-alive clients, the nftraffic client's 3 waiting
# servers, and nfproxy's client and backend, each one a ConnectionResetError.
. "$(dirname "$0")/lib.sh"
nfg_test_init stopreset

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
addr cli c0 198.18.7.2/24
veth_pair nf n1 srv s0
addr srv s0 198.19.7.10/24

# peer.py connect|listen ADDRESS PORT N READY: N connections (made, or
# accepted), each having exchanged one request and answer; READY is written
# then; each socket is then read until it ends, and the script prints how
# many ended by a reset, by a FIN, or not within 20 s.
cat >"$WORK/peer.py" <<'PY'
import socket, sys, time
mode, addr, port, n, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
socks = []
if mode == "connect":
    for _ in range(n):
        s = socket.create_connection((addr, port), timeout=10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: nfg\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got:
            got += s.recv(4096)
        socks.append(s)
else:
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(64)
    ls.settimeout(20)
    for _ in range(n):
        s, _ = ls.accept()
        s.settimeout(10)
        got = b""
        while b"\r\n\r\n" not in got:
            got += s.recv(4096)
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        socks.append(s)
open(ready, "w").close()
reset = fin = hung = 0
deadline = time.time() + 20
for s in socks:
    s.settimeout(max(0.1, deadline - time.time()))
    try:
        while True:
            if not s.recv(4096):
                fin += 1
                break
    except ConnectionResetError:
        reset += 1
    except socket.timeout:
        hung += 1
print("reset %d fin %d hung %d" % (reset, fin, hung))
PY

wait_file() { # FILE PID
	for _ in $(seq 150); do
		[ -e "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_with_peer_open NAME PEER_PID K: once peer K has its 3 connections up,
# stop nfg NAME; the peer must have seen each of them reset.
stop_with_peer_open() {
	wait_file "$WORK/ready$3" "$2" || fail "peer $3 got no connections up: $(cat "$WORK/peer$3.out")"
	nfg_stop "$NFG_PID" "$1"
	wait "$2"
	[ "$(cat "$WORK/peer$3.out")" = "reset 3 fin 0 hung 0" ] ||
		fail "$1 stopped; its Linux peer saw: $(cat "$WORK/peer$3.out")"
}

# 1. The server's side: three keep-alive connections from Linux, answered, open.
nfg_start nf server nftraffic-server --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.7.1/24 --set nodes.server.close=client
in_ns cli python3 "$WORK/peer.py" connect 198.18.7.1 80 3 "$WORK/ready1" >"$WORK/peer1.out" 2>&1 &
peer=$!
stop_with_peer_open server "$peer" 1
[ "$(stat_get server nodes/server/counters/resets_sent)" = 3 ] ||
	fail "server resets_sent $(stat_get server nodes/server/counters/resets_sent), want 3"
[ "$(stat_get server nodes/server/connections_open)" = 0 ] || fail "server: connections left open"
note "server stopped with 3 connections open: 3 RSTs, each Linux client reset"

# 2. The client's side: three connections to a Linux server that answered
# and waits for the client to close, as the client (close: server) waits
# for it.
in_ns srv python3 "$WORK/peer.py" listen 198.19.7.10 80 3 "$WORK/ready2" >"$WORK/peer2.out" 2>&1 &
peer=$!
sleep 0.3
nfg_start nf client nftraffic-client --set ports.p0.device=net_af_packet1,iface=n1 \
	--set ports.p0.ipv4=198.19.7.1/24 --set 'nodes.client.targets[0].ip=198.19.7.10' \
	--set nodes.client.connections=3 --set nodes.client.concurrency=3
stop_with_peer_open client "$peer" 2
[ "$(stat_get client nodes/client/counters/resets_sent)" = 3 ] ||
	fail "client resets_sent $(stat_get client nodes/client/counters/resets_sent), want 3"
note "client stopped with 3 connections open: 3 RSTs, the Linux server saw each reset"

# 3. nfproxy with a spliced connection open: both ends reset.
in_ns srv python3 "$WORK/peer.py" listen 198.19.7.10 80 1 "$WORK/ready3s" >"$WORK/peer3s.out" 2>&1 &
backend=$!
sleep 0.3
nfg_start nf proxy nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.c.ipv4=198.18.7.1/24 --set ports.s.device=net_af_packet1,iface=n1 \
	--set ports.s.ipv4=198.19.7.1/24 --set 'nodes.proxy.listen[0]=198.18.7.1:80' \
	--set 'nodes.proxy.backends[0].ip=198.19.7.10' --set 'nodes.proxy.backends[1].ip=198.19.7.10'
in_ns cli python3 "$WORK/peer.py" connect 198.18.7.1 80 1 "$WORK/ready3c" >"$WORK/peer3c.out" 2>&1 &
client=$!
wait_file "$WORK/ready3c" "$client" || fail "no answer through the proxy: $(cat "$WORK/peer3c.out" "$WORK/proxy.log")"
nfg_stop "$NFG_PID" proxy
wait "$client" "$backend"
[ "$(cat "$WORK/peer3c.out")" = "reset 1 fin 0 hung 0" ] || fail "proxy stopped; its client saw: $(cat "$WORK/peer3c.out")"
[ "$(cat "$WORK/peer3s.out")" = "reset 1 fin 0 hung 0" ] || fail "proxy stopped; its backend saw: $(cat "$WORK/peer3s.out")"
[ "$(stat_get proxy nodes/proxy/counters/resets_sent)" = 2 ] ||
	fail "proxy resets_sent $(stat_get proxy nodes/proxy/counters/resets_sent), want 2"
note "nfproxy stopped with a spliced connection: its client and its backend each reset"
echo ok
