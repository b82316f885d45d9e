/* SPDX-License-Identifier: BSD-3-Clause
 *
 * generator: frames built from its parameters, source ports stepped through
 * their range and source addresses through theirs after each pass, every
 * checksum right; a count ends it; a bad address range is refused.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "../../runtime/runtime.h" /* nfg_clock_advance_ms */
#include "harness.h"

static struct harness *
gen_load(const char *params)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"nodes\": {\"gen\": {\"op\": \"generator\", \"burst\": 64%s},\n"
		 "  \"out\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"gen -> out\"]}", params);
	return harness_load(text);
}

/* Every (address, port) of 3 addresses x 5 ports once, in that order, then
 * around again; TCP SYNs with valid checksums. */
START_TEST(addresses_step_after_each_pass_over_the_ports)
{
	struct harness *h = gen_load(", \"count\": 30, \"proto\": \"tcp\", \"tcp_flags\": \"syn\", "
				     "\"src_ip\": \"198.18.6.100-198.18.6.102\", "
				     "\"src_port\": \"2000-2004\", \"dst_port\": 80, \"size\": 80");
	struct rte_mbuf **pkts;

	harness_walk(h, 4);
	ck_assert_uint_eq(harness_collected(h, "out", &pkts), 30);
	for (unsigned i = 0; i < 30; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		const struct rte_ipv4_hdr *ip = (const void *)(d + RTE_ETHER_HDR_LEN);
		const struct rte_tcp_hdr *th = (const void *)(ip + 1);
		unsigned k = i % 15;
		ck_assert_msg(frame_checksums_ok(d, rte_pktmbuf_data_len(pkts[i])), "frame %u", i);
		ck_assert_uint_eq(ntohl(ip->src_addr), 0xc6120664u + k / 5);
		ck_assert_uint_eq(ntohs(th->src_port), 2000 + k % 5);
		ck_assert_uint_eq(ntohs(th->dst_port), 80);
		ck_assert_uint_eq(th->tcp_flags, RTE_TCP_SYN_FLAG);
	}
	harness_free(h);
}
END_TEST

/* One address and one port: the same frame, valid, count times. */
START_TEST(one_flow)
{
	struct harness *h = gen_load(", \"count\": 100, \"src_port\": 7, \"payload\": \"hi\"");
	struct rte_mbuf **pkts;

	harness_walk(h, 4);
	ck_assert_uint_eq(harness_collected(h, "out", &pkts), 100);
	for (unsigned i = 0; i < 100; i++)
		ck_assert(frame_checksums_ok(rte_pktmbuf_mtod(pkts[i], const uint8_t *),
					     rte_pktmbuf_data_len(pkts[i])));
	harness_free(h);
}
END_TEST

/* A worker kept away from its walks for 50 ms (preempted) catches up on
 * 10 ms of credit -- 1,000 packets at 100k/s, a burst a walk -- instead of
 * losing all but one burst of it; no more than that and what real time
 * added while the test walked. */
START_TEST(rate_catches_up_after_a_gap)
{
	struct harness *h = gen_load(", \"rate\": 100000");

	harness_walk(h, 40); /* what accrued since the start */
	unsigned before = harness_collected(h, "out", NULL);
	uint64_t t0 = rte_rdtsc();
	nfg_clock_advance_ms(50);
	harness_walk(h, 40);
	double real_ms = (double)(rte_rdtsc() - t0) * 1000.0 / (double)rte_get_tsc_hz();
	unsigned got = harness_collected(h, "out", NULL) - before;
	ck_assert_uint_ge(got, 1000);
	ck_assert_uint_le(got, 1000 + 64 + (unsigned)(100 * real_ms));
	harness_free(h);
}
END_TEST

START_TEST(bad_address_ranges_are_refused)
{
	const char *bad[] = { "198.18.6.102-198.18.6.100", "198.18.6.1-", "host", "1.2.3.4-x" };

	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		char text[1024];
		snprintf(text, sizeof(text),
			 "{\"nodes\": {\"gen\": {\"op\": \"generator\", \"src_ip\": \"%s\"},\n"
			 "  \"out\": {\"op\": \"test_collect\"}}, \"edges\": [\"gen -> out\"]}", bad[i]);
		const char *msg = harness_load_error(text);
		ck_assert_msg(msg && strstr(msg, "nodes.gen.src_ip: expected an IPv4 address or a range"),
			      "%s: %s", bad[i], msg ? msg : "accepted");
	}
}
END_TEST

TEST_SUITE(generator_suite)
static Suite *
generator_suite(void)
{
	Suite *s = suite_create("generator");
	TCase *tc = tcase_create("generator");

	tcase_add_test(tc, addresses_step_after_each_pass_over_the_ports);
	tcase_add_test(tc, one_flow);
	tcase_add_test(tc, rate_catches_up_after_a_gap);
	tcase_add_test(tc, bad_address_ranges_are_refused);
	suite_add_tcase(s, tc);
	return s;
}
