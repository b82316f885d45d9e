/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Latency histograms with log-linear buckets (as in HdrHistogram): the
 * power of two of a value picks a group and its next three bits pick one of
 * eight buckets in it, so every bucket is within 12.5% of its values, from
 * nanoseconds to minutes, in 4 KB per histogram. Adding is a few
 * instructions; percentiles are read once at the end.
 */
#ifndef NFG_NF_LATENCY_H
#define NFG_NF_LATENCY_H

#include <stdint.h>

#define LAT_SUB_BITS 3
#define LAT_BUCKETS (64 << LAT_SUB_BITS)

struct latency_hist {
	uint64_t count;
	uint64_t buckets[LAT_BUCKETS];
};

static inline unsigned
lat_bucket(uint64_t v)
{
	if (v < (1u << LAT_SUB_BITS))
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned sub = (unsigned)(v >> (msb - LAT_SUB_BITS)) & ((1u << LAT_SUB_BITS) - 1);
	return ((msb - LAT_SUB_BITS + 1) << LAT_SUB_BITS) + sub;
}

static inline void
lat_add(struct latency_hist *h, uint64_t v)
{
	h->buckets[lat_bucket(v)]++;
	h->count++;
}

void lat_merge(struct latency_hist *into, const struct latency_hist *from);
/* The value at or below which `pct` percent of the samples are (a bucket's middle). */
uint64_t lat_percentile(const struct latency_hist *h, double pct);

#endif
