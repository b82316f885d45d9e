/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg's walk of a worker's rte_graph: rte_graph_walk() over the same
 * structures, with two differences that matter for cheap nodes.
 *
 *  - Time is measured on a sample of walks. DPDK built with
 *    RTE_LIBRTE_GRAPH_STATS (Debian's is) reads the TSC twice around every
 *    node call; for a node that costs a few cycles per packet that is most
 *    of its time. Here every call counts its packets and itself, and one walk
 *    in NFG_WALK_SAMPLE on average (at random gaps) reads the TSC, its cycles
 *    weighted by NFG_WALK_SAMPLE so the totals estimate the whole run
 *    (--profile: every walk, exact).
 *  - Sources are the worker's own list, so a finite source that is done
 *    leaves the walk instead of being called for nothing on every walk.
 *  - The timed walks also say how busy the worker is: the share of their
 *    cycles spent in walks that moved packets (a walk whose sources found
 *    nothing is idle polling). A timed walk that took far longer than any
 *    walk does was interrupted, and counts once instead of weighted.
 */
#ifndef NFG_RUNTIME_WALK_H
#define NFG_RUNTIME_WALK_H

#include <stdbool.h>

#include <rte_cycles.h>
#include <rte_graph_worker.h>

#define NFG_WALK_SAMPLE 64u /* a power of two */
#define NFG_WALK_MAX_SOURCES 64

struct nfg_walk {
	/* Read on every walk: one cache line with the first sources (the
	 * struct is cache-line aligned). At a couple of cycles a packet, each
	 * further line a walk touches shows in its cost. */
	struct rte_graph *graph;
	unsigned nb_sources;
	/* Walks left until the next timed one. The gaps are random, 1 to
	 * 2 * NFG_WALK_SAMPLE - 1 (NFG_WALK_SAMPLE on average, so the weight
	 * holds): with a fixed stride a pipeline whose walks repeat in a cycle
	 * (a client opening connections every few walks) was timed always in the
	 * same phase of it, and its cost came out 10x too low or too high. */
	uint32_t until_timed;
	struct rte_node *sources[NFG_WALK_MAX_SOURCES];
	/* Read on timed walks only. */
	uint64_t weight;        /* cycles of a timed call count this many times */
	/* What two TSC reads around nothing measure (~20-40 cycles here):
	 * taken off each timed call, or a node that returns at once (an idle
	 * port's poll, a source with nothing due) would show about that much
	 * on every walk, more than it costs. */
	uint64_t clock_cost;
	/* A timed walk longer than this was interrupted (the vCPU or thread was
	 * taken away): it counts once, not `weight` times, so one preemption
	 * does not pass for 64 walks' work (1 ms: no walk of 256 packets, or of a
	 * timer run, takes that long uninterrupted). */
	uint64_t outlier_cycles;
	bool profile;           /* every walk timed */
	uint64_t rng;           /* xorshift state for the gaps */
	/* Timed walks (with the polls after them), weighted: all, and those that
	 * moved packets. Written by the worker, read by the main lcore. */
	uint64_t cycles, busy_cycles;
} __rte_cache_aligned;

/* One call of a node on its stream, counted. No prefetch of the stream: it
 * was just written by the node before (or is about to be, for a source). */
static __rte_always_inline uint16_t
nfg_walk_call(struct rte_graph *graph, struct rte_node *node)
{
	uint16_t rc = node->process(graph, node, node->objs, node->idx);

	node->total_calls++;
	node->total_objs += rc;
	node->idx = 0;
	return rc;
}

/* A timed call: the TSC read that ends it starts the next, so a walk of n
 * nodes reads it n + 1 times, not 2n (a read costs ~30 cycles here, and a
 * walk of a looping port ~330). What the walk does between two calls counts
 * to the second. */
static __rte_always_inline void
nfg_walk_call_timed(struct rte_graph *graph, struct rte_node *node, uint64_t *tsc,
		    uint64_t weight, uint64_t clock_cost)
{
	nfg_walk_call(graph, node);
	uint64_t now = rte_rdtsc(), spent = now - *tsc;
	node->total_cycles += (spent > clock_cost ? spent - clock_cost : 0) * weight;
	*tsc = now;
}

/* One walk: the sources, then every stream they made pending, in the order
 * rte_graph_walk() takes them; each node timed when `timed` (a constant at
 * each call site, so the untimed walk carries no test for it), from *tsc,
 * which is left at the TSC when the last call returned. Returns whether it
 * moved packets. */
static __rte_always_inline bool
nfg_walk(struct nfg_walk *w, const bool timed, uint64_t *tsc)
{
	struct rte_graph *graph = w->graph;
	struct rte_node *const *src = w->sources;
	struct rte_node *const *const end = src + w->nb_sources;

	for (; src < end; src++) {
		if (timed)
			nfg_walk_call_timed(graph, *src, tsc, w->weight, w->clock_cost);
		else
			nfg_walk_call(graph, *src);
	}
	if (graph->tail == 0)
		return false;
	const rte_graph_off_t *cir_start = graph->cir_start;
	const rte_node_t mask = graph->cir_mask;
	uint32_t head = 0;
	do {
		struct rte_node *node = (struct rte_node *)RTE_PTR_ADD(graph, cir_start[head]);
		head = (head + 1) & mask;
		if (timed)
			nfg_walk_call_timed(graph, node, tsc, w->weight, w->clock_cost);
		else
			nfg_walk_call(graph, node);
	} while (head != graph->tail);
	graph->tail = 0;
	return true;
}

/* Whether this walk is the next timed one (and if so, draws the gap to the
 * one after it). */
static __rte_always_inline bool
nfg_walk_timed_now(struct nfg_walk *w)
{
	if (likely(--w->until_timed != 0))
		return false;
	uint64_t x = w->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->rng = x;
	w->until_timed = w->profile ? 1 : 1 + (uint32_t)(x % (2 * NFG_WALK_SAMPLE - 1));
	return true;
}

/* The graph's sources, every walk timed with `profile`, else a sample. */
void nfg_walk_init(struct nfg_walk *w, struct rte_graph *graph, bool profile);
/* A source leaves the walk (it has nothing more to send). */
void nfg_walk_drop_source(struct nfg_walk *w, struct rte_node *node);

#endif
