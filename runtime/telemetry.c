/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The run's counters through DPDK telemetry, for dpdk-telemetry.py and
 * anything else that speaks its socket:
 *   /nfg/info          graph, workers, seconds, packets in/out/dropped
 *   /nfg/nodes         packets per node
 *   /nfg/node,NAME     one node: op, packets, calls, cycles, its counters,
 *                      is_source, and connections_open for TCP operators
 *   /nfg/ports         rx/tx/errors per port
 *   /nfg/drops         every non-zero drop counter, "node/reason": packets
 *   /nfg/workers       per worker: busy cycles and cycles lived (nfg top)
 * Callbacks run on the telemetry thread; the mutex keeps them off a graph
 * that is being torn down (never touched by workers).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_telemetry.h>

#include "observe.h"
#include "runtime.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct nfg_graph *published;
static uint64_t start_tsc;

void
nfg_telemetry_publish(struct nfg_graph *g)
{
	pthread_mutex_lock(&lock);
	published = g;
	start_tsc = rte_rdtsc();
	pthread_mutex_unlock(&lock);
}

void
nfg_telemetry_unpublish(void)
{
	pthread_mutex_lock(&lock);
	published = NULL;
	pthread_mutex_unlock(&lock);
}

/* Telemetry keys are letters, digits, '_' and '/': counter names like
 * "rule[0] web" are shown as "rule_0__web". */
static const char *
key(const char *name, char *buf, size_t len)
{
	size_t i = 0;

	for (; name[i] && i + 1 < len; i++) {
		char ch = name[i];
		buf[i] = (isalnum((unsigned char)ch) || ch == '_' || ch == '/') ? ch : '_';
	}
	buf[i] = '\0';
	return buf;
}

typedef void (*fill_fn)(struct nfg_graph *g, struct nfg_reading *r, const char *params,
			struct rte_tel_data *d);

static int
with_reading(const char *params, struct rte_tel_data *d, fill_fn fill)
{
	pthread_mutex_lock(&lock);
	if (!published) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	struct nfg_reading *r = nfg_reading_take(published);
	rte_tel_data_start_dict(d);
	fill(published, r, params, d);
	nfg_reading_free(published, r);
	pthread_mutex_unlock(&lock);
	return 0;
}

static void
fill_info(struct nfg_graph *g, struct nfg_reading *r, const char *params,
	  struct rte_tel_data *d)
{
	(void)params;
	rte_tel_data_add_dict_string(d, "graph", g->name);
	rte_tel_data_add_dict_string(d, "file", g->file);
	rte_tel_data_add_dict_u64(d, "workers", g->nb_workers);
	rte_tel_data_add_dict_u64(d, "seconds", (r->tsc - start_tsc) / rte_get_tsc_hz());
	rte_tel_data_add_dict_u64(d, "in", r->in);
	rte_tel_data_add_dict_u64(d, "out", r->out);
	rte_tel_data_add_dict_u64(d, "dropped", r->dropped);
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", nfg_pool_in_use());
}

static void
fill_nodes(struct nfg_graph *g, struct nfg_reading *r, const char *params,
	   struct rte_tel_data *d)
{
	(void)params;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		char k[RTE_TEL_MAX_STRING_LEN];
		rte_tel_data_add_dict_u64(d, key(g->instances[i]->name, k, sizeof(k)),
					  r->nodes[i].packets);
	}
}

static void
fill_node(struct nfg_graph *g, struct nfg_reading *r, const char *params,
	  struct rte_tel_data *d)
{
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		char name_key[RTE_TEL_MAX_STRING_LEN];
		/* By its name, or by its key in /nfg/nodes ("parse.malformed" is
		 * listed as "parse_malformed"). */
		if (!params || (strcmp(params, inst->name) != 0 &&
				strcmp(params, key(inst->name, name_key, sizeof(name_key))) != 0))
			continue;
		rte_tel_data_add_dict_string(d, "op", inst->op->name);
		rte_tel_data_add_dict_u64(d, "packets", r->nodes[i].packets);
		rte_tel_data_add_dict_u64(d, "calls", r->nodes[i].calls);
		rte_tel_data_add_dict_u64(d, "cycles", r->nodes[i].cycles);
		for (unsigned c = 0; c < inst->nb_counters; c++) {
			char k[RTE_TEL_MAX_STRING_LEN];
			rte_tel_data_add_dict_u64(d, key(inst->counters[c].name, k, sizeof(k)),
						  r->nodes[i].counters[c]);
		}
		/* For nfg top: a source's cycles are mostly idle polling, and a
		 * TCP operator's open connections are no counter. */
		rte_tel_data_add_dict_u64(d, "is_source", (inst->op->flags & NFG_OP_SOURCE) != 0);
		if (nfg_view_observed(inst)) {
			uint64_t open = 0;
			struct nfg_view v;
			for (unsigned w = 0; w < g->nb_workers; w++)
				if (nfg_view_get(inst, w, &v))
					open += v.open;
			rte_tel_data_add_dict_u64(d, "connections_open", open);
		}
		return;
	}
	rte_tel_data_add_dict_string(d, "error", "no such node; /nfg/nodes lists them");
}

static void
fill_ports(struct nfg_graph *g, struct nfg_reading *r, const char *params,
	   struct rte_tel_data *d)
{
	(void)params;
	for (unsigned p = 0; p < g->nb_ports; p++) {
		struct rte_tel_data *port = rte_tel_data_alloc();
		if (!port)
			return;
		rte_tel_data_start_dict(port);
		rte_tel_data_add_dict_u64(port, "rx", r->ports[p].rx);
		rte_tel_data_add_dict_u64(port, "tx", r->ports[p].tx);
		rte_tel_data_add_dict_u64(port, "rx_missed", r->ports[p].rx_missed);
		rte_tel_data_add_dict_u64(port, "rx_errors", r->ports[p].rx_errors);
		rte_tel_data_add_dict_u64(port, "tx_errors", r->ports[p].tx_errors);
		rte_tel_data_add_dict_container(d, g->ports[p].name, port, 0);
	}
}

static void
fill_drops(struct nfg_graph *g, struct nfg_reading *r, const char *params,
	   struct rte_tel_data *d)
{
	(void)params;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		for (unsigned c = 0; c < inst->nb_counters; c++) {
			char name[RTE_TEL_MAX_STRING_LEN];
			if (inst->counters[c].kind != NFG_CTR_DROP || !r->nodes[i].counters[c])
				continue;
			char k[RTE_TEL_MAX_STRING_LEN];
			snprintf(name, sizeof(name), "%s/%s", inst->name, inst->counters[c].name);
			rte_tel_data_add_dict_u64(d, key(name, k, sizeof(k)), r->nodes[i].counters[c]);
		}
	}
}

static void
fill_workers(struct nfg_graph *g, struct nfg_reading *r, const char *params,
	     struct rte_tel_data *d)
{
	struct rte_tel_data *busy = rte_tel_data_alloc(), *cycles = rte_tel_data_alloc();

	(void)params;
	if (!busy || !cycles) {
		rte_tel_data_free(busy);
		rte_tel_data_free(cycles);
		return;
	}
	rte_tel_data_start_array(busy, RTE_TEL_U64_VAL);
	rte_tel_data_start_array(cycles, RTE_TEL_U64_VAL);
	for (unsigned w = 0; w < g->nb_workers; w++) {
		rte_tel_data_add_array_u64(busy, r->worker_busy[w]);
		rte_tel_data_add_array_u64(cycles, r->worker_cycles[w]);
	}
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	rte_tel_data_add_dict_container(d, "busy_cycles", busy, 0);
	rte_tel_data_add_dict_container(d, "cycles", cycles, 0);
}

#define HANDLER(fn)                                                                   \
	static int tel_##fn(const char *cmd, const char *params, struct rte_tel_data *d) \
	{                                                                             \
		(void)cmd;                                                            \
		return with_reading(params, d, fn);                                   \
	}
HANDLER(fill_info)
HANDLER(fill_nodes)
HANDLER(fill_node)
HANDLER(fill_ports)
HANDLER(fill_drops)
HANDLER(fill_workers)

void
nfg_telemetry_register(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	rte_telemetry_register_cmd("/nfg/info", tel_fill_info,
				   "Graph, workers, seconds, packets in/out/dropped");
	rte_telemetry_register_cmd("/nfg/nodes", tel_fill_nodes, "Packets per node");
	rte_telemetry_register_cmd("/nfg/node", tel_fill_node,
				   "One node's packets, calls, cycles and counters. Param: node name");
	rte_telemetry_register_cmd("/nfg/ports", tel_fill_ports, "rx/tx/errors per port");
	rte_telemetry_register_cmd("/nfg/drops", tel_fill_drops, "Drops by node and reason");
	rte_telemetry_register_cmd("/nfg/workers", tel_fill_workers,
				   "Per worker: busy cycles and cycles lived");
}
