/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Baseline for the forwarding benchmark: the plainest DPDK loop there is,
 * rx burst from one port, tx burst to the other, no graph, no counters. nfg's
 * l2fwd graph runs on the same ports in the same benchmark run; the ratio of
 * the two is what the framework costs.
 *
 * usage: bare_fwd SECONDS [EAL args]   (EAL args must create two ports)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#define BURST 32

static int
setup_port(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };

	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 1024, rte_socket_id(), NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 1024, rte_socket_id(), NULL) != 0)
		return -1;
	return rte_eth_dev_start(port);
}

int
main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5;
	int n = rte_eal_init(argc - 1, argv + 1);

	if (n < 0 || rte_eth_dev_count_avail() < 2) {
		fprintf(stderr, "bare_fwd: EAL did not start with two ports\n");
		return 1;
	}
	struct rte_mempool *pool = rte_pktmbuf_pool_create("bare", 16383, 256, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!pool || setup_port(0, pool) != 0 || setup_port(1, pool) != 0) {
		fprintf(stderr, "bare_fwd: port setup failed\n");
		return 1;
	}
	struct rte_mbuf *pkts[BURST];
	uint64_t forwarded = 0, hz = rte_get_tsc_hz();
	uint64_t start = rte_rdtsc(), end = start + (uint64_t)(seconds * (double)hz);
	for (uint64_t now = start; now < end; now = rte_rdtsc()) {
		for (int i = 0; i < 1024; i++) {
			for (uint16_t p = 0; p < 2; p++) {
				uint16_t nb = rte_eth_rx_burst(p, 0, pkts, BURST);
				uint16_t sent = rte_eth_tx_burst(p ^ 1, 0, pkts, nb);
				if (sent < nb)
					rte_pktmbuf_free_bulk(pkts + sent, nb - sent);
				forwarded += sent;
			}
		}
	}
	double dt = (double)(rte_rdtsc() - start) / (double)hz;
	printf("%.0f\n", (double)forwarded / dt);
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	rte_eal_cleanup();
	return 0;
}
