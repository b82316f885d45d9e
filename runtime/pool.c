/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The packet pool, sized from the graph: every descriptor of every queue can
 * hold an mbuf, node streams can be full (up to STREAM_NODES of them a
 * worker, plus one per source), each worker's mempool cache can be full, and
 * operators that hold packets (hold queues, tx buffers, connection send
 * queues) reserve what they hold. At the end of a
 * run every mbuf must be back: the summary says so or names the leak.
 */
#include <rte_errno.h>
#include <rte_graph.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "runtime.h"

#define POOL_CACHE 256
#define STREAM_NODES 64

static struct rte_mempool *pool;

unsigned
nfg_pool_size_for(const struct nfg_graph *g)
{
	unsigned long n = 4096;

	if (g->mbufs)
		return g->mbufs;
	for (unsigned i = 0; i < g->nb_ports; i++)
		n += (unsigned long)g->nb_workers * (g->ports[i].rx_desc + g->ports[i].tx_desc);
	/* Packets in streams are what the sources brought in, wherever they
	 * are now: a chain of 2,000 nodes does not hold a burst in each at once
	 * (counted so, its pool took 5 GB and failed). */
	unsigned sources = 0;
	for (unsigned i = 0; i < g->nb_instances; i++) {
		n += g->instances[i]->reserved_mbufs;
		sources += (g->instances[i]->op->flags & NFG_OP_SOURCE) != 0;
	}
	unsigned streams = RTE_MIN(g->nb_instances, STREAM_NODES + sources);
	n += (unsigned long)g->nb_workers * RTE_GRAPH_BURST_SIZE * 2 * streams;
	n += nfg_steer_handoff_mbufs(g);
	n += (unsigned long)(g->nb_workers + 1) * POOL_CACHE * 3 / 2;
	n += n / 4;
	/* A mempool is most memory-efficient at 2^k - 1 elements. */
	unsigned long size = 1;
	while (size - 1 < n)
		size <<= 1;
	return (unsigned)(size - 1);
}

int
nfg_pool_create(unsigned nb_mbufs)
{
	pool = rte_pktmbuf_pool_create("nfg_pkts", nb_mbufs, POOL_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!pool) {
		nfg_log_err("cannot create a pool of %u packet buffers: %s (set a smaller \"mbufs\" "
			    "in the graph, or give DPDK more memory: hugepages, or -m after --)",
			    nb_mbufs, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

struct rte_mempool *
nfg_pktmbuf_pool(void)
{
	return pool;
}

unsigned
nfg_pool_total(void)
{
	return pool ? pool->size : 0;
}

unsigned
nfg_pool_in_use(void)
{
	return pool ? rte_mempool_in_use_count(pool) : 0;
}

void
nfg_pool_free(void)
{
	rte_mempool_free(pool);
	pool = NULL;
}
