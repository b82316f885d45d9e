/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Hand-written baselines for the graph-overhead benchmarks: the same work as
 * nfg's bench graphs, written as one plain DPDK loop per core, on the same
 * kind of port — a net_ring port whose tx comes back on its rx, seeded with
 * 4096 real Ethernet/IPv4/TCP frames per queue that then circulate.
 *
 *   fwd    rx -> tx                                  (vs port_rx -> port_tx)
 *   chain  rx -> parse -> filter -> split -> merge -> tx
 *                                                    (vs the same six operators)
 *
 * usage: bare_loop fwd|chain SECONDS [EAL args]; one loop per lcore given.
 * Prints packets/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#define BURST 32
#define SEED_FRAMES 4096

static bool chain;
static double seconds;
static uint16_t port;
static uint64_t done[RTE_MAX_LCORE];

/* The chain's work for one packet, as the operators do it: check and parse
 * the headers (packet_type and lengths), then the filter's rule (TCP to port
 * 5001). Returns false for packets the filter would not pass. */
static inline bool
parse_and_filter(struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t len = rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;

	if (len < RTE_ETHER_HDR_LEN + 20 || eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return false;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	unsigned ihl = (ip->version_ihl & 0xf) * 4u;
	if ((ip->version_ihl >> 4) != 4 || ihl < 20 ||
	    rte_be_to_cpu_16(ip->total_length) + RTE_ETHER_HDR_LEN > len ||
	    ip->next_proto_id != IPPROTO_TCP)
		return false;
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	unsigned doff = (th->data_off >> 4) * 4u;
	if (doff < 20 || RTE_ETHER_HDR_LEN + ihl + doff > len)
		return false;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = ihl;
	m->l4_len = doff;
	return th->dst_port == rte_cpu_to_be_16(5001);
}

static inline unsigned
flow_bin(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								m->l2_len);
	const uint16_t *p = (const uint16_t *)((const uint8_t *)ip + m->l3_len);
	uint32_t h = (ip->src_addr ^ ip->dst_addr) ^ ((uint32_t)(p[0] ^ p[1]) * 0x9e3779b1u);
	h ^= h >> 16;
	return (h * 0x85ebca6bu) >> 31;
}

static int
loop(void *arg)
{
	uint16_t q = (uint16_t)(uintptr_t)arg;
	struct rte_mbuf *pkts[BURST], *bins[2][BURST], *out[BURST];
	uint64_t n = 0, end = rte_rdtsc() + (uint64_t)(seconds * (double)rte_get_tsc_hz());

	while (rte_rdtsc() < end) {
		for (int i = 0; i < 256; i++) {
			uint16_t nb = rte_eth_rx_burst(port, q, pkts, BURST), nout = nb;
			struct rte_mbuf **tx = pkts;
			if (chain) {
				unsigned nbin[2] = { 0, 0 };
				nout = 0;
				for (uint16_t k = 0; k < nb; k++) {
					if (!parse_and_filter(pkts[k])) {
						rte_pktmbuf_free(pkts[k]);
						continue;
					}
					unsigned b = flow_bin(pkts[k]);
					bins[b][nbin[b]++] = pkts[k];
				}
				for (unsigned b = 0; b < 2; b++) /* merge */
					for (unsigned k = 0; k < nbin[b]; k++)
						out[nout++] = bins[b][k];
				tx = out;
			}
			uint16_t sent = rte_eth_tx_burst(port, q, tx, nout);
			if (sent < nout)
				rte_pktmbuf_free_bulk(tx + sent, nout - sent);
			n += sent;
		}
	}
	done[rte_lcore_id()] = n;
	return 0;
}

/* 4096 TCP frames to port 5001 from varying source ports, onto queue q. */
static int
seed(struct rte_mempool *pool, uint16_t q)
{
	for (unsigned i = 0; i < SEED_FRAMES; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		if (!m)
			return -1;
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, 60);
		memset(d, 0, 60);
		struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(40);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(0xc6120001);
		ip->dst_addr = rte_cpu_to_be_32(0xc6130001);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
		th->src_port = rte_cpu_to_be_16((uint16_t)(1024 + i));
		th->dst_port = rte_cpu_to_be_16(5001);
		th->data_off = 5 << 4;
		th->tcp_flags = RTE_TCP_ACK_FLAG;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		if (rte_eth_tx_burst(port, q, &m, 1) != 1) {
			rte_pktmbuf_free(m);
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "fwd") != 0 && strcmp(argv[1], "chain") != 0)) {
		fprintf(stderr, "usage: bare_loop fwd|chain SECONDS [EAL args]\n");
		return 2;
	}
	chain = strcmp(argv[1], "chain") == 0;
	seconds = atof(argv[2]);
	argv[2] = argv[0];
	if (rte_eal_init(argc - 2, argv + 2) < 0)
		return 1;
	unsigned nq = rte_lcore_count();
	struct rte_mempool *pool = rte_pktmbuf_pool_create("bare", 32767, 256, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	struct rte_ring *rings[RTE_MAX_LCORE];
	for (unsigned q = 0; q < nq; q++) {
		char name[32];
		snprintf(name, sizeof(name), "bare%u", q);
		rings[q] = rte_ring_create(name, 8192, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	}
	int id = rte_eth_from_rings("bare_loop", rings, nq, rings, nq, rte_socket_id());
	struct rte_eth_conf conf = { 0 };
	if (!pool || id < 0)
		return 1;
	port = (uint16_t)id;
	rte_eth_dev_configure(port, (uint16_t)nq, (uint16_t)nq, &conf);
	for (uint16_t q = 0; q < nq; q++) {
		rte_eth_rx_queue_setup(port, q, 1024, rte_socket_id(), NULL, pool);
		rte_eth_tx_queue_setup(port, q, 1024, rte_socket_id(), NULL);
	}
	rte_eth_dev_start(port);
	for (uint16_t q = 0; q < nq; q++)
		if (seed(pool, q) < 0)
			return 1;
	uint16_t q = 1;
	unsigned lc;
	RTE_LCORE_FOREACH_WORKER(lc)
		rte_eal_remote_launch(loop, (void *)(uintptr_t)q++, lc);
	uint64_t start = rte_rdtsc();
	loop((void *)0);
	rte_eal_mp_wait_lcore();
	double dt = (double)(rte_rdtsc() - start) / (double)rte_get_tsc_hz();
	uint64_t total = 0;
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		total += done[i];
	printf("%.0f\n", (double)total / dt);
	rte_eth_dev_stop(port);
	rte_eal_cleanup();
	return 0;
}
