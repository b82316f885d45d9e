#!/bin/bash
# memif peers that come and go: an nftraffic server on a memif port outlives
# three nftraffic clients run one after the other (each leaves while the
# server's worker still polls the link), then nfproxy outlives its traffic
# process five times. Each process exits 0 with every mbuf back: DPDK
# 22.11's net_memif frees the shared rings on EAL's interrupt thread with no
# lock against a burst, which crashed the process that stayed (nfproxy: 1
# run in 6) until nfg held that thread while the links are up
# (runtime/intr_thread.c). Every connection a client saw established was
# accepted by the server, and each new client connects to the same server;
# the server's port counters hold every client's frames at the end.
. "$(dirname "$0")/lib.sh"
nfg_test_init memif_peers

sock="$WORK/srv.sock"
nfg_start - srv nftraffic-server \
	--set "ports.p0.device=net_memif0,role=server,socket=$sock" \
	--set ports.p0.ipv4=198.18.0.2/24
established=0
for k in 1 2 3; do
	# A different source address each time: the server still holds the last
	# client's closed 4-tuples in TIME_WAIT.
	"$NFG" run nftraffic-client \
		--set "ports.p0.device=net_memif0,role=client,socket=$sock" \
		--set "ports.p0.ipv4=198.18.0.1$k/24" --set "nodes.client.targets[0].ip=198.18.0.2" \
		--set nodes.client.connections=0 --set nodes.client.rate=0 --duration 1.5 --quiet \
		--stats-json "$WORK/cli$k.json" -- --file-prefix="$RUN-cli$k" \
		>"$WORK/cli$k.log" 2>&1 || fail "client $k exited with $? (see cli$k.log)"
	kill -0 "$NFG_PID" 2>/dev/null || fail "the server died when client $k left (see srv.log)"
	e=$(stat_get "cli$k" nodes/client/counters/established)
	[ "$e" -gt 0 ] || fail "client $k established no connection"
	[ "$(stat_get "cli$k" mbufs/leaked)" = 0 ] || fail "client $k leaked mbufs"
	established=$((established + e))
	note "client $k: $e connections established, then left"
done
nfg_stop "$NFG_PID" srv
# The server's port counters hold all three clients' frames: net_memif reads
# 0 while no peer is connected, and nfg keeps the most they showed. Every
# frame a client's port sent reached the server, but those still in the ring
# when the client left (at most the ring's 1024 each).
sent=0
for k in 1 2 3; do sent=$((sent + $(stat_get "cli$k" ports/p0/tx))); done
got=$(stat_get srv ports/p0/rx)
[ "$got" -le "$sent" ] && [ "$got" -ge $((sent - 3 * 1024)) ] ||
	fail "the server's port counted $got frames in, the clients' ports $sent out"
accepted=$(stat_get srv nodes/server/counters/accepted)
[ "$accepted" -ge "$established" ] ||
	fail "the server accepted $accepted connections, the clients saw $established established"
note "server: $accepted accepted, ${established} established at the clients, exit 0, mbufs back"

for k in 1 2 3 4 5; do
	nfg_start - px "$ROOT/bench/nfproxy-proxy.json" \
		--set "ports.c.device=net_memif0,role=server,socket=$WORK/c.sock,id=0" \
		--set "ports.s.device=net_memif1,role=server,socket=$WORK/s.sock,id=0"
	"$NFG" run "$ROOT/bench/nfproxy-traffic.json" --duration 1 --quiet --stats-json "$WORK/pt.json" \
		--set "ports.a.device=net_memif0,role=client,socket=$WORK/c.sock,id=0" \
		--set "ports.b.device=net_memif1,role=client,socket=$WORK/s.sock,id=0" \
		-- --file-prefix="$RUN-pt" >"$WORK/pt.log" 2>&1 || fail "traffic $k exited with $?"
	[ "$(stat_get pt nodes/client/counters/completed)" -gt 0 ] || fail "traffic $k: nothing proxied"
	sleep 0.3 # the proxy's worker polls on after its peer left
	nfg_stop "$NFG_PID" px
done
note "nfproxy outlived its traffic process 5 times, exit 0, mbufs back"
echo ok
