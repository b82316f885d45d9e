/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Running a plugin's TCP service (include/nfg/tcp.h) on the TCP engine: the
 * calls services make, the engine application that turns the engine's
 * callbacks into the service's, and the "tcp.service" extension point. The
 * operators are tcp_service_server.c (accepting) and tcp_service_client.c
 * (connecting).
 *
 * The engine regenerates any unacknowledged byte of the outgoing stream on
 * demand (fill()), so the send buffer is a ring indexed by stream offset:
 * bytes leave it when the peer acknowledges them, not when they are sent.
 */
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "tcp_service.h"

/* What a callback is given: the connection and where it lives. */
struct nfg_tcp_conn {
	struct service_side *s;
	struct tcp_conn *c;
};

static inline struct service_side *
side_of(struct tcp_engine *e)
{
	return e->app_ctx;
}

static inline uint8_t *
send_buf(const struct service_side *s, const struct tcp_conn *c)
{
	return s->buf_mem + (size_t)s->slot_buf[conn_index(s->e, c)] * s->cfg->send_buffer;
}

/* The first byte of the outgoing stream the peer has not acknowledged. */
static inline uint32_t
acked_offset(const struct tcp_conn *c)
{
	uint32_t acked = c->snd_una - (c->iss + 1);

	/* Before the SYN is acknowledged it reads as -1, after our FIN one past
	 * the end: neither is a byte of the buffer. */
	return acked > c->tx_end ? c->tx_end : acked;
}

/* ---- the API services call -------------------------------------------- */

uint32_t
nfg_tcp_send_room(const struct nfg_tcp_conn *h)
{
	const struct tcp_conn *c = h->c;

	if ((c->flags & CF_FIN_QUEUED) ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT) ||
	    h->s->slot_buf[conn_index(h->s->e, c)] == UINT32_MAX)
		return 0;
	return h->s->cfg->send_buffer - (c->tx_end - acked_offset(c));
}

uint32_t
nfg_tcp_send(struct nfg_tcp_conn *h, const void *data, uint32_t len)
{
	struct tcp_conn *c = h->c;
	uint32_t size = h->s->cfg->send_buffer, n = RTE_MIN(len, nfg_tcp_send_room(h));
	uint32_t at = c->tx_end % size, first = RTE_MIN(n, size - at);
	uint8_t *buf = send_buf(h->s, c);

	if (n == 0)
		return 0;
	memcpy(buf + at, data, first);
	memcpy(buf, (const uint8_t *)data + first, n - first);
	tcp_send_message(h->s->e, c, n);
	if (!(c->flags & CF_AWAITING)) {
		c->flags |= CF_AWAITING; /* a request starts: its answer is timed */
		c->t_msg_us = h->s->e->now_us;
	}
	return n;
}

void
nfg_tcp_answered(struct nfg_tcp_conn *h)
{
	struct tcp_engine *e = h->s->e;
	struct tcp_conn *c = h->c;

	if (!(c->flags & CF_AWAITING))
		return;
	c->flags &= (uint8_t)~CF_AWAITING;
	e->ctr[TC_MSGS_RCVD]++;
	nfg_hist_add(&e->response_time, (uint64_t)(e->now_us - c->t_msg_us) * 1000);
}

void
nfg_tcp_close(struct nfg_tcp_conn *h)
{
	tcp_close(h->s->e, h->c);
}

void
nfg_tcp_reset(struct nfg_tcp_conn *h)
{
	if (h->c->state != TCP_CLOSED)
		tcp_abort(h->s->e, h->c, CAUSE_ABORTED);
}

void *
nfg_tcp_conn_state(const struct nfg_tcp_conn *h)
{
	return h->s->states + (size_t)conn_index(h->s->e, h->c) * h->s->cfg->state_size;
}

void *
nfg_tcp_service_state(const struct nfg_tcp_conn *h)
{
	return h->s->cfg->svc_state;
}

struct nfg_tcp_conn_info
nfg_tcp_conn_info(const struct nfg_tcp_conn *h)
{
	const struct tcp_conn *c = h->c;

	/* An IPv6 connection's remote_ip and local_ip are folds (include/nfg/tcp.h). */
	return (struct nfg_tcp_conn_info){ c->remote_ip, c->local_ip, c->remote_port,
					   c->local_port, conn_index(h->s->e, c), h->s->worker };
}

/* ---- the engine's application ------------------------------------------ */

static void
service_established(struct tcp_engine *e, struct tcp_conn *c)
{
	struct nfg_tcp_conn h = { side_of(e), c };

	if (h.s->established)
		h.s->established(h.s->role, c);
	if (unlikely(h.s->nb_free == 0)) {
		nfg_count(e->node, h.s->cfg->ctr_no_buffer, 1);
		tcp_abort(e, c, CAUSE_ABORTED);
		return;
	}
	h.s->slot_buf[conn_index(e, c)] = h.s->free_bufs[--h.s->nb_free];
	if (h.s->cfg->svc->established)
		h.s->cfg->svc->established(&h);
}

static void
service_data(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	struct nfg_tcp_conn h = { side_of(e), c };

	h.s->cfg->svc->data(&h, p, n);
}

static void
service_peer_closed(struct tcp_engine *e, struct tcp_conn *c)
{
	struct nfg_tcp_conn h = { side_of(e), c };

	if (h.s->cfg->svc->peer_closed)
		h.s->cfg->svc->peer_closed(&h);
	else
		tcp_close(e, c);
}

static void
service_think_over(struct tcp_engine *e, struct tcp_conn *c)
{
	(void)e;
	(void)c;
}

static void
service_released(struct tcp_engine *e, struct tcp_conn *c)
{
	struct nfg_tcp_conn h = { side_of(e), c };

	uint32_t *buf = &h.s->slot_buf[conn_index(e, c)];

	if (h.s->cfg->svc->released)
		h.s->cfg->svc->released(&h);
	if (*buf != UINT32_MAX) {
		h.s->free_bufs[h.s->nb_free++] = *buf;
		*buf = UINT32_MAX;
	}
	/* Zeroed here, so the next connection in the slot starts from zeros. */
	memset(nfg_tcp_conn_state(&h), 0, h.s->cfg->state_size);
	h.s->released(h.s->role, c);
}

static void
service_time_wait(struct tcp_engine *e, struct tcp_conn *c)
{
	struct service_side *s = side_of(e);

	if (s->time_wait)
		s->time_wait(s->role, c);
}

static void
service_fill(struct tcp_engine *e, const struct tcp_conn *c, uint32_t off, uint8_t *dst,
	     uint32_t len)
{
	const struct service_side *s = side_of(e);
	uint32_t size = s->cfg->send_buffer, at = off % size, first = RTE_MIN(len, size - at);
	const uint8_t *buf = send_buf(s, c);

	memcpy(dst, buf + at, first);
	memcpy(dst + first, buf, len - first);
}

const struct tcp_app tcp_service_app = {
	.established = service_established,
	.data = service_data,
	.peer_closed = service_peer_closed,
	.think_over = service_think_over,
	.released = service_released,
	.time_wait = service_time_wait,
	.fill = service_fill,
};

/* ---- setup ---------------------------------------------------------------- */

/* "a", "b" and "c": the services there are, for an error message. */
static void
service_names(char *buf, size_t len)
{
	const char *name;
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned i = 0; (name = nfg_extension_name(NFG_TCP_SERVICE_POINT, i)) && at < len;
	     i++)
		at += (size_t)snprintf(buf + at, len - at, "%s\"%s\"", i ? ", " : "", name);
}

int
tcp_service_setup(struct nfg_instance *inst, struct service_config *cfg, uint64_t *per_conn)
{
	const char *name = nfg_param_string(inst, "service");

	cfg->svc = nfg_extension_find(NFG_TCP_SERVICE_POINT, name);
	if (!cfg->svc) {
		char names[256];
		service_names(names, sizeof(names));
		return nfg_error(inst, "service", "no service \"%s\" (loaded: %s; services come "
				 "from plugins, named in the graph's \"plugins\")", name,
				 names[0] ? names : "none");
	}
	if (cfg->svc->conn_state_size > TCP_SERVICE_STATE_MAX)
		return nfg_error(inst, "service", "\"%s\" declares %u bytes of state per "
				 "connection; at most %u", name, cfg->svc->conn_state_size,
				 TCP_SERVICE_STATE_MAX);
	cfg->send_buffer = (uint32_t)nfg_param_int(inst, "send_buffer");
	cfg->send_buffers = (uint32_t)nfg_param_int(inst, "send_buffers");
	cfg->state_size = (cfg->svc->conn_state_size + 7u) & ~7u;
	*per_conn = (uint64_t)cfg->state_size + sizeof(uint32_t);
	nfg_instance_reserve_memory(inst, (uint64_t)nfg_worker_count() * cfg->send_buffers *
						  (cfg->send_buffer + sizeof(uint32_t)));
	cfg->ctr_no_buffer = (unsigned)nfg_instance_add_counter(inst, "no_send_buffer",
								NFG_CTR_INFO);
	if (cfg->svc->setup &&
	    cfg->svc->setup(inst, nfg_param(inst, "service_params"), &cfg->svc_state) < 0)
		return -1;
	return 0;
}

void
tcp_service_config_release(struct service_config *cfg)
{
	if (cfg->svc && cfg->svc->release && cfg->svc_state)
		cfg->svc->release(cfg->svc_state);
}

int
tcp_service_side_init(struct service_side *s, struct nfg_instance *inst,
		      const struct service_config *cfg, struct tcp_engine *e, unsigned worker,
		      uint32_t slots, int socket)
{
	s->cfg = cfg;
	s->e = e;
	s->worker = worker;
	s->buf_mem = rte_malloc_socket("tcp_service_send",
				       (size_t)cfg->send_buffers * cfg->send_buffer, 0, socket);
	s->free_bufs = rte_malloc_socket("tcp_service_free", cfg->send_buffers * sizeof(uint32_t),
					 0, socket);
	s->slot_buf = rte_malloc_socket("tcp_service_slots", slots * sizeof(uint32_t), 0, socket);
	s->states = rte_zmalloc_socket("tcp_service_state", (size_t)slots * cfg->state_size + 8,
				       0, socket);
	if (!s->buf_mem || !s->free_bufs || !s->slot_buf || !s->states)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u send buffers of %u "
				 "bytes and %u connections' state; give more (-- --no-huge -m MB) "
				 "or lower send_buffers or send_buffer", worker, cfg->send_buffers,
				 cfg->send_buffer, slots);
	for (uint32_t i = 0; i < cfg->send_buffers; i++)
		s->free_bufs[i] = cfg->send_buffers - 1 - i;
	s->nb_free = cfg->send_buffers;
	for (uint32_t i = 0; i < slots; i++)
		s->slot_buf[i] = UINT32_MAX;
	return 0;
}

void
tcp_service_side_free(struct service_side *s)
{
	rte_free(s->buf_mem);
	rte_free(s->free_bufs);
	rte_free(s->slot_buf);
	rte_free(s->states);
}

/* ---- the extension point -------------------------------------------------- */

static const char *
check_service(const void *entry)
{
	const struct nfg_tcp_service *s = entry;

	if (s->api_version != NFG_TCP_API_VERSION) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "tcp service \"%s\": built for TCP API %u (this "
			     "is %u)", s->name ? s->name : "?", s->api_version, NFG_TCP_API_VERSION);
		return NULL;
	}
	if (!s->name || !s->data) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "tcp service \"%s\": %s", s->name ? s->name : "?",
			     s->name ? "no data() callback" : "no name");
		return NULL;
	}
	return s->name;
}

RTE_INIT_PRIO(tcp_service_point, CLASS)
{
	nfg_extension_point(NFG_TCP_SERVICE_POINT, check_service);
}
