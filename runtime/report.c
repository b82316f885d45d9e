/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What a run tells: a progress line while it runs, a summary table at the
 * end (nodes, ports, drops by reason, counters, the mbuf check), and the
 * same numbers as JSON for programs (--stats-json).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "nfg/rate.h"
#include "runtime.h"
#include "walk.h"

/* "  node  key  value  what it counts" */
static void
print_counter(FILE *out, const struct nfg_instance *inst, unsigned c, uint64_t v)
{
	const char *doc = inst->counters[c].doc;

	fprintf(out, "  %-20s %-38s %14" PRIu64 "%s%s\n", inst->name, inst->counters[c].name, v,
		doc ? "   " : "", doc ? doc : "");
}

void
nfg_progress_print(struct nfg_graph *g, const struct nfg_reading *prev,
		   const struct nfg_reading *now, double elapsed)
{
	double dt = (double)(now->tsc - prev->tsc) / (double)rte_get_tsc_hz();
	char a[32], b[32], c[32];

	if (dt <= 0)
		return;
	printf("[%6.1fs] in %spps out %spps drop %spps", elapsed,
	       nfg_format_rate((double)(now->in - prev->in) / dt, a, sizeof(a)),
	       nfg_format_rate((double)(now->out - prev->out) / dt, b, sizeof(b)),
	       nfg_format_rate((double)(now->dropped - prev->dropped) / dt, c, sizeof(c)));
	printf(" busy");
	for (unsigned w = 0; w < g->nb_workers; w++) {
		uint64_t cyc = now->worker_cycles[w] - prev->worker_cycles[w];
		/* The two sums are read one after the other while the worker adds
		 * to both: an interval's share can come out a little above 100%. */
		double busy = cyc ? 100.0 * (double)(now->worker_busy[w] - prev->worker_busy[w]) /
					    (double)cyc
				  : 0.0;
		printf("%s%.0f%%", w ? "/" : " ", RTE_MIN(busy, 100.0));
	}
	if (g->nb_workers > 1)
		for (unsigned w = 0; w < g->nb_workers; w++)
			printf(" | w%u %s/%s/%s", w,
			       nfg_format_rate((double)(now->worker_in[w] - prev->worker_in[w]) / dt,
					       a, sizeof(a)),
			       nfg_format_rate((double)(now->worker_out[w] - prev->worker_out[w]) / dt,
					       b, sizeof(b)),
			       nfg_format_rate((double)(now->worker_drop[w] - prev->worker_drop[w]) / dt,
					       c, sizeof(c)));
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		char text[256] = "";
		if (!inst->op->progress)
			continue;
		inst->op->progress(inst, now->nodes[i].counters, prev->nodes[i].counters, dt, text,
				   sizeof(text));
		if (text[0])
			printf(" | %s: %s", inst->name, text);
	}
	printf("\n");
	fflush(stdout);
}

/* Counted failures and not one success (NFG_CTR_FAILURE, NFG_CTR_SUCCESS):
 * a client whose every connection was refused. */
static bool
nothing_succeeded(const struct nfg_instance *inst, const struct nfg_node_reading *nr)
{
	uint64_t success = 0, failure = 0;

	for (unsigned c = 0; c < inst->nb_counters; c++) {
		if (inst->counters[c].kind == NFG_CTR_SUCCESS)
			success += nr->counters[c];
		else if (inst->counters[c].kind == NFG_CTR_FAILURE)
			failure += nr->counters[c];
	}
	return failure && !success;
}

/* The summary's last word on such an operator: what it counted. */
static void
print_failed(FILE *out, const struct nfg_instance *inst, const struct nfg_node_reading *nr)
{
	const char *sep = ":";

	fprintf(out, "\nfailed: %s (%s) had no success", inst->name, inst->op->name);
	for (unsigned c = 0; c < inst->nb_counters; c++) {
		enum nfg_counter_kind kind = inst->counters[c].kind;
		if (kind == NFG_CTR_SUCCESS || (kind == NFG_CTR_FAILURE && nr->counters[c])) {
			fprintf(out, "%s %s %" PRIu64, sep, inst->counters[c].name, nr->counters[c]);
			sep = ",";
		}
	}
	fprintf(out, " (exit status 4)\n");
}

void
nfg_summary_print(struct nfg_graph *g, const struct nfg_reading *r,
		  const struct nfg_run_result *res, FILE *out)
{
	fprintf(out, "\n== %s: %u worker%s, %.2f s%s ==\n", g->name, g->nb_workers,
		g->nb_workers == 1 ? "" : "s", res->seconds,
		res->stopped_by_signal ? " (stopped by signal)" : "");
	fprintf(out, "%-22s %-10s %14s %14s %12s   %s\n", "node", "op", "packets", "calls",
		"cycles/pkt", g->profile ? "(every call timed: --profile)"
					 : "(cycles from 1 walk in 64)");
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		const struct nfg_node_reading *n = &r->nodes[i];
		if (inst->implicit && n->packets == 0)
			continue;
		/* A source is called on every walk, packets or not: its cycles per
		 * packet would mostly be idle polling, so it shows none. Nor does a
		 * node none of whose calls fell in a timed walk (a short run). */
		if ((inst->op->flags & NFG_OP_SOURCE) || (n->packets && !n->cycles))
			fprintf(out, "%-22s %-10s %14" PRIu64 " %14" PRIu64 " %12s\n", inst->name,
				inst->op->name, n->packets, n->calls, "-");
		else
			fprintf(out, "%-22s %-10s %14" PRIu64 " %14" PRIu64 " %12.1f\n", inst->name,
				inst->op->name, n->packets, n->calls,
				n->packets ? (double)n->cycles / (double)n->packets : 0.0);
	}
	fprintf(out, "\nworkers busy (share of cycles in walks that moved packets):");
	for (unsigned w = 0; w < g->nb_workers; w++)
		fprintf(out, " w%u %.1f%%", w, r->worker_cycles[w] ?
			100.0 * (double)r->worker_busy[w] / (double)r->worker_cycles[w] : 0.0);
	fprintf(out, "\n");
	if (g->nb_ports) {
		fprintf(out, "\n%-22s %14s %14s %10s %10s %10s\n", "port", "rx", "tx", "missed",
			"rx_err", "tx_err");
		for (unsigned p = 0; p < g->nb_ports; p++) {
			const struct nfg_port_reading *pr = &r->ports[p];
			fprintf(out, "%-22s %14" PRIu64 " %14" PRIu64 " %10" PRIu64 " %10" PRIu64
				" %10" PRIu64 "\n", g->ports[p].name, pr->rx, pr->tx, pr->rx_missed,
				pr->rx_errors, pr->tx_errors);
		}
	}
	bool header = false;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		for (unsigned c = 0; c < inst->nb_counters; c++) {
			uint64_t v = r->nodes[i].counters[c];
			if (v == 0 || inst->counters[c].kind != NFG_CTR_DROP)
				continue;
			if (!header)
				fprintf(out, "\ndrops\n");
			header = true;
			print_counter(out, inst, c, v);
		}
	}
	for (unsigned p = 0; p < g->nb_ports; p++) {
		/* missed: the device's rx ring (for net_af_packet, the kernel's
		 * packet ring) had no room, the worker did not read in time */
		const struct { const char *why; uint64_t n; } port_drops[] = {
			{ "missed, its rx ring was full", r->ports[p].rx_missed },
			{ "received, unread at stop", r->ports[p].unread_at_stop },
		};
		for (unsigned d = 0; d < RTE_DIM(port_drops); d++) {
			if (!port_drops[d].n)
				continue;
			if (!header)
				fprintf(out, "\ndrops\n");
			header = true;
			fprintf(out, "  port %-15s %-38s %14" PRIu64 "\n", g->ports[p].name,
				port_drops[d].why, port_drops[d].n);
		}
	}
	if (!header)
		fprintf(out, "\ndrops: none\n");
	header = false;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		for (unsigned c = 0; c < inst->nb_counters; c++) {
			uint64_t v = r->nodes[i].counters[c];
			if (inst->counters[c].kind == NFG_CTR_DROP || v == 0)
				continue;
			if (!header)
				fprintf(out, "\ncounters\n");
			header = true;
			print_counter(out, inst, c, v);
		}
	}
	for (unsigned i = 0; r->extra_text && i < g->nb_instances; i++)
		if (r->extra_text[i] && r->extra_text[i][0])
			fprintf(out, "\n%s (%s)\n%s", g->instances[i]->name, g->instances[i]->op->name,
				r->extra_text[i]);
	if (res->pool_leaked)
		fprintf(out, "\nmbufs: %u of %u NOT back in the pool (leak)\n", res->pool_leaked,
			res->pool_size);
	else
		fprintf(out, "\nmbufs: all %u back in the pool\n", res->pool_size);
	for (unsigned i = 0; i < g->nb_instances; i++)
		if (nothing_succeeded(g->instances[i], &r->nodes[i]))
			print_failed(out, g->instances[i], &r->nodes[i]);
	fflush(out);
}

bool
nfg_run_failed(const struct nfg_graph *g, const struct nfg_reading *r)
{
	for (unsigned i = 0; i < g->nb_instances; i++)
		if (nothing_succeeded(g->instances[i], &r->nodes[i]))
			return true;
	return false;
}

/* When and where the run was, for whoever plots it later (nfg report). */
static void
add_when_and_where(json_t *root, const struct nfg_run_result *res)
{
	char when[32] = "", host[256] = "", cpu[256] = "", line[512];
	struct tm tm;

	if (res->started && gmtime_r(&res->started, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			snprintf(cpu, sizeof(cpu), "%s", colon + 2);
			cpu[strcspn(cpu, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	json_object_set_new(root, "started", json_string(when));
	json_object_set_new(root, "host", json_string(host));
	json_object_set_new(root, "cpu", json_string(cpu));
	json_object_set_new(root, "cpus", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
}

int
nfg_stats_json_write(struct nfg_graph *g, const struct nfg_reading *r,
		     const struct nfg_run_result *res, const char *path)
{
	json_t *root = json_object(), *nodes = json_object(), *ports = json_object();
	json_t *drops = json_array();

	json_object_set_new(root, "graph", json_string(g->name));
	json_object_set_new(root, "file", json_string(g->file));
	json_object_set_new(root, "workers", json_integer(g->nb_workers));
	json_object_set_new(root, "seconds", json_real(res->seconds));
	json_object_set_new(root, "stopped_by_signal", json_boolean(res->stopped_by_signal));
	add_when_and_where(root, res);
	/* Nodes' cycles: exact with --profile, else estimated from one walk in 64 (walk.h). */
	json_object_set_new(root, "cycles_timed_walks", json_integer(g->profile ? 1 : NFG_WALK_SAMPLE));
	json_object_set_new(root, "in", json_integer((json_int_t)r->in));
	json_object_set_new(root, "out", json_integer((json_int_t)r->out));
	json_object_set_new(root, "dropped", json_integer((json_int_t)r->dropped));
	/* How busy each worker was: the share of its (timed) cycles in walks that
	 * moved packets, and those cycles themselves, estimated for the run. */
	json_t *busy = json_array(), *busy_cycles = json_array();
	for (unsigned w = 0; w < g->nb_workers; w++) {
		json_array_append_new(busy, json_real(r->worker_cycles[w] ?
			(double)r->worker_busy[w] / (double)r->worker_cycles[w] : 0.0));
		json_array_append_new(busy_cycles, json_integer((json_int_t)r->worker_busy[w]));
	}
	json_object_set_new(root, "worker_busy", busy);
	json_object_set_new(root, "worker_busy_cycles", busy_cycles);
	/* What a cycle is: with busy cycles per connection, a core's ceiling. */
	json_object_set_new(root, "tsc_hz", json_integer((json_int_t)rte_get_tsc_hz()));
	for (unsigned i = 0; i < g->nb_instances; i++) {
		const struct nfg_instance *inst = g->instances[i];
		const struct nfg_node_reading *n = &r->nodes[i];
		json_t *node = json_object(), *ctr = json_object(), *per = json_array();
		json_t *wctr = json_object();
		json_object_set_new(node, "op", json_string(inst->op->name));
		json_object_set_new(node, "packets", json_integer((json_int_t)n->packets));
		json_object_set_new(node, "calls", json_integer((json_int_t)n->calls));
		json_object_set_new(node, "cycles", json_integer((json_int_t)n->cycles));
		for (unsigned c = 0; c < inst->nb_counters; c++) {
			json_t *by = json_array();
			json_object_set_new(ctr, inst->counters[c].name,
					    json_integer((json_int_t)n->counters[c]));
			for (unsigned w = 0; w < g->nb_workers; w++)
				json_array_append_new(by, json_integer((json_int_t)
					n->worker_counters[c * g->nb_workers + w]));
			json_object_set_new(wctr, inst->counters[c].name, by);
		}
		for (unsigned w = 0; w < g->nb_workers; w++)
			json_array_append_new(per, json_integer((json_int_t)n->worker_packets[w]));
		json_object_set_new(node, "counters", ctr);
		if (r->extra_json && r->extra_json[i])
			json_object_update(node, r->extra_json[i]);
		json_object_set_new(node, "worker_packets", per);
		json_object_set_new(node, "worker_counters", wctr);
		json_object_set_new(nodes, inst->name, node);
		for (unsigned c = 0; c < inst->nb_counters; c++)
			if (inst->counters[c].kind == NFG_CTR_DROP && n->counters[c])
				json_array_append_new(drops, json_pack("{s:s, s:s, s:I}", "node",
								       inst->name, "reason",
								       inst->counters[c].name, "packets",
								       (json_int_t)n->counters[c]));
	}
	for (unsigned p = 0; p < g->nb_ports; p++) {
		const struct nfg_port_reading *pr = &r->ports[p];
		json_object_set_new(ports, g->ports[p].name,
				    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "rx",
					      (json_int_t)pr->rx, "tx", (json_int_t)pr->tx, "rx_bytes",
					      (json_int_t)pr->rx_bytes, "tx_bytes",
					      (json_int_t)pr->tx_bytes, "rx_missed",
					      (json_int_t)pr->rx_missed, "rx_errors",
					      (json_int_t)pr->rx_errors, "tx_errors",
					      (json_int_t)pr->tx_errors, "rx_nombuf",
					      (json_int_t)pr->rx_nombuf, "unread_at_stop",
					      (json_int_t)pr->unread_at_stop));
		/* As the summary's drops list it: "dropped" counts it too. */
		if (pr->unread_at_stop)
			json_array_append_new(drops, json_pack("{s:n, s:s, s:s, s:I}", "node", "port",
							       g->ports[p].name, "reason",
							       "unread_at_stop", "packets",
							       (json_int_t)pr->unread_at_stop));
	}
	json_object_set_new(root, "nodes", nodes);
	json_object_set_new(root, "ports", ports);
	json_object_set_new(root, "drops", drops);
	json_object_set_new(root, "mbufs", json_pack("{s:i, s:i}", "pool", res->pool_size,
						      "leaked", res->pool_leaked));
	/* The operators that had failures and no success (exit status 4). */
	json_t *failed = json_array();
	for (unsigned i = 0; i < g->nb_instances; i++)
		if (nothing_succeeded(g->instances[i], &r->nodes[i]))
			json_array_append_new(failed, json_string(g->instances[i]->name));
	json_object_set_new(root, "failed", failed);
	/* A row per second per worker and in total, as --timeline writes them. */
	if (res->timeline)
		json_object_set(root, "timeline", res->timeline);
	int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				JSON_REAL_PRECISION(12));
	json_decref(root);
	if (rc != 0)
		nfg_log_err("cannot write %s", path);
	return rc;
}
