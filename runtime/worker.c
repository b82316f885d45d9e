/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The worker loop: walk the worker's graph (walk.h), then give operators with
 * a poll callback their turn (timers, buffered tx, ARP retries). Every so
 * often it asks finite sources whether they are done, and a source that is
 * leaves the walk. When the run stops, sources stop producing
 * (nfg_stopping()) and the worker walks a little longer so packets in flight
 * reach their end instead of being cut mid-graph.
 */
#include <rte_graph_worker.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "runtime.h"
#include "walk.h"

#define DRAIN_WALKS 256
#define DONE_CHECK_WALKS 1024 /* how often finite sources are asked */

bool nfg__stopping;

struct poll_entry {
	void (*poll)(struct rte_graph *, struct rte_node *);
	struct rte_node *node;
};

struct finite_source {
	bool (*done)(struct rte_node *);
	struct rte_node *node;
};

struct worker {
	unsigned index;
	unsigned lcore;
	struct nfg_walk walk;
	struct poll_entry polls[64];
	unsigned nb_polls;
	struct finite_source finite[NFG_WALK_MAX_SOURCES];
	unsigned nb_finite;
	volatile bool running;
	uint64_t start_tsc, end_tsc; /* the worker's life, for its busy share */
};

static struct worker workers[NFG_MAX_WORKERS];
static unsigned nb_workers;

static inline void
walk_once(struct worker *w)
{
	bool timed = nfg_walk_timed(&w->walk);
	uint64_t start = timed ? rte_rdtsc() : 0;
	bool moved = nfg_walk(&w->walk, timed);

	for (unsigned i = 0; i < w->nb_polls; i++)
		w->polls[i].poll(w->walk.graph, w->polls[i].node);
	if (timed) {
		uint64_t spent = rte_rdtsc() - start;
		spent *= spent > w->walk.outlier_cycles ? 1 : w->walk.weight;
		w->walk.cycles += spent;
		if (moved)
			w->walk.busy_cycles += spent;
	}
}

/* Finite sources that are done leave the walk. */
static void
drop_done_sources(struct worker *w)
{
	for (unsigned i = 0; i < w->nb_finite;) {
		if (w->finite[i].done(w->finite[i].node)) {
			nfg_walk_drop_source(&w->walk, w->finite[i].node);
			w->finite[i] = w->finite[--w->nb_finite];
		} else {
			i++;
		}
	}
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;

	w->start_tsc = rte_rdtsc();
	while (!nfg_stopping()) {
		for (unsigned i = 0; i < DONE_CHECK_WALKS && !nfg_stopping(); i++)
			walk_once(w);
		if (w->nb_finite)
			drop_done_sources(w);
	}
	for (unsigned i = 0; i < DRAIN_WALKS; i++)
		walk_once(w);
	__atomic_store_n(&w->end_tsc, rte_rdtsc(), __ATOMIC_RELEASE);
	w->running = false;
	return 0;
}

int
nfg_workers_launch(struct nfg_graph *g)
{
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);

	nb_workers = g->nb_workers;
	for (unsigned i = 0; i < nb_workers; i++, lcore = rte_get_next_lcore(lcore, 1, 0)) {
		struct worker *w = &workers[i];
		w->index = i;
		w->lcore = lcore;
		nfg_walk_init(&w->walk, nfg_worker_graph(i), g->profile);
		w->start_tsc = w->end_tsc = 0;
		w->nb_polls = 0;
		w->nb_finite = 0;
		for (unsigned n = 0; n < g->nb_instances; n++) {
			struct nfg_instance *inst = g->instances[n];
			struct rte_node *node = inst->node_by_worker[i];
			if (inst->op->poll && w->nb_polls < RTE_DIM(w->polls))
				w->polls[w->nb_polls++] = (struct poll_entry){ inst->op->poll, node };
			if (inst->op->done && node && w->nb_finite < RTE_DIM(w->finite))
				w->finite[w->nb_finite++] = (struct finite_source){ inst->op->done, node };
		}
	}
	__atomic_store_n(&nfg__stopping, false, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < nb_workers; i++) {
		workers[i].running = true;
		if (rte_eal_remote_launch(worker_main, &workers[i], workers[i].lcore) != 0) {
			nfg_log_err("cannot launch worker %u on lcore %u", i, workers[i].lcore);
			nfg_request_stop();
			return -1;
		}
	}
	return 0;
}

void
nfg_workers_wait(void)
{
	for (unsigned i = 0; i < nb_workers; i++)
		rte_eal_wait_lcore(workers[i].lcore);
}

bool
nfg_sources_done(struct nfg_graph *g, bool *has_finite)
{
	bool done = true;

	*has_finite = false;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		if (!inst->op->done || !inst->ends_run)
			continue;
		*has_finite = true;
		for (unsigned w = 0; w < g->nb_workers; w++)
			done &= inst->op->done(inst->node_by_worker[w]);
	}
	return *has_finite && done;
}

void
nfg_worker_busy(unsigned worker, uint64_t *busy_cycles, uint64_t *cycles)
{
	const struct worker *wk = &workers[worker];
	uint64_t start = __atomic_load_n(&wk->start_tsc, __ATOMIC_ACQUIRE);
	uint64_t end = __atomic_load_n(&wk->end_tsc, __ATOMIC_ACQUIRE);

	/* Plain loads of words the worker writes: at worst a walk behind. The
	 * whole is the worker's life, not the timed walks' sum: timing a short,
	 * idle walk costs about what the walk does, so that sum overstates idle
	 * time; the busy walks are long enough to time well. */
	*busy_cycles = __atomic_load_n(&wk->walk.busy_cycles, __ATOMIC_RELAXED);
	*cycles = start ? (end ? end : rte_rdtsc()) - start : 0;
	if (*busy_cycles > *cycles)
		*busy_cycles = *cycles;
}

uint64_t
nfg_worker_busy_cycles(unsigned worker)
{
	uint64_t busy, all;

	if (worker >= nb_workers)
		return 0;
	nfg_worker_busy(worker, &busy, &all);
	return busy;
}

void
nfg_request_stop(void)
{
	__atomic_store_n(&nfg__stopping, true, __ATOMIC_RELEASE);
}

void
nfg_walk_init(struct nfg_walk *w, struct rte_graph *graph, bool profile)
{
	memset(w, 0, sizeof(*w));
	w->graph = graph;
	w->sample_mask = profile ? 0 : NFG_WALK_SAMPLE - 1;
	w->weight = profile ? 1 : NFG_WALK_SAMPLE;
	w->outlier_cycles = rte_get_tsc_hz() / 1000;
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
