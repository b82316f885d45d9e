/* SPDX-License-Identifier: BSD-3-Clause
 *
 * filter's fast path for many IPv4 rules: the same rules compiled into a
 * DPDK rte_acl context (a multi-bit trie searched with SIMD), so the cost per
 * packet no longer grows with the number of rules.
 *
 * The key layout follows what rte_acl asks: one leading byte (proto), then
 * groups of 4 bytes, each its own input index. The last group carries the
 * TCP flags and two "was it there" bits (ports, flags) so that a port rule
 * never matches a packet without ports (a non-first fragment, ICMP), exactly
 * as in the linear matcher. Rule priority is the reverse of the rule order,
 * so the highest priority match is the first rule in the file.
 */
#include <stddef.h>
#include <stdio.h>

#include <rte_acl.h>
#include <rte_errno.h>

#include "filter_rules.h"

enum acl_field { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT, F_L4, F_NUM };

static const struct rte_acl_field_def acl_fields[F_NUM] = {
	[F_PROTO] = { .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 1, .field_index = F_PROTO,
		      .input_index = 0, .offset = offsetof(struct filter_acl_key, proto) },
	[F_SRC] = { .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = F_SRC,
		    .input_index = 1, .offset = offsetof(struct filter_acl_key, src) },
	[F_DST] = { .type = RTE_ACL_FIELD_TYPE_MASK, .size = 4, .field_index = F_DST,
		    .input_index = 2, .offset = offsetof(struct filter_acl_key, dst) },
	[F_SPORT] = { .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F_SPORT,
		      .input_index = 3, .offset = offsetof(struct filter_acl_key, sport) },
	[F_DPORT] = { .type = RTE_ACL_FIELD_TYPE_RANGE, .size = 2, .field_index = F_DPORT,
		      .input_index = 3, .offset = offsetof(struct filter_acl_key, dport) },
	[F_L4] = { .type = RTE_ACL_FIELD_TYPE_BITMASK, .size = 4, .field_index = F_L4,
		   .input_index = 4, .offset = offsetof(struct filter_acl_key, l4) },
};

RTE_ACL_RULE_DEF(filter_acl_rule, F_NUM);

bool
filter_acl_usable(const struct filter_config *cfg)
{
	for (unsigned i = 0; i < cfg->nb_rules; i++) {
		const struct filter_rule *r = &cfg->rules[i];
		if ((r->has_src || r->has_dst) && r->family == 6)
			return false;
	}
	return true;
}

static uint32_t
ipv4_host_order(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* rte_acl wants rule values in host order; wildcards are mask 0 / full range. */
static void
acl_rule_from(const struct filter_rule *r, unsigned index, unsigned nb_rules,
	      struct filter_acl_rule *a)
{
	uint32_t l4_value = 0, l4_mask = 0;

	memset(a, 0, sizeof(*a));
	a->data.category_mask = 1;
	a->data.priority = (int32_t)(nb_rules - index);
	a->data.userdata = index + 1; /* 0 is rte_acl's "no match" */
	a->field[F_PROTO].value.u8 = r->proto;
	a->field[F_PROTO].mask_range.u8 = r->proto ? 0xff : 0;
	a->field[F_SRC].value.u32 = r->has_src ? ipv4_host_order(r->src) : 0;
	a->field[F_SRC].mask_range.u32 = r->has_src ? r->src_len : 0;
	a->field[F_DST].value.u32 = r->has_dst ? ipv4_host_order(r->dst) : 0;
	a->field[F_DST].mask_range.u32 = r->has_dst ? r->dst_len : 0;
	a->field[F_SPORT].value.u16 = r->sport_lo;
	a->field[F_SPORT].mask_range.u16 = r->sport_hi;
	a->field[F_DPORT].value.u16 = r->dport_lo;
	a->field[F_DPORT].mask_range.u16 = r->dport_hi;
	if (r->has_ports) {
		l4_value |= FILTER_HAS_PORTS << 8;
		l4_mask |= FILTER_HAS_PORTS << 8;
	}
	if (r->has_flags) {
		l4_value |= FILTER_HAS_FLAGS << 8 | r->flags_set;
		l4_mask |= FILTER_HAS_FLAGS << 8 | r->flags_set | r->flags_clear;
	}
	a->field[F_L4].value.u32 = l4_value;
	a->field[F_L4].mask_range.u32 = l4_mask;
}

int
filter_acl_build(struct filter_config *cfg, const struct nfg_instance *inst)
{
	static unsigned contexts; /* rte_acl names must be unique in the process */
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_param prm = {
		.name = name,
		.socket_id = SOCKET_ID_ANY,
		.rule_size = RTE_ACL_RULE_SZ(F_NUM),
		.max_rule_num = cfg->nb_rules,
	};
	struct rte_acl_config build = { .num_categories = 1, .num_fields = F_NUM };
	unsigned added = 0;
	int rc;

	snprintf(name, sizeof(name), "nfg_filter_%u", contexts++);
	struct rte_acl_ctx *ctx = rte_acl_create(&prm);
	if (!ctx) {
		nfg_node_log(inst, NFG_LOG_ERROR, "rte_acl_create: %s", rte_strerror(rte_errno));
		return -1;
	}
	for (unsigned i = 0; i < cfg->nb_rules; i++) {
		struct filter_acl_rule a;
		/* icmp6 rules never match IPv4, the only packets classified here. */
		if (cfg->rules[i].family == 6)
			continue;
		acl_rule_from(&cfg->rules[i], i, cfg->nb_rules, &a);
		rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)&a, 1);
		if (rc < 0) {
			nfg_node_log(inst, NFG_LOG_ERROR, "rte_acl_add_rules: %s", rte_strerror(-rc));
			rte_acl_free(ctx);
			return -1;
		}
		added++;
	}
	if (added == 0) {
		/* Nothing to search: the linear matcher does it for free. */
		rte_acl_free(ctx);
		return 0;
	}
	memcpy(build.defs, acl_fields, sizeof(acl_fields));
	rc = rte_acl_build(ctx, &build);
	if (rc != 0) {
		nfg_node_log(inst, NFG_LOG_ERROR, "rte_acl_build: %s", rte_strerror(-rc));
		rte_acl_free(ctx);
		return -1;
	}
	cfg->acl = ctx;
	return 0;
}

void
filter_acl_free(struct filter_config *cfg)
{
	rte_acl_free(cfg->acl);
	cfg->acl = NULL;
}

void
filter_acl_classify(const struct filter_config *cfg, struct filter_acl_batch *b, int32_t *rule)
{
	if (b->nb == 0)
		return;
	rte_acl_classify(cfg->acl, b->data, b->results, b->nb, 1);
	for (uint16_t j = 0; j < b->nb; j++)
		rule[b->slot[j]] = (int32_t)b->results[j] - 1;
	b->nb = 0;
}
