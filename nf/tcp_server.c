/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_server: the server half of nftraffic. It accepts connections on its
 * listen addresses, answers each request (delimited by a string such as
 * "\r\n\r\n", or by a byte count) with the configured response, and closes
 * after it or waits for the client to close.
 *
 * Accepting, finding and freeing connections is the listener's
 * (tcp_listener.h); this file is the application. Responses are all the same
 * bytes, so any offset of the outgoing stream is regenerated from them: no
 * send buffers.
 */
#include <rte_malloc.h>

#include "nf_builtin.h"
#include "payload.h"
#include "tcp_listener.h"
#include "tcp_params.h"

#define MAX_DELIM 64

struct server_config {
	struct tcp_listener_config listener;
	struct payload response;
	uint8_t delim[MAX_DELIM];
	uint8_t delim_fail[MAX_DELIM];    /* KMP failure function of delim */
	unsigned delim_len;
	uint32_t request_bytes;
	bool close_after_response;
};

struct server_worker {
	struct tcp_listener l; /* first: the shared reporting reads its engine */
	const struct server_config *cfg;
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
	tcp_listener_established(&worker_of(e)->l, c);
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
	tcp_listener_released(&worker_of(e)->l, c);
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
	if (tcp_listener_setup(inst, &cfg->listener, 0) < 0 || parse_request_end(inst, cfg) < 0 ||
	    payload_from_params(inst, "response", "", &cfg->response) < 0)
		return -1;
	/* Every response is the same bytes (that is how any offset is regenerated
	 * without a send buffer), so it cannot carry a per-connection number. */
	if (cfg->response.counter_at >= 0)
		return nfg_error(inst, "response", "\"%s\" is for requests; a response is the "
				 "same for every connection", PAYLOAD_COUNTER);
	if (nfg_param_bool(inst, "http") && payload_wrap_http(&cfg->response,
							      cfg->close_after_response) < 0)
		return -1;
	if (cfg->response.len == 0)
		return nfg_error(inst, "response", "the response is empty: give response, "
				 "response_size, response_file, or set http");
	return 0;
}

static int
server_start(struct nfg_instance *inst)
{
	struct server_config *cfg = nfg_instance_config(inst);

	return tcp_listener_start(inst, &cfg->listener);
}

static int
server_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct server_config *cfg = nfg_instance_config(inst);
	int socket = nfg_worker_socket(worker);
	struct server_worker *w = rte_zmalloc_socket("tcp_server", sizeof(*w), RTE_CACHE_LINE_SIZE,
						     socket);

	if (!w)
		return -1;
	nfg_node_set_state(node, w);
	w->cfg = cfg;
	if (tcp_listener_init(&w->l, inst, &cfg->listener, &server_app, w, worker, node,
			      socket) < 0)
		return -1;
	w->l.e.same_bytes = true; /* every response is the same bytes */
	return 0;
}

static void
server_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct server_worker *w = nfg_node_state(node);
	(void)worker;

	if (!w)
		return;
	tcp_listener_fini(&w->l, inst);
	rte_free(w);
}

static const char *const close_policies[] = { "server", "client", NULL };

static const struct nfg_param server_params[] = {
	TCP_ENGINE_PARAMS,
	TCP_LISTENER_PARAMS(1048576),
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
	{ 0 },
};
static const struct nfg_op tcp_server_op = {
	.api_version = NFG_API_VERSION,
	TCP_OP_COMMON,
	.name = "tcp_server",
	.summary = "accept TCP connections, answer each request, close",
	.doc = "The server half of nftraffic: a user-space TCP stack that accepts connections\n"
	       "on its listen addresses, reads requests (ended by request_end, or\n"
	       "request_bytes long), answers each with the response — any size, sent as the\n"
	       "client's window allows — and closes after it (or when the client closes).\n"
	       "Every request gets the same response, whatever its method (a HEAD too).\n"
	       "Same retransmission, window and MSS handling as tcp_client. Its output is\n"
	       "IPv4 and IPv6 TCP frames: set next_hop_mac, or send them through an arp node\n"
	       "(and nd, when the port has an IPv6 address).",
	.input_doc = "parsed TCP segments (IPv4, IPv6) addressed to the server",
	.example = "\"server\": {\"op\": \"tcp_server\", \"port\": \"p0\", \"listen\": [\"*:80\"], "
		   "\"response_size\": 1024}",
	.params = server_params,
	.setup = server_setup,
	.start = server_start,
	.init = server_init,
	.process = tcp_listener_process,
	.poll = tcp_listener_poll,
	.fini = server_fini,
	.histograms = tcp_server_histograms,
};

NFG_OPERATOR_REGISTER(tcp_server_op);
