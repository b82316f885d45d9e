#!/bin/bash
# nfproxy on lossy links: 2% of the packets lost and some reordered, in both
# directions on both sides. Transfers still complete intact: 1 MB echoed
# through socat twice, and a 2 MB nginx download twice (sha256 equal).
# (This kernel has no netem, so the impairment is nfg's impair operator,
# placed on the proxy's four paths in the graph.)
. "$(dirname "$0")/lib.sh"
nfg_test_init pxloss

netns cli; netns nf; netns srv
veth_pair cli c0 nf n0
veth_pair nf n1 srv s0
addr cli c0 198.18.1.2/24
addr srv s0 198.19.1.10/24
addr srv s0 198.19.1.11/24
mkdir -p "$WORK/www"
head -c 2097152 /dev/urandom >"$WORK/www/big.bin"
nginx_start srv "$WORK/www" 198.19.1.11:80
# -t 60: the echo server must not cut the echo short itself. With socat's
# default -t 0.5 it ends half a second after the client's FIN reached it,
# throwing away what cat has not yet handed to the socket; over these links
# (without SACK, losses often cost a retransmission timeout) the echo can lag
# seconds behind the client's 1 MB, and came back up to ~200 KB short, with
# every byte through the proxy intact both ways (captures on c0 and s0).
# socat still ends as soon as cat has written everything.
in_ns srv socat -t 60 TCP-LISTEN:7,bind=198.19.1.10,fork,reuseaddr EXEC:cat &
PIDS+=($!)
sleep 0.3

bad='{"op": "impair", "loss": 0.02, "reorder": 0.05, "hold_us": 500}'
python3 - "$ROOT/configs/nfproxy.json" "$WORK/lossy.json" "$bad" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
bad = json.loads(sys.argv[3])
g["name"] = "nfproxy-lossy"
for n in ("bad_cin", "bad_cout", "bad_sin", "bad_sout"):
    g["nodes"][n] = dict(bad)
p = g["nodes"]["proxy"]
p["listen"] = ["198.18.1.1:7", "198.18.1.1:80"]
p["backends"] = [{"name": "echo", "ip": "198.19.1.10", "port": 7, "group": "echo"},
                 {"name": "web", "ip": "198.19.1.11", "port": 80, "group": "web"}]
p["policy_params"] = {"rules": [{"prefix": "GET ", "group": "web"}], "default": "echo"}
# Longer than the client's retransmission timeout (200 ms minimum on
# Linux): a lost first request must be retransmitted before the proxy
# gives up waiting and binds to the default group.
p["inspect_ms"] = 3000
p["connect_rto_ms"] = 200
p["connect_retries"] = 6
edges = []
for e in g["edges"]:
    e = e.replace("cls_c.tcp -> proxy.client", "cls_c.tcp -> bad_cin -> proxy.client")
    e = e.replace("cls_s.tcp -> proxy.server", "cls_s.tcp -> bad_sin -> proxy.server")
    e = e.replace("proxy.to_client -> arp_c", "proxy.to_client -> bad_cout -> arp_c")
    e = e.replace("proxy.to_server -> arp_s", "proxy.to_server -> bad_sout -> arp_s")
    edges.append(e)
g["edges"] = edges
json.dump(g, open(sys.argv[2], "w"), indent=1)
PY
nfg_start nf proxy "$WORK/lossy.json" --set ports.c.device=net_af_packet0,iface=n0 \
	--set ports.s.device=net_af_packet1,iface=n1

head -c 1048576 /dev/urandom >"$WORK/data"
for i in 1 2; do
	in_ns cli socat -t 60 -T 60 TCP:198.18.1.1:7 - <"$WORK/data" >"$WORK/back" ||
		fail "echo $i failed"
	cmp -s "$WORK/data" "$WORK/back" ||
		fail "echo $i came back different ($(stat -c %s "$WORK/back") bytes: $(cmp "$WORK/data" "$WORK/back" 2>&1))"
done
want=$(sha256sum <"$WORK/www/big.bin")
for i in 1 2; do
	in_ns cli curl -sS --max-time 60 -o "$WORK/got" http://198.18.1.1/big.bin || fail "download $i failed"
	[ "$(sha256sum <"$WORK/got")" = "$want" ] || fail "download $i differs"
done
note "2 x 1 MB echoed and 2 x 2 MB downloaded intact through lossy links"
nfg_stop "$NFG_PID" proxy
lost=$(impair_lost proxy bad_cin bad_cout bad_sin bad_sout)
[ "$lost" -gt 100 ] || fail "only $lost packets were lost: not much of a test"
note "$lost packets lost on the way"
# Each connection ended one way, counted once: a RST that answers a straggler
# after FINs both ways (an old ACK, reordered, reaching a closed socket) is
# not also a reset.
proxied=$(stat_get proxy nodes/proxy/counters/proxied)
ended=0
for c in closed_both_ways reset_while_spliced idle_timeouts; do
	ended=$((ended + $(stat_get proxy "nodes/proxy/counters/$c")))
done
[ "$ended" -le "$proxied" ] || fail "$proxied connections proxied, but $ended ended"
echo ok
