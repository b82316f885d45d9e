/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_server: the server half of nftraffic. It accepts connections on its
 * listen addresses, answers each request (delimited by a string such as
 * "\r\n\r\n", or by a byte count) with the configured response, and closes
 * after it or waits for the client to close.
 *
 * Connections are found by 4-tuple in a per-worker table (tuple_table.h),
 * each burst's cells prefetched before its segments are handled; slots come
 * from a preallocated array through a free stack. The server closes first, so it
 * is the side in TIME_WAIT: those 4-tuples wait in the compact store of
 * time_wait.h, not in the table, and a SYN for one with a higher sequence
 * number starts a new connection at once (RFC 9293 3.6.1), so clients can
 * reuse ports. Responses are all the same bytes, so any
 * offset of the outgoing stream is regenerated from them: no send buffers.
 */
#include <arpa/inet.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "half_open.h"
#include "listen_set.h"
#include "tuple_table.h"
#include "payload.h"
#include "tcp_params.h"

#define MAX_DELIM 64

struct conn_key {
	uint32_t remote_ip, local_ip;
	uint16_t remote_port, local_port;
};

struct server_config {
	struct tcp_engine_config engine;
	struct payload response;
	struct listen_set listen;
	uint8_t delim[MAX_DELIM];
	uint8_t delim_fail[MAX_DELIM];    /* KMP failure function of delim */
	unsigned delim_len;
	uint32_t request_bytes;
	bool close_after_response;
	uint32_t max_connections;
	uint32_t time_wait_max;
};

struct server_worker {
	struct tcp_engine e; /* first: the shared reporting reads it */
	const struct server_config *cfg;
	struct tuple_table table;
	uint32_t *free_stack;
	uint32_t free_top;
	/* When the table is full, a new SYN takes the place of the oldest
	 * half-open connection, so a SYN flood cannot keep real clients out for
	 * as long as the flood's SYN-ACKs are retried. */
	struct half_open half_open;
	struct time_wait time_wait;
};

static inline struct server_worker *
worker_of(struct tcp_engine *e)
{
	return e->app_ctx;
}


/* ---- the application ---------------------------------------------------- */

static void
respond(struct tcp_engine *e, struct tcp_conn *c)
{
	const struct server_config *cfg = worker_of(e)->cfg;

	e->ctr[TC_MSGS_RCVD]++;
	nfg_hist_add(&e->response_time, (uint64_t)(e->now_us - c->t_msg_us) * 1000);
	tcp_send_message(e, c, cfg->response.len);
	if (cfg->close_after_response)
		tcp_close(e, c);
}

static void
server_established(struct tcp_engine *e, struct tcp_conn *c)
{
	half_open_remove(&worker_of(e)->half_open, conn_index(e, c));
	c->t_msg_us = e->now_us;
}

static void
server_data(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	const struct server_config *cfg = worker_of(e)->cfg;

	if (c->flags & CF_FIN_QUEUED)
		return; /* closing after the response: later bytes get no answer */
	if (cfg->request_bytes) {
		uint32_t got = c->rcv_nxt - (c->irs + 1) - c->rx_msg_start;
		while (got >= cfg->request_bytes && !(c->flags & CF_FIN_QUEUED)) {
			c->rx_msg_start += cfg->request_bytes;
			got -= cfg->request_bytes;
			respond(e, c);
		}
		return;
	}
	/* Knuth-Morris-Pratt over the stream: the delimiter may be split across
	 * segments and requests may be pipelined. Outside a partial match, memchr
	 * skips to the next byte that can start one (most of a request). */
	unsigned k = c->scan;
	for (uint32_t i = 0; i < n; i++) {
		if (k == 0) {
			const uint8_t *start = memchr(p + i, cfg->delim[0], n - i);
			if (!start)
				break;
			i = (uint32_t)(start - p);
		}
		while (k > 0 && p[i] != cfg->delim[k])
			k = cfg->delim_fail[k - 1];
		if (p[i] == cfg->delim[k])
			k++;
		if (k == cfg->delim_len) {
			k = 0;
			respond(e, c);
			c->t_msg_us = e->now_us;
			if (c->flags & CF_FIN_QUEUED)
				break;
		}
	}
	c->scan = (uint8_t)k;
}

static void
server_peer_closed(struct tcp_engine *e, struct tcp_conn *c)
{
	tcp_close(e, c);
}

static void
server_think_over(struct tcp_engine *e, struct tcp_conn *c)
{
	(void)e;
	(void)c;
}

static void
server_released(struct tcp_engine *e, struct tcp_conn *c)
{
	struct server_worker *w = worker_of(e);
	tuple_table_del(&w->table, tuple_table_hash(&w->table, c->remote_ip, c->local_ip,
						    c->remote_port, c->local_port),
			conn_index(e, c));
	half_open_remove(&w->half_open, conn_index(e, c));
	w->free_stack[w->free_top++] = conn_index(e, c);
	c->record = UINT32_MAX;
}

static void
server_fill(struct tcp_engine *e, const struct tcp_conn *c, uint32_t off, uint8_t *dst,
	    uint32_t len)
{
	const struct payload *resp = &worker_of(e)->cfg->response;

	/* Every response is the same bytes; a segment may span two of them. */
	while (len) {
		uint32_t at = off % resp->len, n = RTE_MIN(len, resp->len - at);
		payload_fill(resp, c->id, at, dst, n);
		off += n;
		dst += n;
		len -= n;
	}
}

static const struct tcp_app server_app = {
	.established = server_established,
	.data = server_data,
	.peer_closed = server_peer_closed,
	.think_over = server_think_over,
	.released = server_released,
	.fill = server_fill,
};

/* ---- the data path ------------------------------------------------------ */

/* Frees the oldest connection still half open, if any. */
static void
evict_half_open(struct server_worker *w)
{
	uint32_t idx = half_open_oldest(&w->half_open);

	if (idx != HALF_OPEN_NONE) {
		w->e.ctr[TC_HALF_OPEN_EVICTED]++;
		tcp_release(&w->e, &w->e.conns[idx], CAUSE_ABORTED);
	}
}

static void
accept_syn(struct server_worker *w, struct rte_mbuf *m, const struct conn_key *key, uint32_t hash)
{
	struct tcp_engine *e = &w->e;

	if (w->free_top == 0)
		evict_half_open(w);
	uint32_t idx = w->free_top ? w->free_stack[w->free_top - 1] : UINT32_MAX;

	if (idx == UINT32_MAX || tuple_table_add(&w->table, hash, idx) < 0) {
		/* Full: say so (RST) or stay silent, as configured; counted either way. */
		if (e->cfg->rst_when_full) {
			nfg_count(e->node, TC_DROP_TABLE_FULL, 1);
			tcp_reply_rst(e, m);
		} else {
			nfg_drop(e->node, TC_DROP_TABLE_FULL, &m, 1);
		}
		return;
	}
	w->free_top--;
	half_open_add(&w->half_open, idx);
	struct tcp_conn *c = &e->conns[idx];
	memset(c, 0, sizeof(*c));
	c->remote_ip = key->remote_ip;
	c->local_ip = key->local_ip;
	c->remote_port = key->remote_port;
	c->local_port = key->local_port;
	c->id = idx;
	tcp_record_open(e, c);
	tcp_accept(e, c, m);
	tcp_mbuf_done(e, m);
}

/* A segment for a 4-tuple in TIME_WAIT (RFC 9293 3.10.7.4). Returns true when
 * it was dealt with; false for a SYN that may open a new incarnation. */
static bool
time_wait_segment(struct server_worker *w, struct tw_entry *tw, const struct rte_tcp_hdr *th,
		  struct rte_mbuf *m, bool syn)
{
	struct tcp_engine *e = &w->e;

	if (syn && SEQ_GT(rte_be_to_cpu_32(th->sent_seq), tw->rcv_nxt)) {
		time_wait_remove(&w->time_wait, tw);
		return false;
	}
	if ((th->tcp_flags & RTE_TCP_FIN_FLAG) && !(th->tcp_flags & RTE_TCP_RST_FLAG)) {
		/* The peer did not get our last ACK: acknowledge its FIN again. */
		struct tcp_conn ghost = {
			.remote_ip = tw->remote_ip, .local_ip = tw->local_ip,
			.remote_port = tw->remote_port, .local_port = tw->local_port,
			.rcv_nxt = tw->rcv_nxt,
		};
		tcp_send_control(e, &ghost, RTE_TCP_ACK_FLAG, tw->snd_nxt);
		tcp_mbuf_done(e, m);
		return true;
	}
	/* Anything else is past the end of the connection (a RST too, RFC 1337). */
	nfg_drop(e->node, TC_DROP_OUT_OF_WINDOW, &m, 1);
	return true;
}

static void
segment(struct server_worker *w, struct rte_mbuf *m, uint32_t hash)
{
	struct tcp_engine *e = &w->e;
	struct rte_tcp_hdr *th = tcp_segment_check(e, m);

	if (!th)
		return;
	const struct rte_ipv4_hdr *ip = nfg_l3(m);
	struct conn_key key = { ip->src_addr, ip->dst_addr, th->src_port, th->dst_port };
	bool syn = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
		   RTE_TCP_SYN_FLAG;
	struct tcp_conn *c = NULL;
	uint32_t idx = tuple_table_lookup(&w->table, hash, e->conns, key.remote_ip, key.local_ip,
					  key.remote_port, key.local_port);

	if (idx != TUPLE_NONE) {
		c = &e->conns[idx];
	} else if (w->time_wait.live) {
		struct tw_entry *tw = time_wait_find(&w->time_wait, key.remote_ip, key.local_ip,
						     key.remote_port, key.local_port);
		if (tw && time_wait_segment(w, tw, th, m, syn))
			return;
	}
	if (!c && syn && listen_set_match(&w->cfg->listen, key.local_ip, key.local_port)) {
		accept_syn(w, m, &key, hash);
		return;
	}
	tcp_input(e, c, m);
}

/* Timers can only fall due while a connection holds a slot or a 4-tuple
 * waits in TIME_WAIT (in its slot, or in the store the timers sweep). */
static inline bool
has_timers(const struct server_worker *w)
{
	return w->free_top < w->cfg->max_connections || w->e.nb_time_wait != 0 ||
	       w->time_wait.live != 0;
}

static uint16_t
server_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct server_worker *w = nfg_node_state(node);
	uint64_t tsc = nfg_clock();

	uint32_t hash[RTE_GRAPH_BURST_SIZE];

	tcp_engine_tick(&w->e, graph, tsc);
	/* First every segment's table cell, fetched while the others are hashed;
	 * then the segments. */
	for (uint16_t i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];
		hash[i] = 0;
		if (likely(nfg_is_ipv4(m) && nfg_l4_type(m) == RTE_PTYPE_L4_TCP)) {
			const struct rte_ipv4_hdr *ip = nfg_l3(m);
			const struct rte_tcp_hdr *th = nfg_l4(m);
			hash[i] = tuple_table_hash(&w->table, ip->src_addr, ip->dst_addr, th->src_port,
						   th->dst_port);
			tuple_table_prefetch(&w->table, hash[i]);
			if ((th->tcp_flags & RTE_TCP_SYN_FLAG) && w->time_wait.live)
				time_wait_prefetch(&w->time_wait, ip->src_addr, ip->dst_addr,
						   th->src_port, th->dst_port);
		}
	}
	for (uint16_t i = 0; i < nb_objs; i++)
		segment(w, objs[i], hash[i]);
	tcp_flush(&w->e);
	if (has_timers(w))
		nfg_node_poll_request(node);
	return nb_objs;
}

/* After a walk, while connections live: the timers (retransmissions,
 * TIME_WAIT). A server nobody talks to is not polled. */
static void
server_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct server_worker *w = nfg_node_state(node);
	uint64_t tsc = nfg_clock();

	if (has_timers(w))
		nfg_node_poll_request(node);
	if (tsc < w->e.next_tick_tsc)
		return;
	tcp_engine_tick(&w->e, graph, tsc);
	if (tcp_timers_poll(&w->e, tsc))
		tcp_flush(&w->e);
}

/* ---- setup -------------------------------------------------------------- */

static int
parse_request_end(struct nfg_instance *inst, struct server_config *cfg)
{
	const char *d = nfg_param_string(inst, "request_end");

	cfg->request_bytes = (uint32_t)nfg_param_int(inst, "request_bytes");
	cfg->delim_len = (unsigned)strlen(d);
	if (cfg->request_bytes == 0 && (cfg->delim_len == 0 || cfg->delim_len >= MAX_DELIM))
		return nfg_error(inst, "request_end", "a delimiter of 1 to %d bytes, or set "
				 "request_bytes", MAX_DELIM - 1);
	memcpy(cfg->delim, d, cfg->delim_len);
	/* KMP failure function: the longest proper border of each prefix. */
	for (unsigned i = 1, k = 0; i < cfg->delim_len; i++) {
		while (k > 0 && cfg->delim[i] != cfg->delim[k])
			k = cfg->delim_fail[k - 1];
		if (cfg->delim[i] == cfg->delim[k])
			k++;
		cfg->delim_fail[i] = (uint8_t)k;
	}
	return 0;
}

static void
server_config_free(void *p)
{
	struct server_config *cfg = p;

	payload_free(&cfg->response);
	free(cfg);
}

static int
server_setup(struct nfg_instance *inst)
{
	struct server_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, server_config_free);
	cfg->close_after_response = strcmp(nfg_param_string(inst, "close"), "server") == 0;
	cfg->max_connections = (uint32_t)nfg_param_int(inst, "max_connections");
	if (tcp_engine_config_read(inst, &cfg->engine) < 0 || listen_set_parse(&cfg->listen, inst, "listen", nfg_param_string(inst, "port")) < 0 ||
	    parse_request_end(inst, cfg) < 0 ||
	    payload_from_params(inst, "response", "", &cfg->response) < 0)
		return -1;
	/* Every response is the same bytes (that is how any offset is regenerated
	 * without a send buffer), so it cannot carry a per-connection number. */
	if (cfg->response.counter_at >= 0)
		return nfg_error(inst, "response", "\"%s\" is for requests; a response is the "
				 "same for every connection", PAYLOAD_COUNTER);
	cfg->engine.rst_when_full = strcmp(nfg_param_string(inst, "table_full"), "rst") == 0;
	if (nfg_param_bool(inst, "http") && payload_wrap_http(&cfg->response,
							      cfg->close_after_response) < 0)
		return -1;
	if (cfg->response.len == 0)
		return nfg_error(inst, "response", "the response is empty: give response, "
				 "response_size, response_file, or set http");
	unsigned workers = nfg_worker_count();
	cfg->time_wait_max = (uint32_t)nfg_param_int(inst, "time_wait_max");
	nfg_instance_reserve_memory(inst, (uint64_t)workers * cfg->max_connections *
						  (sizeof(struct tcp_conn) + sizeof(struct tw_link) +
						   8) +
					  workers * tuple_table_memory(cfg->max_connections) +
					  workers * time_wait_memory(cfg->time_wait_max) +
					  workers * (uint64_t)tcp_records_capacity(inst) *
						  sizeof(struct session_record));
	nfg_instance_reserve_mbufs(inst, workers * (TCP_OUT_MAX + TCP_OOO_MAX + TCP_STASH + TCP_DONE_MAX));
	return 0;
}

static int
server_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct server_config *cfg = nfg_instance_config(inst);
	const struct nfg_port *port = tcp_engine_config_port(inst, &cfg->engine);
	int socket = port ? port->socket : SOCKET_ID_ANY;
	struct server_worker *w = rte_zmalloc_socket("tcp_server", sizeof(*w), RTE_CACHE_LINE_SIZE,
						     socket);

	if (!w)
		return -1;
	nfg_node_set_state(node, w);
	w->cfg = cfg;
	if (tcp_engine_init(&w->e, &cfg->engine, &server_app, w, cfg->max_connections,
			    tcp_records_capacity(inst), REC_ROLE_SERVER, node, socket) < 0)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u connections and "
				 "%u records; give more (-- --no-huge -m MB) or lower max_connections",
				 worker, cfg->max_connections, tcp_records_capacity(inst));
	w->e.same_bytes = true; /* every response is the same bytes */
	w->e.tx_cksum_offload = port && (port->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
				(port->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	int table = tuple_table_init(&w->table, cfg->max_connections, socket);
	w->free_stack = rte_malloc_socket("tcp_server_free", cfg->max_connections * sizeof(uint32_t),
					  0, socket);
	if (table < 0 || !w->free_stack)
		return -1;
	for (uint32_t i = 0; i < cfg->max_connections; i++)
		w->free_stack[i] = cfg->max_connections - 1 - i;
	w->free_top = cfg->max_connections;
	if (time_wait_init(&w->time_wait, cfg->time_wait_max, cfg->engine.time_wait_ms * 1000,
			   socket) < 0)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u TIME_WAIT entries; "
				 "give more (-- --no-huge -m MB) or lower time_wait_max", worker,
				 cfg->time_wait_max);
	w->e.tws = &w->time_wait;
	return half_open_init(&w->half_open, cfg->max_connections, socket);
}

static void
server_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct server_worker *w = nfg_node_state(node);

	if (!w)
		return;
	if (w->e.conns && w->table.cells) {
		for (uint32_t i = 0; i < w->e.nb_conns; i++)
			if (w->e.conns[i].state != TCP_CLOSED)
				tcp_release(&w->e, &w->e.conns[i], CAUSE_ABORTED);
		tcp_records_flush(inst, &w->e);
	}
	tcp_engine_free(&w->e);
	tuple_table_free(&w->table);
	rte_free(w->free_stack);
	half_open_free(&w->half_open);
	time_wait_free(&w->time_wait);
	rte_free(w);
}

static const char *const close_policies[] = { "server", "client", NULL };
static const char *const full_policies[] = { "rst", "drop", NULL };

static const struct nfg_param server_params[] = {
	TCP_ENGINE_PARAMS,
	{ .name = "listen", .type = NFG_T_STRLIST, .def = "[\"*:80\"]", .min = 1, .max = LISTEN_MAX,
	  .doc = "\"ADDRESS:PORT\" to accept connections on (\"*\": any address)" },
	{ .name = "response", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,
	  .doc = "response text (the body when http is true)" },
	{ .name = "response_hex", .type = NFG_T_HEX, .flags = NFG_P_OPTIONAL,
	  .doc = "response as hex bytes" },
	{ .name = "response_file", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,
	  .doc = "response read from a file (any size)" },
	{ .name = "response_size", .type = NFG_T_INT, .flags = NFG_P_OPTIONAL, .min = 0,
	  .max = 1 << 30, .doc = "response of that many generated bytes" },
	{ .name = "http", .type = NFG_T_BOOL, .def = "true",
	  .doc = "wrap the response in an HTTP/1.1 200 with Content-Length" },
	{ .name = "request_end", .type = NFG_T_STRING, .def = "\"\\r\\n\\r\\n\"",
	  .doc = "the bytes that end a request" },
	{ .name = "request_bytes", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1 << 30,
	  .doc = "answer after this many request bytes instead (0: use request_end)" },
	{ .name = "close", .type = NFG_T_ENUM, .def = "\"server\"", .choices = close_policies,
	  .doc = "close after the response (server), or when the client closes (client)" },
	{ .name = "max_connections", .type = NFG_T_INT, .def = "1048576", .min = 1,
	  .max = 1 << 26, .doc = "connection table size per worker" },
	{ .name = "time_wait_max", .type = NFG_T_INT, .def = "1048576", .min = 1, .max = 1 << 26,
	  .doc = "4-tuples kept in TIME_WAIT per worker, 32 bytes each, outside the connection "
		 "table (full: the oldest leaves early, counted as time_wait_recycled)" },
	{ .name = "table_full", .type = NFG_T_ENUM, .def = "\"rst\"", .choices = full_policies,
	  .doc = "answer a SYN the full table cannot take with RST, or drop it" },
	{ 0 },
};

static const struct nfg_op tcp_server_op = {
	.api_version = NFG_API_VERSION,
	.name = "tcp_server",
	.summary = "accept TCP connections, answer each request, close",
	.doc = "The server half of nftraffic: a user-space TCP stack that accepts connections\n"
	       "on its listen addresses, reads requests (ended by request_end, or\n"
	       "request_bytes long), answers each with the response — any size, sent as the\n"
	       "client's window allows — and closes after it (or when the client closes).\n"
	       "Same retransmission, window and MSS handling as tcp_client. Its output is\n"
	       "IPv4/TCP frames: set next_hop_mac, or send them through an arp node.",
	.input_doc = "parsed IPv4/TCP segments addressed to the server",
	.example = "\"server\": {\"op\": \"tcp_server\", \"port\": \"p0\", \"listen\": [\"*:80\"], "
		   "\"response_size\": 1024}",
	.params = server_params,
	.outputs = (const char *const[]){ "out", NULL },
	.flags = NFG_OP_RECORDS | NFG_OP_POLL_WHEN_ASKED,
	.counters = tcp_counters,
	.setup = server_setup,
	.init = server_init,
	.process = server_process,
	.poll = server_poll,
	.fini = server_fini,
	.progress = tcp_progress,
	.summarize = tcp_summarize,
	.stats_json = tcp_stats_json,
	.histograms = tcp_server_histograms,
	.observe = tcp_engine_observe,
};

NFG_OPERATOR_REGISTER(tcp_server_op);
