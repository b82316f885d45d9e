#!/bin/bash
# Runs every libFuzzer harness for FUZZ_SECONDS, starting from its seeds
# (test/fuzz/seeds/NAME; the loader also gets the shipped graphs). The
# corpus grows in $BUILD/fuzz/corpus/NAME. A crash stops the run; libFuzzer
# saves the input as $BUILD/fuzz/crash-*; add it to test/fuzz/regressions/NAME.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build-fuzz}
SECS=${FUZZ_SECONDS:-60}
rc=0
for f in "$BUILD"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	corpus="$BUILD/fuzz/corpus/$name"
	mkdir -p "$corpus"
	cp -n test/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null
	[ "$name" = loader ] && cp -n configs/*.json "$corpus"/ 2>/dev/null
	# Known crashers must stay fixed.
	for r in test/fuzz/regressions/"$name"/*; do
		[ -f "$r" ] || continue
		"$f" "$r" >/dev/null 2>&1 || { echo "FAIL  $name: regression $r crashes again"; rc=1; }
	done
	echo "fuzz: $name for ${SECS}s"
	if ! (cd "$BUILD/fuzz" && "./fuzz_$name" -max_total_time="$SECS" -print_final_stats=1 \
		-rss_limit_mb=4096 "corpus/$name" >"fuzz_$name.log" 2>&1); then
		echo "FAIL  $name: see $BUILD/fuzz/fuzz_$name.log"
		tail -30 "$BUILD/fuzz/fuzz_$name.log"
		rc=1
	else
		echo "PASS  $name: $(grep -m1 stat::number_of_executed_units "$BUILD/fuzz/fuzz_$name.log" | awk '{print $2}') inputs"
	fi
done
exit $rc
