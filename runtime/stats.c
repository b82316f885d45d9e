/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Reading the counters of a running graph from the main lcore. Workers never
 * synchronise for this: they bump plain per-worker counters (rte_graph's own
 * per-node objs/calls/cycles and the operators' counters), and the reader
 * sums them. A reading can be a few packets behind; it is never torn on
 * x86-64 since each counter is one aligned 64-bit word.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "runtime.h"

static bool
is_input_source(const struct nfg_instance *inst)
{
	return (inst->op->flags & NFG_OP_SOURCE) && !(inst->op->flags & NFG_OP_RELAY) &&
	       inst->nb_inputs == 0;
}

/* An operator with named inputs (merge, tcp_proxy) receives through one entry
 * node per input: its packets and calls are theirs, its cycles theirs plus
 * its own node's (which runs every walk). */
static void
add_inputs(const struct nfg_instance *inst, unsigned w, struct nfg_node_reading *nr,
	   uint64_t *packets)
{
	struct rte_graph *graph = nfg_worker_graph(w);

	for (unsigned in = 0; graph && in < inst->nb_inputs; in++) {
		const struct rte_node *entry = rte_graph_node_get(graph->id, inst->input_node_ids[in]);
		if (!entry) /* an input nothing feeds */
			continue;
		*packets += entry->total_objs;
		nr->worker_calls[w] += entry->total_calls;
		nr->worker_cycles[w] += nfg_worker_node_cycles(w, entry);
	}
}

/* The operators' counters, summed over workers, and the per-worker totals of
 * the out and drop kinds. */
static void
sum_counters(struct nfg_graph *g, struct nfg_reading *r)
{
	memset(r->worker_out, 0, sizeof(r->worker_out));
	memset(r->worker_drop, 0, sizeof(r->worker_drop));
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		struct nfg_node_reading *nr = &r->nodes[i];
		memset(nr->counters, 0, (inst->nb_counters + 1) * sizeof(uint64_t));
		for (unsigned w = 0; w < g->nb_workers; w++) {
			const uint64_t *ctr = inst->counters_by_worker[w];
			for (unsigned c = 0; ctr && c < inst->nb_counters; c++) {
				nr->counters[c] += ctr[c];
				nr->worker_counters[c * g->nb_workers + w] = ctr[c];
				if (inst->counters[c].kind == NFG_CTR_DROP)
					r->worker_drop[w] += ctr[c];
				else if (inst->counters[c].kind == NFG_CTR_OUT)
					r->worker_out[w] += ctr[c];
			}
		}
	}
	r->out = r->dropped = 0;
	for (unsigned w = 0; w < g->nb_workers; w++) {
		r->out += r->worker_out[w];
		r->dropped += r->worker_drop[w];
	}
	for (unsigned p = 0; p < g->nb_ports; p++)
		r->dropped += r->ports[p].unread_at_stop;
}

/* The most each port counter of the running graph has shown. Readings come
 * from several threads (progress, metrics, telemetry, timeline). */
static struct rte_eth_stats *port_most;
static const struct nfg_graph *port_most_graph;
static pthread_mutex_t port_most_lock = PTHREAD_MUTEX_INITIALIZER;

static void
keep_most(uint64_t *most, uint64_t *now)
{
	if (*now < *most)
		*now = *most;
	*most = *now;
}

/* Port p's counters from its driver, never going back: net_memif reads 0
 * while its peer is away (it counts only the rings of a live connection) and
 * its counters again once a peer is back, so a run whose peer left first
 * ended with zeros. A reading reports the most each counter has shown, and
 * nfg_port_counts_note looks right before the driver can hide them
 * (runtime/intr_thread.c). */
static int
port_stats(const struct nfg_graph *g, unsigned p, struct rte_eth_stats *st)
{
	const struct nfg_port *port = &g->ports[p].runtime;

	if (!port->name || rte_eth_stats_get(port->port_id, st) != 0)
		return -1;
	st->imissed += nfg_kernel_drops(port->port_id);
	pthread_mutex_lock(&port_most_lock);
	if (port_most_graph != g) {
		free(port_most);
		port_most = calloc(g->nb_ports, sizeof(*port_most));
		port_most_graph = g;
	}
	if (port_most) {
		struct rte_eth_stats *m = &port_most[p];
		keep_most(&m->ipackets, &st->ipackets);
		keep_most(&m->opackets, &st->opackets);
		keep_most(&m->ibytes, &st->ibytes);
		keep_most(&m->obytes, &st->obytes);
		keep_most(&m->imissed, &st->imissed);
		keep_most(&m->ierrors, &st->ierrors);
		keep_most(&m->oerrors, &st->oerrors);
		keep_most(&m->rx_nombuf, &st->rx_nombuf);
	}
	pthread_mutex_unlock(&port_most_lock);
	return 0;
}

void
nfg_port_counts_note(const struct nfg_graph *g)
{
	struct rte_eth_stats st;

	for (unsigned p = 0; p < g->nb_ports; p++)
		port_stats(g, p, &st);
}

struct nfg_reading *
nfg_reading_take(struct nfg_graph *g)
{
	struct nfg_reading *r = calloc(1, sizeof(*r));

	r->tsc = rte_rdtsc();
	r->nodes = calloc(g->nb_instances, sizeof(*r->nodes));
	r->ports = calloc(g->nb_ports + 1, sizeof(*r->ports));
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		struct nfg_node_reading *nr = &r->nodes[i];
		nr->counters = calloc(inst->nb_counters + 1, sizeof(uint64_t));
		nr->worker_counters = calloc((inst->nb_counters + 1) * g->nb_workers,
					     sizeof(uint64_t));
		for (unsigned w = 0; w < g->nb_workers; w++) {
			const struct rte_node *node = inst->node_by_worker[w];
			if (!node)
				continue;
			uint64_t packets = node->total_objs;
			if (inst->nb_inputs) {
				packets = 0;
				add_inputs(inst, w, nr, &packets);
			} else {
				nr->worker_calls[w] = node->total_calls;
			}
			nr->worker_cycles[w] += nfg_worker_node_cycles(w, node);
			nr->calls += nr->worker_calls[w];
			nr->cycles += nr->worker_cycles[w];
			nr->packets += packets;
			nr->worker_packets[w] = packets;
			if (is_input_source(inst))
				r->worker_in[w] += node->total_objs;
		}
	}
	for (unsigned w = 0; w < g->nb_workers; w++) {
		r->in += r->worker_in[w];
		nfg_worker_busy(w, &r->worker_busy[w], &r->worker_cycles[w]);
	}
	for (unsigned p = 0; p < g->nb_ports; p++) {
		struct rte_eth_stats st;
		if (port_stats(g, p, &st) != 0)
			continue;
		r->ports[p] = (struct nfg_port_reading){
			.rx = st.ipackets, .tx = st.opackets, .rx_bytes = st.ibytes,
			.tx_bytes = st.obytes, .rx_missed = st.imissed, .rx_errors = st.ierrors,
			.tx_errors = st.oerrors, .rx_nombuf = st.rx_nombuf,
		};
	}
	sum_counters(g, r);
	return r;
}

void
nfg_reading_recount(struct nfg_graph *g, struct nfg_reading *r)
{
	sum_counters(g, r);
}

void
nfg_reading_add_extras(struct nfg_graph *g, struct nfg_reading *r)
{
	r->extra_text = calloc(g->nb_instances, sizeof(char *));
	r->extra_json = calloc(g->nb_instances, sizeof(json_t *));
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		if (inst->op->summarize) {
			size_t len;
			FILE *f = open_memstream(&r->extra_text[i], &len);
			if (f) {
				inst->op->summarize(inst, f);
				fclose(f);
			}
		}
		if (inst->op->stats_json) {
			r->extra_json[i] = json_object();
			inst->op->stats_json(inst, r->extra_json[i]);
		}
	}
}

void
nfg_reading_free(struct nfg_graph *g, struct nfg_reading *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		free(r->nodes[i].counters);
		free(r->nodes[i].worker_counters);
		if (r->extra_text)
			free(r->extra_text[i]);
		if (r->extra_json)
			json_decref(r->extra_json[i]);
	}
	free(r->extra_text);
	free(r->extra_json);
	free(r->nodes);
	free(r->ports);
	free(r);
}
