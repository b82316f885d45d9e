#!/bin/bash
# nfproxy carries 1 MB to a socat echo server and back, byte-identical
# (round_robin policy: no payload to wait for); the client's half-close
# passes through; a backend that is down gets the client a reset fast, and
# with retry_next_backend is passed over once it failed.
. "$(dirname "$0")/lib.sh"
nfg_test_init pxecho

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.1.2/24
addr srv s0 198.19.1.10/24
in_ns srv socat TCP-LISTEN:7,bind=198.19.1.10,fork,reuseaddr EXEC:cat &
PIDS+=($!)
for _ in $(seq 100); do in_ns srv ss -ltn | grep -q "198.19.1.10:7 " && break; sleep 0.1; done

nfg_start nf proxy nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 --set 'nodes.proxy.listen=["198.18.1.1:7","198.18.1.1:9"]' \
	--set 'nodes.proxy.backends=[{"name": "echo", "ip": "198.19.1.10", "port": 7}, {"name": "down", "ip": "198.19.1.10", "port": 9}]' \
	--set nodes.proxy.policy=round_robin --set nodes.proxy.policy_params=null

head -c 1048576 /dev/urandom >"$WORK/data"
# Connection 0 goes to "echo" (round robin by connection number).
in_ns cli socat -t 10 -T 20 TCP:198.18.1.1:7 - <"$WORK/data" >"$WORK/back" ||
	fail "socat through the proxy failed"
cmp "$WORK/data" "$WORK/back" || fail "1 MB came back different ($(stat -c %s "$WORK/back") bytes)"
note "1 MB echoed back byte-identical"

# Connection 1 goes to "down": nothing listens on port 9, the backend's
# kernel refuses; the client gets a reset (not a timeout).
start=$(date +%s%N)
out=$(in_ns cli curl -sS --max-time 30 http://198.18.1.1:9/ 2>&1) && fail "the down backend answered: $out"
ms=$((($(date +%s%N) - start) / 1000000))
echo "$out" | grep -q -i "reset\|refused\|Empty reply" || fail "curl said: $out"
note "down backend: client reset after $ms ms ($out)"

# The last ACKs have passed (nothing more arrives): the connection is done.
wait_quiet proxy
nfg_stop "$NFG_PID" proxy
c() { stat_get proxy "nodes/proxy/counters/$1"; }
[ "$(c backend_failed)" = 1 ] || fail "backend_failed $(c backend_failed)"
[ "$(c proxied)" = 1 ] || fail "proxied $(c proxied)"
[ "$(c closed_both_ways)" = 1 ] || fail "closed_both_ways $(c closed_both_ways)"

# Immediate binding: the backend is chosen at the SYN, the handshake goes
# through (a NAT): the same 1 MB echo works, with the client's own options.
nfg_start nf nat nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 --set 'nodes.proxy.listen=["198.18.1.1:7"]' \
	--set 'nodes.proxy.backends=[{"name": "echo", "ip": "198.19.1.10", "port": 7}]' \
	--set nodes.proxy.policy=round_robin --set nodes.proxy.policy_params=null \
	--set nodes.proxy.binding=immediate
in_ns cli socat -t 10 -T 20 TCP:198.18.1.1:7 - <"$WORK/data" >"$WORK/back2" ||
	fail "socat through the NAT failed"
cmp "$WORK/data" "$WORK/back2" || fail "immediate binding: 1 MB came back different"
wait_quiet nat
nfg_stop "$NFG_PID" nat
[ "$(stat_get nat nodes/proxy/counters/closed_both_ways)" = 1 ] || fail "NAT: not closed both ways"
[ "$(stat_get nat nodes/proxy/counters/attempted)" = 0 ] || fail "NAT: the proxy made its own SYN"
note "immediate binding: 1 MB echoed back byte-identical"

# A client that ends with a RST once its echo is back: proxied, reset while
# spliced, and no failure of the proxy's: the run exits 0 (nfg_stop checks).
nfg_start nf rst nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 --set 'nodes.proxy.listen=["198.18.1.1:7"]' \
	--set 'nodes.proxy.backends=[{"name": "echo", "ip": "198.19.1.10", "port": 7}]' \
	--set nodes.proxy.policy=round_robin --set nodes.proxy.policy_params=null
in_ns cli python3 - <<'EOF' || fail "the echo before the RST did not come back"
import socket, struct
s = socket.create_connection(("198.18.1.1", 7), timeout=10)
s.sendall(b"hello")
got = b""
while len(got) < 5:
    got += s.recv(5 - len(got))
assert got == b"hello", got
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
EOF
wait_quiet rst
nfg_stop "$NFG_PID" rst
[ "$(stat_get rst nodes/proxy/counters/proxied)" = 1 ] || fail "RST client: proxied $(stat_get rst nodes/proxy/counters/proxied)"
[ "$(stat_get rst nodes/proxy/counters/reset_while_spliced)" = 1 ] || fail "RST client: not reset while spliced"
[ "$(stat_get rst failed)" = "[]" ] || fail "RST client: the proxy counted as failed: $(stat_get rst failed)"
note "a client that resets after its echo: proxied, exit status 0"

# retry_next_backend with a backend that refuses: the first connection the
# policy sends there tries it and goes on to the next; the others sent there
# while it counts as down go straight to the next. One worker, so round robin
# alternates; a down time longer than the test, so no timing matters.
nfg_start nf retry nfproxy --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1 --set 'nodes.proxy.listen=["198.18.1.1:7"]' \
	--set 'nodes.proxy.backends=[{"name": "down", "ip": "198.19.1.10", "port": 9}, {"name": "echo", "ip": "198.19.1.10", "port": 7}]' \
	--set nodes.proxy.policy=round_robin --set nodes.proxy.policy_params=null \
	--set nodes.proxy.retry_next_backend=true --set nodes.proxy.backend_down_ms=600000 --set workers=1
in_ns cli python3 - <<'EOF2' || fail "an echo through the proxy with a backend down did not come back"
import socket
for i in range(8):
    s = socket.create_connection(("198.18.1.1", 7), timeout=10)
    s.sendall(b"hello %d" % i)
    got = b""
    while len(got) < len(b"hello %d" % i):
        got += s.recv(100)
    assert got == b"hello %d" % i, got
    s.close()
EOF2
wait_quiet retry
nfg_stop "$NFG_PID" retry
r() { stat_get retry "nodes/proxy/counters/$1"; }
[ "$(r "backend echo")" = 8 ] || fail "retry: backend echo $(r "backend echo"), want 8"
[ "$(r next_backend_tried)" = 1 ] || fail "retry: next_backend_tried $(r next_backend_tried), want 1"
[ "$(r down_backend_passed_over)" = 3 ] || fail "retry: down_backend_passed_over $(r down_backend_passed_over), want 3"
note "a refusing backend: tried once, then passed over (3 connections)"
echo ok
