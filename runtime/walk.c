/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The walk's setup (its sources, its clock's cost) and what its timed walks
 * say about the whole run (walk.h: costs per unit from the sample, counts
 * exact).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_graph.h>
#include <rte_random.h>

#include "walk.h"

void
nfg_walk_init(struct nfg_walk *w, struct rte_graph *graph, bool profile)
{
	struct rte_node *node;
	rte_graph_off_t off;
	rte_node_t count, top = 0;

	free(w->samples);
	memset(w, 0, sizeof(*w));
	w->graph = graph;
	w->profile = profile;
	w->until_timed = 1; /* the first walk is timed */
	w->rng = rte_rand() | 1;
	w->outlier_cycles = rte_get_tsc_hz() / 1000;
	w->clock_cost = UINT64_MAX;
	for (unsigned i = 0; i < 64; i++) { /* the least: an interrupted pair reads more */
		uint64_t start = rte_rdtsc();
		w->clock_cost = RTE_MIN(w->clock_cost, rte_rdtsc() - start);
	}
	rte_graph_foreach_node(count, off, graph, node)
		top = RTE_MAX(top, (rte_node_t)(node->id + 1));
	w->samples = calloc(top, sizeof(*w->samples));
	w->nb_samples = w->samples ? top : 0; /* without, no node is timed */
	/* rte_graph keeps the sources just before cir_start, graph->head of them
	 * (a negative offset). */
	for (int32_t i = (int32_t)graph->head; i < 0 && w->nb_sources < NFG_WALK_MAX_SOURCES; i++)
		w->sources[w->nb_sources++] =
			(struct rte_node *)RTE_PTR_ADD(graph, graph->cir_start[i]);
}

void
nfg_walk_drop_source(struct nfg_walk *w, struct rte_node *node)
{
	for (unsigned i = 0; i < w->nb_sources; i++)
		if (w->sources[i] == node) {
			memmove(&w->sources[i], &w->sources[i + 1],
				(w->nb_sources - i - 1) * sizeof(w->sources[0]));
			w->nb_sources--;
			return;
		}
}

uint64_t
nfg_walk_node_cycles(const struct nfg_walk_sample *s, uint64_t calls, uint64_t objs)
{
	double cycles = 0, busy_calls = 0;

	if (s->objs) {
		cycles += (double)s->busy_cycles * (double)objs / (double)s->objs;
		busy_calls = RTE_MIN((double)calls,
				     (double)objs * (double)s->busy_calls / (double)s->objs);
	}
	uint64_t timed_idle = s->calls - s->busy_calls;
	if (timed_idle)
		cycles += (double)s->idle_cycles * ((double)calls - busy_calls) / (double)timed_idle;
	return (uint64_t)cycles;
}

uint64_t
nfg_walk_busy_cycles(uint64_t busy_units, uint64_t timed_busy_units, uint64_t timed_busy_cycles)
{
	if (!timed_busy_units)
		return 0;
	return (uint64_t)((double)timed_busy_cycles * (double)busy_units / (double)timed_busy_units);
}
