/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the runtime's observers (the --timeline series, the --metrics
 * endpoint, telemetry for nfg top) read of a TCP operator beyond its
 * counters: the connections it holds open and its latency histograms, one
 * worker at a time. They read from the main lcore or a control thread while
 * the worker runs: plain loads of words the worker writes, a walk behind at
 * worst, never a store and never a lock, so the data path pays nothing.
 * This file is the only place outside nf/ that knows the engines' layout.
 */
#ifndef NFG_NF_TCP_VIEW_H
#define NFG_NF_TCP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "latency.h"

struct nfg_instance;

#define TCP_VIEW_MAX_HIST 2

struct tcp_view {
	uint64_t open;                  /* connections held, TIME_WAIT not counted */
	unsigned nb_hist;
	/* "connect" and "response" (tcp_client), "connect" (tcp_server),
	 * "client_connect" and "backend_connect" (tcp_proxy) */
	const char *hist_name[TCP_VIEW_MAX_HIST];
	const struct latency_hist *hist[TCP_VIEW_MAX_HIST]; /* cumulative, live */
};

/* Is this instance one of the TCP operators (tcp_client, tcp_server,
 * tcp_proxy)? */
bool tcp_view_is_tcp(const struct nfg_instance *inst);
/* The histogram names of a TCP operator (valid before workers exist);
 * returns how many. */
unsigned tcp_view_hist_names(const struct nfg_instance *inst,
			     const char *names[TCP_VIEW_MAX_HIST]);
/* One worker's view; false when inst is not a TCP operator or has no state
 * on that worker (the names are still set then, the pointers NULL). */
bool tcp_view_get(const struct nfg_instance *inst, unsigned worker, struct tcp_view *v);

#endif
