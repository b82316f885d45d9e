/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Which walks are timed: one in NFG_WALK_SAMPLE on average, at random gaps,
 * so a worker whose walks repeat in a cycle is timed in every phase of it
 * alike (with a fixed stride of 64, a cycle of 64 or a divisor of it was
 * timed always in the same phase: a node's cycles came out many times too
 * high or too low).
 */
#include "harness.h"
#include "../../runtime/walk.h"

#define WALKS (NFG_WALK_SAMPLE * 20000u)

START_TEST(timed_walks_one_in_sample_at_random_gaps)
{
	struct nfg_walk w = { .until_timed = 1, .rng = 12345 };
	uint32_t timed = 0, since = 0, gap_min = UINT32_MAX, gap_max = 0;

	for (uint32_t k = 0; k < WALKS; k++) {
		since++;
		if (nfg_walk_timed_now(&w)) {
			timed++;
			if (timed > 1) {
				gap_min = RTE_MIN(gap_min, since);
				gap_max = RTE_MAX(gap_max, since);
			}
			since = 0;
		}
	}
	/* 20,000 expected; the gaps' spread makes a 2% miss very unlikely, and
	 * the seed is fixed. */
	ck_assert_msg(timed > 19600 && timed < 20400, "%u timed walks of %u", timed, WALKS);
	ck_assert_uint_eq(gap_min, 1);
	ck_assert_uint_eq(gap_max, 2 * NFG_WALK_SAMPLE - 1);
}
END_TEST

/* A cycle of walks whose heavy one comes every 8th (or every 64th): timed as
 * often as any other phase of the cycle, within a few percent. */
START_TEST(every_phase_of_a_cycle_timed_alike)
{
	static const uint32_t periods[] = { 2, 8, 64, 128 };

	for (unsigned p = 0; p < RTE_DIM(periods); p++) {
		struct nfg_walk w = { .until_timed = 1, .rng = 777 + p };
		uint32_t per_phase[128] = { 0 }, period = periods[p];
		/* 625 timed per phase of the longest cycle: 20% is 5 deviations. */
		for (uint32_t k = 0; k < 4 * WALKS; k++)
			if (nfg_walk_timed_now(&w))
				per_phase[k % period]++;
		double want = 4.0 * WALKS / NFG_WALK_SAMPLE / period;
		for (uint32_t ph = 0; ph < period; ph++)
			ck_assert_msg(per_phase[ph] > want * 0.8 && per_phase[ph] < want * 1.2,
				      "period %u: phase %u timed %u times, want about %.0f", period,
				      ph, per_phase[ph], want);
	}
}
END_TEST

START_TEST(profile_times_every_walk)
{
	struct nfg_walk w = { .until_timed = 1, .profile = true, .rng = 1 };

	for (uint32_t k = 0; k < 1000; k++)
		ck_assert(nfg_walk_timed_now(&w));
}
END_TEST

static Suite *
walk_suite(void)
{
	Suite *s = suite_create("walk");
	TCase *tc = tcase_create("walk");

	tcase_add_test(tc, timed_walks_one_in_sample_at_random_gaps);
	tcase_add_test(tc, every_phase_of_a_cycle_timed_alike);
	tcase_add_test(tc, profile_times_every_walk);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(walk_suite)
