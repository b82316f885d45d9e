#!/bin/bash
# The command line as a user meets it: --help and --version, every operator
# documents itself, every shipped graph checks, dot renders, bad input exits 1
# with a message naming the place, a missing device is a clean error, a run
# ends on its own / on SIGTERM with a summary and stats, and telemetry answers
# while it runs.
. "$(dirname "$0")/lib.sh"
nfg_test_init cli

"$NFG" --help | grep -q "^usage:" || fail "--help has no usage"
"$NFG" --version | grep -q "^nfg [0-9]" || fail "--version"
# A command's --help is about that command: its usage line and its options.
"$NFG" run --help | grep -q "^  nfg run GRAPH" || fail "run --help has no usage of run"
"$NFG" run --help | grep -q "^  --duration S" || fail "run --help lacks --duration"
"$NFG" run --help | grep -Eq "^  (nfg top|--interval)" && fail "run --help shows top's usage"
"$NFG" top --help | grep -q "^  --interval S" || fail "top --help lacks --interval"
"$NFG" top --help | grep -Eq "^  (nfg run|--set|--duration)" && fail "top --help shows run's options"
"$NFG" help check | grep -q "^  --set PATH=VALUE" || fail "help check lacks --set"
[ "$("$NFG" nosuch --help | grep -c "^  nfg ")" = 7 ] || fail "an unknown command's --help is not the whole help"

nops=0
for op in $("$NFG" ops | awk 'NF && !/^nfg ops/ {print $1}'); do
	doc=$("$NFG" ops "$op") || fail "nfg ops $op failed"
	for section in "Outputs:" "Parameters:" "Example:"; do
		echo "$doc" | grep -q "^$section" || fail "nfg ops $op has no $section"
	done
	nops=$((nops + 1))
done
[ "$nops" -ge 16 ] || fail "only $nops operators"
note "$nops operators document themselves"
# The counters that decide exit status 4 say so.
"$NFG" ops tcp_client | grep -Eq '^  completed +success ' || fail "tcp_client: completed not marked success"
"$NFG" ops tcp_client | grep -Eq '^  failed_refused +failure ' || fail "tcp_client: failed_refused not marked failure"
# The proxy's own counters, after the engine's: each with what it counts.
"$NFG" ops tcp_proxy | grep -Eq '^  proxied +success connections spliced' ||
	fail "tcp_proxy: proxied not listed as its success"
"$NFG" ops tcp_proxy | grep -Eq '^  reset_while_spliced +spliced connections ended by a RST' ||
	fail "tcp_proxy: reset_while_spliced not documented"

for f in "$ROOT"/configs/*.json; do
	"$NFG" check "$f" || fail "shipped graph $(basename "$f") does not check"
done
"$NFG" check l2fwd || fail "prebuilt graphs are not found by name"
note "every shipped graph checks"

"$NFG" dot default --png "$WORK/g.png" || fail "dot --png failed"
[ "$(head -c 4 "$WORK/g.png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "dot --png wrote no PNG"
"$NFG" dot default | grep -q '"gen" -> "tx_a"' || fail "dot text lacks an edge"

printf '{\n  "nodes": {\n    "g": {"op": "generator",}\n  }\n}\n' >"$WORK/syntax.json"
out=$("$NFG" check "$WORK/syntax.json" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "syntax error: exit $rc"
echo "$out" | grep -q "syntax.json:3:.*syntax error" || fail "syntax error message: $out"

out=$("$NFG" run default --set nodes.gen.rate=-5 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "nodes.gen.rate" || fail "bad --set value: $out"
out=$("$NFG" run 2>&1); rc=$?
[ $rc -eq 2 ] || fail "run without a graph: exit $rc (usage: 2)"
out=$("$NFG" run default --duration 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q -- "--duration needs a value" ||
	fail "option without its value: exit $rc, $out"
out=$("$NFG" frob 2>&1); rc=$?
[ $rc -eq 2 ] || fail "unknown command: exit $rc"
for d in nan inf -1 abc; do
	out=$("$NFG" check default --duration "$d" 2>&1); rc=$?
	[ $rc -eq 2 ] && echo "$out" | grep -q -- "--duration: expected seconds" ||
		fail "--duration $d: exit $rc, $out"
done
for p in 0 0.01 -1; do # (0 silently meant 1 s)
	out=$("$NFG" check default --progress "$p" 2>&1); rc=$?
	[ $rc -eq 2 ] && echo "$out" | grep -q -- "--progress: expected seconds (0.1 or more)" ||
		fail "--progress $p: exit $rc, $out"
done
# A second name would be ignored (a second graph never checked): usage error.
echo '{' >"$WORK/broken.json"
out=$("$NFG" check nftraffic "$WORK/broken.json" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "check takes one graph or file" ||
	fail "check with two graphs: exit $rc, $out"
out=$("$NFG" ops tcp_client extra 2>&1); rc=$?
[ $rc -eq 2 ] || fail "ops with two names: exit $rc, $out"
out=$("$NFG" check nftraffic-client --set nodes.client.src_ports=0-5 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "src_ports: port 0 cannot be a source port" ||
	fail "source port 0 accepted: $out"
out=$("$NFG" check nftraffic-server --set nodes.server.response=null \
	--set nodes.server.response_file=/proc/self/status 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "holds more than its size says" ||
	fail "a /proc file taken as a response: $out"
# A CPU the machine does not have: nfg says so, not EAL's whole usage.
out=$("$NFG" run nftraffic --set 'lcores=[99]' --duration 1 -- --file-prefix="$RUN-cpu" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "lcores: CPU 99 is not one this process may run on" &&
	! echo "$out" | grep -q "EAL common options" || fail "lcores [99]: exit $rc, $out"
note "bad input refused with the place named"

# A device that does not exist: a clean error, not a DPDK panic.
out=$("$NFG" run l2fwd --set ports.p0.device=net_af_packet0,iface=nfgt_nonexistent \
	-- --file-prefix="$RUN-dev" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "missing device: exit $rc: $out"
echo "$out" | grep -q "ports.p0: device .*did not start" || fail "missing device message: $out"
note "missing device: $(echo "$out" | grep 'did not start')"
# A typo in a driver's name ("net_tapp0"), which DPDK would take as net_tap:
# refused, naming the driver (in a namespace of the test's: a tap is made
# before the name is looked at, and removed).
netns typo
out=$(in_ns typo "$NFG" run l2fwd --set ports.p0.device=net_tapp0 --duration 1 \
	-- --file-prefix="$RUN-typo" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'device "net_tapp0": DPDK would take it as a net_tap device' ||
	fail "net_tapp0: exit $rc: $out"
[ -z "$(in_ns typo ip -o link show type tun)" ] || fail "net_tapp0 left a tap behind"

# A finite run ends by itself with a summary and stats.
"$NFG" run default --set nodes.gen.count=20000 --set nodes.gen.rate=0 \
	--stats-json "$WORK/finite.json" -- --file-prefix="$RUN-fin" >"$WORK/finite.log" 2>&1 ||
	fail "finite run failed"
grep -q "mbufs: all .* back in the pool" "$WORK/finite.log" || fail "no mbuf line in summary"
[ "$(stat_get finite nodes/seen/packets)" = 20000 ] || fail "finite run counted $(stat_get finite nodes/seen/packets)"

# An endless run stops on SIGTERM, cleanly; telemetry answers meanwhile.
nfg_start - endless default --set nodes.gen.count=0 --set nodes.gen.rate=100000
sleep 1.5
info=$(echo /nfg/info | dpdk-telemetry.py -f "$RUN-endless" 2>&1)
echo "$info" | grep -q '"graph": "default"' || fail "telemetry /nfg/info: $info"
nodes=$(echo /nfg/node,seen | dpdk-telemetry.py -f "$RUN-endless" 2>&1)
echo "$nodes" | grep -q '"op": "count"' || fail "telemetry /nfg/node,seen: $nodes"
note "telemetry: $info"
kill -TERM "$NFG_PID"
wait "$NFG_PID" || fail "SIGTERM: nfg exited with $?"
grep -q "stopped by signal" "$WORK/endless.log" || fail "no summary after SIGTERM"
grep -q "mbufs: all .* back in the pool" "$WORK/endless.log" || fail "mbufs not back after SIGTERM"
grep -q "^\[ *1.0s\] in " "$WORK/endless.log" || fail "no progress line"
[ "$(stat_get endless stopped_by_signal)" = True ] || fail "stats do not say stopped by signal"

# Frames still queued on a port at the stop are dropped and listed with the
# other drops, in the summary and in the JSON: 100 frames sent over a wire
# to an end nothing reads.
cat >"$WORK/unread.json" <<'EOF'
{ "ports": { "p": { "device": "wire:x" }, "q": { "device": "wire:x" } },
  "nodes": { "gen": { "op": "generator", "count": 100, "src_ip": "198.18.0.1", "dst_ip": "198.18.0.2" },
             "tx": { "op": "port_tx", "port": "p" } },
  "edges": [ "gen -> tx" ] }
EOF
"$NFG" run "$WORK/unread.json" --stats-json "$WORK/unread.out.json" -- --file-prefix="$RUN-unread" \
	>"$WORK/unread.log" 2>&1 || fail "the unread run exited with $?"
grep -Eq "port q +received, unread at stop +100" "$WORK/unread.log" || fail "summary: $(grep -A3 '^drops' "$WORK/unread.log")"
python3 - "$WORK/unread.out.json" <<'PY' || fail "JSON drops: see above"
import json, sys
s = json.load(open(sys.argv[1]))
want = [{"node": None, "port": "q", "reason": "unread_at_stop", "packets": 100}]
assert s["drops"] == want and s["dropped"] == 100, (s["drops"], s["dropped"])
PY
note "100 frames left on a port at the stop: in the summary's and the JSON's drops"

# A --records file that cannot be written whole is an error with exit status
# 1, as --stats-json's and --timeline's are (it was a short file and 0).
"$NFG" run nftraffic --set nodes.client.connections=200 --records /dev/full --quiet \
	-- --file-prefix="$RUN-full" >"$WORK/full.log" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "--records /dev/full: exit status $rc, want 1"
grep -q "cannot write session records to /dev/full: No space left on device" "$WORK/full.log" ||
	fail "--records /dev/full: no error: $(tail -3 "$WORK/full.log")"
note "--records on a full device: an error and exit status 1"
echo ok
