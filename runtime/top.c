/* SPDX-License-Identifier: BSD-3-Clause
 *
 * nfg top: a running graph seen live, refreshed every second, in the manner
 * of VPP's `show runtime`: per node packets/s, calls/s, packets per call and
 * cycles per packet; per worker its busy share; per TCP operator its
 * connections per second, open connections, failures and retransmissions.
 *
 * It is a separate process that asks the run's DPDK telemetry socket
 * (/nfg/info, /nfg/workers, /nfg/nodes, /nfg/node,NAME), so the run needs
 * no option for it and pays nothing: the telemetry thread reads the
 * counters the workers keep anyway. Rates are differences of two answers.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../model/errors.h"
#include "nfg/rate.h"
#include "observe.h"

#define TOP_MAX_NODES 256
#define TOP_MAX_WORKERS NFG_MAX_WORKERS
#define SOCKET_NAME "dpdk_telemetry.v2"

struct tel {
	int fd;
	size_t max_len;
	char *buf;
	long pid;
};

struct top_node {
	char name[64], op[32];
	uint64_t packets, calls, cycles;
	bool source, tcp;
	uint64_t completed, failed, rtx, open;
};

struct top_sample {
	double t;
	char graph[64];
	uint64_t seconds, in, out, dropped, mbufs;
	unsigned nb_workers;
	uint64_t busy[TOP_MAX_WORKERS], cycles[TOP_MAX_WORKERS];
	bool has_busy;
	unsigned nb_nodes;
	struct top_node nodes[TOP_MAX_NODES];
};

/* ---- the telemetry socket --------------------------------------------- */

static int
tel_open(const char *path, struct tel *t)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(t, 0, sizeof(*t));
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	t->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (t->fd < 0)
		return -1;
	if (connect(t->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(t->fd);
		return -1;
	}
	/* The greeting says how long an answer may be, and whose socket it is. */
	t->max_len = 1 << 16;
	t->buf = malloc(t->max_len + 1);
	ssize_t n = recv(t->fd, t->buf, t->max_len, 0);
	json_t *hello = n > 0 ? json_loadb(t->buf, (size_t)n, 0, NULL) : NULL;
	if (!hello) {
		close(t->fd);
		free(t->buf);
		return -1;
	}
	json_int_t max = json_integer_value(json_object_get(hello, "max_output_len"));
	t->pid = (long)json_integer_value(json_object_get(hello, "pid"));
	json_decref(hello);
	if (max > (json_int_t)t->max_len) {
		t->max_len = (size_t)max;
		t->buf = realloc(t->buf, t->max_len + 1);
	}
	return 0;
}

static void
tel_close(struct tel *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	t->fd = -1;
	t->buf = NULL;
}

/* The answer to cmd (a new reference), NULL when the run is gone. */
static json_t *
tel_ask(struct tel *t, const char *cmd)
{
	if (send(t->fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0)
		return NULL;
	ssize_t n = recv(t->fd, t->buf, t->max_len, 0);
	if (n <= 0)
		return NULL;
	json_t *root = json_loadb(t->buf, (size_t)n, 0, NULL);
	char key[128];
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(cmd, ","), cmd);
	json_t *v = json_incref(json_object_get(root, key));
	json_decref(root);
	return v;
}

/* ---- which run -------------------------------------------------------- */

/* Where DPDK puts a process's runtime directory (eal_create_runtime_dir). */
static void
runtime_base(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (getuid() == 0)
		snprintf(buf, len, "/var/run/dpdk");
	else
		snprintf(buf, len, "%s/dpdk", xdg ? xdg : "/tmp");
}

static bool
is_nfg(struct tel *t)
{
	json_t *info = tel_ask(t, "/nfg/info");
	bool yes = json_is_object(info) && json_object_get(info, "graph");

	json_decref(info);
	return yes;
}

/* Connects to the run `which` names: a prefix, a PID, a socket or runtime
 * directory path, or nothing when exactly one nfg runs. */
static int
find_run(const char *which, struct tel *t)
{
	char base[PATH_MAX], path[PATH_MAX + 300];
	bool by_pid = which && *which && strspn(which, "0123456789") == strlen(which);

	runtime_base(base, sizeof(base));
	if (which && !by_pid) {
		if (strchr(which, '/'))
			snprintf(path, sizeof(path), "%s%s", which,
				 strstr(which, SOCKET_NAME) ? "" : "/" SOCKET_NAME);
		else
			snprintf(path, sizeof(path), "%s/%s/%s", base, which, SOCKET_NAME);
		if (tel_open(path, t) == 0 && is_nfg(t))
			return 0;
		tel_close(t);
		fprintf(stderr, "nfg top: no running nfg answers at %s\n", nfg_esc(path));
		return -1;
	}
	DIR *d = opendir(base);
	struct dirent *e;
	unsigned found = 0;
	char first[NAME_MAX + 1] = "";
	while (d && (e = readdir(d))) {
		struct tel c;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", base, e->d_name, SOCKET_NAME);
		if (tel_open(path, &c) != 0)
			continue;
		if ((by_pid && c.pid != atol(which)) || !is_nfg(&c)) {
			tel_close(&c);
			continue;
		}
		if (found++ == 0) {
			*t = c;
			snprintf(first, sizeof(first), "%s", e->d_name);
			continue;
		}
		if (found == 2)
			fprintf(stderr, "nfg top: several runs; name one:\n  %s\n", nfg_esc(first));
		fprintf(stderr, "  %s\n", nfg_esc(e->d_name));
		tel_close(&c);
	}
	if (d)
		closedir(d);
	if (found == 1)
		return 0;
	if (found > 1)
		tel_close(t);
	else if (by_pid)
		fprintf(stderr, "nfg top: no running nfg with pid %s under %s\n", nfg_esc(which),
			nfg_esc(base));
	else
		fprintf(stderr, "nfg top: no running nfg under %s\n", nfg_esc(base));
	return -1;
}

/* ---- samples ---------------------------------------------------------- */

static uint64_t
u64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
}

static int
sample(struct tel *t, struct top_sample *s)
{
	struct timespec ts;
	json_t *info = tel_ask(t, "/nfg/info"), *workers = tel_ask(t, "/nfg/workers");
	json_t *nodes = tel_ask(t, "/nfg/nodes");
	int rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	memset(s, 0, sizeof(*s));
	s->t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	/* /nfg/workers is newer than the rest: an older nfg shows no busy share. */
	if (!json_is_object(info) || !json_is_object(nodes))
		goto out;
	snprintf(s->graph, sizeof(s->graph), "%s",
		 json_string_value(json_object_get(info, "graph")) ?: "?");
	s->seconds = u64(info, "seconds");
	s->in = u64(info, "in");
	s->out = u64(info, "out");
	s->dropped = u64(info, "dropped");
	s->mbufs = u64(info, "mbufs_in_use");
	s->nb_workers = (unsigned)u64(info, "workers");
	s->has_busy = json_is_object(workers);
	json_t *busy = json_object_get(workers, "busy_cycles");
	json_t *cycles = json_object_get(workers, "cycles");
	for (size_t w = 0; w < json_array_size(busy) && w < TOP_MAX_WORKERS; w++) {
		s->busy[w] = (uint64_t)json_integer_value(json_array_get(busy, w));
		s->cycles[w] = (uint64_t)json_integer_value(json_array_get(cycles, w));
	}
	const char *name;
	json_t *v;
	json_object_foreach(nodes, name, v) {
		char cmd[128];
		if (s->nb_nodes == TOP_MAX_NODES)
			break;
		snprintf(cmd, sizeof(cmd), "/nfg/node,%s", name);
		json_t *n = tel_ask(t, cmd);
		if (!json_is_object(n)) {
			json_decref(n);
			goto out;
		}
		struct top_node *tn = &s->nodes[s->nb_nodes++];
		snprintf(tn->name, sizeof(tn->name), "%s", name);
		snprintf(tn->op, sizeof(tn->op), "%s", json_string_value(json_object_get(n, "op")) ?: "?");
		tn->packets = u64(n, "packets");
		tn->calls = u64(n, "calls");
		tn->cycles = u64(n, "cycles");
		tn->source = u64(n, "is_source") != 0;
		tn->tcp = json_object_get(n, "connections_open") != NULL;
		tn->open = u64(n, "connections_open");
		tn->completed = u64(n, "completed");
		tn->failed = u64(n, "failed_refused") + u64(n, "failed_timeout") +
			     u64(n, "failed_reset");
		tn->rtx = u64(n, "retransmits");
		json_decref(n);
	}
	rc = 0;
out:
	json_decref(info);
	json_decref(workers);
	json_decref(nodes);
	return rc;
}

/* ---- the view --------------------------------------------------------- */

static void
render(const struct top_sample *a, const struct top_sample *b, long pid, double interval)
{
	double dt = b->t - a->t;
	char x[32], y[32], z[32];

	if (dt <= 0)
		return;
	/* Home, clear: a frame replaces the last one. */
	fputs("\033[H\033[2J", stdout);
	printf("nfg top: %s (pid %ld), %u worker%s, up %" PRIu64 " s    every %.1f s, ^C quits\n",
	       nfg_esc(b->graph), pid, b->nb_workers, b->nb_workers == 1 ? "" : "s", b->seconds,
	       interval);
	printf("in %spps  out %spps  drop %spps  mbufs in use %" PRIu64 "\n",
	       nfg_format_rate((double)(b->in - a->in) / dt, x, sizeof(x)),
	       nfg_format_rate((double)(b->out - a->out) / dt, y, sizeof(y)),
	       nfg_format_rate((double)(b->dropped - a->dropped) / dt, z, sizeof(z)), b->mbufs);
	printf("busy:");
	if (!b->has_busy)
		printf(" (this nfg does not say)");
	for (unsigned w = 0; b->has_busy && w < b->nb_workers && w < TOP_MAX_WORKERS; w++) {
		uint64_t cyc = b->cycles[w] - a->cycles[w];
		printf("  w%u %5.1f%%", w,
		       cyc ? 100.0 * (double)(b->busy[w] - a->busy[w]) / (double)cyc : 0.0);
	}
	printf("\n\n%-22s %-12s %10s %10s %10s %11s\n", "node", "op", "packets/s", "calls/s",
	       "pkts/call", "cycles/pkt");
	for (unsigned i = 0; i < b->nb_nodes && i < a->nb_nodes; i++) {
		const struct top_node *p = &a->nodes[i], *n = &b->nodes[i];
		uint64_t pk = n->packets - p->packets, calls = n->calls - p->calls;
		char cpp[32] = "-";
		/* A source is called on every walk, packets or not: its cycles
		 * would mostly be idle polling (the summary shows none either). */
		if (pk && !n->source)
			snprintf(cpp, sizeof(cpp), "%.1f", (double)(n->cycles - p->cycles) / (double)pk);
		printf("%-22s %-12s %10s %10s %10.1f %11s\n", nfg_esc(n->name), nfg_esc(n->op),
		       nfg_format_rate((double)pk / dt, x, sizeof(x)),
		       nfg_format_rate((double)calls / dt, y, sizeof(y)),
		       calls ? (double)pk / (double)calls : 0.0, cpp);
	}
	bool header = false;
	for (unsigned i = 0; i < b->nb_nodes && i < a->nb_nodes; i++) {
		const struct top_node *p = &a->nodes[i], *n = &b->nodes[i];
		if (!n->tcp)
			continue;
		if (!header)
			printf("\n%-22s %10s %10s %10s %10s %14s\n", "TCP operator", "conn/s", "open",
			       "failed/s", "rtx/s", "completed");
		header = true;
		char f[32];
		printf("%-22s %10s %10" PRIu64 " %10s %10s %14" PRIu64 "\n", nfg_esc(n->name),
		       nfg_format_rate((double)(n->completed - p->completed) / dt, x, sizeof(x)), n->open,
		       nfg_format_rate((double)(n->failed - p->failed) / dt, f, sizeof(f)),
		       nfg_format_rate((double)(n->rtx - p->rtx) / dt, y, sizeof(y)), n->completed);
	}
	fflush(stdout);
}

int
nfg_top(const char *which, double interval)
{
	struct tel t;
	struct top_sample *s = calloc(2, sizeof(*s));
	unsigned cur = 0;

	if (find_run(which, &t) < 0) {
		free(s);
		return 1;
	}
	if (sample(&t, &s[cur]) < 0) {
		fprintf(stderr, "nfg top: the run did not answer\n");
		tel_close(&t);
		free(s);
		return 1;
	}
	for (;;) {
		usleep((useconds_t)(interval * 1e6));
		if (sample(&t, &s[cur ^ 1]) < 0)
			break;
		render(&s[cur], &s[cur ^ 1], t.pid, interval);
		cur ^= 1;
	}
	printf("\nnfg top: the run ended\n");
	tel_close(&t);
	free(s);
	return 0;
}
