/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Hand-written baselines for the graph-overhead benchmarks: the work of
 * nfg's bench graphs written as one plain DPDK loop per core, on the same
 * kind of port — a net_ring port whose tx comes back on its rx, seeded with
 * 4096 Ethernet/IPv4/TCP frames per queue that then circulate.
 *
 *   fwd       rx -> tx                     (bench/loop-fwd.json)
 *   chain     rx -> parse -> filter -> split -> merge -> tx
 *                                          (bench/loop-chain.json)
 *   firewall  rx -> parse -> filter of 100 rules (rte_acl) -> tx
 *                                          (bench/loop-firewall.json)
 *
 * The same work means the same code for each step: the header checks are
 * parse's (parse_frame.h), the rules are the filter node's own, compiled by
 * nfg's loader from the same graph file (filter_rules.h; the rte_acl context
 * built by filter_acl.c), the split is the same hash scaled the same way, and
 * the same counters are kept per burst (packets in and calls per step, parsed,
 * per rule, sent). What the baseline leaves out is the graph itself: no node
 * dispatch, no streams between nodes, no walk, no polls.
 *
 * usage: bare_loop fwd|chain|firewall SECONDS BURST [EAL args]; one loop per
 * lcore given. Prints packets/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "../model/model.h"
#include "../operators/filter_rules.h"
#include "../operators/parse_frame.h"

#define MAX_BURST 256
#define SEED_FRAMES 4096

enum mode { FWD, CHAIN, FIREWALL };

/* What the graph's nodes count: packets and calls per step, and the
 * operators' own counters. Per core, plain words, added per burst. */
struct counters {
	uint64_t packets[5], calls[5];
	uint64_t parsed, malformed, sent, dropped;
	uint64_t *rule;            /* [nb_rules + 1]: the last is no_rule_matched */
} __rte_cache_aligned;

static enum mode mode;
static double seconds;
static uint16_t port, burst;
static const struct filter_config *fw;
static unsigned nb_outputs;
static struct counters counters[RTE_MAX_LCORE];
static uint64_t done[RTE_MAX_LCORE];

/* parse: the fast path, the full parser for the rest; malformed dropped. */
static uint16_t
parse_burst(struct counters *c, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t kept = 0;

	/* The same prefetches as parse's: the next frame's data, the mbuf after. */
	rte_prefetch0(pkts[0]);
	if (n > 1)
		rte_prefetch0(pkts[1]);
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (i + 2 < n)
			rte_prefetch0(pkts[i + 2]);
		if (likely(parse_fast(pkts[i], false) || parse_frame(pkts[i], false) == PARSE_PARSED))
			pkts[kept++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	c->parsed += kept;
	c->malformed += n - kept;
	return kept;
}

/* filter: the first matching rule of each packet, counted per run, as the
 * filter node decides (compiled rules; rte_acl for large IPv4 rule sets). */
static uint16_t
filter_burst(struct counters *c, struct rte_mbuf **pkts, uint16_t n,
	     struct filter_acl_batch *acl)
{
	int32_t rule[MAX_BURST];
	uint16_t kept = 0;
	bool use_acl = fw->acl != NULL;

	for (uint16_t i = 0; i < n; i++) {
		struct filter_packet pk;
		if (i + 4 < n) /* as filter's */
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		if (!use_acl && filter_fast_packet(pkts[i])) {
			rule[i] = filter_fast_match(fw, pkts[i]);
			continue;
		}
		filter_packet_read(pkts[i], &pk);
		if (use_acl && pk.family == 4)
			filter_acl_add(acl, &pk, i);
		else
			rule[i] = filter_match(fw, &pk);
	}
	if (use_acl)
		filter_acl_classify(fw, acl, rule);
	for (uint16_t i = 0, start = 0; i <= n; i++) {
		if (i < n && rule[i] == rule[start])
			continue;
		if (i > start)
			c->rule[rule[start] >= 0 ? (unsigned)rule[start] : fw->nb_rules] += i - start;
		start = i;
	}
	for (uint16_t i = 0; i < n; i++) {
		uint16_t edge = rule[i] >= 0 ? fw->rules[rule[i]].edge : fw->default_edge;
		if (edge == FILTER_MATCH)
			pkts[kept++] = pkts[i];
		else
			rte_pktmbuf_free(pkts[i]);
	}
	c->dropped += n - kept;
	return kept;
}

static int
loop(void *arg)
{
	uint16_t q = (uint16_t)(uintptr_t)arg;
	struct counters *c = &counters[rte_lcore_id()];
	struct rte_mbuf *pkts[MAX_BURST], *bins[16][MAX_BURST], *out[MAX_BURST];
	uint64_t end = rte_rdtsc() + (uint64_t)(seconds * (double)rte_get_tsc_hz());
	struct filter_acl_batch *acl = calloc(1, sizeof(*acl));

	c->rule = fw ? calloc(fw->nb_rules + 1, sizeof(uint64_t)) : NULL;
	while (rte_rdtsc() < end) {
		for (int k = 0; k < 256; k++) {
			uint16_t n = rte_eth_rx_burst(port, q, pkts, burst), nout = n;
			struct rte_mbuf **tx = pkts;
			c->packets[0] += n;
			c->calls[0]++;
			if (n == 0)
				continue;
			if (mode != FWD) {
				n = parse_burst(c, pkts, n);
				c->packets[1] += n;
				c->calls[1]++;
				n = filter_burst(c, pkts, n, acl);
				c->packets[2] += n;
				c->calls[2]++;
				nout = n;
			}
			if (mode == CHAIN) {
				/* split by the symmetric flow hash, then merge */
				unsigned nbin[16] = { 0 };
				for (uint16_t i = 0; i < n; i++) {
					uint32_t b = nfg_hash_bucket(nfg_flow_hash_symmetric(pkts[i]),
								     nb_outputs);
					bins[b][nbin[b]++] = pkts[i];
				}
				nout = 0;
				for (unsigned b = 0; b < nb_outputs; b++) {
					memcpy(out + nout, bins[b], nbin[b] * sizeof(out[0]));
					nout += (uint16_t)nbin[b];
				}
				c->packets[3] += nout;
				c->calls[3]++;
				tx = out;
			}
			uint16_t sent = rte_eth_tx_burst(port, q, tx, nout);
			if (sent < nout)
				rte_pktmbuf_free_bulk(tx + sent, nout - sent);
			c->packets[4] += nout;
			c->calls[4]++;
			c->sent += sent;
			c->dropped += nout - sent;
		}
	}
	done[rte_lcore_id()] = c->sent;
	free(acl);
	return 0;
}

/* 4096 TCP frames to port 5001 from varying source ports, onto queue q: the
 * frames the bench graphs' generator makes. */
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
		ip->total_length = rte_cpu_to_be_16(46);
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

/* The filter (and split) of the bench graph, set up by nfg's own loader. */
static int
load_graph(const char *file)
{
	struct nfg_graph *g = nfg_graph_load(file, NULL, 0);
	struct nfg_instance *inst = g ? nfg_instance_find("fw") : NULL;

	if (!inst) {
		fprintf(stderr, "bare_loop: %s has no node fw\n", file);
		return -1;
	}
	fw = nfg_instance_config(inst);
	struct nfg_instance *split = nfg_instance_find("split");
	nb_outputs = split ? nfg_instance_nb_outputs(split) : 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = { "fwd", "chain", "firewall" };
	static const char *const graphs[] = { NULL, "bench/loop-chain.json",
					      "bench/loop-firewall.json" };
	int m = -1;

	for (int i = 0; argc >= 4 && i < 3; i++)
		if (strcmp(argv[1], modes[i]) == 0)
			m = i;
	if (m < 0) {
		fprintf(stderr, "usage: bare_loop fwd|chain|firewall SECONDS BURST [EAL args]\n");
		return 2;
	}
	mode = (enum mode)m;
	seconds = atof(argv[2]);
	int b = atoi(argv[3]);
	burst = (uint16_t)(b < 1 ? 1 : b > MAX_BURST ? MAX_BURST : b);
	if (graphs[m] && load_graph(graphs[m]) < 0)
		return 1;
	argv[3] = argv[0];
	if (rte_eal_init(argc - 3, argv + 3) < 0)
		return 1;
	if (fw && fw->use_acl && filter_acl_build((struct filter_config *)fw, NULL) < 0)
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
