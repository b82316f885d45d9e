/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The in-process wire: two ports named "wire:NAME" become the two ends of a
 * cable made of rte_rings, through DPDK's net_ring driver. Queue q of one end
 * transmits into the ring that queue q of the other end receives from, so
 * worker q on one side talks to worker q on the other.
 *
 * A "loop:NAME" port is a wire folded on itself: what it sends it receives,
 * so a few frames sent once circulate for ever (the benchmarks' source of
 * real frames at full speed).
 */
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "runtime.h"

#define WIRE_RING_SIZE 8192
#define MAX_WIRES 16

struct wire {
	char name[NFG_NAME_MAX + 1];
	unsigned nb_queues;
	/* ring[d][q]: direction d (0: first end → second, 1: back), queue q */
	struct rte_ring *ring[2][NFG_MAX_WORKERS];
	unsigned ends_created;
};

static struct wire wires[MAX_WIRES];
static unsigned nb_wires;

static struct wire *
wire_get(const char *name, unsigned nb_queues)
{
	for (unsigned i = 0; i < nb_wires; i++)
		if (strcmp(wires[i].name, name) == 0)
			return &wires[i];
	if (nb_wires == MAX_WIRES)
		return NULL;
	struct wire *w = &wires[nb_wires++];
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->nb_queues = nb_queues;
	for (unsigned d = 0; d < 2; d++)
		for (unsigned q = 0; q < nb_queues; q++) {
			char rname[RTE_RING_NAMESIZE];
			snprintf(rname, sizeof(rname), "w%u_%s_%u_%u", nb_wires, name, d, q);
			/* One worker sends on a queue and one receives from it. */
			w->ring[d][q] = rte_ring_create(rname, WIRE_RING_SIZE, (int)rte_socket_id(),
							RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (!w->ring[d][q])
				return NULL;
		}
	return w;
}

int
nfg_wire_port_create(struct nfg_graph *g, struct nfg_port_spec *ps, unsigned nb_queues,
		     uint16_t *port_id)
{
	(void)g;
	struct wire *w = wire_get(ps->wire, nb_queues);

	if (!w) {
		nfg_log_err("ports.%s: cannot create wire %s: %s", ps->name, ps->wire,
			    rte_strerror(rte_errno));
		return -1;
	}
	unsigned end = w->ends_created++;
	char name[64];
	snprintf(name, sizeof(name), "%s_%s_%u", ps->kind == NFG_PORT_LOOP ? "loop" : "wire",
		 ps->wire, end);
	/* End 0 receives direction 1 and sends direction 0; end 1 the reverse.
	 * A loop sends into the rings it receives from. */
	unsigned rx = ps->kind == NFG_PORT_LOOP ? 0 : !end, tx = ps->kind == NFG_PORT_LOOP ? 0 : end;
	int id = rte_eth_from_rings(name, w->ring[rx], nb_queues, w->ring[tx], nb_queues,
				    (unsigned)rte_socket_id());
	if (id < 0) {
		nfg_log_err("ports.%s: net_ring port for wire %s: %s", ps->name, ps->wire,
			    rte_strerror(rte_errno));
		return -1;
	}
	*port_id = (uint16_t)id;
	return 0;
}

void
nfg_wires_free(void)
{
	for (unsigned i = 0; i < nb_wires; i++)
		for (unsigned d = 0; d < 2; d++)
			for (unsigned q = 0; q < wires[i].nb_queues; q++) {
				struct rte_mbuf *m;
				/* Frames still in flight go back to the pool. */
				while (rte_ring_dequeue(wires[i].ring[d][q], (void **)&m) == 0)
					rte_pktmbuf_free(m);
				rte_ring_free(wires[i].ring[d][q]);
			}
	nb_wires = 0;
}
