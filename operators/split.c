/* SPDX-License-Identifier: BSD-3-Clause
 *
 * split: spreads packets over N outputs (out0 .. outN-1), by a symmetric
 * flow hash (both directions of a connection take the same output), by the
 * value of one header field modulo N, or in turn.
 *
 * Fields are read the way `filter` reads them (filter_packet_read), so that
 * a packet "has ports" for split exactly when it has them for filter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "filter_rules.h"

#define SPLIT_MAX_OUTPUTS 16

enum split_by { SPLIT_HASH, SPLIT_FIELD, SPLIT_ROUND_ROBIN };
enum split_field { FIELD_SPORT, FIELD_DPORT, FIELD_SRC, FIELD_DST, FIELD_PROTO, FIELD_VLAN,
		   FIELD_DSCP };

static const char *const split_by_choices[] = { "hash", "field", "round_robin", NULL };
static const char *const split_field_choices[] = { "sport", "dport", "src", "dst", "proto",
						   "vlan", "dscp", NULL };

struct split_config {
	enum split_by by;
	enum split_field field;
	uint16_t nb_outputs;
};

struct split_state {
	const struct split_config *cfg;
	uint16_t next;                 /* round_robin: the output of the next packet */
	uint16_t edge[FILTER_CHUNK];
};

/* An address as a number: IPv4 in host order, IPv6 its last 32 bits (the
 * part that differs between hosts of one network). */
static inline uint32_t
address_value(const uint8_t *a, uint8_t family)
{
	const uint8_t *w = family == 4 ? a : a + 12;

	return (uint32_t)w[0] << 24 | (uint32_t)w[1] << 16 | (uint32_t)w[2] << 8 | w[3];
}

static inline bool
vlan_id(struct rte_mbuf *m, uint32_t *v)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		*v = m->vlan_tci & 0xfff;
		return true;
	}
	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(struct rte_vlan_hdr) ||
	    (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) &&
	     eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ)))
		return false;
	*v = rte_be_to_cpu_16(((const struct rte_vlan_hdr *)(eth + 1))->vlan_tci) & 0xfff;
	return true;
}

static inline bool
dscp(struct rte_mbuf *m, uint8_t family, uint32_t *v)
{
	if (family == 4) {
		*v = ((const struct rte_ipv4_hdr *)nfg_l3(m))->type_of_service >> 2;
		return true;
	}
	if (family == 6) {
		*v = (rte_be_to_cpu_32(((const struct rte_ipv6_hdr *)nfg_l3(m))->vtc_flow) >> 22) &
		     0x3f;
		return true;
	}
	return false;
}

/* The field's value; false when the packet has no such field. */
static inline bool
field_value(struct rte_mbuf *m, enum split_field field, uint32_t *v)
{
	struct filter_packet pk;

	if (field == FIELD_VLAN)
		return vlan_id(m, v);
	filter_packet_read(m, &pk);
	switch (field) {
	case FIELD_SPORT:
		*v = pk.sport;
		return pk.l4 & FILTER_HAS_PORTS;
	case FIELD_DPORT:
		*v = pk.dport;
		return pk.l4 & FILTER_HAS_PORTS;
	case FIELD_SRC:
		*v = pk.family ? address_value(pk.src, pk.family) : 0;
		return pk.family != 0;
	case FIELD_DST:
		*v = pk.family ? address_value(pk.dst, pk.family) : 0;
		return pk.family != 0;
	case FIELD_PROTO:
		*v = pk.proto;
		return pk.family != 0;
	case FIELD_DSCP:
		return dscp(m, pk.family, v);
	case FIELD_VLAN:
		break;
	}
	return false;
}

static void
choose_outputs(struct split_state *st, struct rte_mbuf **pkts, uint16_t n)
{
	const struct split_config *cfg = st->cfg;
	uint32_t v;

	switch (cfg->by) {
	case SPLIT_HASH:
		for (uint16_t i = 0; i < n; i++)
			st->edge[i] = (uint16_t)nfg_hash_bucket(nfg_flow_hash_symmetric(pkts[i]),
								cfg->nb_outputs);
		break;
	case SPLIT_FIELD:
		for (uint16_t i = 0; i < n; i++)
			st->edge[i] = field_value(pkts[i], cfg->field, &v)
					      ? (uint16_t)(v % cfg->nb_outputs) : 0;
		break;
	case SPLIT_ROUND_ROBIN:
		for (uint16_t i = 0; i < n; i++) {
			st->edge[i] = st->next;
			st->next = st->next + 1 == cfg->nb_outputs ? 0 : st->next + 1;
		}
		break;
	}
}

static uint16_t
split_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct split_state *st = nfg_node_state(node);

	for (uint16_t done = 0; done < nb_objs;) {
		uint16_t n = RTE_MIN((uint16_t)(nb_objs - done), (uint16_t)FILTER_CHUNK);

		choose_outputs(st, (struct rte_mbuf **)objs + done, n);
		nfg_enqueue_gathered(graph, node, objs + done, st->edge, n,
				     st->cfg->nb_outputs);
		done += n;
	}
	return nb_objs;
}

static int
index_of(const char *const *choices, const char *s)
{
	for (int i = 0; choices[i]; i++)
		if (strcmp(choices[i], s) == 0)
			return i;
	return -1;
}

static int
split_setup(struct nfg_instance *inst)
{
	struct split_config *cfg = calloc(1, sizeof(*cfg));
	const char *field = nfg_param_string(inst, "field");
	char name[16];

	if (!cfg)
		return nfg_error(inst, NULL, "out of memory");
	nfg_instance_set_config(inst, cfg, NULL);
	cfg->by = (enum split_by)index_of(split_by_choices, nfg_param_string(inst, "by"));
	cfg->nb_outputs = (uint16_t)nfg_param_int(inst, "outputs");
	if (cfg->by == SPLIT_FIELD && !field)
		return nfg_error(inst, "field", "\"by\": \"field\" needs a field: sport, dport, src, "
				 "dst, proto, vlan or dscp");
	if (cfg->by != SPLIT_FIELD && field)
		return nfg_error(inst, "field", "only used with \"by\": \"field\" (this node splits "
				 "by %s)", nfg_param_string(inst, "by"));
	if (field)
		cfg->field = (enum split_field)index_of(split_field_choices, field);
	for (unsigned o = 0; o < cfg->nb_outputs; o++) {
		snprintf(name, sizeof(name), "out%u", o);
		if (nfg_instance_add_output(inst, name) != (int)o)
			return -1;
	}
	return 0;
}

static int
split_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct split_state *st = nfg_node_state(node);

	st->cfg = nfg_instance_config(inst);
	return 0;
}

static const struct nfg_param split_params[] = {
	{ .name = "outputs", .type = NFG_T_INT, .min = 2, .max = SPLIT_MAX_OUTPUTS,
	  .doc = "how many outputs: out0 .. outN-1" },
	{ .name = "by", .type = NFG_T_ENUM, .def = "\"hash\"", .choices = split_by_choices,
	  .doc = "hash (symmetric flow hash), field (a header field), or round_robin" },
	{ .name = "field", .type = NFG_T_ENUM, .choices = split_field_choices,
	  .flags = NFG_P_OPTIONAL, .doc = "with by=field: sport, dport, src, dst, proto, vlan or dscp" },
	{ 0 },
};

static const struct nfg_op split_op = {
	.outputs_doc = "out0 .. outN-1 (N = \"outputs\")",
	.api_version = NFG_API_VERSION,
	.name = "split",
	.summary = "spread packets over out0..outN-1 by flow hash, header field or in turn",
	.doc = "Sends each packet to one of \"outputs\" outputs, named out0 .. outN-1:\n"
	       "  hash         symmetric flow hash (addresses, TCP/UDP ports) scaled to N: both\n"
	       "               directions of a connection take the same output; non-IP: out0\n"
	       "  field        the value of \"field\" mod N; packets without it go to out0.\n"
	       "               sport/dport: TCP/UDP carrying ports; src/dst: IPv4 address as a\n"
	       "               number, IPv6 its last 32 bits; proto; vlan: the VLAN ID;\n"
	       "               dscp: the DSCP of IPv4 or IPv6\n"
	       "  round_robin  out0, out1, ... in turn (per worker)",
	.input_doc = "packets after parse (for hash and field)",
	.example = "\"lb\": {\"op\": \"split\", \"outputs\": 4, \"by\": \"hash\"}",
	.params = split_params,
	.setup = split_setup,
	.state_size = sizeof(struct split_state),
	.init = split_init,
	.process = split_process,
};

NFG_OPERATOR_REGISTER(split_op);
