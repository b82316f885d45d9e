/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Next-hop resolution shared by arp and nd (see neigh.h).
 */
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "builtin.h"
#include "neigh.h"

#define NEIGH_INBOX_SIZE 1024
#define NEIGH_INBOX_BURST 32
#define NEIGH_SWEEP_SLOTS 8  /* table slots checked for expiry per poll */

/* What a worker tells the others it learned: one 24-byte ring element. */
struct neigh_news {
	union neigh_addr addr;
	struct rte_ether_addr mac;
	uint16_t unused;
};

void
neigh_setup(struct nfg_instance *inst, struct neigh_config *c, rte_edge_t out, neigh_ask_fn ask,
	    const struct neigh_counters *counters)
{
	c->max_held = (unsigned)nfg_param_int(inst, "max_held");
	c->hold_ms = (uint64_t)nfg_param_int(inst, "hold_ms");
	c->retry_ms = (uint64_t)nfg_param_int(inst, "retry_ms");
	c->timeout_s = (uint64_t)nfg_param_int(inst, "timeout_s");
	c->out = out;
	c->ask = ask;
	c->counters = counters;
	nfg_instance_reserve_mbufs(inst, neigh_held_max(c->max_held) * nfg_worker_count());
}

void
neigh_stop(struct neigh_config *c)
{
	for (unsigned w = 0; w < RTE_DIM(c->inbox); w++) {
		rte_ring_free(c->inbox[w]); /* news only: no mbufs in there */
		c->inbox[w] = NULL;
	}
}

/* One inbox per worker when there are several; -1 with rte_errno set. */
static int
inboxes_create(struct neigh_config *c, const char *prefix)
{
	static unsigned serial; /* ring names must be unique in the process */

	for (unsigned w = 0; c->nb_workers > 1 && w < c->nb_workers; w++) {
		char ring[RTE_RING_NAMESIZE];
		snprintf(ring, sizeof(ring), "%s%u_w%u", prefix, serial, w);
		c->inbox[w] = rte_ring_create_elem(ring, sizeof(struct neigh_news), NEIGH_INBOX_SIZE,
						   SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (!c->inbox[w]) {
			int err = rte_errno;
			neigh_stop(c);
			rte_errno = err;
			return -1;
		}
	}
	serial++;
	return 0;
}

/* The TSC rate is known once the EAL runs. */
int
neigh_start(struct nfg_instance *inst, struct neigh_config *c, const struct rte_ether_addr *mac,
	    const char *prefix)
{
	uint64_t hz = rte_get_tsc_hz();

	c->hold_tsc = hz * c->hold_ms / 1000;
	c->retry_tsc = hz * c->retry_ms / 1000;
	c->timeout_tsc = hz * c->timeout_s;
	c->mac = *mac;
	c->nb_workers = nfg_worker_count();
	if (c->nb_workers > RTE_DIM(c->inbox))
		return nfg_error(inst, NULL, "at most %zu workers", RTE_DIM(c->inbox));
	if (inboxes_create(c, prefix) < 0)
		return nfg_error(inst, NULL, "cannot create the workers' inboxes: %s",
				 rte_strerror(rte_errno));
	return 0;
}

/* Allocated here rather than inside the operator's .state_size: the held
 * packets' slots depend on max_held, a parameter of the instance. */
struct neigh *
neigh_create(const struct neigh_config *c, unsigned worker)
{
	size_t held = neigh_held_max(c->max_held);
	struct neigh *n = rte_zmalloc_socket("neigh", sizeof(*n) + held * sizeof(n->held[0]),
					     RTE_CACHE_LINE_SIZE, nfg_worker_socket(worker));

	if (!n)
		return NULL;
	n->cfg = c;
	n->worker = worker;
	n->inbox = c->inbox[worker];
	for (unsigned i = 0; i < NEIGH_MAX_WAITING; i++)
		n->waiting[i].pkts = &n->held[i * c->max_held];
	return n;
}

void
neigh_destroy(struct neigh *n, struct rte_node *node)
{
	if (!n)
		return;
	for (uint64_t used = n->waiting_used; used; used &= used - 1) {
		struct neigh_waiting *w = &n->waiting[__builtin_ctzll(used)];
		nfg_drop(node, n->cfg->counters->held_at_stop, w->pkts, (uint16_t)w->nb);
	}
	rte_free(n);
}

int
neigh_add_static(struct neigh *n, const union neigh_addr *a, const struct rte_ether_addr *mac)
{
	struct neigh_entry *e = neigh_cache_find(&n->cache, a);

	if (!e && !(e = neigh_cache_add(&n->cache, a)))
		return -1;
	e->state = NEIGH_STATIC;
	e->mac = *mac;
	return 0;
}

/* The answer came: the waiting packets leave, oldest first, addressed. */
static void
release(struct rte_graph *graph, struct rte_node *node, struct neigh *n, unsigned slot,
	const struct rte_ether_addr *mac)
{
	struct neigh_waiting *w = &n->waiting[slot];

	for (unsigned i = 0; i < w->nb; i++) {
		struct rte_ether_hdr *eth = nfg_eth(w->pkts[i]);
		eth->dst_addr = *mac;
		eth->src_addr = n->cfg->mac;
	}
	if (w->nb)
		rte_node_enqueue(graph, node, n->cfg->out, (void **)w->pkts, (uint16_t)w->nb);
	w->nb = 0;
	n->waiting_used &= ~(UINT64_C(1) << slot);
}

/* Into the table, without telling anyone. */
static bool
learn_here(struct rte_graph *graph, struct rte_node *node, struct neigh *n,
	   const union neigh_addr *a, const struct rte_ether_addr *mac, uint64_t now)
{
	struct neigh_entry *e = neigh_cache_find(&n->cache, a);

	if (e && e->state == NEIGH_STATIC)
		return true;
	/* With the table full, the neighbour is asked for again when needed. */
	if (!e && !(e = neigh_cache_add(&n->cache, a)))
		return false;
	bool was_pending = e->state == NEIGH_PENDING;
	e->state = NEIGH_RESOLVED;
	e->mac = *mac;
	e->expires = now + n->cfg->timeout_tsc;
	if (was_pending)
		release(graph, node, n, e->waiting, mac);
	return true;
}

bool
neigh_learn(struct rte_graph *graph, struct rte_node *node, struct neigh *n,
	    const union neigh_addr *a, const struct rte_ether_addr *mac, uint64_t now)
{
	struct neigh_news news = { .addr = *a, .mac = *mac };
	const struct neigh_config *c = n->cfg;

	for (unsigned w = 0; n->inbox && w < c->nb_workers; w++)
		if (w != n->worker &&
		    rte_ring_mp_enqueue_elem(c->inbox[w], &news, sizeof(news)) != 0)
			nfg_count(node, c->counters->peer_news_lost, 1);
	return learn_here(graph, node, n, a, mac, now);
}

void
neigh_read_inbox(struct rte_graph *graph, struct rte_node *node, struct neigh *n, uint64_t now)
{
	struct neigh_news news[NEIGH_INBOX_BURST];

	if (!n->inbox)
		return;
	unsigned k = rte_ring_sc_dequeue_burst_elem(n->inbox, news, sizeof(news[0]),
						    NEIGH_INBOX_BURST, NULL);
	for (unsigned i = 0; i < k; i++)
		learn_here(graph, node, n, &news[i].addr, &news[i].mac, now);
	nfg_count(node, n->cfg->counters->learned_from_peers, k);
}

static void
hold(struct rte_node *node, const struct neigh *n, struct neigh_waiting *w, struct rte_mbuf *m)
{
	if (w->nb == n->cfg->max_held) {
		nfg_drop(node, n->cfg->counters->hold_full, &m, 1);
		return;
	}
	w->pkts[w->nb++] = m;
}

void
neigh_wait(struct rte_graph *graph, struct rte_node *node, struct neigh *n, struct rte_mbuf *m,
	   const union neigh_addr *hop, const union neigh_addr *sender, uint64_t now)
{
	const struct neigh_config *c = n->cfg;
	struct neigh_entry *e = neigh_cache_find(&n->cache, hop);

	if (e && e->state == NEIGH_PENDING) {
		hold(node, n, &n->waiting[e->waiting], m);
		return;
	}
	/* New, or known but stale: start resolving it. */
	if (n->waiting_used == UINT64_MAX) {
		nfg_drop(node, c->counters->hold_full, &m, 1);
		return;
	}
	if (!e && !(e = neigh_cache_add(&n->cache, hop))) {
		nfg_drop(node, c->counters->cache_full, &m, 1);
		return;
	}
	unsigned slot = (unsigned)__builtin_ctzll(~n->waiting_used);
	struct neigh_waiting *w = &n->waiting[slot];
	n->waiting_used |= UINT64_C(1) << slot;
	w->addr = *hop;
	w->sender = *sender;
	w->nb = 0;
	w->next_request = now + c->retry_tsc;
	w->give_up = now + c->hold_tsc;
	e->state = NEIGH_PENDING;
	e->waiting = (uint8_t)slot;
	c->ask(graph, node, hop, sender);
	hold(node, n, w, m);
}

void
neigh_poll(struct rte_graph *graph, struct rte_node *node, struct neigh *n, uint64_t now)
{
	const struct neigh_config *c = n->cfg;

	neigh_read_inbox(graph, node, n, now);
	for (uint64_t used = n->waiting_used; used; used &= used - 1) {
		unsigned slot = (unsigned)__builtin_ctzll(used);
		struct neigh_waiting *w = &n->waiting[slot];
		if (now >= w->give_up) {
			nfg_drop(node, c->counters->unresolved, w->pkts, (uint16_t)w->nb);
			w->nb = 0;
			struct neigh_entry *e = neigh_cache_find(&n->cache, &w->addr);
			if (e)
				neigh_cache_remove(&n->cache, e);
			n->waiting_used &= ~(UINT64_C(1) << slot);
		} else if (now >= w->next_request) {
			c->ask(graph, node, &w->addr, &w->sender);
			w->next_request = now + c->retry_tsc;
		}
	}
	neigh_cache_sweep(&n->cache, NEIGH_SWEEP_SLOTS, now);
}
