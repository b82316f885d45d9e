/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_service: runs a plugin's TCP service (include/nfg/tcp.h) on the
 * passive side of the TCP engine (tcp_listener.h). The listener accepts and
 * tracks the connections; this operator gives each one a send buffer and the
 * service's state, and turns the engine's callbacks into the service's.
 *
 * The engine regenerates any unacknowledged byte of the outgoing stream on
 * demand (fill()), so the send buffer is a ring indexed by stream offset:
 * bytes leave it when the peer acknowledges them, not when they are sent.
 */
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "nfg/tcp.h"
#include "tcp_listener.h"
#include "tcp_params.h"

struct service_config {
	struct tcp_listener_config listener;
	const struct nfg_tcp_service *svc;
	void *svc_state;
	uint32_t send_buffer;
	uint32_t state_size; /* conn_state_size rounded up to 8 */
};

struct service_worker {
	struct tcp_listener l; /* first: the shared reporting reads its engine */
	const struct service_config *cfg;
	uint8_t *send_bufs;    /* send_buffer bytes per slot */
	uint8_t *states;       /* state_size bytes per slot */
	unsigned worker;
};

/* What a callback is given: the connection and where it lives. */
struct nfg_tcp_conn {
	struct service_worker *w;
	struct tcp_conn *c;
};

static inline struct service_worker *
worker_of(struct tcp_engine *e)
{
	return e->app_ctx;
}

static inline uint8_t *
send_buf(const struct service_worker *w, const struct tcp_conn *c)
{
	return w->send_bufs + (size_t)conn_index(&w->l.e, c) * w->cfg->send_buffer;
}

/* The first byte of the outgoing stream the peer has not acknowledged. */
static inline uint32_t
acked_offset(const struct tcp_conn *c)
{
	uint32_t acked = c->snd_una - (c->iss + 1);

	/* Before the SYN is acknowledged it reads as -1, after our FIN one past
	 * the end: neither is a byte of the buffer. */
	return acked > c->tx_end ? (c->state == TCP_SYN_RCVD ? 0 : c->tx_end) : acked;
}

/* ---- the API services call -------------------------------------------- */

uint32_t
nfg_tcp_send_room(const struct nfg_tcp_conn *h)
{
	const struct tcp_conn *c = h->c;

	if ((c->flags & CF_FIN_QUEUED) ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return 0;
	return h->w->cfg->send_buffer - (c->tx_end - acked_offset(c));
}

uint32_t
nfg_tcp_send(struct nfg_tcp_conn *h, const void *data, uint32_t len)
{
	struct tcp_conn *c = h->c;
	uint32_t size = h->w->cfg->send_buffer, n = RTE_MIN(len, nfg_tcp_send_room(h));
	uint32_t at = c->tx_end % size, first = RTE_MIN(n, size - at);
	uint8_t *buf = send_buf(h->w, c);

	if (n == 0)
		return 0;
	memcpy(buf + at, data, first);
	memcpy(buf, (const uint8_t *)data + first, n - first);
	tcp_send_message(&h->w->l.e, c, n);
	return n;
}

void
nfg_tcp_close(struct nfg_tcp_conn *h)
{
	tcp_close(&h->w->l.e, h->c);
}

void
nfg_tcp_reset(struct nfg_tcp_conn *h)
{
	if (h->c->state != TCP_CLOSED)
		tcp_abort(&h->w->l.e, h->c, CAUSE_ABORTED);
}

void *
nfg_tcp_conn_state(const struct nfg_tcp_conn *h)
{
	return h->w->states + (size_t)conn_index(&h->w->l.e, h->c) * h->w->cfg->state_size;
}

void *
nfg_tcp_service_state(const struct nfg_tcp_conn *h)
{
	return h->w->cfg->svc_state;
}

struct nfg_tcp_conn_info
nfg_tcp_conn_info(const struct nfg_tcp_conn *h)
{
	const struct tcp_conn *c = h->c;

	return (struct nfg_tcp_conn_info){ c->remote_ip, c->local_ip, c->remote_port,
					   c->local_port, conn_index(&h->w->l.e, c),
					   h->w->worker };
}

/* ---- the engine's application ------------------------------------------ */

static void
service_established(struct tcp_engine *e, struct tcp_conn *c)
{
	struct nfg_tcp_conn h = { worker_of(e), c };

	tcp_listener_established(&h.w->l, c);
	if (h.w->cfg->svc->established)
		h.w->cfg->svc->established(&h);
}

static void
service_data(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	struct nfg_tcp_conn h = { worker_of(e), c };

	h.w->cfg->svc->data(&h, p, n);
}

static void
service_peer_closed(struct tcp_engine *e, struct tcp_conn *c)
{
	struct nfg_tcp_conn h = { worker_of(e), c };

	if (h.w->cfg->svc->peer_closed)
		h.w->cfg->svc->peer_closed(&h);
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
	struct nfg_tcp_conn h = { worker_of(e), c };
	const struct service_config *cfg = h.w->cfg;

	if (cfg->svc->released)
		cfg->svc->released(&h);
	/* Zeroed here, so the next connection in the slot starts from zeros. */
	memset(nfg_tcp_conn_state(&h), 0, cfg->state_size);
	tcp_listener_released(&h.w->l, c);
}

static void
service_fill(struct tcp_engine *e, const struct tcp_conn *c, uint32_t off, uint8_t *dst,
	     uint32_t len)
{
	const struct service_worker *w = worker_of(e);
	uint32_t size = w->cfg->send_buffer, at = off % size, first = RTE_MIN(len, size - at);
	const uint8_t *buf = send_buf(w, c);

	memcpy(dst, buf + at, first);
	memcpy(dst + first, buf, len - first);
}

static const struct tcp_app service_app = {
	.established = service_established,
	.data = service_data,
	.peer_closed = service_peer_closed,
	.think_over = service_think_over,
	.released = service_released,
	.fill = service_fill,
};

/* ---- the operator -------------------------------------------------------- */

static uint16_t
service_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t nb_objs)
{
	struct service_worker *w = nfg_node_state(node);

	tcp_listener_burst(&w->l, graph, node, objs, nb_objs);
	return nb_objs;
}

static void
service_poll(struct rte_graph *graph, struct rte_node *node)
{
	struct service_worker *w = nfg_node_state(node);

	tcp_listener_poll(&w->l, graph, node);
}

static void
service_config_free(void *p)
{
	struct service_config *cfg = p;

	if (cfg->svc && cfg->svc->release && cfg->svc_state)
		cfg->svc->release(cfg->svc_state);
	free(cfg);
}

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

static int
service_setup(struct nfg_instance *inst)
{
	struct service_config *cfg = calloc(1, sizeof(*cfg));
	const char *name = nfg_param_string(inst, "service");

	if (!cfg)
		return -1;
	nfg_instance_set_config(inst, cfg, service_config_free);
	cfg->svc = nfg_extension_find(NFG_TCP_SERVICE_POINT, name);
	if (!cfg->svc) {
		char names[256];
		service_names(names, sizeof(names));
		return nfg_error(inst, "service", "no service \"%s\" (loaded: %s; services come "
				 "from plugins, named in the graph's \"plugins\")", name,
				 names[0] ? names : "none");
	}
	cfg->send_buffer = (uint32_t)nfg_param_int(inst, "send_buffer");
	cfg->state_size = (cfg->svc->conn_state_size + 7u) & ~7u;
	if (cfg->svc->setup &&
	    cfg->svc->setup(inst, nfg_param(inst, "service_params"), &cfg->svc_state) < 0)
		return -1;
	return tcp_listener_setup(inst, &cfg->listener,
				  (uint64_t)cfg->send_buffer + cfg->state_size);
}

static int
service_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct service_config *cfg = nfg_instance_config(inst);
	int socket = tcp_listener_socket(inst, &cfg->listener);
	struct service_worker *w = rte_zmalloc_socket("tcp_service", sizeof(*w),
						      RTE_CACHE_LINE_SIZE, socket);
	uint64_t slots = cfg->listener.max_connections;

	if (!w)
		return -1;
	nfg_node_set_state(node, w);
	w->cfg = cfg;
	w->worker = worker;
	w->send_bufs = rte_malloc_socket("tcp_service_send", slots * cfg->send_buffer, 0, socket);
	w->states = rte_zmalloc_socket("tcp_service_state", slots * cfg->state_size + 8, 0, socket);
	if (!w->send_bufs || !w->states)
		return nfg_error(inst, NULL, "worker %u: no DPDK memory for %u send buffers of %u "
				 "bytes; give more (-- --no-huge -m MB) or lower max_connections or "
				 "send_buffer", worker, cfg->listener.max_connections,
				 cfg->send_buffer);
	return tcp_listener_init(&w->l, inst, &cfg->listener, &service_app, w, worker, node,
				 socket);
}

static void
service_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct service_worker *w = nfg_node_state(node);
	(void)worker;

	if (!w)
		return;
	tcp_listener_fini(&w->l, inst);
	rte_free(w->send_bufs);
	rte_free(w->states);
	rte_free(w);
}

static const struct nfg_param service_params[] = {
	TCP_ENGINE_PARAMS,
	TCP_LISTENER_PARAMS(65536),
	{ .name = "service", .type = NFG_T_STRING,
	  .doc = "the service to run: a name a plugin registered (nfg/tcp.h)" },
	{ .name = "service_params", .type = NFG_T_ANY, .flags = NFG_P_OPTIONAL,
	  .doc = "what the service reads in its setup()" },
	{ .name = "send_buffer", .type = NFG_T_INT, .def = "16384", .min = 64, .max = 1 << 24,
	  .doc = "bytes queued per connection until the peer acknowledges them" },
	{ 0 },
};

static const struct nfg_op tcp_service_op = {
	.api_version = NFG_API_VERSION,
	.name = "tcp_service",
	.summary = "accept TCP connections for a plugin's service (nfg/tcp.h)",
	.doc = "Runs a TCP service a plugin brings: the plugin's callbacks see each\n"
	       "connection's bytes in order and queue replies; nfg's TCP engine does the\n"
	       "handshakes, retransmission, windows, congestion control, TIME_WAIT, records\n"
	       "and counters, as for tcp_server. Its output is IPv4/TCP frames: set\n"
	       "next_hop_mac, or send them through an arp node.",
	.input_doc = "parsed IPv4/TCP segments addressed to the service",
	.example = "\"kv\": {\"op\": \"tcp_service\", \"service\": \"resp\", \"port\": \"p0\", "
		   "\"listen\": [\"*:6379\"]}",
	.params = service_params,
	.outputs = (const char *const[]){ "out", NULL },
	.flags = NFG_OP_RECORDS | NFG_OP_POLL_WHEN_ASKED,
	.counters = tcp_counters,
	.setup = service_setup,
	.init = service_init,
	.process = service_process,
	.poll = service_poll,
	.fini = service_fini,
	.progress = tcp_progress,
	.summarize = tcp_summarize,
	.stats_json = tcp_stats_json,
	.histograms = tcp_server_histograms,
	.observe = tcp_engine_observe,
};

NFG_OPERATOR_REGISTER(tcp_service_op);

/* ---- the extension point -------------------------------------------------- */

static const char *
check_service(const void *entry)
{
	const struct nfg_tcp_service *s = entry;

	if (!s->name || !s->data || s->api_version != NFG_TCP_API_VERSION) {
		nfg_node_log(NULL, NFG_LOG_ERROR, "tcp service: no name or data(), or built for TCP "
			     "API %u (this is %u)", s->api_version, NFG_TCP_API_VERSION);
		return NULL;
	}
	return s->name;
}

RTE_INIT_PRIO(tcp_service_point, CLASS)
{
	nfg_extension_point(NFG_TCP_SERVICE_POINT, check_service);
}
