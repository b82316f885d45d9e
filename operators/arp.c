/* SPDX-License-Identifier: BSD-3-Clause
 *
 * arp: the neighbour side of IPv4 on one port. It answers ARP requests for
 * the port's addresses and for those its operators claimed on it (a
 * tcp_client's src_ips, listen addresses; include/nfg/steering.h), learns the senders of ARP addressed to it, and gives
 * IPv4 packets on their way out their Ethernet addresses. The next hop is the
 * destination when it is on one of the port's subnets, else the gateway; its
 * MAC comes from the worker's own table (arp_cache.h). Packets for a next hop
 * not known yet wait, a bounded number per neighbour, while a request goes
 * out every retry_ms; they leave as soon as the answer is learned, in order,
 * or are dropped as unresolved after hold_ms.
 *
 * Workers share nothing, but an answer may reach another worker than the one
 * that asked (RSS hashes it by its own addresses). So what a worker learns
 * from the wire it also posts to every other worker's inbox, a multi-producer
 * single-consumer ring that each worker reads at every call and poll.
 */
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "arp_cache.h"
#include "builtin.h"

#define ARP_MAX_WAITING 64 /* neighbours being resolved at once per worker: a bit each */
#define ARP_INBOX_SIZE 1024
#define ARP_INBOX_BURST 32
#define ARP_SWEEP_SLOTS 8  /* table slots checked for expiry per poll */
#define ARP_FRAME_LEN 60   /* the shortest Ethernet frame, without FCS */

struct arp_static_entry {
	uint32_t ip;
	struct rte_ether_addr mac;
};

struct arp_config {
	/* from the graph file (setup) */
	bool has_gateway;
	uint32_t gateway;
	unsigned max_held;
	uint64_t hold_ms, retry_ms, timeout_s;
	/* from the port and the EAL (start) */
	const struct nfg_port *port; /* whose addresses (and claimed ones) we answer for */
	struct rte_ether_addr mac;
	unsigned nb_addrs;
	uint32_t addr[NFG_PORT_MAX_ADDRS], mask[NFG_PORT_MAX_ADDRS]; /* network order */
	uint32_t gateway_sender; /* our address on the gateway's subnet */
	uint64_t hold_tsc, retry_tsc, timeout_tsc;
	unsigned nb_workers;
	struct rte_ring *inbox[RTE_MAX_LCORE]; /* by worker; none with one worker */
	unsigned nb_static;
	struct arp_static_entry statics[];
};

/* What a worker tells the others it learned: one 12-byte ring element. */
struct arp_news {
	uint32_t ip;
	struct rte_ether_addr mac;
	uint16_t unused;
};

/* The packets waiting for one neighbour's MAC. */
struct arp_waiting {
	uint32_t ip;           /* the neighbour */
	uint32_t sender_ip;    /* our address on its subnet */
	uint64_t next_request; /* TSC */
	uint64_t give_up;      /* TSC */
	unsigned nb;
	struct rte_mbuf **pkts; /* max_held slots in arp_state.held */
};

struct arp_state {
	const struct arp_config *cfg;
	struct rte_ring *inbox;
	unsigned worker;
	struct rte_mempool *pool;
	uint64_t waiting_used; /* bit i: waiting[i] is in use */
	struct arp_waiting waiting[ARP_MAX_WAITING];
	struct arp_cache cache;
	struct rte_mbuf *held[]; /* ARP_MAX_WAITING * max_held */
};

/* ARP_CONSUMED: the operator took the packet (it waits, was answered from, or was dropped). */
enum arp_output { ARP_OUT, ARP_OTHER, ARP_CONSUMED };

enum arp_counter {
	ARP_REPLIES_SENT, ARP_REQUESTS_SENT, ARP_REPLIES_RECEIVED, ARP_LEARNED,
	ARP_LEARNED_FROM_PEERS, ARP_NO_MBUF, ARP_PEER_NEWS_LOST,
	ARP_NOT_FOR_US, ARP_MALFORMED, ARP_NO_ROUTE, ARP_HOLD_FULL, ARP_UNRESOLVED,
	ARP_CACHE_FULL, ARP_HELD_AT_STOP,
};

/* The port's addresses and those its operators claimed (a client's source
 * range, a listen address): a peer asks for them before it answers. */
static bool
is_ours(const struct arp_config *c, uint32_t ip)
{
	return nfg_port_owns_ipv4(c->port, ip);
}

/* Is `ip` on one of the port's subnets? If so, `sender` is our address there. */
static bool
on_link(const struct arp_config *c, uint32_t ip, uint32_t *sender)
{
	for (unsigned i = 0; i < c->nb_addrs; i++)
		if (((ip ^ c->addr[i]) & c->mask[i]) == 0) {
			*sender = c->addr[i];
			return true;
		}
	return false;
}

/* Broadcast and multicast destinations have a MAC of their own: no ARP. */
static bool
group_mac(const struct arp_config *c, uint32_t dst_be, struct rte_ether_addr *mac)
{
	uint32_t dst = rte_be_to_cpu_32(dst_be);

	if (dst >> 28 == 0xe) { /* 224.0.0.0/4: 01:00:5e and the low 23 bits (RFC 1112) */
		*mac = (struct rte_ether_addr){ { 0x01, 0x00, 0x5e, (dst >> 16) & 0x7f,
						  (uint8_t)(dst >> 8), (uint8_t)dst } };
		return true;
	}
	bool broadcast = dst == UINT32_MAX;
	for (unsigned i = 0; i < c->nb_addrs && !broadcast; i++) {
		uint32_t host = ~rte_be_to_cpu_32(c->mask[i]);
		/* A subnet's broadcast address; /31 and /32 have none (RFC 3021). */
		broadcast = host >= 3 && (dst & host) == host && ((dst_be ^ c->addr[i]) & c->mask[i]) == 0;
	}
	if (broadcast)
		memset(mac, 0xff, sizeof(*mac));
	return broadcast;
}

static void
send_request(struct rte_graph *graph, struct rte_node *node, struct arp_state *st,
	     uint32_t target, uint32_t sender)
{
	const struct arp_config *c = st->cfg;
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->pool);
	uint8_t *frame = m ? (uint8_t *)rte_pktmbuf_append(m, ARP_FRAME_LEN) : NULL;

	if (!frame) {
		rte_pktmbuf_free(m);
		nfg_count(node, ARP_NO_MBUF, 1); /* the next retry tries again */
		return;
	}
	memset(frame, 0, ARP_FRAME_LEN);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = c->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(uint32_t);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = c->mac;
	arp->arp_data.arp_sip = sender;
	arp->arp_data.arp_tip = target; /* the target MAC stays zero: it is the question */
	m->packet_type = RTE_PTYPE_L2_ETHER_ARP;
	m->l2_len = sizeof(*eth);
	rte_node_enqueue_x1(graph, node, ARP_OUT, m);
	nfg_count(node, ARP_REQUESTS_SENT, 1);
}

static inline void
set_macs(struct rte_mbuf *m, const struct rte_ether_addr *dst, const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *eth = nfg_eth(m);

	eth->dst_addr = *dst;
	eth->src_addr = *src;
}

/* The answer came: the waiting packets leave, oldest first. */
static void
release(struct rte_graph *graph, struct rte_node *node, struct arp_state *st, unsigned slot,
	const struct rte_ether_addr *mac)
{
	struct arp_waiting *w = &st->waiting[slot];

	for (unsigned i = 0; i < w->nb; i++)
		set_macs(w->pkts[i], mac, &st->cfg->mac);
	if (w->nb)
		rte_node_enqueue(graph, node, ARP_OUT, (void **)w->pkts, (uint16_t)w->nb);
	w->nb = 0;
	st->waiting_used &= ~(UINT64_C(1) << slot);
}

static void
learn(struct rte_graph *graph, struct rte_node *node, struct arp_state *st, uint32_t ip,
      const struct rte_ether_addr *mac, uint64_t now)
{
	struct arp_entry *e = arp_cache_find(&st->cache, ip);

	if (e && e->state == ARP_STATIC)
		return;
	/* With the table full, the neighbour is asked for again when needed. */
	if (!e && !(e = arp_cache_add(&st->cache, ip)))
		return;
	bool was_pending = e->state == ARP_PENDING;
	e->state = ARP_RESOLVED;
	e->mac = *mac;
	e->expires = now + st->cfg->timeout_tsc;
	if (was_pending)
		release(graph, node, st, e->waiting, mac);
}

static void
tell_peers(struct rte_node *node, const struct arp_state *st, uint32_t ip,
	   const struct rte_ether_addr *mac)
{
	struct arp_news news = { .ip = ip, .mac = *mac };

	for (unsigned w = 0; st->inbox && w < st->cfg->nb_workers; w++)
		if (w != st->worker &&
		    rte_ring_mp_enqueue_elem(st->cfg->inbox[w], &news, sizeof(news)) != 0)
			nfg_count(node, ARP_PEER_NEWS_LOST, 1);
}

static void
read_inbox(struct rte_graph *graph, struct rte_node *node, struct arp_state *st, uint64_t now)
{
	struct arp_news news[ARP_INBOX_BURST];

	if (!st->inbox)
		return;
	unsigned n = rte_ring_sc_dequeue_burst_elem(st->inbox, news, sizeof(news[0]),
						    ARP_INBOX_BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		learn(graph, node, st, news[i].ip, &news[i].mac, now);
	nfg_count(node, ARP_LEARNED_FROM_PEERS, n);
}

static enum arp_output
handle_arp(struct rte_graph *graph, struct rte_node *node, struct arp_state *st,
	   struct rte_mbuf *m, uint64_t now)
{
	const struct arp_config *c = st->cfg;
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, m->l2_len);
	uint16_t op = 0;

	if (rte_pktmbuf_data_len(m) >= m->l2_len + sizeof(*arp))
		op = rte_be_to_cpu_16(arp->arp_opcode);
	if ((op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY) ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != sizeof(uint32_t)) {
		nfg_drop(node, ARP_MALFORMED, &m, 1);
		return ARP_CONSUMED;
	}
	uint32_t sender_ip = arp->arp_data.arp_sip, target_ip = arp->arp_data.arp_tip;
	struct rte_ether_addr sender_mac = arp->arp_data.arp_sha;
	if (!is_ours(c, target_ip)) {
		nfg_drop(node, ARP_NOT_FOR_US, &m, 1);
		return ARP_CONSUMED;
	}
	/* Probes (sender 0.0.0.0) and claims on our own addresses teach nothing. */
	if (sender_ip != 0 && !is_ours(c, sender_ip) &&
	    rte_is_valid_assigned_ether_addr(&sender_mac)) {
		learn(graph, node, st, sender_ip, &sender_mac, now);
		tell_peers(node, st, sender_ip, &sender_mac);
		nfg_count(node, ARP_LEARNED, 1);
	}
	if (op == RTE_ARP_OP_REPLY) {
		rte_pktmbuf_free(m); /* consumed: what it said is in the table */
		nfg_count(node, ARP_REPLIES_RECEIVED, 1);
		return ARP_CONSUMED;
	}
	/* The request becomes our reply, in place. */
	set_macs(m, &sender_mac, &c->mac);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = sender_mac;
	arp->arp_data.arp_tip = sender_ip;
	arp->arp_data.arp_sha = c->mac;
	arp->arp_data.arp_sip = target_ip;
	nfg_count(node, ARP_REPLIES_SENT, 1);
	return ARP_OUT;
}

static enum arp_output
hold(struct rte_node *node, const struct arp_state *st, struct arp_waiting *w,
     struct rte_mbuf *m)
{
	if (w->nb == st->cfg->max_held) {
		nfg_drop(node, ARP_HOLD_FULL, &m, 1);
		return ARP_CONSUMED;
	}
	w->pkts[w->nb++] = m;
	return ARP_CONSUMED;
}

/* Starts resolving `hop` (new, or known but stale) and keeps the packet. */
static enum arp_output
ask(struct rte_graph *graph, struct rte_node *node, struct arp_state *st, struct rte_mbuf *m,
    struct arp_entry *e, uint32_t hop, uint32_t sender, uint64_t now)
{
	if (st->waiting_used == UINT64_MAX) {
		nfg_drop(node, ARP_HOLD_FULL, &m, 1);
		return ARP_CONSUMED;
	}
	if (!e && !(e = arp_cache_add(&st->cache, hop))) {
		nfg_drop(node, ARP_CACHE_FULL, &m, 1);
		return ARP_CONSUMED;
	}
	unsigned slot = (unsigned)__builtin_ctzll(~st->waiting_used);
	struct arp_waiting *w = &st->waiting[slot];
	st->waiting_used |= UINT64_C(1) << slot;
	w->ip = hop;
	w->sender_ip = sender;
	w->nb = 0;
	w->next_request = now + st->cfg->retry_tsc;
	w->give_up = now + st->cfg->hold_tsc;
	e->state = ARP_PENDING;
	e->waiting = (uint8_t)slot;
	send_request(graph, node, st, hop, sender);
	return hold(node, st, w, m);
}

static enum arp_output
resolve(struct rte_graph *graph, struct rte_node *node, struct arp_state *st,
	struct rte_mbuf *m, uint64_t now)
{
	const struct arp_config *c = st->cfg;
	uint32_t dst = ((const struct rte_ipv4_hdr *)nfg_l3(m))->dst_addr, hop, sender;
	struct rte_ether_addr group;

	if (group_mac(c, dst, &group)) {
		set_macs(m, &group, &c->mac);
		return ARP_OUT;
	}
	if (on_link(c, dst, &sender)) {
		hop = dst;
	} else if (c->has_gateway) {
		hop = c->gateway;
		sender = c->gateway_sender;
	} else {
		nfg_drop(node, ARP_NO_ROUTE, &m, 1);
		return ARP_CONSUMED;
	}
	struct arp_entry *e = arp_cache_find(&st->cache, hop);
	if (e && (e->state == ARP_STATIC || (e->state == ARP_RESOLVED && now < e->expires))) {
		set_macs(m, &e->mac, &c->mac);
		return ARP_OUT;
	}
	if (e && e->state == ARP_PENDING)
		return hold(node, st, &st->waiting[e->waiting], m);
	return ask(graph, node, st, m, e, hop, sender, now);
}

static uint16_t
arp_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct arp_state *st = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint64_t now = rte_rdtsc();
	enum arp_output first = ARP_OUT;
	bool one_output = true; /* so far every packet went to `first`: not sent yet */

	read_inbox(graph, node, st, now);
	for (uint16_t i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = pkts[i];
		enum arp_output to;
		if ((m->packet_type & RTE_PTYPE_L2_MASK) == RTE_PTYPE_L2_ETHER_ARP)
			to = handle_arp(graph, node, st, m, now);
		else if (nfg_is_ipv4(m))
			to = resolve(graph, node, st, m, now);
		else
			to = ARP_OTHER;
		if (one_output) {
			if (i == 0)
				first = to;
			if (to == first && to != ARP_CONSUMED)
				continue;
			/* The batch splits here: send on what went to one output so far. */
			one_output = false;
			if (i > 0)
				rte_node_enqueue(graph, node, first, objs, i);
		}
		if (to != ARP_CONSUMED)
			rte_node_enqueue_x1(graph, node, to, m);
	}
	if (one_output && nb_objs)
		rte_node_next_stream_move(graph, node, first);
	return nb_objs;
}

/* Timers: repeat requests, give up on neighbours that do not answer, and
 * forget entries that expired. Requests sent here leave on the next walk. */
static void
arp_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct arp_state *st = nfg_node_state(node);
	uint64_t now = rte_rdtsc();

	read_inbox(graph, node, st, now);
	for (uint64_t used = st->waiting_used; used; used &= used - 1) {
		unsigned slot = (unsigned)__builtin_ctzll(used);
		struct arp_waiting *w = &st->waiting[slot];
		if (now >= w->give_up) {
			nfg_drop(node, ARP_UNRESOLVED, w->pkts, (uint16_t)w->nb);
			w->nb = 0;
			struct arp_entry *e = arp_cache_find(&st->cache, w->ip);
			if (e)
				arp_cache_remove(&st->cache, e);
			st->waiting_used &= ~(UINT64_C(1) << slot);
		} else if (now >= w->next_request) {
			send_request(graph, node, st, w->ip, w->sender_ip);
			w->next_request = now + st->cfg->retry_tsc;
		}
	}
	arp_cache_sweep(&st->cache, ARP_SWEEP_SLOTS, now);
}

static int
arp_setup(struct nfg_instance *inst)
{
	json_t *statics = nfg_param(inst, "static"), *v;
	struct arp_config *c = calloc(1, sizeof(*c) + json_array_size(statics) * sizeof(c->statics[0]));
	size_t i;

	if (!c)
		return -1;
	nfg_instance_set_config(inst, c, NULL);
	if ((c->has_gateway = nfg_param(inst, "gateway") != NULL))
		nfg_parse_ipv4(nfg_param_string(inst, "gateway"), &c->gateway);
	c->max_held = (unsigned)nfg_param_int(inst, "max_held");
	c->hold_ms = (uint64_t)nfg_param_int(inst, "hold_ms");
	c->retry_ms = (uint64_t)nfg_param_int(inst, "retry_ms");
	c->timeout_s = (uint64_t)nfg_param_int(inst, "timeout_s");
	json_array_foreach(statics, i, v) {
		struct arp_static_entry *s = &c->statics[c->nb_static++];
		nfg_parse_ipv4(json_string_value(json_object_get(v, "ip")), &s->ip);
		nfg_parse_mac(json_string_value(json_object_get(v, "mac")), &s->mac);
		if (s->ip == 0) {
			char where[32];
			snprintf(where, sizeof(where), "static[%zu].ip", i);
			return nfg_error(inst, where, "0.0.0.0 cannot be a neighbour");
		}
	}
	nfg_instance_reserve_mbufs(inst, ARP_MAX_WAITING * c->max_held * nfg_worker_count());
	return 0;
}

static void
arp_stop(struct nfg_instance *inst)
{
	struct arp_config *c = nfg_instance_config(inst);

	for (unsigned w = 0; w < RTE_DIM(c->inbox); w++) {
		rte_ring_free(c->inbox[w]); /* news only: no mbufs in there */
		c->inbox[w] = NULL;
	}
}

/* The port's addresses, the TSC rate and the inboxes exist once the EAL runs. */
static int
arp_start(struct nfg_instance *inst)
{
	static unsigned serial; /* ring names must be unique in the process */
	struct arp_config *c = nfg_instance_config(inst);
	const char *name = nfg_param_string(inst, "port");
	const struct nfg_port *port = nfg_port_get(name);

	if (!port)
		return nfg_error(inst, "port", "port %s is not running", name);
	if (port->nb_ipv4 == 0)
		return nfg_error(inst, "port", "port %s has no \"ipv4\" address: arp answers for "
				 "the port's addresses and asks from them", name);
	c->port = port;
	c->mac = port->mac;
	c->nb_addrs = port->nb_ipv4;
	for (unsigned i = 0; i < port->nb_ipv4; i++) {
		c->addr[i] = port->ipv4[i];
		c->mask[i] = port->ipv4_prefix[i] ? rte_cpu_to_be_32(~0u << (32 - port->ipv4_prefix[i]))
						   : 0;
	}
	if (c->has_gateway && !on_link(c, c->gateway, &c->gateway_sender))
		return nfg_error(inst, "gateway", "%s is on none of port %s's subnets",
				 nfg_param_string(inst, "gateway"), name);
	uint64_t hz = rte_get_tsc_hz();
	c->hold_tsc = hz * c->hold_ms / 1000;
	c->retry_tsc = hz * c->retry_ms / 1000;
	c->timeout_tsc = hz * c->timeout_s;
	c->nb_workers = nfg_worker_count();
	if (c->nb_workers > RTE_DIM(c->inbox))
		return nfg_error(inst, NULL, "at most %zu workers", RTE_DIM(c->inbox));
	for (unsigned w = 0; c->nb_workers > 1 && w < c->nb_workers; w++) {
		char ring[RTE_RING_NAMESIZE];
		snprintf(ring, sizeof(ring), "arp%u_w%u", serial, w);
		c->inbox[w] = rte_ring_create_elem(ring, sizeof(struct arp_news), ARP_INBOX_SIZE,
						   SOCKET_ID_ANY, RING_F_SC_DEQ);
		if (!c->inbox[w]) {
			arp_stop(inst);
			return nfg_error(inst, NULL, "cannot create ring %s: %s", ring,
					 rte_strerror(rte_errno));
		}
	}
	serial++;
	return 0;
}

static int
arp_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct arp_config *c = nfg_instance_config(inst);
	size_t held = (size_t)ARP_MAX_WAITING * c->max_held;
	struct arp_state *st = rte_zmalloc("arp", sizeof(*st) + held * sizeof(st->held[0]),
					   RTE_CACHE_LINE_SIZE);

	if (!st)
		return -1;
	st->cfg = c;
	st->worker = worker;
	st->inbox = c->inbox[worker];
	st->pool = nfg_pktmbuf_pool();
	for (unsigned i = 0; i < ARP_MAX_WAITING; i++)
		st->waiting[i].pkts = &st->held[i * c->max_held];
	for (unsigned i = 0; i < c->nb_static; i++) {
		struct arp_entry *e = arp_cache_find(&st->cache, c->statics[i].ip);
		if (!e && !(e = arp_cache_add(&st->cache, c->statics[i].ip))) {
			rte_free(st);
			return -1;
		}
		e->state = ARP_STATIC;
		e->mac = c->statics[i].mac;
	}
	nfg_node_set_state(node, st);
	return 0;
}

static void
arp_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct arp_state *st = nfg_node_state(node);

	if (!st)
		return;
	for (uint64_t used = st->waiting_used; used; used &= used - 1) {
		struct arp_waiting *w = &st->waiting[__builtin_ctzll(used)];
		nfg_drop(node, ARP_HELD_AT_STOP, w->pkts, (uint16_t)w->nb);
	}
	rte_free(st);
}

static const struct nfg_param arp_static_fields[] = {
	{ .name = "ip", .type = NFG_T_IPV4, .doc = "the neighbour's address" },
	{ .name = "mac", .type = NFG_T_MAC, .doc = "its MAC" },
	{ 0 },
};

static const struct nfg_param arp_params[] = {
	{ .name = "port", .type = NFG_T_PORT,
	  .doc = "the port: its MAC and IPv4 addresses/prefixes" },
	{ .name = "gateway", .type = NFG_T_IPV4, .flags = NFG_P_OPTIONAL,
	  .doc = "next hop for destinations off the port's subnets (none: dropped, no_route)" },
	{ .name = "static", .type = NFG_T_LIST, .def = "[]", .min = 0, .max = 1024,
	  .fields = arp_static_fields, .doc = "fixed neighbours: [{\"ip\": ..., \"mac\": ...}]" },
	{ .name = "hold_ms", .type = NFG_T_INT, .def = "1000", .min = 1, .max = 60000,
	  .doc = "how long packets wait for their next hop's MAC" },
	{ .name = "retry_ms", .type = NFG_T_INT, .def = "250", .min = 1, .max = 60000,
	  .doc = "interval between ARP requests while packets wait" },
	{ .name = "max_held", .type = NFG_T_INT, .def = "32", .min = 1, .max = 1024,
	  .doc = "packets that may wait per next hop (more: dropped, hold_full)" },
	{ .name = "timeout_s", .type = NFG_T_INT, .def = "300", .min = 1, .max = 86400,
	  .doc = "lifetime of a learned entry" },
	{ 0 },
};

static const char *const arp_outputs[] = { "out", NULL };
static const char *const arp_optional_outputs[] = { "other", NULL };

static const struct nfg_counter arp_counters[] = {
	[ARP_REPLIES_SENT] = { "replies_sent", NFG_CTR_INFO },
	[ARP_REQUESTS_SENT] = { "requests_sent", NFG_CTR_INFO },
	[ARP_REPLIES_RECEIVED] = { "replies_received", NFG_CTR_INFO },
	[ARP_LEARNED] = { "learned", NFG_CTR_INFO },
	[ARP_LEARNED_FROM_PEERS] = { "learned_from_peers", NFG_CTR_INFO },
	[ARP_NO_MBUF] = { "no_mbuf", NFG_CTR_INFO },
	[ARP_PEER_NEWS_LOST] = { "peer_news_lost", NFG_CTR_INFO },
	[ARP_NOT_FOR_US] = { "arp_not_for_us", NFG_CTR_DROP },
	[ARP_MALFORMED] = { "arp_malformed", NFG_CTR_DROP },
	[ARP_NO_ROUTE] = { "no_route", NFG_CTR_DROP },
	[ARP_HOLD_FULL] = { "hold_full", NFG_CTR_DROP },
	[ARP_UNRESOLVED] = { "unresolved", NFG_CTR_DROP },
	[ARP_CACHE_FULL] = { "cache_full", NFG_CTR_DROP },
	[ARP_HELD_AT_STOP] = { "held_at_stop", NFG_CTR_DROP },
	{ 0 },
};

static const struct nfg_op arp_op = {
	.api_version = NFG_API_VERSION,
	.name = "arp",
	.summary = "answer ARP, resolve next hops, address IPv4 packets for a port",
	.doc = "ARP requests for the port's addresses, and for the addresses operators own on\n"
	       "the port (tcp_client's src_ips, listen addresses of tcp_server and tcp_proxy,\n"
	       "tcp_proxy's src_ips), get their reply on \"out\"; the sender of every request\n"
	       "or reply addressed to us is learned (timeout_s), and ARP not for us is\n"
	       "dropped. IPv4 packets get the Ethernet header for their next hop\n"
	       "(the destination on the port's subnets, else the gateway; broadcast and\n"
	       "multicast map to their group MAC) and leave on \"out\". Packets for a next\n"
	       "hop not known yet wait (max_held each, 64 next hops at once; beyond:\n"
	       "hold_full) while a broadcast request goes out every retry_ms; the reply\n"
	       "releases them in order, after hold_ms they are dropped as unresolved.\n"
	       "Other packets go to \"other\". Each worker keeps its own table of up to\n"
	       "3072 neighbours and tells the others what it learns.",
	.input_doc = "packets after parse (ARP frames, IPv4 packets to send on the port)",
	.example = "\"arp\": {\"op\": \"arp\", \"port\": \"wan\", \"gateway\": \"198.18.0.254\"}",
	.params = arp_params,
	.outputs = arp_outputs,
	.optional_outputs = arp_optional_outputs,
	.counters = arp_counters,
	.setup = arp_setup,
	.start = arp_start,
	.init = arp_init,
	.process = arp_process,
	.poll = arp_poll,
	.fini = arp_fini,
	.stop = arp_stop,
};

NFG_OPERATOR_REGISTER(arp_op);
