/* SPDX-License-Identifier: BSD-3-Clause
 *
 * parse: checks the headers of raw Ethernet frames and records what it found
 * in the standard mbuf fields (packet_type, l2_len, l3_len, l4_len), so that
 * every operator after it can trust them and never look at a length field
 * again. Frames whose headers contradict themselves or the frame go to
 * "malformed", counted by reason. Protocols it does not know are not errors:
 * such frames go to "out" with as much of packet_type as is known.
 */
#include "builtin.h"
#include "parse_frame.h"

enum parse_output { PARSE_OUT, PARSE_MALFORMED };

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
		if (likely(parse_fast(pkts[i], cfg->verify_checksums)))
			continue;
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
