/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzzes parse, icmp_echo and nd as the responder wires them (IPv4 and IPv6
 * echo, neighbour discovery): any bytes as a frame are answered, passed on
 * or dropped under a reason, without reading past the frame (ASan checks)
 * and without losing an mbuf. nd's announcement and solicitations are new
 * frames, so what leaves is counted, not compared with what came in.
 */
#include <stdlib.h>

#include "../unit/harness.h"

static struct harness *h;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!h) {
		h = harness_load(
			"{\"ports\": {\"p\": {\"device\": \"wire:w\", \"mac\": \"02:00:00:00:00:aa\","
			"   \"ipv4\": \"198.18.0.1/24\", \"ipv6\": [\"2001:2::1/64\", \"2001:2:0:1::1/64\"]},"
			"  \"q\": {\"device\": \"wire:w\"}},"
			" \"nodes\": {\"in\": {\"op\": \"test_inject\"}, \"parse\": {\"op\": \"parse\"},"
			"  \"ping\": {\"op\": \"icmp_echo\", \"port\": \"p\"},"
			"  \"nd\": {\"op\": \"nd\", \"port\": \"p\", \"gateway\": \"fe80::1\", \"max_held\": 4},"
			"  \"out\": {\"op\": \"test_collect\"}, \"bad\": {\"op\": \"test_collect\"}},"
			" \"edges\": [\"in -> parse -> ping\", \"parse.malformed -> bad\","
			"  \"ping.reply -> out\", \"ping.other -> nd\", \"nd.out -> out\", \"nd.other -> out\"]}");
	}
	if (size > 2000)
		size = 2000;
	struct rte_mbuf *m = harness_pkt(data, size);
	harness_inject(h, "in", &m, 1);
	harness_walk(h, 1);
	harness_clear(h, "out");
	harness_clear(h, "bad");
	/* nd may hold a few packets for neighbours that never answer: bounded. */
	if (harness_pool_in_use() > 64 * 4 + 8)
		abort(); /* a frame was lost */
	return 0;
}
