/* SPDX-License-Identifier: BSD-3-Clause
 *
 * icmp_echo: answers pings for a port's IPv4 and IPv6 addresses (and any
 * others it is told to answer for). The request becomes the reply in place:
 * MACs and IP addresses turned round, TTL (hop limit) 64, type 0 (ICMPv6:
 * 128 becomes 129). The checksums follow by incremental update (RFC 1624):
 * swapping the addresses leaves the IPv4 checksum and the ICMPv6 pseudo-
 * header sum as they were, so only the TTL and the type words are folded in.
 * Everything that is not an echo request for us leaves unchanged on "other".
 */
#include <stdlib.h>

#include "builtin.h"

#define REPLY_TTL 64
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

struct icmp_echo_config {
	struct rte_ether_addr mac;  /* the port's: the reply's source */
	unsigned nb_addrs6;
	uint8_t (*addrs6)[16];      /* IPv6 ones, few: looked through in turn */
	unsigned nb_addrs;
	uint32_t addrs[];           /* network order, sorted (see is_ours) */
};

static void
release_config(void *config)
{
	struct icmp_echo_config *c = config;

	free(c->addrs6);
	free(c);
}

enum icmp_echo_output { ICMP_ECHO_REPLY, ICMP_ECHO_OTHER, ICMP_ECHO_CONSUMED };
enum icmp_echo_counter { ICMP_ECHO_REPLIED, ICMP_ECHO_BAD_CHECKSUM, ICMP_ECHO_TRUNCATED,
			 ICMP_ECHO_FRAGMENTED };

static bool
is_ours(const struct icmp_echo_config *c, uint32_t addr)
{
	unsigned lo = 0, hi = c->nb_addrs;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (c->addrs[mid] == addr)
			return true;
		if (c->addrs[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* We do not answer requests whose source cannot receive a unicast reply. */
static bool
is_unicast_source(uint32_t addr_be)
{
	uint32_t a = rte_be_to_cpu_32(addr_be);

	return a != 0 && a < UINT32_C(0xe0000000); /* not multicast or broadcast */
}

static bool
is_ours6(const struct icmp_echo_config *c, const uint8_t addr[16])
{
	for (unsigned i = 0; i < c->nb_addrs6; i++)
		if (memcmp(c->addrs6[i], addr, 16) == 0)
			return true;
	return false;
}

/* Whether the extension headers parse checked (l3_len of them) include a
 * Fragment header: the message in this packet is then only a piece. */
static bool
ipv6_fragment(const struct rte_ipv6_hdr *ip, uint32_t l3_len)
{
	const uint8_t *p = (const uint8_t *)(ip + 1);
	uint8_t proto = ip->proto;

	for (uint32_t off = sizeof(*ip); off + 8 <= l3_len;) {
		if (proto == IPPROTO_FRAGMENT)
			return true;
		uint32_t len = ((uint32_t)p[1] + 1) * 8;
		proto = p[0];
		p += len;
		off += len;
	}
	return false;
}

/* An ICMPv6 echo request for us becomes its reply (RFC 4443 4.2). */
static enum icmp_echo_output
answer6(const struct icmp_echo_config *c, struct rte_node *node, struct rte_mbuf *m)
{
	static const uint8_t unspecified[16];
	struct rte_ipv6_hdr *ip = nfg_l3(m);

	/* Requests to a group, or from nowhere, get no unicast answer. */
	if (!is_ours6(c, ip->dst_addr) || ip->src_addr[0] == 0xff ||
	    memcmp(ip->src_addr, unspecified, 16) == 0)
		return ICMP_ECHO_OTHER;
	uint32_t icmp_off = m->l2_len + m->l3_len;
	if (rte_pktmbuf_data_len(m) < icmp_off + sizeof(struct rte_icmp_hdr)) {
		nfg_drop(node, ICMP_ECHO_TRUNCATED, &m, 1);
		return ICMP_ECHO_CONSUMED;
	}
	struct rte_icmp_hdr *icmp = nfg_l4(m);
	if (icmp->icmp_type != ICMP6_ECHO_REQUEST || icmp->icmp_code != 0)
		return ICMP_ECHO_OTHER;
	if (m->l3_len > sizeof(*ip) && ipv6_fragment(ip, m->l3_len)) {
		nfg_drop(node, ICMP_ECHO_FRAGMENTED, &m, 1);
		return ICMP_ECHO_CONSUMED;
	}
	/* The checksum covers the pseudo-header (RFC 8200 8.1) and the message. */
	uint32_t len = rte_be_to_cpu_16(ip->payload_len) + sizeof(*ip) - m->l3_len;
	uint32_t pseudo[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(IPPROTO_ICMPV6) };
	uint16_t msg_sum;
	if (rte_raw_cksum_mbuf(m, icmp_off, len, &msg_sum) != 0) {
		nfg_drop(node, ICMP_ECHO_TRUNCATED, &m, 1);
		return ICMP_ECHO_CONSUMED;
	}
	uint32_t sum = __rte_raw_cksum(ip->src_addr, 32, msg_sum); /* src, dst adjacent */
	if (__rte_raw_cksum_reduce(__rte_raw_cksum(pseudo, sizeof(pseudo), sum)) != 0xffff) {
		nfg_drop(node, ICMP_ECHO_BAD_CHECKSUM, &m, 1);
		return ICMP_ECHO_CONSUMED;
	}

	struct rte_ether_hdr *eth = nfg_eth(m);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = c->mac;
	uint8_t requester[16];
	memcpy(requester, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, requester, 16);
	ip->hop_limits = REPLY_TTL; /* not in the pseudo-header: no checksum change */
	icmp->icmp_type = ICMP6_ECHO_REPLY;
	icmp->icmp_cksum = nfg_cksum_update16(icmp->icmp_cksum,
					      rte_cpu_to_be_16(ICMP6_ECHO_REQUEST << 8),
					      rte_cpu_to_be_16(ICMP6_ECHO_REPLY << 8));
	nfg_count(node, ICMP_ECHO_REPLIED, 1);
	return ICMP_ECHO_REPLY;
}

/* Turns an echo request for us into its reply; returns where the packet goes. */
static enum icmp_echo_output
answer(const struct icmp_echo_config *c, struct rte_node *node, struct rte_mbuf *m)
{
	if (nfg_l4_type(m) != RTE_PTYPE_L4_ICMP)
		return ICMP_ECHO_OTHER;
	if (nfg_is_ipv6(m))
		return answer6(c, node, m);
	if (!nfg_is_ipv4(m))
		return ICMP_ECHO_OTHER;
	struct rte_ipv4_hdr *ip = nfg_l3(m);
	if (!is_ours(c, ip->dst_addr) || !is_unicast_source(ip->src_addr))
		return ICMP_ECHO_OTHER;

	uint32_t icmp_off = m->l2_len + m->l3_len;
	uint32_t ip_len = rte_be_to_cpu_16(ip->total_length);
	if (rte_pktmbuf_data_len(m) < icmp_off + sizeof(struct rte_icmp_hdr)) {
		nfg_drop(node, ICMP_ECHO_TRUNCATED, &m, 1);
		return ICMP_ECHO_CONSUMED;
	}
	struct rte_icmp_hdr *icmp = nfg_l4(m);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0)
		return ICMP_ECHO_OTHER;
	if (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG)) {
		nfg_drop(node, ICMP_ECHO_FRAGMENTED, &m, 1);
		return ICMP_ECHO_CONSUMED;
	}
	/* The checksum covers the whole message, which must all be there. */
	uint16_t sum;
	if (ip_len < m->l3_len + sizeof(struct rte_icmp_hdr) ||
	    rte_raw_cksum_mbuf(m, icmp_off, ip_len - m->l3_len, &sum) != 0) {
		nfg_drop(node, ICMP_ECHO_TRUNCATED, &m, 1);
		return ICMP_ECHO_CONSUMED;
	}
	if (sum != 0xffff) {
		nfg_drop(node, ICMP_ECHO_BAD_CHECKSUM, &m, 1);
		return ICMP_ECHO_CONSUMED;
	}

	struct rte_ether_hdr *eth = nfg_eth(m);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = c->mac;
	uint32_t requester = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = requester;
	uint16_t old = rte_cpu_to_be_16((uint16_t)(ip->time_to_live << 8 | ip->next_proto_id));
	ip->time_to_live = REPLY_TTL;
	ip->hdr_checksum = nfg_cksum_update16(
		ip->hdr_checksum, old, rte_cpu_to_be_16(REPLY_TTL << 8 | IPPROTO_ICMP));
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = nfg_cksum_update16(icmp->icmp_cksum,
					      rte_cpu_to_be_16(RTE_IP_ICMP_ECHO_REQUEST << 8),
					      rte_cpu_to_be_16(RTE_IP_ICMP_ECHO_REPLY << 8));
	nfg_count(node, ICMP_ECHO_REPLIED, 1);
	return ICMP_ECHO_REPLY;
}

static uint16_t
icmp_echo_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct icmp_echo_config *c = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	enum icmp_echo_output first = ICMP_ECHO_OTHER;
	bool one_output = true; /* so far every packet went to `first`: not sent yet */

	for (uint16_t i = 0; i < nb_objs; i++) {
		if (i + 1 < nb_objs)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		enum icmp_echo_output to = answer(c, node, pkts[i]);
		if (one_output) {
			if (i == 0)
				first = to;
			if (to == first && to != ICMP_ECHO_CONSUMED)
				continue;
			/* The batch splits here: send on what went to one output so far. */
			one_output = false;
			if (i > 0)
				rte_node_enqueue(graph, node, first, objs, i);
		}
		if (to != ICMP_ECHO_CONSUMED)
			rte_node_enqueue_x1(graph, node, to, pkts[i]);
	}
	if (one_output && nb_objs)
		rte_node_next_stream_move(graph, node, first);
	return nb_objs;
}

static int
compare_addr(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
icmp_echo_setup(struct nfg_instance *inst)
{
	json_t *list = nfg_param(inst, "addresses");
	struct icmp_echo_config *c = calloc(1, sizeof(*c) + (NFG_PORT_MAX_ADDRS + json_array_size(list)) *
							   sizeof(uint32_t));
	json_t *v;
	size_t i;

	if (!c)
		return -1;
	nfg_instance_set_config(inst, c, release_config);
	c->addrs6 = calloc(NFG_PORT_MAX_ADDRS + json_array_size(list), 16);
	if (!c->addrs6)
		return -1;
	json_array_foreach(list, i, v) {
		char where[32];
		uint8_t a[16];
		int family;
		snprintf(where, sizeof(where), "addresses[%zu]", i);
		if (nfg_parse_ip(json_string_value(v), &family, a) < 0)
			return nfg_error(inst, where, "expected an IPv4 or IPv6 address like "
					 "\"198.18.0.1\" or \"2001:2::1\"");
		if (family == AF_INET)
			memcpy(&c->addrs[c->nb_addrs++], a, 4);
		else
			memcpy(c->addrs6[c->nb_addrs6++], a, 16);
	}
	return 0;
}

/* The port's addresses are known once it started. */
static int
icmp_echo_start(struct nfg_instance *inst)
{
	struct icmp_echo_config *c = nfg_instance_config(inst);
	const struct nfg_port *port = nfg_port_get(nfg_param_string(inst, "port"));

	if (!port)
		return nfg_error(inst, "port", "port %s is not running", nfg_param_string(inst, "port"));
	c->mac = port->mac;
	for (unsigned i = 0; i < port->nb_ipv4; i++)
		c->addrs[c->nb_addrs++] = port->ipv4[i];
	for (unsigned i = 0; i < port->nb_ipv6; i++)
		memcpy(c->addrs6[c->nb_addrs6++], port->ipv6[i], 16);
	if (c->nb_addrs == 0 && c->nb_addrs6 == 0)
		return nfg_error(inst, "port", "port %s has no \"ipv4\" or \"ipv6\" and "
				 "\"addresses\" is empty: no address to answer for", port->name);
	qsort(c->addrs, c->nb_addrs, sizeof(c->addrs[0]), compare_addr);
	return 0;
}

/* Workers only read the configuration: it is their whole state. */
static int
icmp_echo_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	nfg_node_set_state(node, nfg_instance_config(inst));
	return 0;
}

static const struct nfg_param icmp_echo_params[] = {
	{ .name = "port", .type = NFG_T_PORT,
	  .doc = "answer for this port's IPv4 and IPv6 addresses, from its MAC" },
	{ .name = "addresses", .type = NFG_T_STRLIST, .def = "[]", .max = 1024,
	  .doc = "more IPv4 or IPv6 addresses to answer for" },
	{ 0 },
};

static const char *const icmp_echo_outputs[] = { "reply", "other", NULL };

static const struct nfg_counter icmp_echo_counters[] = {
	[ICMP_ECHO_REPLIED] = { "replied", NFG_CTR_INFO },
	[ICMP_ECHO_BAD_CHECKSUM] = { "bad_checksum", NFG_CTR_DROP },
	[ICMP_ECHO_TRUNCATED] = { "truncated", NFG_CTR_DROP },
	[ICMP_ECHO_FRAGMENTED] = { "fragmented", NFG_CTR_DROP,
				   "the first fragment of a larger echo request: fragments are "
				   "not reassembled, so it gets no reply" },
	{ 0 },
};

static const struct nfg_op icmp_echo_op = {
	.api_version = NFG_API_VERSION,
	.name = "icmp_echo",
	.summary = "answer pings (ICMP and ICMPv6 echo requests) for a port's addresses",
	.doc = "Turns each ICMP echo request addressed to one of the port's IPv4 or IPv6\n"
	       "addresses (or to one in \"addresses\") into its echo reply and sends it to\n"
	       "\"reply\": Ethernet source the port's MAC, destination the requester's; IP\n"
	       "addresses swapped; TTL or hop limit 64; ICMPv6 type 128 becomes 129;\n"
	       "checksums updated. Requests with a wrong ICMP checksum (ICMPv6: over the\n"
	       "pseudo-header too) are dropped as bad_checksum, those cut short as\n"
	       "truncated. Everything else (other ICMP, other addresses, requests to a\n"
	       "group, fragments) goes to \"other\" unchanged.",
	.input_doc = "packets after parse",
	.example = "\"ping\": {\"op\": \"icmp_echo\", \"port\": \"lan\"}",
	.params = icmp_echo_params,
	.outputs = icmp_echo_outputs,
	.counters = icmp_echo_counters,
	.setup = icmp_echo_setup,
	.start = icmp_echo_start,
	.init = icmp_echo_init,
	.process = icmp_echo_process,
};

NFG_OPERATOR_REGISTER(icmp_echo_op);
