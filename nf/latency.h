/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Latency histograms in nanoseconds, log-linear as in HdrHistogram: values
 * below 256 have a bucket each; above, each power of two is cut into 128
 * equal buckets, so a bucket is never wider than 1/128 (0.78%) of its values.
 * A percentile reads back as its bucket's middle, within 0.4% of the true
 * sample; min and max are kept exactly. Values from 0 to 2^43 ns (2.4 hours)
 * are told apart; larger ones count in the top bucket (max still exact).
 * 37 KB per histogram; adding is a dozen instructions, no branch taken in
 * the common case; percentiles are read once at the end.
 */
#ifndef NFG_NF_LATENCY_H
#define NFG_NF_LATENCY_H

#include <stdint.h>

#define LAT_SUB_BITS 7                       /* 128 buckets per power of two */
#define LAT_SUB (1u << LAT_SUB_BITS)
#define LAT_RANGE_BITS 43                    /* values below 2^43 ns */
#define LAT_HIGHEST ((1ull << LAT_RANGE_BITS) - 1)
#define LAT_BUCKETS ((LAT_RANGE_BITS - LAT_SUB_BITS + 1) << LAT_SUB_BITS)

/* All zeroes is an empty histogram (engines are zero-allocated): that is why
 * the minimum is kept bit-inverted. */
struct latency_hist {
	uint64_t count;
	uint64_t max;
	uint64_t min_inv;                    /* ~min; 0 while empty */
	uint64_t buckets[LAT_BUCKETS];
};

/* The bucket of v: with e = max(msb(v), 7) - 7, bucket e * 128 + (v >> e).
 * For v < 256 that is v itself; each later power of two adds 128. */
static inline unsigned
lat_bucket(uint64_t v)
{
	if (v > LAT_HIGHEST)
		v = LAT_HIGHEST;
	unsigned e = 63u - (unsigned)__builtin_clzll(v | LAT_SUB) - LAT_SUB_BITS;
	return (e << LAT_SUB_BITS) + (unsigned)(v >> e);
}

static inline void
lat_add(struct latency_hist *h, uint64_t v)
{
	h->buckets[lat_bucket(v)]++;
	h->count++;
	h->max = v > h->max ? v : h->max;
	h->min_inv = ~v > h->min_inv ? ~v : h->min_inv;
}

static inline uint64_t
lat_min(const struct latency_hist *h)
{
	return h->count ? ~h->min_inv : 0;
}

static inline uint64_t
lat_max(const struct latency_hist *h)
{
	return h->max;
}

/* The smallest value of bucket i, and one past its largest. */
uint64_t lat_bucket_low(unsigned i);
uint64_t lat_bucket_end(unsigned i);

void lat_merge(struct latency_hist *into, const struct latency_hist *from);

/* The nearest-rank percentile: the smallest sample with at least `pct`
 * percent of the samples at or below it. Read back as the middle of that
 * sample's bucket (exact below 256 ns, else within 0.4%), kept within
 * [min, max]; the lowest rank is the exact min, the highest the exact max.
 * 0 for an empty histogram. */
uint64_t lat_percentile(const struct latency_hist *h, double pct);

#endif
