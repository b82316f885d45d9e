/* SPDX-License-Identifier: BSD-3-Clause
 *
 * filter's rules: reading them from the graph file (with an error at the
 * JSON path for anything that could never match as written) and the linear
 * matcher, which tries them in order. The linear matcher is the reference:
 * the rte_acl path must give the same answer for every IPv4 packet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "filter_rules.h"

static const char *const proto_choices[] = { "tcp", "udp", "icmp", "icmp6", "any", NULL };
static const char *const out_choices[] = { "match", "nomatch", NULL };

const struct nfg_param filter_rule_fields[] = {
	{ .name = "name", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,
	  .doc = "a label, shown in the rule's counter name" },
	{ .name = "src", .type = NFG_T_PREFIX, .flags = NFG_P_OPTIONAL,
	  .doc = "source address or prefix, IPv4 or IPv6" },
	{ .name = "dst", .type = NFG_T_PREFIX, .flags = NFG_P_OPTIONAL,
	  .doc = "destination address or prefix, same family as src" },
	{ .name = "sport", .type = NFG_T_PORTRANGE, .flags = NFG_P_OPTIONAL,
	  .doc = "TCP/UDP source port or range \"lo-hi\"" },
	{ .name = "dport", .type = NFG_T_PORTRANGE, .flags = NFG_P_OPTIONAL,
	  .doc = "TCP/UDP destination port or range \"lo-hi\"" },
	{ .name = "proto", .type = NFG_T_ENUM, .choices = proto_choices, .flags = NFG_P_OPTIONAL,
	  .doc = "tcp, udp, icmp (IPv4), icmp6 (IPv6), or any (any IP packet)" },
	{ .name = "tcp_flags", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,
	  .doc = "\"syn,!ack\": flags that must be set, or clear with !; "
		 "words: syn fin rst psh ack urg ece cwr" },
	{ .name = "out", .type = NFG_T_ENUM, .def = "\"match\"", .choices = out_choices,
	  .doc = "where a packet this rule matches goes" },
	{ 0 },
};

static const struct {
	const char *name;
	uint8_t bit;
} tcp_flag_names[] = {
	{ "fin", RTE_TCP_FIN_FLAG }, { "syn", RTE_TCP_SYN_FLAG }, { "rst", RTE_TCP_RST_FLAG },
	{ "psh", RTE_TCP_PSH_FLAG }, { "ack", RTE_TCP_ACK_FLAG }, { "urg", RTE_TCP_URG_FLAG },
	{ "ece", RTE_TCP_ECE_FLAG }, { "cwr", RTE_TCP_CWR_FLAG },
};

/* "syn, !ack" -> set SYN, clear ACK. */
static int
parse_tcp_flags(struct nfg_instance *inst, const char *where, const char *text,
		uint8_t *set, uint8_t *clear)
{
	const char *p = text;

	*set = *clear = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		bool must_be_clear = false;

		while (len && *p == ' ') {
			p++;
			len--;
		}
		if (len && *p == '!') {
			must_be_clear = true;
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (len == 0)
			return nfg_error(inst, where, "empty flag in \"%s\": expected words like "
				"\"syn,!ack\"", text);
		unsigned f = 0;
		while (f < RTE_DIM(tcp_flag_names) &&
		       !(strlen(tcp_flag_names[f].name) == len &&
			 strncasecmp(tcp_flag_names[f].name, p, len) == 0))
			f++;
		if (f == RTE_DIM(tcp_flag_names))
			return nfg_error(inst, where, "unknown TCP flag \"%.*s\" in \"%s\" (known: "
				"syn fin rst psh ack urg ece cwr; \"!ack\": ack must be clear)",
				(int)len, p, text);
		uint8_t bit = tcp_flag_names[f].bit;
		if ((*set | *clear) & bit)
			return nfg_error(inst, where, "TCP flag \"%s\" appears twice in \"%s\"",
					 tcp_flag_names[f].name, text);
		if (must_be_clear)
			*clear |= bit;
		else
			*set |= bit;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static void
clear_host_bits(uint8_t *addr, unsigned len)
{
	for (unsigned b = 0; b < 16; b++) {
		unsigned keep = len > b * 8 ? RTE_MIN(len - b * 8, 8u) : 0;
		addr[b] &= (uint8_t)(0xff00u >> keep);
	}
}

/* Reads src or dst; all addresses of a rule are of one family. */
static int
parse_address(struct nfg_instance *inst, size_t i, json_t *obj, const char *key,
	      struct filter_rule *r, uint8_t *addr, uint8_t *len, bool *has)
{
	const char *s = json_string_value(json_object_get(obj, key));
	char where[64];
	unsigned plen;
	int family;

	if (!s)
		return 0;
	snprintf(where, sizeof(where), "rules[%zu].%s", i, key);
	if (nfg_parse_prefix(s, &family, addr, &plen) < 0)
		return nfg_error(inst, where, "expected an address or prefix, got \"%s\"", s);
	uint8_t fam = family == AF_INET ? 4 : 6;
	if (r->family && r->family != fam)
		return nfg_error(inst, where, "\"%s\" is IPv%u but src is IPv%u: the addresses of "
				 "a rule are of one family", s, fam, r->family);
	clear_host_bits(addr, plen);
	r->family = fam;
	*len = (uint8_t)plen;
	*has = true;
	return 0;
}

static int
parse_ports(struct nfg_instance *inst, size_t i, json_t *obj, const char *key,
	    struct filter_rule *r, uint16_t *lo, uint16_t *hi)
{
	json_t *v = json_object_get(obj, key);
	char where[64];

	*lo = 0;
	*hi = UINT16_MAX;
	if (!v)
		return 0;
	snprintf(where, sizeof(where), "rules[%zu].%s", i, key);
	if (nfg_parse_portrange(v, lo, hi) < 0)
		return nfg_error(inst, where, "expected a port 0-65535 or a range \"lo-hi\"");
	if (r->proto && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return nfg_error(inst, where, "ports need proto tcp or udp, this rule has proto %s",
				 json_string_value(json_object_get(obj, "proto")));
	r->has_ports = true;
	return 0;
}

static int
parse_proto(struct nfg_instance *inst, size_t i, json_t *obj, struct filter_rule *r)
{
	const char *s = json_string_value(json_object_get(obj, "proto"));
	uint8_t fam = 0;
	char where[64];

	if (!s)
		return 0;
	snprintf(where, sizeof(where), "rules[%zu].proto", i);
	if (strcmp(s, "tcp") == 0) {
		r->proto = IPPROTO_TCP;
	} else if (strcmp(s, "udp") == 0) {
		r->proto = IPPROTO_UDP;
	} else if (strcmp(s, "icmp") == 0) {
		r->proto = IPPROTO_ICMP;
		fam = 4;
	} else if (strcmp(s, "icmp6") == 0) {
		r->proto = IPPROTO_ICMPV6;
		fam = 6;
	} else if (strcmp(s, "any") != 0) {
		return nfg_error(inst, where, "expected tcp, udp, icmp, icmp6 or any");
	}
	if (fam && r->family && fam != r->family)
		return nfg_error(inst, where, "%s is for IPv%u but the rule's addresses are IPv%u%s",
				 s, fam, r->family, fam == 4 ? "; use icmp6" : "; use icmp");
	if (fam)
		r->family = fam;
	return 0;
}

static int
parse_rule(struct nfg_instance *inst, size_t i, json_t *obj, struct filter_rule *r)
{
	const char *name = json_string_value(json_object_get(obj, "name"));
	const char *out = json_string_value(json_object_get(obj, "out"));
	const char *flags = json_string_value(json_object_get(obj, "tcp_flags"));
	char buf[160];

	if (name)
		snprintf(buf, sizeof(buf), "rule[%zu] %s", i, name);
	else
		snprintf(buf, sizeof(buf), "rule[%zu]", i);
	r->counter_name = strdup(buf);
	r->edge = out && strcmp(out, "nomatch") == 0 ? FILTER_NOMATCH : FILTER_MATCH;
	/* Addresses first: they fix the family that proto and ports are checked against. */
	if (parse_address(inst, i, obj, "src", r, r->src, &r->src_len, &r->has_src) < 0 ||
	    parse_address(inst, i, obj, "dst", r, r->dst, &r->dst_len, &r->has_dst) < 0 ||
	    parse_proto(inst, i, obj, r) < 0 ||
	    parse_ports(inst, i, obj, "sport", r, &r->sport_lo, &r->sport_hi) < 0 ||
	    parse_ports(inst, i, obj, "dport", r, &r->dport_lo, &r->dport_hi) < 0)
		return -1;
	if (flags) {
		snprintf(buf, sizeof(buf), "rules[%zu].tcp_flags", i);
		if (r->proto && r->proto != IPPROTO_TCP)
			return nfg_error(inst, buf, "tcp_flags need proto tcp, this rule has proto %s",
					 json_string_value(json_object_get(obj, "proto")));
		if (parse_tcp_flags(inst, buf, flags, &r->flags_set, &r->flags_clear) < 0)
			return -1;
		r->has_flags = true;
	}
	r->ip_only = r->family || r->has_ports || r->has_flags || json_object_get(obj, "proto");
	return 0;
}

/* ---- compiled for IPv4 TCP/UDP (filter_fast_match) ----------------------- */

static uint32_t
prefix_mask(unsigned len)
{
	return len ? ~0u << (32 - len) : 0;
}

static void
compile_fast(struct filter_config *cfg)
{
	for (unsigned i = 0; i < cfg->nb_rules; i++) {
		const struct filter_rule *r = &cfg->rules[i];
		struct filter_fast_rule *f = &cfg->fast[cfg->nb_fast];
		if (r->family == 6 || (r->proto && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP))
			continue; /* never an IPv4 TCP/UDP packet */
		memset(f, 0, sizeof(*f));
		if (r->has_src) {
			f->src_mask = prefix_mask(r->src_len);
			f->src = (uint32_t)r->src[0] << 24 | (uint32_t)r->src[1] << 16 |
				 (uint32_t)r->src[2] << 8 | r->src[3];
		}
		if (r->has_dst) {
			f->dst_mask = prefix_mask(r->dst_len);
			f->dst = (uint32_t)r->dst[0] << 24 | (uint32_t)r->dst[1] << 16 |
				 (uint32_t)r->dst[2] << 8 | r->dst[3];
		}
		f->sport_lo = r->has_ports ? r->sport_lo : 0;
		f->sport_span = r->has_ports ? (uint16_t)(r->sport_hi - r->sport_lo) : 0xffff;
		f->dport_lo = r->has_ports ? r->dport_lo : 0;
		f->dport_span = r->has_ports ? (uint16_t)(r->dport_hi - r->dport_lo) : 0xffff;
		f->proto = r->proto;
		if (r->has_flags) {
			f->tcp_only = true;
			f->flags_set = r->flags_set;
			f->flags_clear = r->flags_clear;
		}
		f->index = i;
		cfg->nb_fast++;
	}
}

void
filter_config_free(void *config)
{
	struct filter_config *cfg = config;

	if (!cfg)
		return;
	for (unsigned i = 0; i < cfg->nb_rules; i++)
		free(cfg->rules[i].counter_name);
	free(cfg->fast);
	free(cfg);
}

struct filter_config *
filter_config_parse(struct nfg_instance *inst)
{
	json_t *rules = nfg_param(inst, "rules");
	size_t n = json_array_size(rules), i;
	struct filter_config *cfg = calloc(1, sizeof(*cfg) + n * sizeof(cfg->rules[0]));
	json_t *obj;

	if (!cfg) {
		nfg_error(inst, "rules", "out of memory");
		return NULL;
	}
	cfg->nb_rules = (unsigned)n;
	cfg->default_edge = strcmp(nfg_param_string(inst, "default"), "match") == 0
				    ? FILTER_MATCH : FILTER_NOMATCH;
	json_array_foreach(rules, i, obj) {
		if (parse_rule(inst, i, obj, &cfg->rules[i]) < 0) {
			filter_config_free(cfg);
			return NULL;
		}
	}
	cfg->use_acl = n > 0 && n >= (size_t)nfg_param_int(inst, "acl_threshold") &&
		       filter_acl_usable(cfg);
	cfg->fast = calloc(n + 1, sizeof(*cfg->fast));
	if (!cfg->fast) {
		nfg_error(inst, "rules", "out of memory");
		filter_config_free(cfg);
		return NULL;
	}
	compile_fast(cfg);
	return cfg;
}

/* ---- the linear matcher ------------------------------------------------ */

static inline bool
prefix_match(const uint8_t *addr, const uint8_t *prefix, unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;

	if (memcmp(addr, prefix, bytes) != 0)
		return false;
	return bits == 0 || ((addr[bytes] ^ prefix[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

static inline bool
rule_matches(const struct filter_rule *r, const struct filter_packet *pk)
{
	if (r->ip_only && pk->family == 0)
		return false;
	if (r->family && r->family != pk->family)
		return false;
	if (r->proto && r->proto != pk->proto)
		return false;
	if (r->has_ports &&
	    (!(pk->l4 & FILTER_HAS_PORTS) || pk->sport < r->sport_lo || pk->sport > r->sport_hi ||
	     pk->dport < r->dport_lo || pk->dport > r->dport_hi))
		return false;
	if (r->has_flags &&
	    (!(pk->l4 & FILTER_HAS_FLAGS) || (pk->tcp_flags & r->flags_set) != r->flags_set ||
	     (pk->tcp_flags & r->flags_clear) != 0))
		return false;
	if (r->has_src && !prefix_match(pk->src, r->src, r->src_len))
		return false;
	if (r->has_dst && !prefix_match(pk->dst, r->dst, r->dst_len))
		return false;
	return true;
}

int
filter_match(const struct filter_config *cfg, const struct filter_packet *pk)
{
	for (unsigned i = 0; i < cfg->nb_rules; i++)
		if (rule_matches(&cfg->rules[i], pk))
			return (int)i;
	return -1;
}
