/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ring_rx: the receiving end of software flow steering (see ring_handoff.h).
 * On worker d it drains the rings [*][d] that the ring_tx nodes of every
 * worker fill, starting with a different source worker each walk so that no
 * source can starve another, and sends the packets on in the order each
 * source handed them off.
 */
#include <inttypes.h>
#include <stdio.h>

#include <rte_errno.h>

#include "builtin.h"
#include "ring_handoff.h"

enum ring_rx_counter { RING_RX_IN_RING_AT_STOP };

struct ring_rx_state {
	uint16_t burst;
	unsigned nb_sources;
	unsigned first;               /* the source served first this walk */
	struct rte_ring *sources[HANDOFF_MAX_WORKERS]; /* rings [*][this worker] */
};

static uint16_t
ring_rx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct ring_rx_state *st = nfg_node_state(node);
	void **out = node->objs;
	unsigned n = 0;
	(void)objs;
	(void)nb_objs;

	/* No nfg_stopping() check: during the drain walks the rings must still
	 * empty, or packets already handed off would be cut mid-graph. */
	for (unsigned k = 0, s = st->first; k < st->nb_sources && n < st->burst; k++) {
		n += rte_ring_sc_dequeue_burst(st->sources[s], out + n, st->burst - n, NULL);
		if (++s == st->nb_sources)
			s = 0;
	}
	if (++st->first == st->nb_sources)
		st->first = 0;
	if (n == 0)
		return 0;
	node->idx = (uint16_t)n;
	rte_node_next_stream_move(graph, node, 0);
	return (uint16_t)n;
}

static void
release_rings(void *config)
{
	struct handoff_rings *hr = config;

	free(hr->rings);
	free(hr);
}

static int
ring_rx_setup(struct nfg_instance *inst)
{
	struct handoff_rings *hr = calloc(1, sizeof(*hr));
	int64_t size = nfg_param_int(inst, "ring_size");

	if (!hr)
		return -1;
	hr->nb_workers = nfg_worker_count();
	hr->ring_size = (unsigned)size;
	hr->burst = (uint16_t)nfg_param_int(inst, "burst");
	hr->rings = calloc((size_t)hr->nb_workers * hr->nb_workers, sizeof(hr->rings[0]));
	nfg_instance_set_config(inst, hr, release_rings);
	if (!hr->rings)
		return -1;
	if (hr->nb_workers > HANDOFF_MAX_WORKERS)
		return nfg_error(inst, NULL, "at most %d workers", HANDOFF_MAX_WORKERS);
	if (!rte_is_power_of_2((uint32_t)size))
		return nfg_error(inst, "ring_size", "a power of two, got %" PRId64, size);
	/* Every ring may be full at once (a DPDK ring keeps one slot free). */
	nfg_instance_reserve_mbufs(inst, hr->nb_workers * hr->nb_workers * (hr->ring_size - 1));
	nfg_instance_reserve_memory(inst, (uint64_t)hr->nb_workers * hr->nb_workers *
					  (hr->ring_size * sizeof(void *) + RTE_CACHE_LINE_SIZE * 4));
	return 0;
}

static void
ring_rx_stop(struct nfg_instance *inst)
{
	struct handoff_rings *hr = nfg_instance_config(inst);
	void *m;

	for (unsigned i = 0; i < hr->nb_workers * hr->nb_workers; i++) {
		/* The workers' fini emptied (and counted) their rings already; this
		 * only matters when the graphs were never built. */
		while (hr->rings[i] && rte_ring_dequeue(hr->rings[i], &m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(hr->rings[i]);
		hr->rings[i] = NULL;
	}
}

static int
ring_rx_start(struct nfg_instance *inst)
{
	static unsigned serial; /* ring names must be unique in the process */
	struct handoff_rings *hr = nfg_instance_config(inst);
	unsigned id = serial++;

	for (unsigned s = 0; s < hr->nb_workers; s++)
		for (unsigned d = 0; d < hr->nb_workers; d++) {
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "nfg_h%u_%u_%u", id, s, d);
			struct rte_ring *r = rte_ring_create(name, hr->ring_size, SOCKET_ID_ANY,
							     RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!r) {
				ring_rx_stop(inst);
				return nfg_error(inst, "ring_size", "cannot create ring %s: %s",
						 name, rte_strerror(rte_errno));
			}
			hr->rings[s * hr->nb_workers + d] = r;
		}
	return 0;
}

static int
ring_rx_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct handoff_rings *hr = nfg_instance_config(inst);
	struct ring_rx_state *st = nfg_node_state(node);

	st->burst = (uint16_t)RTE_MIN(hr->burst, node->size);
	st->nb_sources = hr->nb_workers;
	for (unsigned s = 0; s < hr->nb_workers; s++)
		st->sources[s] = hr->rings[s * hr->nb_workers + worker];
	return 0;
}

/* What is still in this worker's rings was handed off but never received:
 * freed here, where a counter of this worker can say so. Every worker has
 * stopped walking by now, so nothing is added behind us. */
static void
ring_rx_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct ring_rx_state *st = nfg_node_state(node);
	struct rte_mbuf *batch[64];

	for (unsigned s = 0; s < st->nb_sources; s++) {
		unsigned n;
		while ((n = rte_ring_sc_dequeue_burst(st->sources[s], (void **)batch,
						      RTE_DIM(batch), NULL)) > 0)
			nfg_drop(node, RING_RX_IN_RING_AT_STOP, batch, (uint16_t)n);
	}
}

static const struct nfg_param ring_rx_params[] = {
	{ .name = "burst", .type = NFG_T_INT, .def = "32", .min = 1, .max = 256,
	  .doc = "packets taken from the rings per walk at most" },
	{ .name = "ring_size", .type = NFG_T_INT, .def = "1024", .min = 2, .max = 1 << 20,
	  .doc = "slots of each worker-to-worker ring, a power of two (holds one less)" },
	{ 0 },
};

static const char *const ring_rx_outputs[] = { "out", NULL };

static const struct nfg_counter ring_rx_counters[] = {
	[RING_RX_IN_RING_AT_STOP] = { "in_ring_at_stop", NFG_CTR_DROP },
	{ 0 },
};

static const struct nfg_op ring_rx_op = {
	.api_version = NFG_API_VERSION,
	.name = "ring_rx",
	.summary = "receive what ring_tx nodes handed to this worker",
	.doc = "The receiving end of software flow steering. For every pair of workers\n"
	       "(s, d) it owns one single-producer/single-consumer ring of \"ring_size\"\n"
	       "slots; on worker d it takes up to \"burst\" packets per walk from the\n"
	       "rings [*][d], starting with a different source worker each walk, and\n"
	       "sends them to \"out\" in the order each source handed them off. Packets\n"
	       "still in a ring at teardown are freed and counted as in_ring_at_stop.\n"
	       "ring_tx nodes name this node in their \"to\".",
	.example = "\"steered\": {\"op\": \"ring_rx\", \"burst\": 32, \"ring_size\": 1024}",
	.flags = NFG_OP_SOURCE | NFG_OP_RELAY,
	.params = ring_rx_params,
	.outputs = ring_rx_outputs,
	.counters = ring_rx_counters,
	.setup = ring_rx_setup,
	.start = ring_rx_start,
	.state_size = sizeof(struct ring_rx_state),
	.init = ring_rx_init,
	.process = ring_rx_process,
	.fini = ring_rx_fini,
	.stop = ring_rx_stop,
};

NFG_OPERATOR_REGISTER(ring_rx_op);
