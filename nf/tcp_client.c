/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tcp_client: the client half of nftraffic. It opens connections to its
 * targets at a rate, sends a request, reads the response, repeats for the
 * configured rounds and closes, as many times as asked.
 *
 * Opening and finding connections is the connector's (tcp_connector.h);
 * this file is the application: the request, reading the response, rounds and
 * the close policy.
 */
#include <string.h>

#include <rte_malloc.h>

#include "nf_builtin.h"
#include "http_response.h"
#include "payload.h"
#include "tcp_connector.h"
#include "tcp_params.h"

#define FNV_BASIS 2166136261u

enum response_end { END_HTTP, END_CLOSE, END_BYTES };
enum close_policy { CLOSE_CLIENT, CLOSE_SERVER, CLOSE_RESET };

struct client_config {
	struct tcp_connector_config connector;
	struct payload request;
	uint16_t rounds;
	uint32_t think_ms;
	enum response_end response_end;
	uint32_t response_bytes;
	enum close_policy close;
	bool head; /* the request is a HEAD: its response has no body */
};

struct client_worker {
	struct tcp_connector k; /* first: the shared reporting reads its engine */
	const struct client_config *cfg;
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
	http_response_start(c, cfg->head);
	if (cfg->response_end == END_BYTES)
		c->rx_expect = cfg->response_bytes;
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

/* FNV-1a of the body (or the whole response), for the session record, to
 * check what arrived end to end. Without records nobody reads it. */
static inline void
sum_body(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	if (!e->records.cap)
		return;
	uint32_t h = c->rx_sum;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	c->rx_sum = h;
}

static void
client_data(struct tcp_engine *e, struct tcp_conn *c, const uint8_t *p, uint32_t n)
{
	const struct client_config *cfg = worker_of(e)->cfg;

	if (c->flags & CF_MSG_DONE)
		return; /* bytes beyond the response: counted, not judged */
	if (cfg->response_end == END_HTTP) {
		uint32_t body_at;
		bool done = http_response_take(c, p, n, &body_at);
		sum_body(e, c, p + body_at, n - body_at);
		if (done)
			finish_round(e, c);
		return;
	}
	sum_body(e, c, p, n);
	uint32_t got = c->rcv_nxt - (c->irs + 1) - c->rx_msg_start;
	if (cfg->response_end == END_BYTES && got >= c->rx_expect)
		finish_round(e, c);
}

static void
client_peer_closed(struct tcp_engine *e, struct tcp_conn *c)
{
	const struct client_config *cfg = worker_of(e)->cfg;

	uint32_t got = c->rcv_nxt - (c->irs + 1) - c->rx_msg_start;
	if (!(c->flags & CF_MSG_DONE) &&
	    ((cfg->response_end == END_CLOSE && got > 1) || /* got counts the FIN too */
	     (cfg->response_end == END_HTTP && http_response_ends_at_close(c))))
		finish_round(e, c);
	/* The server closed with rounds left (a 400 and close, say): the
	 * connection ends well, the exchange did not; say so. */
	if (c->round < cfg->rounds)
		e->ctr[TC_ENDED_EARLY]++;
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
	tcp_connector_released(&worker_of(e)->k, c);
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
	tcp_connector_time_wait(&worker_of(e)->k, c);
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

/* ---- setup -------------------------------------------------------------- */

static void
client_config_free(void *p)
{
	struct client_config *cfg = p;

	payload_free(&cfg->request);
	tcp_connector_config_free(&cfg->connector);
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
	if (tcp_connector_setup(inst, &cfg->connector, 0) < 0 ||
	    payload_from_params(inst, "request", "GET / HTTP/1.1\r\nHost: nfg\r\n\r\n",
				&cfg->request) < 0)
		return -1;
	cfg->head = cfg->request.len >= 5 && memcmp(cfg->request.bytes, "HEAD ", 5) == 0 &&
		    (cfg->request.counter_at < 0 || cfg->request.counter_at >= 5);
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
	if (cfg->response_end == END_CLOSE && cfg->rounds > 1)
		return nfg_error(inst, "rounds", "with response_end \"close\" a connection has one round "
				 "(its response ends when the server closes)");
	return 0;
}

static int
client_start(struct nfg_instance *inst)
{
	struct client_config *cfg = nfg_instance_config(inst);

	return tcp_connector_start(inst, &cfg->connector);
}

static int
client_init(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	const struct client_config *cfg = nfg_instance_config(inst);
	int socket = nfg_worker_socket(worker);
	struct client_worker *w = rte_zmalloc_socket("tcp_client", sizeof(*w), RTE_CACHE_LINE_SIZE,
						     socket);

	if (!w)
		return -1;
	nfg_node_set_state(node, w);
	w->cfg = cfg;
	if (tcp_connector_init(&w->k, inst, &cfg->connector, &client_app, w, worker, node,
			       socket) < 0)
		return -1;
	w->k.e.same_bytes = cfg->request.counter_at < 0; /* no "{conn}" in the request */
	return 0;
}

static void
client_fini(struct nfg_instance *inst, unsigned worker, struct rte_node *node)
{
	struct client_worker *w = nfg_node_state(node);
	(void)worker;

	if (!w)
		return;
	tcp_connector_fini(&w->k, inst);
	rte_free(w);
}

static const char *const response_ends[] = { "http", "close", "bytes", NULL };
static const char *const close_policies[] = { "client", "server", "reset", NULL };

static const struct nfg_param client_params[] = {
	TCP_ENGINE_PARAMS,
	TCP_CONNECTOR_PARAMS,
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
	  .doc = "how a response ends: HTTP framing (Content-Length, chunked, none for HEAD, "
		  "204 and 304), the server's FIN, or a byte count" },
	{ .name = "response_bytes", .type = NFG_T_INT, .def = "0", .min = 0, .max = 1 << 30,
	  .doc = "response length for response_end \"bytes\"" },
	{ .name = "close", .type = NFG_T_ENUM, .def = "\"client\"", .choices = close_policies,
	  .doc = "after the last response: we close (FIN), wait for the server's FIN, or reset" },
	{ 0 },
};

static const struct nfg_op tcp_client_op = {
	.api_version = NFG_API_VERSION,
	TCP_OP_COMMON_COUNTING(tcp_client_counters),
	.name = "tcp_client",
	.summary = "open TCP connections at a rate, request, read the response, close",
	.doc = "The client half of nftraffic: a user-space TCP stack that opens connections to\n"
	       "the targets (weighted) from its source addresses and ports, sends the request,\n"
	       "reads the response (HTTP framing, a byte count, or until the server\n"
	       "closes), repeats for \"rounds\", and closes as \"close\" says. Retransmits on\n"
	       "timeout (RFC 6298) and on three duplicate ACKs, honours the peer's window and\n"
	       "MSS. Its output is IPv4 and IPv6 TCP frames: set next_hop_mac, or send them\n"
	       "through an arp node (and nd, for IPv6 targets). Counts attempts, completions, failures by cause, retransmits; the\n"
	       "summary has connect and response time percentiles; --records FILE writes one\n"
	       "record per connection.",
	.input_doc = "parsed TCP segments (IPv4, IPv6) addressed to the client's ports",
	.example = "\"client\": {\"op\": \"tcp_client\", \"port\": \"p0\", \"targets\": "
		   "[{\"ip\": \"198.18.0.2\", \"port\": 80}], \"rate\": 10000, \"connections\": 100000}",
	.params = client_params,
	.setup = client_setup,
	.start = client_start,
	.init = client_init,
	.process = tcp_connector_process,
	.poll = tcp_connector_poll,
	.done = tcp_connector_done,
	.fini = client_fini,
	.histograms = tcp_client_histograms,
};

NFG_OPERATOR_REGISTER(tcp_client_op);
