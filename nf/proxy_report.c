/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_proxy's reports: the progress line, the summary and --stats-json
 * (connections held open, lingering, connect times of both sides).
 */
#include <inttypes.h>
#include <string.h>

#include "nf_builtin.h"
#include "proxy_internal.h"
#include "tcp_params.h"

void
px_progress(struct nfg_instance *inst, const uint64_t *now, const uint64_t *prev, double dt,
	       char *buf, size_t len)
{
	uint64_t open = 0;

	/* A racy read of the workers' free stacks is fine for a progress line. */
	for (unsigned w = 0; w < nfg_worker_count(); w++) {
		struct rte_node *node = nfg_worker_node(w, nfg_instance_name(inst));
		const struct px_worker *pw = node ? nfg_node_state(node) : NULL;
		open += pw ? pw->nb_slots - pw->free_count : 0;
	}
	snprintf(buf, len, "%.1fk proxied/s, %" PRIu64 " open, %" PRIu64 " done, %" PRIu64
		 " rejected, %" PRIu64 " backend failures, %" PRIu64 " resets",
		 (double)(now[PX_PROXIED] - prev[PX_PROXIED]) / dt / 1e3, open, now[PX_DONE],
		 now[PX_REJECTED], now[PX_BACKEND_FAILED], now[PX_RESETS]);
}

/* Connections in the table now (both sides of a proxied connection share a
 * slot; lingering ones, finished and only passing last ACKs, apart), and the
 * connect times of both sides, over every worker. */
static uint64_t
proxy_open(struct nfg_instance *inst, struct nfg_hist *client, struct nfg_hist *backend,
	   uint64_t *lingering)
{
	uint64_t open = 0;

	*lingering = 0;
	memset(client, 0, sizeof(*client));
	memset(backend, 0, sizeof(*backend));
	for (unsigned w = 0; w < nfg_worker_count(); w++) {
		struct rte_node *node = nfg_worker_node(w, nfg_instance_name(inst));
		const struct px_worker *pw = node ? nfg_node_state(node) : NULL;
		if (!pw)
			continue;
		for (uint32_t i = 0; i < pw->nb_slots; i++) {
			open += pw->slots[i].state != PX_FREE && pw->slots[i].state != PX_LINGER;
			*lingering += pw->slots[i].state == PX_LINGER;
		}
		nfg_hist_merge(client, &pw->ec.connect_time);
		nfg_hist_merge(backend, &pw->es.connect_time);
	}
	return open;
}

void
px_summarize(struct nfg_instance *inst, FILE *out)
{
	static struct nfg_hist client, backend;
	uint64_t lingering, open = proxy_open(inst, &client, &backend, &lingering);

	tcp_latency_line(out, "client handshake", &client, "connections");
	tcp_latency_line(out, "backend connect ", &backend, "connections");
	fprintf(out, "  connections left in the table at the end: %" PRIu64 "\n", open);
	if (lingering)
		fprintf(out, "  finished, lingering for the last ACKs: %" PRIu64 "\n", lingering);
	/* Say what to change when slots ran out: they are the backend-side
	 * source ports, and a finished connection keeps its own for linger_ms. */
	uint64_t full = 0, evicted = 0, cut = 0;
	uint32_t slots = 0;
	for (unsigned w = 0; w < nfg_worker_count(); w++) {
		struct rte_node *node = nfg_worker_node(w, nfg_instance_name(inst));
		const struct px_worker *pw = node ? nfg_node_state(node) : NULL;
		if (!pw)
			continue;
		full += pw->ctr[TC_DROP_TABLE_FULL];
		evicted += pw->ctr[TC_HALF_OPEN_EVICTED];
		cut += pw->ctr[PX_LINGER_CUT];
		slots = RTE_MAX(slots, pw->nb_slots);
	}
	if (full || evicted || cut)
		fprintf(out, "  slots ran out (%u per worker, one per backend-side source port of "
			"src_ips x src_ports): %" PRIu64 " lingering cut short, %" PRIu64
			" connecting clients reset, %" PRIu64 " SYNs refused; widen src_ports or "
			"src_ips, or lower linger_ms\n", slots, cut, evicted, full);
}

void
px_stats_json(struct nfg_instance *inst, json_t *node)
{
	static struct nfg_hist client, backend;
	uint64_t lingering, open = proxy_open(inst, &client, &backend, &lingering);

	json_object_set_new(node, "lingering", json_integer((json_int_t)lingering));
	json_object_set_new(node, "client_connect_us", tcp_latency_json(&client));
	json_object_set_new(node, "backend_connect_us", tcp_latency_json(&backend));
	json_object_set_new(node, "connections_open", json_integer((json_int_t)open));
}

