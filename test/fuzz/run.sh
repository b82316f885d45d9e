#!/bin/bash
# Runs every libFuzzer harness for FUZZ_SECONDS, starting from its seeds
# (test/fuzz/seeds/NAME; the loader also gets the shipped graphs). The
# corpus grows in $BUILD/fuzz/corpus/NAME. Known crashers in
# test/fuzz/regressions/NAME are replayed first and must pass. A crash stops
# that harness's run; libFuzzer saves the input as $BUILD/fuzz/crash-*: fix
# the bug and add the input to test/fuzz/regressions/NAME. Every harness
# prints how many inputs it executed, pass or fail.
#
# Harnesses run side by side, FUZZ_JOBS at a time (default: one per CPU), so
# each gets its full FUZZ_SECONDS while the pass takes a fraction of the sum.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-$(nproc)}

# One harness, start to end; its report goes to $BUILD/fuzz/NAME.report and
# its status to $BUILD/fuzz/NAME.status (0: passed).
fuzz_one() {
	local f=$1 name=${1##*/fuzz_} rc=0
	local corpus="$BUILD/fuzz/corpus/$name" log="$BUILD/fuzz/fuzz_$name.log"
	mkdir -p "$corpus"
	cp -n test/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null
	[ "$name" = loader ] && cp -n configs/*.json "$corpus"/ 2>/dev/null
	{
		# Known crashers must stay fixed.
		local replayed=0
		for r in test/fuzz/regressions/"$name"/*; do
			[ -f "$r" ] || continue
			replayed=$((replayed + 1))
			"$f" "$r" >/dev/null 2>&1 || { echo "FAIL  $name: regression $r crashes again"; rc=1; }
		done
		echo "fuzz: $name for ${SECS}s ($replayed known crasher(s) replayed)"
		(cd "$BUILD/fuzz" && "./fuzz_$name" -max_total_time="$SECS" -print_final_stats=1 \
			-rss_limit_mb=4096 "corpus/$name" >"fuzz_$name.log" 2>&1)
		local status=$?
		# The final stats; a crash stops before them: the last status line says.
		local inputs corpus_n
		inputs=$(grep -m1 stat::number_of_executed_units "$log" | awk '{print $2}')
		[ -n "$inputs" ] || inputs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
		corpus_n=$(find "$corpus" -type f | wc -l)
		if [ "$status" -ne 0 ]; then
			echo "FAIL  $name: ${inputs:-?} inputs executed, then a failure; see $log"
			tail -30 "$log"
			rc=1
		else
			echo "PASS  $name: ${inputs:-?} inputs executed in ${SECS}s, corpus $corpus_n"
		fi
	} >"$BUILD/fuzz/$name.report" 2>&1
	echo "$rc" >"$BUILD/fuzz/$name.status"
}

harnesses=()
for f in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$f" ] && harnesses+=("$f")
done
for f in "${harnesses[@]}"; do
	rm -f "$BUILD/fuzz/${f##*/fuzz_}.status"
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
		wait -n
	done
	fuzz_one "$f" &
done
wait
rc=0
for f in "${harnesses[@]}"; do
	name=${f##*/fuzz_}
	cat "$BUILD/fuzz/$name.report"
	[ "$(cat "$BUILD/fuzz/$name.status" 2>/dev/null)" = 0 ] || rc=1
done
exit $rc
