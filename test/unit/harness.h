/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit-test harness: runs a graph file (given as text) on the test's own
 * thread, one walk at a time. Two test operators stand in for the outside
 * world: "test_inject" is a source that emits what the test queued, and
 * "test_collect" keeps what reaches it so the test can look at it.
 * Ports of the graph are real DPDK ports (use "wire:NAME" devices).
 */
#ifndef NFG_TEST_HARNESS_H
#define NFG_TEST_HARNESS_H

#include <check.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "nfg/operator.h"
#include "nfg/packet.h"

/* Test files register their suites with this; main.c runs them all. */
typedef Suite *(*suite_fn)(void);
void register_suite(suite_fn fn);
#define TEST_SUITE(fn)                                                          \
	static Suite *fn(void);                                                 \
	__attribute__((constructor)) static void register_##fn(void)            \
	{                                                                       \
		register_suite(fn);                                             \
	}

struct harness;

/* EAL and a packet pool, once per process (--no-huge, --in-memory). */
void harness_eal_init(void);

/* Loads, checks and builds the graph; fails the test with the loader's
 * message if the text is not a valid graph. */
struct harness *harness_load(const char *json_text);
/* The same, for graphs that must be refused: returns the error message
 * (static buffer) or NULL when the graph loaded. */
const char *harness_load_error(const char *json_text);

/* Queue packets for a test_inject node; they go out on the next walk. */
void harness_inject(struct harness *h, const char *inject_node, struct rte_mbuf **pkts,
		    unsigned n);
/* Walk the graph (and the operators' polls) `walks` times. */
void harness_walk(struct harness *h, unsigned walks);
/* Packets a test_collect node kept (owned by the harness). */
unsigned harness_collected(struct harness *h, const char *collect_node,
			   struct rte_mbuf ***pkts);
/* Frees what a test_collect node kept, so it can collect again. */
void harness_clear(struct harness *h, const char *collect_node);
/* A counter of a node, by counter name; fails the test if there is none. */
uint64_t harness_counter(struct harness *h, const char *node, const char *counter);
/* Tears down and checks that every mbuf went back to the pool. */
void harness_free(struct harness *h);

/* An mbuf holding a copy of `len` bytes. */
struct rte_mbuf *harness_pkt(const void *bytes, size_t len);
unsigned harness_pool_in_use(void);

/* Frame builders for crafted packets. Return the frame length. */
size_t build_udp4(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		  uint16_t dport, size_t payload_len);
size_t build_tcp4(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		  uint16_t dport, uint8_t flags, size_t payload_len);
size_t build_icmp4_echo(uint8_t *buf, const char *src, const char *dst, uint16_t id,
			uint16_t seq, size_t payload_len);
size_t build_udp6(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		  uint16_t dport, size_t payload_len);
/* An Ethernet + IPv4 (20 bytes) + TCP frame at buf, len4 bytes, rewritten in
 * place as the same segment over IPv6 between src6 and dst6, its TCP
 * checksum computed anew. Returns the new length (20 more). */
size_t frame_tcp4_to_ipv6(uint8_t *buf, size_t len4, const uint8_t src6[16],
			  const uint8_t dst6[16]);
/* Ethernet + IPv6 + an ICMPv6 message (len bytes, its checksum filled in). */
size_t build_icmp6(uint8_t *buf, const char *src, const char *dst, uint8_t hop_limit,
		   const void *msg, size_t len);
size_t build_arp_request(uint8_t *buf, const char *sender_mac, const char *sender_ip,
			 const char *target_ip);

/* True when the IPv4 header checksum and the L4 checksum of an Ethernet/IPv4
 * frame are right. */
bool frame_checksums_ok(const uint8_t *frame, size_t len);

#endif
