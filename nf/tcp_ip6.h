/* SPDX-License-Identifier: BSD-3-Clause
 *
 * IPv6 connections of the TCP engine. The hot connection state (tcp_conn.h)
 * has room for two 32-bit addresses and no more: an IPv6 connection (c->v6)
 * keeps its two 128-bit addresses in the engine's side array (e->addr6, one
 * entry per slot, allocated only when the port has IPv6 addresses), and in
 * remote_ip / local_ip a keyed 32-bit fold of each. The folds are what the
 * tuple table hashes, the ISS mixes and the TIME_WAIT store keys by, so those
 * stay one implementation for both families; a table match is confirmed
 * against the full addresses. The fold is keyed with random bits, so a peer
 * cannot choose addresses that pile onto one run of table cells or one
 * TIME_WAIT entry (a stray TIME_WAIT match needs both 32-bit folds and both
 * ports equal: 2^-64 for addresses not chosen with the key in hand).
 */
#ifndef NFG_NF_TCP_IP6_H
#define NFG_NF_TCP_IP6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "nfg/packet.h"

struct tcp_addr6 {
	uint8_t remote[16], local[16]; /* network order */
};

extern uint64_t tcp_ip6_key[2];
/* Draws the fold's key once per process (before the first connection). */
void tcp_ip6_key_init(void);

static inline uint32_t
tcp_ip6_fold(const uint8_t a[16])
{
	uint64_t w[2];

	memcpy(w, a, sizeof(w));
	uint64_t x = (w[0] ^ tcp_ip6_key[0]) * 0x9e3779b97f4a7c15ull;
	x ^= x >> 29;
	x ^= (w[1] ^ tcp_ip6_key[1]);
	x *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

/* The address keys of a received IPv4 or IPv6 segment, remote = its source:
 * IPv4's addresses as they are, IPv6's folded. Only for parsed IP frames. */
static inline void
tcp_segment_keys(struct rte_mbuf *m, uint32_t *remote, uint32_t *local)
{
	if (likely(nfg_is_ipv4(m))) {
		const struct rte_ipv4_hdr *ip = nfg_l3(m);
		*remote = ip->src_addr;
		*local = ip->dst_addr;
	} else {
		const struct rte_ipv6_hdr *ip6 = nfg_l3(m);
		*remote = tcp_ip6_fold(ip6->src_addr);
		*local = tcp_ip6_fold(ip6->dst_addr);
	}
}

/* The bytes of a received segment after its IP header(s): TCP header and
 * payload. */
static inline uint32_t
tcp_segment_l4_bytes(struct rte_mbuf *m)
{
	if (likely(nfg_is_ipv4(m)))
		return (uint32_t)rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)nfg_l3(m))
							  ->total_length) - m->l3_len;
	return (uint32_t)rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)nfg_l3(m))->payload_len) +
	       sizeof(struct rte_ipv6_hdr) - m->l3_len;
}

/* Sets the IP length field so that `bytes` follow the IP header(s). */
static inline void
tcp_segment_set_l4_bytes(struct rte_mbuf *m, uint32_t bytes)
{
	if (likely(nfg_is_ipv4(m)))
		((struct rte_ipv4_hdr *)nfg_l3(m))->total_length =
			rte_cpu_to_be_16((uint16_t)(m->l3_len + bytes));
	else
		((struct rte_ipv6_hdr *)nfg_l3(m))->payload_len =
			rte_cpu_to_be_16((uint16_t)(m->l3_len - sizeof(struct rte_ipv6_hdr) + bytes));
}

/* The one's complement sum (folded) of an IPv6 TCP segment's pseudo-header
 * (RFC 8200 8.1) and its l4 bytes from th: 0xffff when its checksum is right. */
static inline uint16_t
tcp_ip6_sum(const struct rte_ipv6_hdr *ip6, const void *th, uint32_t l4)
{
	uint32_t sum = rte_raw_cksum(ip6->src_addr, 32) + rte_cpu_to_be_16(IPPROTO_TCP) +
		       rte_cpu_to_be_16((uint16_t)l4) + rte_raw_cksum(th, l4);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Both checksums of a segment computed anew (IPv4's header one; TCP's over
 * the pseudo-header with the TCP length after any IPv6 extension headers,
 * RFC 8200 8.1). The segment lies whole in its first mbuf. */
static inline void
tcp_segment_cksum(struct rte_mbuf *m)
{
	struct rte_tcp_hdr *th = nfg_l4(m);

	th->cksum = 0;
	if (likely(nfg_is_ipv4(m))) {
		struct rte_ipv4_hdr *ip = nfg_l3(m);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		return;
	}
	th->cksum = (uint16_t)~tcp_ip6_sum(nfg_l3(m), th, tcp_segment_l4_bytes(m));
}

/* The IPv6 header of a received segment, NULL for IPv4. */
static inline const struct rte_ipv6_hdr *
tcp_segment_ip6(struct rte_mbuf *m)
{
	return likely(nfg_is_ipv4(m)) ? NULL : (const struct rte_ipv6_hdr *)nfg_l3(m);
}

/* Are these the addresses of the segment with this IPv6 header? */
static inline bool
tcp_ip6_matches(const struct tcp_addr6 *a, const struct rte_ipv6_hdr *ip6)
{
	return memcmp(a->remote, ip6->src_addr, 16) == 0 &&
	       memcmp(a->local, ip6->dst_addr, 16) == 0;
}

/* A received segment's addresses, as its connection keeps them. */
static inline void
tcp_ip6_from_segment(struct tcp_addr6 *a, const struct rte_ipv6_hdr *ip6)
{
	memcpy(a->remote, ip6->src_addr, 16);
	memcpy(a->local, ip6->dst_addr, 16);
}

#endif
