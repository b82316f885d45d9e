/* SPDX-License-Identifier: BSD-3-Clause
 *
 * ring_tx: the sending end of software flow steering (see ring_handoff.h).
 * Each packet goes into the ring from this worker to its destination worker,
 * chosen by symmetric flow hash (both directions of a connection meet on one
 * worker), as one fixed worker, or round robin. A full ring drops the packet.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_malloc.h>

#include "builtin.h"
#include "ring_handoff.h"

enum ring_tx_mode { BY_HASH, BY_WORKER, BY_ROUND_ROBIN };
enum ring_tx_counter { RING_TX_HANDED_OFF, RING_TX_RING_FULL };

/* Packets are sorted by destination in chunks of this many, so each ring
 * gets one burst per chunk and keeps the order of its packets. */
#define SORT_CHUNK 64

struct ring_tx_state {
	enum ring_tx_mode mode;
	unsigned nb_workers;
	unsigned next;                  /* BY_WORKER: the worker; BY_ROUND_ROBIN: the next */
	struct rte_ring *const *to;     /* rings [this worker][*] */
	uint16_t nb_for[HANDOFF_MAX_WORKERS];
	/* [dst * SORT_CHUNK + i], one chunk per worker of the graph: allocated
	 * in init for the worker count, not in the fixed state, which sized for
	 * HANDOFF_MAX_WORKERS would be 32 KB per worker. */
	struct rte_mbuf **sorted;
};

static void
hand_off(struct rte_node *node, struct rte_ring *ring, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = (uint16_t)rte_ring_sp_enqueue_burst(ring, (void **)pkts, n, NULL);

	nfg_count(node, RING_TX_HANDED_OFF, sent);
	nfg_drop(node, RING_TX_RING_FULL, pkts + sent, n - sent);
}

static unsigned
destination(struct ring_tx_state *st, struct rte_mbuf *m)
{
	if (st->mode == BY_HASH)
		return nfg_hash_bucket(nfg_flow_hash_symmetric(m), st->nb_workers);
	unsigned d = st->next;
	if (++st->next == st->nb_workers)
		st->next = 0;
	return d;
}

static uint16_t
ring_tx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct ring_tx_state *st = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	(void)graph;

	if (st->mode == BY_WORKER || st->nb_workers == 1) {
		hand_off(node, st->to[st->mode == BY_WORKER ? st->next : 0], pkts, nb_objs);
		return nb_objs;
	}
	for (uint16_t base = 0; base < nb_objs; base += SORT_CHUNK) {
		uint16_t n = RTE_MIN(nb_objs - base, SORT_CHUNK);
		memset(st->nb_for, 0, st->nb_workers * sizeof(st->nb_for[0]));
		for (uint16_t i = 0; i < n; i++) {
			unsigned d = destination(st, pkts[base + i]);
			st->sorted[d * SORT_CHUNK + st->nb_for[d]++] = pkts[base + i];
		}
		for (unsigned d = 0; d < st->nb_workers; d++)
			if (st->nb_for[d])
				hand_off(node, st->to[d], &st->sorted[d * SORT_CHUNK], st->nb_for[d]);
	}
	return nb_objs;
}

/* The target must be a ring_rx. A target written later in the file has no
 * instance yet while this one is set up; start checks again once all exist. */
static int
check_target(struct nfg_instance *inst, bool all_loaded)
{
	const char *to = nfg_param_string(inst, "to");
	struct nfg_instance *target = nfg_instance_find(to);

	if (!target && !all_loaded)
		return 0;
	if (!target || strcmp(nfg_instance_op(target)->name, "ring_rx") != 0)
		return nfg_error(inst, "to", "node \"%s\" is %s%s, expected a ring_rx", to,
				 target ? "a " : "not a node",
				 target ? nfg_instance_op(target)->name : "");
	return 0;
}

static int
ring_tx_setup(struct nfg_instance *inst)
{
	int64_t worker = nfg_param_int(inst, "worker");
	unsigned workers = nfg_worker_count();

	if (strcmp(nfg_param_string(inst, "by"), "worker") == 0 && worker >= workers)
		return nfg_error(inst, "worker", "worker %" PRId64 " does not exist: the graph "
				 "has %u worker%s (0 to %u)", worker, workers,
				 workers == 1 ? "" : "s", workers - 1);
	return check_target(inst, false);
}

static int
ring_tx_start(struct nfg_instance *inst)
{
	return check_target(inst, true);
}

static int
ring_tx_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct handoff_rings *hr =
		nfg_instance_config(nfg_instance_find(nfg_param_string(inst, "to")));
	const char *by = nfg_param_string(inst, "by");
	struct ring_tx_state *st = nfg_node_state(node);

	if (!hr || !hr->rings[0])
		return -1;
	st->sorted = rte_zmalloc_socket("ring_tx", hr->nb_workers * SORT_CHUNK * sizeof(st->sorted[0]),
					RTE_CACHE_LINE_SIZE, nfg_worker_socket(worker));
	if (!st->sorted)
		return -1;
	st->mode = strcmp(by, "worker") == 0 ? BY_WORKER
		   : strcmp(by, "round_robin") == 0 ? BY_ROUND_ROBIN : BY_HASH;
	st->nb_workers = hr->nb_workers;
	st->to = &hr->rings[worker * hr->nb_workers];
	/* Round robin starts at a different worker on each source, so small
	 * batches from many sources do not all land on worker 0 first. */
	st->next = st->mode == BY_WORKER ? (unsigned)nfg_param_int(inst, "worker")
					 : worker % hr->nb_workers;
	return 0;
}

static void
ring_tx_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	rte_free(((struct ring_tx_state *)nfg_node_state(node))->sorted);
}

static const char *const ring_tx_modes[] = { "hash", "worker", "round_robin", NULL };

static const struct nfg_param ring_tx_params[] = {
	{ .name = "to", .type = NFG_T_NODE, .doc = "the ring_rx node that receives" },
	{ .name = "by", .type = NFG_T_ENUM, .def = "\"hash\"", .choices = ring_tx_modes,
	  .doc = "hash: symmetric flow hash (parsed packets); worker: all to \"worker\"; "
		 "round_robin: packet by packet" },
	{ .name = "worker", .type = NFG_T_INT, .def = "0", .min = 0,
	  .max = HANDOFF_MAX_WORKERS - 1, .doc = "the destination worker for by: worker" },
	{ 0 },
};

static const struct nfg_counter ring_tx_counters[] = {
	[RING_TX_HANDED_OFF] = { "handed_off", NFG_CTR_INFO },
	[RING_TX_RING_FULL] = { "ring_full", NFG_CTR_DROP },
	{ 0 },
};

static const struct nfg_op ring_tx_op = {
	.api_version = NFG_API_VERSION,
	.name = "ring_tx",
	.summary = "hand packets to another worker's ring_rx",
	.doc = "The sending end of software flow steering: each packet goes into the ring\n"
	       "from this worker to its destination worker, where the ring_rx node \"to\"\n"
	       "picks it up. by: \"hash\" keeps both directions of a connection on one\n"
	       "worker (symmetric flow hash modulo the worker count; put parse before\n"
	       "it); \"worker\" sends everything to worker \"worker\"; \"round_robin\"\n"
	       "spreads packets evenly. A full ring drops the packet (ring_full).",
	.input_doc = "any packets; for by: hash, parsed packets",
	.example = "\"steer\": {\"op\": \"ring_tx\", \"to\": \"steered\", \"by\": \"hash\"}",
	.params = ring_tx_params,
	.counters = ring_tx_counters,
	.setup = ring_tx_setup,
	.start = ring_tx_start,
	.state_size = sizeof(struct ring_tx_state),
	.init = ring_tx_init,
	.process = ring_tx_process,
	.fini = ring_tx_fini,
};

NFG_OPERATOR_REGISTER(ring_tx_op);
