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
#include <strings.h>

#include <rte_malloc.h>

#include "nf_builtin.h"
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
	  .doc = "how a response ends: HTTP Content-Length, the server's FIN, or a byte count" },
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
	       "reads the response (HTTP Content-Length, a byte count, or until the server\n"
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
