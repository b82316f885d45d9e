#!/bin/bash
# Runs every integration test (test_*.sh) and says which passed. A test prints
# its own diagnostics when it fails. ONLY=name runs one. Each test's output
# goes to a directory of this run's, so runs side by side keep theirs apart.
cd "$(dirname "$0")" || exit 1
out=$(mktemp -d /tmp/nfg-integration.XXXXXX) || exit 1
pass=0
failed=()
for t in test_*.sh; do
	name=${t#test_}
	name=${name%.sh}
	[ -n "${ONLY:-}" ] && [ "$ONLY" != "$name" ] && continue
	start=$(date +%s%N)
	if timeout 600 bash "$t" >"$out/$name.out" 2>&1; then
		pass=$((pass + 1))
		printf 'PASS  %-28s %6ds\n' "$name" $((($(date +%s%N) - start) / 1000000000))
	else
		failed+=("$name")
		printf 'FAIL  %-28s %6ds\n' "$name" $((($(date +%s%N) - start) / 1000000000))
		sed 's/^/      /' "$out/$name.out" | tail -n 80
	fi
done
echo "integration: $pass passed, ${#failed[@]} failed ${failed[*]} (outputs in $out)"
[ ${#failed[@]} -eq 0 ]
