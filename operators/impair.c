/* SPDX-License-Identifier: BSD-3-Clause
 *
 * impair: a bad link in a node, for testing what runs over it: random loss,
 * duplication, and reordering (a packet held back for a while and released
 * behind the ones that followed it). Like netem, but inside the graph, so it
 * works where the kernel has no netem and at DPDK speeds.
 */
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "builtin.h"

#define HOLD_MAX 4096

struct impair_config {
	uint64_t loss, duplicate, reorder; /* thresholds on a 64-bit random number */
	uint64_t hold_tsc;
};

struct held {
	struct rte_mbuf *m;
	uint64_t release_tsc;
};

struct impair_state {
	const struct impair_config *cfg;
	unsigned head, count;
	struct held q[HOLD_MAX];
};

enum impair_counter { IMPAIR_LOST, IMPAIR_DUPLICATED, IMPAIR_REORDERED, IMPAIR_HOLD_FULL,
		      IMPAIR_HELD_AT_STOP };

static uint16_t
impair_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct impair_state *st = nfg_node_state(node);
	const struct impair_config *cfg = st->cfg;
	uint64_t now = rte_rdtsc();

	for (uint16_t i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];
		uint64_t r = rte_rand();
		if (r < cfg->loss) {
			nfg_drop(node, IMPAIR_LOST, &m, 1);
			continue;
		}
		if (r - cfg->loss < cfg->reorder) {
			if (st->count == HOLD_MAX) {
				nfg_drop(node, IMPAIR_HOLD_FULL, &m, 1);
				continue;
			}
			/* Constant hold time: the queue stays in release order. */
			st->q[(st->head + st->count++) % HOLD_MAX] =
				(struct held){ m, now + cfg->hold_tsc };
			nfg_count(node, IMPAIR_REORDERED, 1);
			continue;
		}
		if (rte_rand() < cfg->duplicate) {
			struct rte_mbuf *copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (copy) {
				rte_node_enqueue_x1(graph, node, 0, copy);
				nfg_count(node, IMPAIR_DUPLICATED, 1);
			}
		}
		rte_node_enqueue_x1(graph, node, 0, m);
	}
	return nb_objs;
}

static void
impair_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct impair_state *st = nfg_node_state(node);

	if (likely(st->count == 0))
		return;
	uint64_t now = rte_rdtsc();
	while (st->count && st->q[st->head].release_tsc <= now) {
		rte_node_enqueue_x1(graph, node, 0, st->q[st->head].m);
		st->head = (st->head + 1) % HOLD_MAX;
		st->count--;
	}
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
	nfg_instance_reserve_mbufs(inst, HOLD_MAX * nfg_worker_count());
	return 0;
}

static int
impair_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct impair_config *cfg = nfg_instance_config(inst);
	struct impair_state *st = rte_zmalloc("impair", sizeof(*st), RTE_CACHE_LINE_SIZE);

	if (!st)
		return -1;
	cfg->hold_tsc = (uint64_t)nfg_param_int(inst, "hold_us") * rte_get_tsc_hz() / 1000000;
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
	for (; st->count; st->count--, st->head = (st->head + 1) % HOLD_MAX)
		nfg_drop(node, IMPAIR_HELD_AT_STOP, &st->q[st->head].m, 1);
	rte_free(st);
}

static const struct nfg_param impair_params[] = {
	{ .name = "loss", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1,
	  .doc = "probability that a packet is dropped" },
	{ .name = "reorder", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1,
	  .doc = "probability that a packet is held back (and overtaken)" },
	{ .name = "hold_us", .type = NFG_T_INT, .def = "1000", .min = 1, .max = 10000000,
	  .doc = "how long a held-back packet waits" },
	{ .name = "duplicate", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1,
	  .doc = "probability that a packet is sent twice" },
	{ 0 },
};

static const struct nfg_counter impair_counters[] = {
	[IMPAIR_LOST] = { "lost", NFG_CTR_DROP, "thrown away to play a lossy link" },
	[IMPAIR_DUPLICATED] = { "duplicated", NFG_CTR_INFO },
	[IMPAIR_REORDERED] = { "reordered", NFG_CTR_INFO },
	[IMPAIR_HOLD_FULL] = { "hold_queue_full", NFG_CTR_DROP },
	[IMPAIR_HELD_AT_STOP] = { "held_at_stop", NFG_CTR_DROP },
	{ 0 },
};

static const struct nfg_op impair_op = {
	.api_version = NFG_API_VERSION,
	.name = "impair",
	.summary = "a bad link: random loss, duplication and reordering",
	.doc = "Drops each packet with probability \"loss\", holds it back for \"hold_us\"\n"
	       "with probability \"reorder\" (the packets behind it overtake it), and sends\n"
	       "it twice with probability \"duplicate\". For testing protocols and NFs under\n"
	       "impairment, also where the kernel has no netem.",
	.input_doc = "any packets",
	.example = "\"bad\": {\"op\": \"impair\", \"loss\": 0.05, \"reorder\": 0.1, \"hold_us\": 2000}",
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
