/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The timeline (--timeline FILE, and "timeline" in --stats-json): a row per
 * second per worker and one in total, with what happened in that second —
 * packets in, out and dropped, the worker's busy share, and per TCP operator
 * its connections per second, open connections, completions, failures by
 * cause, retransmissions and latency p50/p99/max.
 *
 * Nothing here runs on a worker. The main lcore reads the counters the
 * workers keep anyway (as the progress line does) and copies each worker's
 * cumulative latency histograms once a second; a second's percentiles come
 * from the difference of two copies. The last row is taken from the final
 * counters, after teardown counted what the operators still held, so the
 * rows of a counter add up to the summary's total exactly.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "../model/errors.h"
#include "observe.h"

/* Counters each TCP operator has (tcp_report.c), by name. */
enum { F_COMPLETED, F_REFUSED, F_TIMEOUT, F_RESET, F_ABORTED, F_RTX, NB_F };
static const char *const field_counter[NB_F] = {
	"completed", "failed_refused", "failed_timeout", "failed_reset", "aborted", "retransmits",
};

enum col_kind { COL_T, COL_WORKER, COL_INT, COL_REAL };
struct column {
	char name[96];
	enum col_kind kind;
};

struct tl_op {
	unsigned inst;          /* instance index */
	int ctr[NB_F];          /* counter index, -1 when the operator has none */
	unsigned nb_hist;
	const char *hist_name[NFG_OBSERVE_MAX_HIST];
	unsigned col;           /* its first column */
};

/* Everything a row is a difference of, for one moment. */
struct tl_point {
	double t;
	uint64_t in[NFG_MAX_WORKERS], out[NFG_MAX_WORKERS], drop[NFG_MAX_WORKERS];
	uint64_t busy[NFG_MAX_WORKERS], cycles[NFG_MAX_WORKERS];
	uint64_t dropped;                /* in total, with what ports held at the stop */
	uint64_t *tcp;                   /* [op][worker][NB_F] */
	uint64_t *open;                  /* [op][worker], a gauge */
	struct nfg_hist *hist;       /* [op][hist][worker], cumulative copies */
};

struct nfg_timeline {
	struct nfg_graph *g;
	uint64_t start_tsc;
	FILE *f;
	bool csv, failed;
	/* Rows kept for --stats-json as plain numbers (a JSON object per row
	 * would cost ten times as much on a day-long run), made JSON at the end. */
	bool keep;
	double *kept;
	size_t nb_kept, cap_kept;
	json_t *rows;
	struct column *cols;
	unsigned nb_cols;
	struct tl_op *ops;
	unsigned nb_ops;
	unsigned nb_workers;
	struct tl_point prev, now;
	double next_row;
	double *row;                     /* one row's values */
	struct nfg_hist scratch, merged;
};

/* ---- interval histograms ---------------------------------------------- */

static uint64_t
bucket_middle(unsigned i)
{
	uint64_t lo = nfg_hist_bucket_low(i);

	return lo + (nfg_hist_bucket_end(i) - lo) / 2;
}

void
nfg_hist_interval(const struct nfg_hist *now, const struct nfg_hist *prev,
		  struct nfg_hist *out)
{
	int lo = -1, hi = -1;

	out->count = 0;
	for (unsigned i = 0; i < NFG_HIST_BUCKETS; i++) {
		uint64_t d = now->buckets[i] - prev->buckets[i];
		/* A bucket only grows; a copy taken while the worker wrote cannot
		 * make it shrink, but never let a wrap through. */
		if (now->buckets[i] < prev->buckets[i])
			d = 0;
		out->buckets[i] = d;
		if (d) {
			out->count += d;
			hi = (int)i;
			if (lo < 0)
				lo = (int)i;
		}
	}
	if (!out->count) {
		out->max = out->min_inv = 0;
		return;
	}
	/* The cumulative extremes are exact; they are the interval's when they
	 * fall in the interval's extreme buckets. */
	out->max = (unsigned)hi == nfg_hist_bucket(now->max) ? now->max : bucket_middle((unsigned)hi);
	uint64_t min = now->count && (unsigned)lo == nfg_hist_bucket(nfg_hist_min(now)) ? nfg_hist_min(now)
									  : bucket_middle((unsigned)lo);
	out->min_inv = ~min;
}

/* ---- columns ---------------------------------------------------------- */

static void
add_col(struct nfg_timeline *tl, enum col_kind kind, const char *fmt, const char *a,
	const char *b)
{
	struct column *c = &tl->cols[tl->nb_cols++];

	snprintf(c->name, sizeof(c->name), fmt, a, b);
	c->kind = kind;
}

static int
counter_index(const struct nfg_instance *inst, const char *name)
{
	for (unsigned c = 0; c < inst->nb_counters; c++)
		if (strcmp(inst->counters[c].name, name) == 0)
			return (int)c;
	return -1;
}

/* The fixed columns first, then each TCP operator's. */
static void
layout(struct nfg_timeline *tl)
{
	static const char *const per_op[] = { "conn_s", "open", "completed", "failed_refused",
					      "failed_timeout", "failed_reset", "aborted",
					      "retransmits" };
	static const char *const per_hist[] = { "p50_us", "p99_us", "max_us" };
	struct nfg_graph *g = tl->g;
	unsigned nb = 7;

	tl->ops = calloc(g->nb_instances + 1, sizeof(*tl->ops));
	for (unsigned i = 0; i < g->nb_instances; i++) {
		if (!nfg_view_observed(g->instances[i]))
			continue;
		struct tl_op *op = &tl->ops[tl->nb_ops++];
		op->inst = i;
		for (unsigned f = 0; f < NB_F; f++)
			op->ctr[f] = counter_index(g->instances[i], field_counter[f]);
		op->nb_hist = nfg_view_hist_names(g->instances[i], op->hist_name);
		nb += RTE_DIM(per_op) + op->nb_hist * RTE_DIM(per_hist);
	}
	tl->cols = calloc(nb, sizeof(*tl->cols));
	add_col(tl, COL_T, "t", NULL, NULL);
	add_col(tl, COL_WORKER, "worker", NULL, NULL);
	add_col(tl, COL_REAL, "dt", NULL, NULL);
	add_col(tl, COL_INT, "in", NULL, NULL);
	add_col(tl, COL_INT, "out", NULL, NULL);
	add_col(tl, COL_INT, "dropped", NULL, NULL);
	add_col(tl, COL_REAL, "busy", NULL, NULL);
	for (unsigned o = 0; o < tl->nb_ops; o++) {
		struct tl_op *op = &tl->ops[o];
		const char *name = g->instances[op->inst]->name;
		op->col = tl->nb_cols;
		for (unsigned k = 0; k < RTE_DIM(per_op); k++)
			add_col(tl, k == 0 ? COL_REAL : COL_INT, "%s.%s", name, per_op[k]);
		for (unsigned h = 0; h < op->nb_hist; h++)
			for (unsigned k = 0; k < RTE_DIM(per_hist); k++) {
				char what[64];
				snprintf(what, sizeof(what), "%s_%s", op->hist_name[h], per_hist[k]);
				add_col(tl, COL_REAL, "%s.%s", name, what);
			}
	}
	tl->row = calloc(tl->nb_cols, sizeof(double));
}

/* ---- points ----------------------------------------------------------- */

static size_t
tcp_at(const struct nfg_timeline *tl, unsigned op, unsigned w)
{
	return ((size_t)op * tl->nb_workers + w) * NB_F;
}

static struct nfg_hist *
hist_at(const struct nfg_timeline *tl, const struct tl_point *p, unsigned op, unsigned h,
	unsigned w)
{
	return &p->hist[((size_t)op * NFG_OBSERVE_MAX_HIST + h) * tl->nb_workers + w];
}

static void
point_alloc(struct nfg_timeline *tl, struct tl_point *p)
{
	size_t n = (size_t)(tl->nb_ops ? tl->nb_ops : 1) * tl->nb_workers;

	p->tcp = calloc(n * NB_F, sizeof(uint64_t));
	p->open = calloc(n, sizeof(uint64_t));
	p->hist = calloc(n * NFG_OBSERVE_MAX_HIST, sizeof(struct nfg_hist));
}

static void
point_free(struct tl_point *p)
{
	free(p->tcp);
	free(p->open);
	free(p->hist);
}

/* What only the operators' state knows: copied while it exists. */
static void
point_views(struct nfg_timeline *tl, struct tl_point *p)
{
	for (unsigned o = 0; o < tl->nb_ops; o++)
		for (unsigned w = 0; w < tl->nb_workers; w++) {
			struct nfg_view v;
			if (!nfg_view_get(tl->g->instances[tl->ops[o].inst], w, &v))
				continue;
			p->open[o * tl->nb_workers + w] = v.open;
			for (unsigned h = 0; h < v.nb_hist && h < NFG_OBSERVE_MAX_HIST; h++)
				if (v.hist[h])
					memcpy(hist_at(tl, p, o, h, w), v.hist[h], sizeof(*v.hist[h]));
		}
}

static void
point_counters(struct nfg_timeline *tl, struct tl_point *p, const struct nfg_reading *r)
{
	for (unsigned w = 0; w < tl->nb_workers; w++) {
		p->in[w] = r->worker_in[w];
		p->out[w] = r->worker_out[w];
		p->drop[w] = r->worker_drop[w];
		p->busy[w] = r->worker_busy[w];
		p->cycles[w] = r->worker_cycles[w];
	}
	p->dropped = r->dropped;
	for (unsigned o = 0; o < tl->nb_ops; o++) {
		const struct nfg_node_reading *n = &r->nodes[tl->ops[o].inst];
		for (unsigned w = 0; w < tl->nb_workers; w++)
			for (unsigned f = 0; f < NB_F; f++) {
				int c = tl->ops[o].ctr[f];
				p->tcp[tcp_at(tl, o, w) + f] =
					c < 0 ? 0 : n->worker_counters[(unsigned)c * tl->nb_workers + w];
			}
	}
}

/* ---- rows ------------------------------------------------------------- */

static json_t *
row_json(const struct nfg_timeline *tl, const double *row)
{
	json_t *obj = json_object();

	for (unsigned c = 0; c < tl->nb_cols; c++) {
		double v = row[c];
		json_t *j;
		switch (tl->cols[c].kind) {
		case COL_T:
			j = json_real(round(v * 1000) / 1000);
			break;
		case COL_WORKER:
			j = v < 0 ? json_string("all") : json_integer((json_int_t)v);
			break;
		case COL_INT:
			j = json_integer((json_int_t)v);
			break;
		default:
			j = json_real(round(v * 1000) / 1000);
			break;
		}
		json_object_set_new(obj, tl->cols[c].name, j);
	}
	return obj;
}

static void
write_row(struct nfg_timeline *tl)
{
	if (tl->f && !tl->csv) {
		json_t *obj = row_json(tl, tl->row);
		char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
		if (!line || fprintf(tl->f, "%s\n", line) < 0)
			tl->failed = true;
		free(line);
		json_decref(obj);
	} else if (tl->f) {
		for (unsigned c = 0; c < tl->nb_cols; c++) {
			double v = tl->row[c];
			const char *sep = c ? "," : "";
			int rc;
			if (tl->cols[c].kind == COL_WORKER && v < 0)
				rc = fprintf(tl->f, "%sall", sep);
			else if (tl->cols[c].kind == COL_WORKER || tl->cols[c].kind == COL_INT)
				rc = fprintf(tl->f, "%s%.0f", sep, v);
			else
				rc = fprintf(tl->f, "%s%.3f", sep, v);
			if (rc < 0)
				tl->failed = true;
		}
		if (fputc('\n', tl->f) == EOF)
			tl->failed = true;
	}
	if (tl->keep) {
		if (tl->nb_kept == tl->cap_kept) {
			tl->cap_kept = tl->cap_kept ? 2 * tl->cap_kept : 64;
			tl->kept = realloc(tl->kept, tl->cap_kept * tl->nb_cols * sizeof(double));
		}
		memcpy(&tl->kept[tl->nb_kept++ * tl->nb_cols], tl->row, tl->nb_cols * sizeof(double));
	}
}

static void
latency_cols(struct nfg_timeline *tl, unsigned col, const struct nfg_hist *h)
{
	tl->row[col] = (double)nfg_hist_percentile(h, 50) / 1e3;
	tl->row[col + 1] = (double)nfg_hist_percentile(h, 99) / 1e3;
	tl->row[col + 2] = (double)nfg_hist_max(h) / 1e3;
}

/* Worker w's row (w < 0: all workers) from prev to now. */
static void
make_row(struct nfg_timeline *tl, int w)
{
	const struct tl_point *a = &tl->prev, *b = &tl->now;
	unsigned w0 = w < 0 ? 0 : (unsigned)w, w1 = w < 0 ? tl->nb_workers : (unsigned)w + 1;
	double dt = b->t - a->t;
	uint64_t in = 0, out = 0, drop = 0, busy = 0, cycles = 0;

	for (unsigned k = w0; k < w1; k++) {
		in += b->in[k] - a->in[k];
		out += b->out[k] - a->out[k];
		drop += b->drop[k] - a->drop[k];
		busy += b->busy[k] - a->busy[k];
		cycles += b->cycles[k] - a->cycles[k];
	}
	if (w < 0) /* with what the ports still held at the stop */
		drop = b->dropped - a->dropped;
	memset(tl->row, 0, tl->nb_cols * sizeof(double));
	tl->row[0] = b->t;
	tl->row[1] = w;
	tl->row[2] = dt;
	tl->row[3] = (double)in;
	tl->row[4] = (double)out;
	tl->row[5] = (double)drop;
	/* Busy cycles are estimated from a sample of walks: over a second the
	 * estimate can pass the cycles there were by a little. */
	tl->row[6] = cycles ? fmin(1.0, (double)busy / (double)cycles) : 0;
	for (unsigned o = 0; o < tl->nb_ops; o++) {
		const struct tl_op *op = &tl->ops[o];
		double *r = &tl->row[op->col];
		uint64_t d[NB_F] = { 0 }, open = 0;
		for (unsigned k = w0; k < w1; k++) {
			for (unsigned f = 0; f < NB_F; f++)
				d[f] += b->tcp[tcp_at(tl, o, k) + f] - a->tcp[tcp_at(tl, o, k) + f];
			open += b->open[o * tl->nb_workers + k];
		}
		r[0] = dt > 0 ? (double)d[F_COMPLETED] / dt : 0;
		r[1] = (double)open;
		for (unsigned f = 0; f < NB_F; f++)
			r[2 + f] = (double)d[f];
		for (unsigned h = 0; h < op->nb_hist; h++) {
			memset(&tl->merged, 0, sizeof(tl->merged));
			for (unsigned k = w0; k < w1; k++) {
				nfg_hist_interval(hist_at(tl, b, o, h, k), hist_at(tl, a, o, h, k),
						  &tl->scratch);
				nfg_hist_merge(&tl->merged, &tl->scratch);
			}
			latency_cols(tl, op->col + 2 + NB_F + 3 * h, &tl->merged);
		}
	}
	write_row(tl);
}

/* Rows for every worker and the total, then now becomes prev. */
static void
emit(struct nfg_timeline *tl)
{
	for (unsigned w = 0; w < tl->nb_workers; w++)
		make_row(tl, (int)w);
	make_row(tl, -1);
	if (tl->f && fflush(tl->f) != 0)
		tl->failed = true;
	struct tl_point t = tl->prev;
	tl->prev = tl->now;
	tl->now = t;
}

/* ---- the run's hooks -------------------------------------------------- */

struct nfg_timeline *
nfg_timeline_open(struct nfg_graph *g, const char *path, bool keep_json, uint64_t start_tsc)
{
	struct nfg_timeline *tl = calloc(1, sizeof(*tl));

	tl->g = g;
	tl->nb_workers = g->nb_workers;
	tl->start_tsc = start_tsc;
	tl->next_row = 1.0;
	if (path) {
		size_t n = strlen(path);
		tl->csv = n > 4 && strcmp(path + n - 4, ".csv") == 0;
		tl->f = fopen(path, "w");
		if (!tl->f) {
			nfg_log_err("--timeline %s: cannot write: %s", nfg_esc(path), strerror(errno));
			free(tl);
			return NULL;
		}
	}
	tl->keep = keep_json;
	layout(tl);
	point_alloc(tl, &tl->prev);
	point_alloc(tl, &tl->now);
	if (tl->f && tl->csv) {
		for (unsigned c = 0; c < tl->nb_cols; c++)
			fprintf(tl->f, "%s%s", c ? "," : "", tl->cols[c].name);
		fputc('\n', tl->f);
	}
	/* The zero row: counters may not be zero (ports counted before). */
	struct nfg_reading *r = nfg_reading_take(g);
	point_counters(tl, &tl->prev, r);
	point_views(tl, &tl->prev);
	tl->prev.t = 0;
	nfg_reading_free(g, r);
	return tl;
}

void
nfg_timeline_tick(struct nfg_timeline *tl, double t)
{
	if (!tl || t < tl->next_row)
		return;
	struct nfg_reading *r = nfg_reading_take(tl->g);
	point_counters(tl, &tl->now, r);
	point_views(tl, &tl->now);
	tl->now.t = (double)(r->tsc - tl->start_tsc) / (double)rte_get_tsc_hz();
	nfg_reading_free(tl->g, r);
	emit(tl);
	/* A late tick makes one longer row, never a burst of catching up; the
	 * counts stay whole either way. */
	tl->next_row = floor(t) + 1.0;
}

void
nfg_timeline_stop(struct nfg_timeline *tl, double t)
{
	if (!tl)
		return;
	point_views(tl, &tl->now);
	tl->now.t = t;
}

void
nfg_timeline_finish(struct nfg_timeline *tl, const struct nfg_reading *final)
{
	if (!tl)
		return;
	point_counters(tl, &tl->now, final);
	emit(tl);
}

json_t *
nfg_timeline_json(struct nfg_timeline *tl)
{
	if (!tl || !tl->keep)
		return NULL;
	if (!tl->rows) {
		tl->rows = json_array();
		for (size_t i = 0; i < tl->nb_kept; i++)
			json_array_append_new(tl->rows, row_json(tl, &tl->kept[i * tl->nb_cols]));
	}
	return tl->rows;
}

int
nfg_timeline_close(struct nfg_timeline *tl)
{
	int rc = 0;

	if (!tl)
		return 0;
	if (tl->f && (fclose(tl->f) != 0 || tl->failed))
		rc = -1;
	json_decref(tl->rows);
	free(tl->kept);
	point_free(&tl->prev);
	point_free(&tl->now);
	free(tl->cols);
	free(tl->ops);
	free(tl->row);
	free(tl);
	return rc;
}
