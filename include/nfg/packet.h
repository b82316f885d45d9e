/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Packet helpers for operators that run after `parse`.
 *
 * `parse` leaves the standard mbuf fields set: packet_type (RTE_PTYPE_*),
 * l2_len (Ethernet plus VLAN tags), l3_len (IP header with options or IPv6
 * extension headers) and l4_len. These helpers only read those fields, so
 * they never look past what parse checked was inside the frame.
 */
#ifndef NFG_PACKET_H
#define NFG_PACKET_H

#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mbuf_ptype.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline struct rte_ether_hdr *
nfg_eth(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
}

static inline void *
nfg_l3(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, void *, m->l2_len);
}

static inline void *
nfg_l4(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, void *, m->l2_len + m->l3_len);
}

static inline bool
nfg_is_ipv4(const struct rte_mbuf *m)
{
	return RTE_ETH_IS_IPV4_HDR(m->packet_type);
}

static inline bool
nfg_is_ipv6(const struct rte_mbuf *m)
{
	return RTE_ETH_IS_IPV6_HDR(m->packet_type);
}

static inline uint32_t
nfg_l4_type(const struct rte_mbuf *m)
{
	return m->packet_type & RTE_PTYPE_L4_MASK;
}

/* Incremental checksum update (RFC 1624, eqn. 3): HC' = ~(~HC + ~m + m').
 * `old` and `new` are 16-bit words in network order, as is the checksum. */
static inline uint16_t
nfg_cksum_update16(uint16_t cksum, uint16_t old_word, uint16_t new_word)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~old_word;
	sum += new_word;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline uint16_t
nfg_cksum_update32(uint16_t cksum, uint32_t old_value, uint32_t new_value)
{
	cksum = nfg_cksum_update16(cksum, (uint16_t)(old_value >> 16),
				   (uint16_t)(new_value >> 16));
	return nfg_cksum_update16(cksum, (uint16_t)old_value, (uint16_t)new_value);
}

/* Many changes to one checksum, folded once: each change's term summed
 * (nfg_cksum_delta16/32, in network order as stored), then applied with
 * nfg_cksum_apply. The same RFC 1624 equation as above, since one's
 * complement addition does not care about order or grouping (RFC 1071:
 * wider words, deferred carries); a segment rewritten in ten places pays
 * one fold instead of ten. */
static inline uint64_t
nfg_cksum_delta16(uint16_t old_word, uint16_t new_word)
{
	return (uint64_t)(uint16_t)~old_word + new_word;
}

static inline uint64_t
nfg_cksum_delta32(uint32_t old_value, uint32_t new_value)
{
	return (uint64_t)(uint32_t)~old_value + new_value;
}

static inline uint16_t
nfg_cksum_apply(uint16_t cksum, uint64_t delta)
{
	uint64_t sum = (uint16_t)~cksum + delta;

	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Which of n buckets a 32-bit hash falls in: its top bits, scaled to n
 * (multiply-shift, as in Lemire's "fast alternative to the modulo
 * reduction"), where h % n would cost a division. */
static inline uint32_t
nfg_hash_bucket(uint32_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)h * n) >> 32);
}

/* A flow hash that is equal for both directions of a connection, so that
 * splitting by it keeps a TCP connection's two directions together. */
static inline uint32_t
nfg_flow_hash_symmetric(struct rte_mbuf *m)
{
	uint32_t a = 0, b = 0, ports = 0;

	if (nfg_is_ipv4(m)) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)nfg_l3(m);
		a = ip->src_addr;
		b = ip->dst_addr;
	} else if (nfg_is_ipv6(m)) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)nfg_l3(m);
		/* After a 14-byte Ethernet header the addresses are only 2-byte
		 * aligned: copy them out instead of reading 32-bit words in place. */
		uint32_t s[4], d[4];
		memcpy(s, ip6->src_addr, sizeof(s));
		memcpy(d, ip6->dst_addr, sizeof(d));
		a = s[0] ^ s[1] ^ s[2] ^ s[3];
		b = d[0] ^ d[1] ^ d[2] ^ d[3];
	} else {
		return 0;
	}
	uint32_t l4 = nfg_l4_type(m);
	if (l4 == RTE_PTYPE_L4_TCP || l4 == RTE_PTYPE_L4_UDP) {
		const uint16_t *p = (const uint16_t *)nfg_l4(m);
		ports = (uint32_t)p[0] ^ (uint32_t)p[1];
	}
	/* XOR makes it symmetric; the multiply mixes the bits (Knuth). */
	uint32_t h = (a ^ b) ^ (ports * 0x9e3779b1u);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

#ifdef __cplusplus
}
#endif
#endif
