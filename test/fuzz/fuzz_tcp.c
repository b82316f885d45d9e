/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzzes the TCP engine behind tcp_server: each input is a little script of
 * segments from one client — flags, sequence and ACK numbers relative to
 * what the server last sent, window, options (any bytes), payload — sent
 * with valid checksums so they reach the state machine, over IPv4 or IPv6
 * as the script says, mixed with raw frames, with time passing between them
 * where it says so (its timers fire). Whatever the script, nothing may crash, read out of bounds or leak
 * an mbuf, and every emitted segment must carry valid checksums.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/runtime.h" /* nfg_clock_advance_ms: time without waiting */
#include "../unit/harness.h"

static struct harness *h;
static uint16_t client_port = 1000;

/* One segment from 198.18.0.2:port to 198.18.0.1:80. */
static size_t
segment(uint8_t *buf, uint16_t port, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win,
	const uint8_t *opt, unsigned optlen, const uint8_t *payload, unsigned plen)
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
	ip->src_addr = htonl(0xc6120002);
	ip->dst_addr = htonl(0xc6120001);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = htons(port);
	th->dst_port = htons(80);
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

/* What the server sent last: its next sequence number, and check every
 * segment it emitted. */
static void
take_output(uint32_t *server_next)
{
	struct rte_mbuf **pkts;
	unsigned n = harness_collected(h, "out", &pkts);

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		size_t len = rte_pktmbuf_data_len(pkts[i]);
		if (!frame_checksums_ok(d, len))
			abort();
		bool v6 = ((const struct rte_ether_hdr *)d)->ether_type == htons(RTE_ETHER_TYPE_IPV6);
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(d + 14 + (v6 ? 40 : 20));
		uint32_t ip_len = v6 ? 40u + ntohs(((const struct rte_ipv6_hdr *)(d + 14))->payload_len)
				     : ntohs(((const struct rte_ipv4_hdr *)(d + 14))->total_length);
		uint32_t plen = ip_len - (v6 ? 40 : 20) - (th->data_off >> 4) * 4u;
		*server_next = ntohl(th->sent_seq) + plen +
			       !!(th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG));
	}
	harness_clear(h, "out");
	harness_clear(h, "bad");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t frame[2048] __rte_aligned(8); /* the headers are written as structs */
	uint32_t my_seq = 1000000, server_next = 0;

	if (!h)
		h = harness_load(
			"{\"ports\": {\"p\": {\"device\": \"wire:w\", \"ipv4\": \"198.18.0.1/24\","
			"  \"ipv6\": \"2001:2::1/64\"},"
			"  \"q\": {\"device\": \"wire:w\"}},"
			" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},"
			"  \"srv\": {\"op\": \"tcp_server\", \"port\": \"p\", \"next_hop_mac\": \"02:00:00:00:00:02\","
			"   \"listen\": [\"*:80\"], \"response_size\": 3000, \"http\": false, \"mss\": 536,"
			"   \"max_connections\": 512, \"idle_timeout_ms\": 50, \"time_wait_ms\": 10,"
			"   \"rto_initial_ms\": 5, \"rto_min_ms\": 20},"
			"  \"out\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},"
			" \"edges\": [\"in -> parse -> srv -> out\", \"parse.malformed -> bad\"]}");
	client_port = (uint16_t)(client_port == 60000 ? 1000 : client_port + 1);
	/* Script records: kind flags seq(2) ack(2) win(2) optlen plen, then the
	 * options and the payload. */
	while (size >= 10) {
		uint8_t kind = data[0], flags = data[1];
		int16_t dseq = (int16_t)(data[2] << 8 | data[3]), dack = (int16_t)(data[4] << 8 | data[5]);
		uint16_t win = (uint16_t)(data[6] << 8 | data[7]);
		unsigned optlen = data[8] % 44, plen = data[9];
		data += 10;
		size -= 10;
		if (optlen + plen > size)
			break;
		size_t len;
		if (kind % 8 == 0) { /* raw bytes as a frame */
			len = RTE_MIN((size_t)(optlen + plen), sizeof(frame));
			memcpy(frame, data, len);
		} else {
			len = segment(frame, client_port, flags, my_seq + (uint32_t)dseq,
				      server_next + (uint32_t)dack, win, data, optlen, data + optlen, plen);
			if (kind & 0x10) { /* the script's choice: this one over IPv6 */
				static const uint8_t peer6[16] = { 0x20, 1, 0, 2, [15] = 2 };
				static const uint8_t nf6[16] = { 0x20, 1, 0, 2, [15] = 1 };
				len = frame_tcp4_to_ipv6(frame, len, peer6, nf6);
			}
			if (flags & RTE_TCP_SYN_FLAG)
				my_seq += 1;
			my_seq += plen;
		}
		data += optlen + plen;
		size -= optlen + plen;
		/* The script's choice: time passes first (6-24 ms), so timers --
		 * tail loss probes (10 ms here), RTOs (20 ms), TIME_WAIT, idle --
		 * fire between its segments. */
		if (kind & 0x20)
			nfg_clock_advance_ms(((kind >> 6) + 1) * 6.0);
		struct rte_mbuf *m = harness_pkt(frame, len);
		harness_inject(h, "in", &m, 1);
		harness_walk(h, 2);
		take_output(&server_next);
	}
	return 0;
}
