/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Differential fuzzing of filter: the same 16 rules, once classified with
 * DPDK's rte_acl and once by the rules compiled for IPv4 TCP/UDP (the
 * interpreter for other packets), must send every packet the fuzzer makes
 * (addresses, ports, protocol and TCP flags from its bytes) to the same
 * output; and on every packet the compiled rules take, they must name the
 * same rule as the interpreter.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../operators/filter_rules.h"
#include "../unit/harness.h"

static struct harness *h;

#define RULES                                                                              \
	"[{\"proto\": \"tcp\", \"dport\": 80}, {\"proto\": \"tcp\", \"dport\": \"8000-8999\", " \
	"\"tcp_flags\": \"syn,!ack\", \"out\": \"nomatch\"}, {\"src\": \"198.18.0.0/16\", "    \
	"\"proto\": \"udp\"}, {\"dst\": \"198.19.128.0/17\", \"out\": \"nomatch\"}, "          \
	"{\"proto\": \"icmp\"}, {\"sport\": \"0-1023\", \"proto\": \"tcp\"}, "                  \
	"{\"src\": \"198.18.7.7\", \"dst\": \"198.19.7.7\"}, {\"proto\": \"udp\", \"dport\": 53, " \
	"\"out\": \"nomatch\"}, {\"dport\": \"443\"}, {\"sport\": \"1024-2047\", \"dport\": "    \
	"\"1024-2047\"}, {\"tcp_flags\": \"rst\", \"out\": \"nomatch\"}, {\"src\": "           \
	"\"198.18.1.0/24\", \"dst\": \"198.18.2.0/24\"}, {\"proto\": \"tcp\", \"tcp_flags\": "  \
	"\"fin,psh\"}, {\"dst\": \"198.19.0.1\", \"proto\": \"tcp\", \"dport\": \"22\"}, "      \
	"{\"src\": \"198.18.0.0/15\", \"sport\": 5000, \"out\": \"nomatch\"}, {\"proto\": \"udp\", " \
	"\"sport\": \"60000-65535\"}]"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!h)
		h = harness_load(
			"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},"
			" \"copy\": {\"op\": \"test_inject\"}, \"parse2\": {\"op\": \"parse\"},"
			" \"acl\": {\"op\": \"filter\", \"acl_threshold\": 1, \"rules\": " RULES "},"
			" \"lin\": {\"op\": \"filter\", \"acl_threshold\": 1000, \"rules\": " RULES "},"
			" \"am\": {\"op\": \"test_collect\"}, \"an\": {\"op\": \"test_collect\"},"
			" \"lm\": {\"op\": \"test_collect\"}, \"ln\": {\"op\": \"test_collect\"}},"
			" \"edges\": [\"in -> parse -> acl\", \"copy -> parse2 -> lin\", \"acl.match -> am\","
			"  \"acl.nomatch -> an\", \"lin.match -> lm\", \"lin.nomatch -> ln\"]}");
	/* Up to 64 packets of 14 bytes each: proto, flags, src, dst, sport, dport. */
	struct rte_mbuf *a[64], *b[64];
	unsigned n = 0;
	for (; size >= 14 && n < 64; data += 14, size -= 14, n++) {
		uint8_t frame[128] __rte_aligned(8); /* the builders write headers as structs */
		char src[16], dst[16];
		/* Addresses near the rules' prefixes, so they matter. */
		snprintf(src, sizeof(src), "198.%u.%u.%u", 18 + (data[2] & 1), data[3], data[4]);
		snprintf(dst, sizeof(dst), "198.%u.%u.%u", 18 + (data[5] & 1), data[6], data[7]);
		uint16_t sport = (uint16_t)(data[8] << 8 | data[9]), dport = (uint16_t)(data[10] << 8 | data[11]);
		size_t len;
		switch (data[0] % 3) {
		case 0:
			len = build_tcp4(frame, src, dst, sport, dport, data[1], 0);
			break;
		case 1:
			len = build_udp4(frame, src, dst, sport, dport, 0);
			break;
		default:
			len = build_icmp4_echo(frame, src, dst, sport, dport, 0);
		}
		a[n] = harness_pkt(frame, len);
		b[n] = harness_pkt(frame, len);
	}
	if (n == 0)
		return 0;
	harness_inject(h, "in", a, n);
	harness_inject(h, "copy", b, n);
	harness_walk(h, 1);
	struct rte_mbuf **am, **lm;
	unsigned nam = harness_collected(h, "am", &am), nlm = harness_collected(h, "lm", &lm);
	if (nam != nlm || harness_collected(h, "an", NULL) != harness_collected(h, "ln", NULL))
		abort();
	/* Same packets, same order: compare the bytes. */
	for (unsigned i = 0; i < nam; i++)
		if (rte_pktmbuf_data_len(am[i]) != rte_pktmbuf_data_len(lm[i]) ||
		    memcmp(rte_pktmbuf_mtod(am[i], void *), rte_pktmbuf_mtod(lm[i], void *),
			   rte_pktmbuf_data_len(am[i])) != 0)
			abort();
	const struct filter_config *cfg = nfg_instance_config(nfg_instance_find("lin"));
	for (const char *c = "lm\0ln\0"; *c; c += 3) {
		struct rte_mbuf **got;
		unsigned ng = harness_collected(h, c, &got);
		for (unsigned i = 0; i < ng; i++) {
			struct filter_packet pk;
			filter_packet_read(got[i], &pk);
			if (filter_fast_packet(got[i]) &&
			    filter_fast_match(cfg, got[i]) != filter_match(cfg, &pk))
				abort();
		}
	}
	for (const char *c = "am\0an\0lm\0ln\0"; *c; c += 3)
		harness_clear(h, c);
	return 0;
}
