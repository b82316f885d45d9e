/* SPDX-License-Identifier: BSD-3-Clause
 *
 * port_rx: receives bursts from one queue of a port (the worker's own queue)
 * straight into the node's stream and moves the whole stream to "out".
 */
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "builtin.h"

struct port_rx_state {
	uint16_t port_id;
	uint16_t queue;
	uint16_t burst;
};

enum port_rx_output { PORT_RX_OUT };

static uint16_t
port_rx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct port_rx_state *st = nfg_node_state(node);
	(void)objs;
	(void)nb_objs;

	if (unlikely(nfg_stopping()))
		return 0;
	uint16_t n = rte_eth_rx_burst(st->port_id, st->queue, (struct rte_mbuf **)node->objs,
				      st->burst);
	if (n == 0)
		return 0;
	node->idx = n;
	rte_node_next_stream_move(graph, node, PORT_RX_OUT);
	return n;
}

static int
port_rx_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct nfg_port *port = nfg_port_get(nfg_param_string(inst, "port"));
	struct port_rx_state *st = rte_zmalloc("port_rx", sizeof(*st), RTE_CACHE_LINE_SIZE);

	if (!port || !st)
		return -1;
	st->port_id = port->port_id;
	st->queue = (uint16_t)worker;
	st->burst = (uint16_t)RTE_MIN(nfg_param_int(inst, "burst"), (int64_t)node->size);
	nfg_node_set_state(node, st);
	return 0;
}

static void
port_rx_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	rte_free(nfg_node_state(node));
}

static const struct nfg_param port_rx_params[] = {
	{ .name = "port", .type = NFG_T_PORT, .doc = "the port to receive from" },
	{ .name = "burst", .type = NFG_T_INT, .def = "32", .min = 1, .max = 256,
	  .doc = "packets per rx burst" },
	{ 0 },
};

static const char *const port_rx_outputs[] = { [PORT_RX_OUT] = "out", NULL };

static const struct nfg_op port_rx_op = {
	.api_version = NFG_API_VERSION,
	.name = "port_rx",
	.summary = "receive packets from a port (one queue per worker)",
	.doc = "Polls the worker's rx queue of the port on every graph walk and sends what\n"
	       "arrived to \"out\". With several workers each polls its own queue; the port\n"
	       "spreads packets over the queues with RSS when the device can.",
	.example = "\"rx\": {\"op\": \"port_rx\", \"port\": \"lan\"}",
	.flags = NFG_OP_SOURCE,
	.params = port_rx_params,
	.outputs = port_rx_outputs,
	.init = port_rx_init,
	.process = port_rx_process,
	.fini = port_rx_fini,
};

NFG_OPERATOR_REGISTER(port_rx_op);
