/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Example proxy plugin for nfproxy: a policy that maps the HTTP Host of the
 * first request to a backend, and a hook that adds a request header on the
 * way to the backend (so the backend sees the request went through nfg).
 *
 *   "policy": "host_map",
 *   "policy_params": { "hosts": { "a.example": "a1", "b.example": "b1" }, "default": "a1" },
 *   "hooks": ["add_header"],
 *   "hook_params": { "add_header": { "name": "X-NFG-Proxy", "value": "nfg" } }
 *
 * Built in tree as build/plugins/libnfg_http_proxy.so; a graph names it as
 * "plugins": ["libnfg_http_proxy.so"].
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nfg/proxy.h>

#define MAX_HOSTS 64

/* ---- host_map --------------------------------------------------------------- */

struct host_map {
	unsigned n;
	char *host[MAX_HOSTS];
	int backend[MAX_HOSTS];
	int fallback; /* a backend index, or NFG_PROXY_REJECT */
};

static int
backend_index(const struct nfg_proxy_backend *b, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(b[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
host_map_release(void *state)
{
	struct host_map *m = state;

	for (unsigned i = 0; i < m->n; i++)
		free(m->host[i]);
	free(m);
}

static int
host_map_setup(struct nfg_instance *inst, json_t *params, const struct nfg_proxy_backend *b,
	       unsigned n, void **state)
{
	struct host_map *m = calloc(1, sizeof(*m));
	json_t *hosts = json_object_get(params, "hosts"), *v;
	const char *host;

	if (!m)
		return -1;
	*state = m;
	if (!json_is_object(hosts) || json_object_size(hosts) == 0 ||
	    json_object_size(hosts) > MAX_HOSTS)
		return nfg_error(inst, "policy_params.hosts", "expected {\"HOST\": \"BACKEND\", ...}");
	json_object_foreach(hosts, host, v) {
		int i = json_is_string(v) ? backend_index(b, n, json_string_value(v)) : -1;
		if (i < 0)
			return nfg_error(inst, "policy_params.hosts", "\"%s\": not a backend name", host);
		m->host[m->n] = strdup(host);
		m->backend[m->n++] = i;
	}
	json_t *def = json_object_get(params, "default");
	m->fallback = NFG_PROXY_REJECT;
	if (json_is_string(def) && strcmp(json_string_value(def), "reject") != 0 &&
	    (m->fallback = backend_index(b, n, json_string_value(def))) < 0)
		return nfg_error(inst, "policy_params.default", "a backend name or \"reject\"");
	return 0;
}

static int
host_map_select(void *state, const struct nfg_proxy_conn *conn, const uint8_t *p,
		uint32_t len, bool final)
{
	const struct host_map *m = state;
	const uint8_t *end = memmem(p, len, "\r\n\r\n", 4);

	if (!end)
		return final ? m->fallback : NFG_PROXY_MORE;
	for (const uint8_t *line = p; line < end;) {
		const uint8_t *nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			break;
		line = nl + 1;
		if (end - line > 5 && strncasecmp((const char *)line, "host:", 5) == 0) {
			const uint8_t *h = line + 5, *e = h;
			while (h < end && *h == ' ')
				h++;
			for (e = h; e < end && *e != '\r' && *e != ':'; e++)
				;
			for (unsigned i = 0; i < m->n; i++)
				if (strlen(m->host[i]) == (size_t)(e - h) &&
				    strncasecmp(m->host[i], (const char *)h, (size_t)(e - h)) == 0)
					return m->backend[i];
			break;
		}
	}
	return m->fallback;
}

/* ---- add_header ------------------------------------------------------------- */

struct add_header {
	char line[256]; /* "Name: value\r\n" */
	size_t len;
};

static int
add_header_setup(struct nfg_instance *inst, json_t *params, void **state)
{
	struct add_header *h = calloc(1, sizeof(*h));
	const char *name = json_string_value(json_object_get(params, "name"));
	const char *value = json_string_value(json_object_get(params, "value"));

	if (!h)
		return -1;
	*state = h;
	if (!name || !value || strpbrk(name, "\r\n: ") || strpbrk(value, "\r\n"))
		return nfg_error(inst, "hook_params.add_header",
				 "expected {\"name\": \"X-Header\", \"value\": \"text\"}");
	h->len = (size_t)snprintf(h->line, sizeof(h->line), "%s: %s\r\n", name, value);
	return h->len < sizeof(h->line) ? 0 : nfg_error(inst, "hook_params.add_header", "too long");
}

/* Inserts the header after the request line; other payloads pass unchanged. */
static int
add_header_request(void *state, const struct nfg_proxy_conn *conn, uint8_t *buf,
		   uint32_t len, uint32_t cap)
{
	const struct add_header *h = state;
	const uint8_t *eol = memmem(buf, len, "\r\n", 2);

	if (!eol || !memmem(buf, (size_t)(eol - buf), " HTTP/1.", 8) || len + h->len > cap)
		return (int)len;
	size_t at = (size_t)(eol - buf) + 2;
	memmove(buf + at + h->len, buf + at, len - at);
	memcpy(buf + at, h->line, h->len);
	return (int)(len + h->len);
}

static const struct nfg_proxy_policy host_map = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "host_map",
	.doc = "(plugin) the HTTP Host of the first request names the backend",
	.setup = host_map_setup,
	.select = host_map_select,
	.release = host_map_release,
};

static const struct nfg_proxy_hook add_header = {
	.api_version = NFG_PROXY_API_VERSION,
	.name = "add_header",
	.doc = "(plugin) adds a header to the first HTTP request",
	.setup = add_header_setup,
	.request = add_header_request,
	.release = free,
};

/* No operators of its own: a policy and a hook for tcp_proxy's extension points. */
static const struct nfg_extension extensions[] = {
	{ NFG_PROXY_POLICY_POINT, &host_map },
	{ NFG_PROXY_HOOK_POINT, &add_header },
	{ NULL, NULL },
};

NFG_PLUGIN_WITH("http_proxy", "1.0", NULL, extensions);
