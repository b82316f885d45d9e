/* SPDX-License-Identifier: BSD-3-Clause
 *
 * impair: a bad link in a node, for testing what runs over it: a delay with
 * jitter (a long fat pipe), random loss, duplication, and reordering (a
 * packet held back for a while and released behind the ones that followed
 * it). Like netem, but inside the graph, so it works where the kernel has no
 * netem and at DPDK speeds.
 *
 * Every packet that must wait (delayed, or held back to be overtaken) goes
 * into one per-worker queue ordered by the time it is due: a binary heap on
 * (due, arrival number), so packets due at the same moment leave in the order
 * they came. Due packets leave at the start of the next call and from the
 * poll after every walk, whichever comes first.
 */
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "builtin.h"

#define RELEASE_BURST 64

struct impair_config {
	uint64_t loss, duplicate, reorder; /* thresholds on a 64-bit random number */
	double hold_us, delay_ms, jitter_ms;
	bool jitter_reorder;
	unsigned queue_max;                /* packets a worker may hold */
	/* TSC cycles, once the EAL knows the TSC rate (init) */
	uint64_t hold_tsc, delay_tsc, jitter_tsc;
};

struct waiting {
	uint64_t due;  /* TSC */
	uint64_t seq;  /* arrival number: breaks ties, so equal due keeps order */
	struct rte_mbuf *m;
};

struct impair_state {
	const struct impair_config *cfg;
	uint64_t last_due; /* jitter without reordering: no packet is due before this */
	uint64_t seq;
	unsigned count;
	struct waiting heap[]; /* queue_max entries, heap[0] due first */
};

enum impair_counter { IMPAIR_LOST, IMPAIR_DUPLICATED, IMPAIR_REORDERED, IMPAIR_HOLD_FULL,
		      IMPAIR_HELD_AT_STOP, IMPAIR_DELAYED };

static inline bool
before(const struct waiting *a, const struct waiting *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* Queues m until `due`; false (m untouched) when the queue is full. */
static bool
push(struct impair_state *st, struct rte_mbuf *m, uint64_t due)
{
	if (st->count == st->cfg->queue_max)
		return false;
	struct waiting w = { due, st->seq++, m };
	unsigned i = st->count++;
	while (i > 0 && before(&w, &st->heap[(i - 1) / 2])) {
		st->heap[i] = st->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	st->heap[i] = w;
	return true;
}

static struct rte_mbuf *
pop(struct impair_state *st)
{
	struct rte_mbuf *m = st->heap[0].m;
	struct waiting last = st->heap[--st->count];
	unsigned i = 0;

	for (;;) {
		unsigned c = 2 * i + 1;
		if (c >= st->count)
			break;
		if (c + 1 < st->count && before(&st->heap[c + 1], &st->heap[c]))
			c++;
		if (!before(&st->heap[c], &last))
			break;
		st->heap[i] = st->heap[c];
		i = c;
	}
	st->heap[i] = last;
	return m;
}

/* Sends on every packet due by `now`, in due order. */
static void
release(struct rte_graph *graph, struct rte_node *node, struct impair_state *st, uint64_t now)
{
	void *burst[RELEASE_BURST];
	uint16_t n = 0;

	while (st->count && st->heap[0].due <= now) {
		burst[n++] = pop(st);
		if (n == RELEASE_BURST) {
			rte_node_enqueue(graph, node, 0, burst, n);
			n = 0;
		}
	}
	if (n)
		rte_node_enqueue(graph, node, 0, burst, n);
}

/* When a packet that is not held back leaves: delay plus a uniform share of
 * the jitter. Without jitter_reorder no packet is due before the one that
 * came before it, so the link keeps its order (as a real one does). */
static uint64_t
due_time(struct impair_state *st, uint64_t now)
{
	const struct impair_config *cfg = st->cfg;
	uint64_t due = now + cfg->delay_tsc + (cfg->jitter_tsc ? rte_rand_max(cfg->jitter_tsc + 1) : 0);

	if (!cfg->jitter_reorder) {
		due = RTE_MAX(due, st->last_due);
		st->last_due = due;
	}
	return due;
}

static void
pass_on(struct rte_graph *graph, struct rte_node *node, struct impair_state *st,
     struct rte_mbuf *m, uint64_t now)
{
	if (st->cfg->delay_tsc == 0 && st->cfg->jitter_tsc == 0) {
		rte_node_enqueue_x1(graph, node, 0, m);
		return;
	}
	if (!push(st, m, due_time(st, now))) {
		nfg_drop(node, IMPAIR_HOLD_FULL, &m, 1);
		return;
	}
	nfg_count(node, IMPAIR_DELAYED, 1);
}

static uint16_t
impair_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct impair_state *st = nfg_node_state(node);
	const struct impair_config *cfg = st->cfg;
	uint64_t now = nfg_clock();

	release(graph, node, st, now); /* they came before this burst */
	for (uint16_t i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];
		uint64_t r = rte_rand();
		if (r < cfg->loss) {
			nfg_drop(node, IMPAIR_LOST, &m, 1);
			continue;
		}
		if (r - cfg->loss < cfg->reorder) {
			/* Held on top of the link's delay: the packets behind it overtake it. */
			if (!push(st, m, now + cfg->delay_tsc + cfg->hold_tsc)) {
				nfg_drop(node, IMPAIR_HOLD_FULL, &m, 1);
				continue;
			}
			nfg_count(node, IMPAIR_REORDERED, 1);
			continue;
		}
		if (rte_rand() < cfg->duplicate) {
			struct rte_mbuf *copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (copy) {
				pass_on(graph, node, st, copy, now);
				nfg_count(node, IMPAIR_DUPLICATED, 1);
			}
		}
		pass_on(graph, node, st, m, now);
	}
	if (st->count)
		nfg_node_poll_request(node); /* to release them when due */
	return nb_objs;
}

/* Asked for while packets wait: a link that holds nothing costs no poll. */
static void
impair_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct impair_state *st = nfg_node_state(node);

	release(graph, node, st, nfg_clock());
	if (st->count)
		nfg_node_poll_request(node);
}

static uint64_t
probability(struct nfg_instance *inst, const char *name)
{
	/* p * 2^64, saturating at 1. */
	double p = nfg_param_number(inst, name);
	return p >= 1.0 ? UINT64_MAX : (uint64_t)(p * 18446744073709551616.0);
}

static int
impair_setup(struct nfg_instance *inst)
{
	struct impair_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, NULL);
	if (nfg_param_number(inst, "loss") + nfg_param_number(inst, "reorder") > 1.0)
		return nfg_error(inst, "reorder", "loss + reorder must not exceed 1");
	cfg->loss = probability(inst, "loss");
	cfg->reorder = probability(inst, "reorder");
	cfg->duplicate = probability(inst, "duplicate");
	cfg->hold_us = (double)nfg_param_int(inst, "hold_us");
	cfg->delay_ms = nfg_param_number(inst, "delay_ms");
	cfg->jitter_ms = nfg_param_number(inst, "jitter_ms");
	cfg->jitter_reorder = nfg_param_bool(inst, "jitter_reorder");
	cfg->queue_max = (unsigned)nfg_param_int(inst, "delay_queue");
	/* A full queue of every worker is out of the pool at once. */
	nfg_instance_reserve_mbufs(inst, cfg->queue_max * nfg_worker_count());
	nfg_instance_reserve_memory(inst, (uint64_t)nfg_worker_count() *
					  (sizeof(struct impair_state) +
					   (uint64_t)cfg->queue_max * sizeof(struct waiting)));
	return 0;
}

/* The state is allocated here, not declared as .state_size: its delay
 * queue has delay_queue entries, a parameter of the instance, and a size
 * fixed for every instance would waste memory or limit the queue. */
static int
impair_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct impair_config *cfg = nfg_instance_config(inst);
	struct impair_state *st =
		rte_zmalloc_socket("impair", sizeof(*st) + cfg->queue_max * sizeof(st->heap[0]),
				   RTE_CACHE_LINE_SIZE, nfg_worker_socket(worker));

	if (!st)
		return -1;
	double hz = (double)rte_get_tsc_hz();
	cfg->hold_tsc = (uint64_t)(cfg->hold_us * hz / 1e6);
	cfg->delay_tsc = (uint64_t)(cfg->delay_ms * hz / 1e3);
	cfg->jitter_tsc = (uint64_t)(cfg->jitter_ms * hz / 1e3);
	st->cfg = cfg;
	nfg_node_set_state(node, st);
	return 0;
}

static void
impair_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct impair_state *st = nfg_node_state(node);

	if (!st)
		return;
	while (st->count) {
		struct rte_mbuf *m = pop(st);
		nfg_drop(node, IMPAIR_HELD_AT_STOP, &m, 1);
	}
	rte_free(st);
}

static const struct nfg_param impair_params[] = {
	{ .name = "loss", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1,
	  .doc = "probability that a packet is dropped" },
	{ .name = "reorder", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1,
	  .doc = "probability that a packet is held back (and overtaken)" },
	{ .name = "hold_us", .type = NFG_T_INT, .def = "1000", .min = 1, .max = 10000000,
	  .doc = "how long a held-back packet waits (on top of delay_ms)" },
	{ .name = "duplicate", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1,
	  .doc = "probability that a packet is sent twice" },
	{ .name = "delay_ms", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 60000,
	  .doc = "how long every packet waits before it leaves (fractions allowed)" },
	{ .name = "jitter_ms", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 60000,
	  .doc = "up to this much more delay, uniformly drawn per packet" },
	{ .name = "jitter_reorder", .type = NFG_T_BOOL, .def = "false",
	  .doc = "let jitter reorder packets (false: a packet never leaves before the one "
		 "ahead of it)" },
	{ .name = "delay_queue", .type = NFG_T_INT, .def = "4096", .min = 1, .max = 1048576,
	  .doc = "packets a worker may hold at once, delayed or held back (more: dropped, "
		 "hold_queue_full); reserved in the packet pool" },
	{ 0 },
};

static const struct nfg_counter impair_counters[] = {
	[IMPAIR_LOST] = { "lost", NFG_CTR_DROP, "thrown away to play a lossy link" },
	[IMPAIR_DUPLICATED] = { "duplicated", NFG_CTR_INFO },
	[IMPAIR_REORDERED] = { "reordered", NFG_CTR_INFO, "held back to be overtaken" },
	[IMPAIR_HOLD_FULL] = { "hold_queue_full", NFG_CTR_DROP,
			       "the queue of waiting packets (delay_queue) was full" },
	[IMPAIR_HELD_AT_STOP] = { "held_at_stop", NFG_CTR_DROP, "still waiting when the run ended" },
	[IMPAIR_DELAYED] = { "delayed", NFG_CTR_INFO, "queued for delay_ms (+ jitter)" },
	{ 0 },
};

static const struct nfg_op impair_op = {
	.api_version = NFG_API_VERSION,
	.name = "impair",
	.summary = "a bad link: delay with jitter, random loss, duplication and reordering",
	.doc = "Drops each packet with probability \"loss\", holds it back for \"hold_us\"\n"
	       "with probability \"reorder\" (the packets behind it overtake it), and sends\n"
	       "it twice with probability \"duplicate\". Every other packet (and duplicate)\n"
	       "leaves delay_ms later, plus a uniform draw from [0, jitter_ms]: a long fat\n"
	       "pipe inside the graph. Jitter keeps the packets' order unless jitter_reorder\n"
	       "is true. Waiting packets sit in a per-worker queue ordered by due time, of\n"
	       "at most delay_queue packets (reserved in the pool; beyond it they are\n"
	       "dropped as hold_queue_full); what still waits at the end is freed and\n"
	       "counted as held_at_stop. For testing protocols and NFs under impairment,\n"
	       "also where the kernel has no netem.",
	.input_doc = "any packets",
	.example = "\"wan\": {\"op\": \"impair\", \"delay_ms\": 10, \"jitter_ms\": 2, \"loss\": 0.01}",
	.flags = NFG_OP_POLL_WHEN_ASKED,
	.params = impair_params,
	.outputs = (const char *const[]){ "out", NULL },
	.counters = impair_counters,
	.setup = impair_setup,
	.init = impair_init,
	.process = impair_process,
	.poll = impair_poll,
	.fini = impair_fini,
};

NFG_OPERATOR_REGISTER(impair_op);
