/* SPDX-License-Identifier: BSD-3-Clause
 *
 * merge: as a pass-through it lets many edges end at one node; with named
 * inputs it queues each input and emits by priority, "burst" per walk.
 * Packets are told apart by their UDP source port.
 */
#include <string.h>

#include "harness.h"

#define UDP_SPORT_OFFSET (14 + 20)

static struct rte_mbuf *
udp_packet(uint16_t sport)
{
	uint8_t buf[128];
	size_t len = build_udp4(buf, "198.18.0.1", "198.19.0.1", sport, 9, 18);

	return harness_pkt(buf, len);
}

static void
inject_ports(struct harness *h, const char *node, uint16_t first, unsigned n)
{
	struct rte_mbuf *pkts[64];

	ck_assert_uint_le(n, RTE_DIM(pkts));
	for (unsigned i = 0; i < n; i++)
		pkts[i] = udp_packet((uint16_t)(first + i));
	harness_inject(h, node, pkts, n);
}

static uint16_t
sport_of(struct rte_mbuf *m)
{
	ck_assert_uint_ge(rte_pktmbuf_data_len(m), UDP_SPORT_OFFSET + 2);
	return rte_be_to_cpu_16(*rte_pktmbuf_mtod_offset(m, uint16_t *, UDP_SPORT_OFFSET));
}

/* The source ports of what `end` collected, from index `from` on, must be
 * exactly `want`. */
static void
assert_collected(struct harness *h, unsigned from, const uint16_t *want, unsigned n)
{
	struct rte_mbuf **pkts;
	unsigned got = harness_collected(h, "end", &pkts);

	ck_assert_uint_eq(got, from + n);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(sport_of(pkts[from + i]) == want[i],
			      "packet %u: source port %u, expected %u", from + i,
			      sport_of(pkts[from + i]), want[i]);
}

START_TEST(pass_through_joins_edges)
{
	struct harness *h = harness_load(
		"{\"nodes\": {\"a\": {\"op\": \"test_inject\"}, \"b\": {\"op\": \"test_inject\"},\n"
		"  \"m\": {\"op\": \"merge\"}, \"end\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"a -> m\", \"b -> m\", \"m -> end\"]}");
	inject_ports(h, "a", 100, 3);
	inject_ports(h, "b", 200, 2);
	harness_walk(h, 2);

	struct rte_mbuf **pkts;
	ck_assert_uint_eq(harness_collected(h, "end", &pkts), 5);
	/* Each edge's packets stay in order; both edges got through. */
	unsigned seen_a = 0, seen_b = 0;
	for (unsigned i = 0; i < 5; i++) {
		uint16_t p = sport_of(pkts[i]);
		if (p < 200)
			ck_assert_uint_eq(p, 100 + seen_a++);
		else
			ck_assert_uint_eq(p, 200 + seen_b++);
	}
	ck_assert_uint_eq(seen_a, 3);
	ck_assert_uint_eq(seen_b, 2);
	/* Untouched bytes. */
	uint8_t buf[128];
	size_t len = build_udp4(buf, "198.18.0.1", "198.19.0.1", 100, 9, 18);
	ck_assert_uint_eq(rte_pktmbuf_data_len(pkts[0]), len);
	harness_free(h);
}
END_TEST

#define PRIORITY_GRAPH(opts)                                                        \
	"{\"nodes\": {\"hi\": {\"op\": \"test_inject\"}, \"lo\": {\"op\": \"test_inject\"},\n" \
	"  \"m\": {\"op\": \"merge\", \"inputs\": [\"hi\", \"lo\"]" opts "},\n"          \
	"  \"end\": {\"op\": \"test_collect\"}},\n"                                      \
	" \"edges\": [\"hi -> m.hi\", \"lo -> m.lo\", \"m -> end\"]}"

START_TEST(priority_emits_high_first)
{
	struct harness *h = harness_load(PRIORITY_GRAPH(", \"burst\": 64"));

	inject_ports(h, "lo", 500, 3);
	inject_ports(h, "hi", 100, 3);
	/* Queued on the walk they arrive, emitted on the next one. */
	harness_walk(h, 1);
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 0);
	harness_walk(h, 1);
	static const uint16_t want[] = { 100, 101, 102, 500, 501, 502 };
	assert_collected(h, 0, want, 6);
	ck_assert_uint_eq(harness_counter(h, "m", "queue_full"), 0);
	harness_free(h);
}
END_TEST

START_TEST(priority_burst_spans_walks)
{
	struct harness *h = harness_load(PRIORITY_GRAPH(", \"burst\": 4"));

	inject_ports(h, "lo", 500, 10);
	inject_ports(h, "hi", 100, 3);
	harness_walk(h, 2);
	static const uint16_t first[] = { 100, 101, 102, 500 };
	assert_collected(h, 0, first, 4);

	/* High priority that arrives later still overtakes the queued low. */
	inject_ports(h, "hi", 110, 2);
	harness_walk(h, 1); /* emits lo 501-504 while hi 110-111 are queued */
	static const uint16_t second[] = { 501, 502, 503, 504 };
	assert_collected(h, 4, second, 4);
	harness_walk(h, 1);
	static const uint16_t third[] = { 110, 111, 505, 506 };
	assert_collected(h, 8, third, 4);
	harness_walk(h, 1);
	static const uint16_t last[] = { 507, 508, 509 };
	assert_collected(h, 12, last, 3);
	harness_walk(h, 3);
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 15);
	harness_free(h);
}
END_TEST

START_TEST(priority_queue_full_drops)
{
	struct harness *h = harness_load(PRIORITY_GRAPH(", \"queue\": 4, \"burst\": 64"));

	inject_ports(h, "hi", 100, 10);
	inject_ports(h, "lo", 500, 2);
	harness_walk(h, 1);
	ck_assert_uint_eq(harness_counter(h, "m", "queue_full"), 6);
	harness_walk(h, 2);
	static const uint16_t want[] = { 100, 101, 102, 103, 500, 501 };
	assert_collected(h, 0, want, 6);
	ck_assert_uint_eq(harness_pool_in_use(), 6); /* the dropped ones were freed */
	harness_free(h);
}
END_TEST

START_TEST(queued_packets_freed_at_teardown)
{
	struct harness *h = harness_load(PRIORITY_GRAPH(", \"burst\": 2"));

	inject_ports(h, "lo", 500, 20);
	harness_walk(h, 2); /* 2 out, 18 still queued */
	ck_assert_uint_eq(harness_collected(h, "end", NULL), 2);
	harness_free(h); /* fails unless fini freed the queued 18 */
}
END_TEST

/* An input nothing is connected to yet is allowed: it stays empty. */
START_TEST(unconnected_input_stays_empty)
{
	struct harness *h = harness_load(
		"{\"nodes\": {\"lo\": {\"op\": \"test_inject\"},\n"
		"  \"m\": {\"op\": \"merge\", \"inputs\": [\"hi\", \"lo\"]},\n"
		"  \"end\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"lo -> m.lo\", \"m -> end\"]}");

	inject_ports(h, "lo", 500, 3);
	harness_walk(h, 2);
	static const uint16_t want[] = { 500, 501, 502 };
	assert_collected(h, 0, want, 3);
	harness_free(h);
}
END_TEST

START_TEST(named_inputs_refuse_plain_edges)
{
	const char *msg = harness_load_error(
		"{\"nodes\": {\"a\": {\"op\": \"test_inject\"},\n"
		"  \"m\": {\"op\": \"merge\", \"inputs\": [\"hi\", \"lo\"]},\n"
		"  \"end\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"a -> m\", \"m -> end\"]}");

	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "edges[0]") && strstr(msg, "named inputs"), "%s", msg);

	msg = harness_load_error(
		"{\"nodes\": {\"a\": {\"op\": \"test_inject\"},\n"
		"  \"m\": {\"op\": \"merge\", \"inputs\": [\"hi\", \"hi\"]},\n"
		"  \"end\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"a -> m.hi\", \"m -> end\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.m") && strstr(msg, "declared twice"), "%s", msg);

	msg = harness_load_error(
		"{\"nodes\": {\"a\": {\"op\": \"test_inject\"},\n"
		"  \"m\": {\"op\": \"merge\", \"inputs\": []},\n"
		"  \"end\": {\"op\": \"test_collect\"}},\n"
		" \"edges\": [\"a -> m\", \"m -> end\"]}");
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, "nodes.m.inputs"), "%s", msg);
}
END_TEST

TEST_SUITE(merge_suite)
static Suite *
merge_suite(void)
{
	Suite *s = suite_create("merge");
	TCase *tc = tcase_create("merge");

	tcase_add_test(tc, pass_through_joins_edges);
	tcase_add_test(tc, priority_emits_high_first);
	tcase_add_test(tc, priority_burst_spans_walks);
	tcase_add_test(tc, priority_queue_full_drops);
	tcase_add_test(tc, queued_packets_freed_at_teardown);
	tcase_add_test(tc, unconnected_input_stays_empty);
	tcase_add_test(tc, named_inputs_refuse_plain_edges);
	suite_add_tcase(s, tc);
	return s;
}
