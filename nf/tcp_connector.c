/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The active side of TCP: opening connections at a rate from the worker's
 * share of source addresses, and finding them again (tcp_connector.h).
 */
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "tcp_connector.h"
#include "tcp_params.h"

const struct nfg_param tcp_connector_target_fields[] = {
	{ .name = "ip", .type = NFG_T_IP, .doc = "server address, IPv4 or IPv6" },
	{ .name = "port", .type = NFG_T_INT, .min = 1, .max = 65535, .doc = "server port" },
	{ .name = "weight", .type = NFG_T_INT, .def = "1", .min = 1, .max = 1024,
	  .doc = "share of the connections" },
	{ 0 },
};

/* ---- slots -------------------------------------------------------------- */

void
tcp_connector_released(struct tcp_connector *k, struct tcp_conn *c)
{
	uint32_t tail = (k->free_head + k->free_count) % k->e.nb_conns;

	k->free_fifo[tail] = conn_index(&k->e, c);
	k->free_count++;
	k->active--;
	c->record = UINT32_MAX;
}

void
tcp_connector_time_wait(struct tcp_connector *k, struct tcp_conn *c)
{
	uint32_t tail = (k->tw_head + k->tw_count) % k->e.nb_conns;

	if (k->tw_count == k->e.nb_conns) /* cannot happen: one entry per slot */
		return;
	k->tw_fifo[tail].slot = conn_index(&k->e, c);
	k->tw_fifo[tail].id = c->id;
	k->tw_count++;
}

/* No slot is free: the oldest still in TIME_WAIT ends it now. */
static bool
reuse_time_wait(struct tcp_connector *k)
{
	struct tcp_engine *e = &k->e;

	while (k->tw_count) {
		uint32_t slot = k->tw_fifo[k->tw_head].slot, id = k->tw_fifo[k->tw_head].id;
		k->tw_head = (k->tw_head + 1) % e->nb_conns;
		k->tw_count--;
		struct tcp_conn *c = &e->conns[slot];
		if (c->state == TCP_TIME_WAIT && c->id == id) {
			e->ctr[TC_TIME_WAIT_RECYCLED]++;
			tcp_release(e, c, CAUSE_ACTIVE_CLOSE);
			return true;
		}
	}
	return false;
}

static void
open_one(struct tcp_connector *k)
{
	const struct tcp_connector_config *cfg = k->cfg;
	struct tcp_engine *e = &k->e;

	if (k->free_count == 0 && !reuse_time_wait(k))
		return;
	uint32_t idx = k->free_fifo[k->free_head];

	k->free_head = (k->free_head + 1) % e->nb_conns;
	k->free_count--;
	struct tcp_conn *c = &e->conns[idx];
	uint16_t t = cfg->schedule[k->next_target];
	k->next_target = (k->next_target + 1) % cfg->schedule_len;

	memset(c, 0, sizeof(*c));
	local_share_addr(&cfg->share, k->worker, idx, &c->local_ip, &c->local_port);
	c->remote_ip = cfg->target_ip[t];
	if (unlikely(cfg->target_is6[t])) {
		struct tcp_addr6 *a = &e->addr6[idx];
		c->v6 = 1;
		if (cfg->share.ipv6) {
			local_share_addr6(&cfg->share, c->local_ip, a->local);
			c->local_ip = tcp_ip6_fold(a->local);
		} else {
			memcpy(a->local, cfg->src_ip6, 16);
			c->local_ip = k->src_fold6;
		}
		c->remote_ip = k->target_fold6[t];
		memcpy(a->remote, cfg->target_ip6[t], 16);
	}
	c->remote_port = cfg->target_port[t];
	c->id = k->next_id;
	k->next_id += k->id_stride;
	tcp_record_open(e, c);
	k->opened++;
	k->active++;
	tcp_connect(e, c);
}

/* How many connections the rate, the quota and the free slots allow now. */
static uint32_t
budget(struct tcp_connector *k, uint64_t tsc)
{
	const struct tcp_connector_config *cfg = k->cfg;
	uint64_t left = k->quota - k->opened;
	uint32_t n = (uint32_t)RTE_MIN(left, (uint64_t)k->free_count + k->tw_count);

	/* Connections in TIME_WAIT are closed: they hold a port, not a place. */
	uint32_t open = k->active - k->e.nb_time_wait;
	if (cfg->concurrency)
		n = RTE_MIN(n, cfg->concurrency > open ? cfg->concurrency - open : 0);
	if (tsc < k->start_tsc) {
		k->last_tsc = tsc; /* not started yet: no tokens pile up */
		return 0;
	}
	if (k->per_tsc > 0) {
		double scale = 1.0;
		if (k->ramp_tsc && tsc - k->start_tsc < k->ramp_tsc)
			scale = (double)(tsc - k->start_tsc) / (double)k->ramp_tsc;
		k->tokens += (double)(tsc - k->last_tsc) * k->per_tsc * scale;
		k->last_tsc = tsc;
		if (k->tokens > 64)
			k->tokens = 64; /* at most one burst of catch-up */
		n = RTE_MIN(n, (uint32_t)k->tokens);
		k->tokens -= n;
	}
	return RTE_MIN(n, 64u);
}

/* ---- the data path ------------------------------------------------------ */

static struct tcp_conn *
lookup(struct tcp_connector *k, struct rte_mbuf *m, const struct rte_tcp_hdr *th)
{
	uint32_t slot = local_share_slot(&k->cfg->share, k->worker,
					 local_share_name(&k->cfg->share, m), th->dst_port);

	if (slot == UINT32_MAX)
		return NULL;
	struct tcp_conn *c = &k->e.conns[slot];
	const struct rte_ipv6_hdr *ip6 = tcp_segment_ip6(m);
	/* A slot reused for another target is not this segment's connection. */
	if (c->remote_port != th->src_port || c->v6 != (ip6 != NULL))
		return NULL;
	if (likely(!ip6))
		return c->remote_ip == ((const struct rte_ipv4_hdr *)nfg_l3(m))->src_addr ? c : NULL;
	return tcp_ip6_matches(&k->e.addr6[slot], ip6) ? c : NULL;
}

uint16_t
tcp_connector_process(struct rte_graph *graph, struct rte_node *node, void **objs,
		      uint16_t nb_objs)
{
	struct tcp_connector *k = nfg_node_state(node);
	struct tcp_engine *e = &k->e;

	tcp_engine_tick(e, graph, nfg_clock());
	for (uint16_t i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];
		if (i + 1 < nb_objs)
			rte_prefetch0(rte_pktmbuf_mtod((struct rte_mbuf *)objs[i + 1], void *));
		struct rte_tcp_hdr *th = tcp_segment_check(e, m);
		if (!th)
			continue;
		struct tcp_conn *c = lookup(k, m, th);
		/* Another worker's connection (steering missed it): a reset from
		 * here would kill it, so only count it. */
		if (!c && local_share_foreign(&k->cfg->share, k->worker,
					      local_share_name(&k->cfg->share, m), th->dst_port)) {
			nfg_drop(node, TC_DROP_NOT_OWNER, &m, 1);
			continue;
		}
		tcp_input(e, c, m);
	}
	tcp_flush(e);
	return nb_objs;
}

/* After a walk, while there is anything to do: timers, and new connections as
 * the rate allows. What they send is enqueued now and leaves on the next
 * walk. A connector that opened its quota and saw every connection end is not
 * polled again. */
void
tcp_connector_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct tcp_connector *k = nfg_node_state(node);
	struct tcp_engine *e = &k->e;
	uint64_t tsc = nfg_clock();
	bool stopping = nfg_stopping();

	tcp_engine_tick(e, graph, tsc);
	/* A peer outside keeps what we leave open: reset it. */
	if (stopping)
		tcp_abort_open(e);
	tcp_timers_poll(e, tsc);
	uint32_t n = stopping ? 0 : budget(k, tsc);
	for (uint32_t i = 0; i < n; i++)
		open_one(k);
	tcp_flush(e);
	if (k->active > 0 || (!stopping && k->opened < k->quota))
		nfg_node_poll_request(node);
}

bool
tcp_connector_done(struct rte_node *node)
{
	const struct tcp_connector *k = nfg_node_state(node);

	return k && k->quota != UINT64_MAX && k->opened >= k->quota && k->active == 0;
}

/* ---- setup -------------------------------------------------------------- */

static int
parse_targets(struct nfg_instance *inst, struct tcp_connector_config *cfg)
{
	json_t *targets = nfg_param(inst, "targets"), *t;
	size_t i;
	uint32_t total = 0;

	json_array_foreach(targets, i, t) {
		uint8_t a[16];
		int family = AF_INET; /* the loader checked it as NFG_T_IP */
		nfg_parse_ip(json_string_value(json_object_get(t, "ip")), &family, a);
		if (local_share_check_peer_ip(inst, "targets", i,
					      json_string_value(json_object_get(t, "ip")), family, a,
					      &cfg->src, nfg_param_string(inst, "port")) < 0)
			return -1;
		cfg->target_is6[i] = family == AF_INET6;
		if (cfg->target_is6[i])
			memcpy(cfg->target_ip6[i], a, 16);
		else
			memcpy(&cfg->target_ip[i], a, 4);
		cfg->any_v6 |= cfg->target_is6[i];
		cfg->target_port[i] = rte_cpu_to_be_16((uint16_t)json_integer_value(json_object_get(t, "port")));
		total += (uint32_t)json_integer_value(json_object_get(t, "weight"));
	}
	if (total > TCP_CONNECTOR_WEIGHT_SLOTS)
		return nfg_error(inst, "targets", "weights add up to %u; at most %u", total,
				 TCP_CONNECTOR_WEIGHT_SLOTS);
	json_array_foreach(targets, i, t) {
		json_int_t wgt = json_integer_value(json_object_get(t, "weight"));
		for (json_int_t k = 0; k < wgt; k++)
			cfg->schedule[cfg->schedule_len++] = (uint16_t)i;
	}
	return 0;
}

int
tcp_connector_setup(struct nfg_instance *inst, struct tcp_connector_config *cfg,
		    uint64_t per_conn)
{
	if (tcp_engine_config_read(inst, &cfg->engine) < 0 ||
	    local_share_parse_ips(inst, "src_ips", &cfg->src) < 0 || parse_targets(inst, cfg) < 0)
		return -1;
	char v4_target[32] = "";
	for (uint32_t i = 0; i < cfg->schedule_len && !v4_target[0]; i++)
		if (!cfg->target_is6[cfg->schedule[i]])
			snprintf(v4_target, sizeof(v4_target), "target %u", cfg->schedule[i]);
	if (local_share_check_peers(inst, "src_ips", &cfg->src, v4_target[0] ? v4_target : NULL,
				    cfg->any_v6, "targets", nfg_param_string(inst, "port")) < 0)
		return -1;
	nfg_parse_portrange(nfg_param(inst, "src_ports"), &cfg->port_lo, &cfg->port_hi);
	unsigned workers = nfg_worker_count();
	if (local_share_init(&cfg->share, inst, nfg_param_string(inst, "port"), "src_ips",
			     &cfg->src, cfg->port_lo, cfg->port_hi) < 0)
		return -1;
	cfg->rate = nfg_param_number(inst, "rate");
	cfg->ramp_s = nfg_param_number(inst, "ramp_s");
	cfg->start_s = nfg_param_number(inst, "start_s");
	cfg->connections = (uint64_t)nfg_param_int(inst, "connections");
	cfg->concurrency = (uint32_t)nfg_param_int(inst, "concurrency");

	/* A connector that knows how many connections it makes keeps no more records. */
	cfg->records = tcp_records_capacity(inst);
	if (cfg->connections && cfg->connections / workers + 1 < cfg->records)
		cfg->records = (uint32_t)(cfg->connections / workers + 1);
	uint64_t slots = 0;
	for (unsigned w = 0; w < workers; w++) {
		uint64_t ips = local_share_ips(&cfg->share, w);
		uint64_t n = (ips ? ips : 1) * local_share_ports_per_ip(&cfg->share, w);
		slots = n > slots ? n : slots;
	}
	nfg_instance_reserve_memory(inst, workers * slots * (TCP_SLOT_BYTES + 4 + 8 + per_conn) +
					  workers * (uint64_t)cfg->records *
						  sizeof(struct session_record));
	nfg_instance_reserve_mbufs(inst, workers * (TCP_OUT_MAX + TCP_OOO_MAX + TCP_STASH +
						    TCP_DONE_MAX));
	return 0;
}

int
tcp_connector_start(struct nfg_instance *inst, struct tcp_connector_config *cfg)
{
	if (!nfg_port_get(nfg_param_string(inst, "port")))
		return nfg_error(inst, "port", "the port did not start");
	const struct nfg_port *port = tcp_engine_config_port(inst, &cfg->engine);

	if (!port)
		return -1;
	/* The port has the addresses needed (local_share_check_peers, at setup). */
	if (cfg->any_v6)
		memcpy(cfg->src_ip6, port->ipv6[0], 16);
	/* Over IPv6 only, the IPv4 address merely names the slots. */
	if (cfg->src.nb == 0)
		local_share_set_address(&cfg->share, port->nb_ipv4 ? ntohl(port->ipv4[0]) : 0);
	return 0;
}

void
tcp_connector_config_free(struct tcp_connector_config *cfg)
{
	local_share_free(&cfg->share);
}


int
tcp_connector_init(struct tcp_connector *k, struct nfg_instance *inst,
		   const struct tcp_connector_config *cfg, const struct tcp_app *app,
		   void *app_ctx, unsigned worker, struct rte_node *node, int socket)
{
	const struct nfg_port *port = nfg_port_get(nfg_param_string(inst, "port"));
	unsigned workers = nfg_worker_count();
	uint32_t nb_ips = local_share_ips(&cfg->share, worker);
	uint32_t per_ip = local_share_ports_per_ip(&cfg->share, worker);
	uint32_t nb = nb_ips * per_ip;

	k->cfg = cfg;
	k->worker = worker;
	if (tcp_engine_init(&k->e, &cfg->engine, app, app_ctx, nb, cfg->records,
			    REC_ROLE_CLIENT, node, socket) < 0)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u connection slots and "
				 "%u records; give more (-- --no-huge -m MB) or use fewer source "
				 "addresses", worker, nb, cfg->records);
	k->e.tx_cksum_offload = port && (port->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
				(port->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	if (cfg->any_v6) {
		k->src_fold6 = tcp_ip6_fold(cfg->src_ip6);
		for (uint32_t t = 0; t < cfg->schedule_len; t++)
			k->target_fold6[cfg->schedule[t]] = tcp_ip6_fold(cfg->target_ip6[cfg->schedule[t]]);
	}
	k->free_fifo = rte_malloc_socket("tcp_connector_free", nb * sizeof(uint32_t), 0, socket);
	k->tw_fifo = rte_malloc_socket("tcp_connector_tw", nb * sizeof(*k->tw_fifo), 0, socket);
	if (!k->free_fifo || !k->tw_fifo)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u connection slots",
				 worker, nb);
	local_share_slot_order(&cfg->share, worker, k->free_fifo);
	k->free_count = nb;
	k->quota = cfg->connections ? cfg->connections / workers +
					      (worker < cfg->connections % workers)
				    : UINT64_MAX;
	k->next_id = worker;
	k->id_stride = workers;
	k->per_tsc = cfg->rate > 0 ? cfg->rate / workers / (double)rte_get_tsc_hz() : 0;
	k->start_tsc = k->last_tsc = nfg_clock() +
				      (uint64_t)(cfg->start_s * (double)rte_get_tsc_hz());
	k->ramp_tsc = (uint64_t)(cfg->ramp_s * (double)rte_get_tsc_hz());
	return 0;
}

void
tcp_connector_fini(struct tcp_connector *k, struct nfg_instance *inst)
{
	if (k->e.conns) {
		for (uint32_t i = 0; i < k->e.nb_conns; i++)
			if (k->e.conns[i].state != TCP_CLOSED)
				tcp_release(&k->e, &k->e.conns[i], CAUSE_ABORTED);
		tcp_records_flush(inst, &k->e);
	}
	tcp_engine_free(&k->e);
	rte_free(k->free_fifo);
	rte_free(k->tw_fifo);
}
