/* SPDX-License-Identifier: BSD-3-Clause
 *
 * drop: frees every packet it gets and counts it under its reason. nfg also
 * puts one behind every optional output left unconnected, so no packet ever
 * disappears without a count.
 */
#include "builtin.h"

static uint16_t
drop_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	(void)graph;
	nfg_drop(node, 0, (struct rte_mbuf **)objs, nb_objs);
	return nb_objs;
}

static int
drop_setup(struct nfg_instance *inst)
{
	return nfg_instance_add_counter(inst, nfg_param_string(inst, "reason"), NFG_CTR_DROP) < 0
		       ? -1 : 0;
}

static const struct nfg_param drop_params[] = {
	{ .name = "reason", .type = NFG_T_STRING, .def = "\"dropped by the graph\"",
	  .doc = "the reason shown next to the count" },
	{ 0 },
};

static const struct nfg_op drop_op = {
	.api_version = NFG_API_VERSION,
	.name = "drop",
	.summary = "free packets, counted under a reason",
	.doc = "Frees every packet and counts it as a drop with the given reason, which\n"
	       "shows in the summary, --stats-json and /nfg/drops.",
	.input_doc = "any packets",
	.example = "\"deny\": {\"op\": \"drop\", \"reason\": \"blocked by firewall\"}",
	.params = drop_params,
	.setup = drop_setup,
	.process = drop_process,
};

NFG_OPERATOR_REGISTER(drop_op);
