/* SPDX-License-Identifier: BSD-3-Clause
 *
 * merge: fan-in. Without "inputs" it is a plain pass-through: any number of
 * edges may point at it and rte_graph already merges their streams into its
 * one input, so all it does is move the batch on.
 *
 * With "inputs" (names, highest priority first) each input is a named input
 * of the instance ("a -> m.hi"). Packets that arrive on an input wait in that
 * input's queue; the instance is then a source, and on every walk it emits up
 * to "burst" packets, draining higher-priority queues first. A queue that is
 * full drops what arrives (queue_full), so a flood on a low-priority input
 * cannot hold back a high-priority one by more than one burst.
 */
#include <rte_malloc.h>

#include "builtin.h"

enum merge_output { MERGE_OUT };
enum merge_counter { MERGE_QUEUE_FULL, MERGE_QUEUED_AT_STOP };

/* A FIFO of mbufs in a fixed ring of slots. */
struct merge_queue {
	uint32_t head;  /* the oldest packet */
	uint32_t count;
	struct rte_mbuf **slots;
};

struct merge_state {
	unsigned nb_inputs;
	uint32_t capacity; /* slots per queue */
	uint16_t burst;
	struct merge_queue queues[]; /* by priority; their slots follow */
};

/* Takes up to n packets off the front of q into out. */
static uint16_t
queue_take(struct merge_queue *q, uint32_t capacity, struct rte_mbuf **out, uint16_t n)
{
	uint16_t take = (uint16_t)RTE_MIN((uint32_t)n, q->count);
	uint32_t first = RTE_MIN((uint32_t)take, capacity - q->head);

	memcpy(out, &q->slots[q->head], first * sizeof(out[0]));
	memcpy(out + first, q->slots, (take - first) * sizeof(out[0]));
	q->head = (q->head + take) % capacity;
	q->count -= take;
	return take;
}

/* Called by nfg for the packets that reached input `input`; `node` is this
 * instance's main node on the same worker. */
static uint16_t
merge_input(struct rte_graph *graph, struct rte_node *node, unsigned input, void **objs,
	    uint16_t nb_objs)
{
	struct merge_state *st = nfg_node_state(node);
	struct merge_queue *q = &st->queues[input];
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint32_t keep = RTE_MIN((uint32_t)nb_objs, st->capacity - q->count);
	uint32_t tail = (q->head + q->count) % st->capacity;
	uint32_t first = RTE_MIN(keep, st->capacity - tail);
	(void)graph;

	memcpy(&q->slots[tail], pkts, first * sizeof(pkts[0]));
	memcpy(q->slots, pkts + first, (keep - first) * sizeof(pkts[0]));
	q->count += keep;
	nfg_drop(node, MERGE_QUEUE_FULL, pkts + keep, (uint16_t)(nb_objs - keep));
	return nb_objs;
}

static uint16_t
merge_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct merge_state *st = nfg_node_state(node);
	(void)objs;

	if (!st) { /* pass-through: the batch is already the merge of all edges */
		rte_node_next_stream_move(graph, node, MERGE_OUT);
		return nb_objs;
	}
	uint16_t n = 0;
	for (unsigned i = 0; i < st->nb_inputs && n < st->burst; i++)
		n += (uint16_t)RTE_MIN((uint32_t)st->burst - n, st->queues[i].count);
	if (n == 0)
		return 0;
	struct rte_mbuf **out = (struct rte_mbuf **)rte_node_next_stream_get(graph, node,
									     MERGE_OUT, n);
	uint16_t done = 0;
	for (unsigned i = 0; i < st->nb_inputs && done < n; i++)
		done += queue_take(&st->queues[i], st->capacity, out + done, n - done);
	rte_node_next_stream_put(graph, node, MERGE_OUT, n);
	return n;
}

static int
merge_setup(struct nfg_instance *inst)
{
	json_t *inputs = nfg_param(inst, "inputs");
	size_t i;
	json_t *name;

	if (!inputs)
		return 0;
	json_array_foreach(inputs, i, name) {
		if (nfg_instance_add_input(inst, json_string_value(name)) < 0)
			return -1;
	}
	uint64_t slots = json_array_size(inputs) * (uint64_t)nfg_param_int(inst, "queue") *
			 nfg_worker_count();
	nfg_instance_reserve_mbufs(inst, (unsigned)slots);
	nfg_instance_reserve_memory(inst, slots * sizeof(void *));
	return 0;
}

static int
merge_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	json_t *inputs = nfg_param(inst, "inputs");

	if (!inputs)
		return 0; /* pass-through: no state */
	unsigned nb = (unsigned)json_array_size(inputs);
	uint32_t capacity = (uint32_t)nfg_param_int(inst, "queue");
	size_t head = sizeof(struct merge_state) + nb * sizeof(struct merge_queue);
	struct merge_state *st =
		rte_zmalloc_socket("merge", head + (size_t)nb * capacity * sizeof(void *),
				   RTE_CACHE_LINE_SIZE, nfg_worker_socket(worker));
	if (!st)
		return -1;
	st->nb_inputs = nb;
	st->capacity = capacity;
	st->burst = (uint16_t)nfg_param_int(inst, "burst");
	struct rte_mbuf **slots = (struct rte_mbuf **)((uint8_t *)st + head);
	for (unsigned i = 0; i < nb; i++)
		st->queues[i].slots = slots + (size_t)i * capacity;
	nfg_node_set_state(node, st);
	return 0;
}

static void
merge_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct merge_state *st = nfg_node_state(node);
	struct rte_mbuf *batch[64];

	if (!st)
		return;
	for (unsigned i = 0; i < st->nb_inputs; i++)
		while (st->queues[i].count) {
			uint16_t n = queue_take(&st->queues[i], st->capacity, batch,
						RTE_DIM(batch));
			nfg_drop(node, MERGE_QUEUED_AT_STOP, batch, n);
		}
	rte_free(st);
}

static const struct nfg_param merge_params[] = {
	{ .name = "inputs", .type = NFG_T_STRLIST, .min = 1, .max = 16, .flags = NFG_P_OPTIONAL,
	  .doc = "named inputs, highest priority first (absent: a plain pass-through)" },
	{ .name = "queue", .type = NFG_T_INT, .def = "1024", .min = 1, .max = 65536,
	  .doc = "packets each input may hold before it drops (with inputs)" },
	{ .name = "burst", .type = NFG_T_INT, .def = "64", .min = 1, .max = 256,
	  .doc = "packets emitted per walk at most (with inputs)" },
	{ 0 },
};

static const char *const merge_outputs[] = { "out", NULL };

static const struct nfg_counter merge_counters[] = {
	[MERGE_QUEUE_FULL] = { "queue_full", NFG_CTR_DROP },
	[MERGE_QUEUED_AT_STOP] = { "queued_at_stop", NFG_CTR_DROP },
	{ 0 },
};

static const struct nfg_op merge_op = {
	.api_version = NFG_API_VERSION,
	.name = "merge",
	.summary = "fan-in, as a pass-through or by input priority",
	.doc = "Without \"inputs\": any number of edges may end at the node and their\n"
	       "packets all leave on \"out\", unchanged and in arrival order.\n"
	       "With \"inputs\": [\"hi\", \"lo\"] the node has those named inputs (edges\n"
	       "say \"a -> m.hi\"); each queues up to \"queue\" packets (more are dropped\n"
	       "as queue_full) and every walk emits up to \"burst\" packets to \"out\",\n"
	       "all of the first input's queue before any of the second's, and so on.\n"
	       "Queued packets leave one walk after they arrived.",
	.input_doc = "any packets; with \"inputs\", on the named inputs",
	.example = "\"m\": {\"op\": \"merge\", \"inputs\": [\"ctrl\", \"bulk\"], \"burst\": 32}",
	.params = merge_params,
	.outputs = merge_outputs,
	.counters = merge_counters,
	.setup = merge_setup,
	.init = merge_init,
	.process = merge_process,
	.input = merge_input,
	.fini = merge_fini,
};

NFG_OPERATOR_REGISTER(merge_op);
