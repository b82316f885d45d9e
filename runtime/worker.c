/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The worker loop: walk the worker's graph, then give operators with a poll
 * callback their turn (timers, buffered tx, ARP retries). When the run stops,
 * sources stop producing (nfg_stopping()) and the worker walks a little
 * longer so packets in flight reach their end instead of being cut mid-graph.
 */
#include <rte_graph_worker.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "runtime.h"

#define DRAIN_WALKS 256

bool nfg__stopping;

struct poll_entry {
	void (*poll)(struct rte_graph *, struct rte_node *);
	struct rte_node *node;
};

struct worker {
	unsigned index;
	unsigned lcore;
	struct rte_graph *graph;
	struct poll_entry polls[64];
	unsigned nb_polls;
	volatile bool running;
};

static struct worker workers[NFG_MAX_WORKERS];
static unsigned nb_workers;

static inline void
walk_once(struct worker *w)
{
	rte_graph_walk(w->graph);
	for (unsigned i = 0; i < w->nb_polls; i++)
		w->polls[i].poll(w->graph, w->polls[i].node);
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;

	while (!nfg_stopping())
		walk_once(w);
	for (unsigned i = 0; i < DRAIN_WALKS; i++)
		walk_once(w);
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
		w->graph = nfg_worker_graph(i);
		w->nb_polls = 0;
		for (unsigned n = 0; n < g->nb_instances; n++) {
			struct nfg_instance *inst = g->instances[n];
			if (inst->op->poll && w->nb_polls < RTE_DIM(w->polls))
				w->polls[w->nb_polls++] = (struct poll_entry){
					inst->op->poll, inst->node_by_worker[i] };
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
		if (!inst->op->done)
			continue;
		*has_finite = true;
		for (unsigned w = 0; w < g->nb_workers; w++)
			done &= inst->op->done(inst->node_by_worker[w]);
	}
	return *has_finite && done;
}

void
nfg_request_stop(void)
{
	__atomic_store_n(&nfg__stopping, true, __ATOMIC_RELEASE);
}
