/* SPDX-License-Identifier: BSD-3-Clause
 *
 * port_tx: sends to the worker's tx queue of a port. What the queue does not
 * take right away waits in a small buffer and is retried on the next call or
 * the next poll (asked for only while the buffer holds packets); only when
 * that buffer is full are packets dropped, and counted as queue_full. While
 * it holds packets it says so (nfg_tx_backlog): at the stop, the TCP
 * operators resetting their connections wait for it, and the drain goes on
 * until it is empty.
 */
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "builtin.h"

#define TX_BUFFER 1024

/* While stopping, a queue that takes nothing for this long has no one
 * emptying it (a memif peer gone): the stop stops waiting for it. */
#define STUCK_MS 100

struct port_tx_state {
	uint16_t port_id;
	uint16_t queue;
	uint16_t nb_pending;
	uint64_t stuck_since;  /* nfg_clock() of the first flush that sent nothing */
	struct rte_mbuf *pending[TX_BUFFER];
};

enum port_tx_counter { PORT_TX_SENT, PORT_TX_QUEUE_FULL, PORT_TX_UNSENT_AT_STOP };

/* Sends what waits, keeping the order; returns how many went out. */
static uint16_t
flush_pending(struct port_tx_state *st)
{
	if (st->nb_pending == 0)
		return 0;
	uint16_t sent = rte_eth_tx_burst(st->port_id, st->queue, st->pending, st->nb_pending);
	if (sent && sent < st->nb_pending)
		memmove(st->pending, st->pending + sent,
			(size_t)(st->nb_pending - sent) * sizeof(st->pending[0]));
	st->nb_pending -= sent;
	return sent;
}

/* The queue is full: what the buffer has room for waits there (a poll is
 * asked for to retry), the rest is dropped and counted. */
static __rte_noinline void
keep_unsent(struct rte_node *node, struct port_tx_state *st, struct rte_mbuf **pkts,
	    uint16_t left)
{
	uint16_t keep = RTE_MIN(left, (uint16_t)(TX_BUFFER - st->nb_pending));

	memcpy(&st->pending[st->nb_pending], pkts, keep * sizeof(pkts[0]));
	st->nb_pending += keep;
	nfg_drop(node, PORT_TX_QUEUE_FULL, pkts + keep, left - keep);
	nfg_node_poll_request(node);
	nfg_tx_backlog();
}

/* Packets wait from an earlier call: they go first, so the order holds. */
static __rte_noinline uint16_t
send_after_pending(struct rte_node *node, struct port_tx_state *st, struct rte_mbuf **pkts,
		   uint16_t nb)
{
	uint16_t sent = flush_pending(st), n = 0;

	if (st->nb_pending == 0)
		n = rte_eth_tx_burst(st->port_id, st->queue, pkts, nb);
	if (n < nb)
		keep_unsent(node, st, pkts + n, nb - n);
	nfg_count(node, PORT_TX_SENT, sent + n);
	return nb;
}

/* The common call, nothing waiting: one tx burst, and only what it leaves
 * goes out of line. */
static uint16_t
port_tx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct port_tx_state *st = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	(void)graph;

	if (unlikely(st->nb_pending != 0))
		return send_after_pending(node, st, pkts, nb_objs);
	uint16_t n = rte_eth_tx_burst(st->port_id, st->queue, pkts, nb_objs);
	nfg_count(node, PORT_TX_SENT, n);
	if (unlikely(n < nb_objs))
		keep_unsent(node, nfg_node_state(node), pkts + n, nb_objs - n);
	return nb_objs;
}

/* Whether the queue is being emptied: while stopping, one that took nothing
 * for STUCK_MS is not, and holding the stop for it would be for nothing. */
static bool
draining(struct port_tx_state *st, uint16_t sent)
{
	if (sent || !nfg_stopping()) {
		st->stuck_since = 0;
		return true;
	}
	uint64_t now = nfg_clock();
	if (st->stuck_since == 0)
		st->stuck_since = now;
	return now - st->stuck_since < rte_get_tsc_hz() / 1000 * STUCK_MS;
}

static void
port_tx_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct port_tx_state *st = nfg_node_state(node);
	(void)graph;
	uint16_t sent = flush_pending(st);

	nfg_count(node, PORT_TX_SENT, sent);
	if (st->nb_pending) {
		nfg_node_poll_request(node);
		if (draining(st, sent))
			nfg_tx_backlog();
	}
}

static int
port_tx_setup(struct nfg_instance *inst)
{
	nfg_instance_reserve_mbufs(inst, TX_BUFFER * nfg_worker_count());
	return 0;
}

static int
port_tx_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct nfg_port *port = nfg_port_get(nfg_param_string(inst, "port"));
	struct port_tx_state *st = nfg_node_state(node);

	if (!port)
		return -1;
	st->port_id = port->port_id;
	st->queue = (uint16_t)worker;
	return 0;
}

static void
port_tx_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct port_tx_state *st = nfg_node_state(node);

	if (!st)
		return;
	nfg_drop(node, PORT_TX_UNSENT_AT_STOP, st->pending, st->nb_pending);
}

static const struct nfg_param port_tx_params[] = {
	{ .name = "port", .type = NFG_T_PORT, .doc = "the port to send on" },
	{ 0 },
};

static const struct nfg_counter port_tx_counters[] = {
	[PORT_TX_SENT] = { "sent", NFG_CTR_OUT },
	[PORT_TX_QUEUE_FULL] = { "queue_full", NFG_CTR_DROP },
	[PORT_TX_UNSENT_AT_STOP] = { "unsent_at_stop", NFG_CTR_DROP },
	{ 0 },
};

static const struct nfg_op port_tx_op = {
	.api_version = NFG_API_VERSION,
	.name = "port_tx",
	.summary = "send packets on a port (one queue per worker), buffered",
	.flags = NFG_OP_POLL_WHEN_ASKED,
	.doc = "Sends its input on the worker's tx queue of the port. Packets the queue\n"
	       "cannot take yet wait in a buffer of 1024 and are retried; beyond that they\n"
	       "are dropped and counted as queue_full.",
	.input_doc = "complete Ethernet frames",
	.example = "\"tx\": {\"op\": \"port_tx\", \"port\": \"wan\"}",
	.params = port_tx_params,
	.counters = port_tx_counters,
	.setup = port_tx_setup,
	.state_size = sizeof(struct port_tx_state),
	.init = port_tx_init,
	.process = port_tx_process,
	.poll = port_tx_poll,
	.fini = port_tx_fini,
};

NFG_OPERATOR_REGISTER(port_tx_op);
