/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The software hand-off (include/nfg/steering.h): when a port's device took
 * no rte_flow rules for the shares operators claimed, the receiver on each
 * worker asks who owns every packet it got, hands the others over single-
 * producer/single-consumer rings (made by steer_port.c) and takes what the
 * other workers handed to it. Each worker then sees exactly the packets of
 * the connections it owns.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_graph.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "runtime.h"
#include "steer.h"

/* Both directions of a flow alike: addresses and ports are combined by
 * operations that do not care about their order. */
static inline uint32_t
symmetric_hash(uint32_t a, uint32_t b, uint16_t pa, uint16_t pb)
{
	uint64_t x = ((uint64_t)(a ^ b) << 32) | ((uint32_t)(pa ^ pb) << 16) |
		     (uint16_t)(pa + pb);
	x ^= (uint64_t)(a + b) * 0x9e3779b97f4a7c15ull;
	x *= 0xff51afd7ed558ccdull;
	return (uint32_t)(x >> 32);
}

static inline uint32_t
fold128(const uint8_t a[16])
{
	uint32_t w[4];

	memcpy(w, a, sizeof(w)); /* only 2-byte aligned after Ethernet */
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

/* IPv6, at p: TCP or UDP right after the fixed header (a packet with
 * extension headers stays where it arrived, fragments with the rest). An
 * IPv6 claim's rule applies to its addresses, by their last 32 bits. An IPv4
 * claim's port rule applies by the port alone: the IPv6 connections of an
 * IPv4 share are named by their port (local_share.h); its address rules are
 * IPv4's. */
static unsigned
owner6(const struct nfg_port_steer *st, const uint8_t *p, uint32_t len)
{
	const struct rte_ipv6_hdr *ip6 = (const void *)p;

	if (len < sizeof(*ip6) + 4 || (ip6->proto != IPPROTO_TCP && ip6->proto != IPPROTO_UDP))
		return NFG_OWNER_HERE;
	const uint16_t *ports = (const void *)(ip6 + 1);
	uint16_t dst_port = rte_be_to_cpu_16(ports[1]);
	uint32_t last;

	memcpy(&last, ip6->dst_addr + 12, 4);
	for (unsigned i = 0; i < st->nb_rules; i++) {
		const struct nfg_claim *r = &st->rules[i];
		unsigned owner = NFG_OWNER_HERE;
		if (r->ipv6 && nfg_claim_owns_ipv6(r, ip6->dst_addr))
			owner = nfg_steer_rule_owner(r, ip6->proto, rte_be_to_cpu_32(last), dst_port);
		else if (!r->ipv6 && r->by == NFG_STEER_BY_PORT)
			owner = nfg_steer_rule_owner(r, ip6->proto, r->ip_lo, dst_port);
		if (owner != NFG_OWNER_HERE)
			return owner;
	}
	if (!st->spread)
		return NFG_OWNER_HERE;
	return symmetric_hash(fold128(ip6->src_addr), fold128(ip6->dst_addr), ports[0], ports[1]) %
	       st->workers;
}

unsigned
nfg_steer_owner(const struct nfg_port_steer *st, const struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_data_len(m), off = sizeof(struct rte_ether_hdr);
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	if (len < off + sizeof(struct rte_ipv4_hdr))
		return NFG_OWNER_HERE;
	uint16_t type = ((const struct rte_ether_hdr *)d)->ether_type;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		type = *(const uint16_t *)(d + off + 2);
		off += sizeof(struct rte_vlan_hdr);
	}
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		return owner6(st, d + off, len - off);
	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    len < off + sizeof(struct rte_ipv4_hdr))
		return NFG_OWNER_HERE;
	const struct rte_ipv4_hdr *ip = (const void *)(d + off);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
	/* Fragments stay where they arrived, the first with the others (only
	 * the first carries ports), so a datagram is never split. */
	if (ihl < sizeof(*ip) ||
	    (ip->fragment_offset &
	     rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) ||
	    (ip->next_proto_id != IPPROTO_TCP && ip->next_proto_id != IPPROTO_UDP) ||
	    len < off + ihl + 4)
		return NFG_OWNER_HERE;
	const uint16_t *ports = (const void *)(d + off + ihl);
	uint32_t dst_ip = rte_be_to_cpu_32(ip->dst_addr);
	uint16_t dst_port = rte_be_to_cpu_16(ports[1]);

	for (unsigned i = 0; i < st->nb_rules; i++) {
		if (st->rules[i].ipv6)
			continue;
		unsigned owner = nfg_steer_rule_owner(&st->rules[i], ip->next_proto_id, dst_ip,
						      dst_port);
		if (owner != NFG_OWNER_HERE)
			return owner;
	}
	if (!st->spread)
		return NFG_OWNER_HERE;
	return symmetric_hash(ip->src_addr, ip->dst_addr, ports[0], ports[1]) % st->workers;
}

uint16_t
nfg_steer_take(const struct nfg_port_steer *st, unsigned worker, unsigned *next_from,
	       void **objs, uint16_t room)
{
	uint16_t got = 0;

	for (unsigned k = 0; k < st->workers && got < room; k++) {
		unsigned from = (*next_from + k) % st->workers;
		if (from == worker)
			continue;
		got += (uint16_t)rte_ring_sc_dequeue_burst(st->rings[from * st->workers + worker],
							   objs + got, room - got, NULL);
	}
	*next_from = (*next_from + 1) % st->workers;
	return got;
}

uint16_t
nfg_steer_hand_off(const struct nfg_port_steer *st, unsigned worker, void **objs, uint16_t n,
		   uint16_t *handed, uint16_t *full)
{
	uint16_t owners[RTE_GRAPH_BURST_SIZE];
	void *away_pkts[RTE_GRAPH_BURST_SIZE];
	uint16_t kept = 0, away = 0, sent_total = 0, unsent = 0;

	/* Beyond a burst, the first packets stay here (the header says so). */
	if (n > RTE_GRAPH_BURST_SIZE)
		kept = (uint16_t)(n - RTE_GRAPH_BURST_SIZE);
	for (uint16_t i = kept; i < n; i++) {
		unsigned owner = nfg_steer_owner(st, objs[i]);
		if (owner == NFG_OWNER_HERE || owner == worker) {
			objs[kept++] = objs[i];
			continue;
		}
		/* Packets to hand over wait aside, in arrival order. */
		owners[away] = (uint16_t)owner;
		away_pkts[away++] = objs[i];
	}
	for (uint16_t done = 0; done < away;) {
		/* One owner at a time: its packets, in arrival order. */
		uint16_t owner = owners[done], nb = 0;
		void *burst[RTE_GRAPH_BURST_SIZE];
		for (uint16_t i = done; i < away; i++) {
			if (owners[i] == owner) {
				burst[nb++] = away_pkts[i];
				owners[i] = NFG_OWNER_HERE;
			}
		}
		struct rte_ring *r = st->rings[worker * st->workers + owner];
		unsigned sent = rte_ring_sp_enqueue_burst(r, burst, nb, NULL);
		sent_total += (uint16_t)sent;
		/* The owner is far behind: these follow the kept ones. */
		for (unsigned i = sent; i < nb; i++)
			objs[kept + unsent++] = burst[i];
		while (done < away && owners[done] == NFG_OWNER_HERE)
			done++;
	}
	*handed = sent_total;
	*full = unsent;
	return kept;
}
