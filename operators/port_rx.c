/* SPDX-License-Identifier: BSD-3-Clause
 *
 * port_rx: receives bursts from one queue of a port (the worker's own queue)
 * straight into the stream of the node after it ("out").
 *
 * When the port steers in software (include/nfg/steering.h: the device took
 * no rte_flow rules for the shares operators declared, or "rss": "software"),
 * a packet owned by another worker goes onto the ring to that worker, and
 * what other workers handed to this one joins the stream first (up to half
 * of it, so neither starves the other), and the stream, sorted in the
 * node's own, moves to "out". Each worker then sees exactly the packets of
 * the connections it owns.
 */
#include <rte_ethdev.h>

#include "builtin.h"
#include "nfg/steering.h"

struct port_rx_state {
	uint16_t port_id;
	uint16_t queue;
	uint16_t burst;
	unsigned worker;
	unsigned next_from;                   /* the first peer to take from next time */
	const struct nfg_port_steer *steer;   /* NULL: no software steering */
};

enum port_rx_output { PORT_RX_OUT };
enum port_rx_counter { PORT_RX_HANDED_OFF, PORT_RX_HANDED_IN, PORT_RX_HANDOFF_FULL };

/* The stream's packets owned elsewhere go to their owners (counted); returns
 * how many stay. An owner's ring full: dropped, counted (it is far behind). */
static uint16_t
hand_off(struct rte_node *node, const struct port_rx_state *st, void **objs, uint16_t n)
{
	uint16_t handed, full;
	uint16_t kept = nfg_steer_hand_off(st->steer, st->worker, objs, n, &handed, &full);

	nfg_count(node, PORT_RX_HANDED_OFF, handed);
	if (unlikely(full))
		nfg_drop(node, PORT_RX_HANDOFF_FULL, (struct rte_mbuf **)objs + kept, full);
	return kept;
}

/* What the other workers handed to this one, up to room. */
static uint16_t
take_handed(struct rte_node *node, struct port_rx_state *st, void **objs, uint16_t room)
{
	uint16_t got = nfg_steer_take(st->steer, st->worker, &st->next_from, objs, room);

	nfg_count(node, PORT_RX_HANDED_IN, got);
	return got;
}

/* The queue, steered: handed packets first, in at most half the stream; then
 * the queue, whose foreign packets leave for their owners. Out of line, so
 * the common path below stays a few instructions. */
static __rte_noinline uint16_t
receive_steered(struct rte_node *node, struct port_rx_state *st)
{
	uint16_t got = take_handed(node, st, node->objs, (uint16_t)(node->size / 2));
	uint16_t n = rte_eth_rx_burst(st->port_id, st->queue, (struct rte_mbuf **)node->objs + got,
				      RTE_MIN(st->burst, (uint16_t)(node->size - got)));

	return (uint16_t)(got + hand_off(node, st, node->objs + got, n));
}

static uint16_t
port_rx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct port_rx_state *st = nfg_node_state(node);
	uint16_t n;
	(void)objs;
	(void)nb_objs;

	if (likely(st->steer == NULL)) {
		/* Straight into the next node's stream: moving our own stream
		 * there would swap the two arrays, and a worker would write
		 * into one and then the other, twice the lines of a loop that
		 * keeps one array. */
		void **to = rte_node_next_stream_get(graph, node, PORT_RX_OUT, st->burst);
		n = rte_eth_rx_burst(st->port_id, st->queue, (struct rte_mbuf **)to, st->burst);
		rte_node_next_stream_put(graph, node, PORT_RX_OUT, n);
		return n;
	}
	n = receive_steered(node, st);
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
	struct port_rx_state *st = nfg_node_state(node);

	if (!port)
		return -1;
	st->port_id = port->port_id;
	st->queue = (uint16_t)worker;
	st->worker = worker;
	st->steer = port->steer;
	st->burst = (uint16_t)RTE_MIN(nfg_param_int(inst, "burst"), (int64_t)node->size);
	return 0;
}

static const struct nfg_param port_rx_params[] = {
	{ .name = "port", .type = NFG_T_PORT, .doc = "the port to receive from" },
	{ .name = "burst", .type = NFG_T_INT, .def = "32", .min = 1, .max = 256,
	  .doc = "packets per rx burst" },
	{ 0 },
};

static const struct nfg_counter port_rx_counters[] = {
	[PORT_RX_HANDED_OFF] = { "handed_off", NFG_CTR_INFO, "to the worker that owns them" },
	[PORT_RX_HANDED_IN] = { "handed_in", NFG_CTR_INFO, "from other workers" },
	[PORT_RX_HANDOFF_FULL] = { "handoff_full", NFG_CTR_DROP, "the owner's ring was full" },
	{ 0 },
};

static const char *const port_rx_outputs[] = { [PORT_RX_OUT] = "out", NULL };

static const struct nfg_op port_rx_op = {
	.api_version = NFG_API_VERSION,
	.name = "port_rx",
	.summary = "receive packets from a port (one queue per worker)",
	.doc = "Polls the worker's rx queue of the port on every graph walk and sends what\n"
	       "arrived to \"out\". With several workers each polls its own queue; the port\n"
	       "spreads flows over the queues (RSS, symmetric key by default) and sends the\n"
	       "shares that operators declared (tcp_client's and tcp_proxy's local ports or\n"
	       "addresses) to their workers with rte_flow. Where the device cannot, port_rx\n"
	       "steers in software: packets owned by another worker are handed to it over a\n"
	       "ring (counted as handed_off here and handed_in there).",
	.example = "\"rx\": {\"op\": \"port_rx\", \"port\": \"lan\"}",
	.flags = NFG_OP_SOURCE,
	.params = port_rx_params,
	.counters = port_rx_counters,
	.outputs = port_rx_outputs,
	.state_size = sizeof(struct port_rx_state),
	.init = port_rx_init,
	.process = port_rx_process,
};

NFG_OPERATOR_REGISTER(port_rx_op);
