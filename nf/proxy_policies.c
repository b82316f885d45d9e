/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The proxy's built-in policies:
 *   round_robin  backends in turn, by weight (stateless: the connection number
 *                picks the slot, so workers need not share a counter)
 *   source_hash  the same client address always gets the same backend
 *   match        rules on the first payload — a prefix, a substring, the HTTP
 *                Host or path — choose a group of backends; then by weight
 *                within it. It waits (NFG_PROXY_MORE) until the request head
 *                (up to CRLFCRLF) is in, or no more will come.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nfg/proxy.h"

#define SLOTS 1024
#define MAX_RULES 64
#define MAX_GROUPS 32

struct schedule {
	uint16_t slot[SLOTS];
	unsigned len;
};

/* Weighted slots of the backends for which keep(group) holds. */
static void
make_schedule(struct schedule *s, const struct nfg_proxy_backend *b, unsigned n,
	      const char *group)
{
	s->len = 0;
	for (unsigned i = 0; i < n; i++) {
		if (group && strcmp(b[i].group, group) != 0)
			continue;
		for (unsigned w = 0; w < b[i].weight && s->len < SLOTS; w++)
			s->slot[s->len++] = (uint16_t)i;
	}
}

static int
weighted_setup(struct nfg_instance *inst, json_t *params, const struct nfg_proxy_backend *b,
	       unsigned n, void **state)
{
	struct schedule *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	make_schedule(s, b, n, NULL);
	*state = s;
	return 0;
}

static int
round_robin_select(void *state, const struct nfg_proxy_conn *conn, const uint8_t *payload,
		   uint32_t len, bool final)
{
	const struct schedule *s = state;

	return s->len ? s->slot[conn->id % s->len] : NFG_PROXY_REJECT;
}

static int
source_hash_select(void *state, const struct nfg_proxy_conn *conn, const uint8_t *payload,
		   uint32_t len, bool final)
{
	const struct schedule *s = state;
	uint32_t h = conn->client_ip * 0x9e3779b1u;

	return s->len ? s->slot[(h ^ (h >> 16)) % s->len] : NFG_PROXY_REJECT;
}

/* ---- match ---------------------------------------------------------------- */

enum rule_kind { RULE_PREFIX, RULE_CONTAINS, RULE_HOST, RULE_PATH };

struct rule {
	enum rule_kind kind;
	char *text;
	int group;            /* index into groups[] */
};

struct match_state {
	struct rule rules[MAX_RULES];
	unsigned nb_rules;
	struct schedule groups[MAX_GROUPS];
	char *group_names[MAX_GROUPS];
	unsigned nb_groups;
	int default_group;    /* -1: reject */
};

static int
group_index(struct match_state *m, const char *name, const struct nfg_proxy_backend *b,
	    unsigned n)
{
	for (unsigned g = 0; g < m->nb_groups; g++)
		if (strcmp(m->group_names[g], name) == 0)
			return (int)g;
	if (m->nb_groups == MAX_GROUPS)
		return -1;
	make_schedule(&m->groups[m->nb_groups], b, n, name);
	if (m->groups[m->nb_groups].len == 0)
		return -1;
	m->group_names[m->nb_groups] = strdup(name);
	return (int)m->nb_groups++;
}

static void
match_release(void *state)
{
	struct match_state *m = state;

	for (unsigned i = 0; i < m->nb_rules; i++)
		free(m->rules[i].text);
	for (unsigned g = 0; g < m->nb_groups; g++)
		free(m->group_names[g]);
	free(m);
}

static int
match_setup(struct nfg_instance *inst, json_t *params, const struct nfg_proxy_backend *b,
	    unsigned n, void **state)
{
	static const char *const kinds[] = { "prefix", "contains", "host", "path" };
	struct match_state *m = calloc(1, sizeof(*m));
	json_t *rules = json_object_get(params, "rules"), *r;
	size_t i;

	if (!m)
		return -1;
	*state = m;
	/* Every rule reads the client's first bytes: with none to read, each
	 * connection would go to the default, whatever the rules say. */
	if (strcmp(nfg_param_string(inst, "binding"), "immediate") == 0)
		return nfg_error(inst, "policy", "\"match\" reads the client's first bytes, and "
				 "binding \"immediate\" chooses at the SYN, before any: use "
				 "\"round_robin\" (or delayed binding)");
	if (nfg_param_int(inst, "inspect_bytes") == 0)
		return nfg_error(inst, "inspect_bytes", "0 shows the \"match\" policy no byte of "
				 "the client's: no rule could ever match");
	if (!json_is_array(rules) || json_array_size(rules) == 0 ||
	    json_array_size(rules) > MAX_RULES)
		return nfg_error(inst, "policy_params.rules", "expected 1 to %d rules like "
				 "{\"host\": \"a.example\", \"group\": \"a\"}", MAX_RULES);
	/* A key misspelt would silently do nothing (a rule without its test, a
	 * default that is not one): every key must be one we read. */
	const char *key;
	json_t *val;
	json_object_foreach(params, key, val)
		if (strcmp(key, "rules") != 0 && strcmp(key, "default") != 0)
			return nfg_error(inst, "policy_params", "unknown key \"%s\" (\"match\" takes "
					 "\"rules\" and \"default\")", key);
	json_array_foreach(rules, i, r) {
		char where[64];
		struct rule *rule = &m->rules[m->nb_rules];
		unsigned found = 0;
		snprintf(where, sizeof(where), "policy_params.rules[%zu]", i);
		if (!json_is_object(r))
			return nfg_error(inst, where, "expected an object like {\"host\": "
					 "\"a.example\", \"group\": \"a\"}");
		json_object_foreach(r, key, val) {
			unsigned k = 0;
			while (k < RTE_DIM(kinds) && strcmp(key, kinds[k]) != 0)
				k++;
			if (k == RTE_DIM(kinds) && strcmp(key, "group") != 0)
				return nfg_error(inst, where, "unknown key \"%s\" (a rule takes one of "
						 "prefix, contains, host, path, and group)", key);
		}
		for (unsigned k = 0; k < 4; k++) {
			json_t *v = json_object_get(r, kinds[k]);
			if (!v)
				continue;
			found++;
			if (!json_is_string(v) || json_string_length(v) == 0)
				return nfg_error(inst, where, "\"%s\" must be a non-empty string", kinds[k]);
			rule->kind = (enum rule_kind)k;
			free(rule->text);
			rule->text = strdup(json_string_value(v));
		}
		m->nb_rules++; /* counted now, so an error below still frees its text */
		if (found != 1)
			return nfg_error(inst, where, "give exactly one of prefix, contains, host, path");
		json_t *grp = json_object_get(r, "group");
		if (!json_is_string(grp) || (rule->group = group_index(m, json_string_value(grp), b, n)) < 0)
			return nfg_error(inst, where, "\"group\" must name a group of the backends");
	}
	json_t *def = json_object_get(params, "default");
	m->default_group = -1;
	if (def && !(json_is_string(def) && strcmp(json_string_value(def), "reject") == 0)) {
		if (!json_is_string(def) || (m->default_group = group_index(m, json_string_value(def), b, n)) < 0)
			return nfg_error(inst, "policy_params.default", "a group of the backends, or "
					 "\"reject\"");
	}
	return 0;
}

/* The value of header `name` ("Host") in an HTTP request head, or NULL. */
static const uint8_t *
header(const uint8_t *p, uint32_t len, const char *name, uint32_t *vlen)
{
	size_t nl = strlen(name);

	for (const uint8_t *line = p; line < p + len;) {
		const uint8_t *end = memchr(line, '\n', (size_t)(p + len - line));
		if (!end)
			return NULL;
		line = end + 1;
		if ((size_t)(p + len - line) > nl && strncasecmp((const char *)line, name, nl) == 0 &&
		    line[nl] == ':') {
			const uint8_t *v = line + nl + 1;
			while (v < p + len && (*v == ' ' || *v == '\t'))
				v++;
			const uint8_t *e = v;
			while (e < p + len && *e != '\r' && *e != '\n' && *e != ':')
				e++; /* a port after ':' is not part of the host */
			*vlen = (uint32_t)(e - v);
			return v;
		}
	}
	return NULL;
}

static bool
rule_matches(const struct rule *r, const uint8_t *p, uint32_t len)
{
	size_t tl = strlen(r->text);
	uint32_t vlen;
	const uint8_t *v;

	switch (r->kind) {
	case RULE_PREFIX:
		return len >= tl && memcmp(p, r->text, tl) == 0;
	case RULE_CONTAINS:
		return memmem(p, len, r->text, tl) != NULL;
	case RULE_HOST:
		v = header(p, len, "Host", &vlen);
		return v && vlen == tl && strncasecmp((const char *)v, r->text, tl) == 0;
	case RULE_PATH:
		v = memchr(p, ' ', len); /* "GET /path HTTP/1.1" */
		return v && (uint32_t)(p + len - v - 1) >= tl && memcmp(v + 1, r->text, tl) == 0;
	}
	return false;
}

static int
match_select(void *state, const struct nfg_proxy_conn *conn, const uint8_t *payload,
	     uint32_t len, bool final)
{
	const struct match_state *m = state;

	if (!final && !memmem(payload, len, "\r\n\r\n", 4))
		return NFG_PROXY_MORE; /* the request head is not all here */
	for (unsigned i = 0; i < m->nb_rules; i++) {
		if (rule_matches(&m->rules[i], payload, len)) {
			const struct schedule *s = &m->groups[m->rules[i].group];
			return s->slot[conn->id % s->len];
		}
	}
	if (m->default_group < 0)
		return NFG_PROXY_REJECT;
	const struct schedule *s = &m->groups[m->default_group];
	return s->slot[conn->id % s->len];
}

static const struct nfg_proxy_policy round_robin = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "round_robin",
	.doc = "backends in turn, by weight",
	.setup = weighted_setup,
	.select = round_robin_select,
	.release = free,
};

static const struct nfg_proxy_policy source_hash = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "source_hash",
	.doc = "the client's address picks the backend (by weight), always the same one",
	.setup = weighted_setup,
	.select = source_hash_select,
	.release = free,
};

static const struct nfg_proxy_policy match = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "match",
	.doc = "rules on the first payload (prefix, contains, HTTP host, HTTP path) choose a "
	       "group of backends; \"default\": a group or \"reject\"",
	.setup = match_setup,
	.select = match_select,
	.release = match_release,
};

RTE_INIT(proxy_policies_register)
{
	nfg_proxy_policy_register(&round_robin);
	nfg_proxy_policy_register(&source_hash);
	nfg_proxy_policy_register(&match);
}
