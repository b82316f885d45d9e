/* SPDX-License-Identifier: BSD-3-Clause
 *
 * One run of a graph, start to finish: EAL, pool, ports, operators, graphs,
 * workers; then the main lcore watches (progress, duration, signals, finite
 * sources), stops the workers, takes the final reading and tears everything
 * down in reverse, checking that every mbuf came back to the pool.
 */
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "../model/errors.h"
#include "observe.h"

/* After the finite sources are done, packets may still be on the wire or in
 * a peer's queues: keep walking this long before stopping. */
#define DONE_GRACE_S 0.3

static volatile sig_atomic_t got_signal;
static const struct nfg_run_options *run_options;

void
nfg_run_options_set(const struct nfg_run_options *o)
{
	run_options = o;
}

const char *
nfg_run_option(const char *name)
{
	if (run_options && strcmp(name, "records") == 0)
		return run_options->records;
	return NULL;
}

static bool output_failed;

void
nfg_run_output_failed(void)
{
	output_failed = true;
}

static struct timespec first_signal;

/* A second ^C does not wait for a clean stop; but one ^C can arrive twice
 * at once (GNU timeout passes it to the child and to its process group), so
 * a second within a second of the first is that same one. */
static void
on_signal(int sig)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now); /* async-signal-safe */
	if (!got_signal) {
		first_signal = now;
		got_signal = sig;
		return;
	}
	if ((now.tv_sec - first_signal.tv_sec) * 1000000000L + (now.tv_nsec - first_signal.tv_nsec) <
	    1000000000L)
		return;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* Installed before EAL starts: its and the drivers' system calls are
	 * resumed, not failed with EINTR, when a ^C comes then. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static double
seconds_since(uint64_t tsc)
{
	return (double)(rte_rdtsc() - tsc) / (double)rte_get_tsc_hz();
}

/* Runs until the duration is over, a signal came, or the finite sources are
 * done; prints the progress line on the way. */
static void
watch(struct nfg_graph *g, const struct nfg_run_options *o, uint64_t start,
      struct nfg_run_result *res, struct nfg_timeline *tl)
{
	struct nfg_reading *prev = nfg_reading_take(g);
	double next_progress = o->progress_interval > 0 ? o->progress_interval : 1.0;
	double done_at = -1;
	bool finite;

	for (;;) {
		usleep(10000);
		double t = seconds_since(start);
		if (got_signal) {
			res->stopped_by_signal = true;
			break;
		}
		if (o->duration > 0 && t >= o->duration)
			break;
		if (nfg_sources_done(g, &finite)) {
			if (done_at < 0)
				done_at = t;
			else if (t - done_at >= DONE_GRACE_S)
				break;
		}
		nfg_timeline_tick(tl, t);
		nfg_intr_gate_tick(g, t);
		if (t >= next_progress) {
			struct nfg_reading *now = nfg_reading_take(g);
			if (!o->quiet)
				nfg_progress_print(g, prev, now, t);
			nfg_reading_free(g, prev);
			prev = now;
			next_progress += o->progress_interval > 0 ? o->progress_interval : 1.0;
		}
	}
	nfg_reading_free(g, prev);
}

static void
stop_operators(struct nfg_graph *g)
{
	for (unsigned i = g->nb_instances; i-- > 0;) {
		struct nfg_instance *inst = g->instances[i];
		if (inst->started && inst->op->stop)
			inst->op->stop(inst);
		inst->started = false;
	}
}

int
nfg_run(struct nfg_graph *g, const struct nfg_run_options *o)
{
	struct nfg_run_result res = { 0 };
	struct nfg_reading *final = NULL;
	struct nfg_timeline *tl = NULL;
	unsigned mbufs = nfg_pool_size_for(g);
	int rc = 1;

	output_failed = false;

	nfg_current_graph = g;
	run_options = o;
	/* Before EAL: a ^C while it starts (seconds with many hugepages) is kept
	 * and stops the run as soon as it runs, not lost. (A shell starts a
	 * background job with SIGINT ignored; our handler replaces that too.) */
	install_signals();
	nfg_telemetry_register();
	if (nfg_eal_start(g, o, mbufs) < 0) {
		nfg_eal_stop();
		return 1;
	}
	/* The telemetry socket answers whoever can connect: only its owner, not
	 * whatever the umask allowed. */
	char sock[PATH_MAX];
	snprintf(sock, sizeof(sock), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	chmod(sock, S_IRUSR | S_IWUSR);
	if (nfg_pool_create(mbufs) < 0) {
		/* Say who asked for most of it: a queue parameter set to its maximum. */
		const struct nfg_instance *big = NULL;
		for (unsigned i = 0; i < g->nb_instances; i++)
			if (!big || g->instances[i]->reserved_mbufs > big->reserved_mbufs)
				big = g->instances[i];
		if (big && big->reserved_mbufs > mbufs / 4)
			nfg_log_err("%s reserves %u of them (its queue or buffer parameters): "
				    "lower them", big->path, big->reserved_mbufs);
		goto teardown;
	}
	if (nfg_ports_start(g) < 0)
		goto teardown;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		struct nfg_instance *inst = g->instances[i];
		if (inst->op->start && inst->op->start(inst) < 0) {
			nfg_log_err("%s: operator %s did not start", inst->path, inst->op->name);
			goto teardown;
		}
		inst->started = true;
	}
	if (nfg_graphs_build(g) < 0)
		goto teardown;

	nfg_log("running %s: %u worker%s, %u port%s, %u nodes, %u mbufs; telemetry: "
		"dpdk-telemetry.py -f %s", g->name, g->nb_workers, g->nb_workers == 1 ? "" : "s",
		g->nb_ports, g->nb_ports == 1 ? "" : "s", g->nb_instances, mbufs,
		strrchr(rte_eal_get_runtime_dir(), '/') + 1);
	nfg_telemetry_publish(g);
	if (nfg_metrics_publish(g) < 0)
		goto teardown;
	uint64_t start = rte_rdtsc();
	/* The series is kept for --timeline and for --stats-json alike. */
	if ((o->timeline || o->stats_json) &&
	    !(tl = nfg_timeline_open(g, o->timeline, o->stats_json != NULL, start)))
		goto teardown;
	g->profile = o->profile;
	res.started = time(NULL);
	if (nfg_intr_gate_open(g) < 0)
		nfg_log_err("cannot hold EAL's interrupt thread: a memif peer that leaves "
			    "during the run may crash this process");
	if (nfg_workers_launch(g) == 0)
		watch(g, o, start, &res, tl);
	nfg_request_stop();
	/* The run's time ends at the stop: the drain after it (resets for open
	 * connections, a port emptying its buffer) is no traffic time, and rates
	 * divided by it would come out low. */
	res.seconds = seconds_since(start);
	nfg_workers_wait();
	nfg_intr_gate_close(g);
	final = nfg_reading_take(g);
	nfg_reading_add_extras(g, final);
	nfg_timeline_stop(tl, res.seconds);
	rc = 0;

teardown:
	nfg_metrics_unpublish();
	nfg_telemetry_unpublish();
	nfg_graphs_destroy(g, final);
	stop_operators(g);
	if (final) {
		uint64_t unread[g->nb_ports + 1];
		memset(unread, 0, sizeof(unread));
		nfg_ports_drain(g, unread);
		for (unsigned p = 0; p < g->nb_ports; p++) {
			final->ports[p].unread_at_stop = unread[p];
			final->dropped += unread[p];
		}
	} else {
		nfg_ports_drain(g, NULL);
	}
	nfg_ports_stop(g);
	res.pool_size = nfg_pool_total();
	res.pool_leaked = nfg_pool_in_use();
	if (final) {
		/* The last row from the final counters: the rows add up to them. */
		nfg_timeline_finish(tl, final);
		res.timeline = nfg_timeline_json(tl);
		nfg_summary_print(g, final, &res, stdout);
		if (o->stats_json && nfg_stats_json_write(g, final, &res, o->stats_json) != 0)
			rc = 1;
		if (nfg_timeline_close(tl) != 0) {
			nfg_log_err("--timeline %s: writing failed", nfg_esc(o->timeline));
			rc = 1;
		}
		if (output_failed)
			rc = 1;
		tl = NULL;
		if (rc == 0 && nfg_run_failed(g, final))
			rc = 4;
		if (res.pool_leaked)
			rc = 3;
		nfg_reading_free(g, final);
	}
	nfg_timeline_close(tl);
	nfg_pool_free();
	nfg_eal_stop();
	nfg_current_graph = NULL;
	return rc;
}
