#!/bin/bash
# Benchmarks. Each prints nfg's result next to a baseline measured in the same
# run on the same machine, and their ratio: these machines are shared and
# noisy, so the ratio is what means something. Figures are the median of RUNS
# runs (nfg and baseline interleaved); a row's ratio is the median of each nfg
# run's ratio to the baseline run right after it; min and max go to the JSON
# file.
#
#   fwd-1w/2w    port_rx -> port_tx vs a hand-written rx/tx loop, on a looping
#                net_ring port carrying real TCP frames, 1 and 2 workers
#   chain-1w/2w  rx -> parse -> filter -> split -> merge -> tx vs the same work
#                hand-written in one loop (bench/bare_loop.c: the same checks,
#                rules, hash and counters, without the graph)
#   fw-1w/2w     rx -> parse -> filter of 100 rules (rte_acl) -> tx, the same
#   profile      the chain with --profile (every node call timed) vs without
#   (bursts of BURST packets, default 256 — what rte_graph's own ethdev_rx
#   node takes, RTE_GRAPH_BURST_SIZE — for nfg's port_rx and the baseline;
#   the rx -> tx rows also at 32, where the walk's per-burst cost weighs 8x)
#   null-2w      port_rx -> port_tx on net_null ports, 2 workers vs the same on 1
#                worker (the scaling of the runtime itself; the goal is >= 1.8x)
#   steer        software steering's cost: each worker generates frames of 4096
#                flows and receives them; with "rss": "software" half of them
#                cross to the other worker over a ring, vs none crossing
#   nftraffic    connections/s, client and server on 2 cores over the in-process
#                wire (8-packet exchange), vs the Linux kernel: wrk -> nginx,
#                Connection: close, on the same 2 CPUs; also on 1 worker
#   watched      nftraffic on 2 workers with --timeline and --metrics (scraped
#                every second) vs the same unwatched: what watching costs
#   tcp-memif    nftraffic as two processes joined by memif: the client on CPU 0,
#                the server on CPU 1 (server closes, holds TIME_WAIT); conn/s vs
#                the same Linux baseline, with failed connections and each side's
#                busy cycles per connection; beside it how far apart CPUs 0 and 1
#                are (a cache line's round trip, bench/core_pingpong.c)
#   held-N       nftraffic connections/s while N connections are held open
#                (1k, 100k, 1M), vs none held (connection tables are preallocated:
#                memory does not grow with N; see the README for bytes per slot)
#   nfproxy      proxied connections/s, nfproxy on one core and nftraffic (both
#                ends) on the other over memif, vs HAProxy (TCP mode, 1 thread)
#                with wrk and nginx on the same 2 CPUs
#   bulk         one connection's transfer rate (bytes/s, from the session
#                record: first byte in to closed): nftraffic's client and server
#                over the in-process wire (256 MB), and nftraffic's client
#                downloading 512 MB from nginx over a veth (net_af_packet), each
#                vs curl downloading the same file from the same nginx over the
#                same veth (offloads off on both ends, as nfg's port needs)
#
# Needs root (namespaces, hugepages for memif: 2048 are reserved if fewer are
# free). QUICK=1: one short run of the packet benchmarks only (under a minute);
# BULK_ONLY=1: the bulk transfer rows only.
# Output: a table here, bench/results/DATE.json, bench/results/bench.png.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
NFG=$BUILD/nfg
QUICK=${QUICK:-0}
RUNS=${RUNS:-3}
SECS=${SECS:-4}
BURST=${BURST:-256}
[ "$QUICK" = 1 ] && RUNS=1 && SECS=2
RESULTS=bench/results
mkdir -p "$BUILD/bench" "$RESULTS"
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }

json() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null || echo 0; }
progress() { echo "bench: $*" >&2; }
stats() { sort -g | awk '{a[NR]=$1} END {print a[1], a[int((NR+1)/2)], a[NR]}'; }

# ---- the measurements: each prints one number ------------------------------

nfg_loop() { # GRAPH WORKERS [nfg args]
	"$NFG" run "bench/loop-$1.json" --set workers="$2" --set nodes.rx.burst="$BURST" \
		--duration "$SECS" --quiet "${@:3}" \
		--stats-json "$BUILD/bench/loop.json" -- --file-prefix=nfg-bench-loop >/dev/null 2>&1
	json "$BUILD/bench/loop.json" 's["ports"]["p"]["tx"]/s["seconds"]'
}
bare_loop() { # MODE WORKERS
	local lcores=1
	[ "$2" = 2 ] && lcores=0,1
	"$BUILD/bench/bare_loop" "$1" "$SECS" "$BURST" -l "$lcores" --file-prefix=nfg-bench-bare \
		--no-huge -m 512 --no-pci --log-level=warning --log-level=lib.telemetry:error \
		2>/dev/null | tail -1
}
nfg_null() { # WORKERS
	"$NFG" run bench/null-fwd.json --set workers="$1" --duration "$SECS" --quiet \
		--stats-json "$BUILD/bench/null.json" -- --file-prefix=nfg-bench-null >/dev/null 2>&1
	json "$BUILD/bench/null.json" 's["ports"]["p"]["tx"]/s["seconds"]'
}
nfg_null_1w() { nfg_null 1; }
nfg_null_2w() { nfg_null 2; }
nfg_steer() { # RSS
	"$NFG" run bench/steer.json --set ports.p.rss="$1" --duration "$SECS" --quiet \
		--stats-json "$BUILD/bench/steer.json" -- --file-prefix=nfg-bench-steer >/dev/null 2>&1
	json "$BUILD/bench/steer.json" 's["nodes"]["seen"]["packets"]/s["seconds"]'
}
nfg_steer_soft() { nfg_steer software; }
nfg_steer_none() { nfg_steer symmetric; }
nfg_fwd_1w() { nfg_loop fwd 1; }
nfg_fwd_2w() { nfg_loop fwd 2; }
nfg_chain_1w() { nfg_loop chain 1; }
nfg_chain_2w() { nfg_loop chain 2; }
nfg_fw_1w() { nfg_loop firewall 1; }
nfg_fw_2w() { nfg_loop firewall 2; }
nfg_chain_profile() { nfg_loop chain 1 --profile; }
bare_fw_1w() { bare_loop firewall 1; }
bare_fw_2w() { bare_loop firewall 2; }
bare_fwd_1w() { bare_loop fwd 1; }
bare_fwd_2w() { bare_loop fwd 2; }
bare_chain_1w() { bare_loop chain 1; }
bare_chain_2w() { bare_loop chain 2; }

nfg_cps() { # WORKERS [nfg args]
	"$NFG" run nftraffic --set workers="${1:-2}" --set nodes.client.connections=0 \
		--duration "$SECS" --quiet --stats-json "$BUILD/bench/nftraffic.json" "${@:2}" \
		-- --file-prefix=nfg-bench-tcp >/dev/null 2>&1
	json "$BUILD/bench/nftraffic.json" 's["nodes"]["client"]["counters"]["completed"]/s["seconds"]'
}
nfg_cps_1w() { nfg_cps 1; }
nfg_cps_2w() { nfg_cps 2; }
# Watched: a timeline written and the metrics endpoint scraped every second
# (Prometheus scrapes every 15 s by default; each scrape is a curl process,
# on the same 2 CPUs as the workers).
nfg_cps_watched() {
	(while sleep 1; do curl -s -o /dev/null http://127.0.0.1:9477/metrics; done) &
	local scraper=$!
	nfg_cps 2 --timeline "$BUILD/bench/timeline.csv" --metrics 127.0.0.1:9477
	kill $scraper 2>/dev/null
	wait $scraper 2>/dev/null
}

# Both ends of a memif link stop at the same instant (SIGINT to both after
# SECS): a memif peer that leaves while the other process's workers still poll
# can crash that process inside DPDK 22.11's net_memif (README, Testing).
# Each side's figures are over its own measured seconds.
stop_together() { # SECS PID...
	sleep "$1"
	kill -INT "${@:2}" 2>/dev/null
	wait "${@:2}"
}

# Two processes over memif; prints conn/s, failed connections, and each side's
# busy cycles per connection (the client's, then the server's).
tcp_memif() {
	rm -f /tmp/nfg-bench-tcp.sock
	"$NFG" run bench/nftraffic-memif-server.json --quiet \
		--stats-json "$BUILD/bench/tcp-server.json" -- --file-prefix=nfg-bench-ts >/dev/null 2>&1 &
	local srv=$!
	sleep 2 # the server's memif port is the link's server: up first
	"$NFG" run bench/nftraffic-memif-client.json --quiet \
		--stats-json "$BUILD/bench/tcp-client.json" -- --file-prefix=nfg-bench-tc >/dev/null 2>&1 &
	stop_together "$SECS" $srv $!
	local c="$BUILD/bench/tcp-client.json" s="$BUILD/bench/tcp-server.json"
	echo "$(json "$c" 's["nodes"]["client"]["counters"]["completed"]/s["seconds"]')" \
		"$(json "$c" 'sum(s["nodes"]["client"]["counters"].get(k, 0) for k in ("failed_refused", "failed_timeout", "failed_reset"))')" \
		"$(json "$c" 's["nodes"]["client"]["cycles_per_connection"]')" \
		"$(json "$s" 's["nodes"]["server"]["cycles_per_connection"]')"
}

# The kernel's TCP: nginx on CPU 1, wrk on CPU 0, each connection one request.
linux_cps() {
	local ns=nfg-bench-linux dir
	dir=$(mktemp -d /tmp/nfg-bench.XXXXXX)
	chmod 755 "$dir"
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" && ip -n "$ns" link set lo up
	printf 'worker_processes 1;\nworker_cpu_affinity 10;\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents { worker_connections 8192; }\nhttp { access_log off; server { listen 127.0.0.1:8080 backlog=8192; location / { return 200 "%s"; } } }\n' \
		"$dir" "$dir" "$(printf 'a%.0s' $(seq 64))" >"$dir/nginx.conf"
	ip netns exec "$ns" nginx -c "$dir/nginx.conf"
	ip netns exec "$ns" taskset -c 0 wrk -t 1 -c 64 -d "$SECS" -H "Connection: close" \
		http://127.0.0.1:8080/ 2>/dev/null | awk '/Requests\/sec/ {print $2}'
	ip netns pids "$ns" | xargs -r kill 2>/dev/null
	sleep 0.5
	ip netns del "$ns"
	rm -rf "$dir"
}

# nftraffic with N connections held open: its connections/s once they are.
held() { # N
	local n=$1 start
	start=$(awk -v n="$n" 'BEGIN {print int(n / 150000) + 4}')
	"$NFG" run bench/nftraffic-hold.json --set nodes.holder.connections="$n" \
		--set nodes.client.start_s="$start" --duration $((start + SECS)) --quiet \
		--stats-json "$BUILD/bench/held.json" -- --file-prefix=nfg-bench-held >/dev/null 2>&1
	local opened
	opened=$(json "$BUILD/bench/held.json" "s['nodes']['holder']['counters']['established']")
	[ "${opened%.*}" -ge "$n" ] || progress "held-$n: only $opened connections were held"
	json "$BUILD/bench/held.json" "s['nodes']['client']['counters']['completed']/(s['seconds']-$start)"
}

# CPU 0 to CPU 1 and back for a cache line, TSC cycles: what every frame
# between the two processes of the memif rows pays, set by where the host put
# the two vCPUs (see bench/core_pingpong.c). Probed beside those rows.
C2C=()
core_distance() {
	"$BUILD/bench/core_pingpong" 0 1 2>/dev/null || echo 0
}

ensure_hugepages() {
	local free
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	if [ "${free:-0}" -lt 2048 ]; then
		echo 2048 >/proc/sys/vm/nr_hugepages
		mkdir -p /dev/hugepages
		mount | grep -q hugetlbfs || mount -t hugetlbfs nodev /dev/hugepages
	fi
}

nfg_proxy_cps() {
	rm -f /tmp/nfg-bench-c.sock /tmp/nfg-bench-s.sock
	"$NFG" run bench/nfproxy-proxy.json --quiet \
		--stats-json "$BUILD/bench/proxy.json" -- --file-prefix=nfg-bench-px >/dev/null 2>&1 &
	local px=$!
	sleep 2 # the proxy's memif ports are the servers: up first
	"$NFG" run bench/nfproxy-traffic.json --quiet \
		--stats-json "$BUILD/bench/proxy-traffic.json" -- --file-prefix=nfg-bench-pt \
		>/dev/null 2>&1 &
	stop_together "$SECS" $px $!
	json "$BUILD/bench/proxy-traffic.json" 's["nodes"]["client"]["counters"]["completed"]/s["seconds"]'
}

# The proxy's own figures from its last run: busy share and cycles per
# proxied connection.
proxy_figures() {
	PXCPC=$(json "$BUILD/bench/proxy.json" 's["worker_busy_cycles"][0] / max(1, s["nodes"]["proxy"]["counters"]["proxied"])')
	PXHZ=$(json "$BUILD/bench/proxy.json" 's["tsc_hz"]')
}

# HAProxy in TCP mode on CPU 1; wrk and nginx on CPU 0.
haproxy_cps() {
	local ns=nfg-bench-haproxy dir
	dir=$(mktemp -d /tmp/nfg-bench.XXXXXX)
	chmod 755 "$dir"
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" && ip -n "$ns" link set lo up
	printf 'worker_processes 1;\nworker_cpu_affinity 01;\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents { worker_connections 8192; }\nhttp { access_log off; server { listen 127.0.0.1:8080 backlog=8192; location / { return 200 "%s"; } } }\n' \
		"$dir" "$dir" "$(printf 'a%.0s' $(seq 64))" >"$dir/nginx.conf"
	printf 'global\n\tnbthread 1\n\tcpu-map 1/1 1\n\tmaxconn 9000\ndefaults\n\tmode tcp\n\ttimeout connect 5s\n\ttimeout client 30s\n\ttimeout server 30s\nfrontend f\n\tbind 127.0.0.1:8081\n\tdefault_backend b\nbackend b\n\tserver s1 127.0.0.1:8080\n' \
		>"$dir/haproxy.cfg"
	ip netns exec "$ns" nginx -c "$dir/nginx.conf"
	ip netns exec "$ns" haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid"
	sleep 0.5
	ip netns exec "$ns" taskset -c 0 wrk -t 1 -c 64 -d "$SECS" -H "Connection: close" \
		http://127.0.0.1:8081/ 2>/dev/null | awk '/Requests\/sec/ {print $2}'
	ip netns pids "$ns" | xargs -r kill 2>/dev/null
	sleep 0.5
	ip netns del "$ns"
	rm -rf "$dir"
}

# ---- running them ------------------------------------------------------------

declare -A MIN MED MAX RATIO
ROWS=()

# measure KEY FN: RUNS runs of FN, keeps min/median/max of its first number.
measure() {
	local vals=()
	for i in $(seq "$RUNS"); do
		progress "$1 run $i/$RUNS"
		vals+=("$($2 | awk '{print $1 + 0}')")
	done
	read -r MIN[$1] MED[$1] MAX[$1] < <(printf '%s\n' "${vals[@]}" | stats)
}

# pair LABEL UNIT NFG_KEY NFG_FN BASE_KEY BASE_FN BASELINE_NAME (interleaved runs)
pair() {
	local a=() b=()
	for i in $(seq "$RUNS"); do
		progress "$3 / $5 run $i/$RUNS"
		a+=("$($4 | awk '{print $1 + 0}')")
		b+=("$($6 | awk '{print $1 + 0}')")
	done
	read -r MIN[$3] MED[$3] MAX[$3] < <(printf '%s\n' "${a[@]}" | stats)
	read -r MIN[$5] MED[$5] MAX[$5] < <(printf '%s\n' "${b[@]}" | stats)
	# The row's ratio: the median of each run's ratio to the baseline run
	# right after it. The host drifts over minutes; two runs seconds apart
	# drift together, so their ratio is steadier than the ratio of medians.
	read -r _ RATIO[$3] _ < <(for i in "${!a[@]}"; do
		awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN {print (y > 0 ? x / y : 0)}'
	done | stats)
	ROWS+=("$1|$2|$3|$5|$7")
}

# The graph rows move a packet in a few cycles, so the VM's drift between
# runs is as large as what they measure: five runs each.
GRAPH_RUNS=$((RUNS > 1 ? 5 : 1))
# BULK_ONLY=1: the bulk rows alone (the others take ten minutes).
if [ "${BULK_ONLY:-0}" != 1 ]; then
RUNS=$GRAPH_RUNS pair "port_rx -> port_tx, 1 worker" pps fwd_1w nfg_fwd_1w bare_fwd_1w bare_fwd_1w "hand-written rx/tx loop"
RUNS=$GRAPH_RUNS pair "port_rx -> port_tx, 2 workers" pps fwd_2w nfg_fwd_2w bare_fwd_2w bare_fwd_2w "hand-written rx/tx loop"
RUNS=$GRAPH_RUNS pair "six-operator chain, 1 worker" pps chain_1w nfg_chain_1w bare_chain_1w bare_chain_1w "the same, hand-written"
RUNS=$GRAPH_RUNS pair "six-operator chain, 2 workers" pps chain_2w nfg_chain_2w bare_chain_2w bare_chain_2w "the same, hand-written"
# At bursts of 32 the walk's per-burst cost (a few tens of cycles) is spread
# over 8x fewer packets, for a loop that moves one in about 3 cycles.
BURST=32 pair "port_rx -> port_tx, 1 worker, burst 32" pps fwd_1w_b32 nfg_fwd_1w bare_fwd_1w_b32 bare_fwd_1w "hand-written rx/tx loop, burst 32"
BURST=32 pair "port_rx -> port_tx, 2 workers, burst 32" pps fwd_2w_b32 nfg_fwd_2w bare_fwd_2w_b32 bare_fwd_2w "hand-written rx/tx loop, burst 32"
pair "firewall, 100 rules (rte_acl), 1 worker" pps fw_1w nfg_fw_1w bare_fw_1w bare_fw_1w "the same, hand-written"
pair "firewall, 100 rules (rte_acl), 2 workers" pps fw_2w nfg_fw_2w bare_fw_2w bare_fw_2w "the same, hand-written"
pair "chain with --profile, 1 worker" pps chain_profile nfg_chain_profile chain_1w nfg_chain_1w "nfg, cycles sampled"
# Two vCPUs of a shared host drift more than one: five runs for the scaling rows.
RUNS=$((RUNS > 1 ? 5 : 1)) pair "net_null rx -> tx, 2 workers vs 1" pps null_2w nfg_null_2w null_1w nfg_null_1w "nfg, 1 worker"
RUNS=$((RUNS > 1 ? 5 : 1)) pair "software steering, 2 workers" pps steer_soft nfg_steer_soft steer_none nfg_steer_none "no handoff (each frame stays)"
if [ "$QUICK" != 1 ]; then
	pair "nftraffic, 2 cores, connections/s" cps nftraffic nfg_cps linux linux_cps "Linux: wrk -> nginx, Connection: close"
	pair "nftraffic watched: --timeline, --metrics scraped" cps watched nfg_cps_watched unwatched nfg_cps_2w "nftraffic, not watched"
	measure nftraffic_1w nfg_cps_1w
	ROWS+=("nftraffic, 1 core, connections/s|cps|nftraffic_1w|linux|Linux: wrk -> nginx, 2 CPUs")
	ensure_hugepages
	TCPM=()
	for i in $(seq "$RUNS"); do
		progress "tcp-memif run $i/$RUNS"
		C2C+=("$(core_distance)")
		TCPM+=("$(tcp_memif)")
	done
	for k in 1 2 3 4; do
		read -r MIN[tcpm_$k] MED[tcpm_$k] MAX[tcpm_$k] < <(printf '%s\n' "${TCPM[@]}" |
			awk -v k=$k '{print $k + 0}' | stats)
	done
	ROWS+=("nftraffic, 2 processes over memif, conn/s|cps|tcpm_1|linux|Linux: wrk -> nginx, 2 CPUs")
	for n in 1000 100000 1000000; do
		measure "held_$n" "held $n"
		ROWS+=("nftraffic, $n held open, conn/s|cps|held_$n|nftraffic|nftraffic, none held")
	done
	ensure_hugepages
	C2C+=("$(core_distance)")
	pair "nfproxy, 1 core, proxied conn/s" cps nfproxy nfg_proxy_cps haproxy haproxy_cps "HAProxy TCP mode, 1 thread"
	proxy_figures
	C2C+=("$(core_distance)")
	read -r MIN[core_rtt] MED[core_rtt] MAX[core_rtt] < <(printf '%s\n' "${C2C[@]}" | stats)
fi
fi # BULK_ONLY

# ---- bulk transfer --------------------------------------------------------------

# Bytes per second of the one connection in a records CSV: bytes in over the
# time from its first byte in to its close.
record_rate() { # CSV
	python3 - "$1" <<'PY' 2>/dev/null || echo 0
import csv, sys
r = next(csv.DictReader(open(sys.argv[1])))
secs = (int(r["closed_ns"]) - int(r["first_in_ns"])) / 1e9
print(int(r["bytes_in"]) / secs if secs > 0 else 0)
PY
}

nfg_bulk_wire() {
	"$NFG" run nftraffic --set workers=1 --set nodes.client.connections=1 \
		--set nodes.client.concurrency=1 --set nodes.client.src_ips=198.18.0.1 \
		--set nodes.server.response_size=268435456 --records "$BUILD/bench/bulk-wire.csv" \
		--quiet -- --file-prefix=nfg-bench-bulk >/dev/null 2>&1
	record_rate "$BUILD/bench/bulk-wire.csv"
}

BULK_CLI=nfg-bench-bcli
BULK_SRV=nfg-bench-bsrv
bulk_setup() {
	BULK_DIR=$(mktemp -d /tmp/nfg-bench.XXXXXX)
	chmod 755 "$BULK_DIR"
	head -c $((512 * 1048576)) /dev/zero >"$BULK_DIR/big.bin"
	for ns in $BULK_CLI $BULK_SRV; do
		ip netns del $ns 2>/dev/null
		ip netns add $ns && ip -n $ns link set lo up
	done
	ip link add bc0 netns $BULK_CLI type veth peer name bs0 netns $BULK_SRV
	ip netns exec $BULK_CLI ethtool -K bc0 tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip netns exec $BULK_SRV ethtool -K bs0 tx off rx off tso off gso off gro off >/dev/null 2>&1
	ip -n $BULK_CLI link set bc0 up
	ip -n $BULK_SRV link set bs0 up
	ip -n $BULK_SRV addr add 198.18.40.2/24 dev bs0
	ip -n $BULK_CLI addr add 198.18.40.3/24 dev bc0 # curl's; nfg is .1 on the same veth
	printf 'worker_processes 1;\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp { access_log off; sendfile on; server { listen 198.18.40.2:80; root %s; } }\n' \
		"$BULK_DIR" "$BULK_DIR" "$BULK_DIR" >"$BULK_DIR/nginx.conf"
	ip netns exec $BULK_SRV nginx -c "$BULK_DIR/nginx.conf"
}
bulk_teardown() {
	for ns in $BULK_CLI $BULK_SRV; do
		ip netns pids $ns | xargs -r kill 2>/dev/null
	done
	sleep 0.5
	ip netns del $BULK_CLI
	ip netns del $BULK_SRV
	rm -rf "$BULK_DIR"
}
nfg_bulk_veth() {
	ip netns exec $BULK_CLI "$NFG" run nftraffic-client \
		--set ports.p0.device=net_af_packet0,iface=bc0,framecnt=4096 \
		--set ports.p0.ipv4=198.18.40.1/24 --set 'nodes.client.targets[0].ip=198.18.40.2' \
		--set nodes.client.connections=1 --set nodes.client.concurrency=1 \
		--set 'nodes.client.request="GET /big.bin HTTP/1.1\r\nHost: nfg\r\nConnection: close\r\n\r\n"' \
		--set nodes.client.close=server --records "$BUILD/bench/bulk-veth.csv" --quiet \
		-- --file-prefix=nfg-bench-bulkv >/dev/null 2>&1
	record_rate "$BUILD/bench/bulk-veth.csv"
}
curl_bulk_veth() {
	ip netns exec $BULK_CLI curl -s -o /dev/null -w '%{speed_download}\n' \
		http://198.18.40.2/big.bin
}

if [ "$QUICK" != 1 ]; then
	bulk_setup
	pair "bulk, 1 connection, in-process wire" B/s bulk_wire nfg_bulk_wire bulk_curl curl_bulk_veth "curl <- nginx, 1 connection, veth"
	pair "bulk from nginx, 1 connection, veth" B/s bulk_veth nfg_bulk_veth bulk_curl2 curl_bulk_veth "curl <- nginx, 1 connection, veth"
	bulk_teardown
fi

# ---- reporting ---------------------------------------------------------------

# A row's ratio: the median of its paired runs' ratios where pair() made them,
# else the ratio of the medians.
row_ratio() { # NFG_KEY BASE_KEY
	awk -v a="${MED[$1]}" -v b="${MED[$2]}" -v r="${RATIO[$1]:-}" \
		'BEGIN {print (r != "" ? r : (b > 0 ? a / b : 0))}'
}

machine="$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB"
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
	echo "nfg benchmarks, $date, $machine, median of $RUNS x ${SECS}s, bursts of $BURST"
	printf '%-38s %12s %12s %7s  %s\n' "benchmark" "nfg" "baseline" "ratio" "baseline is"
	for r in "${ROWS[@]}"; do
		IFS='|' read -r label unit nk bk bname <<<"$r"
		awk -v l="$label" -v u="$unit" -v a="${MED[$nk]}" -v b="${MED[$bk]}" -v n="$bname" \
			-v r="$(row_ratio "$nk" "$bk")" 'BEGIN {
			printf "%-38s %10.3f M %10.3f M %7.2f  %s\n", l, a / 1e6, b / 1e6, r, n }'
	done
	if [ -n "${MED[tcpm_1]:-}" ]; then
		printf 'nftraffic over memif: failed connections %s (median of runs), busy cycles per\n' "${MED[tcpm_2]}"
		printf '  connection: client %.0f (CPU 0), server %.0f (CPU 1)\n' "${MED[tcpm_3]}" "${MED[tcpm_4]}"
	fi
	if [ -n "${MED[core_rtt]:-}" ]; then
		printf 'CPU 0 <-> CPU 1, a cache line there and back: %s TSC cycles (median of the probes\n' "${MED[core_rtt]}"
		printf '  beside the memif rows; %s to %s), which those rows pay on every frame\n' "${MIN[core_rtt]}" "${MAX[core_rtt]}"
	fi
	if [ -n "${MED[nfproxy]:-}" ]; then
		# The proxy runs before and after the traffic: its busy share over its
		# life understates how busy it was; cycles per connection do not.
		printf 'nfproxy: %.0f busy cycles per proxied connection, ceiling %.0f k conn/s on one core\n' \
			"${PXCPC:-0}" "$(awk -v c="${PXCPC:-0}" -v h="${PXHZ:-0}" 'BEGIN {print (c > 0 ? h / c : 0) / 1000}')"
	fi
} | tee "$BUILD/bench/results.txt"

out="$RESULTS/$(date -u +%Y-%m-%d-%H%M%S).json"
{
	printf '{\n  "date": "%s",\n  "machine": "%s",\n  "dpdk": "%s",\n  "runs": %s,\n  "seconds": %s,\n  "burst": %s,\n  "figures": {\n' \
		"$date" "$machine" "$(pkg-config --modversion libdpdk)" "$RUNS" "$SECS" "$BURST"
	first=1
	for k in "${!MED[@]}"; do
		[ $first = 1 ] || printf ',\n'
		first=0
		printf '    "%s": {"min": %s, "median": %s, "max": %s}' "$k" "${MIN[$k]}" "${MED[$k]}" "${MAX[$k]}"
	done
	printf '\n  },\n  "rows": [\n'
	first=1
	for r in "${ROWS[@]}"; do
		IFS='|' read -r label unit nk bk bname <<<"$r"
		[ $first = 1 ] || printf ',\n'
		first=0
		printf '    {"benchmark": "%s", "unit": "%s", "nfg": "%s", "baseline": "%s", "baseline_is": "%s", "ratio": %s}' \
			"$label" "$unit" "$nk" "$bk" "$bname" \
			"$(row_ratio "$nk" "$bk")"
	done
	printf '\n  ]\n}\n'
} >"$out"
progress "results in $out"

# The ratios as a bar chart, for the README.
if command -v gnuplot >/dev/null && [ "${BULK_ONLY:-0}" != 1 ]; then
	: >"$BUILD/bench/ratios.dat"
	for r in "${ROWS[@]}"; do
		IFS='|' read -r label unit nk bk bname <<<"$r"
		awk -v l="$label" -v r="$(row_ratio "$nk" "$bk")" 'BEGIN {
			gsub(/ /, "\\ ", l); printf "\"%s\" %f\n", l, r }' >>"$BUILD/bench/ratios.dat"
	done
	gnuplot <<GNUPLOT 2>/dev/null && progress "plot in $RESULTS/bench.png"
set terminal pngcairo size 1000,520 font "Sans,9" noenhanced
set bmargin 11
set rmargin 20
set output "$RESULTS/bench.png"
set title "nfg / baseline, measured in the same run ($date, $machine)"
set style fill solid 0.7
set boxwidth 0.6
set yrange [0:*]
set logscale y 10
set yrange [0.05:*]
set grid ytics
set ylabel "ratio (log scale; 1 = as fast as the baseline)"
set xtics rotate by -25 font ",8"
unset key
plot "$BUILD/bench/ratios.dat" using 0:2:xtic(1) with boxes lc rgb "#3b6ea5", 1 with lines lc rgb "#cc3333"
GNUPLOT
fi
