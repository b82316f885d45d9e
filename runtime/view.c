/* SPDX-License-Identifier: BSD-3-Clause
 *
 * What operators show the observers (the timeline, the metrics endpoint, nfg
 * top) beyond their counters: op->observe for one worker's node, with the
 * names op->histograms gives. The runtime knows no operator by name.
 */
#include <string.h>

#include "observe.h"

bool
nfg_view_observed(const struct nfg_instance *inst)
{
	return inst->op->observe != NULL;
}

unsigned
nfg_view_hist_names(const struct nfg_instance *inst, const char *names[NFG_OBSERVE_MAX_HIST])
{
	const char *const *h = inst->op->observe ? inst->op->histograms : NULL;
	unsigned n = 0;

	while (h && h[n] && n < NFG_OBSERVE_MAX_HIST) {
		names[n] = h[n];
		n++;
	}
	return n;
}

bool
nfg_view_get(const struct nfg_instance *inst, unsigned worker, struct nfg_view *v)
{
	struct nfg_observation o = { 0 };

	memset(v, 0, sizeof(*v));
	v->nb_hist = nfg_view_hist_names(inst, v->hist_name);
	if (!inst->op->observe)
		return false;
	struct rte_node *node = nfg_worker_node(worker, inst->name);
	if (!node || !inst->op->observe(inst, node, &o))
		return false;
	v->open = o.open;
	for (unsigned h = 0; h < v->nb_hist; h++)
		v->hist[h] = o.hist[h];
	return true;
}
