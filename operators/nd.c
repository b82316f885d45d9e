/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nd: the neighbour side of IPv6 on one port (RFC 4861), as arp is for
 * IPv4. It answers Neighbor Solicitations for the port's IPv6 addresses with
 * Neighbor Advertisements that carry our MAC, announces the addresses once
 * at start, learns the neighbours that solicit or advertise to us, and gives
 * IPv6 packets on their way out their Ethernet addresses: the next hop is the
 * destination when it is on one of the port's prefixes, else the gateway,
 * and it is found by soliciting it (neigh.h: the waiting, the retries and
 * what workers tell each other are arp's).
 *
 * A packet is one we received when it is addressed to one of our addresses,
 * or to a multicast group from someone else; its ICMPv6 is ours to read.
 * Every other IPv6 packet is on its way out and gets resolved. Received
 * ICMPv6 that is not neighbour discovery (router messages, echo, MLD) is
 * dropped and counted: put icmp_echo in front of nd for pings.
 */
#include <rte_cycles.h>

#include "builtin.h"
#include "neigh.h"

#define ND_HOP_LIMIT 255   /* ND messages must arrive with it: proof they were not routed */
#define ND_MSG_LEN 24      /* type, code, checksum, flags/reserved, target */
#define ND_OPT_SOURCE_LL 1
#define ND_OPT_TARGET_LL 2
#define ND_NA_ROUTER 0x80  /* flags, first byte of the word after the checksum */
#define ND_NA_SOLICITED 0x40
#define ND_NA_OVERRIDE 0x20
#define ND_FRAME_LEN (RTE_ETHER_HDR_LEN + 40 + ND_MSG_LEN + 8) /* with one address option */

enum { ICMP6_ECHO_REQUEST = 128, ICMP6_RS = 133, ICMP6_RA, ICMP6_NS, ICMP6_NA, ICMP6_REDIRECT };

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

struct nd_config {
	bool has_gateway, announce;
	uint8_t gateway[16];
	/* from the port (start) */
	const struct nfg_port *port;
	uint8_t gateway_sender[16]; /* our address to ask the gateway from */
	struct neigh_config neigh;
};

struct nd_state {
	const struct nd_config *cfg;
	struct rte_mempool *pool;
	struct neigh *neigh;
	bool announced;
};

/* ND_CONSUMED: the operator took the packet (answered from, learned from, waits, dropped). */
enum nd_output { ND_OUT, ND_OTHER, ND_CONSUMED };

enum nd_counter {
	ND_SOLICITATIONS_RECEIVED, ND_ADVERTISEMENTS_RECEIVED, ND_ADVERTISEMENTS_SENT,
	ND_ANNOUNCEMENTS_SENT, ND_SOLICITATIONS_SENT, ND_LEARNED, ND_LEARNED_FROM_PEERS,
	ND_NO_MBUF, ND_PEER_NEWS_LOST, ND_DUPLICATE_ADDRESS,
	ND_TRUNCATED, ND_BAD_CHECKSUM, ND_BAD_HOP_LIMIT, ND_BAD_CODE, ND_BAD_OPTION,
	ND_BAD_TARGET, ND_BAD_SOURCE, ND_NOT_FOR_US, ND_ROUTER_MESSAGES, ND_ICMP6_NOT_HANDLED,
	ND_NO_ROUTE, ND_HOLD_FULL, ND_UNRESOLVED, ND_CACHE_FULL, ND_HELD_AT_STOP,
};

static const struct neigh_counters nd_neigh_counters = {
	.learned_from_peers = ND_LEARNED_FROM_PEERS, .peer_news_lost = ND_PEER_NEWS_LOST,
	.hold_full = ND_HOLD_FULL, .cache_full = ND_CACHE_FULL, .unresolved = ND_UNRESOLVED,
	.held_at_stop = ND_HELD_AT_STOP,
};

static inline bool
is_multicast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static inline bool
is_unspecified(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* The ICMPv6 checksum over the pseudo-header (RFC 8200 8.1) and the message;
 * 0xffff when a received message is right. `sum` starts the message's sum. */
static uint16_t
icmp6_sum(const struct rte_ipv6_hdr *ip, const void *msg, uint32_t len)
{
	uint32_t pseudo[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(IPPROTO_ICMPV6) };
	uint32_t sum = __rte_raw_cksum(ip->src_addr, 32, 0); /* src and dst are adjacent */

	sum = __rte_raw_cksum(pseudo, sizeof(pseudo), sum);
	sum = __rte_raw_cksum(msg, len, sum);
	return __rte_raw_cksum_reduce(sum);
}

/* Is `a` on one of the port's prefixes? If so, `sender` is our address there. */
static bool
on_link(const struct nfg_port *port, const uint8_t a[16], const uint8_t **sender)
{
	for (unsigned i = 0; i < port->nb_ipv6; i++) {
		unsigned plen = port->ipv6_prefix[i], full = plen / 8, rest = plen % 8;
		if (memcmp(a, port->ipv6[i], full) != 0)
			continue;
		if (rest && ((a[full] ^ port->ipv6[i][full]) & (0xff00u >> rest) & 0xff))
			continue;
		*sender = port->ipv6[i];
		return true;
	}
	return false;
}

/* A fresh ND frame (NS or NA with one link-layer address option) from our
 * MAC and address `src` to `dst_mac`/`dst`; NULL when the pool is empty. */
static struct rte_mbuf *
nd_frame(struct rte_node *node, const struct nd_state *st, uint8_t type, uint8_t flags,
	 const struct rte_ether_addr *dst_mac, const uint8_t src[16], const uint8_t dst[16],
	 const uint8_t target[16])
{
	const struct neigh_config *n = &st->cfg->neigh;
	struct rte_mbuf *m = rte_pktmbuf_alloc(st->pool);
	uint8_t *f = m ? (uint8_t *)rte_pktmbuf_append(m, ND_FRAME_LEN) : NULL;

	if (!f) {
		rte_pktmbuf_free(m);
		nfg_count(node, ND_NO_MBUF, 1);
		return NULL;
	}
	memset(f, 0, ND_FRAME_LEN);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)f;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	uint8_t *msg = (uint8_t *)(ip + 1);
	eth->dst_addr = *dst_mac;
	eth->src_addr = n->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(ND_MSG_LEN + 8);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = ND_HOP_LIMIT;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	msg[0] = type;
	msg[4] = flags;
	memcpy(msg + 8, target, 16);
	msg[24] = type == ICMP6_NS ? ND_OPT_SOURCE_LL : ND_OPT_TARGET_LL;
	msg[25] = 1; /* in units of 8 bytes */
	memcpy(msg + 26, &n->mac, RTE_ETHER_ADDR_LEN);
	uint16_t sum = (uint16_t)~icmp6_sum(ip, msg, ND_MSG_LEN + 8);
	memcpy(msg + 2, &sum, 2);
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_ICMP;
	m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, sizeof(*ip), 8, 0, 0, 0, 0);
	return m;
}

/* A solicitation for target, to its solicited-node group (neigh_ask_fn). */
static void
solicit(struct rte_graph *graph, struct rte_node *node, const union neigh_addr *target,
	const union neigh_addr *sender)
{
	const struct nd_state *st = nfg_node_state(node);
	uint8_t group[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, target->b[13], target->b[14],
			      target->b[15] };
	struct rte_ether_addr mac = { { 0x33, 0x33, 0xff, target->b[13], target->b[14],
					target->b[15] } };
	struct rte_mbuf *m = nd_frame(node, st, ICMP6_NS, 0, &mac, sender->b, group, target->b);

	if (m) {
		rte_node_enqueue_x1(graph, node, ND_OUT, m);
		nfg_count(node, ND_SOLICITATIONS_SENT, 1);
	}
}

/* Our addresses, to everyone on the link, so that stale caches learn our MAC
 * (RFC 4861 7.2.6). Once per worker 0's first poll. */
static void
announce(struct rte_graph *graph, struct rte_node *node, const struct nd_state *st)
{
	const struct nfg_port *port = st->cfg->port;
	struct rte_ether_addr mac = { { 0x33, 0x33, 0, 0, 0, 1 } };

	for (unsigned i = 0; i < port->nb_ipv6; i++) {
		struct rte_mbuf *m = nd_frame(node, st, ICMP6_NA, ND_NA_OVERRIDE, &mac,
					      port->ipv6[i], all_nodes, port->ipv6[i]);
		if (!m)
			return;
		rte_node_enqueue_x1(graph, node, ND_OUT, m);
		nfg_count(node, ND_ANNOUNCEMENTS_SENT, 1);
	}
}

/* Checks an NS or NA (RFC 4861 7.1.1, 7.1.2) and finds its link-layer
 * address option; returns the drop counter, or -1 when it is fine. */
static int
check(const struct rte_ipv6_hdr *ip, const uint8_t *msg, uint32_t len, uint8_t want_opt,
      const struct rte_ether_addr **lladdr)
{
	if (ip->hop_limits != ND_HOP_LIMIT)
		return ND_BAD_HOP_LIMIT;
	if (len < ND_MSG_LEN)
		return ND_TRUNCATED;
	if (icmp6_sum(ip, msg, len) != 0xffff)
		return ND_BAD_CHECKSUM;
	if (msg[1] != 0)
		return ND_BAD_CODE;
	if (is_multicast(msg + 8))
		return ND_BAD_TARGET;
	*lladdr = NULL;
	for (uint32_t off = ND_MSG_LEN; off < len;) {
		uint32_t opt_len = off + 2 <= len ? msg[off + 1] * 8u : 0;
		if (opt_len == 0 || off + opt_len > len)
			return ND_BAD_OPTION;
		if (msg[off] == want_opt) {
			if (opt_len != 8) /* an Ethernet address option is 8 bytes (RFC 2464) */
				return ND_BAD_OPTION;
			*lladdr = (const struct rte_ether_addr *)(msg + off + 2);
		}
		off += opt_len;
	}
	return -1;
}

static enum nd_output
drop(struct rte_node *node, unsigned reason, struct rte_mbuf *m)
{
	nfg_drop(node, reason, &m, 1);
	return ND_CONSUMED;
}

static enum nd_output
solicitation(struct rte_graph *graph, struct rte_node *node, struct nd_state *st,
	     struct rte_mbuf *m, const struct rte_ipv6_hdr *ip, const uint8_t *msg, uint32_t len,
	     uint64_t now)
{
	const struct rte_ether_addr *sll;
	int bad = check(ip, msg, len, ND_OPT_SOURCE_LL, &sll);

	if (bad >= 0)
		return drop(node, (unsigned)bad, m);
	bool dad = is_unspecified(ip->src_addr);
	/* A probe for duplicates comes from :: to a solicited-node group, with no
	 * address to learn (7.1.1). */
	if (dad && (sll || ip->dst_addr[0] != 0xff || ip->dst_addr[11] != 1 || ip->dst_addr[12] != 0xff))
		return drop(node, ND_BAD_SOURCE, m);
	if (!nfg_port_owns_ipv6(st->cfg->port, msg + 8))
		return drop(node, ND_NOT_FOR_US, m);
	nfg_count(node, ND_SOLICITATIONS_RECEIVED, 1);
	if (sll && rte_is_valid_assigned_ether_addr(sll)) {
		union neigh_addr a = neigh_addr_v6(ip->src_addr);
		neigh_learn(graph, node, st->neigh, &a, sll, now);
		nfg_count(node, ND_LEARNED, 1);
	}
	/* The answer goes where the question came from; a probe's to everyone. */
	struct rte_ether_addr to = dad ? (struct rte_ether_addr){ { 0x33, 0x33, 0, 0, 0, 1 } }
				       : nfg_eth(m)->src_addr;
	uint8_t target[16];
	memcpy(target, msg + 8, 16);
	struct rte_mbuf *na = nd_frame(node, st, ICMP6_NA,
				       ND_NA_OVERRIDE | (dad ? 0 : ND_NA_SOLICITED), &to, target,
				       dad ? all_nodes : ip->src_addr, target);
	rte_pktmbuf_free(m); /* answered: the advertisement is a frame of its own */
	if (!na)
		return ND_CONSUMED;
	rte_node_enqueue_x1(graph, node, ND_OUT, na);
	nfg_count(node, ND_ADVERTISEMENTS_SENT, 1);
	return ND_CONSUMED;
}

static enum nd_output
advertisement(struct rte_graph *graph, struct rte_node *node, struct nd_state *st,
	      struct rte_mbuf *m, const struct rte_ipv6_hdr *ip, const uint8_t *msg, uint32_t len,
	      uint64_t now)
{
	const struct rte_ether_addr *tll;
	int bad = check(ip, msg, len, ND_OPT_TARGET_LL, &tll);

	if (bad >= 0)
		return drop(node, (unsigned)bad, m);
	/* Solicited advertisements are unicast (7.1.2). */
	if (is_multicast(ip->dst_addr) && (msg[4] & ND_NA_SOLICITED))
		return drop(node, ND_BAD_SOURCE, m);
	if (nfg_port_owns_ipv6(st->cfg->port, msg + 8)) {
		/* Someone else claims one of our addresses. */
		return drop(node, ND_DUPLICATE_ADDRESS, m);
	}
	nfg_count(node, ND_ADVERTISEMENTS_RECEIVED, 1);
	if (tll && rte_is_valid_assigned_ether_addr(tll)) {
		union neigh_addr a = neigh_addr_v6(msg + 8);
		neigh_learn(graph, node, st->neigh, &a, tll, now);
		nfg_count(node, ND_LEARNED, 1);
	}
	rte_pktmbuf_free(m); /* consumed: what it said is in the table */
	return ND_CONSUMED;
}

/* ICMPv6 addressed to us. */
static enum nd_output
received(struct rte_graph *graph, struct rte_node *node, struct nd_state *st, struct rte_mbuf *m,
	 uint64_t now)
{
	const struct rte_ipv6_hdr *ip = nfg_l3(m);
	const uint8_t *msg = nfg_l4(m);
	uint32_t off = m->l2_len + m->l3_len;
	uint32_t len = rte_be_to_cpu_16(ip->payload_len) + sizeof(*ip) - m->l3_len;

	/* parse checked the datagram is in the packet; we read it in one piece. */
	if (rte_pktmbuf_data_len(m) < off + len)
		return drop(node, ND_TRUNCATED, m);
	switch (msg[0]) {
	case ICMP6_NS:
		return solicitation(graph, node, st, m, ip, msg, len, now);
	case ICMP6_NA:
		return advertisement(graph, node, st, m, ip, msg, len, now);
	case ICMP6_RS:
	case ICMP6_RA:
	case ICMP6_REDIRECT:
		return drop(node, ND_ROUTER_MESSAGES, m); /* a host: no routers to follow */
	default:
		return drop(node, ND_ICMP6_NOT_HANDLED, m);
	}
}

/* An IPv6 packet on its way out: its next hop's MAC, or it waits. */
static enum nd_output
resolve(struct rte_graph *graph, struct rte_node *node, struct nd_state *st, struct rte_mbuf *m,
	uint64_t now)
{
	const struct nd_config *c = st->cfg;
	const struct rte_ipv6_hdr *ip = nfg_l3(m);
	struct rte_ether_hdr *eth = nfg_eth(m);
	const uint8_t *dst = ip->dst_addr, *hop, *sender;

	if (is_multicast(dst)) { /* 33:33 and the group's low 32 bits (RFC 2464 7) */
		eth->dst_addr = (struct rte_ether_addr){ { 0x33, 0x33, dst[12], dst[13], dst[14], dst[15] } };
		eth->src_addr = c->neigh.mac;
		return ND_OUT;
	}
	if (on_link(c->port, dst, &sender)) {
		hop = dst;
	} else if (c->has_gateway) {
		hop = c->gateway;
		sender = c->gateway_sender;
	} else {
		return drop(node, ND_NO_ROUTE, m);
	}
	union neigh_addr h = neigh_addr_v6(hop), from = neigh_addr_v6(sender);
	struct rte_ether_addr mac;
	if (neigh_lookup(st->neigh, &h, now, &mac)) {
		eth->dst_addr = mac;
		eth->src_addr = c->neigh.mac;
		return ND_OUT;
	}
	neigh_wait(graph, node, st->neigh, m, &h, &from, now);
	return ND_CONSUMED;
}

static enum nd_output
nd_one(struct rte_graph *graph, struct rte_node *node, struct nd_state *st, struct rte_mbuf *m,
       uint64_t now)
{
	if (!nfg_is_ipv6(m))
		return ND_OTHER;
	const struct rte_ipv6_hdr *ip = nfg_l3(m);
	const struct nfg_port *port = st->cfg->port;
	bool icmp = nfg_l4_type(m) == RTE_PTYPE_L4_ICMP;
	/* nd sends the only ND messages of the graph, so any that come in were received. */
	if (icmp && rte_pktmbuf_data_len(m) > m->l2_len + m->l3_len &&
	    *(const uint8_t *)nfg_l4(m) >= ICMP6_RS && *(const uint8_t *)nfg_l4(m) <= ICMP6_REDIRECT)
		return received(graph, node, st, m, now);
	bool ours = nfg_port_owns_ipv6(port, ip->dst_addr) ||
		    (is_multicast(ip->dst_addr) && !nfg_port_owns_ipv6(port, ip->src_addr));
	if (!ours)
		return resolve(graph, node, st, m, now);
	return icmp ? received(graph, node, st, m, now) : ND_OTHER;
}

static uint16_t
nd_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct nd_state *st = nfg_node_state(node);
	uint64_t now = nfg_clock();
	uint16_t edge[nb_objs], n = 0;

	neigh_read_inbox(graph, node, st->neigh, now);
	/* What goes on moves down to the front of objs, in order. */
	for (uint16_t i = 0; i < nb_objs; i++) {
		void *m = objs[i];
		enum nd_output to = nd_one(graph, node, st, m, now);
		if (to != ND_CONSUMED) {
			objs[n] = m;
			edge[n++] = (uint16_t)to;
		}
	}
	nfg_enqueue_by_edge(graph, node, objs, edge, n);
	return nb_objs;
}

static void
nd_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct nd_state *st = nfg_node_state(node);

	if (unlikely(!st->announced)) {
		st->announced = true;
		if (st->cfg->announce)
			announce(graph, node, st);
	}
	neigh_poll(graph, node, st->neigh, nfg_clock());
}

static int
nd_setup(struct nfg_instance *inst)
{
	struct nd_config *c = calloc(1, sizeof(*c));
	int family;

	if (!c)
		return -1;
	nfg_instance_set_config(inst, c, NULL);
	if ((c->has_gateway = nfg_param(inst, "gateway") != NULL) &&
	    (nfg_parse_ip(nfg_param_string(inst, "gateway"), &family, c->gateway) < 0 ||
	     family != AF_INET6 || is_multicast(c->gateway) || is_unspecified(c->gateway)))
		return nfg_error(inst, "gateway", "expected a unicast IPv6 address like \"2001:2::fe\"");
	c->announce = nfg_param_bool(inst, "announce");
	neigh_setup(inst, &c->neigh, ND_OUT, solicit, &nd_neigh_counters);
	return 0;
}

static void
nd_stop(struct nfg_instance *inst)
{
	neigh_stop(&((struct nd_config *)nfg_instance_config(inst))->neigh);
}

/* The port's addresses exist once the EAL runs. */
static int
nd_start(struct nfg_instance *inst)
{
	struct nd_config *c = nfg_instance_config(inst);
	const char *name = nfg_param_string(inst, "port");
	const struct nfg_port *port = nfg_port_get(name);
	const uint8_t *sender;

	if (!port)
		return nfg_error(inst, "port", "port %s is not running", name);
	/* Without an address nd answers no solicitation and resolves nothing
	 * (IPv6 packets out are dropped, counted): a graph can carry it for
	 * ports that get IPv6 only in some runs (--set ports.p0.ipv6=...). */
	if (port->nb_ipv6 == 0)
		nfg_node_log(inst, NFG_LOG_INFO, "port %s has no \"ipv6\" address: nd answers "
			     "nothing and IPv6 packets out are dropped", name);
	c->port = port;
	if (c->has_gateway && port->nb_ipv6 == 0)
		return nfg_error(inst, "gateway", "port %s has no \"ipv6\" address to ask the "
				 "gateway from", name);
	if (c->has_gateway) {
		/* A link-local gateway (the usual router) is on every link. */
		if (!on_link(port, c->gateway, &sender) &&
		    !(c->gateway[0] == 0xfe && (c->gateway[1] & 0xc0) == 0x80)) {
			return nfg_error(inst, "gateway", "%s is on none of port %s's prefixes",
					 nfg_param_string(inst, "gateway"), name);
		}
		memcpy(c->gateway_sender, on_link(port, c->gateway, &sender) ? sender : port->ipv6[0], 16);
	}
	return neigh_start(inst, &c->neigh, &port->mac, "nd");
}

static int
nd_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct nd_config *c = nfg_instance_config(inst);
	struct nd_state *st = nfg_node_state(node);

	st->cfg = c;
	st->pool = nfg_pktmbuf_pool();
	st->announced = worker != 0; /* one announcement for the port, not one per worker */
	st->neigh = neigh_create(&c->neigh, worker);
	return st->neigh ? 0 : -1;
}

static void
nd_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	neigh_destroy(((struct nd_state *)nfg_node_state(node))->neigh, node);
}

static const struct nfg_param nd_params[] = {
	{ .name = "port", .type = NFG_T_PORT,
	  .doc = "the port: its MAC and IPv6 addresses/prefixes" },
	{ .name = "gateway", .type = NFG_T_IP, .flags = NFG_P_OPTIONAL,
	  .doc = "IPv6 next hop for destinations off the port's prefixes (none: dropped, "
		 "no_route)" },
	{ .name = "announce", .type = NFG_T_BOOL, .def = "true",
	  .doc = "advertise the port's addresses to all nodes once at start" },
	NEIGH_PARAMS("solicitations"),
	{ 0 },
};

static const char *const nd_outputs[] = { "out", NULL };
static const char *const nd_optional_outputs[] = { "other", NULL };

static const struct nfg_counter nd_counters[] = {
	[ND_SOLICITATIONS_RECEIVED] = { "solicitations_received", NFG_CTR_INFO,
					"Neighbor Solicitations for our addresses" },
	[ND_ADVERTISEMENTS_RECEIVED] = { "advertisements_received", NFG_CTR_INFO },
	[ND_ADVERTISEMENTS_SENT] = { "advertisements_sent", NFG_CTR_INFO, "answers to solicitations" },
	[ND_ANNOUNCEMENTS_SENT] = { "announcements_sent", NFG_CTR_INFO, "unsolicited, at start" },
	[ND_SOLICITATIONS_SENT] = { "solicitations_sent", NFG_CTR_INFO },
	[ND_LEARNED] = { "learned", NFG_CTR_INFO },
	[ND_LEARNED_FROM_PEERS] = { "learned_from_peers", NFG_CTR_INFO },
	[ND_NO_MBUF] = { "no_mbuf", NFG_CTR_INFO },
	[ND_PEER_NEWS_LOST] = { "peer_news_lost", NFG_CTR_INFO },
	[ND_DUPLICATE_ADDRESS] = { "duplicate_address", NFG_CTR_DROP,
				   "another node advertised one of our addresses" },
	[ND_TRUNCATED] = { "nd_truncated", NFG_CTR_DROP },
	[ND_BAD_CHECKSUM] = { "nd_bad_checksum", NFG_CTR_DROP },
	[ND_BAD_HOP_LIMIT] = { "nd_bad_hop_limit", NFG_CTR_DROP, "not 255: it was routed" },
	[ND_BAD_CODE] = { "nd_bad_code", NFG_CTR_DROP },
	[ND_BAD_OPTION] = { "nd_bad_option", NFG_CTR_DROP, "an option of length 0 or past the end" },
	[ND_BAD_TARGET] = { "nd_bad_target", NFG_CTR_DROP, "a multicast target" },
	[ND_BAD_SOURCE] = { "nd_bad_source", NFG_CTR_DROP,
			    "a probe with an address option or to a unicast address; a "
			    "multicast solicited advertisement" },
	[ND_NOT_FOR_US] = { "nd_not_for_us", NFG_CTR_DROP, "a solicitation for another address" },
	[ND_ROUTER_MESSAGES] = { "router_messages", NFG_CTR_DROP,
				 "Router Solicitation/Advertisement, Redirect: not used" },
	[ND_ICMP6_NOT_HANDLED] = { "icmp6_not_handled", NFG_CTR_DROP,
				   "ICMPv6 to us that is not neighbour discovery" },
	[ND_NO_ROUTE] = { "no_route", NFG_CTR_DROP },
	[ND_HOLD_FULL] = { "hold_full", NFG_CTR_DROP },
	[ND_UNRESOLVED] = { "unresolved", NFG_CTR_DROP },
	[ND_CACHE_FULL] = { "cache_full", NFG_CTR_DROP },
	[ND_HELD_AT_STOP] = { "held_at_stop", NFG_CTR_DROP },
	{ 0 },
};

static const struct nfg_op nd_op = {
	.api_version = NFG_API_VERSION,
	.name = "nd",
	.summary = "IPv6 neighbour discovery: answer solicitations, resolve next hops",
	.doc = "The IPv6 counterpart of arp (RFC 4861). Neighbor Solicitations for the\n"
	       "port's IPv6 addresses get a Neighbor Advertisement on \"out\" (solicited,\n"
	       "override, with our MAC in a target link-layer address option; a duplicate\n"
	       "address probe from :: gets one to all nodes), and the port's addresses are\n"
	       "announced to all nodes once at start. Senders of solicitations and\n"
	       "advertisements are learned (timeout_s). Every NS/NA is checked first: hop\n"
	       "limit 255, checksum, code 0, length, a unicast target, option lengths;\n"
	       "what fails is dropped under its reason.\n"
	       "A packet addressed to one of our addresses, or to a multicast group from\n"
	       "someone else, was received: its ICMPv6 is read (router messages and other\n"
	       "ICMPv6 are dropped and counted: put icmp_echo before nd), anything else\n"
	       "goes to \"other\". Every other IPv6 packet is on its way out: it gets the\n"
	       "Ethernet header of its next hop (the destination on the port's prefixes,\n"
	       "else the gateway; multicast maps to 33:33 and the group's low bits) and\n"
	       "leaves on \"out\". Packets for a next hop not known yet wait (max_held each,\n"
	       "64 next hops at once) while a solicitation goes to its solicited-node\n"
	       "group every retry_ms; the answer releases them in order, after hold_ms\n"
	       "they are dropped as unresolved. Non-IPv6 packets go to \"other\". On a port\n"
	       "without IPv6 addresses nd answers nothing and drops IPv6 out as no_route\n"
	       "(so a graph can carry it for runs that give the port an address).",
	.input_doc = "packets after parse (ICMPv6 received on the port, IPv6 packets to send on it)",
	.example = "\"nd\": {\"op\": \"nd\", \"port\": \"wan\", \"gateway\": \"2001:2::fe\"}",
	.params = nd_params,
	.outputs = nd_outputs,
	.optional_outputs = nd_optional_outputs,
	.counters = nd_counters,
	.setup = nd_setup,
	.start = nd_start,
	.state_size = sizeof(struct nd_state),
	.init = nd_init,
	.process = nd_process,
	.poll = nd_poll,
	.fini = nd_fini,
	.stop = nd_stop,
};

NFG_OPERATOR_REGISTER(nd_op);
