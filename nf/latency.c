/* SPDX-License-Identifier: BSD-3-Clause */
#include "latency.h"

void
lat_merge(struct latency_hist *into, const struct latency_hist *from)
{
	into->count += from->count;
	for (unsigned i = 0; i < LAT_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
}

/* Inverse of lat_bucket: the smallest value of bucket i. */
static uint64_t
bucket_low(unsigned i)
{
	if (i < (1u << LAT_SUB_BITS))
		return i;
	unsigned group = i >> LAT_SUB_BITS, sub = i & ((1u << LAT_SUB_BITS) - 1);
	unsigned msb = group + LAT_SUB_BITS - 1;
	return ((uint64_t)1 << msb) | ((uint64_t)sub << (msb - LAT_SUB_BITS));
}

uint64_t
lat_percentile(const struct latency_hist *h, double pct)
{
	if (h->count == 0)
		return 0;
	/* Nearest rank: the smallest sample with at least pct% of the samples at
	 * or below it (p50 of 1..10 is 5, p99 of 1..100 is 99, p100 the largest). */
	double want = (double)h->count * pct / 100.0;
	uint64_t rank = (uint64_t)want;
	if ((double)rank < want - 1e-9)
		rank++;
	if (rank == 0)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	uint64_t seen = 0;
	for (unsigned i = 0; i < LAT_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t lo = bucket_low(i), hi = i + 1 < LAT_BUCKETS ? bucket_low(i + 1) : lo;
			return lo + (hi - lo) / 2;
		}
	}
	return 0;
}
