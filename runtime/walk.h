/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg's walk of a worker's rte_graph: rte_graph_walk() over the same
 * structures, with two differences that matter for cheap nodes.
 *
 *  - Time is measured on a sample of walks. DPDK built with
 *    RTE_LIBRTE_GRAPH_STATS (Debian's is) reads the TSC twice around every
 *    node call; for a node that costs a few cycles per packet that is most
 *    of its time. Here every call counts its packets and itself, and one walk
 *    in NFG_WALK_SAMPLE on average (at random gaps) reads the TSC
 *    (--profile: every walk, exact).
 *  - Sources are the worker's own list, so a finite source that is done
 *    leaves the walk instead of being called for nothing on every walk.
 *
 * The timed walks give costs per unit, and the exact counts say how many
 * units there were: a node's cycles are its timed cycles per object times
 * all its objects, plus its timed cycles per empty call times its empty
 * calls; a worker's busy cycles (spent in walks that moved packets; a walk
 * whose sources found nothing is idle polling) are the timed busy walks'
 * cycles per packet taken in times all packets taken in. Not the timed
 * cycles times NFG_WALK_SAMPLE: a timed walk polls its sources a little
 * later than an untimed one would (the TSC reads before them), so on a
 * mostly idle worker whose packets come in bursts it finds one more often
 * (1.7x on nfproxy's benchmark), and scaled by the sample rate its busy
 * cycles came out that much too high. A timed call that took far longer than
 * any call does was interrupted (the vCPU or thread was taken away) and
 * tells nothing: it is left out.
 */
#ifndef NFG_RUNTIME_WALK_H
#define NFG_RUNTIME_WALK_H

#include <stdbool.h>

#include <rte_cycles.h>
#include <rte_graph_worker.h>

#define NFG_WALK_SAMPLE 64u /* a power of two */
#define NFG_WALK_MAX_SOURCES 64

/* What the timed calls of one node measured. */
struct nfg_walk_sample {
	uint64_t calls, objs; /* timed calls and the objects they handled */
	uint64_t busy_calls;  /* of those calls, the ones with objects */
	uint64_t busy_cycles, idle_cycles; /* in calls with objects, in empty ones */
};

struct nfg_walk {
	/* Read on every walk: one cache line with the first sources (the
	 * struct is cache-line aligned). At a couple of cycles a packet, each
	 * further line a walk touches shows in its cost. */
	struct rte_graph *graph;
	unsigned nb_sources;
	/* Walks left until the next timed one. The gaps are random, 1 to
	 * 2 * NFG_WALK_SAMPLE - 1 (NFG_WALK_SAMPLE on average): with a fixed
	 * stride a pipeline whose walks repeat in a cycle (a client opening
	 * connections every few walks) was timed always in the same phase of
	 * it, and its cost came out 10x too low or too high. */
	uint32_t until_timed;
	/* Walks that moved packets, each counting the packets its sources took
	 * in (at least 1): exact, every walk. Written by the worker, read by
	 * the main lcore. */
	uint64_t busy_units;
	struct rte_node *sources[NFG_WALK_MAX_SOURCES];
	/* Read on timed walks only. */
	/* What two TSC reads around nothing measure (~20-40 cycles here):
	 * taken off each timed call, or a node that returns at once (an idle
	 * port's poll, a source with nothing due) would show about that much
	 * on every walk, more than it costs. */
	uint64_t clock_cost;
	/* A timed call or walk longer than this was interrupted (1 ms: no walk
	 * of 256 packets, or of a timer run, takes that long uninterrupted). */
	uint64_t outlier_cycles;
	bool profile;           /* every walk timed */
	uint64_t rng;           /* xorshift state for the gaps */
	unsigned timed_calls;   /* calls in the current timed walk */
	/* The timed busy walks: their units and cycles (TSC reads taken off). */
	uint64_t timed_busy_units, timed_busy_cycles;
	/* Per node id, below nb_samples: what its timed calls measured. */
	struct nfg_walk_sample *samples;
	unsigned nb_samples;
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
static __rte_always_inline uint16_t
nfg_walk_call_timed(struct nfg_walk *w, struct rte_graph *graph, struct rte_node *node,
		    uint64_t *tsc)
{
	uint16_t rc = nfg_walk_call(graph, node);
	uint64_t now = rte_rdtsc(), spent = now - *tsc;

	*tsc = now;
	w->timed_calls++;
	if (spent < w->outlier_cycles && node->id < w->nb_samples) {
		struct nfg_walk_sample *s = &w->samples[node->id];
		spent = spent > w->clock_cost ? spent - w->clock_cost : 0;
		s->calls++;
		s->objs += rc;
		if (rc) {
			s->busy_calls++;
			s->busy_cycles += spent;
		} else {
			s->idle_cycles += spent;
		}
	}
	return rc;
}

/* One walk: the sources, then every stream they made pending, in the order
 * rte_graph_walk() takes them; each node timed when `timed` (a constant at
 * each call site, so the untimed walk carries no test for it), from *tsc,
 * which is left at the TSC when the last call returned. Returns 0 when the
 * walk moved no packets, else the packets its sources took in (at least 1:
 * a source may send without taking any, a timer's retransmission). */
static __rte_always_inline uint32_t
nfg_walk(struct nfg_walk *w, const bool timed, uint64_t *tsc)
{
	struct rte_graph *graph = w->graph;
	struct rte_node *const *src = w->sources;
	struct rte_node *const *const end = src + w->nb_sources;
	uint32_t in = 0;

	for (; src < end; src++) {
		if (timed)
			in += nfg_walk_call_timed(w, graph, *src, tsc);
		else
			in += nfg_walk_call(graph, *src);
	}
	if (graph->tail == 0)
		return 0;
	const rte_graph_off_t *cir_start = graph->cir_start;
	const rte_node_t mask = graph->cir_mask;
	uint32_t head = 0;
	do {
		struct rte_node *node = (struct rte_node *)RTE_PTR_ADD(graph, cir_start[head]);
		head = (head + 1) & mask;
		if (timed)
			nfg_walk_call_timed(w, graph, node, tsc);
		else
			nfg_walk_call(graph, node);
	} while (head != graph->tail);
	graph->tail = 0;
	return in ? in : 1;
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

/* A node's cycles over all its `calls` and `objs` (exact counts), from what
 * its timed calls measured: per object in calls with objects, per call in
 * empty ones (how many of its calls were empty, estimated from the timed
 * calls' objects per call). With every walk timed (--profile), the sum. */
uint64_t nfg_walk_node_cycles(const struct nfg_walk_sample *s, uint64_t calls, uint64_t objs);
/* A worker's cycles in walks that moved packets, from its walk's counts. */
uint64_t nfg_walk_busy_cycles(uint64_t busy_units, uint64_t timed_busy_units,
			      uint64_t timed_busy_cycles);

/* The graph's sources, every walk timed with `profile`, else a sample; the
 * samples of the last run's walk are freed. */
void nfg_walk_init(struct nfg_walk *w, struct rte_graph *graph, bool profile);
/* A source leaves the walk (it has nothing more to send). */
void nfg_walk_drop_source(struct nfg_walk *w, struct rte_node *node);

#endif
