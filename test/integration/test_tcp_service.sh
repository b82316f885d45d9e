#!/bin/bash
# A stateful NF as a plugin (nfg/tcp.h): the example Redis-protocol services
# (plugins/resp) against real peers and each other.
# - resp under tcp_service, for redis-cli and redis-benchmark: answers are
#   exact; a command split over many segments and a protocol error are
#   handled; redis-benchmark's 2 x 20,000 pipelined PINGs all get their PONG
#   (counted at the server: bytes in and out); every connection ends, the
#   table is empty, mbufs are back.
# - resp_ping under tcp_service_client, against redis-server: 2,000
#   connections of 10 PINGs, each answer checked; redis counts exactly those
#   connections and commands.
# - two nfg processes, resp_ping against resp: every connection completes on
#   both sides.
# A graph naming a service no plugin brings, or wrong service_params, is
# refused clearly.
. "$(dirname "$0")/lib.sh"
nfg_test_init service

GRAPH="$ROOT/plugins/resp/resp.json"
out=$("$NFG" check "$GRAPH" --set nodes.resp.service=nope 2>&1) &&
	fail "an unknown service passed check"
echo "$out" | grep -q 'nodes.resp.service: no service "nope" (loaded: "resp"' ||
	fail "unknown service: $out"
out=$("$NFG" check "$GRAPH" --set nodes.resp.service_params.pong=7 2>&1) &&
	fail "a number for pong passed check"
echo "$out" | grep -q 'nodes.resp.service_params.pong: a string' || fail "bad pong: $out"
out=$("$NFG" check "$GRAPH" --set nodes.resp.service_params.ping=1 2>&1) &&
	fail "an unknown service_params key passed check"
echo "$out" | grep -q 'unknown key "ping"' || fail "unknown key: $out"
# More send buffers than the machine has memory: refused before DPDK starts.
out=$("$NFG" run "$GRAPH" --set nodes.resp.send_buffers=4194304 \
	--set nodes.resp.send_buffer=1048576 -- --file-prefix="$RUN-huge" 2>&1) &&
	fail "a graph needing terabytes ran"
echo "$out" | grep -q 'this machine has .* MB; node "resp" alone reserves' ||
	fail "huge reservation: $out"
note "refused: an unknown service, a pong that is no string, an unknown key, 4 TB of buffers"

netns cli; netns nf
veth_pair cli c0 nf n0
addr cli c0 198.18.7.2/24
nfg_start nf resp "$GRAPH" --set ports.p0.device=net_af_packet0,iface=n0 \
	--set ports.p0.ipv4=198.18.7.1/24
pid=$NFG_PID
R() { in_ns cli timeout 20 redis-cli -h 198.18.7.1 "$@"; }

[ "$(R PING)" = PONG ] || fail "PING: '$(R PING)'"
[ "$(R ECHO 'hello, nfg')" = "hello, nfg" ] || fail "ECHO: '$(R ECHO 'hello, nfg')'"
[ "$(R PING abc)" = abc ] || fail "PING abc"
R FLUSHALL | grep -q "^ERR unknown command 'FLUSHALL'" || fail "unknown command: '$(R FLUSHALL)'"
# 1,000 bytes in one command: several segments at MSS 100 from the client's
# side (the service collects the command across them).
big=$(head -c 750 /dev/urandom | base64 -w0)
in_ns cli ip route add 198.18.7.1/32 dev c0 advmss 100 mtu lock 140 2>/dev/null ||
	in_ns cli ip route replace 198.18.7.1/32 dev c0 mtu lock 140
[ "$(R ECHO "$big")" = "$big" ] || fail "a 1,000-byte ECHO came back different"
in_ns cli ip route del 198.18.7.1/32 dev c0
note "redis-cli: PING, ECHO (1,000 bytes over small segments), unknown command"

# A protocol error: the service says so and closes.
got=$(printf '*1\r\n$x\r\n' | in_ns cli timeout 10 socat -t 5 - TCP:198.18.7.1:6379 | tr -d '\r')
[ "$got" = "-ERR Protocol error" ] || fail "protocol error answered '$got'"
note "a malformed array: -ERR Protocol error, closed"

N=20000
in_ns cli timeout 120 redis-benchmark -h 198.18.7.1 -t ping -n $N -c 50 -P 16 -q \
	>"$WORK/bench.log" 2>&1 || fail "redis-benchmark failed: $(tail -3 "$WORK/bench.log")"
for t in PING_INLINE PING_MBULK; do
	tr '\r' '\n' <"$WORK/bench.log" | grep -q "^$t: .* requests per second" ||
		fail "redis-benchmark did not finish $t: $(tail -3 "$WORK/bench.log")"
done
note "redis-benchmark: $(tr '\r' '\n' <"$WORK/bench.log" | grep 'requests per second' | tr -s ' ' | paste -sd';')"

wait_quiet resp
nfg_stop "$pid" resp
s() { stat_get resp "nodes/resp/counters/$1"; }
[ "$(stat_get resp nodes/resp/connections_open)" = 0 ] || fail "connections left in the table"
# Every connection ended, none failed.
[ "$(s accepted)" = "$(s released)" ] && [ "$(s accepted)" = "$(s completed)" ] ||
	fail "accepted $(s accepted), released $(s released), completed $(s completed)"
# redis-benchmark's PINGs: 6 bytes inline, 14 as an array; each answered with
# "+PONG\r\n" (7 bytes). The other commands of the test come on top.
[ "$(s bytes_in)" -ge $((N * (6 + 14))) ] || fail "bytes in $(s bytes_in), want >= $((N * 20))"
[ "$(s bytes_out)" -ge $((N * 2 * 7)) ] || fail "bytes out $(s bytes_out), want >= $((N * 14))"
[ "$(s failed_timeout)" = 0 ] && [ "$(s failed_reset)" = 0 ] ||
	fail "failures: timeout $(s failed_timeout), reset $(s failed_reset)"
note "server: $(s accepted) connections, all completed; $(s bytes_in) bytes in, $(s bytes_out) out"

# The generator against redis-server (on the kernel's side of the veth).
in_ns cli redis-server --port 6379 --bind 198.18.7.2 --save '' --appendonly no \
	--protected-mode no --daemonize no --maxclients 4000 >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do R_UP=$(in_ns cli redis-cli -h 198.18.7.2 PING 2>/dev/null) &&
	[ "$R_UP" = PONG ] && break; sleep 0.1; done
[ "$R_UP" = PONG ] || fail "redis-server did not start: $(cat "$WORK/redis.log")"
C=2000
in_ns nf "$NFG" run "$ROOT/plugins/resp/resp-ping.json" --set ports.p0.device=net_af_packet2,iface=n0 \
	--set ports.p0.ipv4=198.18.7.1/24 --set 'nodes.gen.targets[0].ip=198.18.7.2' \
	--set nodes.gen.connections=$C --stats-json "$WORK/ping.json" \
	-- --file-prefix="$RUN-ping" >"$WORK/ping.log" 2>&1 || fail "resp-ping failed: $(tail "$WORK/ping.log")"
g() { stat_get ping "nodes/gen/counters/$1"; }
[ "$(g completed)" = $C ] && [ "$(g messages_received)" = $((C * 10)) ] ||
	fail "generator: completed $(g completed), answers $(g messages_received) (want $C, $((C * 10)))"
[ "$(g aborted)" = 0 ] && [ "$(g failed_reset)" = 0 ] && [ "$(g failed_timeout)" = 0 ] ||
	fail "generator: aborted $(g aborted), reset $(g failed_reset), timeout $(g failed_timeout)"
info=$(in_ns cli redis-cli -h 198.18.7.2 INFO stats | tr -d '\r')
# redis counts the connection that asks for INFO, not yet its command.
echo "$info" | grep -qx "total_connections_received:$((C + 2))" ||
	fail "redis saw $(echo "$info" | grep total_connections_received), want $((C + 2)) (+ 2 redis-cli)"
echo "$info" | grep -qx "total_commands_processed:$((C * 10 + 1))" ||
	fail "redis processed $(echo "$info" | grep total_commands_processed), want $((C * 10 + 1))"
note "resp_ping -> redis-server: $C connections, $((C * 10)) PONGs checked; redis agrees"

# Two nfg processes: the generator against the server, on a veth pair with
# no kernel addresses; 64-byte send buffers and 50 PINGs a connection, so both
# rings wrap many times (700 bytes out of the generator, 350 of the server).
veth_pair cli c1 nf n1
nfg_start cli resp2 "$GRAPH" --set ports.p0.device=net_af_packet3,iface=c1 \
	--set ports.p0.ipv4=198.18.17.2/24 --set nodes.resp.send_buffer=64
pid=$NFG_PID
in_ns nf "$NFG" run "$ROOT/plugins/resp/resp-ping.json" --set ports.p0.device=net_af_packet4,iface=n1 \
	--set ports.p0.ipv4=198.18.17.1/24 --set 'nodes.gen.targets[0].ip=198.18.17.2' \
	--set nodes.gen.connections=$C --set nodes.gen.send_buffer=64 \
	--set nodes.gen.service_params.pings=50 --stats-json "$WORK/ping2.json" \
	-- --file-prefix="$RUN-ping2" >"$WORK/ping2.log" 2>&1 || fail "resp-ping failed: $(tail "$WORK/ping2.log")"
wait_quiet resp2
nfg_stop "$pid" resp2
[ "$(stat_get ping2 nodes/gen/counters/completed)" = $C ] &&
	[ "$(stat_get ping2 nodes/gen/counters/messages_received)" = $((C * 50)) ] ||
	fail "generator against nfg: $(stat_get ping2 nodes/gen/counters/completed) completed"
[ "$(stat_get resp2 nodes/resp/counters/completed)" = $C ] &&
	[ "$(stat_get resp2 nodes/resp/counters/bytes_out)" = $((C * 50 * 7)) ] ||
	fail "the nfg server completed $(stat_get resp2 nodes/resp/counters/completed) of $C, sent $(stat_get resp2 nodes/resp/counters/bytes_out) bytes"
note "resp_ping -> nfg resp: $C connections of 50 PINGs complete on both sides, through 64-byte rings"
echo ok
