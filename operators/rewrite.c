/* SPDX-License-Identifier: BSD-3-Clause
 *
 * rewrite: sets or swaps header fields (MACs, IPv4 addresses, TCP/UDP ports)
 * and decrements the TTL. Checksums are not summed again: each changed word
 * is folded into the checksums that cover it (RFC 1624), so the cost does
 * not depend on the payload. Swaps need no update at all, since a one's
 * complement sum does not depend on the order of its words.
 *
 * A packet gets every configured action or none: one the IP or port actions
 * cannot apply to (not IPv4; no TCP/UDP header) leaves unchanged.
 */
#include <string.h>

#include "builtin.h"

struct rewrite_config {
	bool mac_swap, ip_swap, port_swap, ttl_dec;
	bool set_src_mac, set_dst_mac, set_src_ip, set_dst_ip, set_src_port, set_dst_port;
	bool needs_ipv4;  /* some action reads or writes the IPv4 header */
	bool needs_ports; /* some action writes the TCP/UDP ports */
	struct rte_ether_addr src_mac, dst_mac;
	uint32_t src_ip, dst_ip;     /* network order */
	uint16_t src_port, dst_port; /* network order */
};

enum rewrite_counter { REWRITE_NOT_APPLICABLE, REWRITE_TTL_EXPIRED };

enum rewrite_outcome { REWRITTEN, NOT_APPLICABLE, TTL_EXPIRED };

/* Header fields are only 2-byte aligned in the frame: go through memcpy. */
static inline uint16_t
load16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void
store16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Where the TCP/UDP ports and checksum of an IPv4 packet are. */
struct l4_fields {
	uint8_t *ports; /* source then destination; NULL: no L4 header to rewrite */
	uint8_t *cksum; /* NULL: no checksum to keep right */
	bool udp;
};

static void
find_l4(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, struct l4_fields *f)
{
	uint32_t type = nfg_l4_type(m);
	uint8_t *l4 = nfg_l4(m);

	f->ports = f->cksum = NULL;
	f->udp = ip->next_proto_id == IPPROTO_UDP;
	if (type == RTE_PTYPE_L4_TCP || type == RTE_PTYPE_L4_UDP) {
		f->ports = l4;
	} else if (type == RTE_PTYPE_L4_FRAG && (ip->fragment_offset &
						 rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0) {
		/* A first fragment: its L4 checksum covers the whole datagram,
		 * pseudo-header included, so address changes must reach it.
		 * Ports are not rewritten in fragments (the later ones lack them). */
		uint32_t need = f->udp ? sizeof(struct rte_udp_hdr) : sizeof(struct rte_tcp_hdr);
		if ((!f->udp && ip->next_proto_id != IPPROTO_TCP) ||
		    rte_pktmbuf_data_len(m) < m->l2_len + m->l3_len + need)
			return;
	} else {
		return;
	}
	f->cksum = l4 + (f->udp ? offsetof(struct rte_udp_hdr, dgram_cksum)
				: offsetof(struct rte_tcp_hdr, cksum));
	/* UDP over IPv4 may carry no checksum (0); it must stay 0. */
	if (f->udp && load16(f->cksum) == 0)
		f->cksum = NULL;
}

static inline void
l4_cksum_store(const struct l4_fields *f, uint16_t ck)
{
	/* In UDP a computed 0 is sent as 0xffff: 0 means "no checksum". */
	store16(f->cksum, f->udp && ck == 0 ? 0xffff : ck);
}

/* Fold a changed 16-bit word or 32-bit address into the L4 checksum. */
static inline void
l4_update16(const struct l4_fields *f, uint16_t old_word, uint16_t new_word)
{
	if (f->cksum && old_word != new_word)
		l4_cksum_store(f, nfg_cksum_update16(load16(f->cksum), old_word, new_word));
}

static inline void
l4_update32(const struct l4_fields *f, uint32_t old_value, uint32_t new_value)
{
	if (f->cksum && old_value != new_value)
		l4_cksum_store(f, nfg_cksum_update32(load16(f->cksum), old_value, new_value));
}

static void
rewrite_ipv4(const struct rewrite_config *c, struct rte_ipv4_hdr *ip, const struct l4_fields *f)
{
	uint32_t src = ip->src_addr, dst = ip->dst_addr;
	uint32_t new_src = c->ip_swap ? dst : src, new_dst = c->ip_swap ? src : dst;

	if (c->set_src_ip)
		new_src = c->src_ip;
	if (c->set_dst_ip)
		new_dst = c->dst_ip;
	if (c->ttl_dec) {
		uint16_t old = rte_cpu_to_be_16((uint16_t)(ip->time_to_live << 8 | ip->next_proto_id));
		ip->time_to_live--;
		uint16_t new = rte_cpu_to_be_16((uint16_t)(ip->time_to_live << 8 | ip->next_proto_id));
		ip->hdr_checksum = nfg_cksum_update16(ip->hdr_checksum, old, new);
	}
	if (new_src != src || new_dst != dst) {
		uint16_t ck = nfg_cksum_update32(ip->hdr_checksum, src, new_src);
		ip->hdr_checksum = nfg_cksum_update32(ck, dst, new_dst);
		ip->src_addr = new_src;
		ip->dst_addr = new_dst;
		/* The TCP/UDP pseudo-header holds both addresses. */
		l4_update32(f, src, new_src);
		l4_update32(f, dst, new_dst);
	}
}

static void
rewrite_ports(const struct rewrite_config *c, const struct l4_fields *f)
{
	uint16_t sport = load16(f->ports), dport = load16(f->ports + 2);
	uint16_t new_sport = c->port_swap ? dport : sport, new_dport = c->port_swap ? sport : dport;

	if (c->set_src_port)
		new_sport = c->src_port;
	if (c->set_dst_port)
		new_dport = c->dst_port;
	store16(f->ports, new_sport);
	store16(f->ports + 2, new_dport);
	l4_update16(f, sport, new_sport);
	l4_update16(f, dport, new_dport);
}

static enum rewrite_outcome
rewrite_one(const struct rewrite_config *c, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = NULL;
	struct l4_fields l4 = { 0 };

	/* Check everything first, so that a packet is changed all or not at all. */
	if (c->needs_ipv4) {
		if (!nfg_is_ipv4(m))
			return NOT_APPLICABLE;
		ip = nfg_l3(m);
		find_l4(m, ip, &l4);
		if (c->needs_ports && !l4.ports)
			return NOT_APPLICABLE;
		if (c->ttl_dec && ip->time_to_live <= 1)
			return TTL_EXPIRED;
	}
	struct rte_ether_hdr *eth = nfg_eth(m);
	if (c->mac_swap) {
		struct rte_ether_addr a = eth->src_addr;
		eth->src_addr = eth->dst_addr;
		eth->dst_addr = a;
	}
	if (c->set_src_mac)
		eth->src_addr = c->src_mac;
	if (c->set_dst_mac)
		eth->dst_addr = c->dst_mac;
	if (ip)
		rewrite_ipv4(c, ip, &l4);
	if (c->needs_ports)
		rewrite_ports(c, &l4);
	return REWRITTEN;
}

static uint16_t
rewrite_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct rewrite_config *c = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t kept = 0;

	for (uint16_t i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = pkts[i];
		if (i + 1 < nb_objs)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		switch (rewrite_one(c, m)) {
		case TTL_EXPIRED:
			nfg_drop(node, REWRITE_TTL_EXPIRED, &m, 1);
			continue;
		case NOT_APPLICABLE:
			nfg_count(node, REWRITE_NOT_APPLICABLE, 1);
			break;
		case REWRITTEN:
			break;
		}
		pkts[kept++] = m; /* compact in place, keeping the order */
	}
	if (kept == nb_objs)
		rte_node_next_stream_move(graph, node, 0);
	else if (kept)
		rte_node_enqueue(graph, node, 0, objs, kept);
	return nb_objs;
}

static int
rewrite_setup(struct nfg_instance *inst)
{
	struct rewrite_config *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	nfg_instance_set_config(inst, c, NULL);
	c->mac_swap = nfg_param_bool(inst, "mac_swap");
	c->ip_swap = nfg_param_bool(inst, "ip_swap");
	c->port_swap = nfg_param_bool(inst, "port_swap");
	c->ttl_dec = nfg_param_bool(inst, "ttl_dec");
	if ((c->set_src_mac = nfg_param(inst, "src_mac") != NULL))
		nfg_parse_mac(nfg_param_string(inst, "src_mac"), &c->src_mac);
	if ((c->set_dst_mac = nfg_param(inst, "dst_mac") != NULL))
		nfg_parse_mac(nfg_param_string(inst, "dst_mac"), &c->dst_mac);
	if ((c->set_src_ip = nfg_param(inst, "src_ip") != NULL))
		nfg_parse_ipv4(nfg_param_string(inst, "src_ip"), &c->src_ip);
	if ((c->set_dst_ip = nfg_param(inst, "dst_ip") != NULL))
		nfg_parse_ipv4(nfg_param_string(inst, "dst_ip"), &c->dst_ip);
	if ((c->set_src_port = nfg_param(inst, "src_port") != NULL))
		c->src_port = rte_cpu_to_be_16((uint16_t)nfg_param_int(inst, "src_port"));
	if ((c->set_dst_port = nfg_param(inst, "dst_port") != NULL))
		c->dst_port = rte_cpu_to_be_16((uint16_t)nfg_param_int(inst, "dst_port"));

	c->needs_ports = c->port_swap || c->set_src_port || c->set_dst_port;
	c->needs_ipv4 = c->needs_ports || c->ip_swap || c->ttl_dec || c->set_src_ip ||
			c->set_dst_ip;
	if (!c->needs_ipv4 && !c->mac_swap && !c->set_src_mac && !c->set_dst_mac)
		return nfg_error(inst, NULL, "nothing to rewrite: give at least one of mac_swap, "
				 "src_mac, dst_mac, ip_swap, src_ip, dst_ip, port_swap, "
				 "src_port, dst_port, ttl_dec");
	return 0;
}

/* Workers only read the configuration: it is their whole state. */
static int
rewrite_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	nfg_node_set_state(node, nfg_instance_config(inst));
	return 0;
}

static const struct nfg_param rewrite_params[] = {
	{ .name = "mac_swap", .type = NFG_T_BOOL, .def = "false",
	  .doc = "swap the Ethernet source and destination" },
	{ .name = "src_mac", .type = NFG_T_MAC, .flags = NFG_P_OPTIONAL,
	  .doc = "set the Ethernet source (after mac_swap)" },
	{ .name = "dst_mac", .type = NFG_T_MAC, .flags = NFG_P_OPTIONAL,
	  .doc = "set the Ethernet destination (after mac_swap)" },
	{ .name = "ip_swap", .type = NFG_T_BOOL, .def = "false",
	  .doc = "swap the IPv4 source and destination" },
	{ .name = "src_ip", .type = NFG_T_IPV4, .flags = NFG_P_OPTIONAL,
	  .doc = "set the IPv4 source (after ip_swap)" },
	{ .name = "dst_ip", .type = NFG_T_IPV4, .flags = NFG_P_OPTIONAL,
	  .doc = "set the IPv4 destination (after ip_swap)" },
	{ .name = "port_swap", .type = NFG_T_BOOL, .def = "false",
	  .doc = "swap the TCP/UDP source and destination ports" },
	{ .name = "src_port", .type = NFG_T_INT, .min = 0, .max = 65535, .flags = NFG_P_OPTIONAL,
	  .doc = "set the TCP/UDP source port (after port_swap)" },
	{ .name = "dst_port", .type = NFG_T_INT, .min = 0, .max = 65535, .flags = NFG_P_OPTIONAL,
	  .doc = "set the TCP/UDP destination port (after port_swap)" },
	{ .name = "ttl_dec", .type = NFG_T_BOOL, .def = "false",
	  .doc = "decrement the IPv4 TTL; packets whose TTL would reach 0 are dropped" },
	{ 0 },
};

static const char *const rewrite_outputs[] = { "out", NULL };

static const struct nfg_counter rewrite_counters[] = {
	[REWRITE_NOT_APPLICABLE] = { "not_applicable", NFG_CTR_INFO },
	[REWRITE_TTL_EXPIRED] = { "ttl_expired", NFG_CTR_DROP },
	{ 0 },
};

static const struct nfg_op rewrite_op = {
	.api_version = NFG_API_VERSION,
	.name = "rewrite",
	.summary = "set or swap MACs, IPv4 addresses and ports; decrement the TTL",
	.doc = "Changes header fields and keeps the IPv4, TCP and UDP checksums right by\n"
	       "incremental update (RFC 1624); a UDP checksum of 0 (none) stays 0. Swaps\n"
	       "come first, then the fields that are set. IP and port actions need IPv4\n"
	       "(and a TCP/UDP header for ports: not in ICMP or fragments); a packet they\n"
	       "cannot apply to goes on wholly unchanged (no action at all, TTL\n"
	       "included: all or nothing), counted as not_applicable. With ttl_dec,\n"
	       "packets arriving with a TTL of 1 or 0 are dropped as ttl_expired.",
	.input_doc = "packets after parse (MAC actions alone: any Ethernet frames)",
	.example = "\"reflect\": {\"op\": \"rewrite\", \"mac_swap\": true, \"ip_swap\": true, "
		   "\"port_swap\": true}",
	.params = rewrite_params,
	.outputs = rewrite_outputs,
	.counters = rewrite_counters,
	.setup = rewrite_setup,
	.init = rewrite_init,
	.process = rewrite_process,
};

NFG_OPERATOR_REGISTER(rewrite_op);
