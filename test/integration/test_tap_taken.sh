#!/bin/bash
# A tap port whose interface already exists (another run of the same graph in
# the same namespace) is refused with a message: DPDK's net_tap would make
# the second run more queues of the first one's interface, sharing its
# traffic, and the second to stop would take it down under the first.
. "$(dirname "$0")/lib.sh"
nfg_test_init tap_taken
netns nf

nfg_start nf first nftraffic-server
in_ns nf ip link show nfg_srv >/dev/null || fail "the first run made no nfg_srv"
out=$(in_ns nf "$NFG" run nftraffic-server --duration 1 -- --file-prefix="$RUN-second" 2>&1)
rc=$?
[ $rc -eq 1 ] || fail "the second run exited with $rc: $out"
echo "$out" | grep -q 'ports.p0: a network interface named "nfg_srv" already exists' ||
	fail "the second run's message: $out"
kill -0 "$NFG_PID" 2>/dev/null || fail "the first run died"
in_ns nf ip link show nfg_srv | grep -q "UP" || fail "nfg_srv went down"
nfg_stop "$NFG_PID" first
note "the second run is refused, the first keeps its nfg_srv"
echo ok
