/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzzes parse then classify and filter: any bytes as a frame go to an
 * output, counted, without reading past the frame (ASan checks) and without
 * losing the mbuf (the pool check at the end of each run).
 */
#include <stdlib.h>

#include "../unit/harness.h"

static struct harness *h;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!h) {
		h = harness_load(
			"{\"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},"
			" \"cls\": {\"op\": \"classify\", \"classes\": [\"arp\", \"tcp\", \"udp\", \"icmp6\"]},"
			" \"fw\": {\"op\": \"filter\", \"rules\": [{\"proto\": \"tcp\", \"dport\": \"1-1000\","
			"   \"tcp_flags\": \"syn,!ack\"}, {\"src\": \"2001:db8::/32\"},"
			"   {\"dst\": \"198.18.0.0/15\", \"proto\": \"udp\"}]},"
			" \"out\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},"
			" \"edges\": [\"in -> parse -> cls\", \"parse.malformed -> bad\", \"cls.arp -> out\","
			"  \"cls.tcp -> fw\", \"cls.udp -> fw\", \"cls.icmp6 -> out\", \"cls.other -> out\","
			"  \"fw.match -> out\", \"fw.nomatch -> out\"]}");
	}
	if (size > 2000)
		size = 2000;
	struct rte_mbuf *m = harness_pkt(data, size);
	harness_inject(h, "in", &m, 1);
	harness_walk(h, 1);
	if (harness_collected(h, "out", NULL) + harness_collected(h, "bad", NULL) != 1)
		abort(); /* a frame went nowhere */
	harness_clear(h, "out");
	harness_clear(h, "bad");
	if (harness_pool_in_use() != 0)
		abort();
	return 0;
}
