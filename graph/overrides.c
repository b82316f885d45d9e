/* SPDX-License-Identifier: BSD-3-Clause
 *
 * --set PATH=VALUE: change one value of a graph file from the command line,
 * so nobody edits a shipped file to change a number. PATH is the JSON path
 * used in error messages ("nodes.fw.rules[0].dport"); VALUE is JSON when it
 * parses as JSON (8080, true, [1,2], {"a":1}, "quoted") and a plain string
 * otherwise (198.18.0.1, hash). Missing object keys are created; an array
 * index may be one past the end to append.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/model.h"
#include "load.h"

/* NULL with `err` set: text that begins with a quote must be a JSON string
 * (one holding \u0000, which jansson refuses, came through as its own source
 * text, quotes and backslashes included). Not so for [ and {: an IPv6
 * listen address ("[2001:2::1]:80") and a request template ("{conn}") are
 * plain text. */
static json_t *
parse_value(const char *text, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	const char *start = text + strspn(text, " \t");

	if (v)
		return v;
	if (*start == '"') {
		snprintf(err, errlen, "the value begins as a JSON string but is not one: %s%s",
			 jerr.text,
			 strstr(jerr.text, "\\u0000") ? " (bytes like NUL go in a *_hex parameter)"
							 : "");
		return NULL;
	}
	v = json_string(text);
	if (!v)
		snprintf(err, errlen, "the value is not UTF-8 text");
	return v;
}

/* Sets `value` (stolen) at `key` or `index` of `parent`. Returns 0, or -1
 * with `err` set and `value` freed. */
static int
store(json_t *parent, const char *key, long index, json_t *value, char *err, size_t errlen)
{
	if (index < 0) {
		if (!json_is_object(parent)) {
			snprintf(err, errlen, "\"%s\" is not inside an object", key);
			json_decref(value);
			return -1;
		}
		/* It refuses a key that is not UTF-8, and frees the value then. */
		if (json_object_set_new(parent, key, value) < 0) {
			snprintf(err, errlen, "key \"%s\" is not UTF-8 text", key);
			return -1;
		}
		return 0;
	}
	if (!json_is_array(parent)) {
		snprintf(err, errlen, "[%ld] is not inside an array", index);
		json_decref(value);
		return -1;
	}
	if ((size_t)index <= json_array_size(parent)) {
		int rc = (size_t)index < json_array_size(parent)
				 ? json_array_set_new(parent, (size_t)index, value)
				 : json_array_append_new(parent, value);
		if (rc < 0)
			snprintf(err, errlen, "[%ld] cannot be set", index);
		return rc;
	}
	snprintf(err, errlen, "index [%ld] is past the end (the array has %zu entr%s)", index,
		 json_array_size(parent), json_array_size(parent) == 1 ? "y" : "ies");
	json_decref(value);
	return -1;
}

/* A path into a node or port the graph does not have (a typo of its name) is
 * refused, naming those it has: created, it would only fail later as a node
 * without "op". A new one is made by setting the key it cannot do without
 * first (nodes.NAME.op, ports.NAME.device), or as a whole object. `rest` is
 * the path after `key`, up to `end`. */
static bool
unknown_member(json_t *root, json_t *cur, const char *key, const char *rest, const char *end,
	       char *err, size_t errlen)
{
	static const struct {
		const char *section, *what, *first;
	} sections[] = { { "nodes", "node", "op" }, { "ports", "port", "device" } };

	for (unsigned i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (cur != json_object_get(root, sections[i].section))
			continue;
		size_t n = strlen(sections[i].first);
		if (*rest == '.' && (size_t)(end - rest - 1) == n &&
		    strncmp(rest + 1, sections[i].first, n) == 0)
			return false;
		int len = snprintf(err, errlen, "the graph has no %s \"%s\" (its %s:", sections[i].what,
				   key, sections[i].section);
		const char *name;
		json_t *v;
		unsigned shown = 0;
		json_object_foreach(cur, name, v) {
			if (len > 0 && (size_t)len < errlen && shown++ < 20)
				len += snprintf(err + len, errlen - (size_t)len, "%s %s",
						shown > 1 ? "," : "", name);
		}
		if (len > 0 && (size_t)len < errlen)
			snprintf(err + len, errlen - (size_t)len,
				 "%s); a new one needs its \"%s\" set first (%s.%s.%s=...)",
				 shown ? "" : " none", sections[i].first, sections[i].section, key,
				 sections[i].first);
		return true;
	}
	return false;
}

int
nfg_override_apply(json_t *root, const char *assignment, char *err, size_t errlen)
{
	const char *eq = strchr(assignment, '=');
	json_t *cur = root;
	char key[256];

	if (!eq || eq == assignment) {
		snprintf(err, errlen, "expected PATH=VALUE, got \"%s\"", assignment);
		return -1;
	}
	const char *p = assignment;
	while (p < eq) {
		long index = -1;
		size_t n = 0;

		if (*p == '.')
			p++;
		if (*p == '[') {
			char *end;
			errno = 0;
			index = strtol(p + 1, &end, 10);
			if (errno || end == p + 1 || *end != ']' || index < 0) {
				snprintf(err, errlen, "bad index in \"%.*s\"", (int)(eq - assignment),
					 assignment);
				return -1;
			}
			p = end + 1;
		} else {
			while (p < eq && *p != '.' && *p != '[') {
				if (n + 1 == sizeof(key)) {
					snprintf(err, errlen, "a key longer than %zu characters in \"%.*s\"",
						 sizeof(key) - 1, (int)(eq - assignment), assignment);
					return -1;
				}
				key[n++] = *p++;
			}
			key[n] = '\0';
			if (n == 0) {
				snprintf(err, errlen, "empty key in \"%.*s\"", (int)(eq - assignment),
					 assignment);
				return -1;
			}
		}
		bool last = p >= eq;
		if (last) {
			json_t *value = parse_value(eq + 1, err, errlen);
			if (!value)
				return -1;
			return store(cur, key, index, value, err, errlen);
		}

		json_t *next = index < 0 ? json_object_get(cur, key)
					 : json_array_get(cur, (size_t)index);
		if (!next && index < 0 && unknown_member(root, cur, key, p, eq, err, errlen))
			return -1;
		if (!next) {
			/* Create what is missing: an array if an index follows. */
			next = *p == '[' ? json_array() : json_object();
			if (store(cur, key, index, next, err, errlen) < 0)
				return -1;
		}
		cur = next;
	}
	return 0;
}
