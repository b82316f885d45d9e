/* SPDX-License-Identifier: BSD-3-Clause
 *
 * count: counts packets and bytes and passes them on; with "sink": true it is
 * the end of a path and frees them (counted as consumed, not as a drop).
 */
#include "builtin.h"

enum count_counter { COUNT_PACKETS, COUNT_BYTES };

static uint16_t
count_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < nb_objs; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	nfg_count(node, COUNT_PACKETS, nb_objs);
	nfg_count(node, COUNT_BYTES, bytes);
	if (nfg_node_state(node))
		rte_pktmbuf_free_bulk(pkts, nb_objs);
	else
		rte_node_next_stream_move(graph, node, 0);
	return nb_objs;
}

static int
count_setup(struct nfg_instance *inst)
{
	if (!nfg_param_bool(inst, "sink") && nfg_instance_add_output(inst, "out") < 0)
		return -1;
	return 0;
}

/* The state pointer only says "sink": no per-worker memory is needed. */
static int
count_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	nfg_node_set_state(node, nfg_param_bool(inst, "sink") ? (void *)1 : NULL);
	return 0;
}

static const struct nfg_param count_params[] = {
	{ .name = "sink", .type = NFG_T_BOOL, .def = "false",
	  .doc = "free the packets after counting (no output)" },
	{ 0 },
};

static const struct nfg_counter count_counters[] = {
	[COUNT_PACKETS] = { "packets", NFG_CTR_INFO },
	[COUNT_BYTES] = { "bytes", NFG_CTR_INFO },
	{ 0 },
};

static const struct nfg_op count_op = {
	.outputs_doc = "out (none with \"sink\": true)",
	.api_version = NFG_API_VERSION,
	.name = "count",
	.summary = "count packets and bytes, pass them on (or end the path)",
	.doc = "Adds every packet and its length to the counters \"packets\" and \"bytes\"\n"
	       "and moves the batch to \"out\". With \"sink\": true there is no output and\n"
	       "the packets are freed: the normal end of a measuring path.",
	.input_doc = "any packets",
	.example = "\"seen\": {\"op\": \"count\", \"sink\": true}",
	.params = count_params,
	.counters = count_counters,
	.setup = count_setup,
	.init = count_init,
	.process = count_process,
};

NFG_OPERATOR_REGISTER(count_op);
