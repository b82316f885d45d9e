/* SPDX-License-Identifier: BSD-3-Clause
 *
 * filter: a firewall's rule list. Each packet goes to "match" or "nomatch"
 * as the first rule it matches says (or as "default" says when none does),
 * and every rule counts the packets it decided, so a test or an operator
 * can see exactly which rule did what.
 *
 * Few rules are tried in order (filter_rules.c). From acl_threshold rules
 * on, and when no rule names an IPv6 address, IPv4 packets are classified
 * a chunk at a time by rte_acl (filter_acl.c); IPv6 and non-IP packets still
 * take the linear path. Both paths read the packet the same way
 * (filter_packet_read), so they decide the same.
 */
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "filter_rules.h"

/* One rte_acl_classify call costs about what trying a few tens of rules on
 * one packet costs (measured: ~700 cycles). A chunk with fewer packets x
 * rules than this, as a quiet link gives (batches of 1 or 2), is cheaper on
 * the linear path; the answer is the same on both. */
#define FILTER_ACL_MIN_WORK 64

/* Rule i counts under FILTER_RULE0 + i (declared in setup, after this one). */
enum filter_counter { FILTER_NO_RULE_MATCHED, FILTER_RULE0 };

struct filter_state {
	const struct filter_config *cfg;
	int32_t rule[FILTER_CHUNK];   /* first matching rule of each packet, -1: none */
	uint16_t edge[FILTER_CHUNK];
	struct filter_acl_batch acl;
};

/* The common packet (IPv4 TCP/UDP) is matched in place against the compiled
 * rules, or by rte_acl for large rule sets; anything else is read into a
 * filter_packet and matched by the interpreter. All three answer alike. */
static void
classify_chunk(struct filter_state *st, struct rte_mbuf **pkts, uint16_t n)
{
	const struct filter_config *cfg = st->cfg;
	bool acl = cfg->acl && (uint32_t)n * cfg->nb_rules >= FILTER_ACL_MIN_WORK;

	for (uint16_t i = 0; i < n; i++) {
		struct filter_packet pk;

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		if (!acl && filter_fast_packet(pkts[i])) {
			st->rule[i] = filter_fast_match(cfg, pkts[i]);
			continue;
		}
		filter_packet_read(pkts[i], &pk);
		if (acl && pk.family == 4)
			filter_acl_add(&st->acl, &pk, i);
		else
			st->rule[i] = filter_match(cfg, &pk);
	}
	if (acl)
		filter_acl_classify(cfg, &st->acl, st->rule);
}

static inline uint16_t
edge_of(const struct filter_config *cfg, int32_t rule)
{
	return rule >= 0 ? cfg->rules[rule].edge : cfg->default_edge;
}

/* Each run of packets decided by the same rule is one counter update and
 * one stretch of edges. Returns whether one rule decided them all (the
 * common case), which leaves the edges unwritten: they all take that rule's. */
static bool
count_rules(struct rte_node *node, const struct filter_config *cfg, const int32_t *rule,
	    uint16_t *edge, uint16_t n)
{
	uint16_t start = 0;

	for (uint16_t i = 1; i <= n; i++) {
		if (i < n && rule[i] == rule[start])
			continue;
		nfg_count(node, rule[start] >= 0 ? FILTER_RULE0 + (unsigned)rule[start]
						 : FILTER_NO_RULE_MATCHED, i - start);
		if (start == 0 && i == n)
			return true;
		for (uint16_t e = edge_of(cfg, rule[start]), j = start; j < i; j++)
			edge[j] = e;
		start = i;
	}
	return false;
}

static uint16_t
filter_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct filter_state *st = nfg_node_state(node);
	const struct filter_config *cfg = st->cfg;

	for (uint16_t done = 0; done < nb_objs;) {
		uint16_t n = RTE_MIN((uint16_t)(nb_objs - done), (uint16_t)FILTER_CHUNK);

		classify_chunk(st, (struct rte_mbuf **)objs + done, n);
		if (count_rules(node, cfg, st->rule, st->edge, n))
			nfg_enqueue_all(graph, node, objs + done, edge_of(cfg, st->rule[0]), n);
		else
			nfg_enqueue_by_edge(graph, node, objs + done, st->edge, n);
		done += n;
	}
	return nb_objs;
}

static int
filter_setup(struct nfg_instance *inst)
{
	struct filter_config *cfg = filter_config_parse(inst);

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, filter_config_free);
	for (unsigned i = 0; i < cfg->nb_rules; i++)
		if (nfg_instance_add_counter(inst, cfg->rules[i].counter_name, NFG_CTR_INFO) !=
		    (int)(FILTER_RULE0 + i))
			return nfg_error(inst, "rules", "operator bug: rule counters out of place");
	return 0;
}

static int
filter_start(struct nfg_instance *inst)
{
	struct filter_config *cfg = nfg_instance_config(inst);

	return cfg->use_acl ? filter_acl_build(cfg, inst) : 0;
}

static void
filter_stop(struct nfg_instance *inst)
{
	filter_acl_free(nfg_instance_config(inst));
}

static int
filter_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct filter_state *st = nfg_node_state(node);

	st->cfg = nfg_instance_config(inst);
	return 0;
}

static const char *const filter_default_choices[] = { "match", "nomatch", NULL };

static const struct nfg_param filter_params[] = {
	{ .name = "rules", .type = NFG_T_LIST, .fields = filter_rule_fields, .min = 0, .max = 10000,
	  .doc = "rule objects, tried in order; the first that matches decides" },
	{ .name = "default", .type = NFG_T_ENUM, .def = "\"nomatch\"",
	  .choices = filter_default_choices, .doc = "where packets no rule matched go" },
	{ .name = "acl_threshold", .type = NFG_T_INT, .def = "8", .min = 1, .max = 1000000,
	  .doc = "from this many rules (and no IPv6 address in them) IPv4 uses rte_acl" },
	{ 0 },
};

static const char *const filter_outputs[] = { "match", NULL };
static const char *const filter_optional_outputs[] = { "nomatch", NULL };

static const struct nfg_counter filter_counters[] = {
	[FILTER_NO_RULE_MATCHED] = { "no_rule_matched", NFG_CTR_INFO },
	{ 0 },
};

static const struct nfg_op filter_op = {
	.api_version = NFG_API_VERSION,
	.name = "filter",
	.summary = "firewall rules: first match sends a packet to match or nomatch",
	.doc = "Tries the rules in order; the first rule whose fields all match decides where\n"
	       "the packet goes (its \"out\", \"match\" unless it says \"nomatch\"). Packets no\n"
	       "rule matches go to \"default\". Every field of a rule is optional; a rule\n"
	       "with none matches everything.\n"
	       "  src, dst    address or prefix; the packet must be of that IP family\n"
	       "  sport,dport port or \"lo-hi\"; only TCP and UDP packets that carry their\n"
	       "              L4 header (never a non-first fragment)\n"
	       "  proto       tcp, udp, icmp, icmp6, or any (any IP packet)\n"
	       "  tcp_flags   \"syn,!ack\": set flags, and with ! flags that must be clear\n"
	       "Non-IP packets (ARP...) only match rules without such fields.\n"
	       "Counters: \"rule[i]\" (or \"rule[i] NAME\") per rule, \"no_rule_matched\".\n"
	       "With acl_threshold rules or more and no IPv6 address in any rule, IPv4\n"
	       "packets are classified with DPDK's rte_acl (except in batches too small\n"
	       "to pay for its call); the result is the same.\n"
	       "\"nomatch\" may stay unconnected: its packets are then dropped and counted.",
	.input_doc = "packets after parse (packet_type, l2_len, l3_len set)",
	.example = "\"fw\": {\"op\": \"filter\", \"rules\": [\n"
		   "    {\"name\": \"ssh\", \"dport\": 22, \"out\": \"nomatch\"},\n"
		   "    {\"name\": \"web\", \"proto\": \"tcp\", \"dst\": \"198.18.0.0/15\", "
		   "\"dport\": \"80-443\"},\n"
		   "    {\"name\": \"ping\", \"proto\": \"icmp\"}]}",
	.params = filter_params,
	.outputs = filter_outputs,
	.optional_outputs = filter_optional_outputs,
	.counters = filter_counters,
	.setup = filter_setup,
	.start = filter_start,
	.state_size = sizeof(struct filter_state),
	.init = filter_init,
	.process = filter_process,
	.stop = filter_stop,
};

NFG_OPERATOR_REGISTER(filter_op);
