/* SPDX-License-Identifier: BSD-3-Clause
 *
 * parse: checks the headers of raw Ethernet frames and records what it found
 * in the standard mbuf fields (packet_type, l2_len, l3_len, l4_len), so that
 * every operator after it can trust them and never look at a length field
 * again. Frames whose headers contradict themselves or the frame go to
 * "malformed", counted by reason. Protocols it does not know are not errors:
 * such frames go to "out" with as much of packet_type as is known.
 */
#include <netinet/in.h>

#include "builtin.h"

/* More IPv6 extension headers than this is an attack, not a packet. */
#define IPV6_MAX_EXTENSION_HEADERS 8
/* l3_len is a 9-bit field: a longer IPv6 header chain cannot be recorded. */
#define L3_LEN_MAX ((1u << RTE_MBUF_L3_LEN_BITS) - 1)

enum parse_output { PARSE_OUT, PARSE_MALFORMED };

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

/* All frames are expected to be fine and to go to "out" in one piece (the
 * lib/node pkt_cls way). A malformed one ends the current run of good frames,
 * which is copied out, and moves down to the front of objs (it never
 * overtakes an uncopied frame). The malformed ones are enqueued last, after
 * "out" is complete, so that both outputs may lead to the same node. */
static uint16_t
parse_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct parse_config *cfg = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	void **to_out = rte_node_next_stream_get(graph, node, PARSE_OUT, nb_objs);
	uint16_t run_start = 0, nb_out = 0, nb_malformed = 0;

	rte_prefetch0(pkts[0]);
	if (nb_objs > 1)
		rte_prefetch0(pkts[1]);
	for (uint16_t i = 0; i < nb_objs; i++) {
		if (likely(i + 1 < nb_objs))
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (likely(i + 2 < nb_objs))
			rte_prefetch0(pkts[i + 2]);
		enum parse_counter reason = parse_frame(pkts[i], cfg->verify_checksums);
		if (likely(reason == PARSE_PARSED))
			continue;
		nfg_count(node, reason, 1);
		rte_memcpy(to_out + nb_out, &objs[run_start], (i - run_start) * sizeof(void *));
		nb_out += i - run_start;
		objs[nb_malformed++] = pkts[i];
		run_start = i + 1;
	}
	if (likely(nb_malformed == 0)) {
		rte_node_next_stream_move(graph, node, PARSE_OUT);
	} else {
		rte_memcpy(to_out + nb_out, &objs[run_start], (nb_objs - run_start) * sizeof(void *));
		nb_out += nb_objs - run_start;
		rte_node_next_stream_put(graph, node, PARSE_OUT, nb_out);
		rte_node_enqueue(graph, node, PARSE_MALFORMED, objs, nb_malformed);
	}
	nfg_count(node, PARSE_PARSED, nb_objs - nb_malformed);
	return nb_objs;
}

static int
parse_setup(struct nfg_instance *inst)
{
	struct parse_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -1;
	cfg->verify_checksums = nfg_param_bool(inst, "verify_checksums");
	nfg_instance_set_config(inst, cfg, NULL);
	return 0;
}

/* Workers only read the shared configuration: nothing of their own to free. */
static int
parse_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	nfg_node_set_state(node, nfg_instance_config(inst));
	return 0;
}

static const struct nfg_param parse_params[] = {
	{ .name = "verify_checksums", .type = NFG_T_BOOL, .def = "false",
	  .doc = "send IPv4 headers with a wrong checksum to \"malformed\"" },
	{ 0 },
};

static const char *const parse_outputs[] = { "out", NULL };
static const char *const parse_optional_outputs[] = { "malformed", NULL };

static const struct nfg_counter parse_counters[] = {
	[PARSE_PARSED] = { "parsed", NFG_CTR_INFO },
	[PARSE_TRUNCATED_ETHERNET] = { "truncated_ethernet", NFG_CTR_INFO },
	[PARSE_TRUNCATED_VLAN] = { "truncated_vlan", NFG_CTR_INFO },
	[PARSE_TRUNCATED_ARP] = { "truncated_arp", NFG_CTR_INFO },
	[PARSE_TRUNCATED_IPV4] = { "truncated_ipv4", NFG_CTR_INFO },
	[PARSE_BAD_IPV4_HEADER] = { "bad_ipv4_header", NFG_CTR_INFO },
	[PARSE_BAD_IPV4_LENGTH] = { "bad_ipv4_length", NFG_CTR_INFO },
	[PARSE_BAD_IPV4_CHECKSUM] = { "bad_ipv4_checksum", NFG_CTR_INFO },
	[PARSE_TRUNCATED_IPV6] = { "truncated_ipv6", NFG_CTR_INFO },
	[PARSE_BAD_IPV6_HEADER] = { "bad_ipv6_header", NFG_CTR_INFO },
	[PARSE_BAD_IPV6_LENGTH] = { "bad_ipv6_length", NFG_CTR_INFO },
	[PARSE_BAD_IPV6_EXTENSION] = { "bad_ipv6_extension", NFG_CTR_INFO },
	[PARSE_TRUNCATED_TCP] = { "truncated_tcp", NFG_CTR_INFO },
	[PARSE_BAD_TCP_OFFSET] = { "bad_tcp_offset", NFG_CTR_INFO },
	[PARSE_TRUNCATED_UDP] = { "truncated_udp", NFG_CTR_INFO },
	[PARSE_BAD_UDP_LENGTH] = { "bad_udp_length", NFG_CTR_INFO },
	[PARSE_TRUNCATED_ICMP] = { "truncated_icmp", NFG_CTR_INFO },
	[PARSE_HEADERS_NOT_CONTIGUOUS] = { "headers_not_contiguous", NFG_CTR_INFO },
	{ 0 },
};

static const struct nfg_op parse_op = {
	.api_version = NFG_API_VERSION,
	.name = "parse",
	.summary = "check Ethernet/VLAN/ARP/IPv4/IPv6/TCP/UDP/ICMP headers, set packet_type",
	.doc = "Reads Ethernet with up to two VLAN tags (802.1Q, 802.1ad), ARP, IPv4 (with\n"
	       "options), IPv6 (with hop-by-hop, routing, destination and fragment headers,\n"
	       "at most 8), and TCP, UDP, ICMP, ICMPv6 above them. Sets the mbuf's\n"
	       "packet_type (RTE_PTYPE_* L2, L3 and L4 bits; ICMPv6 is L4_ICMP with an IPv6\n"
	       "L3; fragments other than the first are L4_FRAG, with no L4 header), l2_len\n"
	       "(Ethernet and tags), l3_len (IP header with options or extension headers)\n"
	       "and l4_len (TCP with options, 8 for UDP and ICMP), so that operators after\n"
	       "it read headers through these fields alone.\n"
	       "Every length is checked against the frame: a frame whose headers do not\n"
	       "fit, or contradict each other, goes to \"malformed\" with packet_type 0,\n"
	       "counted under its reason (truncated_ipv4, bad_tcp_offset, ...); headers\n"
	       "that span mbuf segments count as headers_not_contiguous. Padding after the\n"
	       "IP datagram is fine. Unknown EtherTypes and IP protocols are not errors:\n"
	       "they go to \"out\" with the layers that are known. \"parsed\" counts the\n"
	       "frames sent to \"out\".",
	.input_doc = "raw Ethernet frames, as received",
	.example = "\"parse\": {\"op\": \"parse\", \"verify_checksums\": true}",
	.params = parse_params,
	.outputs = parse_outputs,
	.optional_outputs = parse_optional_outputs,
	.counters = parse_counters,
	.setup = parse_setup,
	.init = parse_init,
	.process = parse_process,
};

NFG_OPERATOR_REGISTER(parse_op);
