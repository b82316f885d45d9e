#!/bin/sh
# The README's "Plugin API reference" lists exactly what the nfg binary
# exports to plugins: every exported nfg_* symbol has its entry, no entry
# names a symbol the binary does not export (renamed, removed, or never in a
# public header), and each entry's signature is written as include/nfg/
# declares it (whitespace aside), so a changed parameter shows here too. An
# entry is a list item "- `SIGNATURE`: ..."; its symbol is the first nfg_
# name followed by "(" (a call) or "[" (an array).
#
#   tools/check_api_doc.sh [NFG_BINARY [README [HEADERS_DIR]]]
#   (default $BUILD/nfg, README.md, include/nfg)
set -eu

bin=${1:-${BUILD:-build}/nfg}
readme=${2:-README.md}
headers=${3:-include/nfg}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$bin" ]; then
	echo "check_api_doc: no $bin (build it first)" >&2
	exit 1
fi
nm -D --defined-only "$bin" | awk '$3 ~ /^nfg_/ { print $3 }' | sort -u >"$tmp/exported"

# The section runs from its heading to the next heading of level 2 or 3.
awk '/^### Plugin API reference$/ { on = 1; next }
     on && /^##+ / { exit }
     on && /^- `/ { print }' "$readme" >"$tmp/entries"
sed -n 's/^- `[^`]*\<\(nfg_[A-Za-z0-9_]*\)[[(].*/\1/p' "$tmp/entries" >"$tmp/listed.all"
if [ ! -s "$tmp/listed.all" ]; then
	echo "check_api_doc: $readme has no \"### Plugin API reference\" section with entries" >&2
	exit 1
fi
sort "$tmp/listed.all" >"$tmp/listed.sorted"
sort -u "$tmp/listed.all" >"$tmp/listed"

rc=0
for s in $(comm -23 "$tmp/exported" "$tmp/listed"); do
	echo "check_api_doc: $s is exported by $bin but not in $readme's Plugin API reference" >&2
	rc=1
done
for s in $(comm -13 "$tmp/exported" "$tmp/listed"); do
	echo "check_api_doc: $readme's Plugin API reference lists $s, which $bin does not export" >&2
	rc=1
done
for s in $(uniq -d "$tmp/listed.sorted"); do
	echo "check_api_doc: $s is listed twice in $readme's Plugin API reference" >&2
	rc=1
done
# The headers as one line, runs of blanks as one space, none inside parentheses.
cat "$headers"/*.h | tr -s ' \t\n' '   ' | sed 's/( /(/g; s/ )/)/g' >"$tmp/headers"
sed 's/^- `\([^`]*\)`.*/\1/' "$tmp/entries" >"$tmp/signatures"
while IFS= read -r sig; do
	if ! grep -qF -- "$sig" "$tmp/headers"; then
		echo "check_api_doc: $readme's Plugin API reference: \"$sig\" is not declared so in $headers" >&2
		rc=1
	fi
done <"$tmp/signatures"
[ $rc -ne 0 ] || echo "check_api_doc: $(wc -l <"$tmp/listed") exported calls, each listed once"
exit $rc
