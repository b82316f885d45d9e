#!/bin/bash
# nfg report draws a recorded run (its --stats-json, or its --timeline in
# JSON lines) into a PNG with gnuplot, which reports no error; a file with no
# timeline is refused in one line. nfg top, run under tmux against a running
# graph, shows that graph's node names and its TCP operators, and ends when
# the run does.
. "$(dirname "$0")/lib.sh"
nfg_test_init reporttop
command -v tmux >/dev/null || fail "tmux missing (make deps installs it)"
TMUX_SOCKET="$RUN"
trap 'rc=$?; tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null; (exit $rc); nfg_test_cleanup' EXIT

# A recorded run: a few seconds of nftraffic with a ramp.
"$NFG" run nftraffic --set workers=2 --set nodes.client.connections=150000 \
	--set nodes.client.rate=60000 --set nodes.client.ramp_s=1 --quiet \
	--stats-json "$WORK/run.json" --timeline "$WORK/run.jsonl" \
	-- --file-prefix="$RUN-record" >"$WORK/run.log" 2>&1 || fail "recording run exited with $?"

for input in run.json run.jsonl; do
	"$NFG" report "$WORK/$input" --png "$WORK/$input.png" >"$WORK/report.out" 2>"$WORK/report.err" ||
		{ cat "$WORK/report.err"; fail "nfg report $input exited with $?"; }
	[ -s "$WORK/report.err" ] && { cat "$WORK/report.err"; fail "gnuplot said something for $input"; }
	[ "$(head -c 4 "$WORK/$input.png" | od -An -c | tr -d ' ')" = "211PNG" ] ||
		fail "$input.png is not a PNG"
	size=$(stat -c %s "$WORK/$input.png")
	[ "$size" -gt 30000 ] || fail "$input.png is only $size bytes"
	# 1600 x 1100, from the PNG header.
	dims=$(od -An -tu1 -j16 -N8 "$WORK/$input.png" | awk '{print $3*256+$4 "x" $7*256+$8}')
	[ "$dims" = 1600x1100 ] || fail "$input.png is $dims"
	note "report from $input: $size bytes, $dims"
done

echo '{"graph": "x"}' >"$WORK/empty.json"
out=$("$NFG" report "$WORK/empty.json" --png "$WORK/empty.png" 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] || fail "no timeline: exit $rc: $out"
[ ! -e "$WORK/empty.png" ] || fail "a PNG from no timeline"
out=$("$NFG" report "$WORK/run.json" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "report without --png: exit $rc: $out"
dir=$("$NFG" report "$WORK" --png "$WORK/dir.png" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "a directory" <<<"$dir" || fail "a directory to report: exit $rc: $dir"
note "no timeline: $out"

# nfg top on a running graph (until it is stopped).
nfg_start - top nftraffic --set nodes.client.connections=0 --set nodes.client.rate=20000 --quiet
tmux -L "$TMUX_SOCKET" new-session -d -s top -x 160 -y 50 \
	"$NFG top $RUN-top; echo TOP-EXITED \$?; sleep 60" || fail "tmux did not start"
shown=""
for _ in $(seq 100); do
	tmux -L "$TMUX_SOCKET" capture-pane -p -t top >"$WORK/top.txt"
	if grep -q "^TCP operator" "$WORK/top.txt" && grep -q "^tx_b " "$WORK/top.txt"; then
		shown=yes
		break
	fi
	sleep 0.2
done
[ -n "$shown" ] || { cat "$WORK/top.txt"; fail "nfg top showed no frame"; }
for node in rx_a parse_a client tx_a rx_b parse_b server tx_b; do
	grep -q "^$node " "$WORK/top.txt" || { cat "$WORK/top.txt"; fail "nfg top lacks node $node"; }
done
grep -q "^nfg top: nftraffic (pid $NFG_PID), 1 worker" "$WORK/top.txt" ||
	{ cat "$WORK/top.txt"; fail "nfg top header"; }
grep -Eq "^client +[0-9.]+k? " "$WORK/top.txt" || { cat "$WORK/top.txt"; fail "no client rate"; }
note "nfg top shows: $(grep -E '^client ' "$WORK/top.txt" | tail -1 | tr -s ' ')"

nfg_stop "$NFG_PID" top
ended=""
for _ in $(seq 100); do
	tmux -L "$TMUX_SOCKET" capture-pane -p -t top >"$WORK/top.txt"
	grep -q "^TOP-EXITED 0" "$WORK/top.txt" && { ended=yes; break; }
	sleep 0.2
done
[ -n "$ended" ] || { cat "$WORK/top.txt"; fail "nfg top did not end with the run"; }
grep -q "nfg top: the run ended" "$WORK/top.txt" || fail "nfg top did not say the run ended"

# No run by that name: one line, exit 1.
out=$("$NFG" top nfgt-no-such-run 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] || fail "top on nothing: exit $rc: $out"
note "no such run: $out"
echo ok
