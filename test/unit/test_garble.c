/* SPDX-License-Identifier: BSD-3-Clause
 *
 * garble: the bytes before "from" are kept, the rest really change, "cut"
 * shortens within [from, length], and "probability" leaves the others alone.
 */
#include <string.h>

#include "harness.h"

#define N 200
#define LEN 300u

static const char *
graph(char *buf, size_t len, const char *params)
{
	snprintf(buf, len,
		 "{\"nodes\": {\"in\": {\"op\": \"test_inject\"},\n"
		 "  \"g\": {\"op\": \"garble\"%s%s}, \"out\": {\"op\": \"test_collect\"}},\n"
		 " \"edges\": [\"in -> g -> out\"]}",
		 params[0] ? ", " : "", params);
	return buf;
}

/* N frames of LEN bytes: a UDP frame padded with zeros to LEN. */
static void
send_frames(struct harness *h, uint8_t *frame)
{
	struct rte_mbuf *pkts[N];

	memset(frame, 0, LEN);
	build_udp4(frame, "198.18.0.1", "198.18.0.2", 1, 2, 100);
	for (unsigned i = 0; i < N; i++)
		pkts[i] = harness_pkt(frame, LEN);
	harness_inject(h, "in", pkts, N);
	harness_walk(h, 2);
}

START_TEST(keeps_the_head_changes_the_rest_and_cuts)
{
	char json[512];
	uint8_t frame[LEN];
	struct harness *h = harness_load(graph(json, sizeof(json),
					       "\"from\": 34, \"cut\": true"));
	struct rte_mbuf **got;
	unsigned shorter = 0, changed_bytes = 0, total_bytes = 0;

	send_frames(h, frame);
	ck_assert_uint_eq(harness_collected(h, "out", &got), N);
	for (unsigned i = 0; i < N; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(got[i], const uint8_t *);
		uint16_t len = rte_pktmbuf_data_len(got[i]);
		ck_assert_uint_ge(len, 34);
		ck_assert_uint_le(len, LEN);
		ck_assert_mem_eq(d, frame, 34);
		shorter += len < LEN;
		for (uint16_t b = 34; b < len; b++)
			changed_bytes += d[b] != frame[b];
		total_bytes += len - 34u;
	}
	/* Random bytes equal the old ones one time in 256. */
	ck_assert_uint_gt(changed_bytes, total_bytes * 9 / 10);
	ck_assert_uint_gt(shorter, N * 9 / 10);
	ck_assert_uint_eq(harness_counter(h, "g", "garbled"), N);
	harness_free(h);
}
END_TEST

START_TEST(probability_leaves_the_others_untouched)
{
	char json[512];
	uint8_t frame[LEN];
	struct harness *h = harness_load(graph(json, sizeof(json), "\"probability\": 0.5"));
	struct rte_mbuf **got;
	unsigned same = 0;

	send_frames(h, frame);
	ck_assert_uint_eq(harness_collected(h, "out", &got), N);
	for (unsigned i = 0; i < N; i++) {
		ck_assert_uint_eq(rte_pktmbuf_data_len(got[i]), LEN);
		same += memcmp(rte_pktmbuf_mtod(got[i], const uint8_t *), frame, LEN) == 0;
	}
	uint64_t untouched = harness_counter(h, "g", "untouched");
	ck_assert_uint_eq(same, untouched);
	ck_assert_uint_eq(harness_counter(h, "g", "garbled") + untouched, N);
	ck_assert_uint_gt(untouched, N / 4);
	ck_assert_uint_lt(untouched, N * 3 / 4);
	harness_free(h);
}
END_TEST

TEST_SUITE(garble_suite)
static Suite *
garble_suite(void)
{
	Suite *s = suite_create("garble");
	TCase *tc = tcase_create("garble");

	tcase_add_test(tc, keeps_the_head_changes_the_rest_and_cuts);
	tcase_add_test(tc, probability_leaves_the_others_untouched);
	suite_add_tcase(s, tc);
	return s;
}
