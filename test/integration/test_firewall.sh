#!/bin/bash
# The firewall graph between two namespaces: curl to nginx on the allowed port
# gets the page; a blocked port gets no connection; pings pass; the per-rule
# counters match what was sent.
. "$(dirname "$0")/lib.sh"
nfg_test_init fw

netns client; netns nf; netns server
veth_pair client c0 nf n0
veth_pair nf n1 server s0
addr client c0 198.18.2.1/24
addr server s0 198.18.2.2/24

mkdir -p "$WORK/www"
echo "hello through the firewall" >"$WORK/www/index.html"
nginx_start server "$WORK/www" 198.18.2.2:80 198.18.2.2:8080

nfg_start nf fw firewall --set ports.lan.device=net_af_packet0,iface=n0 \
	--set ports.wan.device=net_af_packet1,iface=n1

page=$(in_ns client curl -sS --max-time 10 http://198.18.2.2/index.html) ||
	fail "curl to the allowed port failed"
[ "$page" = "hello through the firewall" ] || fail "wrong page: $page"
note "port 80: got the page"

if in_ns client curl -sS --max-time 3 http://198.18.2.2:8080/index.html >/dev/null 2>&1; then
	fail "port 8080 should be blocked"
fi
note "port 8080: no connection"

in_ns client ping -c 4 -i 0.2 -W 2 198.18.2.2 >"$WORK/ping.log" 2>&1 || fail "ping blocked"

# Exactly 10 UDP datagrams to the denied port 9999.
for i in $(seq 10); do
	in_ns client bash -c "echo datagram-$i >/dev/udp/198.18.2.2/9999"
done
wait_counter fw fw_out rule_2__udp_9999 10

nfg_stop "$NFG_PID" fw
c() { stat_get fw "nodes/$1/counters/$2"; }
[ "$(c fw_out 'rule[1] ping')" = 4 ] || fail "fw_out ping counter $(c fw_out 'rule[1] ping'), want 4"
[ "$(c fw_in 'rule[2] ping')" = 4 ] || fail "fw_in ping counter $(c fw_in 'rule[2] ping'), want 4"
[ "$(c fw_out 'rule[2] udp-9999')" = 10 ] || fail "udp-9999 counter $(c fw_out 'rule[2] udp-9999'), want 10"
[ "$(c fw_out 'rule[0] web')" -ge 5 ] || fail "web counter $(c fw_out 'rule[0] web')"
[ "$(stat_get fw 'nodes/blocked_out/counters/blocked LAN -> WAN')" -ge 11 ] ||
	fail "blocked_out counted $(stat_get fw 'nodes/blocked_out/counters/blocked LAN -> WAN')"
note "counters: web $(c fw_out 'rule[0] web'), ping 4/4, udp-9999 10"
echo ok
