/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Graph file → validated model. Each check reports one message naming the
 * place (file:line:col and JSON path) and what was expected; a phase that
 * found errors stops the load so one mistake never cascades into many.
 */
#include <ctype.h>
#include <errno.h>
#include <unistd.h>
#include <libgen.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/errors.h"
#include "../model/model.h"
#include "load.h"

struct nfg_graph *nfg_current_graph;

/* The whole file, read to its end: a size from stat or ftell is not the
 * size of what /proc and other pseudo-files give (they say 0). */
static char *
read_file(const char *path, size_t *size)
{
	struct stat st;
	size_t cap = 4096, n = 0;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		errno = EISDIR;
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(cap + 1);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *bigger = realloc(buf, cap * 2 + 1);
		if (!bigger) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
		}
		buf = bigger;
		cap *= 2;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*size = n;
	}
	return buf;
}

struct nfg_instance *
nfg_graph_find(const struct nfg_graph *g, const char *name)
{
	for (unsigned i = 0; i < g->nb_instances; i++)
		if (strcmp(g->instances[i]->name, name) == 0)
			return g->instances[i];
	return NULL;
}

struct nfg_port_spec *
nfg_graph_port(const struct nfg_graph *g, const char *name)
{
	for (unsigned i = 0; i < g->nb_ports; i++)
		if (strcmp(g->ports[i].name, name) == 0)
			return &g->ports[i];
	return NULL;
}

static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NFG_NAME_MAX || !isalpha((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* ---- top level ---------------------------------------------------------- */

/* The graph's name names its run's files (--file-prefix=nfg-NAME, the
 * telemetry socket) and heads its output, so it is a plain word. */
static bool
valid_graph_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NFG_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_-.", *s))
			return false;
	return true;
}

/* A top-level key; null is the same as absent (--set KEY=null removes it). */
static json_t *
top_get(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);

	return json_is_null(v) ? NULL : v;
}

/* "got 5" for a message about a value of the wrong type. */
static const char *
got(json_t *v, char *buf, size_t len)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);

	snprintf(buf, len, "%s", s ? s : "?");
	if (s && strlen(s) >= len && len > 4)
		strcpy(buf + len - 4, "...");
	free(s);
	return buf;
}

/* "lcores": [1, 2] or "1-3,5": one CPU per worker. Returns how many. */
static int
parse_lcores(json_t *v, int *lcores)
{
	int n = 0;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		while (*s) {
			char *end;
			long lo = strtol(s, &end, 10), hi = lo;
			if (end == s || lo < 0 || lo > 1023)
				goto bad_list;
			if (*end == '-') {
				s = end + 1;
				hi = strtol(s, &end, 10);
				if (end == s || hi < lo || hi > 1023)
					goto bad_list;
			}
			for (long c = lo; c <= hi; c++) {
				if (n == NFG_MAX_WORKERS) {
					nfg_err("lcores", "more than %d CPUs", NFG_MAX_WORKERS);
					return -1;
				}
				lcores[n++] = (int)c;
			}
			s = *end == ',' ? end + 1 : end;
			if (*end && *end != ',')
				goto bad_list;
		}
		if (n == 0)
			goto bad_list;
		return n;
	bad_list:
		nfg_err("lcores", "expected CPU numbers and ranges like \"1-3,5\", got \"%s\"",
			nfg_esc(json_string_value(v)));
		return -1;
	}
	size_t i;
	json_t *e;
	char buf[48];
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > NFG_MAX_WORKERS) {
		nfg_err("lcores", "expected \"1-3\" or an array of 1 to %d CPU numbers, got %s",
			NFG_MAX_WORKERS, got(v, buf, sizeof(buf)));
		return -1;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 || json_integer_value(e) > 1023) {
			char p[32];
			snprintf(p, sizeof(p), "lcores[%zu]", i);
			nfg_err(p, "expected a CPU number from 0 to 1023, got %s",
				got(e, buf, sizeof(buf)));
			return -1;
		}
		lcores[n++] = (int)json_integer_value(e);
	}
	return n;
}

static const char *const top_keys[] = { "name", "description", "workers", "lcores", "eal",
					"plugins", "mbufs", "ports", "nodes", "edges", NULL };

static int
check_top(struct nfg_graph *g)
{
	const char *key;
	json_t *v;
	int rc = 0;
	char buf[48];

	if (!json_is_object(g->root)) {
		nfg_err(NULL, "a graph file is a JSON object with \"ports\", \"nodes\" and \"edges\"");
		return -1;
	}
	json_object_foreach(g->root, key, v) {
		bool known = false;
		for (const char *const *k = top_keys; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known) {
			nfg_err(key, "unknown key \"%s\" (known: name, description, workers, "
				"lcores, eal, plugins, mbufs, ports, nodes, edges)", nfg_esc(key));
			rc = -1;
		}
	}
	/* Never read a value before its type is known: json_string_value() of a
	 * number is NULL. */
	v = top_get(g->root, "name");
	if (v && !json_is_string(v)) {
		nfg_err("name", "expected a string, got %s", got(v, buf, sizeof(buf)));
		rc = -1;
	} else if (v && !valid_graph_name(json_string_value(v))) {
		nfg_err("name", "expected letters, digits, '_', '-' and '.' (at most %d, starting "
			"with a letter or digit: it names the run's files), got %s", NFG_NAME_MAX,
			got(v, buf, sizeof(buf)));
		rc = -1;
	}
	g->name = strdup(json_is_string(v) ? json_string_value(v) : "graph");
	v = top_get(g->root, "description");
	if (v && !json_is_string(v)) {
		nfg_err("description", "expected a string, got %s", got(v, buf, sizeof(buf)));
		rc = -1;
	}
	g->description = strdup(json_is_string(v) ? json_string_value(v) : "");

	g->nb_workers = 1;
	for (unsigned i = 0; i < NFG_MAX_WORKERS; i++)
		g->lcores[i] = -1;
	v = top_get(g->root, "workers");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > NFG_MAX_WORKERS) {
			nfg_err("workers", "expected an integer from 1 to %d, got %s", NFG_MAX_WORKERS,
				got(v, buf, sizeof(buf)));
			rc = -1;
		} else {
			g->nb_workers = (unsigned)json_integer_value(v);
		}
	}
	v = top_get(g->root, "lcores");
	if (v) {
		int n = parse_lcores(v, g->lcores);
		if (n < 0)
			return -1;
		if (top_get(g->root, "workers") && (unsigned)n != g->nb_workers) {
			nfg_err("lcores", "%d lcores for %u workers: give one CPU per worker", n,
				g->nb_workers);
			rc = -1;
		}
		g->nb_workers = (unsigned)n;
	}
	v = top_get(g->root, "mbufs");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1024 ||
		    json_integer_value(v) > (1 << 26)) {
			nfg_err("mbufs", "expected an integer from 1024 to %d, got %s", 1 << 26,
				got(v, buf, sizeof(buf)));
			rc = -1;
		} else {
			g->mbufs = (unsigned)json_integer_value(v);
		}
	}
	const char *lists[] = { "eal", "plugins" };
	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *e;
		v = top_get(g->root, lists[l]);
		if (!v)
			continue;
		if (!json_is_array(v)) {
			nfg_err(lists[l], "expected an array of strings, got %s", got(v, buf, sizeof(buf)));
			rc = -1;
			continue;
		}
		char **arr = calloc(json_array_size(v) + 1, sizeof(char *));
		json_array_foreach(v, i, e) {
			if (!json_is_string(e)) {
				char p[32];
				snprintf(p, sizeof(p), "%s[%zu]", lists[l], i);
				nfg_err(p, "expected a string, got %s", got(e, buf, sizeof(buf)));
				rc = -1;
				arr[i] = strdup("");
			} else {
				arr[i] = strdup(json_string_value(e));
			}
		}
		if (l == 0) {
			g->eal_args = arr;
			g->nb_eal_args = (unsigned)json_array_size(v);
		} else {
			g->plugins = arr;
			g->nb_plugins = (unsigned)json_array_size(v);
		}
	}
	return rc;
}

/* Plugins named in the file are looked up next to the file first. */
static int
load_plugins(struct nfg_graph *g)
{
	int rc = 0;

	for (unsigned i = 0; i < g->nb_plugins; i++) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", g->file);
		if (nfg_plugin_load_from(g->plugins[i], dirname(dir)) < 0)
			rc = -1;
	}
	return rc;
}

/* ---- ports -------------------------------------------------------------- */

static const char *const rss_modes[] = { "symmetric", "device", "software", NULL };
static const char *const steering_modes[] = { "auto", "software", NULL };

static const struct nfg_param port_params[] = {
	{ .name = "device", .type = NFG_T_STRING,
	  .doc = "DPDK devargs (\"net_af_packet0,iface=veth0\"), a PCI address, or \"wire:NAME\"" },
	{ .name = "mac", .type = NFG_T_MAC, .flags = NFG_P_OPTIONAL,
	  .doc = "MAC address to set (default: the device's)" },
	{ .name = "ipv4", .type = NFG_T_ANY, .flags = NFG_P_OPTIONAL,
	  .doc = "address/prefix, or an array of them" },
	{ .name = "ipv6", .type = NFG_T_ANY, .flags = NFG_P_OPTIONAL,
	  .doc = "IPv6 address/prefix (\"2001:2::1/64\"), or an array of them" },
	{ .name = "rx_desc", .type = NFG_T_INT, .def = "1024", .min = 64, .max = 16384,
	  .doc = "rx descriptors per queue" },
	{ .name = "tx_desc", .type = NFG_T_INT, .def = "1024", .min = 64, .max = 16384,
	  .doc = "tx descriptors per queue" },
	{ .name = "promiscuous", .type = NFG_T_BOOL, .def = "true", .doc = "receive all frames" },
	{ .name = "mtu", .type = NFG_T_INT, .def = "0", .min = 0, .max = 9600,
	  .doc = "MTU to set, at least 68 (1280 with ipv6), restored when the run ends "
		 "(0: the device's); TCP operators fit their MSS to it" },
	{ .name = "rss", .type = NFG_T_ENUM, .def = "\"symmetric\"", .choices = rss_modes,
	  .doc = "with several workers: spread flows with the device's RSS using the "
		 "symmetric key (both directions of a flow on one worker), the device's own key, "
		 "or in software (port_rx hashes and hands packets over)" },
	{ .name = "steering", .type = NFG_T_ENUM, .def = "\"auto\"", .choices = steering_modes,
	  .doc = "how the shares operators declare (port_mask, ip) reach their workers: "
		 "rte_flow rules where the device takes them, else software; or software only" },
	{ 0 },
};

static bool
is_pci_address(const char *s)
{
	unsigned d, b, dev, f;
	char tail;

	return sscanf(s, "%x:%x:%x.%x%c", &d, &b, &dev, &f, &tail) == 4 ||
	       sscanf(s, "%x:%x.%x%c", &b, &dev, &f, &tail) == 3;
}

/* A port's address comes with its subnet's length: without one it would be
 * a host route (/32, /128), no neighbour on the link, and every connection
 * would wait for an ARP or ND answer no route allows. */
static bool
has_prefix_length(json_t *v, const char *path, unsigned usual, unsigned alone)
{
	const char *s = json_string_value(v);

	if (strchr(s, '/'))
		return true;
	nfg_err(path, "%s has no prefix length: the port's subnet is needed, like \"%s/%u\" "
		"(\"/%u\" for an address alone)", s, s, usual, alone);
	return false;
}

static int
add_ipv4(struct nfg_port_spec *ps, json_t *v, const char *path)
{
	uint8_t addr[16];
	unsigned plen;
	int family;

	if (!json_is_string(v) ||
	    nfg_parse_prefix(json_string_value(v), &family, addr, &plen) < 0 ||
	    family != AF_INET) {
		nfg_err(path, "expected an IPv4 address with prefix like \"198.18.0.1/24\"");
		return -1;
	}
	if (!has_prefix_length(v, path, 24, 32))
		return -1;
	const char *why = nfg_ip_unfit(AF_INET, addr);
	if (why) {
		nfg_err(path, "%s is %s, not an address a port can own", json_string_value(v), why);
		return -1;
	}
	if (ps->nb_ipv4 == NFG_PORT_MAX_ADDRS) {
		nfg_err(path, "at most %d addresses per port", NFG_PORT_MAX_ADDRS);
		return -1;
	}
	for (unsigned i = 0; i < ps->nb_ipv4; i++)
		if (memcmp(&ps->ipv4[i], addr, 4) == 0) {
			nfg_err(path, "%s is given twice", json_string_value(v));
			return -1;
		}
	memcpy(&ps->ipv4[ps->nb_ipv4], addr, 4);
	ps->ipv4_prefix[ps->nb_ipv4++] = (uint8_t)plen;
	return 0;
}

static int
add_ipv6(struct nfg_port_spec *ps, json_t *v, const char *path)
{
	uint8_t addr[16];
	unsigned plen;
	int family;
	const char *why;

	if (!json_is_string(v) ||
	    nfg_parse_prefix(json_string_value(v), &family, addr, &plen) < 0 ||
	    family != AF_INET6) {
		nfg_err(path, "expected an IPv6 address with prefix like \"2001:2::1/64\"");
		return -1;
	}
	if (!has_prefix_length(v, path, 64, 128))
		return -1;
	if ((why = nfg_ip_unfit(AF_INET6, addr))) {
		nfg_err(path, "%s is %s, not an address a port can own", json_string_value(v), why);
		return -1;
	}
	for (unsigned i = 0; i < ps->nb_ipv6; i++)
		if (memcmp(ps->ipv6[i], addr, 16) == 0) {
			nfg_err(path, "%s is given twice", json_string_value(v));
			return -1;
		}
	if (ps->nb_ipv6 == NFG_PORT_MAX_ADDRS) {
		nfg_err(path, "at most %d IPv6 addresses per port", NFG_PORT_MAX_ADDRS);
		return -1;
	}
	memcpy(ps->ipv6[ps->nb_ipv6], addr, 16);
	ps->ipv6_prefix[ps->nb_ipv6++] = (uint8_t)plen;
	return 0;
}

/* "ipv4"/"ipv6": one address or an array of them. */
static int
add_addresses(struct nfg_port_spec *ps, json_t *obj, const char *path, const char *key,
	      int (*add)(struct nfg_port_spec *, json_t *, const char *))
{
	json_t *ip = json_object_get(obj, key);
	char sub[300];

	snprintf(sub, sizeof(sub), "%s.%s", path, key);
	if (json_is_array(ip)) {
		size_t i;
		json_t *e;
		json_array_foreach(ip, i, e) {
			char esub[320];
			snprintf(esub, sizeof(esub), "%s[%zu]", sub, i);
			if (add(ps, e, esub) < 0)
				return -1;
		}
		return 0;
	}
	return ip ? add(ps, ip, sub) : 0;
}

static int
load_port(struct nfg_graph *g, struct nfg_port_spec *ps, const char *name, json_t *obj)
{
	char path[256];

	snprintf(path, sizeof(path), "ports.%s", name);
	ps->name = strdup(name);
	if (!valid_name(name)) {
		nfg_err(path, "port names are letters, digits and _ (at most %d), "
			"starting with a letter", NFG_NAME_MAX);
		return -1;
	}
	if (!json_is_object(obj)) {
		nfg_err(path, "expected an object like {\"device\": \"net_tap0\"}");
		return -1;
	}
	struct nfg_instance fake = { .path = path, .graph = g };
	if (nfg_params_check_object(&fake, obj, port_params, path) < 0)
		return -1;
	ps->device = strdup(json_string_value(json_object_get(obj, "device")));
	if (strncmp(ps->device, "wire:", 5) == 0) {
		ps->kind = NFG_PORT_WIRE;
		ps->wire = strdup(ps->device + 5);
		if (!valid_name(ps->wire)) {
			nfg_err(path, "a wire is named like \"wire:w0\"");
			return -1;
		}
	} else if (strncmp(ps->device, "loop:", 5) == 0) {
		ps->kind = NFG_PORT_LOOP;
		ps->wire = strdup(ps->device + 5);
		if (!valid_name(ps->wire)) {
			nfg_err(path, "a loop is named like \"loop:l0\"");
			return -1;
		}
	} else if (is_pci_address(ps->device)) {
		ps->kind = NFG_PORT_PCI;
	} else if (strncmp(ps->device, "net_", 4) == 0) {
		ps->kind = NFG_PORT_VDEV;
	} else {
		nfg_err(path, "device \"%s\": expected DPDK devargs starting with \"net_\" "
			"(net_tap0, net_af_packet0,iface=eth1), a PCI address, \"wire:NAME\" or "
			"\"loop:NAME\"",
			nfg_esc(ps->device));
		return -1;
	}
	json_t *mac = json_object_get(obj, "mac");
	if (mac) {
		nfg_parse_mac(json_string_value(mac), &ps->mac);
		ps->has_mac = true;
		/* The device refuses it at start with a bare EINVAL: say so here. */
		if (!rte_is_unicast_ether_addr(&ps->mac) || rte_is_zero_ether_addr(&ps->mac)) {
			char at[96];
			snprintf(at, sizeof(at), "%s.mac", path);
			nfg_err(at, "%s is a %s address: a port needs a unicast MAC (e.g. "
				"02:00:00:00:00:01)", json_string_value(mac),
				rte_is_zero_ether_addr(&ps->mac) ? "zero" : "multicast or broadcast");
			return -1;
		}
	}
	if (add_addresses(ps, obj, path, "ipv4", add_ipv4) < 0 ||
	    add_addresses(ps, obj, path, "ipv6", add_ipv6) < 0)
		return -1;
	ps->rx_desc = (unsigned)json_integer_value(json_object_get(obj, "rx_desc"));
	ps->tx_desc = (unsigned)json_integer_value(json_object_get(obj, "tx_desc"));
	ps->promiscuous = json_is_true(json_object_get(obj, "promiscuous"));
	ps->mtu = (unsigned)json_integer_value(json_object_get(obj, "mtu"));
	/* RFC 791: every IPv4 link carries 68 bytes; RFC 8200 5: IPv6 1280. */
	unsigned mtu_min = ps->nb_ipv6 ? 1280 : 68;
	if (ps->mtu && ps->mtu < mtu_min) {
		char at[96];
		snprintf(at, sizeof(at), "%s.mtu", path);
		nfg_err(at, "%u is below the smallest MTU an %s link has (%u); 0 leaves the "
			"device's", ps->mtu, ps->nb_ipv6 ? "IPv6" : "IPv4", mtu_min);
		return -1;
	}
	const char *rss = json_string_value(json_object_get(obj, "rss"));
	ps->rss = strcmp(rss, "device") == 0 ? NFG_RSS_DEVICE
		  : strcmp(rss, "software") == 0 ? NFG_RSS_SOFTWARE : NFG_RSS_SYMMETRIC;
	ps->steer_software =
		strcmp(json_string_value(json_object_get(obj, "steering")), "software") == 0;
	return 0;
}

static int
load_ports(struct nfg_graph *g)
{
	json_t *ports = top_get(g->root, "ports");
	const char *name;
	json_t *v;
	int rc = 0;

	if (!ports)
		return 0;
	if (!json_is_object(ports)) {
		char buf[48];
		nfg_err("ports", "expected an object of ports by name, got %s",
			got(ports, buf, sizeof(buf)));
		return -1;
	}
	g->ports = calloc(json_object_size(ports) + 1, sizeof(*g->ports));
	json_object_foreach(ports, name, v) {
		struct nfg_port_spec *ps = &g->ports[g->nb_ports++];
		if (load_port(g, ps, name, v) < 0) {
			rc = -1;
			continue;
		}
		/* One virtual device, one port: a second would reconfigure the
		 * first (DPDK: "device or resource busy" at start). Wires and loops
		 * are named ends, checked where they are made; a PCI address may
		 * carry several ports (representors), the driver judges. */
		for (unsigned k = 0; ps->kind == NFG_PORT_VDEV && k + 1 < g->nb_ports; k++)
			if (g->ports[k].device && g->ports[k].kind == NFG_PORT_VDEV &&
			    strcspn(g->ports[k].device, ",") ==
							  strcspn(ps->device, ",") &&
			    strncmp(g->ports[k].device, ps->device, strcspn(ps->device, ",")) == 0) {
				char at[96];
				snprintf(at, sizeof(at), "ports.%s.device", name);
				nfg_err(at, "%.*s is port %s's device already: one device (DPDK's name "
					"for it: before the first comma), one port",
					(int)strcspn(ps->device, ","), ps->device, g->ports[k].name);
				rc = -1;
			}
	}
	/* A wire has exactly two ends. */
	for (unsigned i = 0; i < g->nb_ports && rc == 0; i++) {
		unsigned ends = 0;
		if (g->ports[i].kind != NFG_PORT_WIRE)
			continue;
		for (unsigned j = 0; j < g->nb_ports; j++)
			ends += g->ports[j].kind == NFG_PORT_WIRE &&
				strcmp(g->ports[i].wire, g->ports[j].wire) == 0;
		if (ends != 2) {
			char p[128];
			snprintf(p, sizeof(p), "ports.%s.device", g->ports[i].name);
			nfg_err(p, "wire \"%s\" has %u end%s; a wire joins exactly two ports",
				nfg_esc(g->ports[i].wire), ends, ends == 1 ? "" : "s");
			rc = -1;
		}
	}
	return rc;
}

/* ---- nodes -------------------------------------------------------------- */

static void
list_ops(char *buf, size_t len)
{
	buf[0] = '\0';
	for (unsigned i = 0; i < nfg_op_count(); i++) {
		if (i)
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, nfg_op_at(i)->name, len - strlen(buf) - 1);
	}
}

struct nfg_instance *
nfg_instance_new(struct nfg_graph *g, const char *name, const char *path,
		 const struct nfg_op *op, json_t *params)
{
	struct nfg_instance *inst = calloc(1, sizeof(*inst));

	inst->name = strdup(name);
	inst->path = strdup(path);
	inst->op = op;
	inst->params = params;
	inst->graph = g;
	inst->ends_run = true;
	g->instances = realloc(g->instances, (g->nb_instances + 1) * sizeof(inst));
	g->instances[g->nb_instances++] = inst;
	for (const char *const *o = op->outputs; o && *o; o++)
		nfg_instance_add_output(inst, *o);
	for (const char *const *o = op->optional_outputs; o && *o; o++) {
		int i = nfg_instance_add_output(inst, *o);
		if (i >= 0)
			inst->outputs[i].optional = true;
	}
	for (const struct nfg_counter *c = op->counters; c && c->name; c++) {
		int i = nfg_instance_add_counter(inst, c->name, c->kind);
		if (i >= 0)
			inst->counters[i].doc = c->doc;
	}
	return inst;
}

static int
load_node(struct nfg_graph *g, const char *name, json_t *obj)
{
	char path[128], ops[2048];

	snprintf(path, sizeof(path), "nodes.%s", name);
	if (!valid_name(name)) {
		nfg_err(path, "node names are letters, digits and _ (at most %d), "
			"starting with a letter", NFG_NAME_MAX);
		return -1;
	}
	if (!json_is_object(obj)) {
		nfg_err(path, "expected an object like {\"op\": \"count\"}");
		return -1;
	}
	json_t *opname = json_object_get(obj, "op");
	if (!json_is_string(opname)) {
		char sub[160], buf[48];
		list_ops(ops, sizeof(ops));
		if (!opname || json_is_null(opname)) {
			nfg_err(path, "missing \"op\": the operator this node runs (one of: %s)", ops);
		} else {
			snprintf(sub, sizeof(sub), "%s.op", path);
			nfg_err(sub, "expected the name of an operator (one of: %s), got %s", ops,
				got(opname, buf, sizeof(buf)));
		}
		return -1;
	}
	const struct nfg_op *op = nfg_op_find(json_string_value(opname));
	if (!op) {
		char sub[160];
		list_ops(ops, sizeof(ops));
		snprintf(sub, sizeof(sub), "%s.op", path);
		nfg_err(sub, "unknown operator \"%s\" (known: %s; plugins add more)",
			nfg_esc(json_string_value(opname)), ops);
		return -1;
	}
	struct nfg_instance *inst = nfg_instance_new(g, name, path, op, json_incref(obj));
	if (nfg_params_check_object(inst, obj, op->params, path) < 0)
		return -1;
	if (op->setup && op->setup(inst) < 0) {
		if (nfg_error_count() == 0)
			nfg_err(path, "operator %s refused its parameters", op->name);
		return -1;
	}
	return 0;
}

/* Each worker reads its queue of a port in one place: two port_rx on one
 * port would take turns at the same queue and split its packets between them
 * by chance. */
static int
one_reader_per_port(struct nfg_graph *g)
{
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *a = g->instances[i];
		if (strcmp(a->op->name, "port_rx") != 0)
			continue;
		const char *port = json_string_value(json_object_get(a->params, "port"));
		for (unsigned j = i + 1; port && j < g->nb_instances; j++) {
			const struct nfg_instance *b = g->instances[j];
			const char *other = json_string_value(json_object_get(b->params, "port"));
			if (strcmp(b->op->name, "port_rx") != 0 || !other || strcmp(port, other) != 0)
				continue;
			nfg_err(b->path, "port \"%s\" is read by %s already: a port has one port_rx "
				"(each worker reads its queue once); to treat its packets two ways, "
				"put split or classify after it", nfg_esc(port), nfg_esc(a->name));
			return -1;
		}
	}
	return 0;
}

static int
load_nodes(struct nfg_graph *g)
{
	json_t *nodes = json_object_get(g->root, "nodes");
	const char *name;
	json_t *v;
	int rc = 0;

	if (!json_is_object(nodes) || json_object_size(nodes) == 0) {
		nfg_err(nodes ? "nodes" : NULL, "expected \"nodes\": an object of nodes by name, "
			"like {\"rx\": {\"op\": \"port_rx\", \"port\": \"p0\"}}");
		return -1;
	}
	json_object_foreach(nodes, name, v) {
		if (load_node(g, name, v) < 0)
			rc = -1;
	}
	return rc < 0 ? rc : one_reader_per_port(g);
}

/* ---- edges -------------------------------------------------------------- */

static void
names_of(char *buf, size_t len, char **names, unsigned n, const struct nfg_output *outs)
{
	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		if (i)
			strncat(buf, ", ", len - strlen(buf) - 1);
		strncat(buf, outs ? outs[i].name : names[i], len - strlen(buf) - 1);
	}
	if (n == 0)
		snprintf(buf, len, "none");
}

/* Splits "node.port" in place. */
static char *
split_dot(char *spec)
{
	char *dot = strchr(spec, '.');

	if (dot)
		*dot++ = '\0';
	return dot;
}

static char *
trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
connect_edge(struct nfg_graph *g, const char *path, int edge_index, char *from_spec, char *to_spec)
{
	char list[512];
	char *out_name = split_dot(from_spec), *in_name = split_dot(to_spec);
	struct nfg_instance *from = nfg_graph_find(g, from_spec);
	struct nfg_instance *to = nfg_graph_find(g, to_spec);

	if (!from || !to) {
		nfg_err(path, "no node named \"%s\" in \"nodes\"", nfg_esc(from ? to_spec : from_spec));
		return -1;
	}
	int out = -1;
	if (out_name) {
		for (unsigned i = 0; i < from->nb_outputs; i++)
			if (strcmp(from->outputs[i].name, out_name) == 0)
				out = (int)i;
		if (out < 0) {
			names_of(list, sizeof(list), NULL, from->nb_outputs, from->outputs);
			nfg_err(path, "node %s (%s) has no output \"%s\" (outputs: %s)", from->name,
				from->op->name, nfg_esc(out_name), list);
			return -1;
		}
	} else {
		unsigned required = 0;
		for (unsigned i = 0; i < from->nb_outputs; i++)
			if (!from->outputs[i].optional && required++ == 0)
				out = (int)i;
		if (required != 1) {
			names_of(list, sizeof(list), NULL, from->nb_outputs, from->outputs);
			if (from->nb_outputs == 0)
				nfg_err(path, "node %s (%s) has no outputs", from->name, from->op->name);
			else
				nfg_err(path, "node %s (%s) has outputs %s: name one, like \"%s.%s -> %s\"",
					from->name, from->op->name, list, from->name,
					from->outputs[0].name, to->name);
			return -1;
		}
	}
	int in = -1;
	if (in_name) {
		for (unsigned i = 0; i < to->nb_inputs; i++)
			if (strcmp(to->inputs[i], in_name) == 0)
				in = (int)i;
		if (in < 0) {
			names_of(list, sizeof(list), to->inputs, to->nb_inputs, NULL);
			nfg_err(path, "node %s (%s) has no input \"%s\" (inputs: %s)", to->name,
				to->op->name, nfg_esc(in_name), list);
			return -1;
		}
	} else if (to->nb_inputs > 0) {
		names_of(list, sizeof(list), to->inputs, to->nb_inputs, NULL);
		nfg_err(path, "node %s (%s) has named inputs %s: say which, like \"%s -> %s.%s\"",
			to->name, to->op->name, list, from->name, to->name, to->inputs[0]);
		return -1;
	} else if ((to->op->flags & NFG_OP_SOURCE) && !to->op->input) {
		nfg_err(path, "node %s (%s) is a source and takes no input", to->name, to->op->name);
		return -1;
	}
	struct nfg_output *o = &from->outputs[out];
	if (o->target) {
		nfg_err(path, "output %s.%s is already connected to %s by edges[%d]; "
			"an output feeds one node (use split to fan out)", from->name, o->name,
			o->target->name, o->edge_index);
		return -1;
	}
	o->target = to;
	o->target_input = in;
	o->edge_index = edge_index;
	to->nb_incoming++;
	return 0;
}

static int
load_edge(struct nfg_graph *g, int index, const char *text)
{
	char path[32], *copy = strdup(text), *hops[64];
	unsigned n = 0;
	int rc = 0;

	snprintf(path, sizeof(path), "edges[%d]", index);
	for (char *s = copy, *arrow;; s = arrow + 2) {
		arrow = strstr(s, "->");
		if (arrow)
			*arrow = '\0';
		if (n == RTE_DIM(hops)) {
			nfg_err(path, "a chain of more than %zu nodes; split it into several edges",
				RTE_DIM(hops));
			free(copy);
			return -1;
		}
		hops[n++] = trim(s);
		if (!arrow)
			break;
	}
	if (n < 2) {
		nfg_err(path, "expected \"node.output -> node\", got \"%s\"", nfg_esc(text));
		rc = -1;
	}
	for (unsigned i = 0; i < n && rc == 0; i++) {
		if (hops[i][0] == '\0') {
			nfg_err(path, "empty node name in \"%s\"", nfg_esc(text));
			rc = -1;
		} else if (i > 0 && i < n - 1 && strchr(hops[i], '.')) {
			nfg_err(path, "in a chain \"a -> b -> c\" the middle nodes are plain "
				"names; write \"%s\" as its own edge", nfg_esc(text));
			rc = -1;
		}
	}
	for (unsigned i = 0; i + 1 < n && rc == 0; i++) {
		char from[128], to[128];
		snprintf(from, sizeof(from), "%s", hops[i]);
		snprintf(to, sizeof(to), "%s", hops[i + 1]);
		rc = connect_edge(g, path, index, from, to);
	}
	free(copy);
	return rc;
}

static int
load_edges(struct nfg_graph *g)
{
	json_t *edges = json_object_get(g->root, "edges");
	size_t i;
	json_t *e;
	int rc = 0;

	if (!json_is_array(edges)) {
		nfg_err(edges ? "edges" : NULL, "expected \"edges\": an array like "
			"[\"rx -> parse\", \"parse.out -> tx\"]");
		return -1;
	}
	json_array_foreach(edges, i, e) {
		char path[32], buf[48];
		snprintf(path, sizeof(path), "edges[%zu]", i);
		if (!json_is_string(e)) {
			nfg_err(path, "expected a string like \"a.out -> b\", got %s",
				got(e, buf, sizeof(buf)));
			rc = -1;
		} else if (load_edge(g, (int)i, json_string_value(e)) < 0) {
			rc = -1;
		}
	}
	return rc;
}

/* Optional outputs left open get a drop node, so their packets are counted
 * under a reason that names them. */
static int
close_outputs(struct nfg_graph *g)
{
	const struct nfg_op *drop = nfg_op_find("drop");
	unsigned n = g->nb_instances;
	int rc = 0;

	for (unsigned i = 0; i < n; i++) {
		struct nfg_instance *inst = g->instances[i];
		for (unsigned o = 0; o < inst->nb_outputs; o++) {
			struct nfg_output *out = &inst->outputs[o];
			if (out->target)
				continue;
			if (!out->optional) {
				nfg_err(inst->path, "output \"%s\" of node %s (%s) is not connected; "
					"add an edge like \"%s.%s -> NODE\"", out->name, inst->name,
					inst->op->name, inst->name, out->name);
				rc = -1;
				continue;
			}
			char name[128], reason[160];
			snprintf(name, sizeof(name), "%s.%s", inst->name, out->name);
			snprintf(reason, sizeof(reason), "%s (output left unconnected)", name);
			json_t *params = json_pack("{s:s, s:s}", "op", "drop", "reason", reason);
			struct nfg_instance *sink = nfg_instance_new(g, name, inst->path, drop, params);
			sink->implicit = true;
			if (drop->setup && drop->setup(sink) < 0)
				rc = -1;
			out->target = sink;
			out->target_input = -1;
			sink->nb_incoming++;
		}
	}
	return rc;
}

/* A loop of edges would keep a packet circling inside one graph walk: the
 * worker would never finish the walk, so neither --duration nor a signal
 * could stop it. (An edge into a named input ends a walk there: the
 * operator emits on the next one, so such an edge breaks a loop.) */
static int
find_loop(struct nfg_graph *g, unsigned i, uint8_t *mark, unsigned *stack, unsigned depth)
{
	mark[i] = 1; /* on the current path */
	stack[depth] = i;
	struct nfg_instance *inst = g->instances[i];
	for (unsigned o = 0; o < inst->nb_outputs; o++) {
		if (!inst->outputs[o].target || inst->outputs[o].target_input >= 0)
			continue;
		unsigned j = 0;
		while (g->instances[j] != inst->outputs[o].target)
			j++;
		if (mark[j] == 1) {
			char path[512] = "";
			unsigned from = depth;
			while (stack[from] != j)
				from--;
			for (unsigned k = from; k <= depth; k++) {
				strncat(path, g->instances[stack[k]]->name, sizeof(path) - strlen(path) - 1);
				strncat(path, " -> ", sizeof(path) - strlen(path) - 1);
			}
			strncat(path, g->instances[j]->name, sizeof(path) - strlen(path) - 1);
			nfg_err(g->instances[j]->path, "edges form a loop (%s): a packet would circle "
				"forever; break it with a merge input or remove an edge", path);
			return -1;
		}
		if (mark[j] == 0 && find_loop(g, j, mark, stack, depth + 1) < 0)
			return -1;
	}
	mark[i] = 2; /* done */
	return 0;
}

static int
check_loops(struct nfg_graph *g)
{
	uint8_t *mark = calloc(g->nb_instances, 1);
	unsigned *stack = calloc(g->nb_instances, sizeof(unsigned));
	int rc = 0;

	for (unsigned i = 0; i < g->nb_instances && rc == 0; i++)
		if (mark[i] == 0)
			rc = find_loop(g, i, mark, stack, 0);
	free(mark);
	free(stack);
	return rc;
}

/* Every node must be reachable from a source, or it would never run. */
static int
check_reachable(struct nfg_graph *g)
{
	bool *seen = calloc(g->nb_instances, sizeof(bool));
	unsigned *queue = calloc(g->nb_instances, sizeof(unsigned)), head = 0, tail = 0;
	int rc = 0;

	for (unsigned i = 0; i < g->nb_instances; i++)
		if (g->instances[i]->op->flags & NFG_OP_SOURCE && g->instances[i]->nb_inputs == 0) {
			seen[i] = true;
			queue[tail++] = i;
		}
	if (tail == 0) {
		nfg_err("nodes", "no source node: a graph starts at a port_rx, generator, "
			"ring_rx or another source operator");
		rc = -1;
	}
	while (head < tail) {
		struct nfg_instance *inst = g->instances[queue[head++]];
		for (unsigned o = 0; o < inst->nb_outputs; o++) {
			for (unsigned j = 0; j < g->nb_instances; j++) {
				if (g->instances[j] == inst->outputs[o].target && !seen[j]) {
					seen[j] = true;
					queue[tail++] = j;
				}
			}
		}
	}
	for (unsigned i = 0; i < g->nb_instances && rc == 0; i++) {
		if (!seen[i]) {
			nfg_err(g->instances[i]->path, "node %s (%s) is not reached from any source; "
				"connect it or remove it", g->instances[i]->name,
				g->instances[i]->op->name);
			rc = -1;
		}
	}
	free(seen);
	free(queue);
	return rc;
}

/* Jansson reads text up to its first NUL and then reports "unexpected token
 * near end of file": say where the NUL is instead (a binary file, a UTF-16
 * one, a truncated download). Line and column count like jansson's: lines
 * from 1, columns in characters from 1. */
static int
check_nul(const char *text, size_t size)
{
	const char *nul = memchr(text, '\0', size);
	int line = 1, col = 1;

	if (!nul)
		return 0;
	for (const char *p = text; p < nul; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			col++; /* not a UTF-8 continuation byte */
		}
	}
	/* A byte order mark, or "{" as 7b 00 or 00 7b. */
	const unsigned char *u = (const unsigned char *)text;
	bool utf16 = size >= 2 && ((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff) ||
				   (u[0] == 0 && isprint(u[1])) || (u[1] == 0 && isprint(u[0])));
	nfg_err_pos(line, col, "a NUL byte (\\0) at line %d column %d; a graph file is UTF-8 JSON "
		    "text%s", line, col, utf16 ? " (this one looks like UTF-16)" : "");
	return -1;
}

struct nfg_graph *
nfg_graph_load(const char *file, char **sets, unsigned nb_sets)
{
	struct nfg_graph *g = calloc(1, sizeof(*g));
	json_error_t jerr;
	size_t size = 0;
	char *text = read_file(file, &size);

	g->file = strdup(file);
	nfg_errors_reset();
	nfg_errors_set_source(file, text);
	if (!text) {
		nfg_err(NULL, "cannot read the graph file: %s",
			errno == EISDIR ? "not a regular file" : strerror(errno));
		goto fail;
	}
	if (check_nul(text, size) < 0)
		goto fail;
	if (strspn(text, " \t\r\n") == size) {
		nfg_err(NULL, "the graph file is empty: a graph is a JSON object of ports, nodes and edges");
		goto fail;
	}
	/* A UTF-8 byte-order mark (some editors write one) is not JSON but means
	 * nothing here: skipped, not a syntax error. */
	size_t bom = size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	g->root = json_loadb(text + bom, size - bom, JSON_REJECT_DUPLICATES, &jerr);
	if (!g->root) {
		nfg_err_pos(jerr.line, jerr.column, "syntax error: %s", jerr.text);
		goto fail;
	}
	for (unsigned i = 0; i < nb_sets; i++) {
		char err[256] = "?";
		if (nfg_override_apply(g->root, sets[i], err, sizeof(err)) < 0) {
			nfg_errors_clear_source();
			nfg_err(NULL, "--set %s: %s", nfg_esc(sets[i]), err);
			goto fail;
		}
	}
	nfg_errors_set_overrides(sets, nb_sets);
	nfg_current_graph = g; /* operators' setup may ask for worker counts */
	if (check_top(g) < 0 || load_plugins(g) < 0 || load_ports(g) < 0 ||
	    load_nodes(g) < 0 || load_edges(g) < 0 || close_outputs(g) < 0 ||
	    check_loops(g) < 0 || check_reachable(g) < 0)
		goto fail;
	nfg_errors_clear_source();
	free(text);
	return g;
fail:
	nfg_errors_clear_source();
	free(text);
	nfg_graph_free(g);
	return NULL;
}

void
nfg_graph_free(struct nfg_graph *g)
{
	if (!g)
		return;
	if (nfg_current_graph == g)
		nfg_current_graph = NULL;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		for (unsigned o = 0; o < inst->nb_outputs; o++)
			free(inst->outputs[o].name);
		for (unsigned o = 0; o < inst->nb_inputs; o++)
			free(inst->inputs[o]);
		for (unsigned c = 0; c < inst->nb_counters; c++)
			free(inst->counters[c].name);
		free(inst->outputs);
		free(inst->inputs);
		free(inst->counters);
		free(inst->input_node_ids);
		if (inst->config)
			(inst->release_config ? inst->release_config : free)(inst->config);
		json_decref(inst->params);
		free(inst->name);
		free(inst->path);
		free(inst);
	}
	for (unsigned i = 0; i < g->nb_ports; i++) {
		free(g->ports[i].name);
		free(g->ports[i].device);
		free(g->ports[i].wire);
	}
	for (unsigned i = 0; i < g->nb_eal_args; i++)
		free(g->eal_args[i]);
	for (unsigned i = 0; i < g->nb_plugins; i++)
		free(g->plugins[i]);
	free(g->eal_args);
	free(g->plugins);
	free(g->instances);
	free(g->ports);
	free(g->file);
	free(g->name);
	free(g->description);
	json_decref(g->root);
	free(g);
}
