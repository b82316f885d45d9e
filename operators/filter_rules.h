/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The rules of `filter` and what they are matched against.
 *
 * A packet is read once into a `struct filter_packet` (family, addresses,
 * L4 protocol, ports, TCP flags: what could be read, and whether it could).
 * The linear matcher (filter_rules.c) and the rte_acl path (filter_acl.c)
 * both start from that one reading, so they cannot disagree about what a
 * packet is; they only differ in how they search the rules.
 */
#ifndef NFG_OPERATORS_FILTER_RULES_H
#define NFG_OPERATORS_FILTER_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_graph_worker.h>
#include <rte_ip.h>

#include "builtin.h"

/* Packets are classified in chunks of this many: the per-worker arrays
 * (keys, rule indexes, edges) have this size. */
#define FILTER_CHUNK 256

/* Outputs of `filter`, in the order of its static outputs. */
enum filter_edge { FILTER_MATCH, FILTER_NOMATCH };

/* filter_packet.l4: which L4 fields were there to read. */
#define FILTER_HAS_PORTS 0x1u /* TCP or UDP header, not a non-first fragment */
#define FILTER_HAS_FLAGS 0x2u /* TCP header with its flags byte */

struct filter_packet {
	uint8_t family;      /* 0: not IP, 4 or 6 */
	uint8_t proto;       /* upper-layer protocol (after IPv6 extension headers) */
	uint8_t l4;          /* FILTER_HAS_* */
	uint8_t tcp_flags;
	uint16_t sport, dport; /* host order */
	const uint8_t *src, *dst; /* in the packet: 4 or 16 bytes, network order */
};

struct filter_rule {
	char *counter_name;    /* "rule[3] allow-web" */
	uint8_t family;        /* 0: any; 4 or 6 when addresses or icmp/icmp6 say so */
	uint8_t proto;         /* 0: any */
	bool ip_only;          /* some field needs an IP packet */
	bool has_src, has_dst, has_ports, has_flags;
	uint8_t src_len, dst_len;          /* prefix lengths */
	uint8_t src[16], dst[16];          /* network order, host bits cleared */
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint8_t flags_set, flags_clear;    /* TCP flags that must be set / clear */
	uint16_t edge;                     /* enum filter_edge */
};

/*
 * A rule compiled for the common packet: IPv4 carrying TCP or UDP (not a
 * fragment), read in place. Every field becomes a compare that cannot be
 * skipped: an absent address is a zero mask, absent ports the whole range,
 * absent flags no flags, so one straight line of tests decides. A rule that
 * can never match such a packet (IPv6 addresses, icmp) is left out.
 */
struct filter_fast_rule {
	uint32_t src, src_mask, dst, dst_mask; /* host order */
	uint16_t sport_lo, sport_span, dport_lo, dport_span; /* span: hi - lo */
	uint8_t proto;            /* 0: TCP or UDP */
	uint8_t flags_set, flags_clear;
	bool tcp_only;            /* the flags test needs a TCP header */
	uint32_t index;           /* the rule's place in rules[] */
};

struct rte_acl_ctx;

struct filter_config {
	uint16_t default_edge;
	bool use_acl;             /* enough rules, all of them usable by rte_acl */
	struct rte_acl_ctx *acl;  /* built in start, freed in stop */
	struct filter_fast_rule *fast; /* the rules an IPv4 TCP/UDP packet may match */
	unsigned nb_fast;
	unsigned nb_rules;
	struct filter_rule rules[];
};

/* ---- reading a packet (after `parse`) ------------------------------------ */

/* Follows the IPv6 extension headers that `parse` counted into l3_len up to
 * the upper-layer protocol. Returns false for a non-first fragment, which
 * carries no L4 header. */
static inline bool
filter_ipv6_upper(const uint8_t *ip6, uint32_t l3_len, uint8_t *proto)
{
	int nh = ((const struct rte_ipv6_hdr *)ip6)->proto;
	uint32_t off = sizeof(struct rte_ipv6_hdr);
	bool holds_l4 = true;

	while (off + 8 <= l3_len) {
		size_t ext_len;
		int next = rte_ipv6_get_next_ext(ip6 + off, nh, &ext_len);
		if (next < 0)
			break;
		if (nh == IPPROTO_FRAGMENT &&
		    (rte_be_to_cpu_16(((const struct rte_ipv6_fragment_ext *)(ip6 + off))->frag_data) &
		     0xfff8) != 0)
			holds_l4 = false;
		nh = next;
		off += (uint32_t)ext_len;
	}
	*proto = (uint8_t)nh;
	return holds_l4;
}

/* Reads what rules look at. Relies on l2_len/l3_len/packet_type from
 * `parse`, and still never reads past the frame or the IP packet's length
 * (so Ethernet padding is never taken for ports). */
static inline void
filter_packet_read(struct rte_mbuf *m, struct filter_packet *pk)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t end = rte_pktmbuf_data_len(m);
	uint32_t l3 = m->l2_len, l4 = (uint32_t)m->l2_len + m->l3_len;
	bool holds_l4;

	pk->family = 0;
	pk->proto = 0;
	pk->l4 = 0;
	pk->tcp_flags = 0;
	pk->sport = pk->dport = 0;
	pk->src = pk->dst = NULL;
	if (nfg_is_ipv4(m) && m->l3_len >= sizeof(struct rte_ipv4_hdr) && l4 <= end) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + l3);
		pk->family = 4;
		pk->proto = ip->next_proto_id;
		pk->src = (const uint8_t *)&ip->src_addr;
		pk->dst = (const uint8_t *)&ip->dst_addr;
		holds_l4 = (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) == 0;
		end = RTE_MIN(end, l3 + rte_be_to_cpu_16(ip->total_length));
	} else if (nfg_is_ipv6(m) && m->l3_len >= sizeof(struct rte_ipv6_hdr) && l4 <= end) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(d + l3);
		pk->family = 6;
		pk->src = ip6->src_addr;
		pk->dst = ip6->dst_addr;
		holds_l4 = filter_ipv6_upper(d + l3, m->l3_len, &pk->proto);
		end = RTE_MIN(end, l3 + (uint32_t)sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len));
	} else {
		return;
	}
	if (!holds_l4 || (pk->proto != IPPROTO_TCP && pk->proto != IPPROTO_UDP) || l4 + 4 > end)
		return;
	pk->sport = (uint16_t)(d[l4] << 8 | d[l4 + 1]);
	pk->dport = (uint16_t)(d[l4 + 2] << 8 | d[l4 + 3]);
	pk->l4 = FILTER_HAS_PORTS;
	if (pk->proto == IPPROTO_TCP && l4 + 14 <= end) {
		pk->tcp_flags = d[l4 + 13];
		pk->l4 |= FILTER_HAS_FLAGS;
	}
}

/* ---- rules (filter_rules.c) ----------------------------------------- */

extern const struct nfg_param filter_rule_fields[];

/* Reads and checks the "rules", "default" and "acl_threshold" parameters;
 * NULL after reporting the problem with its JSON path. */
struct filter_config *filter_config_parse(struct nfg_instance *inst);
void filter_config_free(void *config);

/* Index of the first rule the packet matches, or -1. */
int filter_match(const struct filter_config *cfg, const struct filter_packet *pk);

/* An IPv4 TCP or UDP header in place (not a fragment), as packet_type says,
 * with the bytes rules read inside the frame and the IP packet (so a frame
 * whose packet_type promises more than it holds takes the careful path). */
static inline bool
filter_fast_packet(const struct rte_mbuf *m)
{
	uint32_t l4 = m->packet_type & RTE_PTYPE_L4_MASK;

	if (!RTE_ETH_IS_IPV4_HDR(m->packet_type) || (l4 != RTE_PTYPE_L4_TCP && l4 != RTE_PTYPE_L4_UDP))
		return false;
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								m->l2_len);
	uint32_t need = (uint32_t)m->l3_len + (l4 == RTE_PTYPE_L4_TCP ? 14 : 4);
	return m->l3_len >= sizeof(*ip) && m->l2_len + need <= rte_pktmbuf_data_len(m) &&
	       need <= rte_be_to_cpu_16(ip->total_length);
}

/* The first rule an IPv4 TCP/UDP packet matches (filter_fast_packet), or
 * -1: the same answer filter_match gives, read straight from the headers. */
static inline int
filter_fast_match(const struct filter_config *cfg, const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + m->l2_len);
	const uint8_t *l4 = d + m->l2_len + m->l3_len;
	uint32_t src = rte_be_to_cpu_32(ip->src_addr), dst = rte_be_to_cpu_32(ip->dst_addr);
	uint16_t sport = (uint16_t)(l4[0] << 8 | l4[1]), dport = (uint16_t)(l4[2] << 8 | l4[3]);
	uint8_t proto = ip->next_proto_id;
	bool tcp = proto == IPPROTO_TCP;
	uint8_t flags = tcp ? l4[13] : 0;

	for (unsigned i = 0; i < cfg->nb_fast; i++) {
		const struct filter_fast_rule *r = &cfg->fast[i];
		if (((src ^ r->src) & r->src_mask) | ((dst ^ r->dst) & r->dst_mask))
			continue;
		if ((uint16_t)(sport - r->sport_lo) > r->sport_span ||
		    (uint16_t)(dport - r->dport_lo) > r->dport_span)
			continue;
		if ((r->proto && r->proto != proto) || (r->tcp_only && !tcp) ||
		    (flags & r->flags_set) != r->flags_set || (flags & r->flags_clear))
			continue;
		return (int)r->index;
	}
	return -1;
}

/* ---- the rte_acl path (filter_acl.c) ------------------------------------ */

/* What rte_acl classifies: one IPv4 packet, its fields in network order,
 * each 4-byte group on its own input index (see filter_acl.c). */
struct filter_acl_key {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t l4;   /* big-endian: tcp flags in bits 0-7, FILTER_HAS_* from bit 8 */
};

struct filter_acl_batch {
	uint16_t nb;
	uint16_t slot[FILTER_CHUNK];           /* index of the packet in the chunk */
	const uint8_t *data[FILTER_CHUNK];
	uint32_t results[FILTER_CHUNK];
	struct filter_acl_key keys[FILTER_CHUNK];
};

/* Whether rte_acl can hold this rule set (IPv4 only). */
bool filter_acl_usable(const struct filter_config *cfg);
/* inst: for messages (NULL outside a graph). */
int filter_acl_build(struct filter_config *cfg, const struct nfg_instance *inst);
void filter_acl_free(struct filter_config *cfg);

static inline void
filter_acl_add(struct filter_acl_batch *b, const struct filter_packet *pk, uint16_t slot)
{
	struct filter_acl_key *k = &b->keys[b->nb];

	k->proto = pk->proto;
	memcpy(&k->src, pk->src, 4);
	memcpy(&k->dst, pk->dst, 4);
	k->sport = rte_cpu_to_be_16(pk->sport);
	k->dport = rte_cpu_to_be_16(pk->dport);
	k->l4 = rte_cpu_to_be_32((uint32_t)pk->l4 << 8 | pk->tcp_flags);
	b->data[b->nb] = (const uint8_t *)k;
	b->slot[b->nb++] = slot;
}

/* Classifies the batch and writes each packet's first matching rule (or -1)
 * into rule[slot]; empties the batch. */
void filter_acl_classify(const struct filter_config *cfg, struct filter_acl_batch *b,
			 int32_t *rule);

#endif
