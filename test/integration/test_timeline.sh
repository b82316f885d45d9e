#!/bin/bash
# The timeline (--timeline, and "timeline" in --stats-json): a 10 s nftraffic
# run over the in-process wire on two workers writes 10 +- 1 rows per worker
# and in total, and every counted column (completions, failures, packets in,
# out and dropped) adds up, per worker and in total, to the run's final
# counters exactly: the last row flushes what the stop left. JSON lines and
# the --stats-json copy hold the same rows. A timeline path that cannot be
# written is one message and exit status 1 before anything starts.
. "$(dirname "$0")/lib.sh"
nfg_test_init timeline

# 10 s at a modest rate (the assertion is about rows and sums, not speed).
"$NFG" run nftraffic --set workers=2 --set nodes.client.connections=0 \
	--set nodes.client.rate=40000 --duration 10 --quiet \
	--timeline "$WORK/t.csv" --stats-json "$WORK/run.json" \
	-- --file-prefix="$RUN-run" >"$WORK/run.log" 2>&1 || fail "nfg exited with $?"

python3 - "$WORK/t.csv" "$WORK/run.json" "$WORK/run.log" <<'EOF' || fail "timeline: see above"
import csv, json, re, sys
rows = list(csv.DictReader(open(sys.argv[1])))
stats = json.load(open(sys.argv[2]))
log = open(sys.argv[3]).read()
fails = []
def check(ok, what):
    print(("  " if ok else "  FAIL ") + what)
    if not ok:
        fails.append(what)
workers = [str(w) for w in range(stats["workers"])] + ["all"]
by = {w: [r for r in rows if r["worker"] == w] for w in workers}
for w in workers:
    check(9 <= len(by[w]) <= 11, f"worker {w}: {len(by[w])} rows (10 +- 1)")
# The summary's own table says the same totals as the stats JSON.
for node in ("client", "server"):
    m = re.search(r"^\s+%s\s+completed\s+(\d+)" % node, log, re.M)
    check(m and int(m.group(1)) == stats["nodes"][node]["counters"]["completed"],
          f"summary prints {node} completed {m and m.group(1)}")
    for ctr in ("completed", "failed_refused", "failed_timeout", "failed_reset", "aborted",
                "retransmits"):
        total = stats["nodes"][node]["counters"][ctr]
        got = sum(int(r[f"{node}.{ctr}"]) for r in by["all"])
        check(got == total, f"{node}.{ctr}: rows in total add up to {got}, the summary says {total}")
        for w in workers[:-1]:
            want = stats["nodes"][node]["worker_counters"][ctr][int(w)]
            got = sum(int(r[f"{node}.{ctr}"]) for r in by[w])
            check(got == want, f"{node}.{ctr} worker {w}: rows {got}, run {want}")
check(stats["nodes"]["client"]["counters"]["completed"] > 0, "connections completed")
for col in ("in", "out", "dropped"):
    got = sum(int(r[col]) for r in by["all"])
    check(got == stats[col], f"{col}: rows add up to {got}, the run says {stats[col]}")
for r in rows:
    if not 0 <= float(r["busy"]) <= 1:
        check(False, f"busy {r['busy']} out of [0, 1] at t={r['t']}")
    if int(r["client.completed"]) > 0:
        p50, p99, mx = (float(r["client.connect_" + k + "_us"]) for k in ("p50", "p99", "max"))
        if not 0 <= p50 <= p99 <= mx:
            check(False, f"connect p50 {p50} p99 {p99} max {mx} at t={r['t']} worker {r['worker']}")
check(any(float(r["client.connect_max_us"]) > 0 for r in by["all"]), "connect times measured")
ts = [float(r["t"]) for r in by["all"]]
check(ts == sorted(ts) and abs(ts[-1] - stats["seconds"]) < 0.01,
      f"times rise to the run's end ({ts[-1]} vs {stats['seconds']:.3f})")
# --stats-json holds the same rows.
sj = stats["timeline"]
check(len(sj) == len(rows), f"--stats-json has {len(sj)} rows, the file {len(rows)}")
check(all(int(a["client.completed"]) == b["client.completed"] and
          a["worker"] == str(b["worker"]) for a, b in zip(rows, sj)), "the same rows in both")
if fails:
    sys.exit(f"{len(fails)} checks failed")
EOF
note "10 s run: $(grep -c ',all,' "$WORK/t.csv") rows in total, sums exact"

# JSON lines by extension; a finite run, so the last row is a short one.
"$NFG" run nftraffic --set nodes.client.connections=20000 --quiet \
	--timeline "$WORK/t.jsonl" --stats-json "$WORK/fin.json" \
	-- --file-prefix="$RUN-run" >"$WORK/fin.log" 2>&1 || fail "finite run exited with $?"
python3 - "$WORK/t.jsonl" "$WORK/fin.json" "$WORK/t.csv" <<'EOF' || fail "JSON lines timeline"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
stats = json.load(open(sys.argv[2]))
header = open(sys.argv[3]).readline().strip().split(",")
assert rows, "no rows"
assert list(rows[0].keys()) == header, f"JSON keys {list(rows[0])} differ from CSV columns"
got = sum(r["client.completed"] for r in rows if r["worker"] == "all")
assert got == 20000 == stats["nodes"]["client"]["counters"]["completed"], f"completed {got}"
print(f"  {len(rows)} JSON lines, completions add up to {got}")
EOF

# A path that cannot be written: one line, exit 1, nothing started.
out=$("$NFG" run nftraffic --duration 1 --timeline /nonexistent/dir/t.csv \
	-- --file-prefix="$RUN-bad" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "unwritable timeline: exit $rc: $out"
[ "$(echo "$out" | wc -l)" = 1 ] || fail "unwritable timeline: more than one line: $out"
echo "$out" | grep -q "^nfg: --timeline /nonexistent/dir/t.csv: cannot write" ||
	fail "unwritable timeline message: $out"
note "bad path: $out"
echo ok
