/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What `parse` does to one frame, as inline functions: parse_frame() checks
 * every header and records what it found in the standard mbuf fields
 * (packet_type, l2_len, l3_len, l4_len), or says why the frame is malformed.
 * parse_fast() is a straight line for the common frame (one segment,
 * untagged Ethernet, IPv4 without options, not a fragment, TCP or UDP); it
 * decides exactly as parse_frame() does or leaves the frame to it. The unit
 * tests hold the two against each other on every kind of frame, and the
 * benchmark baseline (bench/bare_loop.c) calls the same functions.
 */
#ifndef NFG_OPERATORS_PARSE_FRAME_H
#define NFG_OPERATORS_PARSE_FRAME_H

#include <netinet/in.h>
#include <stdbool.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

/* More IPv6 extension headers than this is an attack, not a packet. */
#define IPV6_MAX_EXTENSION_HEADERS 8
/* l3_len is a 9-bit field: a longer IPv6 header chain cannot be recorded. */
#define L3_LEN_MAX ((1u << RTE_MBUF_L3_LEN_BITS) - 1)

/* Parsing functions return one of these: PARSE_PARSED (0) when the frame is
 * fine, else the counter of the reason it is malformed. */
enum parse_counter {
	PARSE_PARSED,
	PARSE_TRUNCATED_ETHERNET,
	PARSE_TRUNCATED_VLAN,
	PARSE_TRUNCATED_ARP,
	PARSE_TRUNCATED_IPV4,
	PARSE_BAD_IPV4_HEADER,
	PARSE_BAD_IPV4_LENGTH,
	PARSE_BAD_IPV4_CHECKSUM,
	PARSE_TRUNCATED_IPV6,
	PARSE_BAD_IPV6_HEADER,
	PARSE_BAD_IPV6_LENGTH,
	PARSE_BAD_IPV6_EXTENSION,
	PARSE_TRUNCATED_TCP,
	PARSE_BAD_TCP_OFFSET,
	PARSE_TRUNCATED_UDP,
	PARSE_BAD_UDP_LENGTH,
	PARSE_TRUNCATED_ICMP,
	PARSE_HEADERS_NOT_CONTIGUOUS,
};

struct parse_config {
	bool verify_checksums;
};

/* The bytes being parsed. Headers are read from the first segment only;
 * lengths are checked against the whole packet, and once the IP header is
 * known, against the end of the IP datagram (what follows is padding).
 * What was found is written to the mbuf once, at the end: l2/l3/l4_len are
 * bit-fields in the mbuf's second cache line, and setting them one by one
 * would read that line back three times. */
struct frame {
	const uint8_t *data;
	uint32_t contiguous; /* readable bytes: the first segment */
	uint32_t end;        /* where the current layer's bytes end */
	uint32_t ptype;
	uint32_t l2_len, l3_len, l4_len;
};

/* Are `len` bytes at `off` inside the layer and readable in one piece? */
static inline enum parse_counter
have(const struct frame *f, uint32_t off, uint32_t len, enum parse_counter truncated)
{
	if (unlikely(off + len > f->end))
		return truncated;
	if (unlikely(off + len > f->contiguous))
		return PARSE_HEADERS_NOT_CONTIGUOUS;
	return PARSE_PARSED;
}

/* TCP, UDP and ICMP are checked; other protocols pass with no L4 type. A
 * first fragment may end inside its L4 header (the rest is in the next
 * fragment): then it is only a fragment. Its UDP length covers the whole
 * datagram, so it cannot be checked against this fragment. */
static inline enum parse_counter
parse_l4(struct frame *f, uint32_t off, uint8_t proto, uint8_t icmp_proto, bool first_fragment)
{
	const uint8_t *l4 = f->data + off;
	enum parse_counter r;
	uint32_t len, type;

	if (proto == IPPROTO_TCP) {
		if ((r = have(f, off, sizeof(struct rte_tcp_hdr), PARSE_TRUNCATED_TCP)))
			goto short_header;
		len = (uint32_t)(((const struct rte_tcp_hdr *)l4)->data_off >> 4) * 4;
		if (len < sizeof(struct rte_tcp_hdr))
			return PARSE_BAD_TCP_OFFSET;
		if ((r = have(f, off, len, PARSE_BAD_TCP_OFFSET)))
			goto short_header;
		type = RTE_PTYPE_L4_TCP;
	} else if (proto == IPPROTO_UDP) {
		if ((r = have(f, off, sizeof(struct rte_udp_hdr), PARSE_TRUNCATED_UDP)))
			goto short_header;
		uint32_t udp_len = rte_be_to_cpu_16(((const struct rte_udp_hdr *)l4)->dgram_len);
		if (udp_len < sizeof(struct rte_udp_hdr) || (!first_fragment && udp_len > f->end - off))
			return PARSE_BAD_UDP_LENGTH;
		len = sizeof(struct rte_udp_hdr);
		type = RTE_PTYPE_L4_UDP;
	} else if (proto == icmp_proto) {
		/* type, code, checksum and the 4 bytes every ICMP message has */
		len = sizeof(struct rte_icmp_hdr);
		if ((r = have(f, off, len, PARSE_TRUNCATED_ICMP)))
			goto short_header;
		type = RTE_PTYPE_L4_ICMP;
	} else {
		return PARSE_PARSED;
	}
	f->ptype |= type;
	f->l4_len = len;
	return PARSE_PARSED;

short_header:
	if (first_fragment && r != PARSE_HEADERS_NOT_CONTIGUOUS) {
		f->ptype |= RTE_PTYPE_L4_FRAG;
		return PARSE_PARSED;
	}
	return r;
}

static inline enum parse_counter
parse_ipv4(struct frame *f, uint32_t off, bool verify_checksum)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f->data + off);
	enum parse_counter r;

	if ((r = have(f, off, sizeof(*ip), PARSE_TRUNCATED_IPV4)))
		return r;
	uint32_t hlen = (ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip))
		return PARSE_BAD_IPV4_HEADER;
	if ((r = have(f, off, hlen, PARSE_TRUNCATED_IPV4)))
		return r;
	uint32_t total = rte_be_to_cpu_16(ip->total_length);
	if (total < hlen || total > f->end - off)
		return PARSE_BAD_IPV4_LENGTH;
	/* a header with the right checksum sums to all ones */
	if (verify_checksum && rte_raw_cksum(ip, hlen) != 0xffff)
		return PARSE_BAD_IPV4_CHECKSUM;
	f->end = off + total;
	f->l3_len = hlen;
	f->ptype |= hlen > sizeof(*ip) ? RTE_PTYPE_L3_IPV4_EXT : RTE_PTYPE_L3_IPV4;

	uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);
	if (frag & RTE_IPV4_HDR_OFFSET_MASK) {
		f->ptype |= RTE_PTYPE_L4_FRAG; /* no L4 header in here */
		return PARSE_PARSED;
	}
	return parse_l4(f, off + hlen, ip->next_proto_id, IPPROTO_ICMP,
			frag & RTE_IPV4_HDR_MF_FLAG);
}

static inline bool
ipv6_extension(uint8_t proto)
{
	return proto == IPPROTO_HOPOPTS || proto == IPPROTO_ROUTING ||
	       proto == IPPROTO_DSTOPTS || proto == IPPROTO_FRAGMENT;
}

/* The fixed header, then the extension headers up to the L4 header; l3_len
 * covers them all. A non-first fragment stops at its fragment header: what
 * follows belongs to the middle of the original packet. */
static inline enum parse_counter
parse_ipv6(struct frame *f, uint32_t off)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(f->data + off);
	bool first_fragment = false, later_fragment = false;
	enum parse_counter r;

	if ((r = have(f, off, sizeof(*ip), PARSE_TRUNCATED_IPV6)))
		return r;
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return PARSE_BAD_IPV6_HEADER;
	uint32_t payload = rte_be_to_cpu_16(ip->payload_len);
	if (payload > f->end - off - sizeof(*ip))
		return PARSE_BAD_IPV6_LENGTH;
	f->end = off + (uint32_t)sizeof(*ip) + payload;

	uint8_t proto = ip->proto;
	uint32_t hlen = sizeof(*ip);
	for (unsigned n = 0; ipv6_extension(proto) && !later_fragment; n++) {
		const uint8_t *ext = f->data + off + hlen;
		if (n == IPV6_MAX_EXTENSION_HEADERS)
			return PARSE_BAD_IPV6_EXTENSION;
		/* every extension header is at least 8 bytes: next header, length, ... */
		if ((r = have(f, off + hlen, 8, PARSE_BAD_IPV6_EXTENSION)))
			return r;
		uint32_t len = 8;
		if (proto == IPPROTO_FRAGMENT) {
			uint16_t frag = rte_be_to_cpu_16(
				((const struct rte_ipv6_fragment_ext *)ext)->frag_data);
			later_fragment = (frag & RTE_IPV6_EHDR_FO_MASK) != 0;
			first_fragment = !later_fragment && RTE_IPV6_GET_MF(frag);
		} else {
			len = ((uint32_t)ext[1] + 1) * 8;
			if ((r = have(f, off + hlen, len, PARSE_BAD_IPV6_EXTENSION)))
				return r;
		}
		proto = ext[0];
		hlen += len;
	}
	if (hlen > L3_LEN_MAX)
		return PARSE_BAD_IPV6_EXTENSION;
	f->l3_len = hlen;
	f->ptype |= hlen > sizeof(*ip) ? RTE_PTYPE_L3_IPV6_EXT : RTE_PTYPE_L3_IPV6;
	if (later_fragment) {
		f->ptype |= RTE_PTYPE_L4_FRAG;
		return PARSE_PARSED;
	}
	return parse_l4(f, off + hlen, proto, IPPROTO_ICMPV6, first_fragment);
}

static inline enum parse_counter
parse_l2(struct frame *f, bool verify_checksums)
{
	enum parse_counter r;
	unsigned tags = 0;

	if ((r = have(f, 0, RTE_ETHER_HDR_LEN, PARSE_TRUNCATED_ETHERNET)))
		return r;
	rte_be16_t type = ((const struct rte_ether_hdr *)f->data)->ether_type;
	uint32_t off = RTE_ETHER_HDR_LEN;
	/* 802.1Q, or 802.1ad outside 802.1Q; a third tag is an unknown type */
	while (tags < 2 && (type == RTE_BE16(RTE_ETHER_TYPE_VLAN) ||
			    type == RTE_BE16(RTE_ETHER_TYPE_QINQ))) {
		if ((r = have(f, off, sizeof(struct rte_vlan_hdr), PARSE_TRUNCATED_VLAN)))
			return r;
		type = ((const struct rte_vlan_hdr *)(f->data + off))->eth_proto;
		off += sizeof(struct rte_vlan_hdr);
		tags++;
	}
	f->l2_len = off;
	f->ptype = tags == 0 ? RTE_PTYPE_L2_ETHER
		   : tags == 1 ? RTE_PTYPE_L2_ETHER_VLAN : RTE_PTYPE_L2_ETHER_QINQ;
	switch (type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		return parse_ipv4(f, off, verify_checksums);
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		return parse_ipv6(f, off);
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		if ((r = have(f, off, sizeof(struct rte_arp_hdr), PARSE_TRUNCATED_ARP)))
			return r;
		f->ptype = RTE_PTYPE_L2_ETHER_ARP; /* l2_len still tells the tags */
		return PARSE_PARSED;
	default:
		return PARSE_PARSED;
	}
}

/* A refused frame gets packet_type 0 and no lengths: nothing after parse may
 * trust it. */
static inline enum parse_counter
parse_frame(struct rte_mbuf *m, bool verify_checksums)
{
	struct frame f = { .data = rte_pktmbuf_mtod(m, const uint8_t *),
			   .contiguous = rte_pktmbuf_data_len(m), .end = rte_pktmbuf_pkt_len(m) };
	enum parse_counter r = parse_l2(&f, verify_checksums);

	if (unlikely(r != PARSE_PARSED)) {
		m->packet_type = RTE_PTYPE_UNKNOWN;
		m->tx_offload = 0;
		return r;
	}
	m->packet_type = f.ptype;
	m->tx_offload = rte_mbuf_tx_offload(f.l2_len, f.l3_len, f.l4_len, 0, 0, 0, 0);
	return PARSE_PARSED;
}

/* The common frame in a straight line: true when it decided (the frame is
 * good, its fields set exactly as parse_frame would set them); false leaves
 * the frame, untouched, to parse_frame. */
static inline bool
parse_fast(struct rte_mbuf *m, bool verify_checksum)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + RTE_ETHER_HDR_LEN);

	if (unlikely(m->nb_segs != 1 || len < RTE_ETHER_HDR_LEN + sizeof(*ip) + 8 ||
		     ((const struct rte_ether_hdr *)d)->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
		     ip->version_ihl != RTE_IPV4_VHL_DEF ||
		     (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))))
		return false;
	uint32_t total = rte_be_to_cpu_16(ip->total_length), l4_len;
	uint32_t ptype = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4;
	const uint8_t *l4 = (const uint8_t *)(ip + 1);
	if (unlikely(total > len - RTE_ETHER_HDR_LEN))
		return false;
	if (ip->next_proto_id == IPPROTO_TCP) {
		if (unlikely(total < sizeof(*ip) + sizeof(struct rte_tcp_hdr)))
			return false; /* data_off is not in the frame */
		l4_len = (uint32_t)(((const struct rte_tcp_hdr *)l4)->data_off >> 4) * 4;
		if (unlikely(l4_len < sizeof(struct rte_tcp_hdr) || total < sizeof(*ip) + l4_len))
			return false;
		ptype |= RTE_PTYPE_L4_TCP;
	} else if (ip->next_proto_id == IPPROTO_UDP) {
		uint32_t udp_len = rte_be_to_cpu_16(((const struct rte_udp_hdr *)l4)->dgram_len);
		l4_len = sizeof(struct rte_udp_hdr);
		if (unlikely(total < sizeof(*ip) + l4_len || udp_len < l4_len ||
			     udp_len > total - sizeof(*ip)))
			return false;
		ptype |= RTE_PTYPE_L4_UDP;
	} else {
		return false;
	}
	if (verify_checksum && unlikely(rte_raw_cksum(ip, sizeof(*ip)) != 0xffff))
		return false;
	m->packet_type = ptype;
	m->tx_offload = rte_mbuf_tx_offload(RTE_ETHER_HDR_LEN, sizeof(*ip), l4_len, 0, 0, 0, 0);
	return true;
}

#endif
