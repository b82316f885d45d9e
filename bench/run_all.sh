#!/bin/bash
# Benchmarks. Each prints nfg's result next to a baseline measured in the same
# run on the same machine, and their ratio: these machines are shared and
# noisy, so the ratio is what means something. Each number is the median of
# RUNS runs (default 3), nfg and baseline interleaved. Needs root (namespaces).
#
#   l2fwd       nfg's l2fwd graph vs a bare DPDK rx/tx loop, both on net_null
#   chain       the default chain (generator, wire, parse, filter, split, merge)
#               vs the same bare loop
#   nftraffic   connections/s of nftraffic (client and server, 2 workers, 8-packet
#               HTTP-like exchange over the in-process wire) vs the Linux kernel:
#               wrk -> nginx with "Connection: close", pinned to the same 2 CPUs
#   held        nftraffic connections/s while 1,000,000 other connections are held
#               open vs plain nftraffic (the goal: no more than 10% lower)
#   nfproxy     proxied connections/s of nfproxy on one core, nftraffic (both ends)
#               on the other, over memif, vs HAProxy in TCP mode on one core with
#               wrk and nginx on the other (Connection: close)
# memif needs hugepages: the script reserves 2048 (4 GB) if fewer are free.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
NFG=$BUILD/nfg
RUNS=${RUNS:-3}
SECS=${SECS:-5}
OUT=$BUILD/bench/results.txt
mkdir -p "$BUILD/bench"
[ "$(id -u)" = 0 ] || { echo "bench: run as root"; exit 1; }

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
json() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null || echo 0; }
progress() { echo "bench: $*" >&2; }

nfg_l2fwd() {
	"$NFG" run l2fwd --set ports.p0.device=net_null0,copy=0 --set ports.p1.device=net_null1,copy=0 \
		--duration "$SECS" --quiet --stats-json "$BUILD/bench/l2fwd.json" \
		-- --file-prefix=nfg-bench >/dev/null 2>&1
	json "$BUILD/bench/l2fwd.json" '(s["ports"]["p0"]["tx"]+s["ports"]["p1"]["tx"])/s["seconds"]'
}

bare_loop() {
	"$BUILD/bench/bare_fwd" "$SECS" -l 1 --file-prefix=nfg-bench-bare --no-huge -m 256 --no-pci \
		--log-level=warning --log-level=lib.telemetry:error \
		--vdev=net_null0,copy=0 --vdev=net_null1,copy=0 2>/dev/null | tail -1
}

nfg_chain() {
	"$NFG" run default --set nodes.gen.rate=0 --set nodes.gen.count=0 --duration "$SECS" --quiet \
		--stats-json "$BUILD/bench/chain.json" -- --file-prefix=nfg-bench-chain >/dev/null 2>&1
	json "$BUILD/bench/chain.json" 's["nodes"]["seen"]["packets"]/s["seconds"]'
}

nfg_cps() {
	"$NFG" run nftraffic --set workers=2 --set nodes.client.connections=0 --duration "$SECS" \
		--quiet --stats-json "$BUILD/bench/nftraffic.json" -- --file-prefix=nfg-bench-tcp \
		>/dev/null 2>&1
	json "$BUILD/bench/nftraffic.json" 's["nodes"]["client"]["counters"]["completed"]/s["seconds"]'
}

nfg_cps_held() {
	local start=20 secs=$((20 + SECS))
	"$NFG" run bench/nftraffic-hold.json --duration "$secs" --quiet \
		--stats-json "$BUILD/bench/held.json" -- --file-prefix=nfg-bench-held >/dev/null 2>&1
	held=$(json "$BUILD/bench/held.json" 's["nodes"]["holder"]["counters"]["established"]-s["nodes"]["holder"]["counters"]["released"]')
	[ "${held%.*}" -ge 1000000 ] || progress "only $held connections were held open"
	json "$BUILD/bench/held.json" "s['nodes']['client']['counters']['completed']/(s['seconds']-$start)"
}

# The kernel's TCP: nginx on CPU 1, wrk on CPU 0, each connection one request.
linux_cps() {
	local ns=nfg-bench-linux dir
	dir=$(mktemp -d /tmp/nfg-bench.XXXXXX)
	chmod 755 "$dir"
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" && ip -n "$ns" link set lo up
	cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
worker_cpu_affinity 10;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 8192; }
http {
	access_log off;
	server { listen 127.0.0.1:8080 backlog=8192; location / { return 200 "$(head -c 64 /dev/zero | tr '\0' a)"; } }
}
EOF
	ip netns exec "$ns" nginx -c "$dir/nginx.conf"
	ip netns exec "$ns" taskset -c 0 wrk -t 1 -c 64 -d "$SECS" -H "Connection: close" \
		http://127.0.0.1:8080/ 2>/dev/null | awk '/Requests\/sec/ {print $2}'
	ip netns pids "$ns" | xargs -r kill 2>/dev/null
	sleep 0.5
	ip netns del "$ns"
	rm -rf "$dir"
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
	"$NFG" run bench/nfproxy-proxy.json --duration $((SECS + 4)) --quiet \
		--stats-json "$BUILD/bench/proxy.json" -- --file-prefix=nfg-bench-px >/dev/null 2>&1 &
	local px=$!
	sleep 2 # the proxy's memif ports are the servers: up first
	"$NFG" run bench/nfproxy-traffic.json --duration "$SECS" --quiet \
		--stats-json "$BUILD/bench/proxy-traffic.json" -- --file-prefix=nfg-bench-pt \
		>/dev/null 2>&1
	wait $px
	json "$BUILD/bench/proxy-traffic.json" 's["nodes"]["client"]["counters"]["completed"]/s["seconds"]'
}

# HAProxy in TCP mode on CPU 1; wrk and nginx on CPU 0.
haproxy_cps() {
	local ns=nfg-bench-haproxy dir
	dir=$(mktemp -d /tmp/nfg-bench.XXXXXX)
	chmod 755 "$dir"
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" && ip -n "$ns" link set lo up
	cat >"$dir/nginx.conf" <<NGINX
worker_processes 1;
worker_cpu_affinity 01;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 8192; }
http {
	access_log off;
	server { listen 127.0.0.1:8080 backlog=8192; location / { return 200 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; } }
}
NGINX
	cat >"$dir/haproxy.cfg" <<HAPROXY
global
	nbthread 1
	cpu-map 1/1 1
	maxconn 9000
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend f
	bind 127.0.0.1:8081
	default_backend b
backend b
	server s1 127.0.0.1:8080
HAPROXY
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

# pair NAME NFG_FN BASELINE_FN: medians of interleaved runs -> "nfg baseline"
pair() {
	local a=() b=()
	for i in $(seq "$RUNS"); do
		progress "$1 run $i/$RUNS"
		a+=("$($2)")
		b+=("$($3)")
	done
	echo "$(printf '%s\n' "${a[@]}" | median) $(printf '%s\n' "${b[@]}" | median)"
}

row() { # LABEL UNIT NFG BASE BASELINE_NAME
	awk -v l="$1" -v u="$2" -v a="$3" -v b="$4" -v n="$5" 'BEGIN {
		printf "%-34s %12.3f %12.3f %7.2f  %s (%s)\n", l, a / 1e6, b / 1e6, (b > 0 ? a / b : 0), n, u }'
}

read -r fwd_nfg fwd_bare < <(pair l2fwd nfg_l2fwd bare_loop)
read -r chain_nfg chain_bare < <(pair chain nfg_chain bare_loop)
read -r cps_nfg cps_linux < <(pair nftraffic nfg_cps linux_cps)
held=$(for i in $(seq "$RUNS"); do progress "held run $i/$RUNS"; nfg_cps_held; done | median)
ensure_hugepages
read -r px_nfg px_haproxy < <(pair nfproxy nfg_proxy_cps haproxy_cps)

{
	echo "nfg benchmarks, $(date -u +%Y-%m-%d), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), median of $RUNS x ${SECS}s"
	printf '%-34s %12s %12s %7s  %s\n' "benchmark" "nfg (M)" "baseline (M)" "ratio" "baseline"
	row "l2fwd on net_null, packets/s" "pps" "$fwd_nfg" "$fwd_bare" "bare DPDK rx/tx loop"
	row "default chain, packets/s" "pps" "$chain_nfg" "$chain_bare" "bare DPDK rx/tx loop"
	row "nftraffic, 2 cores, connections/s" "cps" "$cps_nfg" "$cps_linux" "Linux: wrk -> nginx"
	row "nftraffic, 1M held open, conn/s" "cps" "$held" "$cps_nfg" "nftraffic, none held"
	row "nfproxy, 1 core, proxied conn/s" "cps" "$px_nfg" "$px_haproxy" "HAProxy TCP mode, 1 core"
} | tee "$OUT"
