/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Latency histograms: the bucket layout (exact below 256, 128 buckets per
 * power of two above, contiguous), percentiles against the exact answer of
 * the sorted samples (nearest rank, within 1%) for random samples from
 * nanoseconds to minutes, exact min and max, merging, and values below a
 * microsecond told apart.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfg/histogram.h"
#include "harness.h"

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* xorshift64*: deterministic, so a failure can be replayed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

/* Log-uniform from 1 ns to `hi` ns. */
static uint64_t
log_uniform(double hi)
{
	double u = (double)(rng() >> 11) / (double)(1ull << 53);
	return (uint64_t)exp(u * log(hi));
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted samples. */
static uint64_t
exact_percentile(const uint64_t *sorted, size_t n, double pct)
{
	double want = (double)n * pct / 100.0;
	size_t rank = (size_t)want;
	if ((double)rank < want - 1e-9)
		rank++;
	if (rank == 0)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static const double pcts[] = { 0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100 };

/* Every percentile of h within 1% of the exact one of `samples` (which it sorts). */
static void
check_percentiles(const struct nfg_hist *h, uint64_t *samples, size_t n, const char *what)
{
	qsort(samples, n, sizeof(*samples), cmp_u64);
	ck_assert_uint_eq(h->count, n);
	ck_assert_uint_eq(nfg_hist_min(h), samples[0]);
	ck_assert_uint_eq(nfg_hist_max(h), samples[n - 1]);
	for (unsigned k = 0; k < sizeof(pcts) / sizeof(pcts[0]); k++) {
		uint64_t want = exact_percentile(samples, n, pcts[k]);
		uint64_t got = nfg_hist_percentile(h, pcts[k]);
		uint64_t diff = got > want ? got - want : want - got;
		/* The bucket's middle: within 1/256 of the sample, so well within 1%. */
		ck_assert_msg(diff * 256 <= want, "%s: p%g is %lu, exactly %lu (%.3f%% off)", what,
			      pcts[k], (unsigned long)got, (unsigned long)want,
			      want ? 100.0 * (double)diff / (double)want : 100.0);
	}
}

START_TEST(buckets_are_exact_small_and_narrow_large)
{
	for (uint64_t v = 0; v < 256; v++) {
		ck_assert_uint_eq(nfg_hist_bucket(v), v);
		ck_assert_uint_eq(nfg_hist_bucket_low((unsigned)v), v);
	}
	/* Each later power of two opens 128 buckets. */
	ck_assert_uint_eq(nfg_hist_bucket(256), 256);
	ck_assert_uint_eq(nfg_hist_bucket(257), 256);
	ck_assert_uint_eq(nfg_hist_bucket(258), 257);
	ck_assert_uint_eq(nfg_hist_bucket(511), 383);
	ck_assert_uint_eq(nfg_hist_bucket(512), 384);
	ck_assert_uint_eq(nfg_hist_bucket(1024), 512);
	/* The top one takes everything from there up. */
	ck_assert_uint_eq(nfg_hist_bucket(NFG_HIST_HIGHEST), NFG_HIST_BUCKETS - 1);
	ck_assert_uint_eq(nfg_hist_bucket(UINT64_MAX), NFG_HIST_BUCKETS - 1);
	ck_assert_uint_eq(nfg_hist_bucket_end(NFG_HIST_BUCKETS - 1), NFG_HIST_HIGHEST + 1);
	/* Contiguous, each bucket its own inverse, none wider than 1/128 of its values. */
	for (unsigned i = 0; i < NFG_HIST_BUCKETS; i++) {
		uint64_t lo = nfg_hist_bucket_low(i), end = nfg_hist_bucket_end(i);
		ck_assert_uint_gt(end, lo);
		if (i + 1 < NFG_HIST_BUCKETS)
			ck_assert_uint_eq(end, nfg_hist_bucket_low(i + 1));
		ck_assert_uint_eq(nfg_hist_bucket(lo), i);
		ck_assert_uint_eq(nfg_hist_bucket(end - 1), i);
		if (lo >= 256)
			ck_assert_uint_le((end - lo) * 128, lo);
	}
	/* Not too big to keep per worker per engine, twice. */
	ck_assert_uint_le(sizeof(struct nfg_hist), 40 * 1024);
}
END_TEST

START_TEST(one_sample_comes_back_exactly)
{
	static struct nfg_hist h;

	for (uint64_t v = 1; v < 3600ull * 1000000000; v = v * 3 + 1) {
		memset(&h, 0, sizeof(h));
		nfg_hist_add(&h, v);
		ck_assert_uint_eq(nfg_hist_percentile(&h, 50), v);
		ck_assert_uint_eq(nfg_hist_min(&h), v);
		ck_assert_uint_eq(nfg_hist_max(&h), v);
	}
}
END_TEST

START_TEST(percentiles_by_nearest_rank)
{
	static struct nfg_hist h;

	memset(&h, 0, sizeof(h));
	ck_assert_uint_eq(nfg_hist_percentile(&h, 50), 0); /* empty */
	ck_assert_uint_eq(nfg_hist_min(&h), 0);
	ck_assert_uint_eq(nfg_hist_max(&h), 0);
	for (uint64_t v = 1; v <= 10; v++)
		nfg_hist_add(&h, v);
	ck_assert_uint_eq(h.count, 10);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 0), 1);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 10), 1);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 10.5), 2);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 50), 5);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 90), 9);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 99), 10);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 100), 10);

	/* 1000 samples: 900 of 3, 90 of 9, 9 of 12, one of 15. */
	memset(&h, 0, sizeof(h));
	for (unsigned i = 0; i < 1000; i++)
		nfg_hist_add(&h, i < 900 ? 3 : i < 990 ? 9 : i < 999 ? 12 : 15);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 50), 3);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 90), 3);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 90.1), 9);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 99), 9);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 99.9), 12);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 99.99), 15);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 100), 15);
}
END_TEST

START_TEST(random_samples_within_one_percent)
{
	enum { N = 200000 };
	static struct nfg_hist h;
	static uint64_t s[N];

	/* Log-uniform from 1 ns to 10 minutes, several seeds and sizes. */
	for (unsigned seed = 1; seed <= 4; seed++) {
		size_t n = seed == 1 ? 7 : seed == 2 ? 1000 : N;
		rng_state = 0x9e3779b97f4a7c15ull * seed;
		memset(&h, 0, sizeof(h));
		for (size_t i = 0; i < n; i++) {
			s[i] = log_uniform(600e9);
			nfg_hist_add(&h, s[i]);
		}
		check_percentiles(&h, s, n, "1 ns..10 min");
	}
	/* What a run looks like: most near 50 us, a tail to 200 ms (retransmits). */
	rng_state = 42;
	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < N; i++) {
		uint64_t r = rng();
		s[i] = r % 100 == 0 ? 200000000 + r % 1000 : 40000 + (r >> 20) % 20000;
		nfg_hist_add(&h, s[i]);
	}
	check_percentiles(&h, s, N, "50 us with a 200 ms tail");
	/* Microsecond multiples (what the engine's clock gives). */
	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < N; i++) {
		s[i] = (rng() % 900 + 1) * 1000;
		nfg_hist_add(&h, s[i]);
	}
	check_percentiles(&h, s, N, "whole microseconds");
}
END_TEST

START_TEST(below_a_microsecond_told_apart)
{
	static const uint64_t ns[] = { 60, 130, 250, 333, 480, 640, 777, 990 };
	static struct nfg_hist h;
	uint64_t prev = 0;

	memset(&h, 0, sizeof(h));
	for (unsigned i = 0; i < 8; i++)
		for (unsigned k = 0; k < 100; k++)
			nfg_hist_add(&h, ns[i]);
	/* Each eighth of the samples reads back as its own value. */
	for (unsigned i = 0; i < 8; i++) {
		uint64_t got = nfg_hist_percentile(&h, 12.5 * (i + 1) - 1);
		ck_assert_msg(got > prev, "p%g: %lu after %lu", 12.5 * (i + 1) - 1,
			      (unsigned long)got, (unsigned long)prev);
		uint64_t diff = got > ns[i] ? got - ns[i] : ns[i] - got;
		ck_assert_msg(diff * 100 <= ns[i], "%lu ns came back as %lu", (unsigned long)ns[i],
			      (unsigned long)got);
		prev = got;
	}
}
END_TEST

START_TEST(beyond_the_range_the_max_is_still_exact)
{
	static struct nfg_hist h;
	uint64_t big = 5 * NFG_HIST_HIGHEST;

	memset(&h, 0, sizeof(h));
	nfg_hist_add(&h, 1000);
	nfg_hist_add(&h, big);
	nfg_hist_add(&h, big + 1);
	ck_assert_uint_eq(nfg_hist_max(&h), big + 1);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 100), big + 1);
	ck_assert_uint_eq(nfg_hist_percentile(&h, 0), 1000);
	ck_assert_uint_eq(h.buckets[NFG_HIST_BUCKETS - 1], 2);
}
END_TEST

START_TEST(merged_equals_one_histogram_of_both)
{
	enum { N = 50000 };
	static struct nfg_hist a, b, m, both, empty;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&m, 0, sizeof(m));
	memset(&both, 0, sizeof(both));
	memset(&empty, 0, sizeof(empty));
	rng_state = 7;
	for (unsigned i = 0; i < N; i++) {
		uint64_t v = log_uniform(1e9); /* up to a second */
		nfg_hist_add(i % 3 ? &a : &b, v);
		nfg_hist_add(&both, v);
	}
	nfg_hist_merge(&m, &empty); /* nothing merged into nothing is still empty */
	ck_assert_uint_eq(nfg_hist_min(&m), 0);
	nfg_hist_merge(&m, &a);
	nfg_hist_merge(&m, &empty);
	nfg_hist_merge(&m, &b);
	ck_assert_int_eq(memcmp(&m, &both, sizeof(m)), 0);
	ck_assert_uint_eq(m.count, N);

	/* Two clean groups: 300 of 5 ns and 100 of 1 ms. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&m, 0, sizeof(m));
	for (unsigned i = 0; i < 100; i++)
		nfg_hist_add(&a, 1000000);
	for (unsigned i = 0; i < 300; i++)
		nfg_hist_add(&b, 5);
	nfg_hist_merge(&m, &a);
	nfg_hist_merge(&m, &b);
	ck_assert_uint_eq(m.count, 400);
	ck_assert_uint_eq(m.buckets[5], 300);
	ck_assert_uint_eq(m.buckets[nfg_hist_bucket(1000000)], 100);
	ck_assert_uint_eq(nfg_hist_min(&m), 5);
	ck_assert_uint_eq(nfg_hist_max(&m), 1000000);
	ck_assert_uint_eq(nfg_hist_percentile(&m, 75), 5);
	uint64_t p = nfg_hist_percentile(&m, 75.25);
	ck_assert_msg(p >= 1000000 - 10000 && p <= 1000000, "p75.25 %lu", (unsigned long)p);
}
END_TEST

static Suite *
latency_suite(void)
{
	Suite *s = suite_create("latency");
	TCase *tc = tcase_create("latency");

	tcase_add_test(tc, buckets_are_exact_small_and_narrow_large);
	tcase_add_test(tc, one_sample_comes_back_exactly);
	tcase_add_test(tc, percentiles_by_nearest_rank);
	tcase_add_test(tc, random_samples_within_one_percent);
	tcase_add_test(tc, below_a_microsecond_told_apart);
	tcase_add_test(tc, beyond_the_range_the_max_is_still_exact);
	tcase_add_test(tc, merged_equals_one_histogram_of_both);
	suite_add_tcase(s, tc);
	return s;
}

TEST_SUITE(latency_suite)
