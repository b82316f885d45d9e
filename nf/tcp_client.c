/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_client: the client half of nftraffic. It opens connections to its
 * targets at a rate, sends a request, reads the response, repeats for the
 * configured rounds and closes, as many times as asked.
 *
 * Connections are found by the local address the worker owns: the source
 * addresses and ports are shared between workers by port bits or by address
 * (local_share.h), the port steers answers to the owner, and a connection's
 * slot is its place in the worker's share — an array index, no hash. Free slots wait in
 * a FIFO, so a port is reused as late as possible (the server's TIME_WAIT
 * has the longest time to end).
 */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include <rte_ethdev.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "local_share.h"
#include "payload.h"
#include "tcp_params.h"

#define MAX_TARGETS 64
#define FNV_BASIS 2166136261u
#define WEIGHT_SLOTS 1024

enum response_end { END_HTTP, END_CLOSE, END_BYTES };
enum close_policy { CLOSE_CLIENT, CLOSE_SERVER, CLOSE_RESET };

struct client_config {
	struct tcp_engine_config engine;
	struct payload request;
	uint32_t src_ip_first, nb_src_ips; /* host order; 0 ips: the port's first address */
	uint16_t port_lo, port_hi;
	uint32_t target_ip[MAX_TARGETS];   /* network order */
	uint16_t target_port[MAX_TARGETS];
	uint16_t schedule[WEIGHT_SLOTS];   /* weighted round robin over targets */
	uint32_t schedule_len;
	double rate, ramp_s, start_s;
	uint64_t connections;
	uint32_t concurrency;
	uint16_t rounds;
	uint32_t think_ms;
	enum response_end response_end;
	uint32_t response_bytes;
	enum close_policy close;
	uint32_t records;                  /* session records per worker (0: none) */
	struct local_share share;          /* which source addresses each worker uses */
};

struct client_worker {
	struct tcp_engine e; /* first: the shared reporting reads it */
	const struct client_config *cfg;
	unsigned worker;
	uint32_t *free_fifo;
	uint32_t free_head, free_count;
	/* Slots in TIME_WAIT, oldest first: when no slot is free the oldest is
	 * taken early (a new SYN with a higher sequence number, as RFC 9293 3.6.1
	 * lets a 4-tuple be reused), so TIME_WAIT does not cap the rate at
	 * ports / time_wait_ms. Each entry remembers its connection's id, to
	 * skip slots whose TIME_WAIT already ended. */
	struct { uint32_t slot, id; } *tw_fifo;
	uint32_t tw_head, tw_count;
	uint64_t quota, opened;
	uint32_t active;
	uint32_t next_id, id_stride;
	uint32_t next_target;
	double tokens, per_tsc;
	uint64_t last_tsc, start_tsc, ramp_tsc;
};

static inline struct client_worker *
worker_of(struct tcp_engine *e)
{
	return e->app_ctx;
}

/* ---- the application ---------------------------------------------------- */

static void
send_request(struct tcp_engine *e, struct tcp_conn *c)
{
	const struct client_config *cfg = worker_of(e)->cfg;

	c->t_msg_us = e->now_us;
	c->rx_msg_start = c->rcv_nxt - (c->irs + 1);
	c->rx_expect = cfg->response_end == END_BYTES ? cfg->response_bytes : 0;
	c->hdr_scan = 0;
	c->scan = 0;
	c->rx_sum = FNV_BASIS;
	c->flags &= (uint8_t)~CF_MSG_DONE;
	tcp_send_message(e, c, payload_length(&cfg->request, c->id));
}

static void
finish_round(struct tcp_engine *e, struct tcp_conn *c)
{
	const struct client_config *cfg = worker_of(e)->cfg;

	c->flags |= CF_MSG_DONE;
	e->ctr[TC_MSGS_RCVD]++;
	nfg_hist_add(&e->response_time, (uint64_t)(e->now_us - c->t_msg_us) * 1000);
	if (c->record != UINT32_MAX)
		e->records.r[c->record].rx_fnv = c->rx_sum;
	if (++c->round < cfg->rounds) {
		if (cfg->think_ms) {
			tcp_arm_timer_ms(e, c, cfg->think_ms);
			c->flags |= CF_THINKING;
		} else {
			send_request(e, c);
		}
		return;
	}
	if (cfg->close == CLOSE_CLIENT)
		tcp_close(e, c);
	else if (cfg->close == CLOSE_RESET)
		tcp_abort(e, c, CAUSE_ABORTED);
	/* CLOSE_SERVER: wait for the server's FIN (idle timeout if it never comes) */
}

static void
client_established(struct tcp_engine *e, struct tcp_conn *c)
{
	send_request(e, c);
}

/* HTTP/1.1 response framing, one byte at a time so it survives any
 * segmentation: find the end of the headers (CRLFCRLF) and the value of
 * Content-Length; the body then ends after that many bytes.
 * hdr_scan: bits 0-2 CRLFCRLF progress, bits 3-7 progress in the
 * "content-length:" name at the start of a line (31: reading digits,
 * 30: elsewhere in a line), bit 8 set once the headers ended. */
#define HS_CRLF(x) ((x) & 7u)
#define HS_NAME(x) (((x) >> 3) & 31u)
#define HS_BODY 0x100u
#define NAME_DIGITS 31u
#define NAME_NONE 30u

static void
scan_http(struct tcp_conn *c, const uint8_t *p, uint32_t n, uint32_t *body_at)
{
	static const char name[] = "content-length:";
	unsigned crlf = HS_CRLF(c->hdr_scan), nm = HS_NAME(c->hdr_scan);

	for (uint32_t i = 0; i < n; i++) {
		uint8_t ch = p[i];
		crlf = (ch == (crlf % 2 == 0 ? '\r' : '\n')) ? crlf + 1 : (ch == '\r' ? 1 : 0);
		if (crlf == 4) {
			c->hdr_scan = HS_BODY;
			*body_at = i + 1;
			return;
		}
		if (ch == '\n') {
			nm = 0; /* a new line: maybe the header we want */
		} else if (nm == NAME_DIGITS) {
			if (ch >= '0' && ch <= '9')
				c->rx_expect = c->rx_expect * 10 + (ch - '0');
			else if (ch != ' ' && ch != '\t')
				nm = NAME_NONE;
		} else if (nm < sizeof(name) - 1) {
			char lower = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
			nm = lower == name[nm] ? nm + 1 : NAME_NONE;
			if (nm == sizeof(name) - 1) {
				nm = NAME_DIGITS;
				c->rx_expect = 0;
			}
		}
	}
	c->hdr_scan = (uint16_t)(crlf | nm << 3);
}

/* The common case, the whole header block in one segment: find its end and
 * Content-Length a line at a time (memchr) instead of byte by byte. */
static bool
scan_http_whole(struct tcp_conn *c, const uint8_t *p, uint32_t n, uint32_t *body_at)
{
	static const char name[] = "content-length:";
	const uint8_t *end = p + n;
	uint32_t expect = 0;

	/* Line by line, once: the headers end at an empty line after a CRLF. */
	for (const uint8_t *line = p; line < end;) {
		const uint8_t *nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			return false; /* not all here: the byte scanner takes over */
		size_t len = (size_t)(nl - line);
		if (len == 1 && line[0] == '\r' && line - p >= 2 && line[-2] == '\r') {
			c->rx_expect = expect;
			c->hdr_scan = HS_BODY;
			*body_at = (uint32_t)(nl + 1 - p);
			return true;
		}
		if (len > sizeof(name) - 1 && (line[0] | 0x20) == 'c' &&
		    strncasecmp((const char *)line, name, sizeof(name) - 1) == 0) {
			const uint8_t *d = line + sizeof(name) - 1;
			expect = 0;
			while (d < nl && (*d == ' ' || *d == '\t'))
				d++;
			for (; d < nl && *d >= '0' && *d <= '9'; d++)
				expect = expect * 10 + (uint32_t)(*d - '0');
		}
		line = nl + 1;
	}
	return false;
}

static void
client_data(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	const struct client_config *cfg = worker_of(e)->cfg;
	uint32_t body_at = 0;

	if (c->flags & CF_MSG_DONE)
		return; /* bytes beyond the response: counted, not judged */
	if (cfg->response_end == END_HTTP && !(c->hdr_scan & HS_BODY)) {
		if (c->hdr_scan != 0 || !scan_http_whole(c, p, n, &body_at))
			scan_http(c, p, n, &body_at);
		if (!(c->hdr_scan & HS_BODY))
			return;
		/* The body starts here; remember where in the stream. */
		c->rx_msg_start = c->rcv_nxt - (c->irs + 1) - (n - body_at);
		c->rx_sum = FNV_BASIS;
		if (c->rx_expect == 0) {
			finish_round(e, c);
			return;
		}
	}
	/* FNV-1a of the body (or the whole response), for the session record,
	 * to check what arrived end to end. Without records nobody reads it. */
	if (e->records.cap) {
		uint32_t h = c->rx_sum;
		for (uint32_t i = body_at; i < n; i++)
			h = (h ^ p[i]) * 16777619u;
		c->rx_sum = h;
	}
	uint32_t got = c->rcv_nxt - (c->irs + 1) - c->rx_msg_start;
	if (cfg->response_end != END_CLOSE && c->rx_expect && got >= c->rx_expect)
		finish_round(e, c);
}

static void
client_peer_closed(struct tcp_engine *e, struct tcp_conn *c)
{
	const struct client_config *cfg = worker_of(e)->cfg;

	uint32_t got = c->rcv_nxt - (c->irs + 1) - c->rx_msg_start;
	if (!(c->flags & CF_MSG_DONE) && cfg->response_end == END_CLOSE && got > 1)
		finish_round(e, c); /* got counts the FIN too */
	if (c->state != TCP_CLOSED)
		tcp_close(e, c);
}

static void
client_think_over(struct tcp_engine *e, struct tcp_conn *c)
{
	send_request(e, c);
	tcp_output(e, c, false);
}

static void
client_released(struct tcp_engine *e, struct tcp_conn *c)
{
	struct client_worker *w = worker_of(e);
	uint32_t tail = (w->free_head + w->free_count) % e->nb_conns;

	w->free_fifo[tail] = conn_index(e, c);
	w->free_count++;
	w->active--;
	c->record = UINT32_MAX;
}

static void
client_fill(struct tcp_engine *e, const struct tcp_conn *c, uint32_t off, uint8_t *dst,
	    uint32_t len)
{
	/* One request is in flight at a time: it starts at tx_msg_start. */
	payload_fill(&worker_of(e)->cfg->request, c->id, off - c->tx_msg_start, dst, len);
}

static void
client_time_wait(struct tcp_engine *e, struct tcp_conn *c)
{
	struct client_worker *w = worker_of(e);
	uint32_t tail = (w->tw_head + w->tw_count) % e->nb_conns;

	if (w->tw_count == e->nb_conns) /* cannot happen: one entry per slot */
		return;
	w->tw_fifo[tail].slot = conn_index(e, c);
	w->tw_fifo[tail].id = c->id;
	w->tw_count++;
}

/* No slot is free: the oldest still in TIME_WAIT ends it now. */
static bool
reuse_time_wait(struct client_worker *w)
{
	struct tcp_engine *e = &w->e;

	while (w->tw_count) {
		uint32_t slot = w->tw_fifo[w->tw_head].slot, id = w->tw_fifo[w->tw_head].id;
		w->tw_head = (w->tw_head + 1) % e->nb_conns;
		w->tw_count--;
		struct tcp_conn *c = &e->conns[slot];
		if (c->state == TCP_TIME_WAIT && c->id == id) {
			e->ctr[TC_TIME_WAIT_RECYCLED]++;
			tcp_release(e, c, CAUSE_ACTIVE_CLOSE);
			return true;
		}
	}
	return false;
}

static const struct tcp_app client_app = {
	.established = client_established,
	.data = client_data,
	.peer_closed = client_peer_closed,
	.think_over = client_think_over,
	.released = client_released,
	.time_wait = client_time_wait,
	.fill = client_fill,
};

/* ---- the data path ------------------------------------------------------ */

static struct tcp_conn *
lookup(struct client_worker *w, struct rte_mbuf *m, const struct rte_tcp_hdr *th)
{
	const struct rte_ipv4_hdr *ip = nfg_l3(m);
	uint32_t slot = local_share_slot(&w->cfg->share, w->worker, ip->dst_addr, th->dst_port);

	if (slot == UINT32_MAX)
		return NULL;
	struct tcp_conn *c = &w->e.conns[slot];
	/* A slot reused for another target is not this segment's connection. */
	if (c->remote_ip != ip->src_addr || c->remote_port != th->src_port)
		return NULL;
	return c;
}

static void
open_one(struct client_worker *w)
{
	const struct client_config *cfg = w->cfg;
	struct tcp_engine *e = &w->e;

	if (w->free_count == 0 && !reuse_time_wait(w))
		return;
	uint32_t idx = w->free_fifo[w->free_head];

	w->free_head = (w->free_head + 1) % e->nb_conns;
	w->free_count--;
	struct tcp_conn *c = &e->conns[idx];
	uint16_t t = cfg->schedule[w->next_target];
	w->next_target = (w->next_target + 1) % cfg->schedule_len;

	memset(c, 0, sizeof(*c));
	local_share_addr(&cfg->share, w->worker, idx, &c->local_ip, &c->local_port);
	c->remote_ip = cfg->target_ip[t];
	c->remote_port = cfg->target_port[t];
	c->id = w->next_id;
	w->next_id += w->id_stride;
	tcp_record_open(e, c);
	w->opened++;
	w->active++;
	tcp_connect(e, c);
}

/* How many connections the rate, the quota and the free slots allow now. */
static uint32_t
budget(struct client_worker *w, uint64_t tsc)
{
	const struct client_config *cfg = w->cfg;
	uint64_t left = w->quota - w->opened;
	uint32_t n = (uint32_t)RTE_MIN(left, (uint64_t)w->free_count + w->tw_count);

	/* Connections in TIME_WAIT are closed: they hold a port, not a place. */
	uint32_t open = w->active - w->e.nb_time_wait;
	if (cfg->concurrency)
		n = RTE_MIN(n, cfg->concurrency > open ? cfg->concurrency - open : 0);
	if (tsc < w->start_tsc) {
		w->last_tsc = tsc; /* not started yet: no tokens pile up */
		return 0;
	}
	if (w->per_tsc > 0) {
		double scale = 1.0;
		if (w->ramp_tsc && tsc - w->start_tsc < w->ramp_tsc)
			scale = (double)(tsc - w->start_tsc) / (double)w->ramp_tsc;
		w->tokens += (double)(tsc - w->last_tsc) * w->per_tsc * scale;
		w->last_tsc = tsc;
		if (w->tokens > 64)
			w->tokens = 64; /* at most one burst of catch-up */
		n = RTE_MIN(n, (uint32_t)w->tokens);
		w->tokens -= n;
	}
	return RTE_MIN(n, 64u);
}

static uint16_t
client_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct client_worker *w = nfg_node_state(node);
	struct tcp_engine *e = &w->e;

	tcp_engine_tick(e, graph, nfg_clock());
	for (uint16_t i = 0; i < nb_objs; i++) {
		struct rte_mbuf *m = objs[i];
		if (i + 1 < nb_objs)
			rte_prefetch0(rte_pktmbuf_mtod((struct rte_mbuf *)objs[i + 1], void *));
		struct rte_tcp_hdr *th = tcp_segment_check(e, m);
		if (!th)
			continue;
		struct tcp_conn *c = lookup(w, m, th);
		/* Another worker's connection (steering missed it): a reset from
		 * here would kill it, so only count it. */
		const struct rte_ipv4_hdr *ip = nfg_l3(m);
		if (!c && local_share_foreign(&w->cfg->share, w->worker, ip->dst_addr, th->dst_port)) {
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
 * walk. A client that opened its quota and saw every connection end is not
 * polled again. */
static void
client_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct client_worker *w = nfg_node_state(node);
	struct tcp_engine *e = &w->e;
	uint64_t tsc = nfg_clock();
	bool stopping = nfg_stopping();

	tcp_engine_tick(e, graph, tsc);
	tcp_timers_poll(e, tsc);
	uint32_t n = stopping ? 0 : budget(w, tsc);
	for (uint32_t i = 0; i < n; i++)
		open_one(w);
	tcp_flush(e);
	if (w->active > 0 || (!stopping && w->opened < w->quota))
		nfg_node_poll_request(node);
}

static bool
client_done(struct rte_node *node)
{
	const struct client_worker *w = nfg_node_state(node);

	return w && w->quota != UINT64_MAX && w->opened >= w->quota && w->active == 0;
}

/* ---- setup -------------------------------------------------------------- */

static int
parse_targets(struct nfg_instance *inst, struct client_config *cfg)
{
	json_t *targets = nfg_param(inst, "targets"), *t;
	size_t i;
	uint32_t total = 0;

	json_array_foreach(targets, i, t) {
		nfg_parse_ipv4(json_string_value(json_object_get(t, "ip")), &cfg->target_ip[i]);
		cfg->target_port[i] = rte_cpu_to_be_16((uint16_t)json_integer_value(json_object_get(t, "port")));
		total += (uint32_t)json_integer_value(json_object_get(t, "weight"));
	}
	if (total > WEIGHT_SLOTS)
		return nfg_error(inst, "targets", "weights add up to %u; at most %u", total,
				 WEIGHT_SLOTS);
	json_array_foreach(targets, i, t) {
		json_int_t wgt = json_integer_value(json_object_get(t, "weight"));
		for (json_int_t k = 0; k < wgt; k++)
			cfg->schedule[cfg->schedule_len++] = (uint16_t)i;
	}
	return 0;
}

static void
client_config_free(void *p)
{
	struct client_config *cfg = p;

	payload_free(&cfg->request);
	local_share_free(&cfg->share);
	free(cfg);
}

static int
client_setup(struct nfg_instance *inst)
{
	static const char *const ends[] = { "http", "close", "bytes", NULL };
	static const char *const closes[] = { "client", "server", "reset", NULL };
	struct client_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, client_config_free);
	if (tcp_engine_config_read(inst, &cfg->engine) < 0 || local_share_parse_ips(inst, "src_ips", &cfg->src_ip_first, &cfg->nb_src_ips) < 0 ||
	    parse_targets(inst, cfg) < 0 ||
	    payload_from_params(inst, "request", "GET / HTTP/1.1\r\nHost: nfg\r\n\r\n",
				&cfg->request) < 0)
		return -1;
	nfg_parse_portrange(nfg_param(inst, "src_ports"), &cfg->port_lo, &cfg->port_hi);
	unsigned workers = nfg_worker_count();
	if (local_share_init(&cfg->share, inst, nfg_param_string(inst, "port"), "src_ips",
			     cfg->src_ip_first, cfg->nb_src_ips, cfg->port_lo, cfg->port_hi) < 0)
		return -1;
	cfg->rate = nfg_param_number(inst, "rate");
	cfg->ramp_s = nfg_param_number(inst, "ramp_s");
	cfg->start_s = nfg_param_number(inst, "start_s");
	cfg->connections = (uint64_t)nfg_param_int(inst, "connections");
	cfg->concurrency = (uint32_t)nfg_param_int(inst, "concurrency");
	cfg->rounds = (uint16_t)nfg_param_int(inst, "rounds");
	cfg->think_ms = (uint32_t)nfg_param_int(inst, "think_ms");
	cfg->response_bytes = (uint32_t)nfg_param_int(inst, "response_bytes");
	const char *end = nfg_param_string(inst, "response_end");
	const char *close = nfg_param_string(inst, "close");
	for (unsigned i = 0; ends[i]; i++)
		if (strcmp(end, ends[i]) == 0)
			cfg->response_end = (enum response_end)i;
	for (unsigned i = 0; closes[i]; i++)
		if (strcmp(close, closes[i]) == 0)
			cfg->close = (enum close_policy)i;
	if (cfg->response_end == END_BYTES && cfg->response_bytes == 0)
		return nfg_error(inst, "response_bytes", "response_end \"bytes\" needs response_bytes");
	if (cfg->response_end == END_CLOSE && cfg->close == CLOSE_CLIENT && cfg->rounds > 1)
		return nfg_error(inst, "rounds", "with response_end \"close\" a connection has one round");

	/* A client that knows how many connections it makes keeps no more records. */
	cfg->records = tcp_records_capacity(inst);
	if (cfg->connections && cfg->connections / workers + 1 < cfg->records)
		cfg->records = (uint32_t)(cfg->connections / workers + 1);
	uint64_t slots = 0;
	for (unsigned w = 0; w < workers; w++) {
		uint64_t ips = local_share_ips(&cfg->share, w);
		uint64_t n = (ips ? ips : 1) * local_share_ports_per_ip(&cfg->share, w);
		slots = n > slots ? n : slots;
	}
	nfg_instance_reserve_memory(inst, workers * slots * (sizeof(struct tcp_conn) +
							     sizeof(struct tw_link) + 4 + 8) +
					  workers * (uint64_t)cfg->records *
						  sizeof(struct session_record));
	nfg_instance_reserve_mbufs(inst, workers * (TCP_OUT_MAX + TCP_OOO_MAX + TCP_STASH + TCP_DONE_MAX));
	return 0;
}

static int
client_start(struct nfg_instance *inst)
{
	struct client_config *cfg = nfg_instance_config(inst);
	const struct nfg_port *port = tcp_engine_config_port(inst, &cfg->engine);

	if (!port)
		return nfg_error(inst, "port", "the port did not start");
	if (cfg->nb_src_ips == 0) {
		if (port->nb_ipv4 == 0)
			return nfg_error(inst, "src_ips", "not given, and port %s has no ipv4 address",
					 port->name);
		cfg->src_ip_first = ntohl(port->ipv4[0]);
		cfg->nb_src_ips = 1;
		local_share_set_address(&cfg->share, cfg->src_ip_first);
	}
	return 0;
}

static int
client_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct client_config *cfg = nfg_instance_config(inst);
	const struct nfg_port *port = nfg_port_get(nfg_param_string(inst, "port"));
	unsigned workers = nfg_worker_count();
	int socket = port ? port->socket : SOCKET_ID_ANY;
	struct client_worker *w = rte_zmalloc_socket("tcp_client", sizeof(*w), RTE_CACHE_LINE_SIZE,
						     socket);

	if (!w)
		return -1;
	nfg_node_set_state(node, w);
	w->cfg = cfg;
	w->worker = worker;
	uint32_t nb_ips = local_share_ips(&cfg->share, worker);
	uint32_t per_ip = local_share_ports_per_ip(&cfg->share, worker);
	uint32_t nb = nb_ips * per_ip;
	if (tcp_engine_init(&w->e, &cfg->engine, &client_app, w, nb, cfg->records,
			    REC_ROLE_CLIENT, node, socket) < 0)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u connection slots and "
				 "%u records; give more (-- --no-huge -m MB) or use fewer source "
				 "addresses", worker, nb, cfg->records);
	w->e.same_bytes = cfg->request.counter_at < 0; /* no "{conn}" in the request */
	w->e.tx_cksum_offload = port && (port->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
				(port->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
	w->free_fifo = rte_malloc_socket("tcp_client_free", nb * sizeof(uint32_t), 0, socket);
	w->tw_fifo = rte_malloc_socket("tcp_client_tw", nb * sizeof(*w->tw_fifo), 0, socket);
	if (!w->free_fifo || !w->tw_fifo)
		return -1;
	/* Port-major order, so consecutive connections differ in port and address. */
	for (uint32_t p = 0, k = 0; p < per_ip; p++)
		for (uint32_t ip = 0; ip < nb_ips; ip++)
			w->free_fifo[k++] = ip * per_ip + p;
	w->free_count = nb;
	w->quota = cfg->connections ? cfg->connections / workers +
					      (worker < cfg->connections % workers)
				    : UINT64_MAX;
	w->next_id = worker;
	w->id_stride = workers;
	w->per_tsc = cfg->rate > 0 ? cfg->rate / workers / (double)rte_get_tsc_hz() : 0;
	w->start_tsc = w->last_tsc = nfg_clock() +
				      (uint64_t)(cfg->start_s * (double)rte_get_tsc_hz());
	w->ramp_tsc = (uint64_t)(cfg->ramp_s * (double)rte_get_tsc_hz());
	return 0;
}

static void
client_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct client_worker *w = nfg_node_state(node);

	if (!w)
		return;
	if (w->e.conns) {
		for (uint32_t i = 0; i < w->e.nb_conns; i++)
			if (w->e.conns[i].state != TCP_CLOSED)
				tcp_release(&w->e, &w->e.conns[i], CAUSE_ABORTED);
		tcp_records_flush(inst, &w->e);
	}
	tcp_engine_free(&w->e);
	rte_free(w->free_fifo);
	rte_free(w->tw_fifo);
	rte_free(w);
}

static const char *const response_ends[] = { "http", "close", "bytes", NULL };
static const char *const close_policies[] = { "client", "server", "reset", NULL };

static const struct nfg_param target_fields[] = {
	{ .name = "ip", .type = NFG_T_IPV4, .doc = "server address" },
	{ .name = "port", .type = NFG_T_INT, .min = 1, .max = 65535, .doc = "server port" },
	{ .name = "weight", .type = NFG_T_INT, .def = "1", .min = 1, .max = 1024,
	  .doc = "share of the connections" },
	{ 0 },
};

static const struct nfg_param client_params[] = {
	TCP_ENGINE_PARAMS,
	{ .name = "targets", .type = NFG_T_LIST, .fields = target_fields, .min = 1,
	  .max = MAX_TARGETS, .doc = "servers to connect to, by weight" },
	{ .name = "src_ips", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,
	  .doc = "source address or range \"a.b.c.d-a.b.c.e\" (default: the port's)" },
	{ .name = "src_ports", .type = NFG_T_PORTRANGE, .def = "\"1024-65535\"",
	  .doc = "source ports, shared between workers as \"steering\" says" },
	LOCAL_SHARE_PARAMS,
	{ .name = "rate", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 1e9,
	  .doc = "new connections per second, all workers (0: as fast as possible)" },
	{ .name = "ramp_s", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 3600,
	  .doc = "seconds to ramp the rate up from zero" },
	{ .name = "start_s", .type = NFG_T_NUMBER, .def = "0", .min = 0, .max = 86400,
	  .doc = "seconds to wait before the first connection" },
	{ .name = "connections", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1e15,
	  .doc = "connections in all, then done (0: until the run stops)" },
	{ .name = "concurrency", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1e9,
	  .doc = "open connections per worker at most (0: as many as there are ports)" },
	{ .name = "request", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,
	  .doc = "request text; \"{conn}\" becomes the connection number "
		 "(default: GET / HTTP/1.1)" },
	{ .name = "request_hex", .type = NFG_T_HEX, .flags = NFG_P_OPTIONAL,
	  .doc = "request as hex bytes" },
	{ .name = "request_file", .type = NFG_T_STRING, .flags = NFG_P_OPTIONAL,
	  .doc = "request read from a file" },
	{ .name = "request_size", .type = NFG_T_INT, .flags = NFG_P_OPTIONAL, .min = 0,
	  .max = 1 << 30, .doc = "request of generated bytes" },
	{ .name = "rounds", .type = NFG_T_INT, .def = "1", .min = 1, .max = 65535,
	  .doc = "request/response exchanges per connection" },
	{ .name = "think_ms", .type = NFG_T_INT, .def = "0", .min = 0, .max = 3600000,
	  .doc = "pause between a response and the next request" },
	{ .name = "response_end", .type = NFG_T_ENUM, .def = "\"http\"", .choices = response_ends,
	  .doc = "how a response ends: HTTP Content-Length, the server's FIN, or a byte count" },
	{ .name = "response_bytes", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1 << 30,
	  .doc = "response length for response_end \"bytes\"" },
	{ .name = "close", .type = NFG_T_ENUM, .def = "\"client\"", .choices = close_policies,
	  .doc = "after the last response: we close (FIN), wait for the server's FIN, or reset" },
	{ 0 },
};

static const struct nfg_op tcp_client_op = {
	.api_version = NFG_API_VERSION,
	.name = "tcp_client",
	.summary = "open TCP connections at a rate, request, read the response, close",
	.doc = "The client half of nftraffic: a user-space TCP stack that opens connections to\n"
	       "the targets (weighted) from its source addresses and ports, sends the request,\n"
	       "reads the response (HTTP Content-Length, a byte count, or until the server\n"
	       "closes), repeats for \"rounds\", and closes as \"close\" says. Retransmits on\n"
	       "timeout (RFC 6298) and on three duplicate ACKs, honours the peer's window and\n"
	       "MSS. Its output is IPv4/TCP frames: set next_hop_mac, or send them through an\n"
	       "arp node. Counts attempts, completions, failures by cause, retransmits; the\n"
	       "summary has connect and response time percentiles; --records FILE writes one\n"
	       "record per connection.",
	.input_doc = "parsed IPv4/TCP segments addressed to the client's ports",
	.example = "\"client\": {\"op\": \"tcp_client\", \"port\": \"p0\", \"targets\": "
		   "[{\"ip\": \"198.18.0.2\", \"port\": 80}], \"rate\": 10000, \"connections\": 100000}",
	.params = client_params,
	.outputs = (const char *const[]){ "out", NULL },
	.flags = NFG_OP_RECORDS | NFG_OP_POLL_WHEN_ASKED,
	.counters = tcp_counters,
	.setup = client_setup,
	.start = client_start,
	.init = client_init,
	.process = client_process,
	.poll = client_poll,
	.done = client_done,
	.fini = client_fini,
	.progress = tcp_progress,
	.summarize = tcp_summarize,
	.stats_json = tcp_stats_json,
	.histograms = tcp_client_histograms,
	.observe = tcp_engine_observe,
};

NFG_OPERATOR_REGISTER(tcp_client_op);
