/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg report FILE.json --png OUT.png: one page of curves from a recorded
 * run's timeline (the "timeline" of --stats-json, or a --timeline file in
 * JSON lines): connections per second and open connections, latency
 * percentiles, failures and drops per second, each worker's busy share,
 * titled with the graph's name, the date and the machine.
 *
 * nfg writes a gnuplot script with the data inline (datablocks) and pipes
 * it to gnuplot, which Debian packages and `make deps` installs. Every
 * range is set from the data, so gnuplot has nothing to warn about: what it
 * prints on stderr is an error worth reading.
 */
#include <errno.h>
#include <sys/stat.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "../model/errors.h"
#include "observe.h"

#define MAX_OPS 16
#define MAX_HIST 4
#define MAX_WORKERS NFG_MAX_WORKERS

struct series {
	json_t *rows;                   /* every row, all workers */
	unsigned nb_workers;
	unsigned nb_ops;
	char op[MAX_OPS][64];
	unsigned nb_hist[MAX_OPS];
	char hist[MAX_OPS][MAX_HIST][48];
	const char *graph, *started, *host, *cpu;
	json_int_t cpus;
};

/* A stats JSON (an object with "timeline"), or JSON lines of rows. */
static json_t *
load(const char *file, json_t **root_out)
{
	json_error_t err;
	json_t *root = json_load_file(file, 0, &err);

	*root_out = NULL;
	if (root && json_is_object(root) && json_is_array(json_object_get(root, "timeline"))) {
		*root_out = root;
		return json_incref(json_object_get(root, "timeline"));
	}
	json_decref(root);
	struct stat st;
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "nfg: %s: a directory (expected the --stats-json of a run, or its "
			"--timeline in JSON lines)\n", nfg_esc(file));
		return NULL;
	}
	FILE *f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "nfg: %s: %s\n", nfg_esc(file), strerror(errno));
		return NULL;
	}
	json_t *rows = json_array();
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		json_t *row = json_loads(line, 0, &err);
		if (!json_is_object(row) || !json_object_get(row, "t")) {
			fprintf(stderr, "nfg: %s:%u: not a timeline row (expected the --stats-json "
				"of a run, or its --timeline in JSON lines)\n", nfg_esc(file), lineno);
			json_decref(row);
			json_decref(rows);
			free(line);
			fclose(f);
			return NULL;
		}
		json_array_append_new(rows, row);
	}
	free(line);
	fclose(f);
	return rows;
}

static const char *
str_or(json_t *root, const char *key, const char *dflt)
{
	const char *s = root ? json_string_value(json_object_get(root, key)) : NULL;

	return s && *s ? s : dflt;
}

static double
num(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);

	return v ? json_number_value(v) : 0;
}

static double
col(json_t *row, const char *op, const char *what)
{
	char key[160];

	snprintf(key, sizeof(key), "%s.%s", op, what);
	return num(row, key);
}

static bool
is_all(json_t *row)
{
	return json_is_string(json_object_get(row, "worker"));
}

/* TCP operators and their histograms, from the columns' names. */
static void
discover(struct series *s)
{
	json_t *row;
	size_t i;

	json_array_foreach(s->rows, i, row) {
		json_t *w = json_object_get(row, "worker");
		if (json_is_integer(w) && json_integer_value(w) >= 0 &&
		    json_integer_value(w) < MAX_WORKERS &&
		    (unsigned)json_integer_value(w) + 1 > s->nb_workers)
			s->nb_workers = (unsigned)json_integer_value(w) + 1;
	}
	json_array_foreach(s->rows, i, row) {
		if (!is_all(row))
			continue;
		const char *key;
		json_t *v;
		json_object_foreach(row, key, v) {
			const char *dot = strchr(key, '.');
			size_t n = dot ? (size_t)(dot - key) : 0;
			if (!dot || strcmp(dot, ".conn_s") != 0 || n >= sizeof(s->op[0]) ||
			    s->nb_ops == MAX_OPS)
				continue;
			memcpy(s->op[s->nb_ops], key, n);
			s->op[s->nb_ops][n] = '\0';
			s->nb_ops++;
		}
		json_object_foreach(row, key, v) {
			size_t len = strlen(key);
			if (len < 7 || strcmp(key + len - 7, "_p50_us") != 0)
				continue;
			for (unsigned o = 0; o < s->nb_ops; o++) {
				size_t n = strlen(s->op[o]);
				if (strncmp(key, s->op[o], n) != 0 || key[n] != '.' ||
				    s->nb_hist[o] == MAX_HIST)
					continue;
				size_t h = len - n - 1 - 7;
				if (h >= sizeof(s->hist[0][0]))
					continue;
				memcpy(s->hist[o][s->nb_hist[o]], key + n + 1, h);
				s->hist[o][s->nb_hist[o]++][h] = '\0';
			}
		}
		break;
	}
}

/* A string for gnuplot: single quotes, a quote doubled; nothing that is not
 * printable ASCII gets through (a title is no place for escapes). */
static void
gp_string(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\'')
			fputs("''", out);
		else if (ch >= 0x20 && ch < 0x7f)
			fputc(ch, out);
		else
			fputc('?', out);
	}
	fputc('\'', out);
}

static void
gp_value(FILE *out, double v)
{
	if (isnan(v))
		fputs(" NaN", out);
	else
		fprintf(out, " %.6g", v);
}

static double
nice_top(double max)
{
	return max > 0 ? max * 1.1 : 1;
}

/* Columns of $all: 1 t, 2 in/s, 3 out/s, 4 dropped/s, then per operator
 * 8 columns (conn/s, open, refused/s, timeout/s, reset/s, aborted/s, rtx/s,
 * completed) and per histogram 3 (p50, p99, max; NaN when empty). */
enum { OPS_FIRST = 5, PER_OP = 8 };

static unsigned
op_col(const struct series *s, unsigned o)
{
	unsigned c = OPS_FIRST;

	for (unsigned k = 0; k < o; k++)
		c += PER_OP + 3 * s->nb_hist[k];
	return c;
}

struct ranges {
	double t, rate, open, lat_lo, lat_hi, fail;
	bool any_lat;
};

static void
data_blocks(FILE *out, const struct series *s, struct ranges *rg)
{
	static const char *const causes[] = { "failed_refused", "failed_timeout", "failed_reset",
					      "aborted", "retransmits" };
	json_t *row;
	size_t i;

	rg->lat_lo = INFINITY;
	fputs("$all << EOD\n", out);
	json_array_foreach(s->rows, i, row) {
		if (!is_all(row))
			continue;
		double t = num(row, "t"), dt = num(row, "dt");
		double per = dt > 0 ? 1 / dt : 0;
		rg->t = fmax(rg->t, t);
		gp_value(out, t);
		gp_value(out, num(row, "in") * per);
		gp_value(out, num(row, "out") * per);
		gp_value(out, num(row, "dropped") * per);
		rg->fail = fmax(rg->fail, num(row, "dropped") * per);
		if (!s->nb_ops) {
			rg->rate = fmax(rg->rate, fmax(num(row, "in"), num(row, "out")) * per);
		}
		for (unsigned o = 0; o < s->nb_ops; o++) {
			double cps = col(row, s->op[o], "conn_s"), open = col(row, s->op[o], "open");
			gp_value(out, cps);
			gp_value(out, open);
			rg->rate = fmax(rg->rate, cps);
			rg->open = fmax(rg->open, open);
			for (unsigned k = 0; k < RTE_DIM(causes); k++) {
				double v = col(row, s->op[o], causes[k]) * per;
				gp_value(out, v);
				rg->fail = fmax(rg->fail, v);
			}
			gp_value(out, col(row, s->op[o], "completed"));
			for (unsigned h = 0; h < s->nb_hist[o]; h++) {
				static const char *const pct[] = { "p50_us", "p99_us", "max_us" };
				for (unsigned k = 0; k < 3; k++) {
					char what[96];
					snprintf(what, sizeof(what), "%s_%s", s->hist[o][h], pct[k]);
					double v = col(row, s->op[o], what);
					gp_value(out, v > 0 ? v : NAN);
					if (v > 0) {
						rg->any_lat = true;
						rg->lat_lo = fmin(rg->lat_lo, v);
						rg->lat_hi = fmax(rg->lat_hi, v);
					}
				}
			}
		}
		fputc('\n', out);
	}
	fputs("EOD\n", out);
	for (unsigned w = 0; w < s->nb_workers; w++) {
		fprintf(out, "$w%u << EOD\n", w);
		json_array_foreach(s->rows, i, row) {
			json_t *wj = json_object_get(row, "worker");
			if (!json_is_integer(wj) || json_integer_value(wj) != (json_int_t)w)
				continue;
			gp_value(out, num(row, "t"));
			gp_value(out, 100 * num(row, "busy"));
			fputc('\n', out);
		}
		fputs("EOD\n", out);
	}
}

static void
plot_rates(FILE *out, const struct series *s, const struct ranges *rg)
{
	const char *sep = "plot ";

	if (!s->nb_ops) {
		fprintf(out, "set title 'Packets per second'\nset ylabel 'packets/s'\n"
			"set yrange [0:%g]\n", nice_top(rg->rate));
		fputs("plot $all using 1:2 title 'in', $all using 1:3 title 'out'\n", out);
		return;
	}
	fprintf(out, "set title 'Connections per second (solid) and open connections (dashed)'\n"
		"set ylabel 'connections/s'\nset y2label 'open'\nset ytics nomirror\nset y2tics\n"
		"set yrange [0:%g]\nset y2range [0:%g]\n", nice_top(rg->rate), nice_top(rg->open));
	for (unsigned o = 0; o < s->nb_ops; o++) {
		unsigned c = op_col(s, o);
		fprintf(out, "%s$all using 1:%u lc %u title ", sep, c, o + 1);
		gp_string(out, s->op[o]);
		fprintf(out, ", $all using 1:%u axes x1y2 dt 2 lc %u title ", c + 1, o + 1);
		char t[96];
		snprintf(t, sizeof(t), "%s open", s->op[o]);
		gp_string(out, t);
		sep = ", ";
	}
	fputs("\nunset y2tics\nunset y2label\nset ytics mirror\n", out);
}

static void
plot_latency(FILE *out, const struct series *s, const struct ranges *rg)
{
	const char *sep = "plot ";
	unsigned style = 0;

	fputs("set title 'Latency in each second: p50 (solid), p99 (dashed), max (dotted)'\n"
	      "set ylabel 'microseconds'\n", out);
	if (!rg->any_lat) {
		fputs("set yrange [0:1]\nset label 1 'no latencies: no TCP operator, or no "
		      "connection' at graph 0.5, 0.5 center\nplot 2 notitle\nunset label 1\n", out);
		return;
	}
	fprintf(out, "set logscale y\nset yrange [%g:%g]\n", rg->lat_lo / 1.5, rg->lat_hi * 1.5);
	for (unsigned o = 0; o < s->nb_ops; o++)
		for (unsigned h = 0; h < s->nb_hist[o]; h++, style++) {
			unsigned c = op_col(s, o) + PER_OP + 3 * h;
			static const char *const pct[] = { "p50", "p99", "max" };
			for (unsigned k = 0; k < 3; k++) {
				char t[160];
				snprintf(t, sizeof(t), "%s %s %s", s->op[o], s->hist[o][h], pct[k]);
				fprintf(out, "%s$all using 1:%u dt %u lc %u title ", sep, c + k, k + 1,
					style + 1);
				gp_string(out, t);
				sep = ", ";
			}
		}
	fputs("\nunset logscale y\n", out);
}

static void
plot_failures(FILE *out, const struct series *s, const struct ranges *rg)
{
	static const char *const causes[] = { "refused", "timeout", "reset", "aborted",
					      "retransmits" };

	fprintf(out, "set title 'Failures by cause, retransmissions and drops per second'\n"
		"set ylabel 'per second'\nset yrange [0:%g]\n", nice_top(rg->fail));
	fputs("plot $all using 1:4 lc rgb 'black' title 'packets dropped'", out);
	for (unsigned o = 0; o < s->nb_ops; o++)
		for (unsigned k = 0; k < RTE_DIM(causes); k++) {
			char t[96];
			snprintf(t, sizeof(t), "%s %s", s->op[o], causes[k]);
			fprintf(out, ", $all using 1:%u lc %u dt %u title ", op_col(s, o) + 2 + k, k + 1,
				o + 1);
			gp_string(out, t);
		}
	fputc('\n', out);
}

static void
plot_busy(FILE *out, const struct series *s)
{
	fputs("set title 'Busy share per worker (walks that moved packets)'\n"
	      "set ylabel '%'\nset yrange [0:105]\n", out);
	if (!s->nb_workers) {
		fputs("plot 200 notitle\n", out);
		return;
	}
	for (unsigned w = 0; w < s->nb_workers; w++)
		fprintf(out, "%s$w%u using 1:2 lc %u title 'worker %u'", w ? ", " : "plot ", w, w + 1,
			w);
	fputc('\n', out);
}

static void
script(FILE *out, const struct series *s, const char *png)
{
	struct ranges rg = { 0 };
	char title[512];

	data_blocks(out, s, &rg);
	fputs("set terminal pngcairo size 1600,1100 font ',10' noenhanced\n", out);
	fputs("set output ", out);
	gp_string(out, png);
	snprintf(title, sizeof(title), "nfg report: %s, %s, on %s (%s, %lld CPUs)", s->graph,
		 s->started, s->host, s->cpu, (long long)s->cpus);
	fputs("\nset multiplot layout 2,2 title ", out);
	gp_string(out, title);
	fprintf(out, " font ',13'\nset style data linespoints\nset pointsize 0.5\nset grid\nset key left top opaque\n"
		"set xlabel 'seconds'\nset xrange [0:%g]\n", rg.t > 0 ? rg.t : 1);
	plot_rates(out, s, &rg);
	plot_latency(out, s, &rg);
	plot_failures(out, s, &rg);
	plot_busy(out, s);
	fputs("unset multiplot\nset output\n", out);
}

int
nfg_report_plot(const char *file, const char *png)
{
	struct series s = { 0 };
	json_t *root;

	for (const char *p = png; *p; p++)
		if ((unsigned char)*p < 0x20) {
			fprintf(stderr, "nfg: --png %s: a control character in the path\n", nfg_esc(png));
			return 1;
		}
	s.rows = load(file, &root);
	if (!s.rows)
		return 1;
	if (json_array_size(s.rows) == 0) {
		fprintf(stderr, "nfg: %s: the timeline has no rows\n", nfg_esc(file));
		json_decref(s.rows);
		json_decref(root);
		return 1;
	}
	const char *base = strrchr(file, '/');
	s.graph = str_or(root, "graph", base ? base + 1 : file);
	s.started = str_or(root, "started", "date unknown");
	s.host = str_or(root, "host", "host unknown");
	s.cpu = str_or(root, "cpu", "cpu unknown");
	s.cpus = root ? json_integer_value(json_object_get(root, "cpus")) : 0;
	discover(&s);

	/* gnuplot reads the script on a pipe; the paths are inside it, quoted,
	 * never on a shell's command line. If it dies early, its message says
	 * why: the pipe's end must not kill us first. */
	signal(SIGPIPE, SIG_IGN);
	int fds[2];
	if (pipe(fds) != 0)
		return 1;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		close(fds[0]);
		close(fds[1]);
		execlp("gnuplot", "gnuplot", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	FILE *p = fdopen(fds[1], "w");
	if (p) {
		script(p, &s, png);
		fclose(p);
	} else {
		close(fds[1]);
	}
	json_decref(s.rows);
	json_decref(root);
	int status;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	if (WEXITSTATUS(status) == 127) {
		fprintf(stderr, "nfg: report needs gnuplot (apt-get install gnuplot-nox)\n");
		return 1;
	}
	if (WEXITSTATUS(status) != 0) {
		fprintf(stderr, "nfg: gnuplot failed (its message is above)\n");
		return 1;
	}
	return 0;
}
