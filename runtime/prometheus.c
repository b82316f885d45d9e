/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The run's counters in Prometheus' text exposition format (version 0.0.4),
 * for the --metrics endpoint. Names follow Prometheus' conventions: a
 * family per quantity, counters end in _total, times are in seconds, label
 * values are escaped. Every sample is per worker (and per node or port):
 * sums are the scraper's business, so nothing is counted twice.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_version.h>

#include "observe.h"

#ifndef NFG_VERSION
#define NFG_VERSION "0.1.0"
#endif

/* In HELP text only backslash and newline are escaped. */
static void
put_help(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

/* In label values, also the double quote. */
static void
put_label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

void
nfg_prom_family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s ", name);
	put_help(out, help);
	fprintf(out, "\n# TYPE %s %s\n", name, type);
}

static void
put_name_labels(FILE *out, const char *name, const char *const *labels, const char *le)
{
	bool any = false;

	fputs(name, out);
	for (const char *const *l = labels; l && l[0] && l[1]; l += 2) {
		fprintf(out, "%s%s=\"", any ? "," : "{", l[0]);
		put_label_value(out, l[1]);
		fputc('"', out);
		any = true;
	}
	if (le) {
		fprintf(out, "%sle=\"%s\"", any ? "," : "{", le);
		any = true;
	}
	if (any)
		fputc('}', out);
}

void
nfg_prom_sample(FILE *out, const char *name, const char *const *labels, double value)
{
	put_name_labels(out, name, labels, NULL);
	fprintf(out, " %.15g\n", value);
}

void
nfg_prom_sample_u64(FILE *out, const char *name, const char *const *labels, uint64_t v)
{
	put_name_labels(out, name, labels, NULL);
	fprintf(out, " %" PRIu64 "\n", v);
}

/* Bounds from 10 us to 10 s, 1-2.5-5 per decade: connection and response
 * times of a traffic generator or a proxy, on a LAN or across the world. */
static const struct {
	const char *text;
	uint64_t ns;
} bounds[] = {
	{ "1e-05", 10000 }, { "2.5e-05", 25000 }, { "5e-05", 50000 },
	{ "0.0001", 100000 }, { "0.00025", 250000 }, { "0.0005", 500000 },
	{ "0.001", 1000000 }, { "0.0025", 2500000 }, { "0.005", 5000000 },
	{ "0.01", 10000000 }, { "0.025", 25000000 }, { "0.05", 50000000 },
	{ "0.1", 100000000 }, { "0.25", 250000000 }, { "0.5", 500000000 },
	{ "1", 1000000000 }, { "2.5", 2500000000ull }, { "5", 5000000000ull },
	{ "10", 10000000000ull },
};

void
nfg_prom_histogram(FILE *out, const char *name, const char *const *labels,
		   const struct nfg_hist *h)
{
	uint64_t cum[RTE_DIM(bounds)] = { 0 }, count = 0;
	double sum_ns = 0;
	char key[128];

	/* One pass over the buckets, each read once: a histogram a worker is
	 * writing still gives buckets, sum and count that agree. */
	for (unsigned i = 0; i < NFG_HIST_BUCKETS; i++) {
		uint64_t n = h->buckets[i];
		if (!n)
			continue;
		uint64_t lo = nfg_hist_bucket_low(i), end = nfg_hist_bucket_end(i);
		count += n;
		sum_ns += (double)n * (double)(lo + (end - lo) / 2);
		for (unsigned b = 0; b < RTE_DIM(bounds); b++)
			if (end - 1 <= bounds[b].ns) {
				cum[b] += n;
				break;
			}
	}
	for (unsigned b = 1; b < RTE_DIM(bounds); b++)
		cum[b] += cum[b - 1];
	snprintf(key, sizeof(key), "%s_bucket", name);
	for (unsigned b = 0; b < RTE_DIM(bounds); b++) {
		put_name_labels(out, key, labels, bounds[b].text);
		fprintf(out, " %" PRIu64 "\n", cum[b]);
	}
	put_name_labels(out, key, labels, "+Inf");
	fprintf(out, " %" PRIu64 "\n", count);
	snprintf(key, sizeof(key), "%s_sum", name);
	nfg_prom_sample(out, key, labels, sum_ns / 1e9);
	snprintf(key, sizeof(key), "%s_count", name);
	nfg_prom_sample_u64(out, key, labels, count);
}

/* ---- the run ---------------------------------------------------------- */

static void
per_worker(FILE *out, struct nfg_graph *g, const char *name, const char *type, const char *help,
	   const uint64_t *v, double scale)
{
	char w[16];
	const char *labels[] = { "worker", w, NULL };

	nfg_prom_family(out, name, type, help);
	for (unsigned k = 0; k < g->nb_workers; k++) {
		snprintf(w, sizeof(w), "%u", k);
		if (scale)
			nfg_prom_sample(out, name, labels, (double)v[k] * scale);
		else
			nfg_prom_sample_u64(out, name, labels, v[k]);
	}
}

enum node_metric { NM_PACKETS, NM_CALLS, NM_SECONDS };

static void
per_node(FILE *out, struct nfg_graph *g, const struct nfg_reading *r, const char *name,
	 const char *help, enum node_metric m)
{
	char w[16];
	double hz = (double)rte_get_tsc_hz();

	nfg_prom_family(out, name, "counter", help);
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		const struct nfg_node_reading *n = &r->nodes[i];
		const char *labels[] = { "node", inst->name, "op", inst->op->name, "worker", w, NULL };
		for (unsigned k = 0; k < g->nb_workers; k++) {
			snprintf(w, sizeof(w), "%u", k);
			if (m == NM_PACKETS)
				nfg_prom_sample_u64(out, name, labels, n->worker_packets[k]);
			else if (m == NM_CALLS)
				nfg_prom_sample_u64(out, name, labels, n->worker_calls[k]);
			else
				nfg_prom_sample(out, name, labels, (double)n->worker_cycles[k] / hz);
		}
	}
}

/* The operators' own counters: drops by reason in one family, the rest in
 * another, both labelled with the counter's stable name. */
static void
node_counters(FILE *out, struct nfg_graph *g, const struct nfg_reading *r, bool drops)
{
	const char *name = drops ? "nfg_node_drops_total" : "nfg_node_events_total";
	char w[16];

	nfg_prom_family(out, name, "counter",
			drops ? "Packets an operator freed, by reason (nfg ops NAME documents each)"
			      : "An operator's own counters (nfg ops NAME documents each)");
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		for (unsigned c = 0; c < inst->nb_counters; c++) {
			if ((inst->counters[c].kind == NFG_CTR_DROP) != drops)
				continue;
			const char *labels[] = { "node", inst->name, "op", inst->op->name,
						 drops ? "reason" : "counter", inst->counters[c].name,
						 "worker", w, NULL };
			for (unsigned k = 0; k < g->nb_workers; k++) {
				snprintf(w, sizeof(w), "%u", k);
				nfg_prom_sample_u64(out, name, labels,
						    r->nodes[i].worker_counters[c * g->nb_workers + k]);
			}
		}
	}
}

static void
ports(FILE *out, struct nfg_graph *g, const struct nfg_reading *r)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fields[] = {
		{ "nfg_port_rx_packets_total", "Packets the port received",
		  offsetof(struct nfg_port_reading, rx) },
		{ "nfg_port_tx_packets_total", "Packets the port sent",
		  offsetof(struct nfg_port_reading, tx) },
		{ "nfg_port_rx_bytes_total", "Bytes the port received",
		  offsetof(struct nfg_port_reading, rx_bytes) },
		{ "nfg_port_tx_bytes_total", "Bytes the port sent",
		  offsetof(struct nfg_port_reading, tx_bytes) },
		{ "nfg_port_rx_missed_total", "Packets the device dropped: no room in its rx queue",
		  offsetof(struct nfg_port_reading, rx_missed) },
		{ "nfg_port_rx_errors_total", "Erroneous packets received",
		  offsetof(struct nfg_port_reading, rx_errors) },
		{ "nfg_port_tx_errors_total", "Packets the device failed to send",
		  offsetof(struct nfg_port_reading, tx_errors) },
	};

	if (!g->nb_ports)
		return;
	for (unsigned f = 0; f < RTE_DIM(fields); f++) {
		nfg_prom_family(out, fields[f].name, "counter", fields[f].help);
		for (unsigned p = 0; p < g->nb_ports; p++) {
			const char *labels[] = { "port", g->ports[p].name, NULL };
			uint64_t v;
			memcpy(&v, (const char *)&r->ports[p] + fields[f].off, sizeof(v));
			nfg_prom_sample_u64(out, fields[f].name, labels, v);
		}
	}
}

/* Open connections and latency histograms of the TCP operators, per worker. */
static void
tcp(FILE *out, struct nfg_graph *g)
{
	static const char *const hists[] = { "connect", "response", "client_connect",
					     "backend_connect" };
	static const char *const hist_help[] = {
		"Time from SYN to the handshake's end",
		"Time from a request's first byte out to its response's last byte in",
		"Time from the client's SYN to the proxy's handshake with it done",
		"Time from the proxy's SYN to the backend's handshake done",
	};
	bool any = false;
	char w[16];

	for (unsigned i = 0; i < g->nb_instances; i++)
		any |= nfg_view_observed(g->instances[i]);
	if (!any)
		return;
	nfg_prom_family(out, "nfg_tcp_open_connections", "gauge",
			"Connections a TCP operator holds open (TIME_WAIT not counted)");
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		const char *labels[] = { "node", inst->name, "op", inst->op->name, "worker", w, NULL };
		struct nfg_view v;
		for (unsigned k = 0; nfg_view_observed(inst) && k < g->nb_workers; k++) {
			snprintf(w, sizeof(w), "%u", k);
			nfg_view_get(inst, k, &v);
			nfg_prom_sample_u64(out, "nfg_tcp_open_connections", labels, v.open);
		}
	}
	for (unsigned h = 0; h < RTE_DIM(hists); h++) {
		char name[64];
		bool header = false;
		snprintf(name, sizeof(name), "nfg_tcp_%s_seconds", hists[h]);
		for (unsigned i = 0; i < g->nb_instances; i++) {
			const struct nfg_instance *inst = g->instances[i];
			const char *labels[] = { "node", inst->name, "op", inst->op->name, "worker", w,
						 NULL };
			for (unsigned k = 0; nfg_view_observed(inst) && k < g->nb_workers; k++) {
				struct nfg_view v;
				nfg_view_get(inst, k, &v);
				for (unsigned j = 0; j < v.nb_hist; j++) {
					if (!v.hist[j] || strcmp(v.hist_name[j], hists[h]) != 0)
						continue;
					if (!header)
						nfg_prom_family(out, name, "histogram", hist_help[h]);
					header = true;
					snprintf(w, sizeof(w), "%u", k);
					nfg_prom_histogram(out, name, labels, v.hist[j]);
				}
			}
		}
	}
}

void
nfg_prometheus_write(FILE *out, struct nfg_graph *g, const struct nfg_reading *r)
{
	const char *info[] = { "graph", g->name, "version", NFG_VERSION, "dpdk", rte_version(),
			       NULL };
	double hz = (double)rte_get_tsc_hz();

	nfg_prom_family(out, "nfg_info", "gauge", "The graph this nfg runs (always 1)");
	nfg_prom_sample(out, "nfg_info", info, 1);
	nfg_prom_family(out, "nfg_workers", "gauge", "Worker cores running the graph");
	nfg_prom_sample_u64(out, "nfg_workers", NULL, g->nb_workers);
	nfg_prom_family(out, "nfg_mbufs_in_use", "gauge", "Packet buffers out of the pool");
	nfg_prom_sample_u64(out, "nfg_mbufs_in_use", NULL, nfg_pool_in_use());
	nfg_prom_family(out, "nfg_mbufs", "gauge", "Packet buffers in the pool in all");
	nfg_prom_sample_u64(out, "nfg_mbufs", NULL, nfg_pool_total());
	per_worker(out, g, "nfg_packets_in_total", "counter",
		   "Packets taken in by sources (received on ports, made by generators)",
		   r->worker_in, 0);
	per_worker(out, g, "nfg_packets_out_total", "counter", "Packets sent on ports",
		   r->worker_out, 0);
	per_worker(out, g, "nfg_packets_dropped_total", "counter",
		   "Packets freed with a reason (nfg_node_drops_total says which)", r->worker_drop, 0);
	per_worker(out, g, "nfg_worker_seconds_total", "counter",
		   "Seconds the worker has run", r->worker_cycles, 1 / hz);
	per_worker(out, g, "nfg_worker_busy_seconds_total", "counter",
		   "Seconds of the worker's walks that moved packets (estimated from timed walks); "
		   "over nfg_worker_seconds_total: its busy share", r->worker_busy, 1 / hz);
	per_node(out, g, r, "nfg_node_packets_total", "Packets a node processed", NM_PACKETS);
	per_node(out, g, r, "nfg_node_calls_total", "Calls of a node's process function",
		 NM_CALLS);
	per_node(out, g, r, "nfg_node_cpu_seconds_total",
		 "CPU seconds in a node (estimated from one walk in 64 unless --profile)",
		 NM_SECONDS);
	node_counters(out, g, r, true);
	node_counters(out, g, r, false);
	ports(out, g, r);
	tcp(out, g);
}
