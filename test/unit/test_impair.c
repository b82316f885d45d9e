/* SPDX-License-Identifier: BSD-3-Clause
 *
 * impair's delay: packets wait delay_ms (plus jitter) and then leave, in
 * order unless jitter_reorder; a full queue drops and counts; what still
 * waits at teardown goes back to the pool (harness_free checks it). The
 * test plays time forward (nfg_clock_advance_ms), so nothing here
 * waits for, or depends on, the real clock: the delays are seconds, far
 * longer than the test runs.
 */
#include <stdio.h>

#include <rte_cycles.h>

#include "../../runtime/runtime.h"
#include "harness.h"

#define IMPAIR_GRAPH_FMT                                                                  \
	"{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"                                   \
	"  \"link\": {\"op\": \"impair\"%s},\n"                                                \
	"  \"out\": {\"op\": \"test_collect\"}},\n"                                           \
	" \"edges\": [\"in -> link -> out\"]}"

static struct harness *
impair_load(const char *params)
{
	char text[1024];

	snprintf(text, sizeof(text), IMPAIR_GRAPH_FMT, params);
	return harness_load(text);
}

/* n UDP packets numbered by their source port, first..first+n-1. */
static void
send_numbered(struct harness *h, unsigned first, unsigned n)
{
	struct rte_mbuf *pkts[256];
	uint8_t f[128];

	ck_assert_uint_le(n, 256);
	for (unsigned i = 0; i < n; i++)
		pkts[i] = harness_pkt(f, build_udp4(f, "198.18.0.1", "198.18.0.2",
						   (uint16_t)(first + i), 9, 4));
	harness_inject(h, "in", pkts, n);
	harness_walk(h, 2);
}

static unsigned
number_of(struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	return (unsigned)d[34] << 8 | d[35]; /* the UDP source port */
}

START_TEST(delay_holds_packets_until_due)
{
	struct harness *h = impair_load(", \"delay_ms\": 10000");

	send_numbered(h, 1, 5);
	ck_assert_uint_eq(harness_collected(h, "out", NULL), 0);
	ck_assert_uint_eq(harness_counter(h, "link", "delayed"), 5);
	nfg_clock_advance_ms(9900);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "out", NULL), 0);
	/* More come while the first wait; they leave later, behind them. */
	send_numbered(h, 6, 3);
	nfg_clock_advance_ms(200);
	harness_walk(h, 2);
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "out", &pkts), 5);
	for (unsigned i = 0; i < 5; i++)
		ck_assert_uint_eq(number_of(pkts[i]), i + 1);
	nfg_clock_advance_ms(10000);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "out", &pkts), 8);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(number_of(pkts[i]), i + 1);
	harness_free(h);
}
END_TEST

START_TEST(jitter_keeps_order_unless_told)
{
	struct harness *h = impair_load(", \"delay_ms\": 1000, \"jitter_ms\": 5000");
	struct rte_mbuf **pkts;

	send_numbered(h, 1, 200);
	nfg_clock_advance_ms(999);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "out", NULL), 0); /* the delay is a floor */
	nfg_clock_advance_ms(6002);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "out", &pkts), 200);
	for (unsigned i = 0; i < 200; i++)
		ck_assert_uint_eq(number_of(pkts[i]), i + 1);
	harness_free(h);

	/* With jitter_reorder, each draw stands alone: 200 uniform draws in
	 * increasing order would happen once in 200! runs. */
	h = impair_load(", \"delay_ms\": 1000, \"jitter_ms\": 5000, \"jitter_reorder\": true");
	send_numbered(h, 1, 200);
	nfg_clock_advance_ms(999);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "out", NULL), 0);
	nfg_clock_advance_ms(6002);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "out", &pkts), 200);
	bool seen[201] = { false }, in_order = true;
	for (unsigned i = 0; i < 200; i++) {
		unsigned n = number_of(pkts[i]);
		ck_assert(n >= 1 && n <= 200 && !seen[n]);
		seen[n] = true;
		in_order &= n == i + 1;
	}
	ck_assert(!in_order);
	harness_free(h);
}
END_TEST

START_TEST(full_queue_drops_and_counts)
{
	struct harness *h = impair_load(", \"delay_ms\": 10000, \"delay_queue\": 8");

	send_numbered(h, 1, 20);
	ck_assert_uint_eq(harness_counter(h, "link", "delayed"), 8);
	ck_assert_uint_eq(harness_counter(h, "link", "hold_queue_full"), 12);
	nfg_clock_advance_ms(10001);
	harness_walk(h, 2);
	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "out", &pkts), 8);
	for (unsigned i = 0; i < 8; i++)
		ck_assert_uint_eq(number_of(pkts[i]), i + 1);
	/* room again */
	send_numbered(h, 30, 4);
	ck_assert_uint_eq(harness_counter(h, "link", "delayed"), 12);
	harness_free(h); /* the 4 still waiting go back to the pool */
}
END_TEST

/* A held-back packet waits delay + hold_us; the others only the delay. */
START_TEST(reorder_hold_adds_to_delay)
{
	struct harness *h = impair_load(", \"delay_ms\": 1000, \"reorder\": 1, \"hold_us\": 2000000");

	send_numbered(h, 1, 3);
	ck_assert_uint_eq(harness_counter(h, "link", "reordered"), 3);
	nfg_clock_advance_ms(2500);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "out", NULL), 0);
	nfg_clock_advance_ms(600);
	harness_walk(h, 2);
	ck_assert_uint_eq(harness_collected(h, "out", NULL), 3);
	harness_free(h);
}
END_TEST

START_TEST(no_delay_passes_straight_through)
{
	struct harness *h = impair_load("");

	send_numbered(h, 1, 10);
	ck_assert_uint_eq(harness_collected(h, "out", NULL), 10);
	ck_assert_uint_eq(harness_counter(h, "link", "delayed"), 0);
	harness_free(h);
}
END_TEST

TEST_SUITE(impair_suite)
static Suite *
impair_suite(void)
{
	Suite *s = suite_create("impair");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, delay_holds_packets_until_due);
	tcase_add_test(tc, jitter_keeps_order_unless_told);
	tcase_add_test(tc, full_queue_drops_and_counts);
	tcase_add_test(tc, reorder_hold_adds_to_delay);
	tcase_add_test(tc, no_delay_passes_straight_through);
	suite_add_tcase(s, tc);
	return s;
}
