/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What the TCP operators show nfg's observers (op->observe, struct
 * nfg_observation): the connections they hold open and their latency
 * histograms, one worker at a time, read while the worker runs (plain loads).
 */
#include "proxy_internal.h"
#include "tcp_engine.h"

const char *const tcp_client_histograms[] = { "connect", "response", NULL };
/* A server answers at once: only its handshakes take time worth showing (the
 * summary shows the same). */
const char *const tcp_server_histograms[] = { "connect", NULL };
const char *const tcp_proxy_histograms[] = { "client_connect", "backend_connect", NULL };

bool
tcp_engine_observe(const struct nfg_instance *inst, const struct rte_node *node,
		   struct nfg_observation *o)
{
	const struct tcp_engine *e = nfg_node_state(node);
	(void)inst;

	if (!e)
		return false;
	const uint64_t *ctr = e->ctr;
	/* As the progress line counts: opened, not yet released, less those
	 * closed and only guarding their 4-tuple in TIME_WAIT. The counters may
	 * be read a few segments apart: never below zero. */
	uint64_t held = ctr[TC_ATTEMPTED] + ctr[TC_ACCEPTED] - ctr[TC_RELEASED];
	uint64_t time_wait = e->nb_time_wait;
	o->open = held > time_wait && held < (1ull << 62) ? held - time_wait : 0;
	o->hist[0] = &e->connect_time;
	o->hist[1] = &e->response_time;
	return true;
}

bool
tcp_proxy_observe(const struct nfg_instance *inst, const struct rte_node *node,
		  struct nfg_observation *o)
{
	const struct px_worker *pw = nfg_node_state(node);
	(void)inst;

	if (!pw)
		return false;
	/* Both halves of a proxied connection share one slot. */
	o->open = pw->nb_slots - pw->free_count;
	o->hist[0] = &pw->ec.connect_time;
	o->hist[1] = &pw->es.connect_time;
	return true;
}
