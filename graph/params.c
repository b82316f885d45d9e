/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Checks operator parameters against their declared types, fills in
 * defaults, and refuses unknown ones, so that an operator's setup() only
 * ever sees values of the type it declared.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../model/errors.h"
#include "../model/model.h"
#include "load.h"

static const char *
type_name(const struct nfg_param *p)
{
	switch (p->type) {
	case NFG_T_BOOL: return "true or false";
	case NFG_T_INT: return "an integer";
	case NFG_T_NUMBER: return "a number";
	case NFG_T_STRING: return "a string";
	case NFG_T_ENUM: return "one of the listed strings";
	case NFG_T_IPV4: return "an IPv4 address like \"198.18.0.1\"";
	case NFG_T_IP: return "an IPv4 or IPv6 address";
	case NFG_T_PREFIX: return "an address or prefix like \"198.18.0.0/15\"";
	case NFG_T_MAC: return "a MAC address like \"02:00:00:00:00:01\"";
	case NFG_T_PORTRANGE: return "a port 0-65535 or a range \"lo-hi\"";
	case NFG_T_HEX: return "a string of hex bytes";
	case NFG_T_PORT: return "the name of a port of this file";
	case NFG_T_NODE: return "the name of a node of this file";
	case NFG_T_STRLIST: return "an array of strings";
	case NFG_T_LIST: return "an array of objects";
	case NFG_T_ANY: return "a value";
	}
	return "?";
}

static void
describe(json_t *v, char *buf, size_t len)
{
	/* ASCII: a string's control characters and U+202E come out as \\uXXXX. */
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);

	if (!s) {
		snprintf(buf, len, "?");
		return;
	}
	if (strlen(s) > 40)
		strcpy(s + 37, "...");
	snprintf(buf, len, "%s", s);
	free(s);
}

static int
bad(const char *path, const struct nfg_param *p, json_t *v, const char *extra)
{
	char got[64];

	describe(v, got, sizeof(got));
	nfg_err(path, "expected %s%s, got %s", type_name(p), extra ? extra : "", got);
	return -1;
}

static int
check_bounds(const char *path, const struct nfg_param *p, double x, json_t *v)
{
	char range[96];

	if (p->min == 0 && p->max == 0)
		return 0;
	if (x >= p->min && x <= p->max)
		return 0;
	snprintf(range, sizeof(range), " from %.15g to %.15g", p->min, p->max);
	return bad(path, p, v, range);
}

static int
check_choices(const char *path, const struct nfg_param *p, json_t *v)
{
	char list[256] = "";

	if (json_is_string(v))
		for (const char *const *c = p->choices; c && *c; c++)
			if (strcmp(*c, json_string_value(v)) == 0)
				return 0;
	for (const char *const *c = p->choices; c && *c; c++) {
		strncat(list, c == p->choices ? " (" : ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, *c, sizeof(list) - strlen(list) - 1);
	}
	strncat(list, ")", sizeof(list) - strlen(list) - 1);
	return bad(path, p, v, list);
}

static int
check_value(struct nfg_instance *inst, json_t *v, const struct nfg_param *p, const char *path)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	uint8_t addr[16];
	int family;
	unsigned plen;

	switch (p->type) {
	case NFG_T_BOOL:
		return json_is_boolean(v) ? 0 : bad(path, p, v, NULL);
	case NFG_T_INT:
		if (!json_is_integer(v))
			return bad(path, p, v, NULL);
		return check_bounds(path, p, (double)json_integer_value(v), v);
	case NFG_T_NUMBER:
		if (!json_is_number(v))
			return bad(path, p, v, NULL);
		return check_bounds(path, p, json_number_value(v), v);
	case NFG_T_STRING:
		/* --set turns 123 into a number; text that looks like one needs quotes. */
		return s ? 0 : bad(path, p, v, json_is_number(v) || json_is_boolean(v)
					? " (with --set, quote it as JSON: PATH='\"...\"')" : NULL);
	case NFG_T_ENUM:
		return check_choices(path, p, v);
	case NFG_T_IPV4: {
		uint32_t a;
		return nfg_parse_ipv4(s, &a) == 0 ? 0 : bad(path, p, v, NULL);
	}
	case NFG_T_IP:
		return nfg_parse_ip(s, &family, addr) == 0 ? 0 : bad(path, p, v, NULL);
	case NFG_T_PREFIX:
		return nfg_parse_prefix(s, &family, addr, &plen) == 0 ? 0 : bad(path, p, v, NULL);
	case NFG_T_MAC: {
		struct rte_ether_addr mac;
		return nfg_parse_mac(s, &mac) == 0 ? 0 : bad(path, p, v, NULL);
	}
	case NFG_T_PORTRANGE: {
		uint16_t lo, hi;
		return nfg_parse_portrange(v, &lo, &hi) == 0 ? 0 : bad(path, p, v, NULL);
	}
	case NFG_T_HEX: {
		uint8_t *bytes;
		long n = s ? nfg_parse_hex(s, &bytes) : -1;
		if (n < 0)
			return bad(path, p, v, NULL);
		free(bytes);
		return 0;
	}
	case NFG_T_PORT:
		if (!s)
			return bad(path, p, v, NULL);
		if (inst && inst->graph && !nfg_graph_port(inst->graph, s)) {
			nfg_err(path, "no port named \"%s\" in \"ports\"", nfg_esc(s));
			return -1;
		}
		return 0;
	case NFG_T_NODE:
		if (!s)
			return bad(path, p, v, NULL);
		if (inst && inst->graph && !json_object_get(json_object_get(inst->graph->root,
									 "nodes"), s)) {
			nfg_err(path, "no node named \"%s\" in \"nodes\"", nfg_esc(s));
			return -1;
		}
		return 0;
	case NFG_T_STRLIST: {
		size_t i;
		json_t *e;
		if (!json_is_array(v))
			return bad(path, p, v, NULL);
		if (check_bounds(path, p, (double)json_array_size(v), v) < 0)
			return -1;
		json_array_foreach(v, i, e) {
			if (!json_is_string(e)) {
				char sub[512];
				snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
				nfg_err(sub, "expected a string");
				return -1;
			}
		}
		return 0;
	}
	case NFG_T_LIST: {
		size_t i;
		json_t *e;
		int rc = 0;
		if (!json_is_array(v))
			return bad(path, p, v, NULL);
		if (p->min || p->max) {
			double n = (double)json_array_size(v);
			if (n < p->min || n > p->max) {
				nfg_err(path, "expected %.0f to %.0f entries, got %zu", p->min,
					p->max, json_array_size(v));
				return -1;
			}
		}
		json_array_foreach(v, i, e) {
			char sub[512];
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (!json_is_object(e)) {
				nfg_err(sub, "expected an object");
				rc = -1;
				continue;
			}
			if (nfg_params_check_object(inst, e, p->fields, sub) < 0)
				rc = -1;
		}
		return rc;
	}
	case NFG_T_ANY:
		return 0;
	}
	return 0;
}

int
nfg_param_check(struct nfg_instance *inst, json_t *obj, const struct nfg_param *p,
		const char *path)
{
	json_t *v = json_object_get(obj, p->name);

	if (!v || json_is_null(v)) {
		if (p->def) {
			json_error_t jerr;
			json_t *d = json_loads(p->def, JSON_DECODE_ANY, &jerr);
			if (!d) {
				nfg_err(path, "operator bug: bad default %s", p->def);
				return -1;
			}
			json_object_set_new(obj, p->name, d);
			/* A plugin's default meets the same rules as a value from the
			 * file, or operators would read what their bounds forbid. */
			char sub[512];
			snprintf(sub, sizeof(sub), "%s.%s (the operator's default)", path, p->name);
			return check_value(inst, d, p, sub);
		}
		if (p->flags & NFG_P_OPTIONAL) {
			json_object_del(obj, p->name); /* null (--set x=null) means absent */
			return 0;
		}
		nfg_err(path, "missing parameter \"%s\": %s (%s)", p->name,
			p->doc ? p->doc : "", type_name(p));
		return -1;
	}
	char sub[512];
	snprintf(sub, sizeof(sub), "%s.%s", path, p->name);
	return check_value(inst, v, p, sub);
}

int
nfg_params_check_object(struct nfg_instance *inst, json_t *obj,
			const struct nfg_param *params, const char *path)
{
	const char *key;
	json_t *v;
	int rc = 0;

	json_object_foreach(obj, key, v) {
		bool known = inst && strcmp(path, inst->path) == 0 && strcmp(key, "op") == 0;
		for (const struct nfg_param *p = params; p && p->name && !known; p++)
			known = strcmp(p->name, key) == 0;
		if (!known) {
			char sub[512], list[512] = "";
			for (const struct nfg_param *p = params; p && p->name; p++) {
				if (list[0])
					strncat(list, ", ", sizeof(list) - strlen(list) - 1);
				strncat(list, p->name, sizeof(list) - strlen(list) - 1);
			}
			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			nfg_err(sub, "unknown parameter \"%s\" (known: %s)", nfg_esc(key),
				list[0] ? list : "none");
			rc = -1;
		}
	}
	for (const struct nfg_param *p = params; p && p->name; p++)
		if (nfg_param_check(inst, obj, p, path) < 0)
			rc = -1;
	return rc;
}
