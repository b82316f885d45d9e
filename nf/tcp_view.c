/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The TCP operators seen from outside the data path (tcp_view.h).
 */
#include <string.h>

#include "proxy_internal.h"
#include "tcp_engine.h"
#include "tcp_view.h"

enum view_kind { VIEW_NONE, VIEW_CLIENT, VIEW_SERVER, VIEW_PROXY };

static enum view_kind
kind_of(const struct nfg_instance *inst)
{
	const char *op = nfg_instance_op(inst)->name;

	if (strcmp(op, "tcp_client") == 0)
		return VIEW_CLIENT;
	if (strcmp(op, "tcp_server") == 0)
		return VIEW_SERVER;
	if (strcmp(op, "tcp_proxy") == 0)
		return VIEW_PROXY;
	return VIEW_NONE;
}

bool
tcp_view_is_tcp(const struct nfg_instance *inst)
{
	return kind_of(inst) != VIEW_NONE;
}

unsigned
tcp_view_hist_names(const struct nfg_instance *inst, const char *names[TCP_VIEW_MAX_HIST])
{
	switch (kind_of(inst)) {
	case VIEW_CLIENT:
		names[0] = "connect";
		names[1] = "response";
		return 2;
	case VIEW_SERVER:
		/* A server answers at once: only its handshakes take time worth
		 * showing (the summary shows the same). */
		names[0] = "connect";
		return 1;
	case VIEW_PROXY:
		names[0] = "client_connect";
		names[1] = "backend_connect";
		return 2;
	default:
		return 0;
	}
}

bool
tcp_view_get(const struct nfg_instance *inst, unsigned worker, struct tcp_view *v)
{
	enum view_kind kind = kind_of(inst);

	memset(v, 0, sizeof(*v));
	v->nb_hist = tcp_view_hist_names(inst, v->hist_name);
	if (kind == VIEW_NONE)
		return false;
	struct rte_node *node = nfg_worker_node(worker, nfg_instance_name(inst));
	void *state = node ? nfg_node_state(node) : NULL;
	if (!state)
		return false;
	if (kind == VIEW_PROXY) {
		const struct px_worker *pw = state;
		/* Both halves of a proxied connection share one slot. */
		v->open = pw->nb_slots - pw->free_count;
		v->hist[0] = &pw->ec.connect_time;
		v->hist[1] = &pw->es.connect_time;
		return true;
	}
	const struct tcp_engine *e = state;
	const uint64_t *ctr = e->ctr;
	/* As the progress line counts: opened, not yet released, less those
	 * closed and only guarding their 4-tuple in TIME_WAIT. The counters may
	 * be read a few segments apart: never below zero. */
	uint64_t held = ctr[TC_ATTEMPTED] + ctr[TC_ACCEPTED] - ctr[TC_RELEASED];
	uint64_t time_wait = e->nb_time_wait;
	v->open = held > time_wait && held < (1ull << 62) ? held - time_wait : 0;
	v->hist[0] = &e->connect_time;
	if (kind == VIEW_CLIENT)
		v->hist[1] = &e->response_time;
	return true;
}
