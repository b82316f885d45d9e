/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "nfg/operator.h"
#include "host_secret.h"
#include "tcp_engine.h"

uint64_t tcp_ip6_key[2];

void
tcp_ip6_key_init(void)
{
	/* Engines start on the main lcore, one after another: no race. */
	if (tcp_ip6_key[0] == 0) {
		tcp_ip6_key[0] = rte_rand() | 1;
		tcp_ip6_key[1] = rte_rand();
	}
}

#define WHEEL_SLOTS 8192 /* of 1 ms: timers up to 8 s need no extra turn */

int
tcp_engine_init(struct tcp_engine *e, const struct tcp_engine_config *cfg,
		const struct tcp_app *app, void *app_ctx, uint32_t nb_conns, uint32_t nb_records,
		uint8_t role, struct rte_node *node, int socket)
{
	e->cfg = cfg;
	e->app = app;
	e->app_ctx = app_ctx;
	e->nb_conns = nb_conns;
	e->role = role;
	e->node = node;
	e->ctr = nfg_node_counters(node);
	e->pool = nfg_pktmbuf_pool();
	e->tsc_per_us = RTE_MAX(rte_get_tsc_hz() / 1000000, (uint64_t)1);
	/* One time base for every engine of the process, so session records of
	 * different operators compare (nfproxy's two halves; a client and its
	 * server on the wire). */
	static uint64_t process_start_tsc, process_start_host_us;
	if (!process_start_tsc) {
		process_start_tsc = nfg_clock();
		process_start_host_us = nfg_host_clock_us();
	}
	e->start_tsc = process_start_tsc;
	e->start_host_us = process_start_host_us;
	/* The timestamp clock (RFC 7323 5.4: 1 ms to 1 s per tick): the TSC
	 * shifted, so reading it costs a shift per burst; from the boot's clock
	 * (so a later run's TSvals are above this one's: host_secret.h) plus an
	 * offset from the boot's key, so it tells nothing of our uptime. */
	uint64_t hz = rte_get_tsc_hz();
	e->ts_shift = 0;
	while (e->ts_shift < 63 && (1ull << e->ts_shift) < hz / 1000)
		e->ts_shift++;
	uint64_t tick_us = ((1ull << e->ts_shift) * 1000000) / (hz ? hz : 1);
	e->ts_tick_us = (uint32_t)(tick_us ? tick_us : 1);
	uint64_t key[2];
	nfg_host_secret(key);
	e->ts_base = (uint32_t)((key[0] ^ key[1]) >> 32) +
		     (uint32_t)(e->start_host_us / e->ts_tick_us);
	e->ts_now = e->ts_base;
	e->ts_now_be = rte_cpu_to_be_32(e->ts_now);
	e->ts_now_sum = (e->ts_now_be & 0xffff) + (e->ts_now_be >> 16);
	e->conns = rte_zmalloc_socket("tcp_conns", (size_t)nb_conns * sizeof(struct tcp_conn),
				      RTE_CACHE_LINE_SIZE, socket);
	if (!e->conns)
		return -1;
	for (uint32_t i = 0; i < nb_conns; i++)
		e->conns[i].record = UINT32_MAX;
	if (cfg->ipv6) {
		tcp_ip6_key_init();
		e->addr6 = rte_malloc_socket("tcp_addr6", (size_t)nb_conns * sizeof(*e->addr6), 0,
					     socket);
		if (!e->addr6) {
			tcp_engine_free(e);
			return -1;
		}
	}
	e->probes = rte_malloc_socket("tcp_probes", (size_t)nb_conns * sizeof(*e->probes), 0,
				      socket);
	if (!e->probes) {
		tcp_engine_free(e);
		return -1;
	}
	tcp_header_template(e);
	e->ooo = rte_malloc_socket("tcp_ooo", TCP_OOO_MAX * sizeof(*e->ooo), 0, socket);
	e->recovery = rte_malloc_socket("tcp_recovery", TCP_RECOVERY_MAX * sizeof(*e->recovery),
					0, socket);
	e->recovery_free = rte_malloc_socket("tcp_recovery_free",
					     TCP_RECOVERY_MAX * sizeof(uint32_t), 0, socket);
	if (!e->recovery || !e->recovery_free)
		return -1;
	for (uint32_t i = 0; i < TCP_RECOVERY_MAX; i++)
		e->recovery_free[i] = TCP_RECOVERY_MAX - 1 - i;
	e->nb_recovery_free = TCP_RECOVERY_MAX;
	if (!e->ooo || tw_init(&e->tw, nb_conns, WHEEL_SLOTS, 1000, socket) < 0 ||
	    records_init(&e->records, nb_records, socket) < 0) {
		tcp_engine_free(e);
		return -1;
	}
	return 0;
}

void
tcp_record_open(struct tcp_engine *e, struct tcp_conn *c)
{
	c->record = records_open(&e->records);
	if (c->record == UINT32_MAX) {
		if (e->records.cap)
			e->ctr[TC_RECORDS_FULL]++;
		return;
	}
	struct session_record *r = &e->records.r[c->record];
	r->local_ip = c->local_ip;
	r->remote_ip = c->remote_ip;
	r->v6 = c->v6;
	if (c->v6) {
		const struct tcp_addr6 *a = tcp_conn_addr6(e, c);
		memcpy(r->local_ip6, a->local, 16);
		memcpy(r->remote_ip6, a->remote, 16);
	}
	r->local_port = c->local_port;
	r->remote_port = c->remote_port;
	r->conn_id = c->id;
	r->role = e->role;
}

void
tcp_engine_free(struct tcp_engine *e)
{
	for (uint16_t i = 0; i < e->nb_out; i++)
		rte_pktmbuf_free(e->out[i]);
	e->nb_out = 0;
	for (uint32_t i = 0; i < e->nb_ooo; i++)
		rte_pktmbuf_free(e->ooo[i].m);
	e->nb_ooo = 0;
	rte_pktmbuf_free_bulk(e->stash, e->nb_stash);
	e->nb_stash = 0;
	rte_pktmbuf_free_bulk(e->done, e->nb_done);
	e->nb_done = 0;
	rte_free(e->ooo);
	e->ooo = NULL;
	rte_free(e->recovery);
	rte_free(e->recovery_free);
	e->recovery = NULL;
	e->recovery_free = NULL;
	tw_free(&e->tw);
	records_free(&e->records);
	rte_free(e->conns);
	e->conns = NULL;
	rte_free(e->addr6);
	e->addr6 = NULL;
	rte_free(e->probes);
	e->probes = NULL;
}
