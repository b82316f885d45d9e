/* SPDX-License-Identifier: BSD-3-Clause */
#include "nfg/histogram.h"

/* Inverse of nfg_hist_bucket: bucket i = e * 128 + j holds [j << e, (j + 1) << e),
 * where j runs over 0..255 for e = 0 and 128..255 after. */
uint64_t
nfg_hist_bucket_low(unsigned i)
{
	unsigned e = i < 2 * NFG_HIST_SUB ? 0 : (i >> NFG_HIST_SUB_BITS) - 1;
	return (uint64_t)(i - (e << NFG_HIST_SUB_BITS)) << e;
}

uint64_t
nfg_hist_bucket_end(unsigned i)
{
	unsigned e = i < 2 * NFG_HIST_SUB ? 0 : (i >> NFG_HIST_SUB_BITS) - 1;
	return nfg_hist_bucket_low(i) + ((uint64_t)1 << e);
}

void
nfg_hist_merge(struct nfg_hist *into, const struct nfg_hist *from)
{
	if (from->count == 0)
		return;
	into->count += from->count;
	into->max = from->max > into->max ? from->max : into->max;
	into->min_inv = from->min_inv > into->min_inv ? from->min_inv : into->min_inv;
	for (unsigned i = 0; i < NFG_HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
}

uint64_t
nfg_hist_percentile(const struct nfg_hist *h, double pct)
{
	if (h->count == 0)
		return 0;
	/* Nearest rank: p50 of 1..10 is 5, p99 of 1..100 is 99, p100 the largest. */
	double want = (double)h->count * pct / 100.0;
	uint64_t rank = (uint64_t)want;
	if ((double)rank < want - 1e-9)
		rank++;
	if (rank <= 1)
		return nfg_hist_min(h);
	if (rank >= h->count)
		return h->max;
	uint64_t seen = 0;
	for (unsigned i = 0; i < NFG_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t lo = nfg_hist_bucket_low(i), end = nfg_hist_bucket_end(i);
			uint64_t mid = lo + (end - lo) / 2;
			uint64_t min = nfg_hist_min(h);
			return mid < min ? min : mid > h->max ? h->max : mid;
		}
	}
	return h->max;
}
