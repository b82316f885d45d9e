/* SPDX-License-Identifier: BSD-3-Clause
 *
 * arp: the neighbour side of IPv4 on one port. It answers ARP requests for
 * the port's addresses and for those its operators claimed on it (a
 * tcp_client's src_ips, listen addresses; include/nfg/steering.h), learns the senders of ARP addressed to it, and gives
 * IPv4 packets on their way out their Ethernet addresses. The next hop is the
 * destination when it is on one of the port's subnets, else the gateway; its
 * MAC comes from the worker's own table. Packets for a next hop not known
 * yet wait, a bounded number per neighbour, while a request goes out every
 * retry_ms; they leave as soon as the answer is learned, in order, or are
 * dropped as unresolved after hold_ms. That machinery, and what workers tell
 * each other, is shared with nd (neigh.h); this file is what is ARP's own.
 */
#include <rte_cycles.h>

#include "builtin.h"
#include "neigh.h"

#define ARP_FRAME_LEN 60   /* the shortest Ethernet frame, without FCS */

struct arp_static_entry {
	uint32_t ip;
	struct rte_ether_addr mac;
};

struct arp_config {
	/* from the graph file (setup) */
	bool has_gateway;
	uint32_t gateway;
	/* from the port and the EAL (start) */
	const struct nfg_port *port; /* whose addresses (and claimed ones) we answer for */
	struct rte_ether_addr mac;
	unsigned nb_addrs;
	uint32_t addr[NFG_PORT_MAX_ADDRS], mask[NFG_PORT_MAX_ADDRS]; /* network order */
	uint32_t gateway_sender; /* our address on the gateway's subnet */
	struct neigh_config neigh;
	unsigned nb_static;
	struct arp_static_entry statics[];
};

struct arp_state {
	const struct arp_config *cfg;
	struct rte_mempool *pool;
	struct neigh *neigh;
};

/* ARP_CONSUMED: the operator took the packet (it waits, was answered from, or was dropped). */
enum arp_output { ARP_OUT, ARP_OTHER, ARP_CONSUMED };

enum arp_counter {
	ARP_REPLIES_SENT, ARP_REQUESTS_SENT, ARP_REPLIES_RECEIVED, ARP_LEARNED,
	ARP_LEARNED_FROM_PEERS, ARP_NO_MBUF, ARP_PEER_NEWS_LOST,
	ARP_NOT_FOR_US, ARP_MALFORMED, ARP_NO_ROUTE, ARP_HOLD_FULL, ARP_UNRESOLVED,
	ARP_CACHE_FULL, ARP_HELD_AT_STOP,
};

static const struct neigh_counters arp_neigh_counters = {
	.learned_from_peers = ARP_LEARNED_FROM_PEERS, .peer_news_lost = ARP_PEER_NEWS_LOST,
	.hold_full = ARP_HOLD_FULL, .cache_full = ARP_CACHE_FULL, .unresolved = ARP_UNRESOLVED,
	.held_at_stop = ARP_HELD_AT_STOP,
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

/* A broadcast request for target, from our address sender (neigh_ask_fn). */
static void
send_request(struct rte_graph *graph, struct rte_node *node, const union neigh_addr *target,
	     const union neigh_addr *sender)
{
	const struct arp_state *st = nfg_node_state(node);
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
	arp->arp_data.arp_sip = sender->v4;
	arp->arp_data.arp_tip = target->v4; /* the target MAC stays zero: it is the question */
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
		union neigh_addr a = neigh_addr_v4(sender_ip);
		neigh_learn(graph, node, st->neigh, &a, &sender_mac, now);
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
	union neigh_addr h = neigh_addr_v4(hop), from = neigh_addr_v4(sender);
	struct rte_ether_addr mac;
	if (neigh_lookup(st->neigh, &h, now, &mac)) {
		set_macs(m, &mac, &c->mac);
		return ARP_OUT;
	}
	neigh_wait(graph, node, st->neigh, m, &h, &from, now);
	return ARP_CONSUMED;
}

static uint16_t
arp_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct arp_state *st = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint64_t now = nfg_clock();
	enum arp_output first = ARP_OUT;
	bool one_output = true; /* so far every packet went to `first`: not sent yet */

	neigh_read_inbox(graph, node, st->neigh, now);
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

	neigh_poll(graph, node, st->neigh, nfg_clock());
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
	neigh_setup(inst, &c->neigh, ARP_OUT, send_request, &arp_neigh_counters);
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
	return 0;
}

static void
arp_stop(struct nfg_instance *inst)
{
	neigh_stop(&((struct arp_config *)nfg_instance_config(inst))->neigh);
}

/* The port's addresses exist once the EAL runs. */
static int
arp_start(struct nfg_instance *inst)
{
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
	return neigh_start(inst, &c->neigh, &c->mac, "arp");
}

static int
arp_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct arp_config *c = nfg_instance_config(inst);
	struct arp_state *st = nfg_node_state(node);

	st->cfg = c;
	st->pool = nfg_pktmbuf_pool();
	st->neigh = neigh_create(&c->neigh, worker);
	if (!st->neigh)
		return -1;
	for (unsigned i = 0; i < c->nb_static; i++) {
		union neigh_addr a = neigh_addr_v4(c->statics[i].ip);
		if (neigh_add_static(st->neigh, &a, &c->statics[i].mac) < 0) {
			/* fini is not called when init fails */
			neigh_destroy(st->neigh, node);
			st->neigh = NULL;
			return -1;
		}
	}
	return 0;
}

static void
arp_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	neigh_destroy(((struct arp_state *)nfg_node_state(node))->neigh, node);
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
	NEIGH_PARAMS("ARP requests"),
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
	.state_size = sizeof(struct arp_state),
	.init = arp_init,
	.process = arp_process,
	.poll = arp_poll,
	.fini = arp_fini,
	.stop = arp_stop,
};

NFG_OPERATOR_REGISTER(arp_op);
