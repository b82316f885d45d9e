/* SPDX-License-Identifier: BSD-3-Clause
 *
 * classify: sends each parsed packet to the first listed class it belongs to
 * (arp, ipv4, tcp, ...), or to "other". It reads only packet_type and l2_len,
 * as set by parse. Setup turns the list into a table from "the set of classes
 * a packet is in" to an output, so the per-packet work is a few bit tests and
 * one lookup, whatever the length of the list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"

enum classify_class {
	CLASS_ARP,
	CLASS_IPV4,
	CLASS_IPV6,
	CLASS_IP,
	CLASS_TCP,
	CLASS_UDP,
	CLASS_ICMP,
	CLASS_ICMP6,
	CLASS_FRAG,
	CLASS_VLAN,
	NB_CLASSES,
};

static const char *const class_names[NB_CLASSES] = {
	[CLASS_ARP] = "arp",   [CLASS_IPV4] = "ipv4", [CLASS_IPV6] = "ipv6",
	[CLASS_IP] = "ip",     [CLASS_TCP] = "tcp",   [CLASS_UDP] = "udp",
	[CLASS_ICMP] = "icmp", [CLASS_ICMP6] = "icmp6", [CLASS_FRAG] = "frag",
	[CLASS_VLAN] = "vlan",
};

/* "other" is the optional output, declared before setup: edge 0. The
 * classes' outputs follow in the order of the list. Each output has a counter
 * of the packets it sent, with the same index as its edge ("other" first), so
 * every packet classify takes shows up in exactly one of them. */
enum classify_output { CLASSIFY_OTHER };
enum classify_counter { CLASSIFY_OTHER_PACKETS };

struct classify_config {
	uint8_t edge_of[1u << NB_CLASSES]; /* set of classes -> output */
};

/* The set of classes (one bit each) of a packet parse described. */
static inline unsigned
classes_of(uint32_t ptype, uint16_t l2_len)
{
	uint32_t l2 = ptype & RTE_PTYPE_L2_MASK, l4 = ptype & RTE_PTYPE_L4_MASK;
	unsigned set = 0;

	if (l2 == RTE_PTYPE_L2_ETHER_ARP)
		set |= 1u << CLASS_ARP;
	/* ARP keeps its own L2 type when tagged; l2_len still shows the tag */
	if (l2 == RTE_PTYPE_L2_ETHER_VLAN || l2 == RTE_PTYPE_L2_ETHER_QINQ ||
	    (l2 == RTE_PTYPE_L2_ETHER_ARP && l2_len > RTE_ETHER_HDR_LEN))
		set |= 1u << CLASS_VLAN;
	if (RTE_ETH_IS_IPV4_HDR(ptype))
		set |= 1u << CLASS_IPV4 | 1u << CLASS_IP |
		       (l4 == RTE_PTYPE_L4_ICMP ? 1u << CLASS_ICMP : 0);
	else if (RTE_ETH_IS_IPV6_HDR(ptype))
		set |= 1u << CLASS_IPV6 | 1u << CLASS_IP |
		       (l4 == RTE_PTYPE_L4_ICMP ? 1u << CLASS_ICMP6 : 0);
	if (l4 == RTE_PTYPE_L4_TCP)
		set |= 1u << CLASS_TCP;
	else if (l4 == RTE_PTYPE_L4_UDP)
		set |= 1u << CLASS_UDP;
	else if (l4 == RTE_PTYPE_L4_FRAG)
		set |= 1u << CLASS_FRAG;
	return set;
}

static inline rte_edge_t
edge_of(const struct classify_config *cfg, const struct rte_mbuf *m)
{
	return cfg->edge_of[classes_of(m->packet_type, m->l2_len)];
}

/* Packets go out in runs of consecutive packets bound for the same output,
 * one enqueue per run; a batch that is one run moves as a whole. Enqueueing
 * each run completely lets several outputs lead to the same node. */
static uint16_t
classify_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	const struct classify_config *cfg = nfg_node_state(node);
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t run_start = 0;

	if (unlikely(nb_objs == 0))
		return 0;
	rte_edge_t run_edge = edge_of(cfg, pkts[0]);
	for (uint16_t i = 1; i < nb_objs; i++) {
		if (likely(i + 4 < nb_objs))
			rte_prefetch0(pkts[i + 4]);
		rte_edge_t edge = edge_of(cfg, pkts[i]);
		if (likely(edge == run_edge))
			continue;
		rte_node_enqueue(graph, node, run_edge, &objs[run_start], i - run_start);
		nfg_count(node, run_edge, i - run_start);
		run_start = i;
		run_edge = edge;
	}
	if (run_start == 0)
		rte_node_next_stream_move(graph, node, run_edge);
	else
		rte_node_enqueue(graph, node, run_edge, &objs[run_start], nb_objs - run_start);
	nfg_count(node, run_edge, nb_objs - run_start);
	return nb_objs;
}

static int
class_by_name(const char *name)
{
	for (int c = 0; c < NB_CLASSES; c++)
		if (strcmp(class_names[c], name) == 0)
			return c;
	return -1;
}

/* Could any packet parse produces reach `edge`? Tries each kind: ARP,
 * tagged or not, and Ethernet with 0 to 2 tags carrying IP (or not). */
static bool
edge_reachable(const struct classify_config *cfg, rte_edge_t edge)
{
	static const uint32_t l2s[] = { RTE_PTYPE_L2_ETHER, RTE_PTYPE_L2_ETHER_VLAN,
					RTE_PTYPE_L2_ETHER_QINQ };
	static const uint32_t l3s[] = { RTE_PTYPE_L3_IPV4, RTE_PTYPE_L3_IPV6 };
	static const uint32_t l4s[] = { 0, RTE_PTYPE_L4_TCP, RTE_PTYPE_L4_UDP,
					RTE_PTYPE_L4_ICMP, RTE_PTYPE_L4_FRAG };

	if (cfg->edge_of[classes_of(RTE_PTYPE_L2_ETHER_ARP, RTE_ETHER_HDR_LEN)] == edge ||
	    cfg->edge_of[classes_of(RTE_PTYPE_L2_ETHER_ARP, RTE_ETHER_HDR_LEN + 4)] == edge)
		return true;
	for (unsigned a = 0; a < RTE_DIM(l2s); a++) {
		if (cfg->edge_of[classes_of(l2s[a], 0)] == edge)
			return true;
		for (unsigned b = 0; b < RTE_DIM(l3s); b++)
			for (unsigned c = 0; c < RTE_DIM(l4s); c++)
				if (cfg->edge_of[classes_of(l2s[a] | l3s[b] | l4s[c], 0)] == edge)
					return true;
	}
	return false;
}

static int
classify_setup(struct nfg_instance *inst)
{
	json_t *list = nfg_param(inst, "classes"), *entry;
	char where[32], known[128] = "";
	int listed_at[NB_CLASSES];
	rte_edge_t edge_of_class[NB_CLASSES] = { 0 };
	size_t i;

	for (int c = 0; c < NB_CLASSES; c++) {
		listed_at[c] = -1;
		strcat(known, c ? ", " : "");
		strcat(known, class_names[c]);
	}
	if (json_array_size(list) == 0)
		return nfg_error(inst, "classes", "expected at least one class out of: %s", known);
	json_array_foreach(list, i, entry) {
		const char *name = json_string_value(entry);
		int c = class_by_name(name);
		snprintf(where, sizeof(where), "classes[%zu]", i);
		if (c < 0)
			return nfg_error(inst, where, "unknown class \"%s\" (known: %s; \"other\" "
					 "is always there and takes the rest)", name, known);
		if (listed_at[c] >= 0)
			return nfg_error(inst, where, "class \"%s\" is already listed at "
					 "classes[%d]", name, listed_at[c]);
		listed_at[c] = (int)i;
		int edge = nfg_instance_add_output(inst, name);
		if (edge < 0)
			return -1;
		if (nfg_instance_add_counter(inst, name, NFG_CTR_INFO) != edge)
			return nfg_error(inst, where, "counter and output of class \"%s\" disagree",
					 name);
		edge_of_class[c] = (rte_edge_t)edge;
	}

	struct classify_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, NULL);
	for (unsigned set = 0; set < RTE_DIM(cfg->edge_of); set++) {
		int first = -1; /* the listed class of the set that comes first */
		for (int c = 0; c < NB_CLASSES; c++)
			if ((set >> c & 1) && listed_at[c] >= 0 &&
			    (first < 0 || listed_at[c] < listed_at[first]))
				first = c;
		cfg->edge_of[set] = first < 0 ? CLASSIFY_OTHER : (uint8_t)edge_of_class[first];
	}
	/* A class that earlier ones always take first is a mistake in the list. */
	json_array_foreach(list, i, entry) {
		int c = class_by_name(json_string_value(entry));
		if (!edge_reachable(cfg, edge_of_class[c])) {
			snprintf(where, sizeof(where), "classes[%zu]", i);
			return nfg_error(inst, where, "class \"%s\" can never match: the classes "
					 "before it take all its packets", class_names[c]);
		}
	}
	return 0;
}

/* Workers only read the shared table: nothing of their own to free. */
static int
classify_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	nfg_node_set_state(node, nfg_instance_config(inst));
	return 0;
}

static const struct nfg_param classify_params[] = {
	{ .name = "classes", .type = NFG_T_STRLIST,
	  .doc = "classes in priority order, each also the name of an output: arp, ipv4, "
		 "ipv6, ip, tcp, udp, icmp, icmp6, frag, vlan" },
	{ 0 },
};

static const char *const classify_optional_outputs[] = { "other", NULL };

static const struct nfg_counter classify_counters[] = {
	[CLASSIFY_OTHER_PACKETS] = { "other", NFG_CTR_INFO },
	{ 0 },
};

static const struct nfg_op classify_op = {
	.outputs_doc = "one per listed class, named like it",
	.api_version = NFG_API_VERSION,
	.name = "classify",
	.summary = "route parsed packets by protocol: first listed class wins",
	.doc = "Each class in \"classes\" is an output of the same name; a packet goes to\n"
	       "the first class in the list it belongs to, or to \"other\" (optional:\n"
	       "left unconnected, those packets are dropped and counted).\n"
	       "  arp    ARP (tagged or not)       ipv4, ipv6  that IP version\n"
	       "  ip     IPv4 or IPv6              tcp, udp    over either IP version\n"
	       "  icmp   ICMP over IPv4            icmp6       ICMPv6\n"
	       "  frag   IP fragments but the first (they carry no L4 header)\n"
	       "  vlan   frames with one or two VLAN tags\n"
	       "So [\"tcp\", \"ip\"] sends TCP one way and all other IP another. A class\n"
	       "listed after classes that always win over it is refused, as is a class\n"
	       "listed twice. Each output has a counter of the same name with the packets\n"
	       "it sent.",
	.input_doc = "packets after parse (reads packet_type and l2_len only)",
	.example = "\"by_proto\": {\"op\": \"classify\", \"classes\": [\"arp\", \"tcp\", \"ip\"]}",
	.params = classify_params,
	.optional_outputs = classify_optional_outputs,
	.counters = classify_counters,
	.setup = classify_setup,
	.init = classify_init,
	.process = classify_process,
};

NFG_OPERATOR_REGISTER(classify_op);
