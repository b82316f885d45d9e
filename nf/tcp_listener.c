/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The passive side of TCP: accepting, finding and freeing the connections
 * peers open (tcp_listener.h).
 */
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "tcp_listener.h"
#include "tcp_params.h"

const char *const tcp_listener_full_policies[] = { "rst", "drop", NULL };

/* ---- accepting ---------------------------------------------------------- */

/* Frees the oldest connection still half open, if any. */
static void
evict_half_open(struct tcp_listener *l)
{
	uint32_t idx = half_open_oldest(&l->half_open);

	if (idx != HALF_OPEN_NONE) {
		l->e.ctr[TC_HALF_OPEN_EVICTED]++;
		tcp_release(&l->e, &l->e.conns[idx], CAUSE_ABORTED);
	}
}

static void
accept_syn(struct tcp_listener *l, struct rte_mbuf *m, const struct rte_tcp_hdr *th,
	   uint32_t hash)
{
	struct tcp_engine *e = &l->e;

	if (l->free_top == 0)
		evict_half_open(l);
	uint32_t idx = l->free_top ? l->free_stack[l->free_top - 1] : UINT32_MAX;

	if (idx == UINT32_MAX || tuple_table_add(&l->table, hash, idx) < 0) {
		/* Full: say so (RST) or stay silent, as configured; counted either way. */
		if (e->cfg->rst_when_full) {
			nfg_count(e->node, TC_DROP_TABLE_FULL, 1);
			tcp_reply_rst(e, m);
		} else {
			nfg_drop(e->node, TC_DROP_TABLE_FULL, &m, 1);
		}
		return;
	}
	l->free_top--;
	half_open_add(&l->half_open, idx);
	struct tcp_conn *c = &e->conns[idx];
	memset(c, 0, sizeof(*c));
	tcp_conn_addresses_from(e, c, m);
	c->remote_port = th->src_port;
	c->local_port = th->dst_port;
	c->id = idx;
	tcp_record_open(e, c);
	tcp_accept(e, c, m);
	tcp_mbuf_done(e, m);
}

/* A segment for a 4-tuple in TIME_WAIT (RFC 9293 3.10.7.4). Returns true when
 * it was dealt with; false for a SYN that may open a new incarnation. */
static bool
time_wait_segment(struct tcp_listener *l, struct tw_entry *tw, const struct rte_tcp_hdr *th,
		  struct rte_mbuf *m, bool syn)
{
	struct tcp_engine *e = &l->e;

	if (syn && SEQ_GT(rte_be_to_cpu_32(th->sent_seq), tw->rcv_nxt)) {
		time_wait_remove(&l->time_wait, tw);
		return false;
	}
	if ((th->tcp_flags & RTE_TCP_FIN_FLAG) && !(th->tcp_flags & RTE_TCP_RST_FLAG)) {
		/* The peer did not get our last ACK: acknowledge its FIN again. */
		struct tcp_conn ghost = {
			.remote_ip = tw->remote_ip, .local_ip = tw->local_ip,
			.remote_port = tw->remote_port, .local_port = tw->local_port,
			.rcv_nxt = tw->rcv_nxt,
		};
		const struct rte_ipv6_hdr *ip6 = tcp_segment_ip6(m);
		if (ip6) { /* the store keeps folds: the addresses are the segment's */
			ghost.v6 = 1;
			tcp_ip6_from_segment(&e->ghost6, ip6);
		}
		tcp_send_control(e, &ghost, RTE_TCP_ACK_FLAG, tw->snd_nxt);
		tcp_mbuf_done(e, m);
		return true;
	}
	/* Anything else is past the end of the connection (a RST too, RFC 1337). */
	nfg_drop(e->node, TC_DROP_OUT_OF_WINDOW, &m, 1);
	return true;
}

static void
segment(struct tcp_listener *l, struct rte_mbuf *m, uint32_t hash)
{
	struct tcp_engine *e = &l->e;
	struct rte_tcp_hdr *th = tcp_segment_check(e, m);

	if (!th)
		return;
	const struct rte_ipv6_hdr *ip6 = tcp_segment_ip6(m);
	bool syn = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
		   RTE_TCP_SYN_FLAG;
	struct tcp_conn *c = NULL;
	uint32_t rip, lip;
	tcp_segment_keys(m, &rip, &lip);
	uint32_t idx = tuple_table_find(&l->table, hash, e->conns, e->addr6, ip6, rip, lip,
					th->src_port, th->dst_port);

	if (idx != TUPLE_NONE) {
		c = &e->conns[idx];
	} else if (l->time_wait.live) {
		struct tw_entry *tw = time_wait_find(&l->time_wait, rip, lip, th->src_port,
						     th->dst_port);
		if (tw && time_wait_segment(l, tw, th, m, syn))
			return;
	}
	if (!c && syn &&
	    (ip6 ? listen_set_match6(&l->cfg->listen, ip6->dst_addr, th->dst_port)
		 : listen_set_match(&l->cfg->listen, lip, th->dst_port)) &&
	    tcp_engine_owns_destination(e, m)) { /* "*" is any address of ours */
		accept_syn(l, m, th, hash);
		return;
	}
	tcp_input(e, c, m);
}

void
tcp_listener_released(struct tcp_listener *l, struct tcp_conn *c)
{
	uint32_t idx = conn_index(&l->e, c);

	tuple_table_del(&l->table, tuple_table_hash(&l->table, c->remote_ip, c->local_ip,
						    c->remote_port, c->local_port), idx);
	half_open_remove(&l->half_open, idx);
	l->free_stack[l->free_top++] = idx;
	c->record = UINT32_MAX;
}

/* ---- the data path ------------------------------------------------------ */

/* Timers can only fall due while a connection holds a slot or a 4-tuple
 * waits in TIME_WAIT (in its slot, or in the store the timers sweep). */
static inline bool
has_timers(const struct tcp_listener *l)
{
	return l->free_top < l->cfg->max_connections || l->e.nb_time_wait != 0 ||
	       l->time_wait.live != 0;
}

uint16_t
tcp_listener_process(struct rte_graph *graph, struct rte_node *node, void **objs,
		     uint16_t nb_objs)
{
	struct tcp_listener *l = nfg_node_state(node);
	uint32_t hash[TUPLE_BURST], tw_bucket[TUPLE_BURST];

	tcp_engine_tick(&l->e, graph, nfg_clock());
	for (uint16_t base = 0; base < nb_objs; base += TUPLE_BURST) {
		struct rte_mbuf **pkts = (struct rte_mbuf **)objs + base;
		uint16_t n = RTE_MIN((uint16_t)(nb_objs - base), (uint16_t)TUPLE_BURST);
		/* First every segment's table cell (and for a SYN its TIME_WAIT
		 * chain), fetched while the others are hashed; then each SYN's
		 * newest TIME_WAIT entry; then the segments. */
		bool any_syn = false;
		for (uint16_t i = 0; i < n; i++) {
			hash[i] = tuple_table_segment_hash(&l->table, pkts[i]);
			tw_bucket[i] = UINT32_MAX;
			if (hash[i] && l->time_wait.live) {
				const struct rte_tcp_hdr *th = nfg_l4(pkts[i]);
				uint32_t rip, lip;
				if (th->tcp_flags & RTE_TCP_SYN_FLAG) {
					tcp_segment_keys(pkts[i], &rip, &lip);
					tw_bucket[i] = time_wait_prefetch(&l->time_wait, rip, lip,
									  th->src_port, th->dst_port);
					any_syn = true;
				}
			}
		}
		for (uint16_t i = 0; any_syn && i < n; i++)
			if (tw_bucket[i] != UINT32_MAX)
				time_wait_prefetch_entry(&l->time_wait, tw_bucket[i]);
		for (uint16_t i = 0; i < n; i++)
			segment(l, pkts[i], hash[i]);
	}
	tcp_flush(&l->e);
	if (has_timers(l))
		nfg_node_poll_request(node);
	return nb_objs;
}

/* After a walk, while connections live: the timers (retransmissions,
 * TIME_WAIT). A listener nobody talks to is not polled. */
void
tcp_listener_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct tcp_listener *l = nfg_node_state(node);
	uint64_t tsc = nfg_clock();
	bool stopping = nfg_stopping();

	if (has_timers(l))
		nfg_node_poll_request(node);
	if (tsc < l->e.next_tick_tsc && !stopping)
		return;
	tcp_engine_tick(&l->e, graph, tsc);
	/* A peer outside keeps what we leave open: reset it. */
	if (stopping)
		tcp_abort_open(&l->e);
	tcp_timers_poll(&l->e, tsc);
	tcp_flush(&l->e);
}

/* ---- setup -------------------------------------------------------------- */

int
tcp_listener_setup(struct nfg_instance *inst, struct tcp_listener_config *cfg,
		   uint64_t per_conn)
{
	if (tcp_engine_config_read(inst, &cfg->engine) < 0 ||
	    listen_set_parse(&cfg->listen, inst, "listen", nfg_param_string(inst, "port")) < 0)
		return -1;
	cfg->engine.rst_when_full = strcmp(nfg_param_string(inst, "table_full"), "rst") == 0;
	cfg->max_connections = (uint32_t)nfg_param_int(inst, "max_connections");
	cfg->time_wait_max = (uint32_t)nfg_param_int(inst, "time_wait_max");
	cfg->records = tcp_records_capacity(inst);

	uint64_t workers = nfg_worker_count();
	uint64_t conn = TCP_SLOT_BYTES + 8 + per_conn;
	nfg_instance_reserve_memory(inst, workers * (cfg->max_connections * conn +
						     tuple_table_memory(cfg->max_connections) +
						     time_wait_memory(cfg->time_wait_max) +
						     (uint64_t)cfg->records *
							     sizeof(struct session_record)));
	nfg_instance_reserve_mbufs(inst, workers * (TCP_OUT_MAX + TCP_OOO_MAX + TCP_STASH +
						    TCP_DONE_MAX));
	return 0;
}

int
tcp_listener_start(struct nfg_instance *inst, struct tcp_listener_config *cfg)
{
	const struct nfg_port *port = nfg_port_get(nfg_param_string(inst, "port"));

	if (!port)
		return nfg_error(inst, "port", "the port did not start");
	return tcp_engine_config_port(inst, &cfg->engine) ? 0 : -1;
}

int
tcp_listener_init(struct tcp_listener *l, struct nfg_instance *inst,
		  const struct tcp_listener_config *cfg, const struct tcp_app *app,
		  void *app_ctx, unsigned worker, struct rte_node *node, int socket)
{
	const struct nfg_port *port = nfg_port_get(nfg_param_string(inst, "port"));

	l->cfg = cfg;
	if (tcp_engine_init(&l->e, &cfg->engine, app, app_ctx, cfg->max_connections, cfg->records,
			    REC_ROLE_SERVER, node, socket) < 0)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u connections and "
				 "%u records; give more (-- --no-huge -m MB) or lower max_connections",
				 worker, cfg->max_connections, cfg->records);
	l->e.tx_cksum_offload = port && (port->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
				(port->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	int table = tuple_table_init(&l->table, cfg->max_connections, socket);
	l->free_stack = rte_malloc_socket("tcp_listener_free",
					  cfg->max_connections * sizeof(uint32_t), 0, socket);
	if (table < 0 || !l->free_stack)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for the table of %u "
				 "connections", worker, cfg->max_connections);
	for (uint32_t i = 0; i < cfg->max_connections; i++)
		l->free_stack[i] = cfg->max_connections - 1 - i;
	l->free_top = cfg->max_connections;
	if (time_wait_init(&l->time_wait, cfg->time_wait_max, cfg->engine.time_wait_ms * 1000,
			   socket) < 0)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u TIME_WAIT entries; "
				 "give more (-- --no-huge -m MB) or lower time_wait_max", worker,
				 cfg->time_wait_max);
	l->e.tws = &l->time_wait;
	return half_open_init(&l->half_open, cfg->max_connections, socket);
}

void
tcp_listener_fini(struct tcp_listener *l, struct nfg_instance *inst)
{
	if (l->e.conns && l->table.cells) {
		for (uint32_t i = 0; i < l->e.nb_conns; i++)
			if (l->e.conns[i].state != TCP_CLOSED)
				tcp_release(&l->e, &l->e.conns[i], CAUSE_ABORTED);
		tcp_records_flush(inst, &l->e);
	}
	tcp_engine_free(&l->e);
	tuple_table_free(&l->table);
	rte_free(l->free_stack);
	half_open_free(&l->half_open);
	time_wait_free(&l->time_wait);
}
