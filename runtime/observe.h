/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Watching a run from outside the data path: the per-second timeline
 * (timeline.c), the Prometheus endpoint (metrics.c, prometheus.c), the plot
 * of a recorded run (plot.c) and nfg top (top.c). All of them read what the
 * workers already count, from the main lcore or a control thread; none adds
 * a store, a lock or a branch to a worker. The pure parts are declared here
 * so the unit tests can hold them to their contract.
 */
#ifndef NFG_RUNTIME_OBSERVE_H
#define NFG_RUNTIME_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "nfg/histogram.h"
#include "runtime.h"

/* ---- view.c: what operators show observers (op->observe) -------------- */

/* One worker's observation of an instance, with its histograms' names. */
struct nfg_view {
	uint64_t open;
	unsigned nb_hist;
	const char *hist_name[NFG_OBSERVE_MAX_HIST];
	const struct nfg_hist *hist[NFG_OBSERVE_MAX_HIST];
};

/* Does this instance's operator show observers anything (op->observe)? */
bool nfg_view_observed(const struct nfg_instance *inst);
/* Its histograms' names (valid before workers exist); returns how many. */
unsigned nfg_view_hist_names(const struct nfg_instance *inst,
			     const char *names[NFG_OBSERVE_MAX_HIST]);
/* One worker's view; false when the operator observes nothing or has no
 * state on that worker (the names are still set then, the pointers NULL). */
bool nfg_view_get(const struct nfg_instance *inst, unsigned worker, struct nfg_view *v);

/* ---- timeline.c -------------------------------------------------------- */

/* The samples a cumulative histogram took between two snapshots of it
 * (prev, then now, both of one worker's histogram). Bucket counts are the
 * differences, count their sum; min and max are those of the interval's
 * extreme buckets (the exact cumulative min or max when the interval's
 * extreme shares its bucket, else that bucket's middle: within 0.4%). */
void nfg_hist_interval(const struct nfg_hist *now, const struct nfg_hist *prev,
		       struct nfg_hist *out);

/* The series kept while a graph runs; NULL-safe, all on the main lcore. */
struct nfg_timeline;
/* Before the workers start: the columns (one set per TCP operator), the
 * zero row; path NULL: kept only for --stats-json. */
struct nfg_timeline *nfg_timeline_open(struct nfg_graph *g, const char *path, bool keep_json,
				       uint64_t start_tsc);
/* In the watch loop: writes a row per worker and one in total when a second
 * has passed since the last. */
void nfg_timeline_tick(struct nfg_timeline *tl, double t);
/* After the workers stopped, before the operators' state is freed: what
 * only that state knows (open connections, histograms) for the last row. */
void nfg_timeline_stop(struct nfg_timeline *tl, double t);
/* With the final counters (after teardown recounted them): the last row,
 * the remainder since the previous, so the rows add up to the totals. */
void nfg_timeline_finish(struct nfg_timeline *tl, const struct nfg_reading *final);
/* The rows as a JSON array for --stats-json (borrowed), NULL when not kept. */
json_t *nfg_timeline_json(struct nfg_timeline *tl);
/* Closes the file; returns -1 if writing it failed at any point. */
int nfg_timeline_close(struct nfg_timeline *tl);

/* ---- prometheus.c: the text exposition format, version 0.0.4 ---------- */

/* "# HELP name help\n# TYPE name type\n", help escaped as the format says. */
void nfg_prom_family(FILE *out, const char *name, const char *type, const char *help);
/* One sample: name{k1="v1",k2="v2"} value. labels is {k, v, k, v, ..., NULL};
 * values are escaped (\\, \", \n). */
void nfg_prom_sample(FILE *out, const char *name, const char *const *labels, double value);
void nfg_prom_sample_u64(FILE *out, const char *name, const char *const *labels, uint64_t v);
/* A latency histogram (nanoseconds) as name_bucket{...,le="S"} for fixed
 * bounds in seconds, name_sum and name_count. Buckets are cumulative; a
 * log-linear bucket counts under the first bound that holds all of it.
 * The sum is estimated from the buckets' middles (within 0.4%). */
void nfg_prom_histogram(FILE *out, const char *name, const char *const *labels,
			const struct nfg_hist *h);
/* Every counter of the run: per node and worker, per worker, per port, the
 * TCP operators' open connections and latency histograms. */
void nfg_prometheus_write(FILE *out, struct nfg_graph *g, const struct nfg_reading *r);

/* ---- metrics.c: the HTTP endpoint ------------------------------------- */

/* "127.0.0.1:9100", "[::1]:9100", "localhost:9100": 0, or -1 with a reason in
 * err. Only numeric addresses (and localhost): no name is looked up. */
int nfg_metrics_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
			   char *err, size_t errlen);
/* Parses and binds, before anything starts: one message and -1 when the
 * address does not parse or cannot be bound. */
int nfg_metrics_listen(const char *addr);
/* Serves the published graph from a control thread until unpublished. */
int nfg_metrics_publish(struct nfg_graph *g);
void nfg_metrics_unpublish(void);
void nfg_metrics_close(void);

/* ---- plot.c, top.c: subcommands --------------------------------------- */

/* nfg report FILE.json --png OUT.png */
int nfg_report_plot(const char *file, const char *png);
/* nfg top [PREFIX|PID|SOCKET] */
int nfg_top(const char *which, double interval);

#endif
