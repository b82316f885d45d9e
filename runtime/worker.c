/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The worker loop: walk the worker's graph (walk.h), then give operators with
 * a poll callback their turn (timers, buffered tx, ARP retries): after every
 * walk, or, for operators that poll only when asked (NFG_OP_POLL_WHEN_ASKED),
 * after the walks in which they asked, so a graph whose polls have nothing
 * to do pays nothing for them. Every so often it asks finite sources whether
 * they are done, and a source that is leaves the walk. When the run stops,
 * the sources that bring packets in leave the walk and the worker walks a
 * little longer, so packets in flight reach their end instead of being cut
 * mid-graph; longer still while an operator has more to send before it is
 * done (nfg_drain_request: a TCP operator resetting its open connections a
 * batch a walk), up to DRAIN_MAX_MS.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include <rte_graph_worker.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_per_lcore.h>

#include "runtime.h"
#include "walk.h"

#define DRAIN_WALKS 256
/* However much is asked for, the stop ends after this: a million resets take
 * ~4,000 walks, a fraction of it. */
#define DRAIN_MAX_MS 2000
#define DONE_CHECK_WALKS 1024 /* how often finite sources are asked */
#define MAX_ASKED_POLLS 64    /* one bit each in a word */
#define NOT_ASKED 0xff

/* What the main lcore asks of the workers, read once a walk: nothing, to
 * stop, or to pause (a worker that sees PAUSE says so in its `paused` and
 * waits; see nfg_workers_pause). One word, so a walk pays one load for both. */
enum { CONTROL_STOP = 1, CONTROL_PAUSE = 2 };
static unsigned control;

struct poll_entry {
	void (*poll)(struct rte_graph *, struct rte_node *);
	struct rte_node *node;
};

struct finite_source {
	bool (*done)(struct rte_node *);
	struct rte_node *node;
};

struct worker {
	struct nfg_walk walk;                 /* first: its hot line is the struct's */
	unsigned nb_polls;                    /* read on every walk */
	unsigned index;
	unsigned lcore;
	struct poll_entry polls[64];          /* after every walk */
	struct poll_entry asked[MAX_ASKED_POLLS]; /* after a walk in which they asked */
	unsigned nb_asked;
	struct finite_source finite[NFG_WALK_MAX_SOURCES];
	unsigned nb_finite;
	struct rte_node *inlets[NFG_WALK_MAX_SOURCES]; /* leave the walk at stop */
	unsigned nb_inlets;
	volatile bool running;
	bool paused;                 /* waiting in pause_here() */
	bool stepped;                /* driven by nfg_worker_step, first step done */
	uint64_t start_tsc, end_tsc; /* the worker's life, for its busy share */
	/* The readers' running estimates (nfg_worker_busy, nfg_worker_node_cycles),
	 * and the counts they have costed so far; under estimate_lock. */
	uint64_t busy_units_seen;
	double busy_estimate;
	struct node_estimate {
		uint64_t calls, objs;
		double cycles;
	} *node_estimates; /* by node id, walk.nb_samples of them */
};

/* Readers come from the main lcore, the telemetry and metrics threads. */
static pthread_mutex_t estimate_lock = PTHREAD_MUTEX_INITIALIZER;

/* The polls asked for on this lcore since its last walk, a bit per entry of
 * its worker's `asked`; every worker's graph has the same nodes, so a node's
 * bit is the same on each. */
static RTE_DEFINE_PER_LCORE(uint64_t, polls_asked);
/* An operator asked for another drain walk during this one. */
static RTE_DEFINE_PER_LCORE(bool, drain_asked);
/* A port's tx on this lcore kept frames back (its queue was full) during
 * this walk, and during the last one (what nfg_tx_backlogged says). */
static RTE_DEFINE_PER_LCORE(bool, tx_backlog);
static RTE_DEFINE_PER_LCORE(bool, tx_backlog_last);

static __rte_always_inline unsigned
control_now(void)
{
	return __atomic_load_n(&control, __ATOMIC_RELAXED);
}

static __rte_always_inline bool
stopping_now(void)
{
	return control_now() & CONTROL_STOP;
}
static uint8_t asked_bit_of_node[NFG_MAX_NODE_IDS];

static struct worker workers[NFG_MAX_WORKERS];
static unsigned nb_workers;

static inline void
run_asked_polls(struct worker *w)
{
	uint64_t asked = RTE_PER_LCORE(polls_asked);

	/* Cleared first: a poll that leaves work behind asks again. */
	RTE_PER_LCORE(polls_asked) = 0;
	do {
		struct poll_entry *p = &w->asked[__builtin_ctzll(asked)];
		p->poll(w->walk.graph, p->node);
		asked &= asked - 1;
	} while (asked);
}

/* Every poll that polls when asked gets one turn to begin with. */
static void
ask_every_poll(const struct worker *w)
{
	RTE_PER_LCORE(polls_asked) =
		w->nb_asked == 64 ? UINT64_MAX : (UINT64_C(1) << w->nb_asked) - 1;
}

static __rte_always_inline void
run_polls(struct worker *w)
{
	for (unsigned i = 0; i < w->nb_polls; i++)
		w->polls[i].poll(w->walk.graph, w->polls[i].node);
	if (unlikely(RTE_PER_LCORE(polls_asked) != 0))
		run_asked_polls(w);
}

/* A timed walk (one in NFG_WALK_SAMPLE, or all with --profile): out of line,
 * so the common walk below keeps its registers to itself. Its TSC reads
 * (one per call and one more) are not the walk's work. */
static __rte_noinline void
walk_timed(struct worker *w)
{
	uint64_t start = rte_rdtsc(), tsc = start;

	w->walk.timed_calls = 0;
	uint32_t units = nfg_walk(&w->walk, true, &tsc);
	run_polls(w);
	uint64_t spent = rte_rdtsc() - start, clocks = (w->walk.timed_calls + 1) * w->walk.clock_cost;
	if (!units)
		return;
	w->walk.busy_units += units;
	if (spent < w->walk.outlier_cycles) {
		w->walk.timed_busy_units += units;
		w->walk.timed_busy_cycles += spent > clocks ? spent - clocks : 0;
	}
}

/* Inlined into the loop: at a few cycles a packet, a call and its register
 * saves per walk show. The walk's clock is read afresh by its first user;
 * between walks the worker calls only finite sources' done(), which read no
 * clock, so it stays as the walk left it until the loop ends
 * (nfg_clock_walk_end). */
static __rte_always_inline void
walk_once(struct worker *w)
{
	nfg_clock_walk_begin();
	if (unlikely(nfg_walk_timed_now(&w->walk))) {
		walk_timed(w);
	} else {
		w->walk.busy_units += nfg_walk(&w->walk, false, NULL);
		run_polls(w);
	}
}

void
nfg_node_poll_request(const struct rte_node *node)
{
	unsigned bit = node->id < NFG_MAX_NODE_IDS ? asked_bit_of_node[node->id] : NOT_ASKED;

	if (bit != NOT_ASKED)
		RTE_PER_LCORE(polls_asked) |= UINT64_C(1) << bit;
}

bool
nfg_stopping(void)
{
	return stopping_now();
}

void
nfg_drain_request(void)
{
	RTE_PER_LCORE(drain_asked) = true;
}

void
nfg_tx_backlog(void)
{
	RTE_PER_LCORE(tx_backlog) = true;
	RTE_PER_LCORE(drain_asked) = true;
}

bool
nfg_tx_backlogged(void)
{
	return RTE_PER_LCORE(tx_backlog_last);
}

/* The walks after the stop: DRAIN_WALKS, then on while the last one was asked
 * for more or its polls left packets in a stream (a timer's retransmission,
 * the last resets: the next walk takes them to their end), up to
 * DRAIN_MAX_MS. */
static void
drain(struct worker *w)
{
	uint64_t deadline = rte_rdtsc() + rte_get_tsc_hz() / 1000 * DRAIN_MAX_MS;

	for (unsigned i = 0;; i++) {
		RTE_PER_LCORE(drain_asked) = false;
		RTE_PER_LCORE(tx_backlog_last) = RTE_PER_LCORE(tx_backlog);
		RTE_PER_LCORE(tx_backlog) = false;
		walk_once(w);
		bool more = RTE_PER_LCORE(drain_asked) || w->walk.graph->tail != 0;
		if (i + 1 >= DRAIN_WALKS && (!more || rte_rdtsc() > deadline))
			break;
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

/* Between two walks, while the main lcore holds CONTROL_PAUSE. Yielding,
 * not spinning: the main lcore may share this CPU (a process given one CPU
 * for both), and it is the one that ends the pause. */
static void
pause_here(struct worker *w)
{
	__atomic_store_n(&w->paused, true, __ATOMIC_RELEASE);
	while ((control_now() & (CONTROL_PAUSE | CONTROL_STOP)) == CONTROL_PAUSE)
		sched_yield();
	__atomic_store_n(&w->paused, false, __ATOMIC_RELEASE);
}

static int
worker_main(void *arg)
{
	struct worker *w = arg;

	w->start_tsc = rte_rdtsc();
	ask_every_poll(w);
	for (;;) {
		for (unsigned i = 0; i < DONE_CHECK_WALKS && !control_now(); i++)
			walk_once(w);
		if (stopping_now())
			break;
		if (control_now() & CONTROL_PAUSE)
			pause_here(w);
		if (w->nb_finite)
			drop_done_sources(w);
	}
	/* No new packets from now on: only what is inside drains. */
	for (unsigned i = 0; i < w->nb_inlets; i++)
		nfg_walk_drop_source(&w->walk, w->inlets[i]);
	drain(w);
	nfg_clock_walk_end();
	__atomic_store_n(&w->end_tsc, rte_rdtsc(), __ATOMIC_RELEASE);
	w->running = false;
	return 0;
}

/* A poll that runs when asked gets the next bit (the same on every worker:
 * instances come in the same order); beyond 64 it runs after every walk. */
static void
add_poll(struct worker *w, const struct nfg_op *op, struct rte_node *node)
{
	struct poll_entry entry = { op->poll, node };

	if ((op->flags & NFG_OP_POLL_WHEN_ASKED) && w->nb_asked < MAX_ASKED_POLLS &&
	    node->id < NFG_MAX_NODE_IDS) {
		asked_bit_of_node[node->id] = (uint8_t)w->nb_asked;
		w->asked[w->nb_asked++] = entry;
	} else if (w->nb_polls < RTE_DIM(w->polls)) {
		if (node->id < NFG_MAX_NODE_IDS)
			asked_bit_of_node[node->id] = NOT_ASKED;
		w->polls[w->nb_polls++] = entry;
	}
}

/* Workers take the worker lcores in order (nfg_workers_prepare). */
int
nfg_worker_socket(unsigned worker)
{
	/* Without hugepages EAL keeps all memory on one socket: asking for the
	 * worker's own would fail on a two-socket host. */
	if (!rte_eal_has_hugepages())
		return SOCKET_ID_ANY;
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);

	for (unsigned i = 0; i < worker && lcore < RTE_MAX_LCORE; i++)
		lcore = rte_get_next_lcore(lcore, 1, 0);
	if (lcore >= RTE_MAX_LCORE)
		return SOCKET_ID_ANY;
	unsigned socket = rte_lcore_to_socket_id(lcore);
	return socket == (unsigned)SOCKET_ID_ANY ? SOCKET_ID_ANY : (int)socket;
}

void
nfg_workers_prepare(struct nfg_graph *g)
{
	unsigned lcore = rte_get_next_lcore(-1, 1, 0);

	nb_workers = g->nb_workers;
	memset(asked_bit_of_node, NOT_ASKED, sizeof(asked_bit_of_node));
	for (unsigned i = 0; i < nb_workers; i++, lcore = rte_get_next_lcore(lcore, 1, 0)) {
		struct worker *w = &workers[i];
		w->index = i;
		w->lcore = lcore;
		w->stepped = false;
		nfg_walk_init(&w->walk, nfg_worker_graph(i), g->profile);
		pthread_mutex_lock(&estimate_lock);
		free(w->node_estimates);
		w->node_estimates = calloc(w->walk.nb_samples, sizeof(*w->node_estimates));
		w->busy_units_seen = 0;
		w->busy_estimate = 0;
		pthread_mutex_unlock(&estimate_lock);
		w->start_tsc = w->end_tsc = 0;
		w->nb_polls = w->nb_asked = 0;
		w->nb_finite = w->nb_inlets = 0;
		for (unsigned n = 0; n < g->nb_instances; n++) {
			struct nfg_instance *inst = g->instances[n];
			const struct nfg_op *op = inst->op;
			struct rte_node *node = inst->node_by_worker[i];
			if (!node)
				continue;
			if (op->poll)
				add_poll(w, op, node);
			if (op->done && w->nb_finite < RTE_DIM(w->finite))
				w->finite[w->nb_finite++] = (struct finite_source){ op->done, node };
			if ((op->flags & NFG_OP_SOURCE) && !(op->flags & NFG_OP_RELAY) &&
			    w->nb_inlets < RTE_DIM(w->inlets))
				w->inlets[w->nb_inlets++] = node;
		}
	}
	__atomic_store_n(&control, 0, __ATOMIC_RELEASE);
}

void
nfg_worker_step(unsigned worker)
{
	struct worker *w = &workers[worker];

	if (!w->stepped) {
		w->stepped = true;
		w->start_tsc = rte_rdtsc(); /* its life, for the busy share, from here */
		ask_every_poll(w);
	}
	walk_once(w);
	nfg_clock_walk_end(); /* the caller's code after the step reads the clock */
}

int
nfg_workers_launch(struct nfg_graph *g)
{
	nfg_workers_prepare(g);
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

/*
 * The estimates move on by what was counted since they last moved, at the
 * costs per unit the timed walks give now, so they only grow (a Prometheus
 * counter must; the whole-run ratio applied to all counts would move down
 * when a later sample is cheaper). Counts made before the first timed sample
 * wait for it. Plain loads of words the worker writes: at worst a walk
 * behind.
 */
void
nfg_worker_busy(unsigned worker, uint64_t *busy_cycles, uint64_t *cycles)
{
	struct worker *wk = &workers[worker];
	uint64_t start = __atomic_load_n(&wk->start_tsc, __ATOMIC_ACQUIRE);
	uint64_t end = __atomic_load_n(&wk->end_tsc, __ATOMIC_ACQUIRE);
	uint64_t units = __atomic_load_n(&wk->walk.busy_units, __ATOMIC_RELAXED);
	uint64_t timed_units = __atomic_load_n(&wk->walk.timed_busy_units, __ATOMIC_RELAXED);
	uint64_t timed_cycles = __atomic_load_n(&wk->walk.timed_busy_cycles, __ATOMIC_RELAXED);

	pthread_mutex_lock(&estimate_lock);
	if (timed_units && units > wk->busy_units_seen) {
		wk->busy_estimate += (double)nfg_walk_busy_cycles(units - wk->busy_units_seen,
								  timed_units, timed_cycles);
		wk->busy_units_seen = units;
	}
	/* The whole is the worker's life, not the timed walks' sum: timing a
	 * short, idle walk costs about what the walk does, so that sum
	 * overstates idle time; the busy walks are long enough to time well. */
	*cycles = start ? (end ? end : rte_rdtsc()) - start : 0;
	*busy_cycles = RTE_MIN((uint64_t)wk->busy_estimate, *cycles);
	pthread_mutex_unlock(&estimate_lock);
}

uint64_t
nfg_worker_node_cycles(unsigned worker, const struct rte_node *node)
{
	if (worker >= nb_workers || node->id >= workers[worker].walk.nb_samples ||
	    !workers[worker].node_estimates)
		return 0;
	struct worker *wk = &workers[worker];
	/* A copy: the worker may be adding to it (at worst a call behind). */
	struct nfg_walk_sample s = wk->walk.samples[node->id];
	uint64_t calls = node->total_calls, objs = node->total_objs, cycles;

	pthread_mutex_lock(&estimate_lock);
	struct node_estimate *e = &wk->node_estimates[node->id];
	if (s.calls && calls > e->calls) {
		e->cycles += (double)nfg_walk_node_cycles(&s, calls - e->calls,
							  objs > e->objs ? objs - e->objs : 0);
		e->calls = calls;
		e->objs = objs;
	}
	cycles = (uint64_t)e->cycles;
	pthread_mutex_unlock(&estimate_lock);
	return cycles;
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
	__atomic_or_fetch(&control, CONTROL_STOP, __ATOMIC_RELEASE);
}

void
nfg_workers_pause(void)
{
	__atomic_or_fetch(&control, CONTROL_PAUSE, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < nb_workers; i++)
		while (workers[i].running && !__atomic_load_n(&workers[i].paused, __ATOMIC_ACQUIRE))
			sched_yield();
}

void
nfg_workers_resume(void)
{
	__atomic_and_fetch(&control, ~(unsigned)CONTROL_PAUSE, __ATOMIC_RELEASE);
}
