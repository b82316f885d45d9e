# SPDX-License-Identifier: BSD-3-Clause
#
# Helpers for integration tests. Each test builds its own topology of network
# namespaces and veth pairs (addresses from 198.18.0.0/15 only), runs nfg
# with net_af_packet inside a namespace, drives real Linux peers, and removes
# everything on exit, whatever happened.
#
# Source it, then call `nfg_test_init NAME`.
#
# Everything a test names outside its scratch dir carries $RUN,
# "nfgt-NAME-PID" (the test's shell): its namespaces ("$RUN-host") and its
# DPDK file prefixes ("$RUN-client"; nfg_start makes them, a test that runs
# nfg itself passes --file-prefix="$RUN-WHAT"). So two runs of the tests on
# one machine, or of one test, never meet; interfaces live inside the
# namespaces and need no such suffix. At exit the test removes what DPDK
# leaves under its prefixes (the runtime directories, hugepage files), since
# no later run reuses them.

set -u

BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NFG="$ROOT/$BUILD/nfg"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

note() {
	echo "  $*"
}

# nfg_test_init NAME: a scratch dir, and cleanup of whatever the test makes.
nfg_test_init() {
	TEST=$1
	RUN="nfgt-$TEST-$$"
	WORK=$(mktemp -d "/tmp/$RUN.XXXXXX")
	chmod 755 "$WORK" # nginx workers (www-data) read files from here
	NAMESPACES=()
	PIDS=()
	trap nfg_test_cleanup EXIT
	[ -x "$NFG" ] || fail "$NFG is not built"
	[ "$(id -u)" = 0 ] || fail "integration tests need root (network namespaces)"
}

nfg_test_cleanup() {
	local rc=$?
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${NAMESPACES[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	nfg_prefixes_remove
	if [ $rc -ne 0 ] && [ -d "$WORK" ]; then
		for f in "$WORK"/*.log; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 40 lines)"
			tail -n 40 "$f"
		done
	fi
	[ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
	exit $rc
}

# What DPDK keeps of a prefix after its process ended (the nfg runs of this
# test have all ended by now): the runtime directory and the hugepage files,
# which would hold their pages for good.
nfg_prefixes_remove() {
	[ -n "${RUN:-}" ] || return 0
	rm -rf /var/run/dpdk/"$RUN"-*
	awk '$3 == "hugetlbfs" {print $2}' /proc/mounts | while read -r mnt; do
		rm -f "$mnt/$RUN"-*map_*
	done
}

# ns_name ROLE: the name of the test's namespace ROLE.
ns_name() {
	echo "$RUN-$1"
}

# netns NAME: a fresh namespace with loopback up.
netns() {
	local ns
	ns=$(ns_name "$1")
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || fail "cannot create namespace $ns"
	NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
}

# in_ns ROLE CMD...: run CMD in the test's namespace ROLE.
in_ns() {
	local ns
	ns=$(ns_name "$1")
	shift
	ip netns exec "$ns" "$@"
}

# veth_pair ROLE_A IF_A ROLE_B IF_B: a veth between two namespaces, both ends
# up, offloads off so the NF sees real frames with full checksums.
veth_pair() {
	local nsa nsb ifa=$2 ifb=$4
	nsa=$(ns_name "$1")
	nsb=$(ns_name "$3")
	ip link add "$ifa" netns "$nsa" type veth peer name "$ifb" netns "$nsb" ||
		fail "cannot create veth $ifa/$ifb"
	for end in "$nsa:$ifa" "$nsb:$ifb"; do
		local ns=${end%%:*} ifc=${end#*:}
		ip netns exec "$ns" ethtool -K "$ifc" tx off rx off tso off gso off gro off \
			>/dev/null 2>&1
		ip -n "$ns" link set "$ifc" up
	done
}

# addr ROLE IF CIDR
addr() {
	ip -n "$(ns_name "$1")" addr add "$3" dev "$2"
}

# ipv6_quiet ROLE...: before links come up, the namespaces' IPv6 sends no
# duplicate-address probes and takes no router advertisements (their addresses,
# added nodad, are usable at once). ipv6_off ROLE...: no IPv6 stack at all (the
# NF's side of a veth: only nfg speaks there).
ipv6_quiet() {
	for role in "$@"; do
		for k in all default; do
			in_ns "$role" sysctl -qw net.ipv6.conf.$k.accept_dad=0 net.ipv6.conf.$k.accept_ra=0
		done
	done
}
ipv6_off() {
	for role in "$@"; do
		for k in all default; do
			in_ns "$role" sysctl -qw net.ipv6.conf.$k.disable_ipv6=1
		done
	done
}

# nfg_start ROLE NAME GRAPH [nfg args...]: run nfg in the background inside
# namespace ROLE ("-": in the test's own namespace), logging to $WORK/NAME.log, stats to $WORK/NAME.json; waits
# until it runs. Sets NFG_PID.
nfg_start() {
	local role=$1 name=$2
	shift 2
	local log="$WORK/$name.log"
	local wrap=(ip netns exec "$(ns_name "$role")")
	[ "$role" = - ] && wrap=()
	"${wrap[@]}" "$NFG" run "$@" --stats-json "$WORK/$name.json" \
		-- --file-prefix="$RUN-$name" >"$log" 2>&1 &
	NFG_PID=$!
	PIDS+=("$NFG_PID")
	for _ in $(seq 100); do
		grep -q "^nfg: running" "$log" && return 0
		kill -0 "$NFG_PID" 2>/dev/null || { cat "$log"; fail "nfg $name exited at start"; }
		sleep 0.1
	done
	cat "$log"
	fail "nfg $name did not start in 10 s"
}

# nfg_stop PID NAME: SIGINT, wait, check exit status 0 and no mbuf leak.
nfg_stop() {
	local pid=$1 name=$2 rc
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] || fail "nfg $name exited with $rc (see $name.log)"
	grep -q "mbufs: all .* back in the pool" "$WORK/$name.log" ||
		fail "nfg $name: mbufs not all back in the pool"
	[ "$(stat_get "$name" mbufs/leaked)" = 0 ] || fail "nfg $name leaked mbufs"
}

# stat_get NAME PATH: a value from the stats JSON, PATH like
# "nodes/fw/counters/rule[0] web" (python3, no jq needed).
stat_get() {
	python3 - "$WORK/$1.json" "$2" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for part in sys.argv[2].strip('/').split('/'):
    if part:
        v = v[int(part)] if isinstance(v, list) else v[part]
print(v)
EOF
}

# drop_get NAME NODE REASON: packets dropped by NODE for REASON in the stats
# JSON (0 when there were none).
drop_get() {
	python3 - "$WORK/$1.json" "$2" "$3" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))["drops"]
print(sum(x["packets"] for x in d if x["node"] == sys.argv[2] and x["reason"] == sys.argv[3]))
EOF
}

# nginx_run ROLE HTTP [FORMAT]: nginx in namespace ROLE with HTTP as the body
# of its http block (servers, log formats), after what every test's nginx
# has: one worker, its files under $WORK ($WORK/nginx-ROLE.conf), and the
# access log $WORK/nginx-ROLE.access.log in FORMAT (a log_format HTTP
# defines; "combined" without). nginx_reopen ROLE starts that log afresh.
nginx_run() {
	local role=$1 conf="$WORK/nginx-$1.conf"
	cat >"$conf" <<NGINX
worker_processes 1;
pid $WORK/nginx-$role.pid;
error_log $WORK/nginx-$role.error.log;
events { worker_connections 4096; }
http {
	client_body_temp_path $WORK/nginx-body;
	proxy_temp_path $WORK/nginx-proxy;
	fastcgi_temp_path $WORK/nginx-fastcgi;
	uwsgi_temp_path $WORK/nginx-uwsgi;
	scgi_temp_path $WORK/nginx-scgi;
	$2
	access_log $WORK/nginx-$role.access.log ${3:-combined};
}
NGINX
	in_ns "$role" nginx -c "$conf" || fail "nginx did not start in $role"
}

nginx_reopen() {
	: >"$WORK/nginx-$1.access.log"
	in_ns "$1" nginx -c "$WORK/nginx-$1.conf" -s reopen 2>/dev/null
}

# nginx_start ROLE ROOT LISTEN...: nginx in namespace ROLE serving ROOT on each
# LISTEN ("198.18.3.2:80"), access log $WORK/nginx-ROLE.access.log.
nginx_start() {
	local role=$1 root=$2 listens=""
	shift 2
	for l in "$@"; do listens="$listens listen $l;"; done
	nginx_run "$role" "server { $listens root $root; keepalive_requests 1000000; }"
}

# flood NAME COUNT TCP_FLAGS SRC [GARBLE_FROM [CUT]]: COUNT TCP frames with
# these flags from a generator graph in namespace $FLOOD_NS on interface
# $FLOOD_IFACE, from SRC (an address or a range; source ports step through
# 1024-65535, then the next address) to $FLOOD_DST_IP:$FLOOD_DPORT, Ethernet
# $FLOOD_SRC_MAC -> $FLOOD_DST_MAC. With GARBLE_FROM, every byte from that
# offset on is random (14: garbage after Ethernet, 34: after IPv4) and,
# unless CUT is false, frames are cut to random lengths.
flood() {
	local name=$1 count=$2 flags=$3 src=$4 from=${5:-} cut=${6:-true} garble="" edges='"gen -> tx"'
	if [ -n "$from" ]; then
		garble=", \"junk\": { \"op\": \"garble\", \"from\": $from, \"cut\": $cut }"
		edges='"gen -> junk -> tx"'
	fi
	cat >"$WORK/flood-$name.json" <<JSON
{ "name": "flood-$name", "ports": { "p": { "device": "net_af_packet0,iface=$FLOOD_IFACE" } },
  "nodes": { "gen": { "op": "generator", "count": $count, "proto": "tcp", "tcp_flags": "$flags",
                      "size": 120, "src_mac": "$FLOOD_SRC_MAC", "dst_mac": "$FLOOD_DST_MAC",
                      "src_ip": "$src", "dst_ip": "$FLOOD_DST_IP",
                      "src_port": "1024-65535", "dst_port": $FLOOD_DPORT, "burst": 64 },
             "tx": { "op": "port_tx", "port": "p" }$garble },
  "edges": [$edges] }
JSON
	in_ns "$FLOOD_NS" "$NFG" run "$WORK/flood-$name.json" --quiet \
		--stats-json "$WORK/flood-$name.stats.json" \
		-- --file-prefix="$RUN-flood-$name" >"$WORK/flood-$name.log" 2>&1 ||
		fail "flood $name did not run (see flood-$name.log)"
	note "$name flood: $(stat_get "flood-$name.stats" nodes/tx/counters/sent) sent"
}

# flood_all: the floods both flood tests send, each kind from its own source
# addresses in $FLOOD_NET (a /24 prefix like 198.18.6), so that no flood
# frame can belong to another flood's connection: 1,000,000 SYNs, all of
# different 4-tuples (.100-.115), 200,000 ACKs (.98) and RSTs (.97) for
# connections that do not exist, and 200,000 frames of garbage after a valid
# Ethernet header (cut short) and after valid Ethernet + IPv4 (.99).
flood_all() {
	flood syn 1000000 syn "$FLOOD_NET.100-$FLOOD_NET.115"
	flood ack 200000 ack "$FLOOD_NET.98"
	flood rst 200000 rst "$FLOOD_NET.97"
	flood junk-l3 200000 ack "$FLOOD_NET.99" 14
	flood junk-l4 200000 ack "$FLOOD_NET.99" 34 false
}

# flood_accounting NAME PORT TCP_NODE TABLE: checks a snapshot taken after
# flood_all (nodes rx, parse, cls and TCP_NODE; the graph of nftraffic-server
# or of nfproxy's client side, with a _c suffix) frame by frame:
#  - every frame PORT received went through parse, which passed it on or
#    called it malformed by reason; classify sent each parsed frame to
#    exactly one output; TCP_NODE got every frame of the tcp output;
#  - every segment TCP_NODE got opened a connection (accepted) or was dropped
#    with a reason: no flood frame reaches a connection, and nothing is lost;
#  - each flood kind shows in its own counter: SYNs accepted, ACKs as
#    no_connection, RSTs as rst_no_connection, garbage as malformed frames and
#    bad checksums; past a full TABLE, one half-open connection was evicted
#    for every SYN more.
# How many frames the kernel passed on does not matter: whatever arrived is
# accounted for.
flood_accounting() {
	python3 - "$WORK/$1.snap.json" "$2" "$3" "$4" "${5:-}" <<'EOF' || fail "flood accounting: see above"
import json, sys
snap, port, tcp, table, suffix = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
n = snap["nodes"]
rx, parse, cls, t = n["rx" + suffix], n["parse" + suffix], n["cls" + suffix], n[tcp]
drops = {k.split("/", 1)[1]: v for k, v in snap["drops"].items() if k.startswith(tcp + "/")}
counters = lambda node: {k: v for k, v in node.items() if k not in ("op", "packets", "calls", "cycles")}
received = snap["ports"][port]["rx"]
malformed = sum(v for k, v in counters(parse).items() if k != "parsed")
classes = counters(cls)
fails = []
def equal(what, a, b):
    print(f"  {what}: {a} = {b}")
    if a != b:
        fails.append(f"{what}: {a} != {b}")
equal("port rx = port_rx out", received, rx["packets"])
equal("port_rx out = parse in", rx["packets"], parse["packets"])
equal("parse in = parsed + malformed", parse["packets"], parse["parsed"] + malformed)
equal("parsed = classify in", parse["parsed"], cls["packets"])
equal("classify in = sum of its outputs " + str(classes), cls["packets"], sum(classes.values()))
equal("classify tcp = TCP segments in", classes["tcp"], t["segments_in"])
equal("TCP segments in = accepted + dropped by reason " + str(drops), t["segments_in"],
      t["accepted"] + sum(drops.values()))
kinds = {"SYN flood: accepted": t["accepted"], "ACK flood: no_connection": t["no_connection"],
         "RST flood: rst_no_connection": t["rst_no_connection"], "garbage: malformed": malformed,
         "L4 garbage: bad_checksum": t["bad_checksum"]}
for k, v in kinds.items():
    print(f"  {k} {v}")
    if v == 0:
        fails.append(f"{k} is 0")
equal("half-open evicted = SYNs past the full table", t["half_open_evicted"],
      max(0, t["accepted"] - table))
if fails:
    sys.exit("\n".join(fails))
EOF
}

# snapshot NAME NODE...: the counters of the running nfg NAME (started by
# nfg_start) once its ports have stopped receiving, through DPDK telemetry:
# $WORK/NAME.snap.json holds {"ports": ..., "nodes": {NODE: ...}, "drops": ...}.
snapshot() {
	"$ROOT/test/integration/telemetry.py" snapshot "/var/run/dpdk/$RUN-$1/dpdk_telemetry.v2" \
		"$WORK/$1.snap.json" "${@:2}" || fail "no snapshot of $1"
}

# wait_quiet NAME: until the ports of the running nfg NAME stop receiving
# (what the peers sent last has been read), instead of sleeping.
wait_quiet() {
	"$ROOT/test/integration/telemetry.py" quiet "/var/run/dpdk/$RUN-$1/dpdk_telemetry.v2" ||
		fail "nfg $1 did not go quiet"
}

# wait_counter NAME NODE COUNTER N: until the running nfg NAME has counted N.
wait_counter() {
	"$ROOT/test/integration/telemetry.py" wait "/var/run/dpdk/$RUN-$1/dpdk_telemetry.v2" \
		"$2" "$3" "$4" || fail "nfg $1: $2 never counted $4 $3"
}

# impair_lost NAME NODE...: the packets the impair NODEs of the stopped nfg
# NAME lost, all together.
impair_lost() {
	local name=$1 lost=0 n
	shift
	for n in "$@"; do
		lost=$((lost + $(stat_get "$name" "nodes/$n/counters/lost")))
	done
	echo "$lost"
}

# rss_kb PID: resident memory of a process, hugepages included, in kB.
rss_kb() {
	awk '/VmRSS|HugetlbPages/ {s += $2} END {print s}' "/proc/$1/status"
}
