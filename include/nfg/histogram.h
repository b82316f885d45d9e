/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Histograms an operator keeps per worker, of latencies in nanoseconds (any
 * unsigned value will do), which nfg's observers read while the run goes on
 * (struct nfg_observation in nfg/operator.h): the timeline's percentiles,
 * the metrics endpoint's buckets, nfg top. Log-linear as in HdrHistogram:
 * values below 256 have a bucket each; above, each power of two is cut into
 * 128 equal buckets, so a bucket is never wider than 1/128 (0.78%) of its values.
 * A percentile reads back as its bucket's middle, within 0.4% of the true
 * sample; min and max are kept exactly. Values from 0 to 2^43 ns (2.4 hours)
 * are told apart; larger ones count in the top bucket (max still exact).
 * 37 KB per histogram; adding is a dozen instructions, no branch taken in
 * the common case; percentiles are read once at the end.
 */
#ifndef NFG_HISTOGRAM_H
#define NFG_HISTOGRAM_H

#include <stdint.h>

#define NFG_HIST_SUB_BITS 7                       /* 128 buckets per power of two */
#define NFG_HIST_SUB (1u << NFG_HIST_SUB_BITS)
#define NFG_HIST_RANGE_BITS 43                    /* values below 2^43 ns */
#define NFG_HIST_HIGHEST ((1ull << NFG_HIST_RANGE_BITS) - 1)
#define NFG_HIST_BUCKETS ((NFG_HIST_RANGE_BITS - NFG_HIST_SUB_BITS + 1) << NFG_HIST_SUB_BITS)

/* All zeroes is an empty histogram (engines are zero-allocated): that is why
 * the minimum is kept bit-inverted. */
struct nfg_hist {
	uint64_t count;
	uint64_t max;
	uint64_t min_inv;                    /* ~min; 0 while empty */
	uint64_t buckets[NFG_HIST_BUCKETS];
};

/* The bucket of v: with e = max(msb(v), 7) - 7, bucket e * 128 + (v >> e).
 * For v < 256 that is v itself; each later power of two adds 128. */
static inline unsigned
nfg_hist_bucket(uint64_t v)
{
	if (v > NFG_HIST_HIGHEST)
		v = NFG_HIST_HIGHEST;
	unsigned e = 63u - (unsigned)__builtin_clzll(v | NFG_HIST_SUB) - NFG_HIST_SUB_BITS;
	return (e << NFG_HIST_SUB_BITS) + (unsigned)(v >> e);
}

static inline void
nfg_hist_add(struct nfg_hist *h, uint64_t v)
{
	h->buckets[nfg_hist_bucket(v)]++;
	h->count++;
	h->max = v > h->max ? v : h->max;
	h->min_inv = ~v > h->min_inv ? ~v : h->min_inv;
}

static inline uint64_t
nfg_hist_min(const struct nfg_hist *h)
{
	return h->count ? ~h->min_inv : 0;
}

static inline uint64_t
nfg_hist_max(const struct nfg_hist *h)
{
	return h->max;
}

/* The smallest value of bucket i, and one past its largest. */
uint64_t nfg_hist_bucket_low(unsigned i);
uint64_t nfg_hist_bucket_end(unsigned i);

void nfg_hist_merge(struct nfg_hist *into, const struct nfg_hist *from);

/* The nearest-rank percentile: the smallest sample with at least `pct`
 * percent of the samples at or below it. Read back as the middle of that
 * sample's bucket (exact below 256 ns, else within 0.4%), kept within
 * [min, max]; the lowest rank is the exact min, the highest the exact max.
 * 0 for an empty histogram. */
uint64_t nfg_hist_percentile(const struct nfg_hist *h, double pct);

#endif
