#!/bin/bash
# The default EAL file prefix is nfg-<graph>-<pid>: runs of the same graph at
# the same time all work; the "running" line names the prefix and telemetry
# answers on it; nothing of a run stays in DPDK's runtime directory or in
# hugetlbfs after it, and what a SIGKILLed run left is swept by the next run;
# an explicit --file-prefix (after -- or in the graph's "eal" list) is used
# as given. Nothing here depends on timing: the runs that must overlap do,
# because the first one runs until it is told to stop.
. "$(dirname "$0")/lib.sh"
nfg_test_init prefix
RUNDIR=/var/run/dpdk

# wait_running LOG PID: until the "running" line, or fail if the run ended.
wait_running() {
	for _ in $(seq 100); do
		grep -q "^nfg: running" "$1" && return 0
		kill -0 "$2" 2>/dev/null || { cat "$1"; fail "$(basename "$1" .log) exited at start"; }
		sleep 0.1
	done
	fail "$(basename "$1" .log) did not start in 10 s"
}

# prefix_of LOG: the prefix the "running" line gives for dpdk-telemetry.py -f.
prefix_of() {
	sed -n 's/^nfg: running .*dpdk-telemetry.py -f \([^ ]*\).*/\1/p' "$1"
}

# left_behind PREFIX: prints whatever of PREFIX is in the runtime directory or
# a hugetlbfs mount.
left_behind() {
	[ -e "$RUNDIR/$1" ] && echo "$RUNDIR/$1"
	awk '$3 == "hugetlbfs" {print $2}' /proc/mounts | while read -r mnt; do
		ls "$mnt" 2>/dev/null | grep "^$1map_" | sed "s|^|$mnt/|"
	done
}

# A: endless, the default prefix.
"$NFG" run default --set nodes.gen.count=0 --set nodes.gen.rate=100000 >"$WORK/a.log" 2>&1 &
a=$!
PIDS+=("$a")
wait_running "$WORK/a.log" "$a"
[ "$(prefix_of "$WORK/a.log")" = "nfg-default-$a" ] ||
	fail "running line: $(grep '^nfg: running' "$WORK/a.log"), want prefix nfg-default-$a"
[ -S "$RUNDIR/nfg-default-$a/dpdk_telemetry.v2" ] || fail "no telemetry socket under nfg-default-$a"
info=$(echo /nfg/info | dpdk-telemetry.py -f "nfg-default-$a" 2>&1)
echo "$info" | grep -q '"graph": "default"' || fail "telemetry on nfg-default-$a: $info"
note "the running line names nfg-default-$a; telemetry answers on it"

# B and C: the same graph twice more while A runs, each on a CPU of its own
# while there is one (/var/run/nfg/PID lists a run's worker CPUs); one that
# has to share says with whom.
"$NFG" run default --duration 3 >"$WORK/b.log" 2>&1 &
b=$!
PIDS+=("$b")
wait_running "$WORK/b.log" "$b"
"$NFG" run default --duration 3 >"$WORK/c.log" 2>&1 &
c=$!
PIDS+=("$c")
wait_running "$WORK/c.log" "$c"
cpu_a=$(cat "/var/run/nfg/$a") cpu_b=$(cat "/var/run/nfg/$b") cpu_c=$(cat "/var/run/nfg/$c")
[ -n "$cpu_a" ] && [ -n "$cpu_b" ] && [ -n "$cpu_c" ] || fail "no CPU notes: '$cpu_a' '$cpu_b' '$cpu_c'"
shared="is polled by the worker of another nfg run"
if [ "$cpu_b" = "$cpu_a" ]; then
	grep -q "$shared (pid $a)" "$WORK/b.log" || fail "B shares CPU $cpu_b with A and says nothing"
fi
if [ "$cpu_c" = "$cpu_a" ] || [ "$cpu_c" = "$cpu_b" ]; then
	grep -q "$shared" "$WORK/c.log" || fail "C shares CPU $cpu_c and says nothing"
elif grep -q "$shared" "$WORK/c.log"; then
	fail "C warns of sharing on CPU $cpu_c, which A ($cpu_a) and B ($cpu_b) do not poll"
fi
note "worker CPUs: A $cpu_a, B $cpu_b, C $cpu_c ($(nproc) CPUs; shared ones said so)"
wait "$b" || fail "B (beside A) exited with $?: $(tail -3 "$WORK/b.log")"
wait "$c" || fail "C (beside A and B) exited with $?: $(tail -3 "$WORK/c.log")"
kill -0 "$a" 2>/dev/null || fail "A ended while B and C ran"
for x in b c; do
	grep -q "mbufs: all .* back in the pool" "$WORK/$x.log" || fail "$x: no clean summary"
done
[ "$(prefix_of "$WORK/b.log")" = "nfg-default-$b" ] || fail "B's prefix: $(prefix_of "$WORK/b.log")"
# One ^C that arrives twice at once (GNU timeout passes it to the child and
# to its process group) is one: A still stops cleanly, with its summary.
kill -INT "$a"
kill -INT "$a"
wait "$a" || fail "A exited with $? after SIGINT twice at once"
grep -q "mbufs: all .* back in the pool" "$WORK/a.log" || fail "A: no summary after SIGINT twice"
for p in "$a" "$b" "$c"; do
	left=$(left_behind "nfg-default-$p")
	[ -z "$left" ] || fail "left behind by nfg-default-$p: $left"
done
note "three runs of one graph at once: all exit 0, nothing left in $RUNDIR or hugetlbfs"

# D is killed: its runtime directory stays, and the next run sweeps it.
"$NFG" run default --set nodes.gen.count=0 --set nodes.gen.rate=100000 >"$WORK/d.log" 2>&1 &
d=$!
PIDS+=("$d")
wait_running "$WORK/d.log" "$d"
# Looked for while D lives: once it is dead, any nfg starting on this
# machine (another test run's) may sweep it before E does.
[ -d "$RUNDIR/nfg-default-$d" ] || fail "D has no runtime directory (nothing to test)"
kill -KILL "$d"
wait "$d" 2>/dev/null
"$NFG" run default --set nodes.gen.count=1000 >"$WORK/e.log" 2>&1 || fail "E exited with $?"
left=$(left_behind "nfg-default-$d")
[ -z "$left" ] || fail "what SIGKILLed nfg-default-$d left was not swept: $left"
note "a SIGKILLed run's leftovers are swept by the next run"

# Explicit prefixes are used as given, after -- and in the graph's "eal" list.
"$NFG" run default --set nodes.gen.count=1000 -- --file-prefix="$RUN-arg" \
	>"$WORK/f.log" 2>&1 || fail "F exited with $?"
[ "$(prefix_of "$WORK/f.log")" = "$RUN-arg" ] || fail "F's prefix: $(prefix_of "$WORK/f.log")"
"$NFG" run default --set nodes.gen.count=1000 --set "eal=[\"--file-prefix=$RUN-eal\"]" \
	>"$WORK/g.log" 2>&1 || fail "G exited with $?"
[ "$(prefix_of "$WORK/g.log")" = "$RUN-eal" ] || fail "G's prefix: $(prefix_of "$WORK/g.log")"
note "explicit prefixes kept: $RUN-arg, $RUN-eal" # (lib.sh removes them at exit)
echo ok
