/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The process level: EAL, mempool, ports, per-worker rte_graphs, the worker
 * loop, stats and teardown. One file per concern; this header joins them.
 */
#ifndef NFG_RUNTIME_H
#define NFG_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <rte_per_lcore.h>

#include "../model/model.h"

/* rte_node ids nfg keeps tables by (build.c: instances, worker.c: polls). */
#define NFG_MAX_NODE_IDS 4096

struct nfg_run_options {
	double duration;          /* seconds; 0: until done or a signal */
	const char *stats_json;   /* write the final stats here */
	char **eal_args;          /* after `--` on the command line */
	unsigned nb_eal_args;
	bool quiet;               /* no progress line */
	const char *records;      /* --records FILE, for operators that keep records */
	double progress_interval; /* seconds between progress lines */
	bool profile;             /* time every walk (else one in NFG_WALK_SAMPLE) */
	const char *timeline;     /* --timeline FILE: a row per second per worker */
};

/* clock.c: unit tests play time forward (nfg_clock) instead of sleeping. */
void nfg_clock_advance_ms(double ms);
/* A walk's clock: NFG_CLOCK_UNREAD from the start of a walk until its first
 * nfg_clock(), which keeps what it read there for the rest of the walk and
 * its polls; NFG_CLOCK_NOT_IN_WALK outside walks (every call reads). */
enum { NFG_CLOCK_UNREAD = 0, NFG_CLOCK_NOT_IN_WALK = 1 };
RTE_DECLARE_PER_LCORE(uint64_t, nfg_walk_clock);
static inline void
nfg_clock_walk_begin(void)
{
	RTE_PER_LCORE(nfg_walk_clock) = NFG_CLOCK_UNREAD;
}
static inline void
nfg_clock_walk_end(void)
{
	RTE_PER_LCORE(nfg_walk_clock) = NFG_CLOCK_NOT_IN_WALK;
}

/* log.c: one-line messages from nfg itself (DPDK's own log is left at
 * warning level so a run prints what matters). */
void nfg_log(const char *fmt, ...) __rte_format_printf(1, 2);
void nfg_log_err(const char *fmt, ...) __rte_format_printf(1, 2);

/* eal.c */
int nfg_eal_start(struct nfg_graph *g, const struct nfg_run_options *o, unsigned mbufs);
void nfg_eal_stop(void);
/* The EAL argument vector nfg would use (for tests and --dry-run). */
int nfg_eal_build_args(const struct nfg_graph *g, char **extra, unsigned nb_extra,
		       unsigned mbufs, char ***argv_out);

/* cpus.c: the CPUs other live nfg runs' workers poll (taken[cpu], who[cpu]
 * their pid), and this run's, published while it runs. */
void nfg_cpus_taken(bool *taken, unsigned ncpu, int *who);
void nfg_cpus_publish(const int *cpus, unsigned n);
void nfg_cpus_withdraw(void);

/* pool.c */
unsigned nfg_pool_size_for(const struct nfg_graph *g);
int nfg_pool_create(unsigned nb_mbufs);
void nfg_pool_free(void);
unsigned nfg_pool_in_use(void);
unsigned nfg_pool_total(void);

/* ports.c */
int nfg_ports_start(struct nfg_graph *g);
/* Frees what is still queued in the ports' rx rings; counts it per port
 * (unread_at_stop, by port index) when given. */
void nfg_ports_drain(struct nfg_graph *g, uint64_t *unread_at_stop);
/* steer_port.c */
bool nfg_steer_port_may_hand_off(const struct nfg_graph *g, const struct nfg_port_spec *ps);
unsigned nfg_steer_handoff_mbufs(const struct nfg_graph *g);
int nfg_steer_port_start(struct nfg_graph *g, struct nfg_port_spec *ps, bool device_rss);
void nfg_steer_port_stop(struct nfg_port_spec *ps, uint64_t *unread);
void nfg_ports_stop(struct nfg_graph *g);

/* wire.c: the in-process wire between two "wire:NAME" ports */
int nfg_wire_port_create(struct nfg_graph *g, struct nfg_port_spec *ps, unsigned nb_queues,
			 uint16_t *port_id);
void nfg_wires_free(void);

/* build.c: operator nodes → per-instance clones → one rte_graph per worker */
int nfg_graphs_build(struct nfg_graph *g);
/* Destroys the worker graphs (the operators' fini run then and may count what
 * they still held); when `final` is given its counters are read again after
 * that, so those last counts are in it. */
struct nfg_reading;
void nfg_graphs_destroy(struct nfg_graph *g, struct nfg_reading *final);
struct rte_graph *nfg_worker_graph(unsigned worker);

/* kernel_drops.c: frames the kernel dropped before a net_af_packet port read
 * them (its ring was full), which the driver does not report. Watch after the
 * port started (iface: its interface), forget before it stops; the count is
 * the port's since it was watched, and stays readable after. */
void nfg_kernel_drops_watch(uint16_t port_id, const char *iface);
uint64_t nfg_kernel_drops(uint16_t port_id);
void nfg_kernel_drops_forget(uint16_t port_id);

/* ports.c: is this port's driver served by EAL's interrupt thread (memif)? */
bool nfg_port_served_by_interrupt_thread(uint16_t port_id);

/* intr_thread.c: EAL's interrupt thread. fn(arg) runs there (and, with
 * until_done, has finished) when it returns true; false: it did not run. */
bool nfg_on_interrupt_thread(void (*fn)(void *), void *arg, bool until_done);
/* Parks it for good (before rte_eal_cleanup, once memif ports are closed). */
void nfg_interrupt_thread_park(void);
/* The gate: holds the thread while the workers poll connected memif rings,
 * letting it go only while they pause. Open before the workers launch (a
 * no-op without memif ports), tick from the main lcore's watch loop, close
 * once the workers stopped. */
int nfg_intr_gate_open(const struct nfg_graph *g);
void nfg_intr_gate_tick(const struct nfg_graph *g, double t);
void nfg_intr_gate_close(const struct nfg_graph *g);

/* worker.c */
int nfg_workers_launch(struct nfg_graph *g);
/* The workers' walks and polls set up without launching them, for a caller
 * that steps worker i's loop itself, one walk and its polls at a time, on
 * its own thread (the unit tests' harness). */
void nfg_workers_prepare(struct nfg_graph *g);
void nfg_worker_step(unsigned worker);
void nfg_workers_wait(void);
/* Every running worker waits between two walks until resumed (returns once
 * they all do): for work that must not overlap a burst (intr_gate.c). */
void nfg_workers_pause(void);
void nfg_workers_resume(void);
/* True when every finite source of every worker says it is done. */
bool nfg_sources_done(struct nfg_graph *g, bool *has_finite);
/* A worker's cycles so far: in walks that moved packets (estimated from its
 * timed walks, walk.h), and its whole life. */
void nfg_worker_busy(unsigned worker, uint64_t *busy_cycles, uint64_t *cycles);
/* A node's cycles on a worker over the run so far, estimated from its timed
 * calls (walk.h). */
uint64_t nfg_worker_node_cycles(unsigned worker, const struct rte_node *node);

/* stats.c: a consistent-enough reading of every counter */
struct nfg_node_reading {
	uint64_t packets, calls, cycles;
	uint64_t *counters;                 /* summed over workers */
	uint64_t *worker_counters;          /* [counter * nb_workers + worker] */
	uint64_t worker_packets[NFG_MAX_WORKERS];
	uint64_t worker_calls[NFG_MAX_WORKERS], worker_cycles[NFG_MAX_WORKERS];
};

struct nfg_port_reading {
	uint64_t rx, tx, rx_bytes, tx_bytes, rx_missed, rx_errors, tx_errors, rx_nombuf;
	uint64_t unread_at_stop; /* received by the device, freed at teardown */
};

struct nfg_reading {
	uint64_t tsc;
	struct nfg_node_reading *nodes;     /* by instance index */
	struct nfg_port_reading *ports;     /* by port index */
	uint64_t worker_in[NFG_MAX_WORKERS], worker_out[NFG_MAX_WORKERS];
	uint64_t worker_drop[NFG_MAX_WORKERS];
	uint64_t worker_busy[NFG_MAX_WORKERS], worker_cycles[NFG_MAX_WORKERS]; /* nfg_worker_busy */
	uint64_t in, out, dropped;
	/* The operators' own summary text and JSON, taken at the end of a run
	 * while their per-worker state still exists (NULL otherwise). */
	char **extra_text;
	json_t **extra_json;
};

/* Asks the operators for their summary and stats_json parts. */
void nfg_reading_add_extras(struct nfg_graph *g, struct nfg_reading *r);

struct nfg_reading *nfg_reading_take(struct nfg_graph *g);
/* Looks at every port's counters now (stats.c): right before a driver may
 * hide them (net_memif reads 0 once its peer is gone), so that readings
 * still report them. */
void nfg_port_counts_note(const struct nfg_graph *g);
/* Sums the operators' counters again (after fini counted what they held). */
void nfg_reading_recount(struct nfg_graph *g, struct nfg_reading *r);
void nfg_reading_free(struct nfg_graph *g, struct nfg_reading *r);

/* report.c: what people and programs read */
void nfg_progress_print(struct nfg_graph *g, const struct nfg_reading *prev,
			const struct nfg_reading *now, double elapsed);
struct nfg_run_result {
	double seconds;
	unsigned pool_size, pool_leaked;
	bool stopped_by_signal;
	time_t started;           /* wall clock when the workers started */
	json_t *timeline;         /* the per-second rows (timeline.c), borrowed */
};
void nfg_summary_print(struct nfg_graph *g, const struct nfg_reading *r,
		       const struct nfg_run_result *res, FILE *out);
/* Did an operator count failures and not one success? (exit status 4) */
bool nfg_run_failed(const struct nfg_graph *g, const struct nfg_reading *r);
int nfg_stats_json_write(struct nfg_graph *g, const struct nfg_reading *r,
			 const struct nfg_run_result *res, const char *path);

/* telemetry.c: /nfg/... commands for dpdk-telemetry.py */
void nfg_telemetry_register(void);
void nfg_telemetry_publish(struct nfg_graph *g);
void nfg_telemetry_unpublish(void);

/* run.c */
int nfg_run(struct nfg_graph *g, const struct nfg_run_options *o);
/* Makes the options visible to operators (nfg_run_option) from their setup on. */
void nfg_run_options_set(const struct nfg_run_options *o);
void nfg_request_stop(void);

#endif
