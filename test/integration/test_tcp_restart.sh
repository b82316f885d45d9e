#!/bin/bash
# A run started again on the same 4-tuples connects at once: nginx holds the
# last run's tuples in TIME_WAIT and takes a new SYN on one only when its
# sequence number or timestamp is above the old connection's. With a key and
# clocks of each process's own, about every other run came out below: nginx
# answered each SYN with a bare ACK, the client reset it and got through
# after its initial RTO (resets_sent 20, retransmits 20, connect 1 s). Now
# they are the boot's (nf/host_secret.h): five runs in a row, none resets.
. "$(dirname "$0")/lib.sh"
nfg_test_init restart

netns cl; netns srv
veth_pair cl c0 srv s0
addr srv s0 198.18.6.2/24
mkdir -p "$WORK/www"
echo "hello again" >"$WORK/www/index.html"
nginx_start srv "$WORK/www" 198.18.6.2:80

for run in 1 2 3 4 5; do
	# One connection at a time from the first source ports: the same 20
	# tuples each run.
	in_ns cl "$NFG" run nftraffic-client --set ports.p0.device=net_af_packet0,iface=c0 \
		--set ports.p0.ipv4=198.18.6.1/24 --set 'nodes.client.targets[0].ip=198.18.6.2' \
		--set nodes.client.connections=20 --set nodes.client.concurrency=1 --quiet \
		--stats-json "$WORK/run$run.json" -- --file-prefix="$RUN-$run" \
		>"$WORK/run$run.log" 2>&1 || fail "run $run: nfg exited with $?"
	c() { stat_get "run$run" "nodes/client/counters/$1"; }
	[ "$(c completed)" = 20 ] || fail "run $run: completed $(c completed) of 20"
	[ "$(c resets_sent)" = 0 ] ||
		fail "run $run: $(c resets_sent) SYNs answered as old connections and reset (nginx's TIME_WAIT refused them)"
done
note "5 runs on the same 20 tuples: every SYN taken as a new connection"
echo ok
