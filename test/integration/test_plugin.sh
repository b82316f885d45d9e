#!/bin/bash
# Plugins: the example plugin builds out of tree with pkg-config against
# `make install` and then works like a built-in operator; a missing file, a
# missing symbol, an unresolved symbol, an internal (not exported) symbol, an
# API or DPDK version mismatch and an entry for an extension point that does
# not exist each get a clear error and exit status 1.
. "$(dirname "$0")/lib.sh"
nfg_test_init plugin

prefix="$WORK/prefix"
make -s -C "$ROOT" BUILD="$BUILD" install PREFIX="$prefix" >"$WORK/install.log" 2>&1 ||
	fail "make install failed: $(tail -5 "$WORK/install.log")"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --exists nfg || fail "pkg-config does not find the installed nfg.pc"
# Out of tree: only the installed headers, nothing from the source tree.
cp "$ROOT/plugins/grep/grep.c" "$WORK/grep.c"
(cd "$WORK" && cc $(pkg-config --cflags nfg) -O2 -Wall -Werror -shared -o libgrep.so grep.c) ||
	fail "the plugin does not build out of tree"
note "built out of tree with pkg-config"

cat >"$WORK/graph.json" <<'JSON'
{
  "name": "plugintest",
  "nodes": {
    "with":    { "op": "generator", "count": 300, "payload": "hello nfg world", "size": 80 },
    "without": { "op": "generator", "count": 200, "payload": "hello other world", "size": 80 },
    "g":       { "op": "grep", "pattern": "nfg w" },
    "hits":    { "op": "count", "sink": true },
    "misses":  { "op": "count", "sink": true }
  },
  "edges": ["with -> g", "without -> g", "g.match -> hits", "g.nomatch -> misses"]
}
JSON
"$prefix/bin/nfg" run "$WORK/graph.json" --plugin "$WORK/libgrep.so" --stats-json "$WORK/run.json" \
	-- --file-prefix="$RUN-run" >"$WORK/run.log" 2>&1 || fail "run with the plugin failed"
WORK_JSON=run
[ "$(stat_get run nodes/hits/counters/packets)" = 300 ] || fail "grep matched $(stat_get run nodes/hits/counters/packets), want 300"
[ "$(stat_get run nodes/misses/counters/packets)" = 200 ] || fail "grep missed $(stat_get run nodes/misses/counters/packets), want 200"
[ "$(stat_get run nodes/g/counters/matched)" = 300 ] || fail "grep's own counter is wrong"
note "the plugin operator ran: 300 matched, 200 did not"

# The in-tree build, named from the graph file ("plugins", relative to the file).
sed 's|"name": "plugintest",|"name": "plugintest", "plugins": ["'"$ROOT/$BUILD"'/plugins/libnfg_grep.so"],|' \
	"$WORK/graph.json" >"$WORK/graph2.json"
"$NFG" check "$WORK/graph2.json" || fail "graph naming the in-tree plugin does not check"

# Errors.
expect_error() { # WHAT PATTERN CMD...
	local what=$1 pattern=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ $rc -eq 1 ] || fail "$what: exit status $rc, want 1 ($out)"
	echo "$out" | grep -q -- "$pattern" || fail "$what: message '$out' lacks '$pattern'"
	note "$what: $(echo "$out" | head -1)"
}
expect_error "missing file" "no such file" "$NFG" ops --plugin "$WORK/nope.so"
# Only the paths given: a bare name is not looked up on the library search
# path, so LD_LIBRARY_PATH (or a planted system library) cannot supply a plugin.
mkdir -p "$WORK/elsewhere"
cp "$ROOT/$BUILD/plugins/libnfg_grep.so" "$WORK/elsewhere/libnfg_planted.so" ||
	fail "no in-tree plugin to plant"
expect_error "library search path ignored" "no such file" \
	env -C / LD_LIBRARY_PATH="$WORK/elsewhere" "$NFG" ops --plugin libnfg_planted.so
echo 'int unrelated(void) { return 1; }' >"$WORK/nosym.c"
cc -shared -fPIC -o "$WORK/nosym.so" "$WORK/nosym.c"
expect_error "missing symbol" 'no symbol "nfg_plugin"' "$NFG" ops --plugin "$WORK/nosym.so"
echo 'extern int nfg_no_such_function(void); int f(void) { return nfg_no_such_function(); }' >"$WORK/undef.c"
cc -shared -fPIC -o "$WORK/undef.so" "$WORK/undef.c"
expect_error "unresolved symbol" "undefined symbol: nfg_no_such_function" "$NFG" ops --plugin "$WORK/undef.so"
# The binary exports the API and nothing else: an internal function is out
# of a plugin's reach, and the plugin is refused naming it.
exported=$(nm -D --defined-only "$NFG" | awk '{print $3}' | grep -v '^_' | sort)
api=$(python3 "$ROOT/tools/exports.py" "$ROOT"/include/nfg/*.h | tr -d '\t;{}' | grep . | sort)
[ "$exported" = "$api" ] || fail "exported symbols differ from the API: $(diff <(echo "$exported") <(echo "$api") | head -5)"
nm -D --defined-only "$NFG" | grep -qw tcp_input && fail "the internal tcp_input is exported"
echo 'extern void tcp_input(void *, void *, void *); void f(void) { tcp_input(0, 0, 0); }' >"$WORK/internal.c"
cc -shared -fPIC -o "$WORK/internal.so" "$WORK/internal.c"
expect_error "internal symbol" "undefined symbol: tcp_input (a plugin may use what include/nfg/\*.h declares" \
	"$NFG" ops --plugin "$WORK/internal.so"
note "exported: the $(echo "$exported" | wc -l) API symbols, nothing else"
sed 's/NFG_PLUGIN("grep", "1.0", &grep_op);/const struct nfg_plugin nfg_plugin = { 999, "grep", "1.0", NULL };/' \
	"$WORK/grep.c" >"$WORK/old.c"
(cd "$WORK" && cc $(pkg-config --cflags nfg) -shared -o old.so old.c) || fail "old.c did not build"
expect_error "API mismatch" "built for nfg API 999" "$NFG" ops --plugin "$WORK/old.so"
sed 's/NFG_PLUGIN("grep", "1.0", &grep_op);/const struct nfg_plugin nfg_plugin = { NFG_API_VERSION, "grep", "1.0", NULL, RTE_VERSION_NUM(21, 11, 0, 0) };/' \
	"$WORK/grep.c" >"$WORK/olddpdk.c"
(cd "$WORK" && cc $(pkg-config --cflags nfg) -shared -o olddpdk.so olddpdk.c) || fail "olddpdk.c did not build"
expect_error "DPDK mismatch" "built against DPDK 21.11.0, this nfg uses DPDK 22.11" \
	"$NFG" ops --plugin "$WORK/olddpdk.so"
# Extension points are known by name only: a misspelt point is refused,
# naming the points there are.
cat >"$WORK/badpoint.c" <<'C'
#include <nfg/proxy.h>
static const char nothing;
static const struct nfg_extension ext[] = { { "proxy.polcy", &nothing }, { NULL, NULL } };
NFG_PLUGIN_WITH("badpoint", "1.0", NULL, ext);
C
(cd "$WORK" && cc $(pkg-config --cflags nfg) -Wall -Werror -shared -o badpoint.so badpoint.c) ||
	fail "badpoint.c did not build"
expect_error "unknown extension point" 'no extension point .*proxy.polcy.* (there are: proxy.policy, proxy.hook, tcp.service)' \
	"$NFG" ops --plugin "$WORK/badpoint.so"
echo ok
