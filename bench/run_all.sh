#!/bin/bash
# Benchmarks. Each prints nfg's result next to a baseline measured in the same
# run on the same machine, and their ratio: these machines are shared and
# noisy, so only the ratio means something. Every measurement is the median of
# RUNS runs (default 3), nfg and baseline interleaved.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
NFG=$BUILD/nfg
RUNS=${RUNS:-3}
SECS=${SECS:-3}
OUT=$BUILD/bench/results.txt
mkdir -p "$BUILD/bench"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# ---- forwarding: l2fwd graph vs a bare rx/tx loop, both on net_null ports ----
eal_null=(--no-huge -m 256 --no-pci --log-level=warning --log-level=lib.telemetry:error
	--vdev=net_null0,copy=0 --vdev=net_null1,copy=0)
nfg_fwd() {
	"$NFG" run l2fwd --set ports.p0.device=net_null0,copy=0 --set ports.p1.device=net_null1,copy=0 \
		--duration "$SECS" --quiet --stats-json "$BUILD/bench/l2fwd.json" \
		-- --file-prefix=nfg-bench >/dev/null 2>&1 || { echo 0; return; }
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]));
print((s["ports"]["p0"]["tx"]+s["ports"]["p1"]["tx"])/s["seconds"])' "$BUILD/bench/l2fwd.json"
}
bare_fwd() {
	# lcore 1 like nfg's worker
	"$BUILD/bench/bare_fwd" "$SECS" -l 1 --file-prefix=nfg-bench-bare "${eal_null[@]}" 2>/dev/null |
		tail -1
}
a=(); b=()
for _ in $(seq "$RUNS"); do a+=("$(nfg_fwd)"); b+=("$(bare_fwd)"); done
nfg_pps=$(printf '%s\n' "${a[@]}" | median)
bare_pps=$(printf '%s\n' "${b[@]}" | median)

# ---- a longer chain: generator -> parse -> filter -> split -> merge -> count ----
chain() {
	"$NFG" run default --set nodes.gen.rate=0 --set nodes.gen.count=0 --duration "$SECS" --quiet \
		--stats-json "$BUILD/bench/chain.json" -- --file-prefix=nfg-bench-chain >/dev/null 2>&1 ||
		{ echo 0; return; }
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]));
print(s["nodes"]["seen"]["packets"]/s["seconds"])' "$BUILD/bench/chain.json"
}
c=()
for _ in $(seq "$RUNS"); do c+=("$(chain)"); done
chain_pps=$(printf '%s\n' "${c[@]}" | median)

{
	echo "nfg benchmarks, $(date -u +%Y-%m-%d), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	printf '%-44s %12s %12s %8s\n' "benchmark (median of $RUNS x ${SECS}s)" "nfg" "baseline" "ratio"
	printf '%-44s %10.2f M %10.2f M %8.2f\n' "l2fwd on net_null, pps (baseline: bare loop)" \
		"$(echo "$nfg_pps / 1000000" | awk '{print $1/1e6}' <<<"$nfg_pps")" \
		"$(awk '{print $1/1e6}' <<<"$bare_pps")" "$(awk -v a="$nfg_pps" -v b="$bare_pps" 'BEGIN {print (b > 0 ? a / b : 0)}')"
	printf '%-44s %10.2f M %12s %8s\n' "default chain over a net_ring wire, pps" \
		"$(awk '{print $1/1e6}' <<<"$chain_pps")" "-" "-"
} | tee "$OUT"
