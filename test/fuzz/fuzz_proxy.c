/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzzes nfproxy's tcp_proxy: each input is a script of segments from the
 * client and from the backend — flags, sequence and ACK numbers relative to
 * what the proxy last sent that side, windows, options, payload — with valid
 * checksums, mixed with raw frames, over IPv4 or IPv6 as the input's first
 * bit says; a data hook changes lengths as the payload says. Nothing may crash or read out of bounds, every emitted
 * segment's checksums are valid, and nothing goes to an address that is not
 * the client or the configured backend.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "nfg/proxy.h"
#include "../../runtime/runtime.h" /* nfg_clock_advance_ms: time without waiting */
#include "../unit/harness.h"

static struct harness *h;
static uint16_t client_port = 1000;

/* Grows payloads that start with 'G' by up to 7 bytes, shrinks those that
 * start with 'S', closes on 'X': lengths change as the fuzzer says. */
static int
fuzz_hook(void *state, const struct nfg_proxy_conn *conn, enum nfg_proxy_direction dir,
	  uint8_t *p, uint32_t len, uint32_t cap)
{
	if (p[0] == 'X')
		return NFG_PROXY_CLOSE;
	if (p[0] == 'G') {
		uint32_t n = RTE_MIN(len + (len % 8), cap);
		memset(p + len, 'g', n - len);
		return (int)n;
	}
	if (p[0] == 'S')
		return (int)(len / 2);
	return (int)len;
}

static const struct nfg_proxy_hook hook = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "fuzz_edit",
	.data = fuzz_hook,
	.request = NULL,
};

static size_t
segment(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t flags,
	uint32_t seq, uint32_t ack, uint16_t win, const uint8_t *opt, unsigned optlen,
	const uint8_t *payload, unsigned plen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	unsigned l4 = 20 + (optlen & ~3u);

	memset(buf, 0, 14 + 20 + l4);
	eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = htons((uint16_t)(20 + l4 + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = htons(sport);
	th->dst_port = htons(dport);
	th->sent_seq = htonl(seq);
	th->recv_ack = htonl(ack);
	th->data_off = (uint8_t)((l4 / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = htons(win);
	memcpy(th + 1, opt, optlen & ~3u);
	memcpy((uint8_t *)th + l4, payload, plen);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return 14 + 20 + l4 + plen;
}

/* Checks what the proxy sent on one side; remembers its next sequence
 * number there (and, toward the server, its local port). Only the client
 * and the configured backends are ever addressed. */
static void
take(const char *node, uint32_t allowed_dst, const uint8_t *allowed6, uint32_t *next,
     uint16_t *port)
{
	struct rte_mbuf **pkts;
	unsigned n = harness_collected(h, node, &pkts);

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		if (!frame_checksums_ok(d, rte_pktmbuf_data_len(pkts[i])))
			abort();
		const struct rte_tcp_hdr *th;
		uint32_t plen;
		if (((const struct rte_ether_hdr *)d)->ether_type == htons(RTE_ETHER_TYPE_IPV6)) {
			const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(d + 14);
			th = (const struct rte_tcp_hdr *)(ip6 + 1);
			if (memcmp(ip6->dst_addr, allowed6, 16) != 0)
				abort();
			plen = ntohs(ip6->payload_len) - (th->data_off >> 4) * 4u;
		} else {
			const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + 14);
			th = (const struct rte_tcp_hdr *)(ip + 1);
			if (ip->dst_addr != allowed_dst)
				abort();
			plen = ntohs(ip->total_length) - 20 - (th->data_off >> 4) * 4u;
		}
		*next = ntohl(th->sent_seq) + plen +
			!!(th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG));
		if (port)
			*port = ntohs(th->src_port);
	}
	harness_clear(h, node);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[2048] __rte_aligned(8); /* the headers are written as structs */
	uint32_t cseq = 1000000, sseq = 7000000, to_client = 0, to_server = 0;
	uint16_t pport = 0;
	const uint32_t cli = htonl(0xc6120102), vip = htonl(0xc6120101);
	const uint32_t srv = htonl(0xc613010a), src = htonl(0xc6130101);
	/* The IPv6 twins: client 2001:2:1::2 to [2001:2:1::1]:80, backend
	 * [2001:2:2::10]:80 from 2001:2:2::1. */
	static const uint8_t cli6[16] = { 0x20, 1, 0, 2, 0, 1, [15] = 2 };
	static const uint8_t vip6[16] = { 0x20, 1, 0, 2, 0, 1, [15] = 1 };
	static const uint8_t srv6[16] = { 0x20, 1, 0, 2, 0, 2, [15] = 0x10 };
	static const uint8_t src6[16] = { 0x20, 1, 0, 2, 0, 2, [15] = 1 };
	/* The input's first bit: its client speaks IPv6 (the proxy's policy then
	 * picks either backend: the IPv4 one is refused as of the other family). */
	bool v6 = size > 0 && (data[0] & 0x80);

	if (!h) {
		nfg_proxy_hook_register(&hook);
		h = harness_load(
			"{\"ports\": {\"c\": {\"device\": \"wire:w\", \"ipv4\": \"198.18.1.1/24\","
			"   \"ipv6\": \"2001:2:1::1/64\"},"
			"  \"s\": {\"device\": \"wire:w\", \"ipv4\": \"198.19.1.1/24\", \"ipv6\": \"2001:2:2::1/64\"}},"
			" \"nodes\": {\"inc\": {\"op\": \"test_inject\"}, \"ins\": {\"op\": \"test_inject\"},"
			"  \"pc\": {\"op\": \"parse\"}, \"ps\": {\"op\": \"parse\"},"
			"  \"proxy\": {\"op\": \"tcp_proxy\", \"client_port\": \"c\", \"server_port\": \"s\","
			"   \"client_next_hop_mac\": \"02:00:00:00:00:01\", \"server_next_hop_mac\": \"02:00:00:00:00:02\","
			"   \"listen\": [\"198.18.1.1:80\", \"[2001:2:1::1]:80\"], \"inspect_bytes\": 64, \"inspect_ms\": 2,"
			"   \"connect_rto_ms\": 2, \"idle_timeout_ms\": 50, \"linger_ms\": 5,"
			"   \"retry_next_backend\": true, \"backend_down_ms\": 30,"
			"   \"src_ports\": \"20000-20999\", \"held_buffers\": 64, \"hooks\": [\"fuzz_edit\"],"
			"   \"policy\": \"match\", \"policy_params\": {\"rules\": [{\"prefix\": \"GET\", \"group\": \"\"}],"
			"     \"default\": \"\"},"
			"   \"backends\": [{\"name\": \"b\", \"ip\": \"198.19.1.10\", \"port\": 80},"
			"                {\"name\": \"b81\", \"ip\": \"198.19.1.10\", \"port\": 81},"
			"                {\"name\": \"b6\", \"ip\": \"2001:2:2::10\", \"port\": 80}]},"
			"  \"outc\": {\"op\": \"test_collect\"}, \"outs\": {\"op\": \"test_collect\"},"
			"  \"bad\": {\"op\": \"test_collect\"}},"
			" \"edges\": [\"inc -> pc\", \"pc -> proxy.client\", \"ins -> ps\", \"ps -> proxy.server\","
			"  \"pc.malformed -> bad\", \"ps.malformed -> bad\","
			"  \"proxy.to_client -> outc\", \"proxy.to_server -> outs\"]}");
	}
	client_port = (uint16_t)(client_port == 60000 ? 1000 : client_port + 1);
	/* Records: side+kind flags seq(2) ack(2) win(2) optlen plen, options, payload.
	 * kind: bit 0 from the server side; below 2 (of 16) a raw frame; 0x10 from
	 * the second backend's port; 0x20 time passes first (0x40: longer). */
	while (size >= 10) {
		uint8_t kind = data[0], flags = data[1];
		int16_t dseq = (int16_t)(data[2] << 8 | data[3]), dack = (int16_t)(data[4] << 8 | data[5]);
		uint16_t win = (uint16_t)(data[6] << 8 | data[7]);
		unsigned optlen = data[8] % 44, plen = data[9];
		bool from_server = kind & 1;
		data += 10;
		size -= 10;
		if (optlen + plen > size)
			break;
		size_t len;
		if (kind % 16 < 2) {
			len = RTE_MIN((size_t)(optlen + plen), sizeof(frame));
			memcpy(frame, data, len);
		} else if (from_server) {
			/* From either backend port (0x10: the second backend's). */
			len = segment(frame, srv, src, kind & 0x10 ? 81 : 80, pport ? pport : 20000, flags,
				      sseq + (uint32_t)dseq, to_server + (uint32_t)dack, win, data,
				      optlen, data + optlen, plen);
			sseq += plen + !!(flags & RTE_TCP_SYN_FLAG);
			if (v6)
				len = frame_tcp4_to_ipv6(frame, len, srv6, src6);
		} else {
			len = segment(frame, cli, vip, client_port, 80, flags, cseq + (uint32_t)dseq,
				      to_client + (uint32_t)dack, win, data, optlen, data + optlen, plen);
			cseq += plen + !!(flags & RTE_TCP_SYN_FLAG);
			if (v6)
				len = frame_tcp4_to_ipv6(frame, len, cli6, vip6);
		}
		data += optlen + plen;
		size -= optlen + plen;
		/* The input's choice: time passes first (15 or 45 ms), so the
		 * proxy's timers -- its own ACK of a request no answer carried
		 * (40 ms), connect retries, a failed backend's down time, idle,
		 * linger -- fire between its segments. */
		if (kind & 0x20)
			nfg_clock_advance_ms(kind & 0x40 ? 45.0 : 15.0);
		struct rte_mbuf *m = harness_pkt(frame, len);
		harness_inject(h, from_server ? "ins" : "inc", &m, 1);
		harness_walk(h, 2);
		take("outc", cli, cli6, &to_client, NULL);
		take("outs", srv, srv6, &to_server, &pport);
		harness_clear(h, "bad");
	}
	return 0;
}
