/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Next-hop resolution shared by arp (IPv4) and nd (IPv6): a worker's
 * neighbour table (neigh_cache.h), the packets waiting for a neighbour not
 * known yet, the repeated questions while they wait, and the news a worker
 * sends the others. The operator supplies what is its own: how to ask (an
 * ARP request, a Neighbor Solicitation) and what it reads from the wire.
 *
 * Packets for a next hop not known yet wait, at most max_held per
 * neighbour and NEIGH_MAX_WAITING neighbours at once, while a question goes
 * out every retry; they leave on the operator's output `out`, in order, as
 * soon as the answer is learned, or are dropped as unresolved after hold.
 * Workers share nothing, but an answer may reach another worker than the
 * one that asked (RSS hashes it by its own addresses). So what a worker
 * learns from the wire it also posts to every other worker's inbox, a
 * multi-producer single-consumer ring each worker reads at every call and
 * poll.
 */
#ifndef NFG_OPERATORS_NEIGH_H
#define NFG_OPERATORS_NEIGH_H

#include <rte_graph.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "nfg/operator.h"
#include "neigh_cache.h"

#define NEIGH_MAX_WAITING 64 /* neighbours being resolved at once per worker: a bit each */

/* The operator's counters the resolver counts into (indices). */
struct neigh_counters {
	unsigned learned_from_peers, peer_news_lost, hold_full, cache_full, unresolved,
		held_at_stop;
};

/* Sends one question for `target`, from our address `sender`. */
typedef void (*neigh_ask_fn)(struct rte_graph *graph, struct rte_node *node,
			     const union neigh_addr *target, const union neigh_addr *sender);

/* Shared by the workers of one instance (read-only once started). */
struct neigh_config {
	/* from the graph file and the operator (neigh_setup) */
	unsigned max_held;
	uint64_t hold_ms, retry_ms, timeout_s;
	rte_edge_t out;
	neigh_ask_fn ask;
	const struct neigh_counters *counters;
	/* from the port and the EAL (neigh_start) */
	uint64_t hold_tsc, retry_tsc, timeout_tsc;
	struct rte_ether_addr mac;  /* ours: the source of what leaves */
	unsigned nb_workers;
	struct rte_ring *inbox[RTE_MAX_LCORE]; /* by worker; none with one worker */
};

/* The parameters neigh_setup reads, for the operator's parameter table;
 * `question` names what goes out while packets wait ("ARP requests"). */
#define NEIGH_PARAMS(question)                                                              \
	{ .name = "hold_ms", .type = NFG_T_INT, .def = "1000", .min = 1, .max = 60000,       \
	  .doc = "how long packets wait for their next hop's MAC" },                         \
	{ .name = "retry_ms", .type = NFG_T_INT, .def = "250", .min = 1, .max = 60000,       \
	  .doc = "interval between " question " while packets wait" },                       \
	{ .name = "max_held", .type = NFG_T_INT, .def = "32", .min = 1, .max = 1024,         \
	  .doc = "packets that may wait per next hop (more: dropped, hold_full)" },          \
	{ .name = "timeout_s", .type = NFG_T_INT, .def = "300", .min = 1, .max = 86400,      \
	  .doc = "lifetime of a learned entry" }

struct neigh_waiting {
	union neigh_addr addr;   /* the neighbour */
	union neigh_addr sender; /* our address on its link */
	uint64_t next_request;   /* TSC */
	uint64_t give_up;        /* TSC */
	unsigned nb;
	struct rte_mbuf **pkts;  /* max_held slots in neigh.held */
};

/* One worker's resolver. */
struct neigh {
	const struct neigh_config *cfg;
	struct rte_ring *inbox;
	unsigned worker;
	uint64_t waiting_used; /* bit i: waiting[i] is in use */
	struct neigh_waiting waiting[NEIGH_MAX_WAITING];
	struct neigh_cache cache;
	struct rte_mbuf *held[]; /* NEIGH_MAX_WAITING * max_held */
};

/* setup(): the NEIGH_PARAMS of the instance, what is the operator's own
 * (the output resolved packets leave on, how it asks, its counters), and the
 * mbufs its workers may hold, reserved. */
void neigh_setup(struct nfg_instance *inst, struct neigh_config *c, rte_edge_t out,
		 neigh_ask_fn ask, const struct neigh_counters *counters);
/* start(): the timers in TSC cycles, our MAC, and the workers' inboxes,
 * named "<prefix><serial>_w<worker>" when there are several workers.
 * Returns 0, or -1 with the error reported on the instance. */
int neigh_start(struct nfg_instance *inst, struct neigh_config *c,
		const struct rte_ether_addr *mac, const char *prefix);
/* stop(): the inboxes. */
void neigh_stop(struct neigh_config *c);
/* Mbufs a graph's instance may hold at once (for nfg_instance_reserve_mbufs). */
static inline unsigned
neigh_held_max(unsigned max_held)
{
	return NEIGH_MAX_WAITING * max_held;
}

/* init()/fini() of a worker. neigh_destroy drops what still waits, counted. */
struct neigh *neigh_create(const struct neigh_config *c, unsigned worker);
void neigh_destroy(struct neigh *n, struct rte_node *node);
/* A fixed neighbour; -1 when the table is full. */
int neigh_add_static(struct neigh *n, const union neigh_addr *a, const struct rte_ether_addr *mac);

/* The MAC of `hop` when it is known and fresh. */
static inline bool
neigh_lookup(struct neigh *n, const union neigh_addr *hop, uint64_t now, struct rte_ether_addr *mac)
{
	struct neigh_entry *e = neigh_cache_find(&n->cache, hop);

	if (e && (e->state == NEIGH_STATIC || (e->state == NEIGH_RESOLVED && now < e->expires))) {
		*mac = e->mac;
		return true;
	}
	return false;
}

/* Keeps m until `hop` answers (asking it now when nobody has yet), or drops
 * it counted. Call when neigh_lookup said no. */
void neigh_wait(struct rte_graph *graph, struct rte_node *node, struct neigh *n, struct rte_mbuf *m,
		const union neigh_addr *hop, const union neigh_addr *sender, uint64_t now);
/* What the wire said: `a` is at `mac`. Waiting packets leave; the other
 * workers are told. Returns false when the table had no room. */
bool neigh_learn(struct rte_graph *graph, struct rte_node *node, struct neigh *n,
		 const union neigh_addr *a, const struct rte_ether_addr *mac, uint64_t now);
/* At every call: what the other workers learned. */
void neigh_read_inbox(struct rte_graph *graph, struct rte_node *node, struct neigh *n, uint64_t now);
/* At every poll: the inbox, repeated questions, giving up, expiry. */
void neigh_poll(struct rte_graph *graph, struct rte_node *node, struct neigh *n, uint64_t now);

#endif
